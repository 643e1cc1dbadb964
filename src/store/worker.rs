//! The store's own thread: the window hands it jobs (closures over the [`Store`]) and awaits
//! their results, so SQLite never blocks the window. Jobs run one at a time, in the order
//! they were sent.

use super::{Store, default_path};
use std::path::PathBuf;
use std::sync::mpsc;
use tokio::sync::oneshot;

type Job = Box<dyn FnOnce(&mut Store) + Send>;

/// The handle to the store's thread (cheap to clone).
#[derive(Debug, Clone)]
pub struct Worker {
    jobs: mpsc::Sender<Job>,
}

/// How the database was opened, in English (the window shows it in a translated notice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenReport {
    /// All is well.
    Fine,
    /// A corrupt file was kept aside, or the file could not be used (contacts and history
    /// are then kept in memory for this session only).
    Warning(String),
}

impl Worker {
    /// Starts the thread, which opens the database at `path` (default: [`default_path`]);
    /// when that fails it uses one in memory. Returns at once; the first job waits for the
    /// opening.
    pub fn start(path: Option<PathBuf>) -> (Worker, oneshot::Receiver<OpenReport>) {
        let (jobs, inbox) = mpsc::channel::<Job>();
        let (report_tx, report) = oneshot::channel();
        let spawned = std::thread::Builder::new()
            .name("tincan-store".into())
            .spawn(move || {
                let (mut store, outcome) = open(path);
                let _ = report_tx.send(outcome);
                while let Ok(job) = inbox.recv() {
                    // Without a store the job is dropped: its caller gets `None`.
                    if let Some(store) = &mut store {
                        job(store);
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::error!("cannot start the store's thread: {e}");
        }
        (Worker { jobs }, report)
    }

    /// Runs `job` on the store's thread; `None` if the thread is gone (or the job panicked).
    pub async fn run<T: Send + 'static>(
        self,
        job: impl FnOnce(&mut Store) -> T + Send + 'static,
    ) -> Option<T> {
        let (tx, rx) = oneshot::channel();
        let boxed: Job = Box::new(move |store| {
            let _ = tx.send(job(store));
        });
        if self.jobs.send(boxed).is_err() {
            tracing::error!("the store's thread is gone");
            return None;
        }
        rx.await.ok()
    }
}

fn open(path: Option<PathBuf>) -> (Option<Store>, OpenReport) {
    let path = path.or_else(default_path);
    let opened = match &path {
        Some(path) => Store::open(path).map_err(|e| format!("{}: {e}", path.display())),
        None => Err("the system has no data directory".to_owned()),
    };
    match opened {
        Ok(opened) => {
            let report = match opened.warning {
                Some(w) => {
                    tracing::warn!("{w}");
                    OpenReport::Warning(w)
                }
                None => OpenReport::Fine,
            };
            (Some(opened.store), report)
        }
        Err(problem) => {
            let warning = format!("{problem}; contacts and history are kept for this session only");
            tracing::error!("{warning}");
            match Store::in_memory() {
                Ok(store) => (Some(store), OpenReport::Warning(warning)),
                Err(e) => {
                    // Jobs then end without a result; the window says the store is unusable.
                    tracing::error!("no database at all: {e}");
                    (None, OpenReport::Warning(format!("{warning}; {e}")))
                }
            }
        }
    }
}
