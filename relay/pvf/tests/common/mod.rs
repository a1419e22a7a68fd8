//! WAT fixtures shared by the integration tests: tiny runtimes following the host ABI (a bump
//! allocator `atoll_alloc`, a `memory` export) with a `validate_block` chosen per test.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Test support: each test binary uses a subset; a failed expectation is a failed test.

use std::path::Path;
use std::time::Duration;

use atoll_primitives::{
    BlockData, BlockNumber, Hash, HeadData, ValidationCode, ValidationParams, ValidationResult,
};
use atoll_pvf::{ExecutorParams, PvfConfig, PvfHost, ValidationOutcome};
use parity_scale_codec::Encode;

/// A module with the ABI's memory and bump allocator (heap from 64 KiB up), `imports` first and
/// `items` (functions, data, exports) after.
pub fn runtime_wat(imports: &str, items: &str) -> String {
    format!(
        r#"(module
  {imports}
  (memory (export "memory") 2)
  (global $next (mut i32) (i32.const 65536))
  (func $alloc (export "atoll_alloc") (param $len i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $next))
    (global.set $next
      (i32.and (i32.add (i32.add (local.get $p) (local.get $len)) (i32.const 7)) (i32.const -8)))
    (block $done
      (loop $grow
        (br_if $done
          (i32.le_u (global.get $next) (i32.mul (memory.size) (i32.const 65536))))
        (if (i32.eq (memory.grow (i32.const 1)) (i32.const -1)) (then unreachable))
        (br $grow)))
    (local.get $p))
  {items}
)"#
    )
}

/// Compiles WAT text to a validation code.
pub fn code(wat: &str) -> ValidationCode {
    ValidationCode(wat::parse_str(wat).expect("fixture WAT parses"))
}

/// `bytes` as a WAT string literal.
pub fn wat_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\{b:02x}")).collect()
}

/// The valid runtime: `validate_block` returns a `ValidationResult` whose head data is the
/// parent head (parsed from the SCALE input; compact lengths below 16384), no new code, no
/// messages, zero counters.
pub fn echo_runtime() -> ValidationCode {
    code(&runtime_wat(
        "",
        r#"
  (func (export "validate_block") (param $ptr i32) (param $len i32) (result i64)
    (local $b i32) (local $prefix i32) (local $hlen i32) (local $total i32) (local $out i32)
    (local.set $b (i32.load8_u (local.get $ptr)))
    (if (i32.eqz (i32.and (local.get $b) (i32.const 3)))
      (then
        (local.set $prefix (i32.const 1))
        (local.set $hlen (i32.shr_u (local.get $b) (i32.const 2))))
      (else
        (if (i32.eq (i32.and (local.get $b) (i32.const 3)) (i32.const 1))
          (then
            (local.set $prefix (i32.const 2))
            (local.set $hlen (i32.shr_u (i32.load16_u (local.get $ptr)) (i32.const 2))))
          (else unreachable))))
    ;; The encoded head (prefix + bytes), then None, [], [], 0u32, 0u32.
    (local.set $total (i32.add (i32.add (local.get $prefix) (local.get $hlen)) (i32.const 11)))
    (local.set $out (call $alloc (local.get $total)))
    (memory.copy (local.get $out) (local.get $ptr) (i32.add (local.get $prefix) (local.get $hlen)))
    (memory.fill
      (i32.add (local.get $out) (i32.add (local.get $prefix) (local.get $hlen)))
      (i32.const 0)
      (i32.const 11))
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $out)) (i64.const 32))
      (i64.extend_i32_u (local.get $total))))
"#,
    ))
}

/// A runtime whose `validate_block` returns `output` (placed in a data segment at offset 16).
pub fn fixed_output_runtime(output: &[u8]) -> ValidationCode {
    assert!(output.len() < 60_000, "fits below the heap");
    code(&runtime_wat(
        "",
        &format!(
            r#"
  (data (i32.const 16) "{data}")
  (func (export "validate_block") (param i32 i32) (result i64)
    (i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const {len})))
"#,
            data = wat_bytes(output),
            len = output.len()
        ),
    ))
}

/// A runtime whose `validate_block` has body `body` (which must leave an i64 or diverge), with
/// `imports` and extra `items`.
pub fn hostile_runtime(imports: &str, items: &str, body: &str) -> ValidationCode {
    code(&runtime_wat(
        imports,
        &format!(
            r#"
  {items}
  (func (export "validate_block") (param $ptr i32) (param $len i32) (result i64)
    {body})
"#
        ),
    ))
}

/// Validation params with a recognisable parent head.
pub fn params_with_head(head: &[u8]) -> ValidationParams {
    ValidationParams {
        parent_head: HeadData(head.to_vec()),
        block_data: BlockData(b"block data".to_vec()),
        relay_parent_number: BlockNumber(7),
        relay_parent_storage_root: Hash([9u8; 32]),
    }
}

/// What the echo runtime returns for `params`.
pub fn echo_result(params: &ValidationParams) -> ValidationResult {
    ValidationResult { head_data: params.parent_head.clone(), ..Default::default() }
}

/// Sends the crate's logs to the test output (filtered by `RUST_LOG`, e.g. `RUST_LOG=pvf=debug`).
pub fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

/// A host over `dir` with `params`.
pub fn host_with(dir: &Path, params: ExecutorParams) -> PvfHost {
    init_logs();
    PvfHost::new(PvfConfig { cache_dir: dir.to_path_buf(), params }).expect("host starts")
}

/// A host over `dir` with the default params.
pub fn host(dir: &Path) -> PvfHost {
    host_with(dir, ExecutorParams::default())
}

/// Asserts the echo runtime validates on `host` ("the host stays usable").
pub fn assert_host_usable(host: &PvfHost) {
    let params = params_with_head(b"still usable");
    let outcome = host.validate(&echo_runtime(), &params, atoll_pvf::TimeoutKind::Backing);
    assert_eq!(outcome, ValidationOutcome::Valid(echo_result(&params)));
}

/// A params set with a short backing timeout, for tests that hit it.
pub fn short_timeout_params(backing: Duration) -> ExecutorParams {
    ExecutorParams { backing_timeout: backing, ..ExecutorParams::default() }
}

/// The encoding of `result`.
pub fn encoded(result: &ValidationResult) -> Vec<u8> {
    result.encode()
}
