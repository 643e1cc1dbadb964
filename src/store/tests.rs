//! Tests of the database: migrations, corrupt files, contacts, history.

use super::*;

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("tincan-store-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn contact(name: &str, uris: &[&str], favourite: bool) -> Contact {
    Contact {
        id: None,
        name: name.into(),
        uris: uris.iter().map(|u| (*u).to_owned()).collect(),
        favourite,
    }
}

fn call(direction: Direction, remote: &str, start: i64) -> HistoryEntry {
    HistoryEntry {
        id: 0,
        direction,
        remote: remote.into(),
        name: None,
        account: Some("work".into()),
        start,
        duration: 42,
    }
}

#[test]
fn a_missing_and_an_empty_file_are_migrated_to_the_latest_version() {
    let dir = TempDir::new("migrate");
    let missing = dir.0.join("sub/dir/tincan.sqlite3");
    let opened = Store::open(&missing).unwrap();
    assert_eq!(opened.store.version().unwrap(), MIGRATIONS.len() as i64);
    assert!(opened.warning.is_none() && opened.kept_aside.is_none());
    drop(opened);
    // An empty file is a valid, empty SQLite database.
    let empty = dir.0.join("empty.sqlite3");
    fs::write(&empty, b"").unwrap();
    let opened = Store::open(&empty).unwrap();
    assert_eq!(opened.store.version().unwrap(), MIGRATIONS.len() as i64);
    assert!(opened.warning.is_none());
    // Reopening keeps what was stored and migrates nothing again.
    let mut store = opened.store;
    store
        .save_contact(&contact("Alice", &["sip:alice@example.com"], false))
        .unwrap();
    drop(store);
    let again = Store::open(&empty).unwrap().store;
    assert_eq!(again.contacts().unwrap().len(), 1);
}

#[test]
fn a_corrupt_file_is_kept_aside_and_a_fresh_database_used() {
    let dir = TempDir::new("corrupt");
    let path = dir.0.join("tincan.sqlite3");
    let garbage = b"this is not an SQLite database, just some text that happens to be long enough to look like a header of one.".repeat(20);
    fs::write(&path, &garbage).unwrap();
    let opened = Store::open(&path).unwrap();
    let aside = opened.kept_aside.clone().expect("kept aside");
    assert_eq!(
        fs::read(&aside).unwrap(),
        garbage,
        "the old file is kept as it was"
    );
    let name = aside.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("tincan.sqlite3.corrupt-"), "{name}");
    let warning = opened.warning.clone().unwrap();
    assert!(warning.contains("kept aside"), "{warning}");
    assert!(opened.store.contacts().unwrap().is_empty());
    drop(opened);
    // A second corrupt file in the same second does not overwrite the first one kept aside.
    fs::write(
        &path,
        b"garbage again, also not a database at all, padded to be long enough....",
    )
    .unwrap();
    let second = Store::open(&path).unwrap();
    let second_aside = second.kept_aside.unwrap();
    assert_ne!(second_aside, aside);
    assert_eq!(fs::read(&aside).unwrap(), garbage);
}

#[test]
fn a_database_of_a_newer_tincan_is_refused_untouched() {
    let dir = TempDir::new("newer");
    let path = dir.0.join("tincan.sqlite3");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 99;")
            .unwrap();
    }
    let error = Store::open(&path).unwrap_err();
    assert!(
        matches!(error, StoreError::TooNew { found: 99, .. }),
        "{error}"
    );
    let conn = Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 99);
}

#[test]
fn contacts_are_saved_edited_deleted_and_listed_favourites_first() {
    let mut store = Store::in_memory().unwrap();
    let zed = store
        .save_contact(&contact("zed", &["sip:zed@example.com"], false))
        .unwrap();
    store
        .save_contact(&contact("Bob", &["+4930123", "sip:bob@example.com"], false))
        .unwrap();
    store
        .save_contact(&contact("Yvonne", &["tel:+1555"], true))
        .unwrap();
    let names: Vec<String> = store
        .contacts()
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["Yvonne", "Bob", "zed"]);
    let mut edited = contact("Zed Zero", &["sips:zed@example.com", "sip:z@x"], true);
    edited.id = Some(zed);
    store.save_contact(&edited).unwrap();
    let all = store.contacts().unwrap();
    assert_eq!(
        all[1], edited,
        "favourites sorted by name: Yvonne, Zed Zero"
    );
    assert_eq!(
        all[2].uris,
        ["+4930123", "sip:bob@example.com"],
        "order kept"
    );
    store.delete_contact(zed).unwrap();
    assert_eq!(store.contacts().unwrap().len(), 2);
    let uris: i64 = store
        .conn
        .query_row("SELECT COUNT(*) FROM contact_uris", [], |r| r.get(0))
        .unwrap();
    assert_eq!(uris, 3, "the deleted contact's addresses went with it");
}

