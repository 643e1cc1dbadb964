//! The engine: the one async task that drives the sans-IO UA core (STYLE.md habits 2 and 6).
//!
//! [`run`] owns the transports ([`net`]: UDP, TCP, TLS), the DNS resolver ([`dns`], which
//! hands names under a public key to the Mainline DHT of [`crate::p2p::dht`]) and a
//! [`UserAgent`] with the configured accounts, and loops over one `select!`: network input,
//! DNS answers, [`Command`]s from the application, and a sleep until the next deadline (the
//! core's, or the next keep-alive). After every input it drains the core (`poll_transmit`,
//! `poll_resolve`, `poll_event`) until nothing is left, and reports what happened as
//! [`Event`]s. It is the only place that reads the clock or the OS random source; nothing in
//! it blocks (files and `/etc/resolv.conf` are read on the blocking pool).
//!
//! Audio: each call gets an RTP socket from [`EngineConfig::rtp_ports`] and a media session
//! ([`media`]); the audio device is the sound card ([`EngineConfig::sound`], opened while a
//! call has audio) or the virtual one (WAV files).

mod accounts;
pub mod dns;
mod driver;
pub mod json;
mod media;
mod media_timer;
mod meters;
pub mod net;
mod rtp_socket;
pub mod setup;
mod stun;
mod tones;

pub use accounts::EngineAccount;
pub use net::Listen;

use crate::p2p::identity::Identity;
use crate::sip::call::CallId;
use crate::sip::transaction::{TimerConfig, TransportKind};
use crate::sip::ua::{AccountId, UaConfig, UaEvent, UserAgent};
use std::io;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::sync::mpsc;

/// How long [`Command::Quit`] lets hang-ups and unregistrations settle before stopping.
pub const STOP_GRACE: Duration = Duration::from_secs(4);
/// How often keep-alives go to each registrar (RFC 5626 §4.4.1 suggests 95–120 s for UDP, but
/// NAT bindings often last 30 s; softphones use about 25 s).
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(25);

/// How the engine is set up.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// What to listen on; port 0 picks a free one ([`Event::Started`] tells which).
    pub listen: Vec<Listen>,
    /// The User-Agent / Server header value.
    pub user_agent: String,
    /// Answer every incoming call at once (for tests and unattended peers).
    pub auto_answer: bool,
    /// Decline every incoming call with 486 Busy Here, without ringing (do not disturb).
    pub do_not_disturb: bool,
    /// The RTP ports calls may use (inclusive; even ports are taken).
    pub rtp_ports: (u16, u16),
    /// A WAV file to use as the microphone (looped); `None` sends silence.
    pub audio_in: Option<std::path::PathBuf>,
    /// A WAV file to record what is played into; `None` discards it.
    pub audio_out: Option<std::path::PathBuf>,
    /// The rate the virtual device (`audio_in`, `audio_out`) runs at.
    pub audio_rate: u32,
    /// Use the sound card with these settings instead of the virtual device (`audio_in`
    /// and `audio_out` are then ignored).
    pub sound: Option<crate::audio::SoundSettings>,
    /// The packet time (ms) we ask the far end to send with (`a=ptime`), if any.
    pub ptime: Option<u32>,
    /// The audio codecs we offer and accept, in order of preference.
    pub codecs: Vec<crate::sip::offer_answer::Codec>,
    /// Emit [`Event::Level`] (microphone and received audio, at most 10 a second).
    pub levels: bool,
    /// The accounts to register (or keep for calls).
    pub accounts: Vec<EngineAccount>,
    /// Ask only this DNS server (tests, or a user's choice); `None` uses the system's.
    pub dns_server: Option<SocketAddr>,
    /// Trust the system's root certificates for TLS (besides the accounts' CA files).
    pub system_roots: bool,
    /// How long a quit may take at most.
    pub stop_grace: Duration,
    /// Keep-alive period towards registrars (`None`: no keep-alives).
    pub keepalive: Option<Duration>,
    /// Serverless calling through the Mainline DHT and the local network (`None`: neither,
    /// and P2P addresses cannot be called).
    pub p2p: Option<P2pConfig>,
}

