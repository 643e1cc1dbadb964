//! The JSON line protocol of `tincan serve`: one [`Command`] per line on stdin, one [`Event`]
//! per line on stdout. Each line is one JSON object; commands are tagged by `"cmd"`, events
//! by `"event"`. Call ids are JSON integers (incoming calls have the top bit set, so they are
//! at least 2^63: read them as unsigned 64-bit). Fields that do not apply are left out.
//!
//! Commands:
//!
//! | line | meaning |
//! | --- | --- |
//! | `{"cmd":"dial","call":1,"target":"sip:bob@127.0.0.1:5064"}` | a direct call to a SIP URI, from our own address |
//! | `{"cmd":"dial","call":2,"target":"bob","account":"work"}` | call from an account: a URI, or a user or number at the account's domain |
//! | `{"cmd":"answer","call":N}` | answer an incoming call |
//! | `{"cmd":"reject","call":N,"code":486}` | decline with a 4xx..6xx; `code` defaults to 603 |
//! | `{"cmd":"hangup","call":N}` | hang up, cancel or decline |
//! | `{"cmd":"hold","call":N}` / `{"cmd":"resume","call":N}` | re-INVITE to hold or resume |
//! | `{"cmd":"dtmf","call":N,"digits":"123#"}` | send DTMF (RFC 4733 telephone events) |
//! | `{"cmd":"mute","call":N}` / `{"cmd":"unmute","call":N}` | microphone off (silence is sent) or on again for one call |
//! | `{"cmd":"audio","codecs":["pcma","pcmu"],"input_device":"…","echo_cancellation":false}` | new `[audio]` settings, used from now on (codecs for the next call, devices at once); fields left out take their defaults |
//! | `{"cmd":"answering","auto_answer":true,"do_not_disturb":false}` | auto-answer, and do not disturb (decline incoming calls with 486, without ringing), from now on |
//! | `{"cmd":"test_microphone","on":true}` | open the microphone without a call and report `levels` (with `--levels`); `false` stops |
//! | `{"cmd":"test_sound"}` | play a short test sound (two notes, twice) on the speaker |
//! | `{"cmd":"quit"}` | hang up everything and stop (end of input means the same) |
//!
//! Events:
//!
//! | `event` | other fields |
//! | --- | --- |
//! | `started` | `listen` (the first address, "127.0.0.1:5062"), `addresses` (every one, "udp:127.0.0.1:5062", "tcp:…", "tls:…") |
//! | `incoming` | `call`, `from`, `to` (URIs), `from_name` (display name), `account` (its name) |
//! | `ringing` | `call` |
//! | `early_media`, `answered`, `media_updated` | `call`, and the media: `remote_rtp`, `remote_rtcp` ("ip:port"), `codec` ("PCMU"), `payload_type`, `clock_rate`, `telephone_event` (its payload type), `local_direction`, `remote_direction` ("sendrecv", "sendonly", "recvonly", "inactive"), `rtcp_mux`, `ptime` |
//! | `ended` | `call`, `reason` (`local`, `remote`, `cancelled`, `busy`, `declined`, `timeout`, `failed`); for `failed` also `code` and `detail` |
//! | `registration` | `account` (its name), `state` (`registering`, `registered`, `failed`, `unregistered`), `expires`, `code`, `detail`, `retry_in_ms` |
//! | `dtmf` | `call`, `digit` ("5"): a DTMF digit arrived |
//! | `identity` | `address`: our P2P address, `sip:<handle>@<52-character key>` (after `started`) |
//! | `published` | `address`, `nodes` (how many DHT nodes stored our records), `contacts` ("udp:192.0.2.7:5060", what the records say), `ms` (how long it took) |
//! | `nearby` | `address` (`sip:<handle>@<key>`), `name`, `contacts` ("udp:192.168.1.7:5060"): someone on the local network appeared (mDNS), or what they advertise changed |
//! | `nearby_gone` | `key`: they left the local network |
//! | `public_address` | `address` ("203.0.113.7:40000"), `server`: what a STUN server saw |
//! | `levels` | `mic` and, per call, `calls[].call`: `{"peak":-12,"rms":-15}` in dBFS (-100 is silence), over the last 100 ms; only with `--levels`, at most 10 a second |
//! | `call_stats` | `call`, `codec`, `bitrate` (payload bit/s sent), `packets_sent`, `packets_received`, `packets_lost`, `loss_percent` (what we received, last second), `remote_loss_percent` (ours at the far end, by RTCP), `jitter_ms`, `buffer_ms` (received audio waiting in the jitter buffer), `rtt_ms`: about once a second per call with audio |
//! | `warning` | `message`: something is wrong but changes nothing (a setting ignored, a message the core noticed) |
//! | `audio_device` | `state` (`opened`, `fallback`: the chosen device is missing and the default is used, `unavailable`: the call goes on silent that way, `lost`: it failed mid-call and the default is reopened), `direction` (`input`, `output`), `message`: the device name or why |
//! | `rejected` | `peer` ("udp:192.0.2.7:5060"), `status` (the status sent back, if any), `detail`: a message was refused or dropped |
//! | `error` | `message`, `call` when one is concerned: a command failed or a line was not understood |
//! | `stopped` | the last line |

