//! The commands other than `upload`: each reads, prints text or `--json`, and returns.

use std::fs;
use std::path::Path;

use immich_blocking::albums::{AddAssetsToAlbum, Album};
use immich_blocking::albums::{AlbumAssets, CreateAlbum, GetAlbumInfo, GetAllAlbums};
use immich_blocking::assets::{Asset, AssetMediaSize, AssetType, ViewAsset};
use immich_blocking::people::GetAllPeople;
use immich_blocking::proto::{AsReceived, Received, Single};
use immich_blocking::search::{MetadataSearch, SearchInAlbums, SmartInAlbums, SmartSearch};
use immich_blocking::server::{GetAboutInfo, GetServerFeatures, GetServerStatistics, GetStorage};
use immich_blocking::tags::GetAllTags;
use immich_blocking::users::GetMyUser;
use immich_blocking::TagId;
use immich_blocking::{AlbumId, AssetId, Date, DateTime, ErrorKind, Flow, Pager, PersonId};
use serde_json::json;

use immich_blocking::proto::names::safe_file_name;

use crate::args::{AlbumsCommand, Command, SearchArgs};
use crate::claim::{claim_exact, claim_in_folder};
use crate::output::{self, say, shown};
use crate::{describe, Ctx, Failure};

pub(crate) fn dispatch(ctx: &mut Ctx<'_>, command: Command) -> Result<(), Failure> {
    match command {
        Command::Server => server(ctx),
        Command::Me => me(ctx),
        Command::Albums(albums) => match albums {
            AlbumsCommand::List => list_albums(ctx),
            AlbumsCommand::Show(id) => show_album(ctx, &id),
            AlbumsCommand::Create { name, description } => {
                create_album(ctx, &name, description.as_deref())
            }
            AlbumsCommand::Add { album, assets } => add_to_album(ctx, &album, &assets),
        },
        Command::Upload(args) => crate::upload::upload(ctx, args),
        Command::Download {
            id,
            output,
            overwrite,
        } => download(ctx, &id, output.as_deref(), overwrite),
        Command::Thumbnail {
            id,
            size,
            output,
            overwrite,
        } => thumbnail(ctx, &id, &size, &output, overwrite),
        Command::Search(args) => search(ctx, args),
        Command::Backup(args) => crate::backup::backup(ctx, args),
        Command::People { all } => people(ctx, all),
        Command::Tags => tags(ctx),
        // Answered before a client exists.
        Command::Help(_) | Command::Version => Ok(()),
    }
}

/// Runs `flow`, keeping the server's answers as received: `--json` prints those, never a
/// typed model serialised again (that would add the fields the server left out, with
/// defaults a script would take for the server's word).
fn received<F: Flow>(ctx: &Ctx<'_>, flow: F) -> Result<Received<F::Output>, Failure> {
    Ok(ctx.client.run(AsReceived::new(flow))?)
}

/// One optional part of an answer put together from several calls: what the server sent, or
/// why it is unavailable (an older server, a missing permission, an admin-only figure).
type Part<T> = Result<Received<T>, String>;

/// Runs `flow` for an optional part: an answer the server refused or one this client cannot
/// read becomes the part's reason for being unavailable; a connection, TLS or timeout failure
/// still fails the command (the server is not there, so nothing else would come either).
fn optional_part<F: Flow>(ctx: &Ctx<'_>, flow: F) -> Result<Part<F::Output>, Failure> {
    match ctx.client.run(AsReceived::new(flow)) {
        Ok(received) => Ok(Ok(received)),
        Err(error) => match error.kind() {
            ErrorKind::Status | ErrorKind::Protocol => Ok(Err(describe(&error, &ctx.url))),
            _ => Err(Failure::Client(error)),
        },
    }
}

/// The part's answer as received for `--json`, `null` when unavailable.
fn part_json<T>(part: &Part<T>) -> serde_json::Value {
    part.as_ref()
        .map_or(serde_json::Value::Null, |received| received.answer())
}

