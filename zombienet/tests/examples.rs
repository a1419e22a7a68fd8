//! The example networks' smoke tests, run as a user runs them (`zombienet test <file>`):
//! `small.zndsl` (2 validators, 1 para) and `three-chains.zndsl` (4 validators, 3 paras,
//! HRMP channels). Each must pass and leave no process behind.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{assert_no_leftovers, recorded_pids, setup, zombienet_test};

fn run_example(test: &str) {
    let _serial = setup();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let out = zombienet_test(&format!("examples/{test}"), &dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{test} failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("steps passed"), "{stdout}");
    assert_no_leftovers(&recorded_pids(&dir));
}

#[test]
fn small_example_smoke_test_passes() {
    run_example("small.zndsl");
}

#[test]
fn three_chains_example_smoke_test_passes() {
    run_example("three-chains.zndsl");
}

/// Known bug, left open: restarting one of two validators soon after the network starts can
/// leave finality stalled for good (both nodes stay at the last block finalized before the
/// restart). Approval rule 14 fixed the case found first (the restarted node never saw its
/// peer's earlier approvals again); this one still reproduces through `zombienet test`, so it
/// is kept out of the default run. `cargo test -p zombienet --test examples -- --ignored`.
#[test]
#[ignore = "known bug: finality can stall after one of two validators restarts"]
fn small_example_validator_restart_finality_resumes() {
    run_example("small-restart.zndsl");
}
