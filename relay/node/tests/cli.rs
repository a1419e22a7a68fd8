//! The command line: subcommands print what operators expect, and every mistake in the flags
//! is a clear error before anything starts.

#![allow(clippy::unwrap_used)] // Tests stop loudly.

use std::process::Command;

fn relay(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_atoll-relay")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn key_inspect_prints_the_dev_accounts_known_address() {
    let (code, out, _) = relay(&["key", "inspect", "//Alice"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("SS58 Address:      5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"),
        "{out}"
    );
    let (code, out, _) =
        relay(&["key", "inspect", "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"),
        "{out}"
    );
    let (code, _, err) = relay(&["key", "inspect", "not-a-key"]);
    assert_eq!(code, 1);
    assert!(err.contains("neither a secret URI nor an SS58 address"), "{err}");
}

#[test]
fn key_generate_and_node_keys() {
    let (code, out, _) = relay(&["key", "generate"]);
    assert_eq!(code, 0);
    assert!(out.contains("Secret seed:") && out.contains("SS58 Address:      5"), "{out}");
    let (code, key, peer) = relay(&["key", "generate-node-key"]);
    assert_eq!(code, 0);
    let (code, inspected, _) = relay(&["key", "inspect-node-key", key.trim()]);
    assert_eq!(code, 0);
    assert_eq!(inspected.trim(), peer.trim());
}

#[test]
fn build_spec_prints_human_and_raw_specs() {
    let (code, out, _) = relay(&["build-spec", "--chain", "local"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["name"], "Local Testnet");
    assert!(v["genesis"]["runtimeGenesis"].is_object());
    let (code, out, _) = relay(&["build-spec", "--chain", "local", "--raw"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["genesis"]["raw"]["top"].is_object());
}

#[test]
fn bad_flags_fail_before_anything_starts_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().to_str().unwrap();
    let (code, _, err) = relay(&["--chain", "/no/such/spec.json", "--base-path", base]);
    assert_eq!(code, 1);
    assert!(err.contains("--chain /no/such/spec.json: not a built-in chain"), "{err}");
    let (code, _, err) = relay(&["--chain", "local", "--base-path", base, "--node-key", "zz"]);
    assert_eq!(code, 1);
    assert!(err.contains("--node-key: not hex"), "{err}");
    let (code, _, err) =
        relay(&["--chain", "local", "--base-path", base, "--bootnodes", "nowhere"]);
    assert_eq!(code, 1);
    assert!(err.contains("--bootnodes: \"nowhere\" is not a multiaddress"), "{err}");
    let (code, _, err) = relay(&["--chain", "local", "--base-path", base, "--validator"]);
    assert_eq!(code, 1);
    assert!(err.contains("no validator key"), "{err}");
    let (code, _, err) = relay(&["--chain", "local", "--base-path", base, "--name", "a.b"]);
    assert_eq!(code, 1);
    assert!(err.contains("--name"), "{err}");
}

#[test]
fn purge_chain_removes_only_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().to_str().unwrap();
    let (code, out, _) = relay(&["purge-chain", "-y", "--chain", "local", "--base-path", base]);
    assert_eq!(code, 0);
    assert!(out.contains("did not exist"), "{out}");
    let db = dir.path().join("chains/local_testnet/db");
    std::fs::create_dir_all(&db).unwrap();
    std::fs::write(db.join("x"), b"1").unwrap();
    let key = dir.path().join("chains/local_testnet/network");
    std::fs::create_dir_all(&key).unwrap();
    let (code, out, _) = relay(&["purge-chain", "-y", "--chain", "local", "--base-path", base]);
    assert_eq!(code, 0, "{out}");
    assert!(!db.exists() && key.exists());
}
