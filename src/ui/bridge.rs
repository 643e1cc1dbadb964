//! The window's link to the engine (STYLE.md habits 6 and 7): the engine runs on its own
//! thread with a current-thread tokio runtime, and talks to the window only through a bounded
//! [`Command`] channel (the window uses `try_send`, so `update` never waits) and its [`Event`]s,
//! which arrive as an iced [`Subscription`]. The first output hands the window its
//! [`Controller`] (halloy's pattern); every output carries the engine's generation, so events
//! of an engine that was replaced (after the accounts changed) are told apart.
//!
//! Blocking work the window needs (the keyring, settings files) goes through [`background`].

use crate::config::{Config, Secret};
use crate::engine::{self, Command, EngineConfig, EngineError, Event, setup};
use iced::Subscription;
use iced::futures::channel::oneshot;
use iced::futures::{SinkExt, Stream};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Queue depth of the command and event channels (bounded, habit 7).
pub const CHANNEL_DEPTH: usize = 64;

/// Sends commands to one running engine without ever waiting.
#[derive(Debug, Clone)]
pub struct Controller {
    commands: mpsc::Sender<Command>,
}

/// Why a command did not reach the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendError {
    /// The queue is full: the engine is far behind.
    Busy,
    /// The engine has stopped.
    Stopped,
}

impl Controller {
    /// A controller over `commands` (the engine, or a test, holds the receiver).
    pub fn new(commands: mpsc::Sender<Command>) -> Controller {
        Controller { commands }
    }

    /// Queues `command`; fails at once when the queue is full or the engine gone.
    pub fn send(&self, command: Command) -> Result<(), SendError> {
        self.commands.try_send(command).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => SendError::Busy,
            mpsc::error::TrySendError::Closed(_) => SendError::Stopped,
        })
    }
}

/// What the engine's subscription produces.
#[derive(Debug, Clone)]
pub enum Output {
    /// The engine thread is up; commands go here.
    Ready {
        /// Which engine.
        generation: u64,
        /// Its command queue.
        controller: Controller,
    },
    /// Something the engine reported.
    Event {
        /// Which engine.
        generation: u64,
        /// What.
        event: Event,
    },
    /// The engine ended: after [`Command::Quit`] (`error: None`) or because it could not
    /// start or go on.
    Exited {
        /// Which engine.
        generation: u64,
        /// Why, when it failed.
        error: Option<Arc<str>>,
        /// It failed because its ports were taken.
        bind_failed: bool,
    },
}

/// One engine to run: its configuration and its generation (the subscription's identity).
#[derive(Debug, Clone)]
pub struct Spec {
    /// Counts engines started by this window.
    pub generation: u64,
    /// The engine's configuration.
    pub config: Arc<EngineConfig>,
}

impl Hash for Spec {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.generation.hash(state);
    }
}

/// The engine of `spec`, running as long as the subscription is kept.
pub fn subscription(spec: &Spec) -> Subscription<Output> {
    Subscription::run_with(spec.clone(), run)
}

fn run(spec: &Spec) -> impl Stream<Item = Output> + use<> {
    let spec = spec.clone();
    iced::stream::channel(CHANNEL_DEPTH, async move |mut output| {
        let generation = spec.generation;
        let (command_tx, command_rx) = mpsc::channel(CHANNEL_DEPTH);
        let (event_tx, mut event_rx) = mpsc::channel(CHANNEL_DEPTH);
        let (done_tx, done_rx) = oneshot::channel();
        let config = (*spec.config).clone();
        let spawned = std::thread::Builder::new()
            .name("tincan-engine".into())
            .spawn(move || {
                let result = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| EngineError::Startup(e.to_string()))
                    .and_then(|rt| rt.block_on(engine::run(config, command_rx, event_tx)));
                let _ = done_tx.send(result);
            });
        if let Err(e) = spawned {
            let error = Some(format!("cannot start the engine thread: {e}").into());
            let exited = Output::Exited {
                generation,
                error,
                bind_failed: false,
            };
            let _ = output.send(exited).await;
            return;
        }
        let controller = Controller::new(command_tx);
        let _ = output
            .send(Output::Ready {
                generation,
                controller,
            })
            .await;
        while let Some(event) = event_rx.recv().await {
            if event == Event::Stopped {
                // Said now: the window may close as soon as it hears of it.
                tracing::info!("the engine stopped");
            }
            if output
                .send(Output::Event { generation, event })
                .await
                .is_err()
            {
                return;
            }
        }
        let (error, bind_failed) = match done_rx.await {
            Ok(Ok(())) => {
                tracing::debug!("the engine's thread ended");
                (None, false)
            }
            Ok(Err(e)) => {
                tracing::error!("the engine stopped: {e}");
                let bind_failed = matches!(e, EngineError::Bind(_));
                (Some(e.to_string().into()), bind_failed)
            }
            Err(_) => (Some("the engine thread panicked".into()), false),
        };
        let exited = Output::Exited {
            generation,
            error,
            bind_failed,
        };
        let _ = output.send(exited).await;
    })
}

/// SIGINT and SIGTERM (Ctrl-C, a logout), each as one item: the window closes as gracefully
/// as with its close button.
pub fn interrupts() -> Subscription<()> {
    Subscription::run(signals)
}

