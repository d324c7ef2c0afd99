//! The command line: global settings, one command, its options. Parsed with `lexopt`, checked
//! per command, so a misplaced option is a usage error that names the command.

use std::ffi::OsString;
use std::path::PathBuf;

use lexopt::prelude::*;

use crate::help;

/// Settings every command shares (flags win over the environment).
#[derive(Default, Clone)]
pub struct Global {
    pub url: Option<String>,
    pub api_key: Option<String>,
    pub insecure: bool,
    pub ca_cert: Option<PathBuf>,
    pub json: bool,
}

impl std::fmt::Debug for Global {
    /// Like the derived form, but the API key shows as `***`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Global")
            .field("url", &self.url)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("insecure", &self.insecure)
            .field("ca_cert", &self.ca_cert)
            .field("json", &self.json)
            .finish()
    }
}

/// What to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Help(Option<String>),
    Version,
    Server,
    Me,
    Albums(AlbumsCommand),
    Upload(UploadArgs),
    Download {
        id: String,
        output: Option<PathBuf>,
        overwrite: bool,
    },
    Thumbnail {
        id: String,
        size: String,
        output: PathBuf,
        overwrite: bool,
    },
    Search(SearchArgs),
    Backup(BackupArgs),
    People {
        all: bool,
    },
    Tags,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AlbumsCommand {
    List,
    Show(String),
    Create {
        name: String,
        description: Option<String>,
    },
    Add {
        album: String,
        assets: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct UploadArgs {
    pub paths: Vec<PathBuf>,
    pub concurrency: usize,
    pub album: Option<String>,
    /// The upload-only options (selection, albums and tags, pairs, operations).
    pub more: crate::upload_args::UploadMore,
}

/// `immich backup DIR`.
#[derive(Debug, Clone, PartialEq)]
pub struct BackupArgs {
    pub dir: PathBuf,
    pub dry_run: bool,
    pub prune_trash: bool,
    pub source: SourceChoice,
    /// Log in as this user (the password from the environment or stdin, never an argument).
    pub email: Option<String>,
    pub password_stdin: bool,
    /// Originals downloaded at once (`--jobs`).
    pub jobs: usize,
}

/// The default number of originals `immich backup` downloads at once.
pub const DEFAULT_BACKUP_JOBS: usize = 4;
/// The most `--jobs` allows.
pub const MAX_BACKUP_JOBS: usize = 16;

/// `--source` of `immich backup`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceChoice {
    /// The sync stream with a login session when available, else the walk.
    Auto,
    /// Metadata search and id listing (any credential).
    Walk,
    /// The sync stream (a login session).
    Sync,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchArgs {
    pub favorite: bool,
    pub albums: Vec<String>,
    pub people: Vec<String>,
    pub tags: Vec<String>,
    pub taken_after: Option<String>,
    pub taken_before: Option<String>,
    pub media_type: Option<String>,
    pub limit: Option<usize>,
    pub smart: Option<String>,
}

/// The default number of parallel uploads.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// The most parallel uploads `--concurrency` allows.
pub const MAX_CONCURRENCY: usize = 64;

/// Options that belong to some commands only, collected before the command is known.
#[derive(Default)]
struct Collected {
    given: Vec<&'static str>,
    concurrency: Option<usize>,
    album: Vec<String>,
    output: Option<PathBuf>,
    overwrite: bool,
    size: Option<String>,
    all: bool,
    description: Option<String>,
    search: SearchArgs,
    upload: crate::upload_args::UploadMore,
    prune_trash: bool,
    source: Option<SourceChoice>,
    email: Option<String>,
    password_stdin: bool,
    jobs: Option<usize>,
    help: bool,
}

/// Parses the arguments after the program name.
pub fn parse(args: Vec<OsString>) -> Result<(Global, Command), String> {
    let mut parser = lexopt::Parser::from_args(args);
    let mut global = Global::default();
    let mut opts = Collected::default();
    let mut command: Option<String> = None;
    let mut positionals: Vec<OsString> = Vec::new();
    let mut version = false;
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        match arg {
            Long("url") => global.url = Some(string(parser.value(), "--url")?),
            Long("api-key") => global.api_key = Some(string(parser.value(), "--api-key")?),
            Long("insecure") => global.insecure = true,
            Long("ca-cert") => global.ca_cert = Some(path(parser.value(), "--ca-cert")?),
            Long("json") => global.json = true,
            Short('h') | Long("help") => opts.help = true,
            Short('V') | Long("version") => version = true,
            Long("concurrency") | Short('j') => {
                opts.given.push("--concurrency");
                let text = string(parser.value(), "--concurrency")?;
                match text.parse::<usize>() {
                    Ok(n) if (1..=MAX_CONCURRENCY).contains(&n) => opts.concurrency = Some(n),
                    _ => {
                        return Err(format!(
                            "--concurrency takes a number from 1 to {MAX_CONCURRENCY}, not {text:?}"
                        ))
                    }
                }
            }
            Long("album") => {
                opts.given.push("--album");
                opts.album.push(string(parser.value(), "--album")?);
            }
            Short('o') | Long("output") => {
                opts.given.push("--output");
                opts.output = Some(path(parser.value(), "--output")?);
            }
            Long("overwrite") => {
                opts.given.push("--overwrite");
                opts.overwrite = true;
            }
            Long("size") => {
                opts.given.push("--size");
                opts.size = Some(string(parser.value(), "--size")?);
            }
            Long("all") => {
                opts.given.push("--all");
                opts.all = true;
            }
            Long("description") => {
                opts.given.push("--description");
                opts.description = Some(string(parser.value(), "--description")?);
            }
            Long("favorite") | Long("favourite") => {
                opts.given.push("--favorite");
                opts.search.favorite = true;
            }
            Long("person") => {
                opts.given.push("--person");
                opts.search.people.push(string(parser.value(), "--person")?);
            }
            Long("tag") => {
                opts.given.push("--tag");
                opts.search.tags.push(string(parser.value(), "--tag")?);
            }
            Long("taken-after") => {
                opts.given.push("--taken-after");
                opts.search.taken_after = Some(string(parser.value(), "--taken-after")?);
            }
            Long("taken-before") => {
                opts.given.push("--taken-before");
                opts.search.taken_before = Some(string(parser.value(), "--taken-before")?);
            }
            Long("type") => {
                opts.given.push("--type");
                opts.search.media_type = Some(string(parser.value(), "--type")?);
            }
            Long("limit") => {
                opts.given.push("--limit");
                let text = string(parser.value(), "--limit")?;
                match text.parse::<usize>() {
                    Ok(n) if n > 0 => opts.search.limit = Some(n),
                    _ => return Err(format!("--limit takes a positive number, not {text:?}")),
                }
            }
            Long("smart") => {
                opts.given.push("--smart");
                opts.search.smart = Some(string(parser.value(), "--smart")?);
            }
            Long("prune-trash") => {
                opts.given.push("--prune-trash");
                opts.prune_trash = true;
            }
            Long("source") => {
                opts.given.push("--source");
                let text = string(parser.value(), "--source")?;
                opts.source = Some(match text.as_str() {
                    "auto" => SourceChoice::Auto,
                    "walk" => SourceChoice::Walk,
                    "sync" => SourceChoice::Sync,
                    _ => return Err(format!("--source is auto, walk or sync, not {text:?}")),
                });
            }
            Long("email") => {
                opts.given.push("--email");
                opts.email = Some(string(parser.value(), "--email")?);
            }
            Long("password-stdin") => {
                opts.given.push("--password-stdin");
                opts.password_stdin = true;
            }
            Long("jobs") => {
                opts.given.push("--jobs");
                let text = string(parser.value(), "--jobs")?;
                match text.parse::<usize>() {
                    Ok(n) if (1..=MAX_BACKUP_JOBS).contains(&n) => opts.jobs = Some(n),
                    _ => {
                        return Err(format!(
                            "--jobs takes a number from 1 to {MAX_BACKUP_JOBS}, not {text:?}"
                        ))
                    }
                }
            }
            Long("password") => {
                return Err("a password is never given on the command line: set \
                            IMMICH_PASSWORD or pass --password-stdin"
                    .into())
            }
            Long(name) if crate::upload_args::is_option(name).is_some() => {
                let name = crate::upload_args::is_option(name).unwrap_or_default();
                opts.given.push(name);
                crate::upload_args::take(&mut opts.upload, name, &mut parser)?;
            }
            Value(value) if command.is_none() => {
                command = Some(
                    value
                        .into_string()
                        .map_err(|v| format!("unknown command {v:?}"))?,
                )
            }
            Value(value) => positionals.push(value),
            other => return Err(other.unexpected().to_string()),
        }
    }
    if version {
        return Ok((global, Command::Version));
    }
    let Some(name) = command else {
        return Ok((global, Command::Help(None)));
    };
    if name == "help" {
        let topic = positionals
            .first()
            .map(|p| p.to_string_lossy().into_owned());
        return Ok((global, Command::Help(topic)));
    }
    if opts.help {
        return Ok((global, Command::Help(Some(name))));
    }
    let Some(allowed) = help::options_of(&name) else {
        return Err(format!("unknown command `{name}`"));
    };
    if let Some(option) = opts.given.iter().find(|o| !allowed.contains(o)) {
        return Err(format!("`{option}` is not an option of `immich {name}`"));
    }
    let command = build(&name, positionals, opts)?;
    Ok((global, command))
}

fn build(name: &str, positionals: Vec<OsString>, opts: Collected) -> Result<Command, String> {
    let mut texts = Vec::new();
    for p in &positionals {
        match p.to_str() {
            Some(text) => texts.push(text.to_owned()),
            // Only upload and backup paths may be any bytes; ids and names are text.
            None if name == "upload" || name == "backup" => texts.push(String::new()),
            None => return Err(format!("{p:?} is not valid text")),
        }
    }
    let none_expected = |texts: &[String]| match texts.first() {
        Some(extra) => Err(format!("`immich {name}` takes no argument `{extra}`")),
        None => Ok(()),
    };
    Ok(match name {
        "server" => {
            none_expected(&texts)?;
            Command::Server
        }
        "me" => {
            none_expected(&texts)?;
            Command::Me
        }
        "tags" => {
            none_expected(&texts)?;
            Command::Tags
        }
        "people" => {
            none_expected(&texts)?;
            Command::People { all: opts.all }
        }
        "albums" => Command::Albums(albums(texts, opts.description)?),
        "upload" => {
            if positionals.is_empty() {
                return Err("`immich upload` needs at least one file or folder".into());
            }
            if opts.album.len() > 1 {
                return Err("`immich upload` takes one --album".into());
            }
            Command::Upload(UploadArgs {
                paths: positionals.into_iter().map(PathBuf::from).collect(),
                concurrency: opts.concurrency.unwrap_or(DEFAULT_CONCURRENCY),
                album: opts.album.into_iter().next(),
                more: crate::upload_args::finish(opts.upload, opts.search.tags)?,
            })
        }
        "backup" => {
            let [dir] = positionals.as_slice() else {
                return Err("`immich backup` takes one folder: immich backup DIR".into());
            };
            Command::Backup(BackupArgs {
                dir: PathBuf::from(dir),
                dry_run: opts.upload.dry_run,
                prune_trash: opts.prune_trash,
                source: opts.source.unwrap_or(SourceChoice::Auto),
                email: opts.email,
                password_stdin: opts.password_stdin,
                jobs: opts.jobs.unwrap_or(DEFAULT_BACKUP_JOBS),
            })
        }
        "download" => match texts.as_slice() {
            [id] => Command::Download {
                id: id.clone(),
                output: opts.output,
                overwrite: opts.overwrite,
            },
            _ => return Err("`immich download` takes one asset id".into()),
        },
        "thumbnail" => {
            let [id] = texts.as_slice() else {
                return Err("`immich thumbnail` takes one asset id".into());
            };
            let size = opts.size.unwrap_or_else(|| "thumbnail".to_owned());
            if !matches!(size.as_str(), "thumbnail" | "preview" | "fullsize") {
                return Err(format!(
                    "--size is thumbnail, preview or fullsize, not {size:?}"
                ));
            }
            let Some(output) = opts.output else {
                return Err("`immich thumbnail` needs -o PATH".into());
            };
            Command::Thumbnail {
                id: id.clone(),
                size,
                output,
                overwrite: opts.overwrite,
            }
        }
        "search" => {
            none_expected(&texts)?;
            let mut search = opts.search;
            search.albums = opts.album;
            Command::Search(search)
        }
        other => return Err(format!("unknown command `{other}`")),
    })
}

fn albums(texts: Vec<String>, description: Option<String>) -> Result<AlbumsCommand, String> {
    let mut words = texts.into_iter();
    let sub = words.next();
    let rest: Vec<String> = words.collect();
    if description.is_some() && sub.as_deref() != Some("create") {
        return Err("--description goes with `immich albums create`".into());
    }
    match (sub.as_deref(), rest.as_slice()) {
        (None, _) | (Some("list"), []) => Ok(AlbumsCommand::List),
        (Some("show"), [id]) => Ok(AlbumsCommand::Show(id.clone())),
        (Some("create"), [name]) => Ok(AlbumsCommand::Create {
            name: name.clone(),
            description,
        }),
        (Some("add"), [album, assets @ ..]) if !assets.is_empty() => Ok(AlbumsCommand::Add {
            album: album.clone(),
            assets: assets.to_vec(),
        }),
        (Some("show"), _) => Err("usage: immich albums show ALBUM_ID".into()),
        (Some("create"), _) => {
            Err("usage: immich albums create NAME (quote a name with spaces)".into())
        }
        (Some("add"), _) => Err("usage: immich albums add ALBUM_ID ASSET_ID...".into()),
        (Some("list"), _) => Err("`immich albums list` takes no argument".into()),
        (Some(other), _) => Err(format!(
            "unknown albums command `{other}` (list, show, create, add)"
        )),
    }
}

fn string(value: Result<OsString, lexopt::Error>, option: &str) -> Result<String, String> {
    let value = value.map_err(|e| e.to_string())?;
    value
        .into_string()
        .map_err(|v| format!("the value of {option} is not valid text: {v:?}"))
}

fn path(value: Result<OsString, lexopt::Error>, _option: &str) -> Result<PathBuf, String> {
    value.map(PathBuf::from).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_line(line: &str) -> Result<(Global, Command), String> {
        parse(line.split_whitespace().map(OsString::from).collect())
    }

    #[test]
    fn debug_hides_the_api_key() {
        let (global, _) = parse_line("--api-key s3cr3t-key me").unwrap();
        let shown = format!("{global:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("***"));
    }

    #[test]
    fn global_options_anywhere() {
        let (global, command) =
            parse_line("--url http://x upload a b --json --api-key k -j 8 --album Trip").unwrap();
        assert_eq!(global.url.as_deref(), Some("http://x"));
        assert_eq!(global.api_key.as_deref(), Some("k"));
        assert!(global.json);
        assert_eq!(
            command,
            Command::Upload(UploadArgs {
                paths: vec!["a".into(), "b".into()],
                concurrency: 8,
                album: Some("Trip".into()),
                ..UploadArgs::default()
            })
        );
    }

    #[test]
    fn options_belong_to_their_command() {
        let error = parse_line("people --smart beach").unwrap_err();
        assert_eq!(error, "`--smart` is not an option of `immich people`");
        assert!(parse_line("upload").unwrap_err().contains("at least one"));
        assert!(parse_line("thumbnail ID --size huge -o x")
            .unwrap_err()
            .contains("thumbnail, preview or fullsize"));
        assert!(parse_line("upload a -j 0").unwrap_err().contains("1 to 64"));
        assert!(parse_line("frobnicate")
            .unwrap_err()
            .contains("unknown command"));
    }

    #[test]
    fn backup_options() {
        let (_, command) =
            parse_line("backup /b --dry-run --prune-trash --source walk --email a@b.c").unwrap();
        assert_eq!(
            command,
            Command::Backup(BackupArgs {
                dir: "/b".into(),
                dry_run: true,
                prune_trash: true,
                source: SourceChoice::Walk,
                email: Some("a@b.c".into()),
                password_stdin: false,
                jobs: DEFAULT_BACKUP_JOBS,
            })
        );
        let jobs = |line: &str| match parse_line(line).map(|(_, c)| c) {
            Ok(Command::Backup(args)) => Ok(args.jobs),
            Ok(other) => panic!("{other:?}"),
            Err(e) => Err(e),
        };
        assert_eq!(jobs("backup /b --jobs 1"), Ok(1));
        assert_eq!(jobs("backup /b --jobs 16"), Ok(16));
        for bad in ["0", "17", "four", "-1"] {
            let err = jobs(&format!("backup /b --jobs {bad}")).unwrap_err();
            assert!(err.contains("--jobs takes a number from 1 to 16"), "{err}");
        }
        assert!(parse_line("upload a --jobs 2").is_err());
        assert!(parse_line("backup").unwrap_err().contains("one folder"));
        assert!(parse_line("backup /b --source fast")
            .unwrap_err()
            .contains("auto, walk or sync"));
        assert!(parse_line("backup /b --password hunter2")
            .unwrap_err()
            .contains("never given on the command line"));
        assert!(parse_line("me --prune-trash").is_err());
    }

    #[test]
    fn help_forms() {
        assert_eq!(parse_line("").unwrap().1, Command::Help(None));
        assert_eq!(
            parse_line("upload --help").unwrap().1,
            Command::Help(Some("upload".into()))
        );
        assert_eq!(
            parse_line("help search").unwrap().1,
            Command::Help(Some("search".into()))
        );
    }

    #[test]
    fn albums_subcommands() {
        assert_eq!(
            parse_line("albums").unwrap().1,
            Command::Albums(AlbumsCommand::List)
        );
        assert_eq!(
            parse_line("albums add A B C").unwrap().1,
            Command::Albums(AlbumsCommand::Add {
                album: "A".into(),
                assets: vec!["B".into(), "C".into()]
            })
        );
        assert!(parse_line("albums add A").is_err());
        assert!(parse_line("albums show A --description x").is_err());
    }

    #[test]
    fn search_filters() {
        let (_, command) = parse_line(
            "search --favorite --album Trip --person Ann --tag Pets --taken-after 2024-01-01 --limit 5",
        )
        .unwrap();
        let Command::Search(search) = command else {
            panic!("not a search")
        };
        assert!(search.favorite);
        assert_eq!(search.albums, ["Trip"]);
        assert_eq!(search.people, ["Ann"]);
        assert_eq!(search.tags, ["Pets"]);
        assert_eq!(search.taken_after.as_deref(), Some("2024-01-01"));
        assert_eq!(search.limit, Some(5));
    }
}
