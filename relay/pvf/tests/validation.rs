//! Validation of tiny WAT runtimes: the valid path, every hostile fixture (each followed by a
//! successful validation on the same host), the PoV limit and bad outputs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests: a failed expectation is a failed test.

mod common;

use atoll_primitives::limits::MAX_HEAD_DATA_SIZE;
use atoll_primitives::{BlockData, HeadData, OutboundHrmpMessage, ParaId, ValidationResult};
use atoll_pvf::{ExecutorParams, InvalidReason, PrepareError, TimeoutKind, ValidationOutcome};
use common::*;

fn invalid(outcome: ValidationOutcome) -> InvalidReason {
    match outcome {
        ValidationOutcome::Invalid(reason) => reason,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn valid_runtime_validates_twice_with_one_compilation() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host(dir.path());
    let code = echo_runtime();
    let params = params_with_head(b"parent head #1");
    for _ in 0..2 {
        let (outcome, times) = host.validate_timed(&code, &params, TimeoutKind::Backing);
        assert_eq!(outcome, ValidationOutcome::Valid(echo_result(&params)));
        eprintln!("times: {times:?}");
    }
    // A head of 200 bytes uses the two-byte compact length.
    let long = params_with_head(&[0xab; 200]);
    assert_eq!(
        host.validate(&code, &long, TimeoutKind::Approval),
        ValidationOutcome::Valid(echo_result(&long))
    );
    let stats = host.stats();
    assert_eq!(stats.compilations, 1, "{stats:?}");
    assert_eq!(stats.memory_cache_hits, 2, "{stats:?}");
    assert_eq!(stats.executions, 3, "{stats:?}");
    assert_eq!(stats.valid, 3, "{stats:?}");
    let artifact = host.prepare(&code).expect("prepared");
    eprintln!("compile time of the echo fixture: {:?}", artifact.preparation_time());
}

/// Validation by code hash loads (and hashes) the code only while its artifact is not in
/// memory; a failed load or code of another hash is the caller's failure (`Internal`).
#[test]
fn validation_by_hash_loads_the_code_once_and_refuses_a_wrong_load() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host(dir.path());
    let code = echo_runtime();
    let params = params_with_head(b"parent head #1");
    let loads = std::cell::Cell::new(0);
    for _ in 0..3 {
        let outcome = host.validate_by_hash(
            code.hash(),
            || {
                loads.set(loads.get() + 1);
                Ok(code.clone())
            },
            &params,
            TimeoutKind::Backing,
        );
        assert_eq!(outcome, ValidationOutcome::Valid(echo_result(&params)));
    }
    assert_eq!(loads.get(), 1, "the code is loaded only on the first validation");
    let other = atoll_primitives::ValidationCodeHash(atoll_primitives::Hash([7; 32]));
    let wrong = host.validate_by_hash(other, || Ok(code.clone()), &params, TimeoutKind::Backing);
    assert!(matches!(wrong, ValidationOutcome::Internal(_)), "{wrong:?}");
    let missing =
        host.validate_by_hash(other, || Err("no such code".into()), &params, TimeoutKind::Backing);
    assert!(matches!(missing, ValidationOutcome::Internal(_)), "{missing:?}");
}

#[test]
fn fixed_output_with_messages_is_returned_as_is() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host(dir.path());
    let expected = ValidationResult {
        head_data: HeadData(b"new head".to_vec()),
        new_validation_code: None,
        upward_messages: vec![b"ump".to_vec()],
        horizontal_messages: vec![OutboundHrmpMessage {
            recipient: ParaId(2000),
            data: b"hrmp".to_vec(),
        }],
        processed_downward_messages: 3,
        hrmp_watermark: atoll_primitives::BlockNumber(7),
    };
    let code = fixed_output_runtime(&encoded(&expected));
    let outcome = host.validate(&code, &params_with_head(b"x"), TimeoutKind::Backing);
    assert_eq!(outcome, ValidationOutcome::Valid(expected));
}

// ---------------------------------------------------------------------------------------------
// Hostile fixtures.

