//! The sound card: cpal capture and playback streams, owned by a device thread of their own,
//! meeting the engine through lock-free single-producer single-consumer rings (`rtrb`). The
//! callbacks only move samples (downmixed to mono on the way in, copied to every channel on
//! the way out); resampling to and from the engine's 48 kHz and the echo canceller run on the
//! engine's side ([`SoundDevice`]).
//!
//! The device thread opens the chosen devices (by name; an unknown name falls back to the
//! default with a notice), reports what it could not open in plain words, reopens the
//! defaults when a stream fails mid-call (a device unplugged, the sound server gone) and
//! retries now and then while something is missing. The call never depends on it: without a
//! device the engine captures silence and plays into the void.

use super::capture::Capture;
use super::drift::DriftCompensator;
use super::processing::{PROCESSING_RATE, Processing, ProcessingSettings};
use super::resample::{Converter, to_f32};
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{SampleFormat, SizedSample};
use std::collections::VecDeque;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long cpal may take to open a stream.
const OPEN_TIMEOUT: Duration = Duration::from_secs(5);
/// How often a missing device is looked for again.
const RETRY: Duration = Duration::from_secs(3);
/// The rings hold this much audio (at the device's rate).
const RING_MS: usize = 250;
/// Playback starts (and restarts after running dry) once this much is queued.
const PRIME_MS: usize = 40;
/// What the speaker's ring holds on average: the drift compensator steers towards it.
const TARGET_QUEUED_MS: usize = 50;
/// More than this queued for playback (the card stalled, not drift) and new frames are
/// dropped until the ring is back at the target (one gap instead of lasting latency).
const MAX_QUEUED_MS: usize = 150;

/// Which sound devices to use and how to process the microphone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SoundSettings {
    /// The microphone, by name (`None`: the system's default).
    pub input: Option<String>,
    /// The speaker, by name (`None`: the system's default).
    pub output: Option<String>,
    /// Where incoming calls ring, by name (`None`: the output device).
    pub ringer: Option<String>,
    /// Echo cancellation, noise suppression and gain control.
    pub processing: ProcessingSettings,
    /// Open the output only (the ringer): no microphone.
    pub playback_only: bool,
}

/// What happened to the sound devices, for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceNotice {
    /// A device is open and in use.
    Opened {
        /// `input` or `output`.
        direction: Direction,
        /// Its name.
        name: String,
    },
    /// The chosen device does not exist; the default is used instead.
    Fallback {
        /// `input` or `output`.
        direction: Direction,
        /// Why, in plain words.
        reason: String,
    },
    /// No device could be opened: the call goes on without sound in that direction.
    Unavailable {
        /// `input` or `output`.
        direction: Direction,
        /// Why, in plain words.
        reason: String,
    },
    /// A device failed during the call; the defaults are being reopened.
    Lost {
        /// `input` or `output`.
        direction: Direction,
        /// Why, in plain words.
        reason: String,
    },
}

/// A device's direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The microphone.
    Input,
    /// The speaker.
    Output,
}

impl Direction {
    /// `input` or `output`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Input => "input",
            Direction::Output => "output",
        }
    }

    fn device_word(self) -> &'static str {
        match self {
            Direction::Input => "microphone",
            Direction::Output => "speaker",
        }
    }
}

/// One sound device as the system lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// The name to choose it by.
    pub name: String,
    /// A longer description, when the system has one.
    pub description: Option<String>,
    /// `input` or `output`.
    pub direction: Direction,
    /// Whether it is the system's default for its direction.
    pub default: bool,
}

