//! Help texts, and which options each command takes.

/// The options a command accepts (besides the global ones), or `None` for an unknown command.
pub fn options_of(command: &str) -> Option<&'static [&'static str]> {
    Some(match command {
        "server" | "me" | "tags" => &[],
        "albums" => &["--description"],
        "people" => &["--all"],
        "upload" => crate::upload_args::OPTIONS,
        "download" => &["--output", "--overwrite"],
        "backup" => &[
            "--dry-run",
            "--prune-trash",
            "--source",
            "--email",
            "--password-stdin",
            "--jobs",
        ],
        "thumbnail" => &["--size", "--output", "--overwrite"],
        "search" => &[
            "--favorite",
            "--album",
            "--person",
            "--tag",
            "--taken-after",
            "--taken-before",
            "--type",
            "--limit",
            "--smart",
        ],
        _ => return None,
    })
}

/// `immich --help`.
pub const MAIN: &str = "\
immich: work with an Immich photo server from the command line

Usage: immich [SETTINGS] COMMAND [ARGS]

Commands:
  server                    server version, build, features and storage
  me                        the user the API key belongs to
  albums                    list albums; `albums show ID`, `albums create NAME`,
                            `albums add ALBUM_ID ASSET_ID...`
  upload PATH...            upload files and folders (recursive), skipping duplicates
  download ID [-o PATH]     download an original, resumable and checksum-verified
  thumbnail ID -o PATH      save a thumbnail, preview or full-size rendition
  search [FILTERS]          find assets by metadata, or `--smart QUERY`
  backup DIR                an incremental, verified copy of your library in DIR
  people                    list the named people
  tags                      list the tags
  help COMMAND              show a command's options

Settings (flags win over the environment):
  --url URL                 the server, e.g. https://photos.example.com   [IMMICH_URL]
  --api-key KEY             an API key from the web UI's account settings [IMMICH_API_KEY]
  --ca-cert FILE            also trust this PEM certificate (a home CA or self-signed server)
  --insecure                accept any TLS certificate (prefer --ca-cert)
  --json                    print JSON for scripts instead of text
  -h, --help                show help; `immich COMMAND --help` for one command
  -V, --version             show the version of this tool

Exit status: 0 on success, 1 when something failed, 2 for a usage error.
";