/// `immich server`: the version is all it needs (read when the client was set up); about,
/// features, storage and statistics are shown when the server gives them and otherwise
/// named as unavailable with the reason, and the command still succeeds.
fn server(ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    let version = ctx.client.server().version();
    let about = optional_part(ctx, Single(GetAboutInfo::new()))?;
    let features = optional_part(ctx, Single(GetServerFeatures::new()))?;
    let storage = optional_part(ctx, Single(GetStorage::new()))?;
    let statistics = optional_part(ctx, Single(GetServerStatistics::new()))?;
    if ctx.json {
        let mut unavailable = serde_json::Map::new();
        for (name, reason) in [
            ("about", about.as_ref().err()),
            ("features", features.as_ref().err()),
            ("storage", storage.as_ref().err()),
            ("statistics", statistics.as_ref().err()),
        ] {
            if let Some(reason) = reason {
                unavailable.insert(name.to_owned(), reason.clone().into());
            }
        }
        return output::json(
            ctx.out,
            &json!({
                "url": ctx.url,
                "version": version,
                "about": part_json(&about),
                "features": part_json(&features),
                "storage": part_json(&storage),
                "statistics": part_json(&statistics),
                "unavailable": unavailable,
            }),
        );
    }
    let out = &mut *ctx.out;
    say!(out, "Server    {}", shown(&ctx.url));
    let build = about.as_ref().ok().and_then(|a| a.typed.build.as_deref());
    match (&version, build, &about) {
        (Some(v), Some(build), _) => say!(out, "Version   v{v} (build {})", shown(build)),
        (Some(v), None, _) => say!(out, "Version   v{v}"),
        (None, _, Ok(about)) => say!(out, "Version   {}", shown(&about.typed.version)),
        (None, _, Err(_)) => say!(out, "Version   unknown"),
    }
    match &about {
        Ok(about) => {
            let about = &about.typed;
            for (label, value) in [
                ("Node.js", &about.nodejs),
                ("FFmpeg", &about.ffmpeg),
                ("libvips", &about.libvips),
                ("ExifTool", &about.exiftool),
            ] {
                if let Some(value) = value {
                    say!(out, "{label:<9} {}", shown(value));
                }
            }
        }
        Err(reason) => say!(out, "About     unavailable: {}", shown(reason)),
    }
    match &features {
        Ok(features) => {
            let features = &features.typed;
            let on: Vec<&str> = [
                (features.smart_search, "smart search"),
                (features.facial_recognition, "facial recognition"),
                (features.duplicate_detection, "duplicate detection"),
                (features.map, "map"),
                (features.reverse_geocoding, "reverse geocoding"),
                (features.sidecar, "sidecars"),
                (features.search, "search"),
                (features.trash, "trash"),
                (features.oauth, "OAuth"),
                (features.password_login, "password login"),
                (features.ocr, "OCR"),
            ]
            .into_iter()
            .filter_map(|(enabled, name)| enabled.then_some(name))
            .collect();
            say!(out, "Features  {}", on.join(", "));
        }
        Err(reason) => say!(out, "Features  unavailable: {}", shown(reason)),
    }
    match &storage {
        Ok(storage) => {
            let storage = &storage.typed;
            say!(
                out,
                "Storage   {} of {} used ({:.1} %), {} free",
                shown(&storage.disk_use),
                shown(&storage.disk_size),
                storage.disk_usage_percentage,
                shown(&storage.disk_available)
            );
        }
        Err(reason) => say!(out, "Storage   unavailable: {}", shown(reason)),
    }
    match &statistics {
        Ok(statistics) => {
            let statistics = &statistics.typed;
            say!(
                out,
                "Library   {} photos, {} videos, {}",
                statistics.photos,
                statistics.videos,
                output::bytes(u64::try_from(statistics.usage).unwrap_or(0))
            );
        }
        Err(reason) => say!(out, "Library   unavailable: {}", shown(reason)),
    }
    Ok(())
}

fn me(ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    let me = received(ctx, Single(GetMyUser::new()))?;
    let user = &me.typed;
    if ctx.json {
        let mut value = me.answer();
        // The license key is a secret of its own; a script listing users has no use for it.
        if let Some(object) = value.as_object_mut() {
            object.remove("license");
        }
        return output::json(ctx.out, &value);
    }
    let out = &mut *ctx.out;
    say!(out, "{} <{}>", shown(&user.name), shown(&user.email));
    say!(out, "id        {}", user.id);
    say!(
        out,
        "admin     {}",
        if user.is_admin { "yes" } else { "no" }
    );
    match (user.quota_usage_in_bytes, user.quota_size_in_bytes) {
        (Some(used), Some(size)) => say!(
            out,
            "storage   {} used of a {} quota",
            output::bytes(used),
            output::bytes(size)
        ),
        (Some(used), None) => say!(out, "storage   {} used", output::bytes(used)),
        _ => {}
    }
    Ok(())
}

