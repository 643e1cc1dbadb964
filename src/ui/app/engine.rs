//! The engine's life as the window drives it: prepare (passwords from the keyring, off the
//! window's thread), start (a new generation of the subscription), follow its events, and
//! stop it (to apply account changes, or to close the window, waiting a bounded time).

use super::{App, Message, Notice, Phase, QUIT_WAIT, message_arg};
use crate::engine::{Command, Event};
use crate::sip::call::{CallEvent, EndReason};
use crate::sip::registration::RegistrationEvent;
use crate::sip::transaction::TransportKind;
use crate::sip::ua::{AccountId, UaEvent};
use crate::ui::bridge::{self, Output, Prepared, Spec, background};
use crate::ui::i18n::k;
use crate::ui::screen::home;
use crate::ui::status::RegStatus;
use iced::Task;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::Arc;

impl App {
    /// Reads what the engine needs (the keyring may block) on a background thread.
    pub(crate) fn prepare(&mut self) -> Task<Message> {
        self.engine.phase = Phase::Preparing;
        let settings = self.settings.clone();
        let session = self.session_passwords.clone();
        Task::perform(
            background(move || bridge::prepare(&settings, &session)),
            Message::Prepared,
        )
    }

    /// Starts an engine with a prepared configuration.
    pub(crate) fn start_engine(&mut self, prepared: Option<Prepared>) -> Task<Message> {
        if matches!(self.engine.phase, Phase::Stopping { .. }) {
            // A restart or the close came first; it prepares again or exits by itself.
            return Task::none();
        }
        let Some(prepared) = prepared else {
            self.engine.phase = Phase::Stopped;
            let message = "the preparing thread failed".to_owned();
            self.notice = Some(Notice::error(
                k("notice-engine-failed"),
                vec![("message", message)],
            ));
            return Task::none();
        };
        if let Some(w) = prepared.warnings.last() {
            self.notice = Some(Notice::warning(w));
        }
        if prepared.keyring_unavailable.is_some() {
            self.notice = Some(Notice::error(k("notice-keyring-unavailable"), Vec::new()));
        }
        self.without_password = prepared.without_password;
        let mut config = prepared.config;
        if let Some(audio) = &self.virtual_audio {
            // WAV files instead of the sound card, as `tincan serve --audio-in/--audio-out`.
            let config = Arc::make_mut(&mut config);
            config.sound = None;
            config.audio_in.clone_from(&audio.input);
            config.audio_out.clone_from(&audio.output);
        }
        self.run_engine(config);
        Task::none()
    }

    fn run_engine(&mut self, config: Arc<crate::engine::EngineConfig>) {
        self.engine.generation += 1;
        self.engine.accounts = config
            .accounts
            .iter()
            .map(|a| (a.id, a.name.clone()))
            .collect();
        self.engine.spec = Some(Spec {
            generation: self.engine.generation,
            config,
        });
        self.engine.phase = Phase::Starting;
        // A new engine has no microphone test running.
        self.settings_screen.mic_test = false;
        self.levels = None;
        self.registrations.clear();
        self.own_address = None;
        self.p2p_address = None;
        self.nearby.clear();
        let names = self.engine_account_names();
        let default = self.settings.general.default_account.clone();
        self.dialpad.preselect(&names, default.as_deref());
    }

    /// Handles what the engine's subscription produced; outputs of an older engine are
    /// ignored.
    pub(crate) fn on_engine(&mut self, output: Output) -> Task<Message> {
        match output {
            Output::Ready {
                generation,
                controller,
            } if generation == self.engine.generation => {
                self.engine.controller = Some(controller);
                Task::none()
            }
            Output::Event { generation, event } if generation == self.engine.generation => {
                self.on_engine_event(event)
            }
            Output::Exited {
                generation,
                error,
                bind_failed,
            } if generation == self.engine.generation => self.on_exited(error, bind_failed),
            _ => Task::none(),
        }
    }