#[test]
fn memory_bomb_is_memory_limit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host(dir.path());
    let bomb = hostile_runtime(
        "",
        "",
        r#"(block $done
             (loop $l
               (br_if $done (i32.eq (memory.grow (i32.const 256)) (i32.const -1)))
               (br $l)))
           unreachable"#,
    );
    let reason = invalid(host.validate(&bomb, &params_with_head(b"h"), TimeoutKind::Backing));
    assert_eq!(reason, InvalidReason::MemoryLimit { limit_bytes: 128 * 1024 * 1024 });
    assert_host_usable(&host);
}

#[test]
fn initial_memory_above_the_limit_is_memory_limit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host_with(
        dir.path(),
        ExecutorParams { heap_limit_bytes: 4 * 1024 * 1024, ..ExecutorParams::default() },
    );
    // 100 pages = 6.25 MiB at instantiation, above a 4 MiB limit.
    let wat = runtime_wat(
        "",
        r#"(func (export "validate_block") (param i32 i32) (result i64) (i64.const 0))"#,
    )
    .replace(r#"(memory (export "memory") 2)"#, r#"(memory (export "memory") 100)"#);
    let reason = invalid(host.validate(&code(&wat), &params_with_head(b"h"), TimeoutKind::Backing));
    assert_eq!(reason, InvalidReason::MemoryLimit { limit_bytes: 4 * 1024 * 1024 });
    assert_host_usable(&host);
}

#[test]
fn unbounded_recursion_is_stack_overflow() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host(dir.path());
    let code = hostile_runtime(
        "",
        r#"(func $rec (param i64) (result i64)
             (i64.add (call $rec (i64.add (local.get 0) (i64.const 1))) (i64.const 1)))"#,
        "(call $rec (i64.const 0))",
    );
    let reason = invalid(host.validate(&code, &params_with_head(b"h"), TimeoutKind::Backing));
    assert_eq!(reason, InvalidReason::StackOverflow);
    assert_host_usable(&host);
}

#[test]
fn out_of_bounds_load_is_a_trap() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host(dir.path());
    let code = hostile_runtime("", "", "(drop (i32.load (i32.const -16))) (i64.const 0)");
    let reason = invalid(host.validate(&code, &params_with_head(b"h"), TimeoutKind::Backing));
    assert!(
        matches!(&reason, InvalidReason::Trap(msg) if msg.contains("out of bounds memory access")),
        "{reason:?}"
    );
    assert_host_usable(&host);
}

#[test]
fn unreachable_is_a_trap() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host(dir.path());
    let code = hostile_runtime("", "", "unreachable");
    let reason = invalid(host.validate(&code, &params_with_head(b"h"), TimeoutKind::Backing));
    assert!(
        matches!(&reason, InvalidReason::Trap(msg) if msg.contains("unreachable")),
        "{reason:?}"
    );
    assert_host_usable(&host);
}

#[test]
fn ext_panic_is_runtime_panic_with_the_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host(dir.path());
    let code = hostile_runtime(
        r#"(import "atoll" "ext_panic" (func $panic (param i32 i32)))"#,
        r#"(data (i32.const 32) "boom: reason")"#,
        "(call $panic (i32.const 32) (i32.const 12)) unreachable",
    );
    let reason = invalid(host.validate(&code, &params_with_head(b"h"), TimeoutKind::Backing));
    assert_eq!(reason, InvalidReason::RuntimePanic("boom: reason".into()));
    assert_host_usable(&host);
}

#[test]
fn long_panic_message_is_cut_to_4_kib() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host(dir.path());
    // 60,000 bytes of 'a' (memory.fill) as the message.
    let code = hostile_runtime(
        r#"(import "atoll" "ext_panic" (func $panic (param i32 i32)))"#,
        "",
        "(memory.fill (i32.const 0) (i32.const 97) (i32.const 60000))
         (call $panic (i32.const 0) (i32.const 60000)) unreachable",
    );
    let reason = invalid(host.validate(&code, &params_with_head(b"h"), TimeoutKind::Backing));
    let InvalidReason::RuntimePanic(msg) = reason else { panic!("{reason:?}") };
    assert!(msg.starts_with(&"a".repeat(4096)), "{}", &msg[..50]);
    assert!(msg.len() < 4200, "{} bytes", msg.len());
    assert!(msg.ends_with("[... 55904 more bytes]"), "{}", &msg[4000..]);
}