fn signals() -> impl Stream<Item = ()> {
    iced::stream::channel(1, async |mut output| {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let (Ok(mut interrupt), Ok(mut terminate)) = (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            ) else {
                tracing::warn!("cannot watch for signals: they will stop Tincan abruptly");
                return;
            };
            loop {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
                tracing::info!("signal received: closing");
                if output.send(()).await.is_err() {
                    return;
                }
            }
        }
        #[cfg(not(unix))]
        while tokio::signal::ctrl_c().await.is_ok() {
            if output.send(()).await.is_err() {
                return;
            }
        }
    })
}

/// An engine configuration from the settings, read off the window's thread.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The engine's configuration.
    pub config: Arc<EngineConfig>,
    /// Why the keyring could not be used, if it could not.
    pub keyring_unavailable: Option<String>,
    /// Registering accounts that have no password (shown on the accounts screen).
    pub without_password: Vec<String>,
    /// Other problems (an account left out, a listen address skipped), in English.
    pub warnings: Vec<String>,
}

/// Builds the engine's configuration from `settings`: passwords from `session` (typed in
/// this session when no keyring could keep them), else from the keyring (blocking: run it
/// through [`background`]).
pub fn prepare(settings: &Config, session: &HashMap<String, Secret>) -> Prepared {
    let mut prepared = prepare_accounts(settings, session);
    // Serverless calling is the default: our identity (from the keyring, made on first
    // start) published on the DHT and announced nearby, as `[general]` dht and mdns say.
    let mut warnings = Vec::new();
    let p2p = setup::P2pOptions::default().engine_config(settings, &mut warnings);
    for w in &warnings {
        tracing::warn!("{w}");
    }
    Arc::make_mut(&mut prepared.config).p2p = p2p;
    prepared.warnings.extend(warnings);
    prepared
}

/// The accounts part of [`prepare`] (passwords from the keyring), without the P2P identity:
/// what a running engine needs when only the accounts changed.
pub fn prepare_accounts(settings: &Config, session: &HashMap<String, Secret>) -> Prepared {
    prepare_with(settings, session, setup::keyring_passwords)
}

/// [`prepare`] with another password lookup than the OS keyring (tests).
fn prepare_with(
    settings: &Config,
    session: &HashMap<String, Secret>,
    lookup: impl FnOnce(&Config, &mut HashMap<String, Secret>, &mut Vec<String>),
) -> Prepared {
    // Passwords typed for this session only are there because the keyring could not keep
    // them: they go first, and the keyring is asked for the others.
    let mut passwords = session.clone();
    let mut keyring_warnings = Vec::new();
    lookup(settings, &mut passwords, &mut keyring_warnings);
    let mut warnings = Vec::new();
    let mut config = setup::engine_config(settings, &passwords, &mut warnings);
    // The window shows level meters (the call view, the microphone test).
    config.levels = true;
    for w in keyring_warnings.iter().chain(&warnings) {
        tracing::warn!("{w}");
    }
    let without_password: Vec<String> = config
        .accounts
        .iter()
        .filter(|a| a.credentials.is_none())
        .map(|a| a.name.clone())
        .collect();
    // The window says "no password" next to the account rather than in the CLI's words.
    warnings.retain(|w| {
        !without_password
            .iter()
            .any(|name| w.starts_with(&no_password_prefix(name)))
    });
    Prepared {
        config: Arc::new(config),
        keyring_unavailable: keyring_warnings
            .first()
            .map(|w| w.split(';').next().unwrap_or(w).to_owned()),
        without_password,
        warnings,
    }
}

/// How `setup` begins its warning about an account without a password.
fn no_password_prefix(name: &str) -> String {
    format!("account {name:?} has no password")
}

/// Runs blocking `work` on a thread of its own and resolves to its result (`None` if it
/// panicked), so that `Task::perform` can wait for it without blocking the window.
pub async fn background<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (tx, rx) = oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("tincan-io".into())
        .spawn(move || {
            let _ = tx.send(work());
        });
    if spawned.is_err() {
        return None;
    }
    rx.await.ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AccountSettings;

    #[test]
    fn accounts_without_a_password_are_listed_not_warned_about() {
        let mut settings = Config::default();
        settings.general.listen = vec!["udp:127.0.0.1:0".into(), "tls:127.0.0.1:5061".into()];
        settings
            .accounts
            .push(AccountSettings::new("work", "sip:alice@example.com"));
        let mut session = HashMap::new();
        session.insert("other".to_owned(), Secret::new("x".to_owned()));
        let no_keyring = |_: &Config, _: &mut HashMap<String, Secret>, w: &mut Vec<String>| {
            w.push("the OS keyring is not available: none here; more".to_owned());
        };
        let prepared = prepare_with(&settings, &session, no_keyring);
        assert_eq!(
            prepared.keyring_unavailable.as_deref(),
            Some("the OS keyring is not available: none here")
        );
        assert_eq!(prepared.without_password, ["work"]);
        // setup's wording is what the filter relies on.
        let mut raw = Vec::new();
        let _ = setup::engine_config(&settings, &HashMap::new(), &mut raw);
        assert!(
            raw.iter()
                .any(|w| w.starts_with(&no_password_prefix("work"))),
            "{raw:?}"
        );
        assert!(
            prepared
                .warnings
                .iter()
                .all(|w| !w.contains("has no password")),
            "{:?}",
            prepared.warnings
        );
        assert!(
            prepared
                .warnings
                .iter()
                .any(|w| w.contains("general.listen"))
        );
    }
}