/// `immich COMMAND --help`, or `None` for an unknown command.
pub fn command(name: &str) -> Option<&'static str> {
    Some(match name {
        "server" => {
            "\
Usage: immich server

Shows the server's version and build (GET /server/about), its features, how much of its
storage is used and (for an admin's key) how many photos and videos it holds. Only the
version is needed: a part the server refuses (an older server, a key without server.about,
server.storage or server.statistics) shows as unavailable with the reason, and the command
still succeeds. With --json a refused part is null and `unavailable` names why.
"
        }
        "me" => {
            "\
Usage: immich me

Shows the user the API key belongs to: name, email, id, admin or not, quota.
"
        }
        "albums" => {
            "\
Usage: immich albums [list]
       immich albums show ALBUM_ID
       immich albums create NAME [--description TEXT]
       immich albums add ALBUM_ID ASSET_ID...

list    every album you own or that is shared with you: id, asset count, name
show    one album and its assets
create  a new, empty album; prints its id
add     adds assets to an album; exits 1 if one could not be added (one already in the album
        is fine)
"
        }
        "upload" => {
            "\
Usage: immich upload [OPTIONS] PATH...

Uploads files, and folders with everything below them. Before sending anything it asks the
server which file types it takes (other files are skipped) and checks every file's SHA-1
against the server's library: files it already has are reported as duplicates, not sent, so
an interrupted upload is resumed by running it again.

  -j, --concurrency N   upload N files at a time (1 to 64, default 4)

Selection:
  --include GLOB        only files matching GLOB (repeatable); a GLOB without `/` matches the
                        file name in any folder, one with `/` the path below the folder given
                        (`*` stays in a folder, `**` crosses folders)
  --exclude GLOB        leave out files matching GLOB (repeatable, same rules)
  --ext LIST            only these extensions, e.g. jpg,heic,dng (repeatable)
  --date-range FROM..TO only files whose date is in the range: YYYY-MM-DD days (both
                        included) or RFC 3339 instants, either side may be empty
                        (2024-06-01..). The date is the capture date in the file's EXIF
                        (DateTimeOriginal, read from its first MiB; without an offset the
                        camera's local time counts as UTC) or a video's movie header, else
                        its modification time
  --include-hidden      also take hidden files and folders (names starting with `.`)
  Always skipped: system files and folders (.DS_Store, ._* AppleDouble files, @eaDir,
  .thumbnails, .Trash-*, $RECYCLE.BIN, System Volume Information, Thumbs.db, desktop.ini).
  A `.immichignore` file in a folder given on the command line leaves out what its lines
  match, gitignore-like: `#` comments, `!` takes back an earlier match, a trailing `/`
  matches folders only, a `/` at the start or in the middle matches from that folder
  (otherwise a name at any depth); an ignored folder is not entered.

Albums and tags:
  --album ALBUM         add the uploaded files (and the duplicates) to this album: an id, or
                        the exact name (created if no album has it; refused before anything
                        is sent if several have it)
  --folder-as-album name|path
                        add each file to the album of its folder: `name` the folder's name,
                        `path` its path from the folder given (that one's name included),
                        joined with `/`; created when missing
  --tag NAME            tag the files NAME (repeatable); nested tags as paths (Trips/2025);
                        created when missing

Sidecars and pairs (by name, in the same folder, ignoring case):
  An XMP sidecar `IMG_1.jpg.xmp`, or `IMG_1.xmp`, is sent with its image. A photo
  (.heic/.jpg) and a video (.mov/.mp4) of the same name are a live photo: the video is sent
  first, hidden, then the photo linked to it. Images of the same name (RAW+JPEG, HEIC+JPEG)
  are stacked, and so are bursts: NAME_BURST001[_COVER]..., NAME_BURST<time>, and
  YYYYMMDD_HHMMSS_001... (the _COVER frame, else the first by name, on top), and numbered
  frames (IMG_0001.JPG, IMG_0002.JPG...) each taken within a second of the one before, by
  their EXIF capture time (the first on top). A stack made on an earlier run is not made
  again.
  --stack-cover raw|jpeg  which image of a pair is on top (default jpeg; raw: the RAW, or
                        the HEIC)
  --no-stack            upload pairs and bursts without stacking them

Google Photos Takeout:
  --takeout             the PATHs are one Google Photos Takeout: its zips (takeout-*.zip, all
                        parts together) or the extracted folder. Each media file is matched
                        with its JSON sidecar in the same folder (IMG_1.jpg.json, the
                        .supplemental-metadata suffix whole or cut, long names cut to 46/47
                        characters, IMG_1(1).jpg with IMG_1.jpg(1).json, IMG_1.json, -edited
                        copies with the original's JSON); the JSON's capture time (the file's
                        date, and the date taken), GPS, description, favourite and archived
                        state are set on the asset. Album folders become albums (named by
                        their metadata.json title), year folders (Photos from 2019) do not; a
                        photo in several albums goes in each. Trashed items are skipped; a
                        file no JSON matches is uploaded with its own dates and reported.
                        Run again, it fixes assets already on the server: missing albums,
                        dates, favourite, archived, description, GPS
  --include-trashed     with --takeout: also upload the items trashed in Google Photos

Operations:
  --dry-run             say per file what would happen and send nothing that changes the
                        server (it still reads: file types, albums, the SHA-1 check)
  --pause-jobs          (admins) pause the server's heavy jobs (thumbnails, metadata, video
                        conversion, faces, smart search, duplicates, OCR) during the upload;
                        they are resumed after it, also when it fails or on Ctrl-C (which
                        stops it between files; a second Ctrl-C quits at once). Jobs paused
                        before stay paused
  --on-error continue|stop
                        continue (default): one failed file does not stop the others; stop:
                        no further file is sent after a failure
  --report FILE         append one JSON line per file: path, outcome (uploaded, duplicate,
                        would-upload, skipped, failed, sidecar), id, reason or error, its
                        sidecar, live photo video and albums. The file is appended to, never
                        replaced

Prints progress on stderr when it is a terminal, then a summary: uploaded, duplicates,
skipped, failed. Exits 1 if any file failed or the run was stopped. Symbolic links to files
are followed; links to folders are not (they could loop).
"
        }
        "download" => {
            "\
Usage: immich download ASSET_ID [-o PATH] [--overwrite]

  -o, --output PATH     where to save it (a file, or a folder)
  --overwrite           replace a file that is already there

Downloads the original file. Without -o it is saved in the current folder under its original
name; with -o PATH into PATH (a folder: under its original name inside it). The download goes
to a temporary file first; an interrupted download resumes where it stopped when run again,
and the finished file is checked against the server's SHA-1 before it gets its name.

Nothing is replaced without --overwrite: an existing -o FILE is refused, and when the original
name is taken in the folder the file is saved as `name (1).jpg` (then `(2)`, ...). The
original name is made safe first: no folder parts, no leading dot, no control characters, no
names Windows reserves (CON, NUL, COM1, ...), at most 255 bytes.
"
        }
        "thumbnail" => {
            "\
Usage: immich thumbnail ASSET_ID [--size thumbnail|preview|fullsize] -o PATH [--overwrite]

  --size SIZE           thumbnail (default), preview or fullsize
  -o, --output PATH     the file to write (refused when it exists)
  --overwrite           replace the file when it exists

Saves a rendition of an asset made by the server (default: thumbnail). fullsize needs a
recent server.
"
        }
        "search" => {
            "\
Usage: immich search [FILTERS] [--limit N]
       immich search --smart QUERY [FILTERS] [--limit N]

Filters (all given must match; --album, --person and --tag may repeat):
  --favorite                only favourites
  --album ALBUM             in this album (an id, or the exact name)
  --person PERSON           showing this person (an id, or the exact name)
  --tag TAG                 with this tag (an id, or its name or full path such as Places/Beach)
  --taken-after DATE        taken at or after DATE (2024-06-01 or 2024-06-01T12:00:00Z)
  --taken-before DATE       taken before DATE
  --type image|video        only photos or only videos
  --limit N                 at most N results (default: all; a smart search: one page)
  --smart QUERY             a smart (CLIP) search: needs machine learning on the server

Prints id, date taken, type and file name per asset.
"
        }
        "backup" => {
            "\
Usage: immich backup DIR [--dry-run] [--prune-trash] [--source auto|walk|sync]
                         [--email EMAIL [--password-stdin]] [--jobs N]

Copies your library into DIR and keeps it up to date: run it again and only what changed is
transferred. DIR holds:
  YYYY/MM/NAME              each original, in the folder of its capture date (local time);
                            a name already taken becomes `NAME (2).EXT`, chosen once and kept
  YYYY/MM/NAME.json         the asset as the server describes it
  albums.json               every album: id, name, and its assets' ids and paths
  .trash/                   replaced and deleted files, under their old paths
  .immich-backup/           what the next run starts from (state.json, partial downloads)

Every original is checked against the server's SHA-1 while it downloads and gets its name only
when it matches. An original that changed on the server is downloaded again (the old one goes
to .trash/); one deleted or trashed on the server is moved to .trash/ (nothing is deleted
unless --prune-trash). A file changed or removed in DIR is downloaded again. An interrupted
run loses nothing: the next one resumes the interrupted download where it stopped.

  --dry-run                 say what would be downloaded and moved; change nothing
  --prune-trash             empty DIR/.trash at the end
  --source SOURCE           how changes are found: walk (a metadata search and a listing of
                            ids; works with an API key), sync (the server's sync stream; needs
                            --email) or auto (default: sync when logged in and available,
                            else walk)
  --email EMAIL             log in as this user instead of using an API key [IMMICH_EMAIL];
                            the password comes from IMMICH_PASSWORD or, with
                            --password-stdin, the first line of stdin (never an argument);
                            logged out at the end
  --jobs N                  originals downloaded at once, 1 to 16 (default 4); names,
                            the order of the changes and the output are the same for any N

Prints progress on stderr when it is a terminal, then each change and a summary (new,
updated, restored, metadata, trashed, unchanged, failed, bytes); --json prints them as JSON
with the source used. Exits 1 if any asset failed (it is tried again next run).
"
        }
        "people" => {
            "\
Usage: immich people [--all]

Lists the people recognised in your library: id, name, birth date. --all includes the
unnamed ones.
"
        }
        "tags" => {
            "\
Usage: immich tags

Lists the tags: id and full path (Places/Beach).
"
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_help_and_is_listed() {
        for name in [
            "server",
            "me",
            "albums",
            "upload",
            "download",
            "thumbnail",
            "search",
            "backup",
            "people",
            "tags",
        ] {
            assert!(options_of(name).is_some(), "{name}");
            let text = command(name).unwrap_or_default();
            assert!(text.starts_with("Usage: immich "), "{name}");
            assert!(MAIN.contains(&format!("\n  {name}")), "{name}");
            for option in options_of(name).unwrap_or_default() {
                assert!(text.contains(option), "{name} {option}");
            }
        }
    }
}