#[test]
fn output_pointer_out_of_bounds_is_bad_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host(dir.path());
    let code = hostile_runtime("", "", "(i64.const 0x7fff000000000010)");
    let reason = invalid(host.validate(&code, &params_with_head(b"h"), TimeoutKind::Backing));
    assert!(
        matches!(&reason, InvalidReason::BadOutput(msg) if msg.contains("0x7fff0000")),
        "{reason:?}"
    );
    assert_host_usable(&host);
}

#[test]
fn undecodable_output_is_bad_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host(dir.path());
    let code = fixed_output_runtime(&[0xff, 0xff, 0xff]);
    let reason = invalid(host.validate(&code, &params_with_head(b"h"), TimeoutKind::Backing));
    assert!(
        matches!(&reason, InvalidReason::BadOutput(msg) if msg.contains("ValidationResult")),
        "{reason:?}"
    );
    // A valid result followed by a trailing byte is refused too.
    let mut trailing = encoded(&ValidationResult::default());
    trailing.push(0);
    let reason = invalid(host.validate(
        &fixed_output_runtime(&trailing),
        &params_with_head(b"h"),
        TimeoutKind::Backing,
    ));
    assert!(matches!(reason, InvalidReason::BadOutput(_)), "{reason:?}");
    assert_host_usable(&host);
}

#[test]
fn head_data_above_the_limit_is_bad_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host(dir.path());
    // At 64 KiB: the compact length of MAX_HEAD_DATA_SIZE + 1 (four-byte mode), then zeros
    // (fresh memory): the head bytes and the 11 bytes of the other fields.
    let head_len = MAX_HEAD_DATA_SIZE + 1;
    let prefix = (head_len << 2) | 2;
    let total = 4 + head_len + 11;
    let wat = runtime_wat(
        "",
        &format!(
            r#"(func (export "validate_block") (param i32 i32) (result i64)
                 (i32.store (i32.const 65536) (i32.const {prefix}))
                 (i64.or (i64.shl (i64.const 65536) (i64.const 32)) (i64.const {total})))"#
        ),
    )
    .replace(r#"(memory (export "memory") 2)"#, r#"(memory (export "memory") 20)"#)
    .replace("(i32.const 65536))\n  (func $alloc", "(i32.const 1310720))\n  (func $alloc");
    let reason = invalid(host.validate(&code(&wat), &params_with_head(b"h"), TimeoutKind::Backing));
    assert!(
        matches!(&reason, InvalidReason::BadOutput(msg) if msg.contains("MAX_HEAD_DATA_SIZE")),
        "{reason:?}"
    );
    assert_host_usable(&host);
}

#[test]
fn storage_import_during_validation_is_misuse() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host(dir.path());
    let code = hostile_runtime(
        r#"(import "atoll" "ext_storage_get" (func $get (param i32 i32 i32 i32) (result i64)))"#,
        "",
        "(drop (call $get (i32.const 0) (i32.const 4) (i32.const 16) (i32.const 8))) (i64.const 0)",
    );
    let reason = invalid(host.validate(&code, &params_with_head(b"h"), TimeoutKind::Backing));
    assert_eq!(
        reason,
        InvalidReason::HostFunctionMisuse("ext_storage_get called during validation".into())
    );
    assert_host_usable(&host);
}

#[test]
fn host_function_given_an_out_of_bounds_pointer_is_misuse() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host(dir.path());
    let code = hostile_runtime(
        r#"(import "atoll" "ext_blake2_256" (func $blake2 (param i32 i32 i32)))"#,
        "",
        "(call $blake2 (i32.const 0) (i32.const 10) (i32.const -16)) (i64.const 0)",
    );
    let reason = invalid(host.validate(&code, &params_with_head(b"h"), TimeoutKind::Backing));
    assert!(
        matches!(&reason, InvalidReason::HostFunctionMisuse(msg)
            if msg.contains("ext_blake2_256") && msg.contains("0xfffffff0")),
        "{reason:?}"
    );
    // The data range out of bounds too (length past the end of memory).
    let code = hostile_runtime(
        r#"(import "atoll" "ext_log" (func $log (param i32 i32 i32)))"#,
        "",
        "(call $log (i32.const 3) (i32.const 100) (i32.const 0x7fffffff)) (i64.const 0)",
    );
    let reason = invalid(host.validate(&code, &params_with_head(b"h"), TimeoutKind::Backing));
    assert!(
        matches!(&reason, InvalidReason::HostFunctionMisuse(msg) if msg.contains("ext_log")),
        "{reason:?}"
    );
    assert_host_usable(&host);
}

