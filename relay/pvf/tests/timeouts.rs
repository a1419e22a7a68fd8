//! Timeouts: an infinite loop is stopped at its deadline (a short custom backing timeout, the
//! default 2 s one, the approval kind, a start function), and the host stays usable. In a test
//! binary of their own so that other tests' compilations do not disturb the measurements.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests: a failed expectation is a failed test.

mod common;

use std::time::{Duration, Instant};

use atoll_pvf::{ExecutorParams, InvalidReason, PvfHost, TimeoutKind, ValidationOutcome};
use common::*;

/// Scheduling slack allowed past a deadline on a loaded 2-core machine.
const MARGIN: Duration = Duration::from_millis(250);

fn infinite_loop() -> atoll_primitives::ValidationCode {
    hostile_runtime("", "", "(loop $l (br $l)) (i64.const 0)")
}

/// Validates `code` (already prepared) and returns the outcome and the wall time.
#[allow(clippy::disallowed_methods)] // Measuring the timeout is the point of this test.
fn timed(
    host: &PvfHost,
    code: &atoll_primitives::ValidationCode,
    kind: TimeoutKind,
) -> (ValidationOutcome, Duration) {
    host.prepare(code).expect("prepares");
    let started = Instant::now();
    let outcome = host.validate(code, &params_with_head(b"h"), kind);
    (outcome, started.elapsed())
}

#[test]
fn infinite_loop_times_out_at_a_short_custom_backing_timeout() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host_with(dir.path(), short_timeout_params(Duration::from_millis(300)));
    let (outcome, elapsed) = timed(&host, &infinite_loop(), TimeoutKind::Backing);
    assert_eq!(
        outcome,
        ValidationOutcome::Invalid(InvalidReason::Timeout {
            kind: TimeoutKind::Backing,
            limit_ms: 300
        })
    );
    eprintln!("300 ms timeout stopped the loop after {elapsed:?}");
    assert!(elapsed >= Duration::from_millis(290), "{elapsed:?}");
    assert!(elapsed <= Duration::from_millis(300) + MARGIN, "{elapsed:?}");
    assert_eq!(host.stats().timeouts, 1);
    assert_host_usable(&host);
}

#[test]
fn infinite_loop_times_out_at_the_default_backing_timeout() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host(dir.path());
    let (outcome, elapsed) = timed(&host, &infinite_loop(), TimeoutKind::Backing);
    assert_eq!(
        outcome,
        ValidationOutcome::Invalid(InvalidReason::Timeout {
            kind: TimeoutKind::Backing,
            limit_ms: 2000
        })
    );
    eprintln!("2 s timeout stopped the loop after {elapsed:?}");
    assert!(elapsed >= Duration::from_millis(1990), "{elapsed:?}");
    assert!(elapsed <= Duration::from_millis(2000) + MARGIN, "{elapsed:?}");
    assert_host_usable(&host);
}

#[test]
fn approval_kind_uses_the_approval_timeout() {
    let dir = tempfile::tempdir().expect("temp dir");
    let params = ExecutorParams {
        backing_timeout: Duration::from_millis(100),
        approval_timeout: Duration::from_millis(400),
        ..ExecutorParams::default()
    };
    let host = host_with(dir.path(), params);
    let (outcome, elapsed) = timed(&host, &infinite_loop(), TimeoutKind::Approval);
    assert_eq!(
        outcome,
        ValidationOutcome::Invalid(InvalidReason::Timeout {
            kind: TimeoutKind::Approval,
            limit_ms: 400
        })
    );
    assert!(elapsed >= Duration::from_millis(390), "{elapsed:?}");
    assert!(elapsed <= Duration::from_millis(400) + MARGIN, "{elapsed:?}");
    assert_host_usable(&host);
}

#[test]
fn infinite_start_function_times_out_during_instantiation() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host_with(dir.path(), short_timeout_params(Duration::from_millis(200)));
    let code =
        hostile_runtime("", "(func $forever (loop $l (br $l))) (start $forever)", "(i64.const 0)");
    let (outcome, elapsed) = timed(&host, &code, TimeoutKind::Backing);
    assert_eq!(
        outcome,
        ValidationOutcome::Invalid(InvalidReason::Timeout {
            kind: TimeoutKind::Backing,
            limit_ms: 200
        })
    );
    assert!(elapsed <= Duration::from_millis(200) + MARGIN, "{elapsed:?}");
    assert_host_usable(&host);
}