use super::{CallStats, Command, Event, Level};
use crate::audio::DeviceNotice;
use crate::sip::call::{CallEvent, CallId, EndReason};
use crate::sip::offer_answer::Negotiated;
use crate::sip::registration::RegistrationEvent;
use crate::sip::transaction::{Peer, TransportKind};
use crate::sip::ua::{AccountId, UaEvent};
use serde::{Deserialize, Serialize};

/// A command line that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CommandLineError {
    /// Not JSON, or not a command.
    #[error("bad command line: {0}")]
    Json(#[from] serde_json::Error),
    /// The command names an account that is not configured.
    #[error("no account named {0:?}")]
    UnknownAccount(String),
}

/// The accounts' names, which the JSON lines use instead of numeric ids.
#[derive(Debug, Clone, Default)]
pub struct AccountNames(Vec<(AccountId, String)>);

impl AccountNames {
    /// Names for the given accounts.
    pub fn new(names: impl IntoIterator<Item = (AccountId, String)>) -> AccountNames {
        AccountNames(names.into_iter().collect())
    }

    /// The id of the account called `name`.
    pub fn id(&self, name: &str) -> Option<AccountId> {
        self.0.iter().find(|(_, n)| n == name).map(|(id, _)| *id)
    }

    /// The name of account `id` (its number when it has none).
    pub fn name(&self, id: AccountId) -> String {
        self.0
            .iter()
            .find(|(i, _)| *i == id)
            .map_or_else(|| id.0.to_string(), |(_, n)| n.clone())
    }
}

/// Reads one command line (surrounding whitespace allowed).
pub fn parse_command(line: &str, accounts: &AccountNames) -> Result<Command, CommandLineError> {
    let wire: WireCommand = serde_json::from_str(line.trim())?;
    if let WireCommand::Dial {
        call,
        target,
        account,
    } = wire
    {
        let account = match account {
            Some(name) => Some(
                accounts
                    .id(&name)
                    .ok_or(CommandLineError::UnknownAccount(name))?,
            ),
            None => None,
        };
        return Ok(Command::Dial {
            call: CallId(call),
            target,
            account,
        });
    }
    Ok(wire.into())
}

/// One event as a JSON line (without the newline).
pub fn event_line(event: &Event, accounts: &AccountNames) -> String {
    // Serializing these plain structs cannot fail (string keys, no maps of other keys).
    serde_json::to_string(&wire_event(event, accounts)).unwrap_or_default()
}

#[derive(Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case", deny_unknown_fields)]
enum WireCommand {
    Dial {
        call: u64,
        target: String,
        #[serde(default)]
        account: Option<String>,
    },
    Answer {
        call: u64,
    },
    Reject {
        call: u64,
        #[serde(default = "default_reject_code")]
        code: u16,
    },
    Hangup {
        call: u64,
    },
    Hold {
        call: u64,
    },
    Resume {
        call: u64,
    },
    Dtmf {
        call: u64,
        digits: String,
    },
    Mute {
        call: u64,
    },
    Unmute {
        call: u64,
    },
    Audio(WireAudio),
    Answering {
        auto_answer: bool,
        do_not_disturb: bool,
    },
    TestMicrophone {
        on: bool,
    },
    TestSound,
    Quit,
}