    fn on_engine_event(&mut self, event: Event) -> Task<Message> {
        match event {
            Event::Started { listen } => {
                self.engine.phase = Phase::Running;
                let generation = self.engine.generation;
                let address = Task::perform(background(move || own_address(&listen)), move |a| {
                    Message::OwnAddress(generation, a.flatten())
                });
                return Task::batch([address, self.dial_pending()]);
            }
            Event::Ua(UaEvent::Registration { account, event }) => {
                self.on_registration(account, &event);
            }
            Event::Ua(UaEvent::Call {
                call,
                event: CallEvent::Dtmf { digit },
            }) => self.calls.digit(call, digit),
            Event::Ua(UaEvent::Call { call, event }) => return self.on_call_event(call, event),
            Event::Identity { address } => self.p2p_address = Some(address),
            Event::Accounts { accounts } => self.on_engine_accounts(accounts),
            Event::Nearby { address, name, .. } => {
                // One entry per key: a new handle or name replaces what it said before.
                let key = home::key_of(&address).to_owned();
                match self.nearby.iter_mut().find(|n| n.has_key(&key)) {
                    Some(known) => *known = home::Nearby { address, name },
                    None => self.nearby.push(home::Nearby { address, name }),
                }
            }
            Event::NearbyGone { key } => self.nearby.retain(|n| !n.has_key(&key)),
            // Where our records went and what STUN saw are for the log and the CLI.
            Event::Published { .. } | Event::PublicAddress { .. } => {}
            // The call view's meters and the microphone test's.
            Event::Levels { microphone, calls } => self.levels = Some((microphone, calls)),
            Event::CallStats { call, stats } => self.calls.stats(call, &stats),
            // The engine logs the core's warnings; what matters to the user shows elsewhere
            // (a failed registration on the accounts screen, an ended call).
            Event::Ua(UaEvent::Warning { .. } | UaEvent::Rejected { .. }) => {}
            Event::Warning { message } => self.notice = Some(Notice::warning(&message)),
            Event::AudioDevice(notice) => {
                if let Some(message) = crate::audio::sound::notice_problem(&notice) {
                    self.notice = Some(Notice::warning(&message));
                }
            }
            Event::Dtmf { call, digit } => self.calls.digit(call, digit),
            Event::Error { call, message } => self.on_engine_error(call, &message),
            Event::Stopped => {
                if self.engine.phase == (Phase::Stopping { exit: true }) {
                    return iced::exit();
                }
            }
        }
        Task::none()
    }

    fn on_registration(&mut self, account: AccountId, event: &RegistrationEvent) {
        let Some(name) = self.account_name(account).map(str::to_owned) else {
            return;
        };
        let hint = self.certificate_hint && self.uses_tls(&name);
        if matches!(event, RegistrationEvent::Failed { .. }) {
            self.certificate_hint = false;
        }
        self.registrations
            .insert(name, RegStatus::from_event(event, hint));
    }

    /// Whether the account talks TLS (so a refused certificate concerns it).
    fn uses_tls(&self, name: &str) -> bool {
        self.settings.accounts.iter().any(|a| {
            a.name == name
                && (a.transport == crate::config::Transport::Tls
                    || a.aor.to_ascii_lowercase().starts_with("sips:"))
        })
    }

    fn on_engine_error(&mut self, call: Option<crate::sip::call::CallId>, message: &str) {
        tracing::warn!("engine error: {message}");
        let lower = message.to_ascii_lowercase();
        if lower.contains("certificate") || lower.contains("unknownissuer") {
            self.certificate_hint = true;
        }
        // A call the engine refused to place never gets events: drop it.
        if let Some(call) = call
            && self
                .calls
                .get(call)
                .is_some_and(|c| c.state == crate::ui::calls::CallState::Dialing)
        {
            self.calls.forget(call);
        }
        self.notice = Some(Notice::error(
            k("notice-engine-error"),
            vec![("message", message.to_owned())],
        ));
    }

