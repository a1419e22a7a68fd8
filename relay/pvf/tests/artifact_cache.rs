//! The on-disk artifact cache: reuse across hosts, and recovery from truncated, garbage,
//! foreign-engine and unwritable artifacts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests: a failed expectation is a failed test.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use atoll_pvf::artifact_cache::{decode_artifact, encode_artifact, ArtifactError};
use atoll_pvf::{ArtifactSource, TimeoutKind, ValidationOutcome};
use common::*;

fn artifact_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("cache dir readable")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "artifact"))
        .collect();
    files.sort();
    files
}

/// Fills the cache of `dir` with the echo runtime's artifact and returns its file.
fn warm_cache(dir: &Path) -> PathBuf {
    let host = host(dir);
    assert_host_usable(&host);
    assert_eq!(host.stats().compilations, 1);
    let files = artifact_files(dir);
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

#[test]
fn second_host_loads_the_artifact_without_compiling() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = warm_cache(dir.path());
    let name = file.file_name().expect("name").to_string_lossy().into_owned();
    let code_hash_hex = hex::encode(echo_runtime().hash().0 .0);
    assert!(name.starts_with(&code_hash_hex), "{name}");
    assert_eq!(name.len(), 64 + 1 + 64 + ".artifact".len(), "{name}");

    let second = host(dir.path());
    let artifact = second.prepare(&echo_runtime()).expect("prepares");
    assert_eq!(artifact.source(), ArtifactSource::DiskCache);
    eprintln!(
        "artifact load time (read + checksum + deserialize): {:?}",
        artifact.preparation_time()
    );
    assert_host_usable(&second);
    let stats = second.stats();
    assert_eq!((stats.compilations, stats.disk_cache_hits), (0, 1), "{stats:?}");
    assert_eq!(stats.corrupt_artifacts_recompiled, 0, "{stats:?}");
}

fn assert_recompiles_after(corrupt: impl FnOnce(&Path)) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = warm_cache(dir.path());
    corrupt(&file);
    let host = host(dir.path());
    let params = params_with_head(b"after corruption");
    assert_eq!(
        host.validate(&echo_runtime(), &params, TimeoutKind::Backing),
        ValidationOutcome::Valid(echo_result(&params))
    );
    let stats = host.stats();
    assert_eq!(stats.corrupt_artifacts_recompiled, 1, "{stats:?}");
    assert_eq!((stats.compilations, stats.disk_cache_hits), (1, 0), "{stats:?}");
    // The bad file was replaced by a good one: a third host loads it.
    let third = host_with(dir.path(), Default::default());
    assert_eq!(
        third.prepare(&echo_runtime()).expect("prepares").source(),
        ArtifactSource::DiskCache
    );
}

#[test]
fn truncated_artifact_is_recompiled() {
    assert_recompiles_after(|file| {
        let bytes = std::fs::read(file).expect("read");
        std::fs::write(file, &bytes[..bytes.len() / 2]).expect("truncate");
    });
}

#[test]
fn truncated_sum_file_is_recompiled() {
    assert_recompiles_after(|file| {
        let sum = sum_file(file);
        let bytes = std::fs::read(&sum).expect("read");
        std::fs::write(&sum, &bytes[..5]).expect("truncate");
    });
}

#[test]
fn missing_sum_file_is_recompiled() {
    assert_recompiles_after(|file| std::fs::remove_file(sum_file(file)).expect("remove"));
}

fn sum_file(artifact: &Path) -> PathBuf {
    let mut name = artifact.as_os_str().to_owned();
    name.push(".sum");
    PathBuf::from(name)
}

#[test]
fn garbage_artifact_is_recompiled() {
    assert_recompiles_after(|file| {
        let garbage: Vec<u8> =
            (0..10_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        std::fs::write(file, garbage).expect("write garbage");
    });
}

#[test]
fn flipped_payload_byte_is_recompiled() {
    assert_recompiles_after(|file| {
        let mut bytes = std::fs::read(file).expect("read");
        let last = bytes.len() - 1;
        bytes[last] ^= 0x40;
        std::fs::write(file, bytes).expect("write");
    });
}

#[test]
fn artifact_of_another_engine_is_recompiled() {
    // An artifact with a matching sum file whose payload wasmtime compiled with another
    // configuration (fuel on): deserialize refuses it cleanly.
    assert_recompiles_after(|file| {
        let mut config = wasmtime::Config::new();
        config.consume_fuel(true);
        let engine = wasmtime::Engine::new(&config).expect("engine");
        let module = wasmtime::Module::new(&engine, &echo_runtime().0).expect("compiles");
        let payload = module.serialize().expect("serializes");
        std::fs::write(file, &payload).expect("write");
        std::fs::write(sum_file(file), encode_artifact(&payload)).expect("write sum");
    });
}

#[test]
fn artifact_format_checks_magic_and_checksum() {
    let sum = encode_artifact(b"payload");
    assert_eq!(decode_artifact(&sum, b"payload"), Ok(&b"payload"[..]));
    assert!(matches!(
        decode_artifact(&sum[..10], b"payload"),
        Err(ArtifactError::Truncated { .. })
    ));
    let mut foreign = sum.clone();
    foreign[0] ^= 1;
    assert!(matches!(decode_artifact(&foreign, b"payload"), Err(ArtifactError::BadMagic { .. })));
    assert!(matches!(
        decode_artifact(&sum, b"paylaod"),
        Err(ArtifactError::ChecksumMismatch { .. })
    ));
    assert!(matches!(
        decode_artifact(&sum, b"payload\0"),
        Err(ArtifactError::ChecksumMismatch { .. })
    ));
}

#[test]
fn unwritable_cache_dir_is_a_warning_not_a_failure() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A regular file where the cache directory should be: it cannot be created or written, even
    // by root.
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, b"x").expect("write");
    let host = host(&blocker.join("cache"));
    assert_host_usable(&host);
    assert_host_usable(&host);
    let stats = host.stats();
    assert_eq!(stats.compilations, 1, "{stats:?}");
    assert_eq!(stats.artifact_write_failures, 1, "{stats:?}");
    assert_eq!(stats.corrupt_artifacts_recompiled, 0, "{stats:?}");
    assert_eq!(stats.valid, 2, "{stats:?}");
}

#[test]
fn changed_stack_limit_uses_another_artifact() {
    let dir = tempfile::tempdir().expect("temp dir");
    warm_cache(dir.path());
    let other = host_with(
        dir.path(),
        atoll_pvf::ExecutorParams { max_wasm_stack_bytes: 256 * 1024, ..Default::default() },
    );
    assert_host_usable(&other);
    assert_eq!(other.stats().compilations, 1);
    assert_eq!(artifact_files(dir.path()).len(), 2);
    // Limits that do not affect compilation keep the artifact.
    let relaxed = host_with(
        dir.path(),
        atoll_pvf::ExecutorParams { backing_timeout: Duration::from_secs(3), ..Default::default() },
    );
    assert_host_usable(&relaxed);
    assert_eq!(relaxed.stats().compilations, 0);
}
