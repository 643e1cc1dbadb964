//! Contacts, history and links as the window drives them: the database works on its own
//! thread ([`Worker`]) and every change comes back as a fresh [`Snapshot`]; finished calls are
//! recorded from the engine's call events (shown at once, stored behind); links handed over
//! by other `tincan` processes are dialled; an incoming call raises a desktop notification
//! when the window does not have the focus.

use super::{App, Message, Notice};
use crate::sip::call::{CallId, EndReason};
use crate::store::{self, Direction, HistoryEntry, Snapshot, Store, StoreError, vcard};
use crate::ui::bridge::background;
use crate::ui::calls::Call;
use crate::ui::i18n::k;
use crate::ui::screen::{Tab, contacts, dialpad, history};
use iced::Task;
use std::path::PathBuf;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// What a database job came back with.
#[derive(Debug, Clone)]
pub struct Stored {
    /// Everything the window shows, read after the job (`Err`: why it could not be read).
    pub snapshot: Result<Snapshot, String>,
    /// What to tell the user about the job.
    pub notice: Option<Notice>,
}

/// The seconds since 1970 now.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl App {
    /// Starts the database's thread (on `path`, default: the OS data directory) and reads
    /// what it holds.
    pub fn open_store(&mut self, path: Option<PathBuf>) -> Task<Message> {
        let (worker, report) = store::worker::Worker::start(path);
        self.store = Some(worker);
        Task::perform(report, |report| {
            Message::StoreOpened(report.unwrap_or_else(|_| {
                store::worker::OpenReport::Warning("the store's thread did not start".into())
            }))
        })
    }

    pub(crate) fn on_store_opened(&mut self, report: store::worker::OpenReport) -> Task<Message> {
        if let store::worker::OpenReport::Warning(w) = report {
            self.notice = Some(Notice::error(
                k("notice-store-problem"),
                vec![("message", w)],
            ));
        }
        self.store_job(|_| Ok(None))
    }

    /// Runs `job` on the database's thread, then reads everything shown.
    pub(crate) fn store_job(
        &self,
        job: impl FnOnce(&mut Store) -> Result<Option<Notice>, StoreError> + Send + 'static,
    ) -> Task<Message> {
        let Some(worker) = self.store.clone() else {
            return Task::none();
        };
        let run = worker.run(move |store| {
            let notice = job(store).unwrap_or_else(|e| {
                tracing::error!("database: {e}");
                Some(Notice::error(
                    k("notice-store-error"),
                    vec![("message", e.to_string())],
                ))
            });
            let snapshot = store.snapshot().map_err(|e| {
                tracing::error!("database: {e}");
                e.to_string()
            });
            Stored { snapshot, notice }
        });
        Task::perform(run, Message::Stored)
    }

    pub(crate) fn on_stored(&mut self, stored: Option<Stored>) -> Task<Message> {
        let Some(stored) = stored else {
            self.notice = Some(Notice::error(
                k("notice-store-error"),
                vec![("message", "the store's thread is gone".into())],
            ));
            return Task::none();
        };
        match stored.snapshot {
            Ok(snapshot) => {
                self.contacts = snapshot.contacts;
                self.history = snapshot.history;
                self.utc_offset = snapshot.utc_offset;
                self.unseen_missed = if self.tab == Tab::History {
                    0
                } else {
                    snapshot.unseen_missed
                };
            }
            Err(message) => {
                self.notice = Some(Notice::error(
                    k("notice-store-error"),
                    vec![("message", message)],
                ));
            }
        }
        if let Some(notice) = stored.notice {
            self.notice = Some(notice);
        }
        Task::none()
    }

    /// The History tab was opened: the missed calls are seen now.
    pub(crate) fn history_viewed(&mut self) -> Task<Message> {
        if self.unseen_missed == 0 {
            return Task::none();
        }
        let count = i64::from(self.unseen_missed);
        self.notice = Some(Notice::info(
            k("history-missed-count"),
            vec![("count", count.to_string())],
        ));
        self.unseen_missed = 0;
        self.store_job(|store| store.mark_missed_seen().map(|()| None))
    }

    pub(crate) fn on_contacts(&mut self, event: contacts::Event) -> Task<Message> {
        match event {
            contacts::Event::Dial(target) => self.dial_target(&target),
            contacts::Event::Save(contact) => {
                let name = contact.name.clone();
                self.store_job(move |store| {
                    store.save_contact(&contact)?;
                    Ok(Some(Notice::info(
                        k("notice-contact-saved"),
                        vec![("name", name)],
                    )))
                })
            }
            contacts::Event::Delete(id) => {
                self.store_job(move |store| store.delete_contact(id).map(|()| None))
            }
            contacts::Event::Import(path) => {
                self.store_job(move |store| Ok(Some(import(store, &path))))
            }
            contacts::Event::Export(path) => {
                self.store_job(move |store| Ok(Some(export(store, &path))))
            }
        }
    }

    pub(crate) fn on_history(&mut self, event: history::Event) -> Task<Message> {
        match event {
            history::Event::Dial(target) => self.dial_target(&target),
            history::Event::Clear => {
                self.history.clear();
                self.unseen_missed = 0;
                self.store_job(|store| store.clear_history().map(|()| None))
            }
        }
    }

    /// Calls `target` from the account chosen on the dialpad (a full URI also without one).
    pub(crate) fn dial_target(&mut self, target: &str) -> Task<Message> {
        let account = self.dialpad.account.clone();
        match dialpad::check(target, account.is_some()) {
            Ok(target) => self.on_dial(dialpad::Event::Dial { target, account }),
            Err(id) => {
                self.notice = Some(Notice::error(id, Vec::new()));
                Task::none()
            }
        }
    }

    /// A link from another `tincan` process (or the command line): call it now if the
    /// engine listens, else once it does; and bring the window forward.
    pub(crate) fn on_link(&mut self, target: String) -> Task<Message> {
        tracing::info!("a link to call arrived");
        let focus = iced::window::latest().and_then(iced::window::gain_focus);
        if self.engine.controller.is_some() && self.engine.phase == super::Phase::Running {
            Task::batch([self.dial_target(&target), focus])
        } else {
            self.pending_dial = Some(target);
            focus
        }
    }

    /// Dials the link that waited for the engine.
    pub(crate) fn dial_pending(&mut self) -> Task<Message> {
        match self.pending_dial.take() {
            Some(target) => self.dial_target(&target),
            None => Task::none(),
        }
    }

    /// The name to show for a call: the contact's, else the display name, else the address.
    pub(crate) fn caller_name<'a>(&'a self, call: &'a Call) -> &'a str {
        store::contact_for(&self.contacts, &call.address).map_or(call.title(), |c| c.name.as_str())
    }

    /// A call came in: remember when, and notify if the window is not in front.
    pub(crate) fn call_came_in(&mut self, id: CallId) -> Task<Message> {
        self.call_started.insert(id, unix_now());
        // The incoming view comes to the front; Escape must decline, not close the help.
        self.help = false;
        let known = self
            .calls
            .get(id)
            .and_then(|c| store::contact_for(&self.contacts, &c.address))
            .map(|c| c.name.clone());
        if let Some(name) = known {
            // The contact's name wherever the call shows (the call view, the history).
            self.calls.set_name(id, name);
        }
        let Some(call) = self.calls.get(id) else {
            return Task::none();
        };
        if self.focused {
            return Task::none();
        }
        let summary = self.i18n.t("notify-incoming");
        let body = self.caller_name(call).to_owned();
        Task::perform(background(move || notify(&summary, &body)), |_| {
            Message::Done
        })
    }

    /// A call ended: it goes to the history (shown at once, stored behind).
    pub(crate) fn record_call(
        &mut self,
        call: &Call,
        reason: &EndReason,
        now: Instant,
    ) -> Task<Message> {
        let start = self.call_started.remove(&call.id).unwrap_or_else(unix_now);
        let direction = match (call.is_incoming(), call.answered_at) {
            (false, _) => Direction::Outgoing,
            (true, Some(_)) => Direction::Incoming,
            // We declined it: not missed.
            (true, None) if *reason == EndReason::Declined => Direction::Incoming,
            (true, None) => Direction::Missed,
        };
        let entry = HistoryEntry {
            id: 0,
            direction,
            remote: call.address.clone(),
            name: call.name.clone(),
            account: call
                .account
                .and_then(|a| self.account_name(a))
                .map(str::to_owned),
            start,
            duration: call.duration(now).as_secs(),
        };
        self.history.insert(0, entry.clone());
        if direction == Direction::Missed && self.tab != Tab::History {
            self.unseen_missed += 1;
        }
        let seen = self.tab == Tab::History;
        self.store_job(move |store| {
            store.add_call(&entry)?;
            if seen {
                store.mark_missed_seen()?;
            }
            Ok(None)
        })
    }
}

