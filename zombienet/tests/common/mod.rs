//! Helpers shared by the multi-process tests: the binaries, the `zombienet` command, the pids a
//! network recorded, and the leftover-process check.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Networks in one test binary run one at a time (2 cores).
static SERIAL: Mutex<()> = Mutex::new(());

/// Takes the test binary's network slot and makes sure the node binaries exist.
pub fn setup() -> MutexGuard<'static, ()> {
    let guard = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    zombienet::binaries::build_workspace_binaries(true).expect("node binaries");
    guard
}

/// A path under this crate.
pub fn crate_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The `zombienet` binary, told not to rebuild anything.
pub fn zombienet() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zombienet"));
    cmd.env("ZOMBIENET_BUILD", "missing");
    cmd
}

/// Runs `zombienet test <crate-relative test file> --dir <dir>` to its end.
pub fn zombienet_test(test: &str, dir: &Path) -> std::process::Output {
    zombienet().args(["test", "--dir"]).arg(dir).arg(crate_path(test)).output().unwrap()
}

/// The pids `network.json` in `dir` records.
pub fn recorded_pids(dir: &Path) -> Vec<u32> {
    let text = std::fs::read_to_string(dir.join("network.json")).expect("network.json");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["pid"].as_u64())
        .map(|p| p as u32)
        .collect()
}

/// Fails unless no process of any of these process groups is left (within 5 s).
pub fn assert_no_leftovers(pgids: &[u32]) {
    assert!(!pgids.is_empty(), "no pids recorded");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let alive: Vec<u32> =
            pgids.iter().copied().filter(|p| zombienet::process::group_alive(*p)).collect();
        if alive.is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "processes left behind in groups {alive:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Every pgid is alive.
pub fn assert_all_alive(pgids: &[u32]) {
    for p in pgids {
        assert!(zombienet::process::group_alive(*p), "process {p} is not running");
    }
}
