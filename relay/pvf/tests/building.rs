//! Block building: a WAT runtime using the storage host functions against a HashMap storage
//! host through `instantiate_for_building` and several calls on one instance.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests: a failed expectation is a failed test.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use atoll_primitives::blake2_256;
use atoll_pvf::{CallError, InternalError, InvalidReason, PrepareError, StorageHost};
use common::*;
use parity_scale_codec::Encode;

/// A storage host over a sorted map; its root is the blake2 of the map's encoding.
#[derive(Default, Debug)]
struct MapStorage {
    map: BTreeMap<Vec<u8>, Vec<u8>>,
    fail: bool,
}

impl MapStorage {
    fn root_of(map: &BTreeMap<Vec<u8>, Vec<u8>>) -> [u8; 32] {
        blake2_256(&map.iter().collect::<Vec<_>>().encode())
    }
    fn check(&self) -> Result<(), String> {
        if self.fail {
            Err("disk on fire".into())
        } else {
            Ok(())
        }
    }
}

impl StorageHost for MapStorage {
    fn get(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>, String> {
        self.check()?;
        Ok(self.map.get(key).cloned())
    }
    fn set(&mut self, key: &[u8], value: &[u8]) -> Result<(), String> {
        self.check()?;
        self.map.insert(key.to_vec(), value.to_vec());
        Ok(())
    }
    fn clear(&mut self, key: &[u8]) -> Result<(), String> {
        self.check()?;
        self.map.remove(key);
        Ok(())
    }
    fn root(&mut self) -> Result<[u8; 32], String> {
        self.check()?;
        Ok(MapStorage::root_of(&self.map))
    }
}

/// Exports: `put` (input: 4-byte key then value; returns the new root), `get` (input: key;
/// returns the i64 result of `ext_storage_get` then up to 8 value bytes), `clear` (input: key),
/// `counter` (a global incremented per call, as 4 bytes), `panic`, `spin` (never returns).
fn building_runtime() -> atoll_primitives::ValidationCode {
    code(&runtime_wat(
        r#"
  (import "atoll" "ext_storage_get" (func $get (param i32 i32 i32 i32) (result i64)))
  (import "atoll" "ext_storage_set" (func $set (param i32 i32 i32 i32)))
  (import "atoll" "ext_storage_clear" (func $clear (param i32 i32)))
  (import "atoll" "ext_storage_root" (func $root (param i32)))
  (import "atoll" "ext_panic" (func $panic (param i32 i32)))"#,
        r#"
  (global $counter (mut i32) (i32.const 0))
  (data (i32.const 32) "building panic")
  (func $pack (param $ptr i32) (param $len i32) (result i64)
    (i64.or (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32))
            (i64.extend_i32_u (local.get $len))))
  (func (export "put") (param $ptr i32) (param $len i32) (result i64)
    (local $out i32)
    (call $set (local.get $ptr) (i32.const 4)
               (i32.add (local.get $ptr) (i32.const 4)) (i32.sub (local.get $len) (i32.const 4)))
    (local.set $out (call $alloc (i32.const 32)))
    (call $root (local.get $out))
    (call $pack (local.get $out) (i32.const 32)))
  (func (export "get") (param $ptr i32) (param $len i32) (result i64)
    (local $out i32) (local $r i64) (local $n i32)
    (local.set $out (call $alloc (i32.const 16)))
    (local.set $r (call $get (local.get $ptr) (local.get $len)
                             (i32.add (local.get $out) (i32.const 8)) (i32.const 8)))
    (i64.store (local.get $out) (local.get $r))
    (local.set $n
      (if (result i32) (i64.lt_s (local.get $r) (i64.const 0))
        (then (i32.const 0))
        (else (if (result i32) (i64.gt_s (local.get $r) (i64.const 8))
          (then (i32.const 8))
          (else (i32.wrap_i64 (local.get $r)))))))
    (call $pack (local.get $out) (i32.add (i32.const 8) (local.get $n))))
  (func (export "clear") (param $ptr i32) (param $len i32) (result i64)
    (call $clear (local.get $ptr) (local.get $len))
    (i64.const 0))
  (func (export "counter") (param i32 i32) (result i64)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (i32.store (i32.const 0) (global.get $counter))
    (call $pack (i32.const 0) (i32.const 4)))
  (func (export "panic") (param i32 i32) (result i64)
    (call $panic (i32.const 32) (i32.const 14))
    unreachable)
  (func (export "spin") (param i32 i32) (result i64)
    (loop $l (br $l))
    unreachable)
  (func (export "not_an_entry_point") (param i32) (result i32) (local.get 0))
  (func (export "validate_block") (param i32 i32) (result i64) (i64.const 0))"#,
    ))
}

const T: Duration = Duration::from_secs(2);

