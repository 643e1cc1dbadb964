//! A throw-away PulseAudio daemon per test (PEERS.md: paced audio without a sound card), from
//! the project's own script `tests/peers/pulse/null.pa`: a `speaker` null sink (the default
//! sink; what is played there is recorded from `speaker.monitor`) and a `mic` null sink with a
//! 1 kHz sine playing into it, whose monitor is the default source. Each daemon has its own
//! runtime directory and anonymous socket; clients find it through `PULSE_SERVER`. It runs in
//! the foreground as our child, quits by itself after 30 s without clients, and is stopped
//! by its PID when dropped.

use super::stop_child;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The daemon script, relative to the crate root.
const SCRIPT: &str = "tests/peers/pulse/null.pa";
/// How long the daemon may take to answer.
const START_DEADLINE: Duration = Duration::from_secs(10);

/// A running PulseAudio daemon.
pub struct Pulse {
    child: Child,
    dir: PathBuf,
}

impl Pulse {
    /// Starts a daemon with its runtime directory in `dir/pulse` and waits until it answers.
    pub fn start(dir: &Path) -> Pulse {
        let run = dir.join("pulse");
        std::fs::create_dir_all(&run).expect("create the pulse run dir");
        let template = Path::new(env!("CARGO_MANIFEST_DIR")).join(SCRIPT);
        let script = std::fs::read_to_string(&template)
            .expect("read tests/peers/pulse/null.pa")
            .replace("@RUNDIR@", &run.display().to_string());
        let script_path = run.join("null.pa");
        std::fs::write(&script_path, script).expect("write null.pa");
        let log = run.join("pulse.log");
        let child = Command::new("pulseaudio")
            .args(["-n", "-F"])
            .arg(&script_path)
            .args([
                "--daemonize=no",
                "--exit-idle-time=30",
                "--use-pid-file=no",
                "--disable-shm=yes",
                "--log-level=info",
            ])
            .arg(format!("--log-target=file:{}", log.display()))
            .env("XDG_RUNTIME_DIR", &run)
            .env("HOME", &run)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pulseaudio runs (package pulseaudio)");
        let mut pulse = Pulse { child, dir: run };
        let until = Instant::now() + START_DEADLINE;
        loop {
            let answered = Command::new("pactl")
                .arg("info")
                .env("PULSE_SERVER", pulse.server())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if answered {
                return pulse;
            }
            if Instant::now() > until || matches!(pulse.child.try_wait(), Ok(Some(_))) {
                let log = std::fs::read_to_string(&log).unwrap_or_default();
                pulse.stop();
                panic!("pulseaudio did not come up; its log:\n{log}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `PULSE_SERVER` for the daemon's clients.
    pub fn server(&self) -> String {
        format!("unix:{}/native", self.dir.display())
    }

    /// The environment a client needs.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![("PULSE_SERVER".to_owned(), self.server())]
    }

    /// [`Pulse::env`] plus a HOME (under `dir`) whose `.asoundrc` names an ALSA device
    /// `ringer` playing into the daemon's `ringer` sink (through ALSA's pulse plugin).
    pub fn env_with_ringer(&self, dir: &Path) -> Vec<(String, String)> {
        let home = dir.join("home");
        std::fs::create_dir_all(&home).expect("create home");
        std::fs::write(
            home.join(".asoundrc"),
            "pcm.ringer {\n  type pulse\n  device ringer\n  hint { show on description \"Ringer\" }\n}\n",
        )
        .expect("write .asoundrc");
        let mut env = self.env();
        env.push(("HOME".to_owned(), home.display().to_string()));
        env
    }

    /// Kills the daemon at once (SIGKILL, as a crash would), by its PID.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Stops the daemon (SIGTERM, then SIGKILL).
    pub fn stop(&mut self) {
        stop_child(&mut self.child, Duration::from_secs(2));
    }

    /// Starts recording what plays on the speaker (8 kHz mono, raw 16-bit) into `path`;
    /// stop it with [`Recorder::finish`] (or by dropping it).
    pub fn record_speaker(&self, path: &Path) -> Recorder {
        self.record_monitor("speaker", path)
    }

    /// Like [`Pulse::record_speaker`], for the null sink `sink` (`speaker`, `ringer`).
    pub fn record_monitor(&self, sink: &str, path: &Path) -> Recorder {
        let file = std::fs::File::create(path).expect("create the recording");
        let child = Command::new("pacat")
            .args([
                "--record",
                "--raw",
                &format!("--device={sink}.monitor"),
                "--rate=8000",
                "--channels=1",
                "--format=s16le",
                "--latency-msec=20",
            ])
            .env("PULSE_SERVER", self.server())
            .stdin(Stdio::null())
            .stdout(Stdio::from(file))
            .stderr(Stdio::null())
            .spawn()
            .expect("pacat runs (package pulseaudio-utils)");
        Recorder {
            child,
            path: path.to_owned(),
        }
    }
}

impl Drop for Pulse {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A `pacat --record` child.
pub struct Recorder {
    child: Child,
    path: PathBuf,
}

/// How long a monitor may take to hand out its first samples.
const FLOW_DEADLINE: Duration = Duration::from_secs(5);

impl Recorder {
    /// Waits until samples arrive and returns when the recording's first sample was taken.
    ///
    /// Why wait: PulseAudio 16's null sink, while no stream asks it for a low latency,
    /// renders two seconds ahead and sleeps; a stream that connects then (this recorder,
    /// or a phone's speaker) gets nothing through until the sink wakes, up to two seconds
    /// later. Any client stalls so, `pacat --playback` as much as cpal through ALSA's
    /// pulse plugin; a sound card's sink (timer-scheduled, with rewinds) does not. Once
    /// this low-latency recorder runs the sink is awake, and a sample's index maps to time:
    /// `returned + index / 8000` s.
    pub fn wait_flowing(&self) -> Instant {
        let until = Instant::now() + FLOW_DEADLINE;
        loop {
            let size = std::fs::metadata(&self.path).map_or(0, |m| m.len());
            if size > 0 {
                // The first samples may come as a burst; once they flow steadily, two bytes
                // a sample at 8 kHz tell how long ago the first one was taken (late by
                // pacat's own latency, which makes audio look later, not earlier).
                std::thread::sleep(Duration::from_millis(300));
                let size = std::fs::metadata(&self.path).map_or(0, |m| m.len());
                return Instant::now() - Duration::from_micros(size * 1_000_000 / 16_000);
            }
            assert!(
                Instant::now() < until,
                "no samples from the recorder of {} within {FLOW_DEADLINE:?}",
                self.path.display()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Stops recording (by PID) and returns the samples (8 kHz mono).
    pub fn finish(mut self) -> Vec<i16> {
        stop_child(&mut self.child, Duration::from_secs(2));
        let bytes = std::fs::read(&self.path).expect("read the recording");
        bytes
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        stop_child(&mut self.child, Duration::from_secs(2));
    }
}

/// The CPU time (user + system, all threads) process `pid` used so far, from /proc.
pub fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // utime and stime are fields 14 and 15 of stat(5), 12 and 13 after the name.
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i)?.parse::<u64>().ok())
        .sum();
    let per_second = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse::<u64>().ok())
        .unwrap_or(100);
    Duration::from_millis(ticks * 1000 / per_second)
}
