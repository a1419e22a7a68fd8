//! One node process of the native provider. Each runs in its own process group (so Ctrl-C in
//! the terminal reaches zombienet only, and a stop reaches whatever the node started), logs
//! stdout and stderr to its own file, and — unless the network is kept — receives SIGKILL
//! from the kernel if zombienet itself dies without tearing down (Linux parent-death signal).
//!
//! A process is either *owned* (zombienet started it and holds its [`Child`]) or *attached*
//! (known by its pid from `network.json`); both can be paused, resumed, stopped and restarted.

// A process shell reads the clock for its grace periods.
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, killpg, Signal};
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};

/// How long a stopped node gets between SIGTERM and SIGKILL.
pub const STOP_GRACE: Duration = Duration::from_secs(3);

/// What to run: enough to start the process again (restart, attach).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessSpec {
    /// The executable.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// The log file (appended to).
    pub log_path: PathBuf,
}

/// A process failure of the provider itself.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// The log file could not be opened.
    #[error("cannot open log {path}: {reason}")]
    Log {
        /// The log path.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The executable could not be started.
    #[error("cannot start {program}: {reason}")]
    Spawn {
        /// The executable.
        program: PathBuf,
        /// Why.
        reason: String,
    },
    /// A signal could not be delivered.
    #[error("cannot send {signal} to process {pid}: {reason}")]
    Signal {
        /// The signal's name.
        signal: &'static str,
        /// The process (group) id.
        pid: u32,
        /// Why.
        reason: String,
    },
}

/// A node process.
#[derive(Debug)]
pub struct NodeProcess {
    spec: ProcessSpec,
    /// Owned child, when zombienet started it.
    child: Option<Child>,
    /// The process (and process group) id of the running process.
    pid: Option<u32>,
    /// Whether the parent-death signal is set on (re)start.
    die_with_parent: bool,
}

impl NodeProcess {
    /// Starts `spec` in a new process group. With `die_with_parent` the kernel kills it when
    /// the thread that started it exits (a crashed zombienet leaves nothing behind; the
    /// network must then stay owned by that thread).
    pub fn start(spec: ProcessSpec, die_with_parent: bool) -> Result<NodeProcess, ProcessError> {
        let mut p = NodeProcess { spec, child: None, pid: None, die_with_parent };
        p.spawn()?;
        Ok(p)
    }

    /// A process started by another zombienet (from `network.json`). A recorded pid that is
    /// no longer the node's (it exited and the pid was reused) is forgotten, so that no signal
    /// ever reaches an unrelated process.
    pub fn attached(spec: ProcessSpec, pid: Option<u32>) -> NodeProcess {
        let pid = pid.filter(|p| runs_program(*p, &spec.program));
        NodeProcess { spec, child: None, pid, die_with_parent: false }
    }

    /// What it runs.
    pub fn spec(&self) -> &ProcessSpec {
        &self.spec
    }

