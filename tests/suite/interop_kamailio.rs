//! Tincan against Kamailio 5.6 as registrar and proxy with digest auth (401 on REGISTER, 407 on
//! INVITE, qop=auth): two accounts registered at once over UDP and TCP, a call from one to the
//! other through the proxy, a wrong password that fails clearly without a retry storm, TLS
//! with a CA made by the test (trusted through the account's CA file, refused without it), and
//! a shutdown that leaves none of Tincan's contacts in Kamailio's location table.

use crate::support::kamailio::{Kamailio, Options, TestCa};
use crate::support::{Node, Scratch, free_port, write_private};
use std::time::Duration;

/// One account in the config file.
struct Account<'a> {
    name: &'a str,
    user: &'a str,
    password: &'a str,
    /// `udp`, `tcp` or `tls`.
    transport: &'a str,
    /// The registrar's port (Kamailio's UDP/TCP or TLS port).
    port: u16,
    ca_file: Option<&'a std::path::Path>,
}

/// Writes the config file (passwords go to owner-only files next to it) and returns its path.
fn write_config(dir: &Scratch, accounts: &[Account]) -> String {
    let mut toml = String::from("[general]\nlog_level = \"debug\"\n\n");
    for a in accounts {
        let pw = dir.path(&format!("{}.password", a.name));
        write_private(&pw, &format!("{}\n", a.password));
        toml.push_str(&format!(
            "[[accounts]]\nname = \"{}\"\naor = \"sip:{}@127.0.0.1\"\n\
             registrar = \"sip:127.0.0.1:{}\"\ntransport = \"{}\"\nexpires = 120\n\
             password_file = \"{}\"\n",
            a.name,
            a.user,
            a.port,
            a.transport,
            pw.display()
        ));
        if let Some(ca) = a.ca_file {
            toml.push_str(&format!("ca_file = \"{}\"\n", ca.display()));
        }
        toml.push('\n');
    }
    let path = dir.path("config.toml");
    std::fs::write(&path, toml).expect("write config");
    path.display().to_string()
}

/// `tincan serve` with the config, listening on UDP and TCP at one port.
fn serve(name: &'static str, dir: &Scratch, config: &str, extra: &[&str]) -> (Node, u16) {
    let port = free_port();
    let mut args: Vec<String> = vec![
        "--config".into(),
        config.into(),
        "--listen".into(),
        format!("udp:127.0.0.1:{port}"),
        "--listen".into(),
        format!("tcp:127.0.0.1:{port}"),
    ];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let mut node = Node::serve(name, &args, &dir.0);
    node.expect("started", |_| true);
    (node, port)
}

fn registered(node: &mut Node, account: &str) {
    node.expect_any_order("registration", |v| {
        v["account"] == account && v["state"] == "registered"
    });
}