/// How the engine takes part in serverless calling.
#[derive(Debug, Clone)]
pub struct P2pConfig {
    /// Our identity, whose records are published and advertised (`None`: resolve only).
    pub identity: Option<Identity>,
    /// Use the Mainline DHT.
    pub dht: bool,
    /// The DHT nodes to bootstrap from (`None`: the public Mainline bootstrap nodes).
    pub bootstrap: Option<Vec<String>>,
    /// Addresses to publish instead of the ones we listen on.
    pub addresses: Vec<std::net::IpAddr>,
    /// LAN discovery on this mDNS port (normally [`crate::p2p::mdns::MDNS_PORT`]; `None`: off).
    pub mdns: Option<u16>,
    /// The name people nearby see (`None`: the handle).
    pub display_name: Option<String>,
    /// A STUN server (`HOST:PORT`) that tells us our public address, which is then published.
    pub stun: Option<String>,
}

impl Default for P2pConfig {
    /// DHT and mDNS on, no identity, no STUN server.
    fn default() -> Self {
        P2pConfig {
            identity: None,
            dht: true,
            bootstrap: None,
            addresses: Vec::new(),
            mdns: Some(crate::p2p::mdns::MDNS_PORT),
            display_name: None,
            stun: None,
        }
    }
}

impl EngineConfig {
    /// A configuration with defaults: no accounts, system DNS and roots, keep-alives on.
    pub fn new(listen: Vec<Listen>) -> EngineConfig {
        EngineConfig {
            listen,
            user_agent: format!("Tincan/{}", env!("CARGO_PKG_VERSION")),
            auto_answer: false,
            do_not_disturb: false,
            rtp_ports: (16384, 16483),
            audio_in: None,
            audio_out: None,
            audio_rate: crate::audio::VIRTUAL_RATE,
            sound: None,
            ptime: None,
            codecs: vec![
                crate::sip::offer_answer::Codec::opus(),
                crate::sip::offer_answer::Codec::pcmu(),
                crate::sip::offer_answer::Codec::pcma(),
            ],
            levels: false,
            accounts: Vec::new(),
            dns_server: None,
            system_roots: true,
            stop_grace: STOP_GRACE,
            keepalive: Some(KEEPALIVE_INTERVAL),
            p2p: None,
        }
    }
}

/// What the application asks of the engine. Call ids of outgoing calls are minted by the
/// application (without [`CallId::INCOMING`]); incoming ones come from [`Event::Ua`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Use these accounts from now on (the user saved the accounts): those gone or changed
    /// unregister, new and changed ones register, unchanged ones and every call are left
    /// alone. Their ids are ignored; the engine answers with [`Event::Accounts`].
    Accounts(Vec<accounts::EngineAccount>),
    /// Call `target`: a SIP URI such as `sip:bob@192.0.2.7:5060`, or with an account a
    /// plain user or number (`bob`, `+4930123`) at the account's domain.
    Dial {
        /// The id for the new call.
        call: CallId,
        /// What to call.
        target: String,
        /// The account to call from (`None`: a direct call from our own address).
        account: Option<AccountId>,
    },
    /// Answer an incoming call.
    Answer {
        /// Which call.
        call: CallId,
    },
    /// Decline an incoming call with a 4xx..6xx status.
    Reject {
        /// Which call.
        call: CallId,
        /// The status to answer with (486 Busy Here, 603 Decline, ...).
        code: u16,
    },
    /// Hang up (BYE, CANCEL, or decline while ringing).
    Hangup {
        /// Which call.
        call: CallId,
    },
    /// Put a call on hold (re-INVITE with sendonly).
    Hold {
        /// Which call.
        call: CallId,
    },
    /// Take a call off hold.
    Resume {
        /// Which call.
        call: CallId,
    },
    /// Turn the microphone off (or on again) for one call: silence is sent meanwhile, the
    /// stream goes on (no re-INVITE), and the far end is still heard.
    Mute {
        /// Which call.
        call: CallId,
        /// `true` mutes, `false` unmutes.
        mute: bool,
    },
    /// Send DTMF digits (0-9, *, #, A-D) as RFC 4733 telephone events.
    Dtmf {
        /// Which call.
        call: CallId,
        /// The digits, sent one after the other.
        digits: String,
    },
    /// New sound settings (devices, processing, codecs), used from now on: the codecs for
    /// the next call, the devices at once (reopened if a call has audio). The virtual device
    /// (WAV files) stays as it is.
    Audio(crate::config::AudioSettings),
    /// How incoming calls are handled from now on.
    Answering {
        /// Answer them at once.
        auto_answer: bool,
        /// Decline them with 486 Busy Here, without ringing (before auto-answer).
        do_not_disturb: bool,
    },
    /// Open the microphone without a call and report its level ([`Event::Levels`], when
    /// levels are on), or stop doing so.
    TestMicrophone(bool),
    /// Play a short test sound (the ringtone's two notes, twice) on the output device.
    TestSound,
    /// Hang up every call, unregister every account, let that settle (at most
    /// [`EngineConfig::stop_grace`]) and stop.
    Quit,
}