/// Lists the input and output devices (blocking: it asks the sound system).
pub fn list_devices() -> Result<Vec<DeviceInfo>, String> {
    let host = cpal::default_host();
    let mut list = Vec::new();
    let defaults = [
        host.default_input_device().map(|d| device_name(&d)),
        host.default_output_device().map(|d| device_name(&d)),
    ];
    for direction in [Direction::Input, Direction::Output] {
        let devices = match direction {
            Direction::Input => host.input_devices().map(|d| d.collect::<Vec<_>>()),
            Direction::Output => host.output_devices().map(|d| d.collect::<Vec<_>>()),
        }
        .map_err(|e| format!("cannot list the {} devices: {e}", direction.as_str()))?;
        let default = &defaults[direction as usize];
        for device in devices {
            let name = device_name(&device);
            let description = Some(device.to_string()).filter(|d| *d != name);
            list.push(DeviceInfo {
                default: default.as_deref() == Some(name.as_str()),
                name,
                description,
                direction,
            });
        }
    }
    Ok(list)
}

/// What the device thread hands the engine.
enum Message {
    Capture(rtrb::Consumer<f32>, u32),
    Playback(rtrb::Producer<f32>, u32),
    Notice(DeviceNotice),
}

/// What the device thread is told.
enum Control {
    Stop,
    /// A stream of generation `.0` reported an error; `.3`: the stream is dead for sure.
    Failed(u64, Direction, String, bool),
}

/// The speaker's side of the engine: the ring to the card, the conversion to the card's
/// rate and the compensation of the two clocks' drift.
struct Playback {
    ring: rtrb::Producer<f32>,
    converter: Converter,
    drift: DriftCompensator,
    rate: u32,
    /// After a stall: frames are dropped until the ring is back at the target.
    catching_up: bool,
    /// Reused buffers (no allocation per frame).
    floats: Vec<f32>,
    out: Vec<f32>,
    /// Frames played, for a periodic report of the fill and the ratio.
    frames: u64,
}

/// The sound card as the engine sees it: 48 kHz mono frames in and out.
pub struct SoundDevice {
    settings: SoundSettings,
    thread: Option<(mpsc::Sender<Control>, mpsc::Receiver<Message>)>,
    capture: Option<Capture>,
    playback: Option<Playback>,
    processing: Processing,
    notices: VecDeque<DeviceNotice>,
}

impl std::fmt::Debug for SoundDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoundDevice")
            .field("settings", &self.settings)
            .field("running", &self.thread.is_some())
            .field("capture", &self.capture.is_some())
            .field("playback", &self.playback.is_some())
            .finish()
    }
}

impl SoundDevice {
    /// A sound device that opens nothing until [`Self::start`].
    pub fn new(settings: SoundSettings) -> SoundDevice {
        SoundDevice {
            processing: Processing::new(settings.processing),
            settings,
            thread: None,
            capture: None,
            playback: None,
            notices: VecDeque::new(),
        }
    }

    /// The ringer, when one is chosen: a device of its own that only plays (the ringtone),
    /// opened while a call rings.
    pub fn ringer(&self) -> Option<SoundDevice> {
        let name = self.settings.ringer.clone()?;
        Some(SoundDevice::new(SoundSettings {
            input: None,
            output: Some(name),
            ringer: None,
            processing: ProcessingSettings {
                echo_cancellation: false,
                noise_suppression: false,
                gain_control: false,
            },
            playback_only: true,
        }))
    }

    /// Opens the devices (on the device thread; returns at once).
    pub fn start(&mut self) {
        if self.thread.is_some() {
            return;
        }
        let (control_tx, control_rx) = mpsc::channel();
        let (message_tx, message_rx) = mpsc::channel();
        let settings = self.settings.clone();
        let errors = control_tx.clone();
        let spawned = std::thread::Builder::new()
            .name("tincan-sound".into())
            .spawn(move || device_thread(&settings, &control_rx, &errors, &message_tx));
        match spawned {
            Ok(_) => self.thread = Some((control_tx, message_rx)),
            Err(e) => {
                let reason = format!("cannot start the sound thread: {e}");
                tracing::error!("{reason}");
                for direction in [Direction::Input, Direction::Output] {
                    let reason = reason.clone();
                    self.notices
                        .push_back(DeviceNotice::Unavailable { direction, reason });
                }
            }
        }
    }

    /// Closes the devices (the thread drops its streams and ends).
    pub fn stop(&mut self) {
        if let Some((control, _)) = self.thread.take() {
            let _ = control.send(Control::Stop);
        }
        self.capture = None;
        self.playback = None;
    }