/// `[audio]` on the wire: fields left out take their defaults.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireAudio {
    #[serde(default)]
    input_device: Option<String>,
    #[serde(default)]
    output_device: Option<String>,
    #[serde(default)]
    ringer_device: Option<String>,
    #[serde(default)]
    echo_cancellation: Option<bool>,
    #[serde(default)]
    noise_suppression: Option<bool>,
    #[serde(default)]
    gain_control: Option<bool>,
    #[serde(default)]
    codecs: Option<Vec<String>>,
}

impl From<WireAudio> for crate::config::AudioSettings {
    fn from(wire: WireAudio) -> Self {
        let d = crate::config::AudioSettings::default();
        crate::config::AudioSettings {
            input_device: wire.input_device,
            output_device: wire.output_device,
            ringer_device: wire.ringer_device,
            echo_cancellation: wire.echo_cancellation.unwrap_or(d.echo_cancellation),
            noise_suppression: wire.noise_suppression.unwrap_or(d.noise_suppression),
            gain_control: wire.gain_control.unwrap_or(d.gain_control),
            codecs: wire
                .codecs
                .map(|c| c.iter().map(|n| n.to_ascii_lowercase()).collect())
                .unwrap_or(d.codecs),
        }
    }
}

/// RFC 3261 §21.6.4: the user does not want the call.
fn default_reject_code() -> u16 {
    603
}

impl From<WireCommand> for Command {
    fn from(wire: WireCommand) -> Self {
        match wire {
            WireCommand::Dial {
                call,
                target,
                account: _,
            } => Command::Dial {
                call: CallId(call),
                target,
                account: None,
            },
            WireCommand::Answer { call } => Command::Answer { call: CallId(call) },
            WireCommand::Reject { call, code } => Command::Reject {
                call: CallId(call),
                code,
            },
            WireCommand::Hangup { call } => Command::Hangup { call: CallId(call) },
            WireCommand::Hold { call } => Command::Hold { call: CallId(call) },
            WireCommand::Resume { call } => Command::Resume { call: CallId(call) },
            WireCommand::Dtmf { call, digits } => Command::Dtmf {
                call: CallId(call),
                digits,
            },
            WireCommand::Mute { call } => Command::Mute {
                call: CallId(call),
                mute: true,
            },
            WireCommand::Unmute { call } => Command::Mute {
                call: CallId(call),
                mute: false,
            },
            WireCommand::Audio(audio) => Command::Audio(audio.into()),
            WireCommand::Answering {
                auto_answer,
                do_not_disturb,
            } => Command::Answering {
                auto_answer,
                do_not_disturb,
            },
            WireCommand::TestMicrophone { on } => Command::TestMicrophone(on),
            WireCommand::TestSound => Command::TestSound,
            WireCommand::Quit => Command::Quit,
        }
    }
}

