//! Choosing the name a saved file gets, without ever replacing a file unasked.
//!
//! A name is claimed by creating it, empty, with `create_new` (which fails on anything already
//! there, a symbolic link included): no check-then-write race. The transport then renames the
//! finished download onto the claimed name, which replaces only our own empty file. When the
//! command fails, the claim is given back (removed while it is still empty).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use immich_blocking::proto::assets::resumable_partial_path;
use immich_blocking::proto::names::numbered_file_name;
use immich_blocking::AssetId;

use crate::Failure;

/// How many numbered names (`name (1).jpg` ...) are tried before giving up.
const MAX_NUMBERED_NAMES: u64 = 10_000;

/// A target name the command may write: claimed (ours, empty, to be replaced by the finished
/// file) or, with `--overwrite`, simply chosen.
pub(crate) struct Claim {
    path: PathBuf,
    /// We created the empty file at `path` and remove it again unless [`Claim::keep`] is called.
    created: bool,
}

impl Claim {
    /// The path to save to.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The file was saved: the claimed name now holds it.
    pub(crate) fn keep(mut self) {
        self.created = false;
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        // Only our own placeholder, still empty, is removed; a finished file never is.
        if self.created
            && fs::symlink_metadata(&self.path).is_ok_and(|m| m.is_file() && m.len() == 0)
        {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Claims `path` exactly (a file named on the command line): an existing file there is
/// refused unless `overwrite`. `resuming` names the asset of a resumable download, so the
/// empty claim an interrupted run left (beside its partial file) counts as ours.
pub(crate) fn claim_exact(
    path: &Path,
    overwrite: bool,
    resuming: Option<&AssetId>,
) -> Result<Claim, Failure> {
    if overwrite {
        return Ok(Claim {
            path: path.to_owned(),
            created: false,
        });
    }
    match try_claim(path, resuming)? {
        Some(claim) => Ok(claim),
        None => Err(Failure::Message(format!(
            "{} already exists: pass --overwrite to replace it",
            path.display()
        ))),
    }
}

/// Claims `name` in `folder`, or the first free numbered form of it (`name (1).jpg`, ...);
/// with `overwrite`, `name` itself whatever is there.
pub(crate) fn claim_in_folder(
    folder: &Path,
    name: &str,
    overwrite: bool,
    resuming: Option<&AssetId>,
) -> Result<Claim, Failure> {
    if overwrite {
        return claim_exact(&folder.join(name), true, resuming);
    }
    for number in 0..=MAX_NUMBERED_NAMES {
        let candidate = match number {
            0 => name.to_owned(),
            n => numbered_file_name(name, n),
        };
        if let Some(claim) = try_claim(&folder.join(candidate), resuming)? {
            return Ok(claim);
        }
    }
    Err(Failure::Message(format!(
        "{} and {MAX_NUMBERED_NAMES} numbered names like it are taken in {}",
        name,
        folder.display()
    )))
}

/// Creates `path` empty; `None` when something already has the name (and it is not the claim
/// of an interrupted download of `resuming`).
fn try_claim(path: &Path, resuming: Option<&AssetId>) -> Result<Option<Claim>, Failure> {
    match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(_) => Ok(Some(Claim {
            path: path.to_owned(),
            created: true,
        })),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let left_by_interrupted_run = resuming.is_some_and(|id| is_interrupted_claim(path, id));
            Ok(left_by_interrupted_run.then(|| Claim {
                path: path.to_owned(),
                created: true,
            }))
        }
        Err(e) => Err(Failure::Message(format!(
            "cannot create {}: {e}",
            path.display()
        ))),
    }
}

/// An empty regular file (not a link) with the partial file of a download of `id` beside it:
/// what a run stopped mid-download (Ctrl-C) leaves.
fn is_interrupted_claim(path: &Path, id: &AssetId) -> bool {
    let empty_file = fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == 0);
    empty_file
        && resumable_partial_path(path, id)
            .is_ok_and(|partial| fs::symlink_metadata(partial).is_ok_and(|m| m.is_file()))
}