    /// Takes what the device thread sent.
    fn receive(&mut self) {
        let Some((_, messages)) = &self.thread else {
            return;
        };
        while let Ok(message) = messages.try_recv() {
            match message {
                Message::Capture(ring, rate) => match Capture::new(ring, rate, PROCESSING_RATE) {
                    Ok(c) => self.capture = Some(c),
                    Err(e) => tracing::warn!("microphone: {e}"),
                },
                Message::Playback(ring, rate) => match Converter::new(PROCESSING_RATE, rate) {
                    Ok(converter) => {
                        let target = rate as usize * TARGET_QUEUED_MS / 1000;
                        self.playback = Some(Playback {
                            ring,
                            converter,
                            drift: DriftCompensator::new(rate, target),
                            rate,
                            catching_up: false,
                            floats: Vec::new(),
                            out: Vec::new(),
                            frames: 0,
                        });
                    }
                    Err(e) => tracing::warn!("speaker: {e}"),
                },
                Message::Notice(notice) => self.notices.push_back(notice),
            }
        }
    }

    /// The next `n` samples from the microphone at 48 kHz, processed (silence without one).
    pub fn capture(&mut self, n: usize) -> Vec<i16> {
        self.receive();
        let Some(capture) = self.capture.as_mut() else {
            return vec![0; n];
        };
        let mut frame = capture.take(n);
        self.processing.capture(&mut frame);
        frame
    }

    /// Plays `samples` (48 kHz); they are also the echo canceller's reference.
    pub fn play(&mut self, samples: &[i16]) {
        self.receive();
        self.processing.render(samples);
        if let Some(playback) = self.playback.as_mut() {
            playback.play(samples);
        }
    }

    /// The next notice for the user.
    pub fn poll_notice(&mut self) -> Option<DeviceNotice> {
        self.receive();
        self.notices.pop_front()
    }
}

impl Playback {
    /// Converts `samples` (48 kHz) to the card's rate, compensates the drift and queues
    /// them.
    fn play(&mut self, samples: &[i16]) {
        self.floats.clear();
        self.floats.extend(samples.iter().map(|&s| to_f32(s)));
        self.converter.push(&self.floats);
        let ready = self.converter.available();
        let converted = self.converter.pull(ready);
        let queued = self.ring.buffer().capacity() - self.ring.slots();
        let rate = self.rate as usize;
        if queued > rate * MAX_QUEUED_MS / 1000 && !self.catching_up {
            tracing::debug!(
                "speaker is behind by {} ms: catching up",
                queued * 1000 / rate
            );
            self.catching_up = true;
        }
        if self.catching_up {
            if queued > rate * TARGET_QUEUED_MS / 1000 {
                tracing::trace!("speaker catching up: dropped {} samples", converted.len());
                return;
            }
            self.catching_up = false;
            self.drift.reset_fill();
        }
        self.out.clear();
        self.drift.process(&converted, queued, &mut self.out);
        self.frames += 1;
        if self.frames % 500 == 0 {
            tracing::debug!(
                "speaker: {} ms queued, drift ratio {:.5}",
                queued * 1000 / rate,
                self.drift.ratio()
            );
        }
        let mut dropped = 0;
        for &s in &self.out {
            if self.ring.push(s).is_err() {
                dropped += 1;
            }
        }
        if dropped > 0 {
            tracing::debug!("speaker ring full: dropped {dropped} samples");
        }
    }
}