#[derive(Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
enum WireEvent {
    Accounts {
        names: Vec<String>,
    },
    Started {
        listen: String,
        addresses: Vec<String>,
    },
    Incoming {
        call: u64,
        from: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        from_name: Option<String>,
        to: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        account: Option<String>,
        /// The caller proved over TLS that it holds the key its From host names.
        verified: bool,
        /// The media will be encrypted (SRTP, keyed over TLS).
        encrypted: bool,
    },
    Ringing {
        call: u64,
    },
    EarlyMedia {
        call: u64,
        #[serde(flatten)]
        media: WireMedia,
    },
    Answered {
        call: u64,
        #[serde(flatten)]
        media: WireMedia,
    },
    MediaUpdated {
        call: u64,
        #[serde(flatten)]
        media: WireMedia,
    },
    Ended {
        call: u64,
        reason: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        code: Option<u16>,
        #[serde(skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    Registration {
        account: String,
        state: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        expires: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        code: Option<u16>,
        #[serde(skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        retry_in_ms: Option<u128>,
    },
    Warning {
        message: String,
    },
    AudioDevice {
        state: &'static str,
        direction: &'static str,
        message: String,
    },
    Identity {
        address: String,
    },
    Published {
        address: String,
        nodes: u32,
        contacts: Vec<String>,
        ms: u128,
    },
    Nearby {
        address: String,
        name: String,
        contacts: Vec<String>,
    },
    NearbyGone {
        key: String,
    },
    PublicAddress {
        address: String,
        server: String,
    },
    Dtmf {
        call: u64,
        digit: String,
    },
    Rejected {
        peer: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        detail: String,
    },
    Error {
        #[serde(skip_serializing_if = "Option::is_none")]
        call: Option<u64>,
        message: String,
    },
    Levels {
        mic: WireLevel,
        calls: Vec<WireCallLevel>,
    },
    CallStats {
        call: u64,
        codec: String,
        bitrate: u32,
        packets_sent: u64,
        packets_received: u64,
        packets_lost: i64,
        loss_percent: u8,
        #[serde(skip_serializing_if = "Option::is_none")]
        remote_loss_percent: Option<u8>,
        jitter_ms: u32,
        buffer_ms: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        rtt_ms: Option<u32>,
    },
    Stopped,
}

/// A level in dBFS.
#[derive(Serialize)]
struct WireLevel {
    peak: i16,
    rms: i16,
}

impl From<Level> for WireLevel {
    fn from(l: Level) -> Self {
        WireLevel {
            peak: l.peak_dbfs,
            rms: l.rms_dbfs,
        }
    }
}

/// One call's level.
#[derive(Serialize)]
struct WireCallLevel {
    call: u64,
    #[serde(flatten)]
    level: WireLevel,
}

fn wire_stats(call: CallId, s: &CallStats) -> WireEvent {
    WireEvent::CallStats {
        call: call.0,
        codec: s.codec.clone(),
        bitrate: s.bitrate,
        packets_sent: s.packets_sent,
        packets_received: s.packets_received,
        packets_lost: s.packets_lost,
        loss_percent: s.loss_percent,
        remote_loss_percent: s.remote_loss_percent,
        jitter_ms: s.jitter_ms,
        buffer_ms: s.buffer_ms,
        rtt_ms: s.rtt_ms,
    }
}

/// What an offer/answer exchange settled, flattened into the call event.
#[derive(Serialize)]
struct WireMedia {
    #[serde(skip_serializing_if = "Option::is_none")]
    remote_rtp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remote_rtcp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    codec: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload_type: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    clock_rate: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    telephone_event: Option<u8>,
    local_direction: &'static str,
    remote_direction: &'static str,
    rtcp_mux: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    ptime: Option<u32>,
    /// SRTP protects the media (RFC 3711, keyed by SDES over TLS).
    encrypted: bool,
    /// The SRTP suite, when encrypted (never the keys).
    #[serde(skip_serializing_if = "Option::is_none")]
    srtp_suite: Option<&'static str>,
}

impl From<&Negotiated> for WireMedia {
    fn from(m: &Negotiated) -> Self {
        let codec = m.send_codec.as_ref();
        WireMedia {
            remote_rtp: m.remote_rtp.map(|a| a.to_string()),
            remote_rtcp: m.remote_rtcp.map(|a| a.to_string()),
            codec: codec.map(|c| c.codec.name.clone()),
            payload_type: codec.map(|c| c.payload_type),
            clock_rate: codec.map(|c| c.codec.clock_rate),
            telephone_event: m.telephone_event_pt,
            local_direction: m.local_direction.as_str(),
            remote_direction: m.remote_direction.as_str(),
            rtcp_mux: m.rtcp_mux,
            ptime: m.ptime,
            encrypted: m.srtp.is_some(),
            srtp_suite: m.srtp.as_ref().map(|s| s.suite.name()),
        }
    }
}