/// What the engine tells the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The sockets are bound; the first event the engine sends.
    Started {
        /// The bound addresses, per transport.
        listen: Vec<(TransportKind, SocketAddr)>,
    },
    /// Something the UA core reported (calls, registrations, warnings, refused messages).
    Ua(UaEvent),
    /// The accounts in use after [`Command::Accounts`], with the ids their events carry.
    Accounts {
        /// Id and name of each, in the order given.
        accounts: Vec<(AccountId, String)>,
    },
    /// Our P2P identity: the address others can call us at.
    Identity {
        /// `sip:<handle>@<key>`.
        address: String,
    },
    /// Someone appeared on the local network (mDNS), or what they advertise changed.
    Nearby {
        /// Their P2P address, `sip:<handle>@<key>`.
        address: String,
        /// The name they show.
        name: String,
        /// Where they listen, `udp:192.168.1.7:5060` and so on.
        contacts: Vec<String>,
    },
    /// Someone left the local network (their goodbye, or their records expired).
    NearbyGone {
        /// Their key, z-base32.
        key: String,
    },
    /// A STUN server told us our public address (RFC 8489 XOR-MAPPED-ADDRESS).
    PublicAddress {
        /// The address and port the server saw our request come from.
        address: SocketAddr,
        /// The server asked.
        server: String,
    },
    /// Our records are on the DHT.
    Published {
        /// Our P2P address.
        address: String,
        /// How many DHT nodes stored them.
        nodes: u32,
        /// What they say, `udp:192.0.2.7:5060` and so on.
        contacts: Vec<String>,
        /// How long publishing took.
        took: Duration,
    },
    /// A DTMF digit arrived on a call.
    Dtmf {
        /// Which call.
        call: CallId,
        /// The digit.
        digit: char,
    },
    /// Something happened to a sound device (opened, missing, lost mid-call); calls go on,
    /// silent in that direction if need be.
    AudioDevice(crate::audio::DeviceNotice),
    /// Audio levels over the last 100 ms (only with [`EngineConfig::levels`]; at most ten
    /// a second, while the media clock runs).
    Levels {
        /// What the microphone captured.
        microphone: Level,
        /// What each call received and played.
        calls: Vec<(CallId, Level)>,
    },
    /// A call's statistics, about once a second while it carries audio.
    CallStats {
        /// Which call.
        call: CallId,
        /// The figures.
        stats: CallStats,
    },
    /// Something is wrong but changes nothing for now: a setting was ignored, a CA file
    /// could not be read.
    Warning {
        /// What.
        message: String,
    },
    /// A command could not be carried out, or a message could not be sent; nothing stops.
    Error {
        /// The call concerned, if any.
        call: Option<CallId>,
        /// What went wrong.
        message: String,
    },
    /// The engine stopped after [`Command::Quit`]; always the last event.
    Stopped,
}

/// An audio level, in whole dB relative to full scale (-100 for silence).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    /// The largest sample.
    pub peak_dbfs: i16,
    /// The root mean square.
    pub rms_dbfs: i16,
}

/// One call's figures, from its RTP counters, RTCP reports and jitter buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallStats {
    /// The codec we send with ("opus", "PCMU"...).
    pub codec: String,
    /// Payload bits a second we sent since the last figures.
    pub bitrate: u32,
    /// RTP packets sent and received so far.
    pub packets_sent: u64,
    /// RTP packets received so far.
    pub packets_received: u64,
    /// Packets of the far end's stream lost so far (RFC 3550 A.3).
    pub packets_lost: i64,
    /// The share of the far end's packets lost since the last figures, in percent.
    pub loss_percent: u8,
    /// The share of our packets the far end lost, by its last RTCP report, in percent.
    pub remote_loss_percent: Option<u8>,
    /// The interarrival jitter of what we receive, in ms (RFC 3550 §6.4.1).
    pub jitter_ms: u32,
    /// Received audio waiting in the jitter buffer, in ms (what it adds to the delay).
    pub buffer_ms: u32,
    /// The round-trip time from RTCP, in ms.
    pub rtt_ms: Option<u32>,
}