#[test]
fn host_functions_work_inside_validation() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host(dir.path());
    // Hashes "abc" with ext_blake2_256 and returns a ValidationResult whose head is the digest:
    // compact(32) = 0x80, the 32 bytes, then the 11 zero bytes of the other fields.
    let code = hostile_runtime(
        r#"(import "atoll" "ext_blake2_256" (func $blake2 (param i32 i32 i32)))
           (import "atoll" "ext_log" (func $log (param i32 i32 i32)))"#,
        r#"(data (i32.const 16) "abc")"#,
        "(call $log (i32.const 3) (i32.const 16) (i32.const 3))
         (i32.store8 (i32.const 1024) (i32.const 0x80))
         (call $blake2 (i32.const 16) (i32.const 3) (i32.const 1025))
         (i64.or (i64.shl (i64.const 1024) (i64.const 32)) (i64.const 44))",
    );
    let outcome = host.validate(&code, &params_with_head(b"h"), TimeoutKind::Backing);
    let expected = ValidationResult {
        head_data: HeadData(atoll_primitives::blake2_256(b"abc").to_vec()),
        ..Default::default()
    };
    assert_eq!(outcome, ValidationOutcome::Valid(expected));
}

// ---------------------------------------------------------------------------------------------
// PoV and code limits.

#[test]
fn pov_above_the_limit_is_refused_without_executing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host =
        host_with(dir.path(), ExecutorParams { max_pov_size: 1000, ..ExecutorParams::default() });
    let code = echo_runtime();
    let mut params = params_with_head(b"h");
    params.block_data = BlockData(vec![0; 1001]);
    let (outcome, times) = host.validate_timed(&code, &params, TimeoutKind::Backing);
    assert_eq!(
        outcome,
        ValidationOutcome::Invalid(InvalidReason::PoVTooLarge { size: 1001, max: 1000 })
    );
    assert_eq!(times, atoll_pvf::ExecutionTimes::default());
    let stats = host.stats();
    assert_eq!((stats.executions, stats.compilations), (0, 0), "{stats:?}");
    // Exactly at the limit it runs.
    params.block_data = BlockData(vec![0; 1000]);
    assert!(host.validate(&code, &params, TimeoutKind::Backing).is_valid());
}

#[test]
fn default_pov_limit_is_5_mib() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host(dir.path());
    let mut params = params_with_head(b"h");
    params.block_data = BlockData(vec![1; 5 * 1024 * 1024 + 1]);
    let reason = invalid(host.validate(&echo_runtime(), &params, TimeoutKind::Backing));
    assert_eq!(
        reason,
        InvalidReason::PoVTooLarge { size: 5 * 1024 * 1024 + 1, max: 5 * 1024 * 1024 }
    );
    assert_eq!(host.stats().executions, 0);
    // A 5 MiB PoV passes through the guest's allocator and is echoed.
    params.block_data = BlockData(vec![1; 5 * 1024 * 1024]);
    assert_eq!(
        host.validate(&echo_runtime(), &params, TimeoutKind::Backing),
        ValidationOutcome::Valid(echo_result(&params))
    );
}

#[test]
fn rejected_code_is_invalid_code_rejected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host(dir.path());
    let garbage = atoll_primitives::ValidationCode(b"definitely not wasm".to_vec());
    let reason = invalid(host.validate(&garbage, &params_with_head(b"h"), TimeoutKind::Backing));
    assert!(
        matches!(reason, InvalidReason::CodeRejected(PrepareError::InvalidWasm(_))),
        "{reason:?}"
    );
    assert_host_usable(&host);
}