    fn on_exited(&mut self, error: Option<Arc<str>>, bind_failed: bool) -> Task<Message> {
        self.engine.controller = None;
        self.own_address = None;
        self.p2p_address = None;
        self.nearby.clear();
        // Calls the engine took down with it still go to the history.
        let now = std::time::Instant::now();
        let lost = std::mem::take(&mut self.calls);
        let recorded: Vec<Task<Message>> = lost
            .all()
            .iter()
            .map(|call| self.record_call(call, &EndReason::Local, now))
            .collect();
        let next = self.after_exit(error, bind_failed);
        Task::batch(recorded.into_iter().chain([next]))
    }

    fn after_exit(&mut self, error: Option<Arc<str>>, bind_failed: bool) -> Task<Message> {
        let spec = self.engine.spec.take();
        match self.engine.phase {
            Phase::Stopping { exit: true } => return iced::exit(),
            Phase::Stopping { exit: false } => return self.prepare(),
            _ => {}
        }
        self.engine.phase = Phase::Stopped;
        if let Some(spec) =
            spec.filter(|s| bind_failed && s.config.listen.iter().any(|l| l.addr.port() != 0))
        {
            // The usual port is taken (another phone?): listen on free ones instead.
            let mut config = (*spec.config).clone();
            for listen in &mut config.listen {
                listen.addr.set_port(0);
            }
            self.notice = Some(Notice::info(k("notice-port-taken"), Vec::new()));
            self.run_engine(Arc::new(config));
            return Task::none();
        }
        if let Some(error) = error {
            self.notice = Some(Notice::error(
                k("notice-engine-failed"),
                message_arg(&error),
            ));
        }
        Task::none()
    }

    /// The accounts changed: the running engine takes the new set (unchanged accounts and
    /// calls are not touched); an engine not running starts anew with them.
    pub(crate) fn reconfigure(&mut self) -> Task<Message> {
        if self.engine.phase != Phase::Running || self.engine.controller.is_none() {
            return self.restart();
        }
        let settings = self.settings.clone();
        let session = self.session_passwords.clone();
        let generation = self.engine.generation;
        Task::perform(
            background(move || bridge::prepare_accounts(&settings, &session)),
            move |prepared| Message::Reconfigured(generation, prepared),
        )
    }

    /// Hands the prepared accounts to the engine they were prepared for.
    pub(crate) fn reconfigured(
        &mut self,
        generation: u64,
        prepared: Option<Prepared>,
    ) -> Task<Message> {
        let Some(prepared) = prepared else {
            return self.restart();
        };
        if generation != self.engine.generation {
            // That engine is gone; the one now starting read the settings itself.
            return Task::none();
        }
        if prepared.keyring_unavailable.is_some() {
            self.notice = Some(Notice::error(k("notice-keyring-unavailable"), Vec::new()));
        }
        self.without_password = prepared.without_password;
        let accounts = prepared.config.accounts.clone();
        if !self.send(Command::Accounts(accounts)) {
            return self.restart();
        }
        Task::none()
    }

    /// The engine's accounts after [`Command::Accounts`]: registration states of accounts
    /// gone or replaced are forgotten (their unregistration is the engine's business).
    fn on_engine_accounts(&mut self, accounts: Vec<(AccountId, String)>) {
        let before = std::mem::replace(&mut self.engine.accounts, accounts);
        for (id, name) in &before {
            if !self.engine.accounts.contains(&(*id, name.clone())) {
                self.registrations.remove(name);
            }
        }
        let names = self.engine_account_names();
        let default = self.settings.general.default_account.clone();
        self.dialpad.preselect(&names, default.as_deref());
    }

