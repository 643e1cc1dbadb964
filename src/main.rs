//! The `tincan` binary. Without a command (or with `--config PATH` only) it opens the window;
//! `tincan help` explains what else it offers:
//! - `tincan parse FILE...`: parse SIP messages (one per file, as a datagram), check them the
//!   way a UAS would, and print them back canonically;
//! - `tincan serve`: run the engine over UDP, driven by JSON lines on stdin and reporting JSON
//!   lines on stdout (the vocabulary is documented in `tincan::engine::json`).

use std::process::ExitCode;
use tincan::cli;

const USAGE: &str = "\
Tincan, a SIP softphone (work in progress).

Commands:
  tincan [--config FILE] [--database FILE] [--audio-in WAV] [--audio-out WAV] [LINK]
                         open the window (the settings file as for serve; contacts and
                         history in FILE, default tincan.sqlite3 in the OS data directory).
                         LINK (sip:, sips:, tel: or callto:) is called; if a window is
                         already open, it is handed to that window, which calls it.
                         --audio-in WAV and --audio-out WAV replace the sound card as
                         for serve (automated calls, tests)
  tincan parse FILE...   parse each file as one SIP message (as received in a UDP datagram),
                         report what a phone would answer to it, and print it canonically
  tincan serve [OPTIONS] run the phone engine without a window: the accounts of the settings
                         file register, one JSON command per line is read on stdin and one
                         JSON event per line is written on stdout, e.g.
                           {\"cmd\":\"dial\",\"call\":1,\"target\":\"sip:bob@127.0.0.1:5064\"}
                           {\"cmd\":\"dial\",\"call\":2,\"target\":\"bob\",\"account\":\"work\"}
                           {\"cmd\":\"answer\",\"call\":N}  {\"cmd\":\"reject\",\"call\":N,\"code\":486}
                           {\"cmd\":\"hangup\",\"call\":N}  {\"cmd\":\"hold\",\"call\":N}
                           {\"cmd\":\"resume\",\"call\":N}  {\"cmd\":\"quit\"}
                           {\"cmd\":\"dtmf\",\"call\":N,\"digits\":\"123#\"}
                           {\"cmd\":\"mute\",\"call\":N}  {\"cmd\":\"unmute\",\"call\":N}
                         End of input quits (calls are hung up, accounts unregistered).
    --config FILE        the settings file (default: config.toml in the OS config directory)
    --listen T:IP:PORT   where to listen, repeatable: udp:127.0.0.1:5062, tcp:[::1]:5062
                         (default: [general] listen of the settings file)
    --auto-answer        answer every incoming call
    --rtp-port PORT      the first of 100 RTP ports for calls (default: [general]
                         rtp_port_min..rtp_port_max of the settings, 16384..16483)
    --audio-in WAV       the virtual microphone: a WAV file, looped (default: silence)
    --audio-out WAV      the virtual speaker: what every call played is written there
                         (mono) when the engine stops. Either of the two replaces
                         the sound card (otherwise used while a call has audio)
    --audio-rate HZ      the rate the WAV microphone and speaker run at (8000..48000;
                         default 8000)
    --input-device NAME  the microphone (default: [audio] input_device, else the system's);
    --output-device NAME the speaker;  --ringer-device NAME  where calls ring
                         (names as `tincan devices` lists them; an unknown one: the default)
    --no-aec, --no-ns, --no-agc  no echo cancellation, noise suppression, gain control
    --no-sound-card      neither sound card nor WAV files: calls send silence
    --ptime MS           the packet time to ask the far end for (10..60; default: none, 20 ms)
    --codecs LIST        the codecs to offer, in order (opus, g722, pcmu, pcma; default:
                         [audio] codecs, else opus,pcmu,pcma)
    --levels             also print level events (microphone and each call, dBFS, 10/s)
    --password-stdin NAME  read account NAME's password from the first line of stdin
                         (otherwise from the account's password_file, else the OS keyring;
                         never from arguments)
    --dns-server IP:PORT ask only this DNS server (default: the system's resolvers)
    --keepalive SECS     keep-alive period towards registrars (default 25, 0 for none)
    --log-level LEVEL    error, warn, info (default), debug or trace
    --log-dir DIR        where the daily log files go (default: the OS data directory)
    --no-log-file        log to stderr only
    Serverless calling: our identity (made on first start) is announced as
    {\"event\":\"identity\",\"address\":\"sip:me@<key>\"} and our addresses are published,
    signed, on the Mainline DHT ({\"event\":\"published\",...}); sip:user@<key> addresses
    are looked up there.
    --identity-file FILE the identity's secret key in FILE (created with mode 600; one
                         others may read is refused) instead of the OS keyring
    --dht-bootstrap HOST:PORT[,...]  the DHT nodes to start from (default: the public
                         Mainline bootstrap nodes)
    --p2p-address IP     publish this address (repeatable) instead of those we listen on
    --no-dht             no DHT: only people nearby can reach us and be called
    On the local network we are advertised by mDNS (_sip._udp.local. and so on, with our
    key and name) and people nearby are announced as {\"event\":\"nearby\",...} and
    {\"event\":\"nearby_gone\",...}; calls to their sip:user@<key> need no internet.
    --no-mdns            no LAN discovery ([general] mdns = false does the same)
    --mdns-port PORT     mDNS on another port than 5353 (every peer must agree)
    The name people nearby see is [general] display_name (default: the handle).
    --stun HOST:PORT     learn our public address from this STUN server ([general] stun)
                         and publish it too ({\"event\":\"public_address\",...})
  tincan call TARGET [OPTIONS]
                         place one call and print its events as JSON lines (as serve does);
                         exit status 0 only if it was answered and then ended normally.
                         TARGET is a SIP URI, or with --account a user or number at the
                         account's domain. Accounts do not register for this.
    --account NAME       call from this account of the settings file
    --hangup-after SECS  hang up that long after the answer (default: wait for the far end)
    --ring-timeout SECS  give up if not answered by then (default 60)
    and --config, --listen (default: any free port), --audio-in, --audio-out,
    --audio-rate, the sound-device options, --password-stdin, --log-* as for serve. Calling sip:user@<key>
    (or giving any of serve's serverless options) turns on serverless calling as for
    serve; From is then our own P2P address.
  tincan devices [--json]  list the sound devices (inputs and outputs; JSON lines with
                         --json)
  tincan nearby [--seconds N] [--json] [--mdns-port PORT]
                         listen on the local network for N seconds (default 3) and list
                         the Tincan users found: address, name, where they listen
  tincan password set NAME      store account NAME's password (first line of stdin)
                                in the OS keyring, where serve and call find it
  tincan password delete NAME   remove it
  tincan id [show]       print our P2P address, sip:<handle>@<key> (the handle is [general]
                         handle of the settings, default \"me\"), making the identity if
                         there is none yet
  tincan id new --yes    replace the identity by a new one (the old address stops working)
  tincan id export FILE  write the secret key to a new FILE (mode 600), to move it elsewhere
  tincan id import FILE [--yes]  take the identity from FILE (replacing ours needs --yes)
    --identity-file FILE  use this key file instead of the OS keyring
    --config FILE        the settings file (for the handle)
  tincan help            this text

Audio flows with Opus, G.722 and G.711 through the sound card or the virtual device (WAV
files).";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("parse") if args.len() > 1 => parse_files(&args[1..]),
        Some("serve") => cli::serve(&args[1..], USAGE),
        Some("call") => cli::call(&args[1..], USAGE),
        Some("password") => cli::password(&args[1..], USAGE),
        Some("id") => cli::id(&args[1..], USAGE),
        Some("devices") => cli::devices(&args[1..], USAGE),
        Some("nearby") => cli::nearby(&args[1..], USAGE),
        Some("help" | "--help" | "-h") => {
            out(USAGE);
            ExitCode::SUCCESS
        }
        None | Some("--config" | "--database" | "--audio-in" | "--audio-out") => window(&args),
        Some(link) if tincan::ui::link::target(link).is_some() => window(&args),
        Some(other) => {
            eprintln!("tincan: unknown command {other:?}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// Opens the window (or hands a link to the one already open).
fn window(args: &[String]) -> ExitCode {
    match tincan::ui::Options::parse(args) {
        Ok(options) => tincan::ui::run(options),
        Err(message) => {
            eprintln!("tincan: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn parse_files(files: &[String]) -> ExitCode {
    let mut failed = false;
    for file in files {
        let data = match std::fs::read(file) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{file}: cannot read: {e}");
                failed = true;
                continue;
            }
        };
        match describe(&data) {
            Ok(text) => out(&format!("== {file}: valid\n{text}")),
            Err(text) => {
                out(&format!("== {file}: {text}"));
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The canonical form of a valid message, or what a phone does with an invalid one.
fn describe(data: &[u8]) -> Result<String, String> {
    use tincan::sip::{Message, parse_datagram};
    let message = parse_datagram(data).map_err(|e| format!("dropped: {e}"))?;
    if let Err(e) = message.validate() {
        return Err(match message {
            Message::Request(_) => {
                format!("answered {} {}: {e}", e.status_code(), e.reason_phrase())
            }
            Message::Response(_) => format!("dropped: {e}"),
        });
    }
    Ok(message.to_string())
}

/// Writes a line to stdout; a closed pipe (`tincan help | head`) is not an error worth a panic.
fn out(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}