/// Reads the vCard file at `path` into the contacts (blocking; on the store's thread).
fn import(store: &mut Store, path: &std::path::Path) -> Notice {
    let file = ("file", path.display().to_string());
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => {
            tracing::warn!("{}: {e}", path.display());
            return Notice::error(
                k("notice-vcard-unreadable"),
                vec![file, ("message", e.to_string())],
            );
        }
    };
    let parsed = vcard::parse(&text);
    for problem in &parsed.problems {
        tracing::warn!("{}: {problem}", path.display());
    }
    let existing = match store.contacts() {
        Ok(c) => c,
        Err(e) => return Notice::error(k("notice-store-error"), vec![("message", e.to_string())]),
    };
    let mut saved = 0;
    for contact in &parsed.contacts {
        // Importing the same file twice adds nobody twice.
        if existing.iter().any(|c| same_person(c, contact)) {
            continue;
        }
        match store.save_contact(contact) {
            Ok(_) => saved += 1,
            Err(e) => tracing::error!("importing {}: {e}", path.display()),
        }
    }
    Notice::info(
        k("notice-vcard-imported"),
        vec![
            ("count", saved.to_string()),
            ("skipped", parsed.problems.len().to_string()),
        ],
    )
}

/// The same name (ignoring case) and the same addresses.
fn same_person(a: &store::Contact, b: &store::Contact) -> bool {
    let keys = |c: &store::Contact| {
        let mut keys: Vec<String> = c.uris.iter().map(|u| store::address_key(u)).collect();
        keys.sort();
        keys
    };
    a.name.to_lowercase() == b.name.to_lowercase() && keys(a) == keys(b)
}