fn album_line(album: &Album) -> String {
    let shared = if album.shared { "  (shared)" } else { "" };
    format!(
        "{}  {:>6}  {}{shared}",
        album.id,
        album.asset_count,
        shown(&album.album_name)
    )
}

fn asset_line(asset: &Asset) -> String {
    format!(
        "{}  {}  {:<5}  {}",
        asset.id,
        output::date_time(&asset.local_date_time),
        shown(&asset.asset_type.to_string()),
        shown(&asset.original_file_name)
    )
}

fn list_albums(ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    let albums = received(ctx, GetAllAlbums::new())?;
    if ctx.json {
        let ids = albums.typed.iter().map(|album| album.id.as_str());
        return output::json(ctx.out, &albums.items(ids));
    }
    if albums.typed.is_empty() {
        say!(ctx.out, "no albums");
    }
    for album in &albums.typed {
        say!(ctx.out, "{}", album_line(album));
    }
    Ok(())
}

fn show_album(ctx: &mut Ctx<'_>, id: &str) -> Result<(), Failure> {
    let id = AlbumId::parse(id)?;
    let album = received(ctx, Single(GetAlbumInfo::new(id.clone())))?;
    let assets = received(ctx, AlbumAssets::new(vec![id]))?;
    if ctx.json {
        let asset_ids = assets.typed.iter().map(|asset| asset.id.as_str());
        let shown = json!({ "album": album.answer(), "assets": assets.items(asset_ids) });
        return output::json(ctx.out, &shown);
    }
    let (album, assets) = (album.typed, assets.typed);
    let out = &mut *ctx.out;
    say!(out, "{}", shown(&album.album_name));
    if !album.description.is_empty() {
        say!(out, "{}", shown(&album.description));
    }
    say!(out, "id        {}", album.id);
    if let Some(owner) = album.owner() {
        say!(
            out,
            "owner     {} <{}>",
            shown(&owner.name),
            shown(&owner.email)
        );
    }
    say!(out, "assets    {}", album.asset_count);
    for asset in &assets {
        say!(out, "{}", asset_line(asset));
    }
    Ok(())
}

fn create_album(ctx: &mut Ctx<'_>, name: &str, description: Option<&str>) -> Result<(), Failure> {
    let mut request = CreateAlbum::new(name);
    if let Some(description) = description {
        request = request.description(description);
    }
    let created = received(ctx, Single(request))?;
    if ctx.json {
        return output::json(ctx.out, &created.answer());
    }
    let album = created.typed;
    say!(
        ctx.out,
        "created album {}: {}",
        shown(&album.album_name),
        album.id
    );
    Ok(())
}

fn add_to_album(ctx: &mut Ctx<'_>, album: &str, assets: &[String]) -> Result<(), Failure> {
    let album = AlbumId::parse(album)?;
    let ids = assets
        .iter()
        .map(AssetId::parse)
        .collect::<Result<Vec<_>, _>>()?;
    let answer = received(ctx, Single(AddAssetsToAlbum::new(album, ids)))?;
    let results = &answer.typed;
    let refused = results
        .iter()
        .filter(|r| !r.success && !r.is_duplicate())
        .count();
    if ctx.json {
        output::json(ctx.out, &answer.answer())?;
    } else {
        for result in results {
            let what = match (&result.success, &result.error) {
                (true, _) => "added".to_owned(),
                _ if result.is_duplicate() => "already in the album".to_owned(),
                (false, Some(error)) => format!("not added: {}", shown(&error.to_string())),
                (false, None) => "not added".to_owned(),
            };
            say!(ctx.out, "{}  {what}", result.id);
        }
    }
    if refused > 0 {
        let _ = writeln!(ctx.err, "error: {refused} asset(s) could not be added");
        return Err(Failure::Reported);
    }
    Ok(())
}