    /// The process id (also its process group id) while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    fn spawn(&mut self) -> Result<(), ProcessError> {
        let log_err = |e: std::io::Error| ProcessError::Log {
            path: self.spec.log_path.clone(),
            reason: e.to_string(),
        };
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.spec.log_path)
            .map_err(log_err)?;
        let err_log = log.try_clone().map_err(log_err)?;
        let mut cmd = Command::new(&self.spec.program);
        cmd.args(&self.spec.args)
            .envs(self.spec.env.iter().map(|(k, v)| (k, v)))
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err_log);
        {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        if self.die_with_parent {
            set_parent_death_signal(&mut cmd);
        }
        let child = cmd.spawn().map_err(|e| ProcessError::Spawn {
            program: self.spec.program.clone(),
            reason: e.to_string(),
        })?;
        self.pid = Some(child.id());
        self.child = Some(child);
        Ok(())
    }

    /// Whether the process is alive (a paused process is alive).
    pub fn is_running(&mut self) -> bool {
        if let Some(child) = &mut self.child {
            return matches!(child.try_wait(), Ok(None));
        }
        self.pid.is_some_and(pid_alive)
    }

    /// The exit code if an owned process has exited (`-signal` if a signal ended it).
    pub fn exit_code(&mut self) -> Option<i32> {
        let status = self.child.as_mut()?.try_wait().ok()??;
        use std::os::unix::process::ExitStatusExt;
        Some(status.code().unwrap_or_else(|| -status.signal().unwrap_or(0)))
    }

    fn signal_group(&self, signal: Signal) -> Result<(), ProcessError> {
        let Some(pid) = self.pid else { return Ok(()) };
        killpg(Pid::from_raw(pid as i32), signal).map_err(|e| ProcessError::Signal {
            signal: signal.as_str(),
            pid,
            reason: e.to_string(),
        })
    }

    /// SIGSTOP to its process group.
    pub fn pause(&self) -> Result<(), ProcessError> {
        self.signal_group(Signal::SIGSTOP)
    }

    /// SIGCONT to its process group.
    pub fn resume(&self) -> Result<(), ProcessError> {
        self.signal_group(Signal::SIGCONT)
    }

    /// Asks the group to stop (SIGCONT, then SIGTERM) without waiting; [`Self::finish_stop`]
    /// waits. Networks stop every node this way at once.
    pub fn begin_stop(&self) {
        let _ = self.signal_group(Signal::SIGCONT);
        let _ = self.signal_group(Signal::SIGTERM);
    }

    /// Waits until `deadline` for the process to exit after [`Self::begin_stop`], then kills
    /// its group. Afterwards nothing of it runs.
    pub fn finish_stop(&mut self, deadline: Instant) {
        while self.is_running() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill();
    }

    /// Stops the process: SIGTERM to its group, SIGKILL after [`STOP_GRACE`].
    pub fn stop(&mut self) {
        self.begin_stop();
        self.finish_stop(Instant::now() + STOP_GRACE);
    }

    /// SIGKILL to its group (no chance to clean up), and reaps it.
    pub fn kill(&mut self) {
        let _ = self.signal_group(Signal::SIGKILL);
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        } else if let Some(pid) = self.pid {
            // Not our child: wait for init to reap it.
            let deadline = Instant::now() + Duration::from_secs(2);
            while pid_alive(pid) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        self.pid = None;
    }

    /// Stops the process and starts it again with the same arguments, data and log.
    pub fn restart(&mut self, after: Duration) -> Result<(), ProcessError> {
        self.stop();
        std::thread::sleep(after);
        self.spawn()
    }

    /// Forgets the process without stopping it (`--keep`).
    pub fn detach(&mut self) {
        if let Some(child) = self.child.take() {
            drop(child);
        }
    }

    /// Whether zombienet owns the process (stops it when dropped).
    pub fn is_owned(&self) -> bool {
        self.child.is_some()
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        if self.child.is_some() {
            self.stop();
        }
    }
}

/// Whether a process with this pid exists and is not a zombie.
pub fn pid_alive(pid: u32) -> bool {
    if kill(Pid::from_raw(pid as i32), None).is_err() {
        return false;
    }
    // A zombie still answers signal 0: look at its state.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            stat.rfind(')').and_then(|i| stat[i + 1..].split_whitespace().next()) != Some("Z")
        }
        Err(_) => true,
    }
}

/// Whether process `pid` is running `program` (its executable, from `/proc/<pid>/exe`; a
/// rebuilt binary shows as `<path> (deleted)`).
pub fn runs_program(pid: u32, program: &Path) -> bool {
    let Ok(exe) = std::fs::read_link(format!("/proc/{pid}/exe")) else { return false };
    let exe = exe.to_string_lossy();
    let wanted = program.canonicalize().unwrap_or_else(|_| program.to_path_buf());
    let wanted = wanted.to_string_lossy();
    exe == wanted || exe.strip_suffix(" (deleted)") == Some(&wanted)
}

/// Whether any process is left in process group `pgid` (pids under `/proc` whose group is it).
pub fn group_alive(pgid: u32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else { return false };
    entries.flatten().any(|e| {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            return false;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else { return false };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // Fields after the name: state, ppid, pgrp.
        fields.first() != Some(&"Z")
            && fields.get(2).and_then(|g| g.parse::<u32>().ok()) == Some(pgid)
    })
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn set_parent_death_signal(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the forked child before exec and only calls prctl(2), which
    // is async-signal-safe; it touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).map_err(std::io::Error::from)
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn set_parent_death_signal(_cmd: &mut Command) {}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_pid_is_only_ours_while_it_runs_our_program() {
        let me = std::process::id();
        let exe = std::env::current_exe().unwrap();
        assert!(runs_program(me, &exe));
        assert!(!runs_program(me, Path::new("/bin/sh")));
        // A stale network.json: the pid now belongs to another program, so it is dropped.
        let spec = ProcessSpec {
            program: PathBuf::from("/bin/sh"),
            args: Vec::new(),
            env: Vec::new(),
            log_path: PathBuf::from("/dev/null"),
        };
        assert_eq!(NodeProcess::attached(spec, Some(me)).pid(), None);
    }
}
