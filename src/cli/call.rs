//! `tincan call TARGET`: one call from the command line. Events are printed as JSON lines
//! (the vocabulary of `tincan serve`); the exit status is 0 only if the call was answered and
//! then ended normally (hung up by either side), 1 otherwise, 2 for bad arguments.

use super::{CHANNEL_DEPTH, ServeOptions, quit_on_signal};
use crate::engine::json::{self, AccountNames};
use crate::engine::{self, Command, Event};
use crate::sip::call::{CallEvent, CallId, EndReason};
use crate::sip::ua::UaEvent;
use std::process::ExitCode;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// The id of the one call.
const CALL: CallId = CallId(1);
/// How long the far end may ring before we give up, unless `--ring-timeout` says otherwise.
const DEFAULT_RING_TIMEOUT: Duration = Duration::from_secs(60);

/// What `tincan call` was asked to do.
#[derive(Debug)]
struct CallOptions {
    target: String,
    account: Option<String>,
    hangup_after: Option<Duration>,
    ring_timeout: Duration,
    engine: ServeOptions,
}

impl CallOptions {
    fn parse(args: &[String]) -> Result<CallOptions, String> {
        let mut target = None;
        let mut account = None;
        let mut hangup_after = None;
        let mut ring_timeout = DEFAULT_RING_TIMEOUT;
        let mut engine = ServeOptions::default();
        let mut p2p = super::id::P2pOptions::default();
        let mut p2p_given = false;
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut seconds = |name: &str| -> Result<Duration, String> {
                let v = args.next().ok_or_else(|| format!("{name} needs seconds"))?;
                v.parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .map(Duration::from_secs_f64)
                    .ok_or_else(|| format!("{name} {v:?} is not a number of seconds"))
            };
            match arg.as_str() {
                "--hangup-after" => hangup_after = Some(seconds("--hangup-after")?),
                "--ring-timeout" => ring_timeout = seconds("--ring-timeout")?,
                "--account" => {
                    account = Some(args.next().ok_or("--account needs a name")?.clone());
                }
                a if a.starts_with("--") => {
                    if super::p2p_option(&mut p2p, a, &mut args)? {
                        p2p_given = true;
                    } else if !engine.option(a, &mut args)? {
                        return Err(format!("unknown option {a:?}"));
                    }
                }
                a if target.is_none() => target = Some(a.to_owned()),
                a => return Err(format!("one target only (got {a:?} too)")),
            }
        }
        let target =
            target.ok_or("tincan call needs a target: a SIP URI, or a user with --account")?;
        // Serverless calling (DHT, mDNS, our identity) only for a P2P address or when asked
        // for: a plain call touches neither the network's DHT nor the keyring.
        if p2p_given || is_p2p_address(&target) {
            engine.p2p = Some(p2p);
        }
        Ok(CallOptions {
            target,
            account,
            hangup_after,
            ring_timeout,
            engine,
        })
    }
}

/// Whether `target` is a SIP URI whose host is a public key (`sip:bob@<key>`).
fn is_p2p_address(target: &str) -> bool {
    crate::sip::uri::Uri::parse(target.trim())
        .ok()
        .and_then(|uri| uri.as_sip().map(|u| u.host.to_string()))
        .is_some_and(|host| crate::p2p::record::key_of_name(&host).is_some())
}

/// `tincan call`.
pub fn call(args: &[String], usage: &str) -> ExitCode {
    let options = match CallOptions::parse(args) {
        Ok(o) => o,
        Err(message) => {
            eprintln!("tincan call: {message}\n\n{usage}");
            return ExitCode::from(2);
        }
    };
    let CallOptions {
        target,
        account,
        hangup_after,
        ring_timeout,
        engine: engine_options,
    } = options;
    let listen_given = !engine_options.listen.is_empty();
    let (mut config, warnings, _log) = match engine_options.prepare() {
        Ok(prepared) => prepared,
        Err(message) => {
            eprintln!("tincan call: {message}");
            return ExitCode::FAILURE;
        }
    };
    // One outgoing call: no registrations, and any free port unless one was asked for (a
    // phone already running owns the usual one).
    for a in &mut config.accounts {
        a.register = false;
    }
    if !listen_given {
        for l in &mut config.listen {
            l.addr.set_port(0);
        }
    }
    let names = AccountNames::new(config.accounts.iter().map(|a| (a.id, a.name.clone())));
    let account = match account.map(|name| names.id(&name).ok_or(name)).transpose() {
        Ok(a) => a,
        Err(name) => {
            eprintln!("tincan call: no enabled account named {name:?} in the settings");
            return ExitCode::from(2);
        }
    };
    for message in warnings {
        println!("{}", json::event_line(&Event::Warning { message }, &names));
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tincan call: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let dial = Command::Dial {
        call: CALL,
        target,
        account,
    };
    let plan = Plan {
        hangup_after,
        ring_timeout,
    };
    let outcome = runtime.block_on(async move {
        let (command_tx, command_rx) = mpsc::channel(CHANNEL_DEPTH);
        let (event_tx, event_rx) = mpsc::channel(CHANNEL_DEPTH);
        let signals = tokio::spawn(quit_on_signal(command_tx.clone()));
        let control = tokio::spawn(control(dial, plan, command_tx, event_rx, names));
        let result = engine::run(config, command_rx, event_tx).await;
        signals.abort();
        (result, control.await)
    });
    runtime.shutdown_background();
    match outcome {
        (Err(e), _) => {
            eprintln!("tincan call: {e}");
            ExitCode::FAILURE
        }
        (Ok(()), Ok(true)) => ExitCode::SUCCESS,
        (Ok(()), _) => ExitCode::FAILURE,
    }
}

/// When to hang up on our own.
#[derive(Debug, Clone, Copy)]
struct Plan {
    hangup_after: Option<Duration>,
    ring_timeout: Duration,
}

/// Dials, prints every event, hangs up when the plan says, quits when the call has ended.
/// Returns whether the call was answered and ended normally.
async fn control(
    dial: Command,
    plan: Plan,
    commands: mpsc::Sender<Command>,
    mut events: mpsc::Receiver<Event>,
    names: AccountNames,
) -> bool {
    let mut answered = false;
    let mut outcome = false;
    let mut hangup_at = Some(Instant::now() + plan.ring_timeout);
    let mut dialled = false;
    loop {
        let sleep = async {
            match hangup_at {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        let event = tokio::select! {
            event = events.recv() => event,
            () = sleep => {
                hangup_at = None;
                let _ = commands.send(Command::Hangup { call: CALL }).await;
                continue;
            }
        };
        let Some(event) = event else { return outcome };
        println!("{}", json::event_line(&event, &names));
        match event {
            Event::Started { .. } if !dialled => {
                dialled = true;
                let _ = commands.send(dial.clone()).await;
            }
            Event::Ua(UaEvent::Call { call, event }) if call == CALL => match event {
                CallEvent::Answered { .. } => {
                    answered = true;
                    hangup_at = plan.hangup_after.map(|d| Instant::now() + d);
                }
                CallEvent::Ended { reason } => {
                    outcome = answered && matches!(reason, EndReason::Local | EndReason::Remote);
                    let _ = commands.send(Command::Quit).await;
                }
                _ => {}
            },
            // The dial itself failed (a bad target): nothing will follow.
            Event::Error {
                call: Some(call), ..
            } if call == CALL && !answered => {
                let _ = commands.send(Command::Quit).await;
            }
            Event::Stopped => return outcome,
            _ => {}
        }
    }
}