fn wire_event(event: &Event, accounts: &AccountNames) -> WireEvent {
    match event {
        Event::Started { listen } => WireEvent::Started {
            listen: listen
                .first()
                .map(|(_, a)| a.to_string())
                .unwrap_or_default(),
            addresses: listen
                .iter()
                .map(|(t, a)| {
                    peer_text(Peer {
                        transport: *t,
                        addr: *a,
                    })
                })
                .collect(),
        },
        Event::Ua(ua) => from_ua(ua, accounts),
        Event::Error { call, message } => WireEvent::Error {
            call: call.map(|c| c.0),
            message: message.clone(),
        },
        Event::Dtmf { call, digit } => WireEvent::Dtmf {
            call: call.0,
            digit: digit.to_string(),
        },
        Event::Warning { message } => WireEvent::Warning {
            message: message.clone(),
        },
        Event::Accounts { accounts } => WireEvent::Accounts {
            names: accounts.iter().map(|(_, n)| n.clone()).collect(),
        },
        Event::AudioDevice(notice) => audio_device(notice),
        Event::Identity { address } => WireEvent::Identity {
            address: address.clone(),
        },
        Event::Published {
            address,
            nodes,
            contacts,
            took,
        } => WireEvent::Published {
            address: address.clone(),
            nodes: *nodes,
            contacts: contacts.clone(),
            ms: took.as_millis(),
        },
        Event::Nearby {
            address,
            name,
            contacts,
        } => WireEvent::Nearby {
            address: address.clone(),
            name: name.clone(),
            contacts: contacts.clone(),
        },
        Event::NearbyGone { key } => WireEvent::NearbyGone { key: key.clone() },
        Event::PublicAddress { address, server } => WireEvent::PublicAddress {
            address: address.to_string(),
            server: server.clone(),
        },
        Event::Levels { microphone, calls } => WireEvent::Levels {
            mic: (*microphone).into(),
            calls: calls
                .iter()
                .map(|(call, level)| WireCallLevel {
                    call: call.0,
                    level: (*level).into(),
                })
                .collect(),
        },
        Event::CallStats { call, stats } => wire_stats(*call, stats),
        Event::Stopped => WireEvent::Stopped,
    }
}

/// `{"event":"audio_device","state":"opened|fallback|unavailable|lost","direction":
/// "input|output","message":...}`: the device's name when opened, otherwise why not.
fn audio_device(notice: &DeviceNotice) -> WireEvent {
    let (state, direction, message) = match notice {
        DeviceNotice::Opened { direction, name } => ("opened", direction, name),
        DeviceNotice::Fallback { direction, reason } => ("fallback", direction, reason),
        DeviceNotice::Unavailable { direction, reason } => ("unavailable", direction, reason),
        DeviceNotice::Lost { direction, reason } => ("lost", direction, reason),
    };
    WireEvent::AudioDevice {
        state,
        direction: direction.as_str(),
        message: message.clone(),
    }
}

fn from_ua(event: &UaEvent, accounts: &AccountNames) -> WireEvent {
    match event {
        UaEvent::Call { call, event } => from_call(*call, event, accounts),
        UaEvent::Registration { account, event } => {
            from_registration(accounts.name(*account), event)
        }
        UaEvent::Warning { message } => WireEvent::Warning {
            message: message.clone(),
        },
        UaEvent::Rejected {
            peer,
            status,
            reason,
        } => WireEvent::Rejected {
            peer: peer_text(*peer),
            status: *status,
            detail: reason.clone(),
        },
    }
}

fn from_call(call: CallId, event: &CallEvent, accounts: &AccountNames) -> WireEvent {
    let call = call.0;
    match event {
        CallEvent::Incoming {
            account,
            from,
            to,
            verified,
            encrypted,
        } => WireEvent::Incoming {
            call,
            from: from.uri.to_string(),
            from_name: from.display.as_ref().map(|d| d.to_string()),
            to: to.uri.to_string(),
            account: account.map(|a| accounts.name(a)),
            verified: verified.is_some(),
            encrypted: *encrypted,
        },
        CallEvent::Ringing => WireEvent::Ringing { call },
        CallEvent::Dtmf { digit } => WireEvent::Dtmf {
            call,
            digit: digit.to_string(),
        },
        CallEvent::EarlyMedia { media } => WireEvent::EarlyMedia {
            call,
            media: media.as_ref().into(),
        },
        CallEvent::Answered { media } => WireEvent::Answered {
            call,
            media: media.as_ref().into(),
        },
        CallEvent::MediaUpdated { media } => WireEvent::MediaUpdated {
            call,
            media: media.as_ref().into(),
        },
        CallEvent::Ended { reason } => {
            let (code, detail) = match reason {
                EndReason::Failed { code, reason } => (Some(*code), Some(reason.clone())),
                _ => (None, None),
            };
            WireEvent::Ended {
                call,
                reason: end_reason_name(reason),
                code,
                detail,
            }
        }
    }
}

