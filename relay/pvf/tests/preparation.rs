//! Preparation: every rejection is a `PrepareError` verdict (never `Internal`), the compile
//! timeout, and at most one compilation per code hash under concurrency.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests: a failed expectation is a failed test.

mod common;

use std::sync::Arc;
use std::time::Duration;

use atoll_primitives::ValidationCode;
use atoll_pvf::{
    ArtifactSource, ExecutorParams, InvalidReason, PrepareError, TimeoutKind, ValidationOutcome,
};
use common::*;

fn rejected(code: &ValidationCode) -> PrepareError {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host(dir.path());
    let error = host.prepare(code).expect_err("rejected");
    assert!(!error.is_internal(), "{error:?}");
    // Inside validate it is Invalid(CodeRejected), and the host stays usable.
    assert_eq!(
        host.validate(code, &params_with_head(b"h"), TimeoutKind::Backing),
        ValidationOutcome::Invalid(InvalidReason::CodeRejected(error.clone()))
    );
    assert_host_usable(&host);
    error
}

#[test]
fn import_from_another_module_is_unknown() {
    let code = hostile_runtime(r#"(import "env" "foo" (func))"#, "", "(i64.const 0)");
    assert_eq!(
        rejected(&code),
        PrepareError::UnknownImport { module: "env".into(), name: "foo".into() }
    );
}

#[test]
fn unknown_atoll_import_is_unknown() {
    let code = hostile_runtime(r#"(import "atoll" "ext_unknown" (func))"#, "", "(i64.const 0)");
    assert_eq!(
        rejected(&code),
        PrepareError::UnknownImport { module: "atoll".into(), name: "ext_unknown".into() }
    );
}

#[test]
fn imported_memory_is_unknown() {
    let wat = runtime_wat(
        "",
        r#"(func (export "validate_block") (param i32 i32) (result i64) (i64.const 0))"#,
    )
    .replace(
        r#"(memory (export "memory") 2)"#,
        r#"(import "env" "memory" (memory 2)) (export "memory" (memory 0))"#,
    );
    assert!(matches!(rejected(&code(&wat)), PrepareError::UnknownImport { .. }));
}

#[test]
fn wrong_import_signature_is_refused() {
    let code = hostile_runtime(
        r#"(import "atoll" "ext_blake2_256" (func (param i32 i32)))"#,
        "",
        "(i64.const 0)",
    );
    let error = rejected(&code);
    assert!(
        matches!(&error, PrepareError::BadImportSignature { name, expected, .. }
            if name == "ext_blake2_256" && expected == "(i32, i32, i32)"),
        "{error:?}"
    );
    // A result where the ABI has none, and i64 where it has i32.
    let code = hostile_runtime(
        r#"(import "atoll" "ext_panic" (func (param i32 i32) (result i32)))"#,
        "",
        "(i64.const 0)",
    );
    assert!(matches!(rejected(&code), PrepareError::BadImportSignature { .. }));
    let code = hostile_runtime(
        r#"(import "atoll" "ext_sr25519_batch_verify" (func (param i32 i64) (result i32)))"#,
        "",
        "(i64.const 0)",
    );
    assert!(matches!(rejected(&code), PrepareError::BadImportSignature { .. }));
    // A host function name imported as a global.
    let code = hostile_runtime(r#"(import "atoll" "ext_log" (global i32))"#, "", "(i64.const 0)");
    assert!(matches!(rejected(&code), PrepareError::BadImportSignature { .. }));
}

#[test]
fn every_host_function_links_with_its_abi_signature() {
    let imports = r#"
      (import "atoll" "ext_blake2_256" (func (param i32 i32 i32)))
      (import "atoll" "ext_sr25519_verify" (func (param i32 i32 i32 i32) (result i32)))
      (import "atoll" "ext_sr25519_batch_verify" (func (param i32 i32) (result i32)))
      (import "atoll" "ext_log" (func (param i32 i32 i32)))
      (import "atoll" "ext_panic" (func (param i32 i32)))
      (import "atoll" "ext_storage_get" (func (param i32 i32 i32 i32) (result i64)))
      (import "atoll" "ext_storage_set" (func (param i32 i32 i32 i32)))
      (import "atoll" "ext_storage_clear" (func (param i32 i32)))
      (import "atoll" "ext_storage_root" (func (param i32)))"#;
    let wat = runtime_wat(
        imports,
        &format!(
            r#"(data (i32.const 16) "{}")
               (func (export "validate_block") (param i32 i32) (result i64)
                 (i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const 12)))"#,
            wat_bytes(&encoded(&Default::default()))
        ),
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host(dir.path());
    let outcome = host.validate(&code(&wat), &params_with_head(b"h"), TimeoutKind::Backing);
    assert_eq!(outcome, ValidationOutcome::Valid(Default::default()));
}

#[test]
fn code_above_max_code_size_is_refused_before_parsing() {
    let too_large = ValidationCode(vec![0u8; 3 * 1024 * 1024 + 1]);
    assert_eq!(
        rejected(&too_large),
        PrepareError::CodeTooLarge { size: 3 * 1024 * 1024 + 1, max: 3 * 1024 * 1024 }
    );
    // With a small custom limit, a valid module above it.
    let dir = tempfile::tempdir().expect("temp dir");
    let host =
        host_with(dir.path(), ExecutorParams { max_code_size: 100, ..ExecutorParams::default() });
    let code = echo_runtime();
    assert!(matches!(host.prepare(&code), Err(PrepareError::CodeTooLarge { max: 100, .. })));
    assert_eq!(host.stats().compilations, 0);
}

#[test]
fn garbage_bytes_are_invalid_wasm() {
    assert!(matches!(
        rejected(&ValidationCode(b"\0asm garbage".to_vec())),
        PrepareError::InvalidWasm(_)
    ));
    assert!(matches!(rejected(&ValidationCode(Vec::new())), PrepareError::InvalidWasm(_)));
}

#[test]
fn disabled_proposals_are_invalid_wasm() {
    // SIMD is off.
    let simd = hostile_runtime("", "", "(drop (v128.const i64x2 0 0)) (i64.const 0)");
    assert!(matches!(rejected(&simd), PrepareError::InvalidWasm(_)));
    // Threads are off: no shared memory.
    let wat = runtime_wat(
        "",
        r#"(func (export "validate_block") (param i32 i32) (result i64) (i64.const 0))"#,
    )
    .replace(r#"(memory (export "memory") 2)"#, r#"(memory (export "memory") 2 10 shared)"#);
    assert!(matches!(rejected(&code(&wat)), PrepareError::InvalidWasm(_)));
}

#[test]
fn missing_exports_are_named() {
    let no_validate = code(&runtime_wat("", ""));
    assert_eq!(rejected(&no_validate), PrepareError::MissingExport("validate_block"));
    let no_alloc = code(
        r#"(module (memory (export "memory") 1)
             (func (export "validate_block") (param i32 i32) (result i64) (i64.const 0)))"#,
    );
    assert_eq!(rejected(&no_alloc), PrepareError::MissingExport("atoll_alloc"));
    let no_memory = code(
        r#"(module
             (func (export "atoll_alloc") (param i32) (result i32) (i32.const 0))
             (func (export "validate_block") (param i32 i32) (result i64) (i64.const 0)))"#,
    );
    assert_eq!(rejected(&no_memory), PrepareError::MissingExport("memory"));
    let wrong_type = code(&runtime_wat(
        "",
        r#"(func (export "validate_block") (param i32 i32) (result i32) (i32.const 0))"#,
    ));
    assert!(matches!(
        rejected(&wrong_type),
        PrepareError::BadExportSignature { name: "validate_block", .. }
    ));
}

#[test]
fn compile_timeout_is_a_verdict_not_internal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host_with(
        dir.path(),
        ExecutorParams { compile_timeout: Duration::ZERO, ..ExecutorParams::default() },
    );
    let error = host.prepare(&echo_runtime()).expect_err("times out");
    assert_eq!(error, PrepareError::CompileTimeout { limit_ms: 0 });
    // Cached: asking again neither compiles again nor waits.
    assert_eq!(host.prepare(&echo_runtime()).expect_err("cached"), error);
    let stats = host.stats();
    assert_eq!((stats.compilations, stats.memory_cache_hits), (1, 1), "{stats:?}");
}

#[test]
fn concurrent_prepares_compile_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = Arc::new(host(dir.path()));
    let code = echo_runtime();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let host = Arc::clone(&host);
            let code = code.clone();
            std::thread::spawn(move || host.prepare(&code).expect("prepares"))
        })
        .collect();
    let artifacts: Vec<_> = threads.into_iter().map(|t| t.join().expect("joins")).collect();
    assert!(artifacts.iter().all(|a| Arc::ptr_eq(a, &artifacts[0])));
    assert_eq!(artifacts[0].source(), ArtifactSource::Compiled);
    let stats = host.stats();
    assert_eq!(stats.compilations, 1, "{stats:?}");
    assert_eq!(stats.memory_cache_hits, 7, "{stats:?}");
}