    /// Stops the engine and starts a new one with the current settings (accounts changed);
    /// waits for live calls to end first.
    pub(crate) fn restart(&mut self) -> Task<Message> {
        if !self.calls.all().is_empty() {
            self.engine.restart_pending = true;
            return Task::none();
        }
        self.engine.restart_pending = false;
        let quit = self
            .engine
            .controller
            .as_ref()
            .is_some_and(|c| c.send(Command::Quit).is_ok());
        if quit {
            self.engine.phase = Phase::Stopping { exit: false };
            Task::none()
        } else {
            self.engine.spec = None;
            self.engine.controller = None;
            self.prepare()
        }
    }

    /// The close button: quit the engine (calls hung up, accounts unregistered) and close
    /// when it has stopped, or after [`QUIT_WAIT`]. A second click (`again_forces`) closes
    /// at once; a repeated signal does not.
    pub(crate) fn quit(&mut self, again_forces: bool) -> Task<Message> {
        if self.engine.phase == (Phase::Stopping { exit: true }) {
            return if again_forces {
                iced::exit()
            } else {
                Task::none()
            };
        }
        let quit = self
            .engine
            .controller
            .as_ref()
            .is_some_and(|c| c.send(Command::Quit).is_ok());
        if !quit {
            return iced::exit();
        }
        self.engine.phase = Phase::Stopping { exit: true };
        // The timer is created when the task first runs, on iced's (tokio) executor.
        Task::perform(async { tokio::time::sleep(QUIT_WAIT).await }, |()| {
            Message::QuitTimeout
        })
    }

    pub(crate) fn on_own_address(
        &mut self,
        generation: u64,
        address: Option<String>,
    ) -> Task<Message> {
        if generation == self.engine.generation {
            self.own_address = address;
        }
        Task::none()
    }
}

/// Our address as a `sip:` URI, from where the engine listens (UDP preferred). A wildcard
/// address is replaced by the one the system would use to reach the outside.
pub fn own_address(listen: &[(TransportKind, SocketAddr)]) -> Option<String> {
    let (transport, addr) = listen
        .iter()
        .find(|(t, _)| *t == TransportKind::Udp)
        .or_else(|| listen.first())?;
    let ip = if addr.ip().is_unspecified() {
        outward_ip(addr.is_ipv6()).unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
    } else {
        addr.ip()
    };
    let host = match ip {
        IpAddr::V6(v6) => format!("[{v6}]"),
        IpAddr::V4(v4) => v4.to_string(),
    };
    let port = match addr.port() {
        5060 => String::new(),
        port => format!(":{port}"),
    };
    let transport = match transport {
        TransportKind::Tcp => ";transport=tcp",
        _ => "",
    };
    Some(format!("sip:{host}{port}{transport}"))
}

/// The local address of the route outwards. Connecting a UDP socket only picks the route;
/// nothing is sent (the target is a documentation address, RFC 5737 / RFC 3849).
fn outward_ip(v6: bool) -> Option<IpAddr> {
    let (bind, target) = if v6 {
        ("[::]:0", "[2001:db8::1]:9")
    } else {
        ("0.0.0.0:0", "192.0.2.1:9")
    };
    let socket = UdpSocket::bind(bind).ok()?;
    socket.connect(target).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_unspecified()).then_some(ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_address_is_a_sip_uri_of_the_udp_listener() {
        let udp: SocketAddr = "127.0.0.1:5062".parse().unwrap();
        let tcp: SocketAddr = "127.0.0.1:5070".parse().unwrap();
        let listen = [(TransportKind::Tcp, tcp), (TransportKind::Udp, udp)];
        assert_eq!(own_address(&listen).unwrap(), "sip:127.0.0.1:5062");
        assert_eq!(
            own_address(&listen[..1]).unwrap(),
            "sip:127.0.0.1:5070;transport=tcp"
        );
        let v6: SocketAddr = "[::1]:5060".parse().unwrap();
        assert_eq!(
            own_address(&[(TransportKind::Udp, v6)]).unwrap(),
            "sip:[::1]"
        );
        assert_eq!(own_address(&[]), None);
    }
}
