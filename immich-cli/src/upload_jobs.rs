//! `immich upload --pause-jobs`: pauses the server's heavy queues (thumbnails, metadata, video
//! conversion, faces, smart search, duplicates, OCR) while the files go up, and resumes them
//! afterwards: on success, on failure, and on Ctrl-C (a SIGINT handler stops the upload between
//! files; the guard's `Drop` resumes). Queues an admin had paused before are left paused.
//!
//! Servers from v2.4.0 on: `GET /queues` and `PUT /queues/{name}` `{isPaused}`; older ones:
//! `PUT /jobs/{name}` `{command: pause|resume}` for each heavy queue.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use immich_blocking::proto::jobs::RunQueueCommandLegacy;
use immich_blocking::proto::models::{QueueCommand, QueueCommandDto, QueueName, QueueUpdate};
use immich_blocking::proto::queues::{GetQueues, UpdateQueue};
use immich_blocking::proto::ServerVersion;
use immich_blocking::Client;

/// Set by Ctrl-C while an upload with `--pause-jobs` runs.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);
/// Whether the SIGINT handler is installed (once per process).
static HANDLER: OnceLock<Result<(), String>> = OnceLock::new();

/// Whether Ctrl-C was pressed since the handler was installed.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Installs the SIGINT handler: the first Ctrl-C asks the upload to stop (and so to resume the
/// queues); a second one quits at once.
pub fn install_interrupt_handler() -> Result<(), String> {
    // A Ctrl-C of an earlier run in this process does not stop this one.
    INTERRUPTED.store(false, Ordering::SeqCst);
    HANDLER
        .get_or_init(|| {
            ctrlc::set_handler(|| {
                if INTERRUPTED.swap(true, Ordering::SeqCst) {
                    std::process::exit(130);
                }
            })
            .map_err(|e| format!("cannot catch Ctrl-C: {e}"))
        })
        .clone()
}

/// The queues paused for an upload's duration.
const HEAVY: &[QueueName] = &[
    QueueName::ThumbnailGeneration,
    QueueName::MetadataExtraction,
    QueueName::VideoConversion,
    QueueName::FaceDetection,
    QueueName::FacialRecognition,
    QueueName::SmartSearch,
    QueueName::DuplicateDetection,
    QueueName::Ocr,
];

/// Queues this run paused; resumed by [`PausedQueues::resume`] or on drop.
pub struct PausedQueues<'c> {
    client: &'c Client,
    legacy: bool,
    paused: Vec<QueueName>,
}

impl<'c> PausedQueues<'c> {
    /// Pauses the heavy queues that are running. On an error, the ones already paused are
    /// resumed (by the drop) and the error returned.
    pub fn pause(client: &'c Client) -> Result<PausedQueues<'c>, immich_blocking::Error> {
        let v2_4 = ServerVersion::parse("2.4.0");
        let legacy = match (client.server().version(), v2_4) {
            (Some(found), Some(v2_4)) => found < v2_4,
            _ => false,
        };
        let mut guard = PausedQueues {
            client,
            legacy,
            paused: Vec::new(),
        };
        let wanted: Vec<QueueName> = if legacy {
            // Older servers have no list with the paused state: each heavy queue they know.
            HEAVY
                .iter()
                .filter(|q| **q != QueueName::Ocr)
                .cloned()
                .collect()
        } else {
            client
                .send(&GetQueues::new())?
                .into_iter()
                .filter(|q| !q.is_paused && HEAVY.contains(&q.name))
                .map(|q| q.name)
                .collect()
        };
        for name in wanted {
            guard.set(&name, true)?;
            guard.paused.push(name);
        }
        Ok(guard)
    }

    /// The queues this run paused.
    pub fn names(&self) -> Vec<String> {
        self.paused.iter().map(|q| q.as_str().to_owned()).collect()
    }

    fn set(&self, name: &QueueName, paused: bool) -> Result<(), immich_blocking::Error> {
        if self.legacy {
            let command = if paused {
                QueueCommand::Pause
            } else {
                QueueCommand::Resume
            };
            let request = RunQueueCommandLegacy::new(name.clone(), QueueCommandDto::new(command));
            self.client.send(&request)?;
        } else {
            let mut body = QueueUpdate::new();
            body.is_paused = Some(paused);
            self.client.send(&UpdateQueue::new(name.clone(), body))?;
        }
        Ok(())
    }

    /// Resumes every queue this run paused; returns the ones that could not be resumed, with
    /// why.
    pub fn resume(&mut self) -> Vec<(String, immich_blocking::Error)> {
        let mut failed = Vec::new();
        for name in std::mem::take(&mut self.paused) {
            if let Err(e) = self.set(&name, false) {
                failed.push((name.as_str().to_owned(), e));
            }
        }
        failed
    }
}

impl Drop for PausedQueues<'_> {
    fn drop(&mut self) {
        // Best effort: the run's own path resumes first and reports failures.
        let _ = self.resume();
    }
}