/// Why the engine could not start or had to stop (protocol outcomes are [`Event`]s instead).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A socket could not be bound.
    #[error(transparent)]
    Bind(#[from] net::BindError),
    /// TLS could not be set up at all.
    #[error("cannot set up TLS: {0}")]
    Tls(String),
    /// The audio device could not be opened (an unreadable input file).
    #[error("audio: {0}")]
    Audio(String),
    /// A blocking start-up step (reading certificates, resolv.conf) did not finish.
    #[error("start-up step failed: {0}")]
    Startup(String),
    /// The OS random source failed (the core's seed comes from it).
    #[error("cannot read OS randomness: {0}")]
    Seed(getrandom::Error),
    /// A socket or listener failed for good.
    #[error("{transport:?} {addr} failed: {source}")]
    Receive {
        /// Our address.
        addr: SocketAddr,
        /// The transport.
        transport: TransportKind,
        /// Why.
        source: io::Error,
    },
    /// The application dropped its event receiver, so nobody listens any more.
    #[error("the application stopped listening to engine events")]
    EventsClosed,
}

/// Runs the engine until [`Command::Quit`] (or until `commands` is closed, which means the
/// same). Returns `Err` only when it cannot start or cannot go on; see [`EngineError`].
pub async fn run(
    config: EngineConfig,
    commands: mpsc::Receiver<Command>,
    events: mpsc::Sender<Event>,
) -> Result<(), EngineError> {
    // Files (certificates, resolv.conf) are read on the blocking pool, never on this task.
    let ca_files: Vec<_> = config
        .accounts
        .iter()
        .filter_map(|a| a.ca_file.clone())
        .collect();
    let system_roots = config.system_roots;
    let dns_server = config.dns_server;
    let (dns_tx, dns_rx) = mpsc::channel(64);
    let (audio_in, audio_out) = (config.audio_in.clone(), config.audio_out.clone());
    let audio_rate = config.audio_rate;
    let sound = config.sound.clone();
    let bootstrap = config
        .p2p
        .as_ref()
        .filter(|p| p.dht)
        .map(|p| p.bootstrap.clone());
    let identity = config.p2p.as_ref().and_then(|p| p.identity.clone());
    let own_key = identity.as_ref().map(|i| i.public_key().to_z32());
    let mdns_port = config.p2p.as_ref().and_then(|p| p.mdns);
    let (tls, mut dns, device, dht) = tokio::task::spawn_blocking(move || {
        let tls = net::tls::TlsClient::load(&ca_files, system_roots);
        let device = match sound {
            Some(settings) => Ok(crate::audio::AudioDevice::Sound(Box::new(
                crate::audio::SoundDevice::new(settings),
            ))),
            None => crate::audio::VirtualDevice::open(audio_in.as_deref(), audio_out, audio_rate)
                .map(crate::audio::AudioDevice::Virtual),
        };
        let dht = bootstrap.map(|b| crate::p2p::dht::Dht::start(b.as_deref()));
        (tls, dns::Dns::new(dns_server, dns_tx), device, dht)
    })
    .await
    .map_err(|e| EngineError::Startup(e.to_string()))?;
    let mut tls = tls.map_err(|e| EngineError::Tls(e.to_string()))?;
    let (published_tx, published_rx) = mpsc::channel(8);
    let dht = match dht {
        Some(Ok(dht)) => Some(dht),
        Some(Err(e)) => {
            tls.warnings.push(format!("{e}: serverless calling is off"));
            None
        }
        None => None,
    };
    dns.set_dht(dht.clone());
    let publisher = match (dht, &identity) {
        (Some(dht), Some(identity)) => {
            let overrides = config.p2p.as_ref().map(|p| p.addresses.clone());
            Some(crate::p2p::dht::Publisher::new(
                identity.clone(),
                dht,
                overrides.unwrap_or_default(),
                published_tx,
            ))
        }
        _ => None,
    };
    let device = device.map_err(|e| EngineError::Audio(e.to_string()))?;
    // With an identity: a TLS listener serving its certificate, and the same certificate
    // as our client certificate towards P2P addresses (made here, in memory only).
    let (client, server) = match &identity {
        Some(identity) => {
            let keypair = identity.keypair();
            let tls_error = |e: rustls::Error| EngineError::Tls(e.to_string());
            let client = tls.client.with_identity(keypair).map_err(tls_error)?;
            let server = net::identity_tls::server_config(keypair).map_err(tls_error)?;
            (client, Some(std::sync::Arc::new(server)))
        }
        None => (tls.client, None),
    };
    let (net, net_rx) = net::Net::bind(&config.listen, client, server).await?;
    // The mDNS daemon (a thread of its own, sockets opened there) once nothing can fail
    // before the loop, which stops it.
    let mdns = match mdns_port.map(|port| crate::p2p::mdns::Mdns::start(port, own_key)) {
        Some(Ok(mdns)) => Some(mdns),
        Some(Err(e)) => {
            tls.warnings
                .push(format!("{e}: people nearby are not found"));
            None
        }
        None => None,
    };
    dns.set_mdns(mdns.clone());
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(EngineError::Seed)?;
    let ua_config = UaConfig {
        local: net.local().to_vec(),
        timers: TimerConfig::default(),
        user_agent: config.user_agent.clone(),
    };
    let mut ua = UserAgent::new(ua_config, seed);
    if let Some(identity) = &identity {
        let address = crate::sip::uri::Uri::parse(&identity.address());
        ua.set_p2p_address(address.ok().and_then(|a| a.as_sip().cloned()));
    }
    let media_ip = net
        .local()
        .iter()
        .map(|(_, a)| a.ip())
        .find(|ip| !ip.is_unspecified())
        .or_else(|| net.local().first().map(|(_, a)| a.ip()))
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
    getrandom::fill(&mut seed).map_err(EngineError::Seed)?;
    let mut media = media::Media::new(media_ip, config.rtp_ports, device, seed);
    media.set_levels(config.levels);
    let (nearby_tx, nearby_rx) = mpsc::channel(32);
    let (stun_tx, stun_rx) = mpsc::channel(4);
    if let Some(mdns) = &mdns {
        lan(
            mdns,
            identity.as_ref(),
            &config,
            net.local(),
            &nearby_tx,
            &mut tls.warnings,
        );
    }
    if let Some(server) = config.p2p.as_ref().and_then(|p| p.stun.clone()) {
        let bind = net
            .local()
            .iter()
            .find(|(t, _)| *t == TransportKind::Udp)
            .map_or(
                std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
                |(_, a)| a.ip(),
            );
        stun::spawn(server, bind, stun_tx.clone());
    }
    let inputs = driver::Inputs {
        commands,
        net: net_rx,
        dns: dns_rx,
        published: published_rx,
        nearby: nearby_rx,
        stun: stun_rx,
        // Kept so that these channels never close, with or without their producers.
        _keep: (nearby_tx, stun_tx),
    };
    driver::Engine::new(ua, net, dns, media, config, events)
        .with_p2p(identity, publisher, mdns)
        .run(inputs, tls.warnings)
        .await
}

/// Starts LAN discovery: browsing for people nearby, and advertising `identity` if we have
/// one. What fails is a warning.
fn lan(
    mdns: &crate::p2p::mdns::Mdns,
    identity: Option<&Identity>,
    config: &EngineConfig,
    local: &[(TransportKind, SocketAddr)],
    nearby: &mpsc::Sender<crate::p2p::nearby::Change>,
    warnings: &mut Vec<String>,
) {
    if let Err(e) = mdns.browse(Some(nearby)) {
        warnings.push(format!("{e}: people nearby are not found"));
    }
    let Some(identity) = identity else { return };
    let display = config
        .p2p
        .as_ref()
        .and_then(|p| p.display_name.clone())
        .unwrap_or_else(|| identity.handle().to_owned());
    if let Err(e) = mdns.advertise(identity, &display, local) {
        warnings.push(format!("{e}: we are not advertised on the local network"));
    }
}
