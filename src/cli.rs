//! The command-line front ends of the engine: `tincan serve` (JSON lines in and out, for
//! automation and tests) and `tincan call` (one call, then exit with its outcome). Both load
//! the settings file, start logging and read passwords before the engine runs, so the
//! engine task never touches a file.

mod call;
mod id;
mod nearby;

pub use call::call;
pub use id::id;
pub use nearby::nearby;

use crate::engine::json::{self, AccountNames};
use crate::engine::{self, Command, EngineConfig, Event, Listen, setup};
use crate::{config, log, secrets};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

/// Queue depth of the command and event channels (STYLE.md habit 7: bounded).
const CHANNEL_DEPTH: usize = 64;

/// `tincan serve`: the engine on a current-thread runtime, JSON lines in and out.
pub fn serve(args: &[String], usage: &str) -> ExitCode {
    let options = match ServeOptions::parse(args) {
        Ok(o) => o,
        Err(message) => {
            eprintln!("tincan serve: {message}\n\n{usage}");
            return ExitCode::from(2);
        }
    };
    let (config, warnings, _log) = match options.prepare() {
        Ok(prepared) => prepared,
        Err(message) => {
            eprintln!("tincan serve: {message}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tincan serve: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(serve_lines(config, warnings));
    // The stdin reader may sit in a blocking read on tokio's blocking pool; don't wait for it.
    runtime.shutdown_background();
    code
}

/// The options `tincan serve` and `tincan call` share.
#[derive(Debug, Default)]
struct ServeOptions {
    config: Option<PathBuf>,
    listen: Vec<Listen>,
    auto_answer: bool,
    rtp_port: Option<u16>,
    log_dir: Option<PathBuf>,
    no_log_file: bool,
    log_level: Option<String>,
    password_stdin: Option<String>,
    dns_server: Option<std::net::SocketAddr>,
    keepalive: Option<u64>,
    audio_in: Option<PathBuf>,
    audio_out: Option<PathBuf>,
    audio_rate: Option<u32>,
    /// Sound devices: `--input-device` and the like, on top of `[audio]`.
    sound: SoundOptions,
    ptime: Option<u32>,
    levels: bool,
    /// `--codecs`: the codecs offered, replacing `[audio] codecs`.
    codecs: Option<Vec<String>>,
    /// Serverless calling (`tincan serve` only).
    p2p: Option<id::P2pOptions>,
}

impl ServeOptions {
    fn parse(args: &[String]) -> Result<ServeOptions, String> {
        let mut o = ServeOptions::default();
        let mut p2p = id::P2pOptions::default();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            if !o.option(arg, &mut args)? && !p2p_option(&mut p2p, arg, &mut args)? {
                return Err(format!("unknown option {arg:?}"));
            }
        }
        o.p2p = Some(p2p);
        Ok(o)
    }

    /// Takes one option (and its value from `args`); `false` when `arg` is not one of ours.
    fn option(
        &mut self,
        arg: &str,
        args: &mut std::slice::Iter<'_, String>,
    ) -> Result<bool, String> {
        let mut value = |what: &str| option_value(args, arg, what);
        match arg {
            "--auto-answer" => self.auto_answer = true,
            "--levels" => self.levels = true,
            "--codecs" => {
                let v = value("a list such as opus,pcmu")?;
                let names: Vec<String> = v
                    .split(',')
                    .map(|n| n.trim().to_ascii_lowercase())
                    .collect();
                if let Some(bad) = names
                    .iter()
                    .find(|n| crate::sip::offer_answer::Codec::by_name(n).is_none())
                {
                    return Err(format!(
                        "--codecs: {bad:?} is no codec Tincan knows ({})",
                        crate::sip::offer_answer::Codec::NAMES.join(", ")
                    ));
                }
                self.codecs = Some(names);
            }
            "--ptime" => {
                let v = value("10|20|30|40|60")?;
                let ms = v.parse::<u32>().ok().filter(|ms| (10..=60).contains(ms));
                self.ptime =
                    Some(ms.ok_or_else(|| format!("--ptime {v:?} is not 10..60 milliseconds"))?);
            }
            "--no-log-file" => self.no_log_file = true,
            "--config" => self.config = Some(value("a file")?.into()),
            "--log-dir" => self.log_dir = Some(value("a directory")?.into()),
            "--log-level" => self.log_level = Some(value("error|warn|info|debug|trace")?),
            "--password-stdin" => self.password_stdin = Some(value("an account name")?),
            "--audio-in" => self.audio_in = Some(value("a WAV file")?.into()),
            "--audio-out" => self.audio_out = Some(value("a WAV file")?.into()),
            "--audio-rate" => {
                let range = crate::audio::VIRTUAL_RATES;
                let v = value("a rate in Hz")?;
                let hz = v.parse::<u32>().ok().filter(|hz| range.contains(hz));
                self.audio_rate = Some(hz.ok_or_else(|| {
                    format!(
                        "--audio-rate {v:?} is not {}..{} Hz",
                        range.start(),
                        range.end()
                    )
                })?);
            }
            "--input-device" => self.sound.input = Some(value("a device name")?),
            "--output-device" => self.sound.output = Some(value("a device name")?),
            "--ringer-device" => self.sound.ringer = Some(value("a device name")?),
            "--no-aec" => self.sound.no_aec = true,
            "--no-ns" => self.sound.no_ns = true,
            "--no-agc" => self.sound.no_agc = true,
            "--no-sound-card" => self.sound.off = true,
            "--keepalive" => {
                let v = value("seconds (0 for none)")?;
                let secs: u64 = v
                    .parse()
                    .map_err(|_| format!("--keepalive {v:?} is not a number of seconds"))?;
                self.keepalive = Some(secs);
            }
            "--dns-server" => {
                let v = value("IP:PORT")?;
                let addr = v
                    .parse()
                    .map_err(|_| format!("--dns-server {v:?} is not IP:PORT"))?;
                self.dns_server = Some(addr);
            }
            "--listen" => {
                let v = value("udp:IP:PORT or tcp:IP:PORT")?;
                self.listen.push(setup::parse_listen(&v)?);
            }
            "--rtp-port" => {
                let v = value("a port")?;
                let port = v
                    .parse()
                    .map_err(|_| format!("--rtp-port {v:?} is not a port"))?;
                self.rtp_port = Some(port);
            }
            "--password" => {
                return Err("passwords are never taken on the command line (they would \
                            show in the process list): use --password-stdin NAME or a \
                            password_file"
                    .into());
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Loads the settings, starts logging and reads passwords: everything that touches files
    /// happens here, before the engine runs. Returns the engine's config, the warnings to
    /// report, and the log guard to keep until exit.
    fn prepare(self) -> Result<(EngineConfig, Vec<String>, Option<log::LogGuard>), String> {
        let path = self.config.clone().or_else(config::default_path);
        let (settings, mut warnings) = setup::load_settings(path.as_deref());
        let level_name = self
            .log_level
            .as_deref()
            .unwrap_or(&settings.general.log_level);
        let level = log::parse_level(level_name).ok_or_else(|| {
            format!("log level {level_name:?} is not error|warn|info|debug|trace")
        })?;
        let file_dir = if self.no_log_file {
            None
        } else {
            self.log_dir.clone().or_else(log::default_log_dir)
        };
        let log_options = log::LogOptions {
            level,
            sip_trace: settings.general.sip_trace,
            file_dir,
            stderr: true,
        };
        let guard = match log::init(&log_options) {
            Ok(g) => Some(g),
            Err(e) => {
                warnings.push(format!("logging to a file is off: {e}"));
                None
            }
        };
        let mut passwords = HashMap::new();
        if let Some(name) = &self.password_stdin {
            let secret = config::read_password_line(std::io::stdin().lock())
                .map_err(|e| format!("--password-stdin {name}: {e}"))?;
            passwords.insert(name.clone(), secret);
        }
        setup::keyring_passwords(&settings, &mut passwords, &mut warnings);
        let mut engine = setup::engine_config(&settings, &passwords, &mut warnings);
        if !self.listen.is_empty() {
            engine.listen = self.listen;
        }
        engine.auto_answer |= self.auto_answer;
        engine.dns_server = self.dns_server;
        if let Some(secs) = self.keepalive {
            engine.keepalive = (secs > 0).then(|| std::time::Duration::from_secs(secs));
        }
        if let Some(first) = self.rtp_port {
            engine.rtp_ports = (first, first.saturating_add(99));
        }
        let virtual_device = self.audio_in.is_some() || self.audio_out.is_some();
        engine.sound = if virtual_device || self.sound.off {
            None
        } else {
            let mut audio = settings.audio.clone();
            self.sound.apply(&mut audio);
            Some(audio.sound())
        };
        engine.audio_in = self.audio_in;
        engine.audio_out = self.audio_out;
        engine.audio_rate = self.audio_rate.unwrap_or(engine.audio_rate);
        engine.ptime = self.ptime.or(engine.ptime);
        if let Some(names) = &self.codecs {
            engine.codecs = crate::engine::setup::codecs(names);
        }
        engine.levels |= self.levels;
        engine.p2p = self
            .p2p
            .and_then(|p| p.engine_config(&settings, &mut warnings));
        for w in &warnings {
            tracing::warn!("{w}");
        }
        Ok((engine, warnings, guard))
    }
}

/// The sound-device options of `tincan serve` and `tincan call`.
#[derive(Debug, Default)]
struct SoundOptions {
    input: Option<String>,
    output: Option<String>,
    ringer: Option<String>,
    no_aec: bool,
    no_ns: bool,
    no_agc: bool,
    /// No sound card at all: silence in, nothing out (unless WAV files are given).
    off: bool,
}

impl SoundOptions {
    /// Puts these options over the settings file's `[audio]`.
    fn apply(&self, audio: &mut config::AudioSettings) {
        for (option, setting) in [
            (&self.input, &mut audio.input_device),
            (&self.output, &mut audio.output_device),
            (&self.ringer, &mut audio.ringer_device),
        ] {
            if option.is_some() {
                setting.clone_from(option);
            }
        }
        audio.echo_cancellation &= !self.no_aec;
        audio.noise_suppression &= !self.no_ns;
        audio.gain_control &= !self.no_agc;
    }
}

/// `tincan devices [--json]`: lists the sound devices, one per line (or as JSON lines
/// `{"direction":"input","name":...,"description":...,"default":true}`).
pub fn devices(args: &[String], usage: &str) -> ExitCode {
    let json = match args {
        [] => false,
        [flag] if flag == "--json" => true,
        _ => {
            eprintln!("tincan devices: the only option is --json\n\n{usage}");
            return ExitCode::from(2);
        }
    };
    let list = match crate::audio::sound::list_devices() {
        Ok(list) => list,
        Err(e) => {
            eprintln!("tincan devices: {e}");
            return ExitCode::FAILURE;
        }
    };
    if list.is_empty() && !json {
        eprintln!("tincan devices: no sound devices found");
    }
    for device in list {
        if json {
            let line = serde_json::json!({
                "direction": device.direction.as_str(),
                "name": device.name,
                "description": device.description,
                "default": device.default,
            });
            println!("{line}");
        } else {
            let default = if device.default { " (default)" } else { "" };
            let description = device
                .description
                .map(|d| format!("  {d}"))
                .unwrap_or_default();
            println!(
                "{:<6} {}{default}{description}",
                device.direction.as_str(),
                device.name
            );
        }
    }
    ExitCode::SUCCESS
}

/// The value after option `arg`, or an error saying what it needs.
fn option_value(
    args: &mut std::slice::Iter<'_, String>,
    arg: &str,
    what: &str,
) -> Result<String, String> {
    args.next()
        .cloned()
        .ok_or_else(|| format!("{arg} needs {what}"))
}

/// Takes one serverless-calling option of `tincan serve`; `false` when `arg` is not one.
fn p2p_option(
    p2p: &mut id::P2pOptions,
    arg: &str,
    args: &mut std::slice::Iter<'_, String>,
) -> Result<bool, String> {
    let mut value = |what: &str| option_value(args, arg, what);
    match arg {
        "--no-dht" => p2p.no_dht = true,
        "--no-mdns" => p2p.no_mdns = true,
        "--mdns-port" => {
            let v = value("a port")?;
            let port = v
                .parse()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| format!("--mdns-port {v:?} is not a port"))?;
            p2p.mdns_port = Some(port);
        }
        "--stun" => {
            let v = value("HOST:PORT")?;
            if !matches!(v.rsplit_once(':').map(|(h, p)| (h, p.parse::<u16>())),
                         Some((h, Ok(p))) if !h.is_empty() && p != 0)
            {
                return Err(format!("--stun {v:?} is not HOST:PORT"));
            }
            p2p.stun = Some(v);
        }
        "--identity-file" => p2p.identity_file = Some(value("a file")?.into()),
        "--dht-bootstrap" => {
            let v = value("HOST:PORT[,HOST:PORT...]")?;
            p2p.bootstrap = Some(crate::p2p::dht::parse_bootstrap(&v)?);
        }
        "--p2p-address" => {
            let v = value("an IP address")?;
            let ip = v
                .parse()
                .map_err(|_| format!("--p2p-address {v:?} is not an IP address"))?;
            p2p.addresses.push(ip);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// `tincan password set NAME` (the password is the first line of stdin) and
/// `tincan password delete NAME`: manage an account's password in the OS keyring.
pub fn password(args: &[String], usage: &str) -> ExitCode {
    let (action, name) = match args {
        [_, n] if n == secrets::IDENTITY_USER => {
            eprintln!("tincan password: {n:?} is where the P2P identity is kept; see `tincan id`");
            return ExitCode::from(2);
        }
        [a, n] if a == "set" || a == "delete" => (a.as_str(), n.as_str()),
        _ => {
            eprintln!("tincan password: use `set NAME` or `delete NAME`\n\n{usage}");
            return ExitCode::from(2);
        }
    };
    let result = if action == "set" {
        match config::read_password_line(std::io::stdin().lock()) {
            Ok(secret) => {
                secrets::set(name, &secret).map(|()| format!("stored the password of {name:?}"))
            }
            Err(e) => {
                eprintln!("tincan password set: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        secrets::delete(name).map(|found| match found {
            true => format!("removed the password of {name:?}"),
            false => format!("the keyring held no password for {name:?}"),
        })
    };
    match result {
        Ok(message) => {
            eprintln!("tincan password: {message}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tincan password: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the engine with stdin as its command source and stdout as its event sink.
async fn serve_lines(config: EngineConfig, warnings: Vec<String>) -> ExitCode {
    let (command_tx, command_rx) = mpsc::channel(CHANNEL_DEPTH);
    let (event_tx, event_rx) = mpsc::channel(CHANNEL_DEPTH);
    let names = Arc::new(AccountNames::new(
        config.accounts.iter().map(|a| (a.id, a.name.clone())),
    ));
    for message in warnings {
        // The receiver is drained by the printer started below; the channel holds these.
        let _ = event_tx.try_send(Event::Warning { message });
    }
    let signals = tokio::spawn(quit_on_signal(command_tx.clone()));
    let reader = tokio::spawn(read_commands(command_tx, event_tx.clone(), names.clone()));
    let printer = tokio::spawn(print_events(event_rx, names.clone()));
    let result = engine::run(config, command_rx, event_tx).await;
    // The engine is done: stop reading, and let the printer flush what is queued.
    reader.abort();
    signals.abort();
    let _ = reader.await;
    let _ = printer.await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let event = Event::Error {
                call: None,
                message: e.to_string(),
            };
            println!("{}", json::event_line(&event, &names));
            eprintln!("tincan serve: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Forwards stdin's command lines; a bad line becomes an `error` event, end of input a quit.
async fn read_commands(
    commands: mpsc::Sender<Command>,
    events: mpsc::Sender<Event>,
    names: Arc<AccountNames>,
) {
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    loop {
        let command = match lines.next_line().await {
            Ok(Some(line)) if line.trim().is_empty() => continue,
            Ok(Some(line)) => match json::parse_command(&line, &names) {
                Ok(command) => command,
                Err(e) => {
                    let message = format!("{e} (line: {line:?})");
                    let event = Event::Error {
                        call: None,
                        message,
                    };
                    if events.send(event).await.is_err() {
                        return;
                    }
                    continue;
                }
            },
            Ok(None) => Command::Quit,
            Err(e) => {
                let message = format!("cannot read stdin, quitting: {e}");
                let _ = events
                    .send(Event::Error {
                        call: None,
                        message,
                    })
                    .await;
                Command::Quit
            }
        };
        let quit = command == Command::Quit;
        if commands.send(command).await.is_err() || quit {
            return;
        }
    }
}

/// Writes each event as one JSON line, flushed at once.
async fn print_events(mut events: mpsc::Receiver<Event>, names: Arc<AccountNames>) {
    let mut stdout = tokio::io::stdout();
    while let Some(event) = events.recv().await {
        let mut line = json::event_line(&event, &names);
        line.push('\n');
        if stdout.write_all(line.as_bytes()).await.is_err() || stdout.flush().await.is_err() {
            // Nobody reads our output any more; keep draining so the engine is not blocked.
            continue;
        }
    }
}

/// Turns SIGINT (Ctrl-C) and SIGTERM into a graceful quit: calls are hung up and accounts
/// unregistered, within the engine's bounded grace.
async fn quit_on_signal(commands: mpsc::Sender<Command>) {
    if let Err(e) = signalled().await {
        tracing::warn!("cannot watch for signals ({e}): they will stop Tincan abruptly");
        return;
    }
    tracing::info!("signal received: quitting");
    let _ = commands.send(Command::Quit).await;
}

#[cfg(unix)]
async fn signalled() -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
    Ok(())
}

#[cfg(not(unix))]
async fn signalled() -> std::io::Result<()> {
    tokio::signal::ctrl_c().await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn sound_options_go_over_the_settings() {
        let o = ServeOptions::parse(&args(&[
            "--input-device",
            "USB Mic",
            "--ringer-device",
            "pulse",
            "--no-aec",
            "--no-agc",
        ]))
        .unwrap();
        let mut audio = config::AudioSettings {
            output_device: Some("hdmi".into()),
            input_device: Some("old".into()),
            ..Default::default()
        };
        o.sound.apply(&mut audio);
        assert_eq!(audio.input_device.as_deref(), Some("USB Mic"));
        assert_eq!(audio.output_device.as_deref(), Some("hdmi"));
        assert_eq!(audio.ringer_device.as_deref(), Some("pulse"));
        assert!(!audio.echo_cancellation && audio.noise_suppression && !audio.gain_control);
        assert!(!o.sound.off);
        assert!(
            ServeOptions::parse(&args(&["--no-sound-card"]))
                .unwrap()
                .sound
                .off
        );
        assert!(ServeOptions::parse(&args(&["--output-device"])).is_err());
    }

    #[test]
    fn the_virtual_device_rate_is_checked() {
        let rate = |v: &str| ServeOptions::parse(&args(&["--audio-rate", v])).map(|o| o.audio_rate);
        assert_eq!(rate("48000"), Ok(Some(48000)));
        assert_eq!(rate("8000"), Ok(Some(8000)));
        for bad in ["7999", "96000", "fast", ""] {
            let e = rate(bad).unwrap_err();
            assert!(e.contains("8000..48000 Hz"), "{bad}: {e}");
        }
        assert_eq!(ServeOptions::parse(&[]).unwrap().audio_rate, None);
    }
}
