//! Teardown and failure paths through real processes: nothing is left behind after Ctrl-C, a
//! failed assertion, a panic or a dropped handle; a node that cannot start fails its stage with
//! its log tail and takes the rest of the network down; bad definitions fail before anything
//! starts. Networks here are "ready" once every node answers RPC (a few seconds each).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::disallowed_methods)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{
    assert_all_alive, assert_no_leftovers, crate_path, recorded_pids, setup, zombienet,
    zombienet_test,
};
use zombienet::config;
use zombienet::spawn::{spawn, SpawnError, SpawnOptions};

fn fast_config() -> zombienet::NetworkConfig {
    config::load(&crate_path("tests/fixtures/fast.toml")).unwrap().config
}

fn opts(dir: &std::path::Path) -> SpawnOptions {
    SpawnOptions { dir: Some(dir.to_path_buf()), ..SpawnOptions::default() }
}

#[test]
fn ctrl_c_on_spawn_stops_every_process() {
    let _serial = setup();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let mut child = zombienet()
        .args(["spawn", "--wait-for", "rpc", "--dir"])
        .arg(&dir)
        .arg(crate_path("tests/fixtures/fast.toml"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    // Keep reading (the status lines) until zombienet exits.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with("network is ready") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(60)).expect("spawn never said the network is ready");
    let pids = recorded_pids(&dir);
    assert_eq!(pids.len(), 3);
    assert_all_alive(&pids);
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::SIGINT)
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "zombienet did not exit after Ctrl-C");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit after Ctrl-C: {status}");
    assert_no_leftovers(&pids);
    assert!(dir.join("alice").exists(), "a directory the user chose is kept");
}

#[test]
fn a_failed_assertion_stops_every_process_and_names_the_line() {
    let _serial = setup();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let out = zombienet_test("tests/fixtures/failing.zndsl", &dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("test failed at line 6"), "{stdout}");
    assert!(stdout.contains("best block = "), "observed value printed: {stdout}");
    assert!(stdout.contains("1 not run"), "{stdout}");
    assert_no_leftovers(&recorded_pids(&dir));
}

#[test]
fn a_panic_in_a_rust_test_stops_every_process() {
    let _serial = setup();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let config = fast_config();
    let spawn_dir = dir.clone();
    // The network lives on the thread that panics, as in a failing #[test].
    let result = std::thread::spawn(move || {
        let network = spawn(&config, &opts(&spawn_dir)).unwrap();
        assert_all_alive(&network.pids());
        network
            .node("alice")
            .unwrap()
            .wait_best_height(1_000_000, Duration::from_millis(300))
            .map(|_| ())
            .unwrap_or_else(|e| panic!("as a test would: {e}"));
    })
    .join();
    assert!(result.is_err(), "the thread panicked");
    assert_no_leftovers(&recorded_pids(&dir));
}

#[test]
fn dropping_the_handle_stops_every_process_and_keep_detaches() {
    let _serial = setup();
    let tmp = tempfile::tempdir().unwrap();
    let config = fast_config();
    let network = spawn(&config, &opts(&tmp.path().join("a"))).unwrap();
    let pids = network.pids();
    assert_eq!(pids.len(), 3);
    assert!(network.node("collator-2000").unwrap().is_up());
    drop(network);
    assert_no_leftovers(&pids);

    // `keep`: the processes outlive the handle; attach and stop them.
    let dir = tmp.path().join("b");
    let network = spawn(&config, &SpawnOptions { keep: true, ..opts(&dir) }).unwrap();
    let pids = network.pids();
    drop(network);
    assert_all_alive(&pids);
    let out =
        zombienet().arg("attach").arg("--once").arg(dir.join("network.json")).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("alice") && stdout.contains("up"), "{stdout}");
    let out = zombienet().arg("down").arg(dir.join("network.json")).output().unwrap();
    assert!(out.status.success());
    assert_no_leftovers(&pids);
}

#[test]
fn a_node_with_a_bad_argument_fails_process_up_with_its_log_tail() {
    let _serial = setup();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let mut config = fast_config();
    config.relaychain.nodes[1].args.push("--no-such-flag".into());
    let err = spawn(&config, &opts(&dir)).unwrap_err();
    let SpawnError::Stage { stage, node, tail, .. } = &err else { panic!("{err}") };
    assert_eq!((*stage, node.as_str()), ("process_up", "bob"), "{err}");
    assert!(tail.contains("--no-such-flag"), "the log tail shows why: {tail}");
    assert!(err.to_string().contains("last 20 lines"), "{err}");
    // The others were started, then stopped with the failed spawn.
    assert_no_leftovers(&recorded_pids(&dir));
}

#[test]
fn a_taken_port_is_named_before_anything_starts() {
    let _serial = setup();
    let tmp = tempfile::tempdir().unwrap();
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap().port();
    let mut config = fast_config();
    config.relaychain.nodes[1].rpc_port = Some(port);
    let err = spawn(&config, &opts(&tmp.path().join("net"))).unwrap_err();
    let text = err.to_string();
    assert!(text.contains(&port.to_string()) && text.contains("rpc_port of bob"), "{text}");
    assert!(!tmp.path().join("net/network.json").exists(), "nothing started");
}

#[test]
fn invalid_definitions_fail_before_anything_starts() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("net");
    let out = zombienet()
        .args(["spawn", "--dir"])
        .arg(&dir)
        .arg(crate_path("tests/fixtures/invalid.toml"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for expected in [
        "relaychain.nodes[0].valdator",
        "did you mean `validator`",
        "parachains[1].id",
        "2000",
        "hrmp_channels[0].recipient",
        "3000",
    ] {
        assert!(stderr.contains(expected), "`{expected}` missing from:\n{stderr}");
    }
    assert!(!dir.exists(), "nothing was created");

    let out = zombienet()
        .args(["spawn", "--dir"])
        .arg(&dir)
        .arg(crate_path("tests/fixtures/missing-binary.toml"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("atoll-relay-that-does-not-exist` not found"), "{stderr}");
    assert!(stderr.contains("no/such/collator"), "every problem is listed: {stderr}");
    assert!(!dir.exists(), "nothing was created");
}