impl Drop for SoundDevice {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The open streams of one generation.
struct Streams {
    input: Option<cpal::Stream>,
    output: Option<cpal::Stream>,
}

/// Runs until told to stop (or the engine side is gone): opens, watches and reopens.
fn device_thread(
    settings: &SoundSettings,
    control: &mpsc::Receiver<Control>,
    errors: &mpsc::Sender<Control>,
    messages: &mpsc::Sender<Message>,
) {
    let mut host = None;
    let mut generation = 0u64;
    let mut names = (settings.input.clone(), settings.output.clone());
    let mut streams = Streams {
        input: None,
        output: None,
    };
    let mut quiet = false;
    let mut trouble = Trouble::default();
    let mut retry_due = true;
    loop {
        // At the start, and whenever nothing is open: the sound server may have gone or come
        // back since, so the host is asked afresh.
        let host = match &mut host {
            Some(host) if !(retry_due && streams.input.is_none() && streams.output.is_none()) => {
                host
            }
            slot => slot.insert(cpal::default_host()),
        };
        // The speaker first: opening a capture stream may wait for its first audio, which
        // must not hold back playback.
        for direction in [Direction::Output, Direction::Input] {
            if !retry_due {
                break;
            }
            if direction == Direction::Input && settings.playback_only {
                continue;
            }
            let slot = match direction {
                Direction::Input => &mut streams.input,
                Direction::Output => &mut streams.output,
            };
            if slot.is_some() {
                continue;
            }
            let name = match direction {
                Direction::Input => &mut names.0,
                Direction::Output => &mut names.1,
            };
            let mut opened = open(host, direction, name, generation, errors, messages);
            if let (Err(reason), Some(_)) = (&opened, name.take()) {
                // The chosen device exists but cannot be used: the default it is.
                let reason = reason.replace("; the call continues without it", "");
                let reason = format!("{reason}; using the default");
                tracing::warn!("{reason}");
                let notice = DeviceNotice::Fallback { direction, reason };
                let _ = messages.send(Message::Notice(notice));
                opened = open(host, direction, name, generation, errors, messages);
            }
            match opened {
                Ok((stream, device)) => {
                    tracing::info!("{} opened: {device}", direction.device_word());
                    let notice = DeviceNotice::Opened {
                        direction,
                        name: device,
                    };
                    let _ = messages.send(Message::Notice(notice));
                    *slot = Some(stream);
                }
                Err(reason) if !quiet => {
                    tracing::warn!("{reason}");
                    let _ = messages.send(Message::Notice(DeviceNotice::Unavailable {
                        direction,
                        reason,
                    }));
                }
                Err(reason) => tracing::debug!("still no {}: {reason}", direction.as_str()),
            }
        }
        // Retries after the first failure stay quiet until something changes.
        quiet = true;
        retry_due = false;
        let complete =
            (streams.input.is_some() || settings.playback_only) && streams.output.is_some();
        let wait = if complete {
            Duration::from_secs(3600)
        } else {
            RETRY
        };
        match control.recv_timeout(wait) {
            Ok(Control::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => return,
            Ok(Control::Failed(g, direction, reason, fatal)) if g == generation => {
                let lasting = trouble.persists(Instant::now());
                // A failing stream may report thousands of errors a second: log the first.
                if fatal || trouble.count == 1 {
                    tracing::warn!("{reason}");
                } else {
                    tracing::debug!("{reason}");
                }
                if !fatal && !lasting {
                    continue;
                }
                generation += 1;
                trouble = Trouble::default();
                // Both streams go: a sound server that vanished took both; the defaults
                // are what is reopened (the chosen device may be the one unplugged).
                streams = Streams {
                    input: None,
                    output: None,
                };
                names = (None, None);
                quiet = false;
                let notice = DeviceNotice::Lost { direction, reason };
                let _ = messages.send(Message::Notice(notice));
                retry_due = true;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => retry_due = true,
            Ok(Control::Failed(..)) => {}
        }
    }
}

/// Errors that are not fatal by themselves (an I/O error, an xrun) happen once in a while;
/// a stream that reports them without pause is gone all the same (a sound server that died
/// leaves ALSA's plugin failing every call).
#[derive(Debug, Default)]
struct Trouble {
    first: Option<Instant>,
    last: Option<Instant>,
    count: u32,
}

impl Trouble {
    /// Counts one error; true when errors have kept coming for half a second (a burst at
    /// start-up, which ALSA's PulseAudio plugin has, is no reason to reopen).
    fn persists(&mut self, now: Instant) -> bool {
        let quiet_since = self
            .last
            .is_none_or(|last| now.duration_since(last) > Duration::from_secs(1));
        if quiet_since {
            self.first = Some(now);
            self.count = 0;
        }
        self.last = Some(now);
        self.count += 1;
        self.count >= 10
            && self
                .first
                .is_some_and(|first| now.duration_since(first) >= Duration::from_millis(500))
    }
}

/// Opens one direction's device: the one named (when it exists) or the default. Starts its
/// stream and hands the ring's other end to the engine. Returns the stream and the device's
/// name, or why nothing could be opened.
fn open(
    host: &cpal::Host,
    direction: Direction,
    name: &mut Option<String>,
    generation: u64,
    errors: &mpsc::Sender<Control>,
    messages: &mpsc::Sender<Message>,
) -> Result<(cpal::Stream, String), String> {
    let word = direction.device_word();
    let mut device = None;
    if let Some(wanted) = name.take() {
        device = find(host, direction, &wanted);
        if device.is_none() {
            let reason = format!("no {word} named {wanted:?}: using the default");
            tracing::warn!("{reason}");
            let notice = DeviceNotice::Fallback { direction, reason };
            let _ = messages.send(Message::Notice(notice));
        } else {
            *name = Some(wanted);
        }
    }
    let device = match device {
        Some(d) => d,
        None => match direction {
            Direction::Input => host.default_input_device(),
            Direction::Output => host.default_output_device(),
        }
        .ok_or_else(|| format!("no {word} found: the call continues without one"))?,
    };
    let label = device_name(&device);
    let is_default = name.is_none();
    let failed = |e: cpal::Error| {
        let hint = match e.kind() {
            cpal::ErrorKind::DeviceNotAvailable | cpal::ErrorKind::HostUnavailable
                if is_default =>
            {
                " (is the sound server, PulseAudio or PipeWire, running?)"
            }
            _ => "",
        };
        let e = e.to_string();
        let e = e.trim_end_matches('.');
        format!("the {word} ({label}) cannot be opened: {e}{hint}; the call continues without it")
    };
    let (config, format) = stream_config(&device, direction).map_err(failed)?;
    let rate = config.sample_rate;
    let capacity = rate as usize * RING_MS / 1000;
    let (producer, consumer) = rtrb::RingBuffer::new(capacity);
    let errors = errors.clone();
    let on_error = move |e: cpal::Error| {
        let reason = format!("the {word} failed: {e}");
        // A stream invalidated (a sound server that disconnected) does not come back.
        let fatal = matches!(
            e.kind(),
            cpal::ErrorKind::DeviceNotAvailable
                | cpal::ErrorKind::HostUnavailable
                | cpal::ErrorKind::StreamInvalidated
        );
        let _ = errors.send(Control::Failed(generation, direction, reason, fatal));
    };
    let stream = match direction {
        Direction::Input => {
            let stream = match format {
                SampleFormat::I16 => input::<i16>(&device, &config, producer, on_error),
                _ => input::<f32>(&device, &config, producer, on_error),
            }
            .map_err(failed)?;
            let _ = messages.send(Message::Capture(consumer, rate));
            stream
        }
        Direction::Output => {
            let stream = match format {
                SampleFormat::I16 => output::<i16>(&device, &config, consumer, on_error),
                _ => output::<f32>(&device, &config, consumer, on_error),
            }
            .map_err(failed)?;
            let _ = messages.send(Message::Playback(producer, rate));
            stream
        }
    };
    stream.play().map_err(failed)?;
    Ok((stream, label))
}

/// The device called `wanted` (its name or description, any case).
fn find(host: &cpal::Host, direction: Direction, wanted: &str) -> Option<cpal::Device> {
    let devices: Vec<_> = match direction {
        Direction::Input => host.input_devices().ok()?.collect(),
        Direction::Output => host.output_devices().ok()?.collect(),
    };
    devices.into_iter().find(|d| {
        device_name(d) == wanted
            || d.to_string().eq_ignore_ascii_case(wanted)
            || d.description()
                .is_ok_and(|x| x.name().eq_ignore_ascii_case(wanted))
    })
}

/// The name a device is chosen by: the host's identifier (`pulse`, `hw:CARD=PCH,DEV=0` for
/// ALSA), or its description when it has none.
fn device_name(device: &cpal::Device) -> String {
    device
        .id()
        .map_or_else(|_| device.to_string(), |id| id.id().to_owned())
}

/// The device's default configuration, at 48 kHz when it can (no resampling then), with
/// 20 ms periods when it lets us choose, in i16 or f32 samples.
fn stream_config(
    device: &cpal::Device,
    direction: Direction,
) -> Result<(cpal::StreamConfig, SampleFormat), cpal::Error> {
    let default = match direction {
        Direction::Input => device.default_input_config()?,
        Direction::Output => device.default_output_config()?,
    };
    let ranges: Vec<_> = match direction {
        Direction::Input => device.supported_input_configs()?.collect(),
        Direction::Output => device.supported_output_configs()?.collect(),
    };
    let usable = |f: SampleFormat| matches!(f, SampleFormat::F32 | SampleFormat::I16);
    let chosen = ranges
        .into_iter()
        .filter(|r| usable(r.sample_format()) && r.channels() == default.channels())
        .find_map(|r| r.try_with_sample_rate(PROCESSING_RATE))
        .unwrap_or(default);
    if !usable(chosen.sample_format()) {
        return Err(cpal::Error::with_message(
            cpal::ErrorKind::UnsupportedConfig,
            format!("it offers {} samples only", chosen.sample_format()),
        ));
    }
    let mut config = chosen.config();
    // Without a period size ALSA's PulseAudio plugin buffers two seconds of capture.
    let period = config.sample_rate / 50;
    if let cpal::SupportedBufferSize::Range { min, max } = *chosen.buffer_size() {
        config.buffer_size = cpal::BufferSize::Fixed(period.clamp(min, max));
    }
    Ok((config, chosen.sample_format()))
}

/// A capture stream: each frame downmixed to mono into `ring` (dropped when it is full).
fn input<T>(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    mut ring: rtrb::Producer<f32>,
    on_error: impl FnMut(cpal::Error) + Send + 'static,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample,
    f32: cpal::FromSample<T>,
{
    let channels = usize::from(config.channels).max(1);
    let scale = 1.0 / channels as f32;
    device.build_input_stream::<T, _, _>(
        *config,
        move |data: &[T], _| {
            for frame in data.chunks(channels) {
                let sum: f32 = frame.iter().map(|s| s.to_sample::<f32>()).sum();
                if ring.push(sum * scale).is_err() {
                    break;
                }
            }
        },
        on_error,
        Some(OPEN_TIMEOUT),
    )
}

/// A playback stream: mono from `ring` to every channel; silence until enough is queued
/// (and again after running dry), so that small jitter does not click.
fn output<T>(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    mut ring: rtrb::Consumer<f32>,
    on_error: impl FnMut(cpal::Error) + Send + 'static,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample + cpal::FromSample<f32>,
{
    let channels = usize::from(config.channels).max(1);
    let prime = config.sample_rate as usize * PRIME_MS / 1000;
    let mut playing = false;
    device.build_output_stream::<T, _, _>(
        *config,
        move |data: &mut [T], _| {
            if !playing && ring.slots() >= prime {
                playing = true;
            }
            for frame in data.chunks_mut(channels) {
                let value = if playing { ring.pop().ok() } else { None };
                if value.is_none() {
                    playing = false;
                }
                let s = T::from_sample(value.unwrap_or(0.0));
                frame.fill(s);
            }
        },
        on_error,
        Some(OPEN_TIMEOUT),
    )
}

/// What a notice means for the user when something is wrong (`None` for a device opened).
pub fn notice_problem(notice: &DeviceNotice) -> Option<String> {
    match notice {
        DeviceNotice::Opened { .. } => None,
        DeviceNotice::Fallback { reason, .. }
        | DeviceNotice::Unavailable { reason, .. }
        | DeviceNotice::Lost { reason, .. } => Some(reason.clone()),
    }
}