fn end_reason_name(reason: &EndReason) -> &'static str {
    match reason {
        EndReason::Local => "local",
        EndReason::Remote => "remote",
        EndReason::Cancelled => "cancelled",
        EndReason::Busy => "busy",
        EndReason::Declined => "declined",
        EndReason::Timeout => "timeout",
        EndReason::Failed { .. } => "failed",
    }
}

fn from_registration(account: String, event: &RegistrationEvent) -> WireEvent {
    let (mut expires, mut code, mut detail, mut retry_in_ms) = (None, None, None, None);
    let state = match event {
        RegistrationEvent::Registering => "registering",
        RegistrationEvent::Registered { expires: e } => {
            expires = Some(*e);
            "registered"
        }
        RegistrationEvent::Failed {
            code: c,
            reason,
            retry_in,
        } => {
            code = Some(*c);
            detail = Some(reason.clone());
            retry_in_ms = Some(retry_in.as_millis());
            "failed"
        }
        RegistrationEvent::Unregistered => "unregistered",
    };
    WireEvent::Registration {
        account,
        state,
        expires,
        code,
        detail,
        retry_in_ms,
    }
}

/// `udp:192.0.2.7:5060`, the same form `tincan serve --listen` takes.
fn peer_text(peer: Peer) -> String {
    let transport = match peer.transport {
        TransportKind::Udp => "udp",
        TransportKind::Tcp => "tcp",
        TransportKind::Tls => "tls",
    };
    format!("{transport}:{}", peer.addr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn commands_parse() {
        let table = [
            (
                r#"{"cmd":"dial","call":1,"target":"sip:bob@127.0.0.1:5064"}"#,
                Command::Dial {
                    call: CallId(1),
                    target: "sip:bob@127.0.0.1:5064".into(),
                    account: None,
                },
            ),
            (
                r#"{"cmd":"dial","call":2,"target":"bob","account":"work"}"#,
                Command::Dial {
                    call: CallId(2),
                    target: "bob".into(),
                    account: Some(AccountId(7)),
                },
            ),
            (
                r#"{"cmd":"answer","call":9223372036854775808}"#,
                Command::Answer {
                    call: CallId(CallId::INCOMING),
                },
            ),
            (
                r#"{"cmd":"reject","call":2,"code":486}"#,
                Command::Reject {
                    call: CallId(2),
                    code: 486,
                },
            ),
            (
                r#"{"cmd":"reject","call":2}"#,
                Command::Reject {
                    call: CallId(2),
                    code: 603,
                },
            ),
            (
                r#" {"cmd":"hangup","call":3} "#,
                Command::Hangup { call: CallId(3) },
            ),
            (
                r#"{"cmd":"hold","call":4}"#,
                Command::Hold { call: CallId(4) },
            ),
            (
                r#"{"cmd":"resume","call":4}"#,
                Command::Resume { call: CallId(4) },
            ),
            (
                r#"{"cmd":"dtmf","call":4,"digits":"12#"}"#,
                Command::Dtmf {
                    call: CallId(4),
                    digits: "12#".into(),
                },
            ),
            (
                r#"{"cmd":"mute","call":4}"#,
                Command::Mute {
                    call: CallId(4),
                    mute: true,
                },
            ),
            (
                r#"{"cmd":"unmute","call":4}"#,
                Command::Mute {
                    call: CallId(4),
                    mute: false,
                },
            ),
            (
                r#"{"cmd":"audio","codecs":["PCMA","g722"],"echo_cancellation":false}"#,
                Command::Audio(crate::config::AudioSettings {
                    codecs: vec!["pcma".into(), "g722".into()],
                    echo_cancellation: false,
                    ..crate::config::AudioSettings::default()
                }),
            ),
            (
                r#"{"cmd":"audio"}"#,
                Command::Audio(crate::config::AudioSettings::default()),
            ),
            (
                r#"{"cmd":"answering","auto_answer":false,"do_not_disturb":true}"#,
                Command::Answering {
                    auto_answer: false,
                    do_not_disturb: true,
                },
            ),
            (
                r#"{"cmd":"test_microphone","on":true}"#,
                Command::TestMicrophone(true),
            ),
            (r#"{"cmd":"test_sound"}"#, Command::TestSound),
            (r#"{"cmd":"quit"}"#, Command::Quit),
        ];
        for (line, want) in table {
            assert_eq!(parse_command(line, &names()).unwrap(), want, "{line}");
        }
    }

    #[test]
    fn bad_commands_are_errors() {
        for line in [
            "",
            "dial 1",
            r#"{"cmd":"dance"}"#,
            r#"{"cmd":"dial","call":1}"#,
            r#"{"cmd":"answer","call":-1}"#,
            r#"{"cmd":"hangup","call":1,"extra":true}"#,
            r#"{"call":1}"#,
            r#"{"cmd":"dial","call":1,"target":"bob","account":"home"}"#,
        ] {
            assert!(parse_command(line, &names()).is_err(), "{line:?} parsed");
        }
    }

    fn names() -> AccountNames {
        AccountNames::new([(AccountId(7), "work".to_owned())])
    }

    fn line(event: &Event) -> Value {
        serde_json::from_str(&event_line(event, &names())).unwrap()
    }

    #[test]
    fn engine_events_serialize() {
        let listen = vec![
            (TransportKind::Udp, "127.0.0.1:5062".parse().unwrap()),
            (TransportKind::Tcp, "[::1]:5062".parse().unwrap()),
        ];
        assert_eq!(
            line(&Event::Started { listen }),
            json!({"event":"started","listen":"127.0.0.1:5062",
                   "addresses":["udp:127.0.0.1:5062","tcp:[::1]:5062"]})
        );
        assert_eq!(line(&Event::Stopped), json!({"event":"stopped"}));
        let error = Event::Error {
            call: None,
            message: "x".into(),
        };
        assert_eq!(line(&error), json!({"event":"error","message":"x"}));
        let error = Event::Error {
            call: Some(CallId(7)),
            message: "y".into(),
        };
        assert_eq!(
            line(&error),
            json!({"event":"error","call":7,"message":"y"})
        );
        let address = "sip:me@o4dksfbqk85ogzdb5osziw6befigbuxmuxkuxq8434q89uj56uyy".to_owned();
        assert_eq!(
            line(&Event::Identity {
                address: address.clone()
            }),
            json!({"event":"identity","address":address})
        );
        let published = Event::Published {
            address: address.clone(),
            nodes: 20,
            contacts: vec!["udp:127.0.0.1:5062".into()],
            took: std::time::Duration::from_millis(1234),
        };
        assert_eq!(
            line(&published),
            json!({"event":"published","address":address,"nodes":20,
                   "contacts":["udp:127.0.0.1:5062"],"ms":1234})
        );
        let nearby = Event::Nearby {
            address: address.clone(),
            name: "Bob".into(),
            contacts: vec!["udp:192.168.1.7:5060".into()],
        };
        assert_eq!(
            line(&nearby),
            json!({"event":"nearby","address":address,"name":"Bob",
                   "contacts":["udp:192.168.1.7:5060"]})
        );
        assert_eq!(
            line(&Event::NearbyGone { key: "k".into() }),
            json!({"event":"nearby_gone","key":"k"})
        );
        let public = Event::PublicAddress {
            address: "203.0.113.7:4000".parse().unwrap(),
            server: "stun.example.net:3478".into(),
        };
        assert_eq!(
            line(&public),
            json!({"event":"public_address","address":"203.0.113.7:4000",
                   "server":"stun.example.net:3478"})
        );
    }

    #[test]
    fn audio_device_events_serialize() {
        use crate::audio::sound::Direction;
        let table = [
            (
                DeviceNotice::Opened {
                    direction: Direction::Input,
                    name: "pulse".into(),
                },
                json!({"event":"audio_device","state":"opened","direction":"input",
                       "message":"pulse"}),
            ),
            (
                DeviceNotice::Unavailable {
                    direction: Direction::Output,
                    reason: "no speaker found".into(),
                },
                json!({"event":"audio_device","state":"unavailable","direction":"output",
                       "message":"no speaker found"}),
            ),
            (
                DeviceNotice::Lost {
                    direction: Direction::Input,
                    reason: "gone".into(),
                },
                json!({"event":"audio_device","state":"lost","direction":"input",
                       "message":"gone"}),
            ),
            (
                DeviceNotice::Fallback {
                    direction: Direction::Output,
                    reason: "no speaker named \"x\"".into(),
                },
                json!({"event":"audio_device","state":"fallback","direction":"output",
                       "message":"no speaker named \"x\""}),
            ),
        ];
        for (notice, expected) in table {
            assert_eq!(line(&Event::AudioDevice(notice)), expected);
        }
    }

    #[test]
    fn call_events_serialize() {
        let call = |event| {
            Event::Ua(UaEvent::Call {
                call: CallId(1),
                event,
            })
        };
        assert_eq!(
            line(&call(CallEvent::Ringing)),
            json!({"event":"ringing","call":1})
        );
        let ended = call(CallEvent::Ended {
            reason: EndReason::Remote,
        });
        assert_eq!(
            line(&ended),
            json!({"event":"ended","call":1,"reason":"remote"})
        );
        let failed = call(CallEvent::Ended {
            reason: EndReason::Failed {
                code: 503,
                reason: "Service Unavailable".into(),
            },
        });
        assert_eq!(
            line(&failed),
            json!({"event":"ended","call":1,"reason":"failed","code":503,
                   "detail":"Service Unavailable"})
        );
    }

    #[test]
    fn core_notices_serialize() {
        let rejected = Event::Ua(UaEvent::Rejected {
            peer: Peer {
                transport: TransportKind::Udp,
                addr: "192.0.2.7:5060".parse().unwrap(),
            },
            status: Some(400),
            reason: "bad".into(),
        });
        assert_eq!(
            line(&rejected),
            json!({"event":"rejected","peer":"udp:192.0.2.7:5060","status":400,"detail":"bad"})
        );
        let registered = Event::Ua(UaEvent::Registration {
            account: AccountId(7),
            event: RegistrationEvent::Registered { expires: 600 },
        });
        assert_eq!(
            line(&registered),
            json!({"event":"registration","account":"work","state":"registered","expires":600})
        );
    }

    #[test]
    fn levels_and_call_stats_serialize() {
        let level = |peak_dbfs, rms_dbfs| Level {
            peak_dbfs,
            rms_dbfs,
        };
        let levels = Event::Levels {
            microphone: level(-12, -15),
            calls: vec![(CallId(1), level(-100, -100))],
        };
        assert_eq!(
            line(&levels),
            json!({"event":"levels","mic":{"peak":-12,"rms":-15},
                   "calls":[{"call":1,"peak":-100,"rms":-100}]})
        );
        let stats = Event::CallStats {
            call: CallId(1),
            stats: CallStats {
                codec: "opus".into(),
                bitrate: 32_000,
                packets_sent: 50,
                packets_received: 49,
                packets_lost: 1,
                loss_percent: 2,
                remote_loss_percent: None,
                jitter_ms: 3,
                buffer_ms: 20,
                rtt_ms: Some(1),
            },
        };
        assert_eq!(
            line(&stats),
            json!({"event":"call_stats","call":1,"codec":"opus","bitrate":32000,
                   "packets_sent":50,"packets_received":49,"packets_lost":1,
                   "loss_percent":2,"jitter_ms":3,"buffer_ms":20,"rtt_ms":1})
        );
    }
}