fn download(
    ctx: &mut Ctx<'_>,
    id: &str,
    output: Option<&Path>,
    overwrite: bool,
) -> Result<(), Failure> {
    let id = AssetId::parse(id)?;
    // `-o photos/` names a folder even before it exists.
    let names_folder = output.is_some_and(|p| {
        p.is_dir()
            || p.as_os_str()
                .to_string_lossy()
                .ends_with(std::path::MAIN_SEPARATOR)
    });
    let claim = match output {
        Some(path) if !names_folder => claim_exact(path, overwrite, Some(&id))?,
        folder => {
            if let Some(dir) = folder {
                fs::create_dir_all(dir).map_err(|e| {
                    Failure::Message(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
            // The original's own name (one more request, only when it is needed), made safe:
            // the server chose it.
            let asset = ctx.client.asset_info(id.clone())?;
            let name = safe_file_name(&asset.original_file_name, id.as_str());
            // Into the current folder (the environment's, when it names one).
            let dir = match folder {
                Some(dir) => dir.to_owned(),
                None => ctx.current_dir.clone().unwrap_or_default(),
            };
            claim_in_folder(&dir, &name, overwrite, Some(&id))?
        }
    };
    let target = claim.path().to_owned();
    // Resumes what an interrupted run left, and checks the SHA-1 before the file gets its name.
    let report = ctx
        .client
        .download_original(id.clone(), &target, true)
        .map_err(|error| match error.kind() {
            // The bytes received so far are kept: say how to get the rest.
            ErrorKind::Io | ErrorKind::Timeout | ErrorKind::Http => Failure::Message(format!(
                "{}; the part received is kept: run the same command again to resume",
                describe(&error, &ctx.url)
            )),
            _ => Failure::Client(error),
        })?;
    claim.keep();
    if ctx.json {
        return output::json(
            ctx.out,
            &json!({
                "id": id,
                "path": target,
                "bytes": report.bytes,
                "resumedFrom": report.resumed_from,
                "verified": report.verified,
            }),
        );
    }
    let resumed = if report.resumed_from > 0 {
        format!(", resumed after {}", output::bytes(report.resumed_from))
    } else {
        String::new()
    };
    say!(
        ctx.out,
        "saved {} ({}{resumed}, SHA-1 verified)",
        shown(&target.display().to_string()),
        output::bytes(report.bytes)
    );
    Ok(())
}

fn thumbnail(
    ctx: &mut Ctx<'_>,
    id: &str,
    size: &str,
    output: &Path,
    overwrite: bool,
) -> Result<(), Failure> {
    let id = AssetId::parse(id)?;
    let size = AssetMediaSize::from(size);
    let claim = claim_exact(output, overwrite, None)?;
    let head = ctx
        .client
        .save_media(&ViewAsset::new(id.clone()).size(size.clone()), output)?;
    claim.keep();
    let len = fs::metadata(output).map(|m| m.len()).unwrap_or(0);
    let content_type = head.content_type.unwrap_or_default();
    if ctx.json {
        return output::json(
            ctx.out,
            &json!({
                "id": id,
                "size": size,
                "path": output,
                "bytes": len,
                "contentType": content_type,
            }),
        );
    }
    say!(
        ctx.out,
        "saved {} ({}, {}, {})",
        shown(&output.display().to_string()),
        shown(&size.to_string()),
        shown(&content_type.to_string()),
        output::bytes(len)
    );
    Ok(())
}

/// `2024-06-01` (midnight UTC) or a full RFC 3339 date-time.
fn parse_when(option: &str, text: &str) -> Result<DateTime, Failure> {
    if let Some(t) = DateTime::parse(text) {
        return Ok(t);
    }
    if Date::parse(text).is_some() {
        if let Some(t) = DateTime::parse(&format!("{text}T00:00:00Z")) {
            return Ok(t);
        }
    }
    Err(Failure::Usage(format!(
        "{option} takes a date like 2024-06-01 or 2024-06-01T12:00:00Z, not {text:?}"
    )))
}

/// One name or id, resolved against a list: exact (case-insensitive) matches only, so a
/// search never silently uses the wrong album.
fn pick<'a, T>(
    what: &str,
    wanted: &str,
    items: &'a [T],
    names: impl Fn(&T) -> Vec<&str>,
) -> Result<&'a T, Failure> {
    find_named(what, wanted, items, names)?
        .ok_or_else(|| Failure::Message(format!("no {what} named {wanted:?}")))
}

/// Like [`pick`], but no match is `None` (for a caller that then creates one); several matches
/// are still refused.
fn find_named<'a, T>(
    what: &str,
    wanted: &str,
    items: &'a [T],
    names: impl Fn(&T) -> Vec<&str>,
) -> Result<Option<&'a T>, Failure> {
    let matches: Vec<&T> = items
        .iter()
        .filter(|item| names(item).iter().any(|n| n.eq_ignore_ascii_case(wanted)))
        .collect();
    match matches.as_slice() {
        [one] => Ok(Some(one)),
        [] => Ok(None),
        many => Err(Failure::Message(format!(
            "{} {what}s are named {wanted:?}: pass the id instead",
            many.len()
        ))),
    }
}