/// Writes every contact to `path` as vCard 4.0 (atomically: a temporary file, then rename).
fn export(store: &mut Store, path: &std::path::Path) -> Notice {
    let file = ("file", path.display().to_string());
    let contacts = match store.contacts() {
        Ok(c) => c,
        Err(e) => return Notice::error(k("notice-store-error"), vec![("message", e.to_string())]),
    };
    let tmp = path.with_extension("vcf.tmp");
    let written =
        std::fs::write(&tmp, vcard::print(&contacts)).and_then(|()| std::fs::rename(&tmp, path));
    match written {
        Ok(()) => Notice::info(
            k("notice-vcard-exported"),
            vec![("count", contacts.len().to_string()), file],
        ),
        Err(e) => {
            tracing::warn!("{}: {e}", path.display());
            let _ = std::fs::remove_file(&tmp);
            Notice::error(
                k("notice-vcard-unwritable"),
                vec![file, ("message", e.to_string())],
            )
        }
    }
}

/// Shows a desktop notification (blocking; on a background thread). A desktop without a
/// notification service is only logged.
fn notify(summary: &str, body: &str) {
    let shown = notify_rust::Notification::new()
        .appname("Tincan")
        .summary(summary)
        .body(body)
        .icon("io.github.tincan.Tincan")
        .timeout(notify_rust::Timeout::Milliseconds(30_000))
        .show();
    if let Err(e) = shown {
        tracing::warn!("no desktop notification: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Contact;

    #[test]
    fn contacts_exported_to_a_vcard_file_import_into_another_store_once() {
        let dir = std::env::temp_dir().join(format!("tincan-vcf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("contacts.vcf");
        let mut from = Store::in_memory().unwrap();
        let alice = Contact {
            id: None,
            name: "Alice, the first".into(),
            uris: vec!["sip:alice@example.com".into(), "+49 30 123".into()],
            favourite: true,
        };
        from.save_contact(&alice).unwrap();
        let notice = export(&mut from, &file);
        assert_eq!(notice.id, "notice-vcard-exported", "{notice:?}");
        let mut to = Store::in_memory().unwrap();
        let notice = import(&mut to, &file);
        assert_eq!(notice.args[0], ("count", "1".to_owned()));
        let imported = to.contacts().unwrap();
        assert_eq!(imported.len(), 1);
        assert_eq!(
            Contact {
                id: None,
                ..imported[0].clone()
            },
            alice
        );
        let again = import(&mut to, &file);
        assert_eq!(again.args[0], ("count", "0".to_owned()), "nobody twice");
        assert_eq!(to.contacts().unwrap().len(), 1);
        // A file that is not there: an error notice, nothing lost.
        let missing = import(&mut to, &dir.join("missing.vcf"));
        assert!(missing.error && missing.id == "notice-vcard-unreadable");
        let unwritable = export(&mut to, &dir.join("no/such/dir/x.vcf"));
        assert!(unwritable.error && unwritable.id == "notice-vcard-unwritable");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