#[test]
fn two_accounts_register_over_udp_and_tcp_call_through_the_proxy_and_leave_no_contacts() {
    let kamailio = Kamailio::start(&Options::default());
    let dir = Scratch::new("kam-two");
    let config = write_config(
        &dir,
        &[
            Account {
                name: "alice",
                user: "alice",
                password: "alicepw",
                transport: "udp",
                port: kamailio.port,
                ca_file: None,
            },
            Account {
                name: "bob",
                user: "bob",
                password: "bobpw",
                transport: "tcp",
                port: kamailio.port,
                ca_file: None,
            },
        ],
    );
    let (mut node, port) = serve("tincan", &dir, &config, &["--auto-answer"]);
    registered(&mut node, "alice");
    registered(&mut node, "bob");
    let alice = kamailio.contacts("alice");
    let bob = kamailio.contacts("bob");
    assert_eq!(
        alice,
        [format!("sip:alice@127.0.0.1:{port}")],
        "{}",
        kamailio.log()
    );
    assert_eq!(bob, [format!("sip:bob@127.0.0.1:{port};transport=tcp")]);

    // Alice calls Bob through the proxy: 407 answered with credentials, Bob's leg over TCP.
    node.send(r#"{"cmd":"dial","call":1,"target":"bob","account":"alice"}"#);
    let incoming = node.expect("incoming", |_| true);
    assert_eq!(incoming["account"], "bob", "{incoming}");
    let callee = incoming["call"].as_u64().expect("call id");
    node.expect_any_order("answered", |v| v["call"] == 1);
    node.expect_any_order("answered", |v| v["call"] == callee);
    node.send(r#"{"cmd":"hangup","call":1}"#);
    let ended = node.expect_any_order("ended", |v| v["call"] == 1);
    assert_eq!(ended["reason"], "local", "{ended}");
    let ended = node.expect_any_order("ended", |v| v["call"] == callee);
    assert_eq!(ended["reason"], "remote", "{ended}");

    // Quit: both accounts unregister (in either order) before the engine stops.
    node.send(r#"{"cmd":"quit"}"#);
    for account in ["alice", "bob"] {
        node.expect_any_order("registration", |v| {
            v["account"] == account && v["state"] == "unregistered"
        });
    }
    node.expect("stopped", |_| true);
    assert!(node.wait_success(), "exit status");
    assert_eq!(kamailio.registrations(), 0, "contacts left behind");
}

#[test]
fn a_wrong_password_fails_clearly_and_does_not_retry_at_once() {
    let kamailio = Kamailio::start(&Options::default());
    let dir = Scratch::new("kam-wrong");
    let config = write_config(
        &dir,
        &[Account {
            name: "carol",
            user: "carol",
            password: "not-carols-password",
            transport: "udp",
            port: kamailio.port,
            ca_file: None,
        }],
    );
    let (mut node, _) = serve("tincan", &dir, &config, &[]);
    let failed = node.expect("registration", |v| v["state"] == "failed");
    assert_eq!(failed["account"], "carol");
    assert_eq!(failed["code"], 401, "{failed}");
    let retry = failed["retry_in_ms"].as_u64().expect("retry delay");
    assert!(retry >= 10_000, "a retry storm: next attempt in {retry} ms");
    // Nothing more for 3 s: one challenge, one failed answer, then quiet.
    let later = node.collect_for(Duration::from_secs(3));
    assert!(
        !later.iter().any(|v| v["event"] == "registration"),
        "registration activity after the failure: {later:?}"
    );
    assert_eq!(kamailio.registers_seen(), 2, "{}", kamailio.log());
    assert!(
        !node.stderr().contains("not-carols-password"),
        "the password leaked into the log"
    );
    node.quit();
    assert!(node.wait_success(), "exit status");
    assert_eq!(kamailio.registrations(), 0);
}

#[test]
fn tls_registration_trusts_the_account_ca_and_refuses_without_it() {
    let certs = Scratch::new("kam-ca");
    let ca = TestCa::new(&certs.0);
    let kamailio = Kamailio::start(&Options {
        tls: Some(&ca),
        ..Options::default()
    });
    let dir = Scratch::new("kam-tls");
    let account = |ca_file| Account {
        name: "alice",
        user: "alice",
        password: "alicepw",
        transport: "tls",
        port: kamailio.tls_port,
        ca_file,
    };
    let trusting = write_config(&dir, &[account(Some(&ca.ca))]);
    let (mut node, port) = serve("trusting", &dir, &trusting, &[]);
    registered(&mut node, "alice");
    assert_eq!(
        kamailio.contacts("alice"),
        [format!("sip:alice@127.0.0.1:{port};transport=tls")]
    );
    node.send(r#"{"cmd":"quit"}"#);
    node.expect("registration", |v| v["state"] == "unregistered");
    node.expect("stopped", |_| true);
    assert!(node.wait_success(), "exit status");
    assert_eq!(kamailio.registrations(), 0);

    let dir = Scratch::new("kam-tls-untrusted");
    let untrusting = write_config(&dir, &[account(None)]);
    let (mut node, _) = serve("untrusting", &dir, &untrusting, &["--log-level", "info"]);
    let error = node.expect("error", |v| {
        v["message"]
            .as_str()
            .is_some_and(|m| m.contains("certificate"))
    });
    assert!(
        error["message"]
            .as_str()
            .unwrap_or("")
            .contains("UnknownIssuer"),
        "{error}"
    );
    let failed = node.expect("registration", |v| v["state"] == "failed");
    assert_eq!(failed["code"], 503, "{failed}");
    assert_eq!(kamailio.registrations(), 0);
    // At info level the log names no address (the JSON events, for the program, do).
    let log = node.stderr();
    assert!(log.contains("cannot reach TLS <ip>:"), "{log}");
    assert!(!log.contains("127.0.0.1"), "{log}");
    node.quit();
}

#[test]
fn an_outbound_proxy_carries_register_and_calls_and_the_password_comes_from_stdin() {
    let kamailio = Kamailio::start(&Options::default());
    let dir = Scratch::new("kam-proxy");
    // No registrar: the AOR's domain (127.0.0.1, port 5060, where nothing listens) is the
    // registrar's URI, and everything goes through the outbound proxy, Kamailio.
    let config = dir.path("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[accounts]]\nname = \"alice\"\naor = \"sip:alice@127.0.0.1\"\n\
             outbound_proxy = \"sip:127.0.0.1:{}\"\nexpires = 120\n",
            kamailio.port
        ),
    )
    .expect("config");
    let port = free_port();
    let args: Vec<String> = vec![
        "--config".into(),
        config.display().to_string(),
        "--listen".into(),
        format!("udp:127.0.0.1:{port}"),
        "--password-stdin".into(),
        "alice".into(),
        "--auto-answer".into(),
    ];
    let mut node = Node::serve("tincan", &args, &dir.0);
    node.send("alicepw");
    node.expect("started", |_| true);
    registered(&mut node, "alice");
    assert_eq!(
        kamailio.contacts("alice"),
        [format!("sip:alice@127.0.0.1:{port}")]
    );
    // A call to ourselves through the proxy: 407 answered, then routed back to our contact.
    node.send(r#"{"cmd":"dial","call":1,"target":"alice","account":"alice"}"#);
    node.expect_any_order("answered", |v| v["call"] == 1);
    node.send(r#"{"cmd":"hangup","call":1}"#);
    node.expect_any_order("ended", |v| v["call"] == 1);
    node.quit();
    assert!(node.wait_success());
    assert_eq!(kamailio.registrations(), 0);
    assert!(!node.stderr().contains("alicepw"));
}

/// The engine library driven directly (as the window drives it) on a runtime of the test's,
/// running while events are awaited: events until one matches, bounded.
fn next_event(
    (runtime, local): &(tokio::runtime::Runtime, tokio::task::LocalSet),
    events: &mut tokio::sync::mpsc::Receiver<tincan::engine::Event>,
    what: &str,
    mut matches: impl FnMut(&tincan::engine::Event) -> bool,
) -> tincan::engine::Event {
    runtime.block_on(local.run_until(async {
        let until = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            match tokio::time::timeout_at(until, events.recv()).await {
                Ok(Some(event)) if matches(&event) => return event,
                Ok(Some(other)) => eprintln!("(not yet {what}: {other:?})"),
                Ok(None) => panic!("the engine stopped before {what}"),
                Err(_) => panic!("no {what} within 15 s"),
            }
        }
    }))
}

/// Saving the accounts while the phone runs (the window's Accounts screen): the engine takes
/// the new set at once; an unchanged account keeps its registration (no unregister, no new
/// id), a new one registers, a removed one unregisters from Kamailio.
#[test]
fn accounts_change_on_a_running_engine_without_touching_the_others() {
    use tincan::config::{AccountSettings, Config, Secret};
    use tincan::engine::{Command, Event, setup};
    use tincan::sip::registration::RegistrationEvent;
    use tincan::sip::ua::UaEvent;
    let kamailio = Kamailio::start(&Options::default());
    let account = |name: &str, user: &str| {
        let mut a = AccountSettings::new(name, format!("sip:{user}@127.0.0.1"));
        a.registrar = Some(format!("sip:127.0.0.1:{}", kamailio.port));
        a.expires = 60;
        a
    };
    let passwords: std::collections::HashMap<String, Secret> = [
        ("a".to_owned(), Secret::new("alicepw".into())),
        ("b".to_owned(), Secret::new("bobpw".into())),
    ]
    .into();
    let mut settings = Config::default();
    let port = free_port();
    settings.general.listen = vec![format!("udp:127.0.0.1:{port}")];
    settings.accounts = vec![account("a", "alice")];
    let config = setup::engine_config(&settings, &passwords, &mut Vec::new());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let runtime = (runtime, tokio::task::LocalSet::new());
    let (commands, command_rx) = tokio::sync::mpsc::channel(16);
    let (event_tx, mut events) = tokio::sync::mpsc::channel(256);
    let engine = runtime
        .1
        .spawn_local(tincan::engine::run(config, command_rx, event_tx));
    let registered = |event: &Event, id: u32| matches!(event, Event::Ua(UaEvent::Registration { account, event: RegistrationEvent::Registered { .. } }) if account.0 == id);
    let first = next_event(&runtime, &mut events, "alice registered", |e| {
        matches!(
            e,
            Event::Ua(UaEvent::Registration {
                event: RegistrationEvent::Registered { .. },
                ..
            })
        )
    });
    let Event::Ua(UaEvent::Registration { account: id, .. }) = first else {
        unreachable!()
    };
    let alice = id.0;
    let at = format!("@127.0.0.1:{port}");
    assert!(kamailio.contacts("alice").iter().any(|c| c.contains(&at)));

    // Bob is added: alice keeps her id, bob gets a new one and registers.
    settings.accounts.push(account("b", "bob"));
    let both = setup::engine_config(&settings, &passwords, &mut Vec::new()).accounts;
    commands
        .blocking_send(Command::Accounts(both))
        .expect("send");
    let Event::Accounts { accounts } = next_event(&runtime, &mut events, "accounts", |e| {
        matches!(e, Event::Accounts { .. })
    }) else {
        unreachable!()
    };
    let names: Vec<(u32, &str)> = accounts.iter().map(|(id, n)| (id.0, n.as_str())).collect();
    assert_eq!(names[0], (alice, "a"), "{accounts:?}");
    let bob = names[1].0;
    assert_ne!(bob, alice);
    let mut alice_unregistered = false;
    next_event(&runtime, &mut events, "bob registered", |e| {
        alice_unregistered |= matches!(e, Event::Ua(UaEvent::Registration { account, event: RegistrationEvent::Unregistered }) if account.0 == alice);
        registered(e, bob)
    });
    assert!(
        !alice_unregistered,
        "alice was unregistered though unchanged"
    );
    assert!(kamailio.contacts("bob").iter().any(|c| c.contains(&at)));
    assert!(kamailio.contacts("alice").iter().any(|c| c.contains(&at)));

    // Alice is removed: she unregisters, bob stays.
    settings.accounts.remove(0);
    let only_bob = setup::engine_config(&settings, &passwords, &mut Vec::new()).accounts;
    commands
        .blocking_send(Command::Accounts(only_bob))
        .expect("send");
    next_event(
        &runtime,
        &mut events,
        "alice unregistered",
        |e| matches!(e, Event::Ua(UaEvent::Registration { account, event: RegistrationEvent::Unregistered }) if account.0 == alice),
    );
    assert!(!kamailio.contacts("alice").iter().any(|c| c.contains(&at)));
    assert!(kamailio.contacts("bob").iter().any(|c| c.contains(&at)));
    commands.blocking_send(Command::Quit).expect("send");
    next_event(&runtime, &mut events, "stopped", |e| {
        matches!(e, Event::Stopped)
    });
    let result = runtime
        .0
        .block_on(runtime.1.run_until(engine))
        .expect("the engine task");
    assert!(result.is_ok(), "{result:?}");
    assert!(
        kamailio.contacts("bob").is_empty(),
        "bob unregistered on quit"
    );
}