/// The album an `--album` option names, read the same way by every command: an album id, or
/// else a name matched exactly (in any case) against `albums`. `Ok(None)`: no album has that
/// name. Several albums with the name are refused, so nothing silently uses the wrong one.
pub(crate) fn album_by_id_or_name<'a>(
    wanted: &str,
    albums: &'a [Album],
) -> Result<Option<AlbumChoice<'a>>, Failure> {
    if let Ok(id) = AlbumId::parse(wanted) {
        return Ok(Some(AlbumChoice::Id(id)));
    }
    let found = find_named("album", wanted, albums, |a| vec![a.album_name.as_str()])?;
    Ok(found.map(AlbumChoice::Named))
}

/// What [`album_by_id_or_name`] found.
pub(crate) enum AlbumChoice<'a> {
    /// The option was an album id (not looked up).
    Id(AlbumId),
    /// The one album with that name.
    Named(&'a Album),
}

impl AlbumChoice<'_> {
    /// The album's id.
    pub(crate) fn id(&self) -> AlbumId {
        match self {
            AlbumChoice::Id(id) => id.clone(),
            AlbumChoice::Named(album) => album.id.clone(),
        }
    }
}

struct Filters {
    albums: Vec<AlbumId>,
    people: Vec<PersonId>,
    tags: Vec<TagId>,
    taken_after: Option<DateTime>,
    taken_before: Option<DateTime>,
    asset_type: Option<AssetType>,
}

fn resolve_filters(ctx: &Ctx<'_>, args: &SearchArgs) -> Result<Filters, Failure> {
    let client = &ctx.client;
    let mut albums = Vec::new();
    let mut all_albums = None;
    for wanted in &args.albums {
        // An id needs no listing.
        if all_albums.is_none() && AlbumId::parse(wanted.as_str()).is_err() {
            all_albums = Some(client.albums()?);
        }
        let list = all_albums.as_deref().unwrap_or_default();
        match album_by_id_or_name(wanted, list)? {
            Some(choice) => albums.push(choice.id()),
            None => return Err(Failure::Message(format!("no album named {wanted:?}"))),
        }
    }
    let mut people = Vec::new();
    for wanted in &args.people {
        if let Ok(id) = PersonId::parse(wanted.as_str()) {
            people.push(id);
            continue;
        }
        let found = client.search_person(wanted)?;
        people.push(
            pick("person", wanted, &found, |p| vec![p.name.as_str()])?
                .id
                .clone(),
        );
    }
    let mut tags = Vec::new();
    let mut all_tags = None;
    for wanted in &args.tags {
        if let Ok(id) = TagId::parse(wanted.as_str()) {
            tags.push(id);
            continue;
        }
        if all_tags.is_none() {
            all_tags = Some(client.tags()?);
        }
        let list = all_tags.as_deref().unwrap_or_default();
        let tag = pick("tag", wanted, list, |t| {
            vec![t.name.as_str(), t.value.as_str()]
        })?;
        tags.push(tag.id.clone());
    }
    let asset_type = match args.media_type.as_deref() {
        None => None,
        Some(t) if t.eq_ignore_ascii_case("image") || t.eq_ignore_ascii_case("photo") => {
            Some(AssetType::Image)
        }
        Some(t) if t.eq_ignore_ascii_case("video") => Some(AssetType::Video),
        Some(other) => {
            return Err(Failure::Usage(format!(
                "--type is image or video, not {other:?}"
            )))
        }
    };
    Ok(Filters {
        albums,
        people,
        tags,
        taken_after: args
            .taken_after
            .as_deref()
            .map(|t| parse_when("--taken-after", t))
            .transpose()?,
        taken_before: args
            .taken_before
            .as_deref()
            .map(|t| parse_when("--taken-before", t))
            .transpose()?,
        asset_type,
    })
}