fn get(instance: &mut atoll_pvf::RuntimeInstance<MapStorage>, key: &[u8]) -> (i64, Vec<u8>) {
    let out = instance.call("get", key, T).expect("get");
    let (len, value) = out.split_at(8);
    (i64::from_le_bytes(len.try_into().expect("8 bytes")), value.to_vec())
}

#[test]
fn several_calls_on_one_instance_use_the_storage_host() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host(dir.path());
    let mut instance = host
        .instantiate_for_building(&building_runtime(), MapStorage::default())
        .expect("instance");

    let root = instance.call("put", b"key1v1", T).expect("put");
    let mut expected = BTreeMap::new();
    expected.insert(b"key1".to_vec(), b"v1".to_vec());
    assert_eq!(root, MapStorage::root_of(&expected).to_vec());

    let root = instance.call("put", b"key2a value of 17", T).expect("put");
    expected.insert(b"key2".to_vec(), b"a value of 17".to_vec());
    assert_eq!(root, MapStorage::root_of(&expected).to_vec());

    assert_eq!(get(&mut instance, b"key1"), (2, b"v1".to_vec()));
    // Longer than the guest's buffer: the full length, the first 8 bytes.
    assert_eq!(get(&mut instance, b"key2"), (13, b"a value ".to_vec()));
    assert_eq!(get(&mut instance, b"none"), (-1, Vec::new()));

    instance.call("clear", b"key1", T).expect("clear");
    assert_eq!(get(&mut instance, b"key1"), (-1, Vec::new()));

    // Guest state persists between calls.
    assert_eq!(instance.call("counter", b"", T).expect("counter"), 1u32.to_le_bytes());
    assert_eq!(instance.call("counter", b"", T).expect("counter"), 2u32.to_le_bytes());

    instance.storage_mut().map.insert(b"host".to_vec(), b"side".to_vec());
    assert_eq!(get(&mut instance, b"host"), (4, b"side".to_vec()));
    assert_eq!(instance.storage().map.len(), 2);
    let storage = instance.into_storage();
    assert_eq!(storage.map.get(&b"key2"[..]), Some(&b"a value of 17".to_vec()));
    assert_eq!(host.stats().building_calls, 10);
}

#[test]
fn storage_host_error_is_internal_and_poisons() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host(dir.path());
    let mut instance = host
        .instantiate_for_building(
            &building_runtime(),
            MapStorage { fail: true, ..Default::default() },
        )
        .expect("instance");
    let error = instance.call("put", b"key1v1", T).expect_err("storage fails");
    assert_eq!(
        error,
        CallError::Internal(InternalError::StorageHost {
            function: "ext_storage_set",
            error: "disk on fire".into()
        })
    );
    assert!(instance.is_poisoned());
    assert_eq!(instance.call("counter", b"", T), Err(CallError::Poisoned { export: "put".into() }));
}

#[test]
fn runtime_panic_while_building_is_invalid() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host(dir.path());
    let mut instance = host
        .instantiate_for_building(&building_runtime(), MapStorage::default())
        .expect("instance");
    assert_eq!(
        instance.call("panic", b"", T),
        Err(CallError::Invalid(InvalidReason::RuntimePanic("building panic".into())))
    );
    assert!(instance.is_poisoned());
}

#[test]
fn missing_or_mistyped_export_does_not_poison() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host(dir.path());
    let mut instance = host
        .instantiate_for_building(&building_runtime(), MapStorage::default())
        .expect("instance");
    assert_eq!(
        instance.call("initialize_block", b"", T),
        Err(CallError::MissingExport { name: "initialize_block".into() })
    );
    assert_eq!(
        instance.call("not_an_entry_point", b"", T),
        Err(CallError::BadExportSignature { name: "not_an_entry_point".into() })
    );
    assert_eq!(instance.call("counter", b"", T).expect("still usable"), 1u32.to_le_bytes());
}

#[test]
fn building_call_times_out_even_after_the_host_is_dropped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host(dir.path());
    let mut instance = host
        .instantiate_for_building(&building_runtime(), MapStorage::default())
        .expect("instance");
    drop(host);
    assert_eq!(
        instance.call("spin", b"", Duration::from_millis(100)),
        Err(CallError::Timeout { export: "spin".into(), limit_ms: 100 })
    );
}

#[test]
fn rejected_code_cannot_be_instantiated() {
    let dir = tempfile::tempdir().expect("temp dir");
    let host = host(dir.path());
    let bad = code(&runtime_wat(r#"(import "env" "foo" (func))"#, ""));
    let error = host.instantiate_for_building(&bad, MapStorage::default()).expect_err("rejected");
    assert!(matches!(error, CallError::Prepare(PrepareError::UnknownImport { .. })), "{error:?}");
}
