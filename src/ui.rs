//! The desktop window (iced, rendered with tiny-skia).
//!
//! The engine runs on a thread of its own and talks to the window only through `Command`s
//! and `Event`s ([`bridge`]); `update` never blocks (the keyring and settings files are
//! handled on background threads). Each screen ([`screen`]) owns its `Message`, the `Event`s
//! its parent must act on, and a small `update`; the [`app`] only dispatches (halloy's
//! layout). Every word shown goes through [`i18n`].

pub mod app;
pub mod bridge;
pub mod calls;
pub mod i18n;
pub mod link;
pub mod screen;
pub mod status;
pub mod tab_stop;

#[cfg(test)]
mod tests;

pub use app::{App, Message};

use crate::{config, engine::setup, log};
use iced::Task;
use std::path::PathBuf;
use std::process::ExitCode;

/// The window's size when it opens.
pub const WINDOW_SIZE: (f32, f32) = (620.0, 720.0);

/// How the window starts.
#[derive(Debug, Default, Clone)]
pub struct Options {
    /// The settings file (default: `config.toml` in the OS config directory).
    pub config: Option<PathBuf>,
    /// The contacts and history database (default: `tincan.sqlite3` in the OS data
    /// directory).
    pub database: Option<PathBuf>,
    /// Call this (from a link) once the phone runs.
    pub dial: Option<String>,
    /// WAV files in place of the sound card.
    pub virtual_audio: Option<VirtualAudio>,
}

/// The virtual audio device of the window (`--audio-in`, `--audio-out`): what automated
/// calls play and record instead of the sound card, as for `tincan serve`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VirtualAudio {
    /// The microphone: a WAV file, looped (none: silence).
    pub input: Option<PathBuf>,
    /// The speaker: every call's audio is written there when the engine stops.
    pub output: Option<PathBuf>,
}

impl Options {
    /// Parses the window's options (`--config PATH`, `--database PATH`, `--audio-in WAV`,
    /// `--audio-out WAV`, and a link such as `sip:alice@example.com`).
    pub fn parse(args: &[String]) -> Result<Options, String> {
        let mut options = Options::default();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--config" => {
                    let path = args.next().ok_or("--config needs a file")?;
                    options.config = Some(path.into());
                }
                "--database" => {
                    let path = args.next().ok_or("--database needs a file")?;
                    options.database = Some(path.into());
                }
                "--audio-in" => {
                    let path = args.next().ok_or("--audio-in needs a WAV file")?;
                    options.virtual_audio.get_or_insert_default().input = Some(path.into());
                }
                "--audio-out" => {
                    let path = args.next().ok_or("--audio-out needs a WAV file")?;
                    options.virtual_audio.get_or_insert_default().output = Some(path.into());
                }
                other => match link::target(other) {
                    Some(target) if options.dial.is_none() => options.dial = Some(target),
                    Some(_) => return Err("only one link at a time".into()),
                    None => return Err(format!("unknown option {other:?}")),
                },
            }
        }
        Ok(options)
    }
}

/// Opens the window and runs until it is closed (after the engine has stopped, or a bounded
/// wait for it).
pub fn run(options: Options) -> ExitCode {
    if let Some(target) = &options.dial {
        // A window already runs: it dials, we are done.
        match link::forward(&link::socket_path(), target) {
            Ok(()) => {
                println!("tincan: {target} handed to the running window");
                return ExitCode::SUCCESS;
            }
            Err(link::ForwardError::NotRunning) => {}
            Err(e) => {
                eprintln!("tincan: {e}; opening a window of its own");
            }
        }
    }
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        // Without a graphical session the windowing library would only panic.
        eprintln!(
            "tincan: no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY \
             is set); `tincan serve` and `tincan call` run without one"
        );
        return ExitCode::FAILURE;
    }
    let path = options.config.or_else(config::default_path);
    // The settings file is small and read once, before the first frame; the keyring is
    // asked later, off the window's thread.
    let (settings, mut warnings) = setup::load_settings(path.as_deref());
    let level = log::parse_level(&settings.general.log_level)
        .unwrap_or(tracing::level_filters::LevelFilter::INFO);
    let log_options = log::LogOptions {
        level,
        sip_trace: settings.general.sip_trace,
        file_dir: log::default_log_dir(),
        stderr: true,
    };
    let _guard = match log::init(&log_options) {
        Ok(guard) => Some(guard),
        Err(e) => {
            warnings.push(format!("logging to a file is off: {e}"));
            None
        }
    };
    for w in &warnings {
        tracing::warn!("{w}");
    }
    // The language chosen in the settings, else the environment's.
    let lang = settings
        .ui
        .language
        .as_deref()
        .and_then(i18n::Lang::from_locale)
        .unwrap_or_else(i18n::Lang::from_env);
    let minimized = settings.ui.start_minimized;
    let database = options.database;
    let dial = options.dial;
    let virtual_audio = options.virtual_audio;
    let boot = move || {
        let (mut app, task) = App::new(path.clone(), settings.clone(), &warnings, lang);
        let store = app.open_store(database.clone());
        app.pending_dial.clone_from(&dial);
        app.virtual_audio.clone_from(&virtual_audio);
        let window = if minimized {
            iced::window::oldest().and_then(|id| iced::window::minimize::<app::Message>(id, true))
        } else {
            Task::none()
        };
        (app, Task::batch([task, store, window]))
    };
    let result = iced::application(boot, App::update, App::view)
        .title(App::title)
        .subscription(App::subscription)
        .theme(App::theme)
        .window_size(WINDOW_SIZE)
        .exit_on_close_request(false)
        .run();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("the window failed: {e}");
            eprintln!("tincan: the window failed: {e}");
            ExitCode::FAILURE
        }
    }
}