fn search(ctx: &mut Ctx<'_>, args: SearchArgs) -> Result<(), Failure> {
    let filters = resolve_filters(ctx, &args)?;
    let favorite = args.favorite.then_some(true);
    // No bigger pages than the limit needs.
    let page_size = args
        .limit
        .map(|n| n.min(immich_blocking::proto::MAX_PAGE_SIZE as usize) as u32);
    let found: Received<Vec<Asset>> = match &args.smart {
        Some(query) => {
            let mut search = SmartSearch::new(query.as_str());
            if let Some(size) = page_size {
                search = search.size(size)?;
            }
            search.album_ids = filters.albums;
            search.person_ids = filters.people;
            search.tag_ids = filters.tags;
            search.is_favorite = favorite;
            search.taken_after = filters.taken_after;
            search.taken_before = filters.taken_before;
            search.asset_type = filters.asset_type;
            // The best matches (one page's worth, or `--limit`), exact on every release:
            // before v1.135.0 the album filter is applied from the albums' own asset lists.
            let mut flow = SmartInAlbums::new(search);
            if let Some(limit) = args.limit {
                flow = flow.with_limit(limit);
            }
            received(ctx, flow)?
        }
        None => {
            let mut search = MetadataSearch::all();
            if page_size.is_some() {
                search.size = page_size;
            }
            search.album_ids = filters.albums;
            search.person_ids = filters.people;
            search.tag_ids = filters.tags;
            search.is_favorite = favorite;
            search.taken_after = filters.taken_after;
            search.taken_before = filters.taken_before;
            search.asset_type = filters.asset_type;
            // Exact on every release: before v1.135.0 the album filter is applied from the
            // albums' own asset lists (the server would ignore it).
            let mut flow = SearchInAlbums::new(search);
            if let Some(limit) = args.limit {
                flow = flow.with_limit(limit);
            }
            received(ctx, flow)?
        }
    };
    if ctx.json {
        let ids = found.typed.iter().map(|asset| asset.id.as_str());
        return output::json(ctx.out, &found.items(ids));
    }
    if found.typed.is_empty() {
        say!(ctx.out, "no assets match");
    }
    for asset in &found.typed {
        say!(ctx.out, "{}", asset_line(asset));
    }
    Ok(())
}

fn people(ctx: &mut Ctx<'_>, include_unnamed: bool) -> Result<(), Failure> {
    let listing = GetAllPeople::new().include_unnamed(include_unnamed);
    let people = received(ctx, Pager::new(listing))?;
    if ctx.json {
        let ids = people.typed.iter().map(|person| person.id.as_str());
        return output::json(ctx.out, &people.items(ids));
    }
    if people.typed.is_empty() {
        let hint = if include_unnamed {
            ""
        } else {
            " (--all lists the unnamed too)"
        };
        say!(ctx.out, "no people{hint}");
    }
    for person in &people.typed {
        let name = if person.is_named() {
            shown(&person.name)
        } else {
            "(unnamed)".into()
        };
        match &person.birth_date {
            Some(born) => say!(ctx.out, "{}  {name}  (born {born})", person.id),
            None => say!(ctx.out, "{}  {name}", person.id),
        }
    }
    Ok(())
}

fn tags(ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    let tags = received(ctx, Single(GetAllTags::new()))?;
    if ctx.json {
        return output::json(ctx.out, &tags.answer());
    }
    if tags.typed.is_empty() {
        say!(ctx.out, "no tags");
    }
    for tag in &tags.typed {
        let path = if tag.value.is_empty() {
            &tag.name
        } else {
            &tag.value
        };
        say!(ctx.out, "{}  {}", tag.id, shown(path));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_for_filters() {
        assert_eq!(
            parse_when("--taken-after", "2024-06-01")
                .unwrap()
                .to_string(),
            "2024-06-01T00:00:00.000Z"
        );
        assert_eq!(
            parse_when("--taken-after", "2024-06-01T12:00:00+02:00")
                .unwrap()
                .to_utc()
                .to_string(),
            "2024-06-01T10:00:00.000Z"
        );
        assert!(matches!(
            parse_when("--taken-after", "June"),
            Err(Failure::Usage(_))
        ));
    }

    #[test]
    fn names_match_exactly_or_not_at_all() {
        let names = ["Trip", "trip 2", "Family"];
        let found = pick("album", "trip", &names, |n| vec![*n]).unwrap();
        assert_eq!(*found, "Trip");
        assert!(pick("album", "Tri", &names, |n| vec![*n]).is_err());
        let twins = ["A", "a"];
        assert!(pick("album", "A", &twins, |n| vec![*n]).is_err());
    }
}