#[test]
fn history_newest_first_missed_calls_counted_until_seen_and_cleared() {
    let mut store = Store::in_memory().unwrap();
    store
        .add_call(&call(Direction::Outgoing, "sip:a@x", 100))
        .unwrap();
    store
        .add_call(&call(Direction::Missed, "sip:b@x", 300))
        .unwrap();
    store
        .add_call(&call(Direction::Missed, "sip:c@x", 200))
        .unwrap();
    let history = store.history(10).unwrap();
    let remotes: Vec<&str> = history.iter().map(|h| h.remote.as_str()).collect();
    assert_eq!(remotes, ["sip:b@x", "sip:c@x", "sip:a@x"]);
    assert_eq!(history[0].direction, Direction::Missed);
    assert_eq!(history[0].duration, 42);
    assert_eq!(history[0].account.as_deref(), Some("work"));
    assert_eq!(store.unseen_missed().unwrap(), 2);
    store.mark_missed_seen().unwrap();
    assert_eq!(store.unseen_missed().unwrap(), 0);
    store
        .add_call(&call(Direction::Missed, "sip:d@x", 400))
        .unwrap();
    assert_eq!(store.snapshot().unwrap().unseen_missed, 1);
    assert_eq!(store.history(2).unwrap().len(), 2);
    store.clear_history().unwrap();
    assert!(store.history(10).unwrap().is_empty());
    assert_eq!(store.unseen_missed().unwrap(), 0);
}

#[test]
fn addresses_match_across_schemes_ports_parameters_and_number_formatting() {
    assert_eq!(
        address_key("sip:Alice@Example.com:5060;transport=tcp"),
        "alice@example.com"
    );
    assert_eq!(
        address_key("\"Alice\" <sips:alice@example.com>"),
        "alice@example.com"
    );
    assert_eq!(address_key("tel:+49-30-123"), "+4930123");
    assert_eq!(
        address_key("sip:+4930123@provider.example;user=phone"),
        "+4930123"
    );
    assert_eq!(address_key("+49 (30) 123"), "+4930123");
    assert_eq!(address_key("sip:bob@[::1]:5062"), "bob@[::1]");
    let bob = contact("Bob", &["+49 30 123", "sip:bob@example.com"], false);
    assert!(bob.has_address("sip:+4930123@provider.example"));
    assert!(bob.has_address("sip:bob@example.com:5070"));
    assert!(!bob.has_address("sip:bobby@example.com"));
    assert!(bob.matches("BO") && bob.matches("example") && bob.matches(""));
    assert!(!bob.matches("carol"));
    let list = [contact("Alice", &["sip:alice@example.com"], false), bob];
    assert_eq!(
        contact_for(&list, "tel:+4930123").map(|c| c.name.as_str()),
        Some("Bob")
    );
    assert_eq!(contact_for(&list, "sip:nobody@example.com"), None);
}

#[test]
fn the_worker_runs_jobs_in_order_off_the_callers_thread() {
    let dir = TempDir::new("worker");
    let (worker, report) = worker::Worker::start(Some(dir.0.join("db.sqlite3")));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        assert_eq!(report.await.unwrap(), worker::OpenReport::Fine);
        let caller = std::thread::current().id();
        let thread = worker
            .clone()
            .run(|store| {
                store.save_contact(&contact("A", &[], false)).unwrap();
                std::thread::current().id()
            })
            .await
            .unwrap();
        assert_ne!(thread, caller);
        let snapshot = worker.run(|store| store.snapshot().unwrap()).await.unwrap();
        assert_eq!(snapshot.contacts.len(), 1);
    });
}
