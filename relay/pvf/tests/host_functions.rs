//! The host functions' bodies over a plain byte slice (no Wasm), and sr25519 verification end
//! to end through a WAT fixture whose data segment holds signatures made by the test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests: a failed expectation is a failed test.

mod common;

use atoll_primitives::crypto::Pair;
use atoll_primitives::host_abi::EXTRINSIC_SIGNING_CONTEXT;
use atoll_primitives::{blake2_256, HeadData, Sr25519Public, Sr25519Signature, ValidationResult};
use atoll_pvf::host_functions::{
    ext_blake2_256, ext_log, ext_panic_message, ext_sr25519_batch_verify, ext_sr25519_verify,
    ext_storage_get, ext_storage_root, ext_storage_set, HostFnError, BATCH_VERIFY_CHUNK,
};
use atoll_pvf::{StorageHost, TimeoutKind, ValidationOutcome};
use common::*;
use parity_scale_codec::Encode;

type Batch = Vec<(Sr25519Public, Vec<u8>, Sr25519Signature)>;

fn batch(n: usize) -> Batch {
    let pairs: Vec<Pair> = ["Alice", "Bob", "Charlie"].iter().map(|n| Pair::dev(n)).collect();
    (0..n)
        .map(|i| {
            let pair = &pairs[i % pairs.len()];
            let msg = format!("transfer #{i}").into_bytes();
            (pair.public(), msg.clone(), pair.sign_extrinsic(&msg))
        })
        .collect()
}

/// A memory of `size` zero bytes with `data` at `at`.
fn memory_with(size: usize, at: usize, data: &[u8]) -> Vec<u8> {
    let mut memory = vec![0u8; size];
    memory[at..at + data.len()].copy_from_slice(data);
    memory
}

fn never() -> impl FnMut() -> bool {
    || false
}

#[test]
fn blake2_writes_the_digest_and_checks_both_ranges() {
    let mut memory = memory_with(256, 10, b"hello");
    ext_blake2_256(&mut memory, 10, 5, 100).expect("in bounds");
    assert_eq!(&memory[100..132], &blake2_256(b"hello"));
    // Output range ends one byte past memory.
    let error = ext_blake2_256(&mut memory, 10, 5, 225).expect_err("out of bounds");
    assert!(
        matches!(error, HostFnError::OutOfBounds { what: "out", ptr: 225, len: 32, .. }),
        "{error:?}"
    );
    // Data range past memory, and ptr + len overflowing 32 bits.
    assert!(ext_blake2_256(&mut memory, 200, 57, 0).is_err());
    assert!(ext_blake2_256(&mut memory, u32::MAX, u32::MAX, 0).is_err());
    // Empty data at the very end is fine.
    assert!(ext_blake2_256(&mut memory, 256, 0, 0).is_ok());
}

#[test]
fn sr25519_verify_accepts_good_and_refuses_bad_signatures() {
    let alice = Pair::dev("Alice");
    let msg = b"pay bob 10";
    let sig = alice.sign_extrinsic(msg);
    let mut memory = vec![0u8; 512];
    memory[0..64].copy_from_slice(&sig.0);
    memory[64..96].copy_from_slice(&alice.public().0);
    memory[100..100 + msg.len()].copy_from_slice(msg);
    let len = msg.len() as u32;
    assert_eq!(ext_sr25519_verify(&memory, 0, 100, len, 64), Ok(1));
    // Another message, another key, another context.
    assert_eq!(ext_sr25519_verify(&memory, 0, 100, len - 1, 64), Ok(0));
    memory[64..96].copy_from_slice(&Pair::dev("Bob").public().0);
    assert_eq!(ext_sr25519_verify(&memory, 0, 100, len, 64), Ok(0));
    memory[64..96].copy_from_slice(&alice.public().0);
    memory[0..64].copy_from_slice(&alice.sign(b"other context", msg).0);
    assert_eq!(ext_sr25519_verify(&memory, 0, 100, len, 64), Ok(0));
    // Garbage key bytes are just invalid.
    memory[64..96].copy_from_slice(&[0xff; 32]);
    assert_eq!(ext_sr25519_verify(&memory, 0, 100, len, 64), Ok(0));
    // Pointers out of bounds.
    assert!(matches!(
        ext_sr25519_verify(&memory, 500, 100, len, 64),
        Err(HostFnError::OutOfBounds { what: "signature", .. })
    ));
    assert!(matches!(
        ext_sr25519_verify(&memory, 0, 100, len, 490),
        Err(HostFnError::OutOfBounds { what: "public key", .. })
    ));
    assert!(matches!(
        ext_sr25519_verify(&memory, 0, 100, 1000, 64),
        Err(HostFnError::OutOfBounds { what: "message", .. })
    ));
}

#[test]
fn batch_verify_all_valid_one_bad_garbage_and_empty() {
    let items = batch(5);
    let encoded = items.encode();
    let memory = memory_with(encoded.len() + 64, 64, &encoded);
    let len = encoded.len() as u32;
    assert_eq!(ext_sr25519_batch_verify(&memory, 64, len, &mut never()), Ok(1));

    let mut tampered = items.clone();
    tampered[3].1.push(b'!');
    let encoded = tampered.encode();
    let memory = memory_with(encoded.len(), 0, &encoded);
    assert_eq!(ext_sr25519_batch_verify(&memory, 0, encoded.len() as u32, &mut never()), Ok(0));

    // Undecodable input (and trailing bytes) is 0, not an error.
    let memory = vec![0xffu8; 64];
    assert_eq!(ext_sr25519_batch_verify(&memory, 0, 64, &mut never()), Ok(0));
    let mut trailing = batch(1).encode();
    trailing.push(0);
    let memory = memory_with(trailing.len(), 0, &trailing);
    assert_eq!(ext_sr25519_batch_verify(&memory, 0, trailing.len() as u32, &mut never()), Ok(0));

    let empty = Batch::new().encode();
    assert_eq!(ext_sr25519_batch_verify(&empty, 0, empty.len() as u32, &mut never()), Ok(1));

    assert!(matches!(
        ext_sr25519_batch_verify(&empty, 0, 2, &mut never()),
        Err(HostFnError::OutOfBounds { what: "input", .. })
    ));
}

#[test]
fn batch_verify_works_in_chunks_and_stops_at_the_deadline() {
    let n = 2 * BATCH_VERIFY_CHUNK + 1;
    let encoded = batch(n).encode();
    let len = encoded.len() as u32;
    let mut looks = 0;
    let result = ext_sr25519_batch_verify(&encoded, 0, len, &mut || {
        looks += 1;
        false
    });
    assert_eq!(result, Ok(1));
    assert_eq!(looks, 3, "one look per chunk");

    // The deadline passes after the first chunk.
    let mut looks = 0;
    let result = ext_sr25519_batch_verify(&encoded, 0, len, &mut || {
        looks += 1;
        looks > 1
    });
    assert_eq!(result, Err(HostFnError::DeadlinePassed { function: "ext_sr25519_batch_verify" }));
}

#[test]
fn log_and_panic_messages_are_bounded_and_lossy() {
    let mut memory = memory_with(10_000, 0, b"hello \xff world");
    assert_eq!(ext_log(&memory, 3, 0, 13), Ok(()));
    assert_eq!(ext_log(&memory, 99, 0, 13), Ok(()), "unknown levels log at trace");
    assert!(ext_log(&memory, 1, 9_990, 11).is_err());
    assert_eq!(ext_panic_message(&memory, 0, 13).expect("message"), "hello \u{fffd} world");
    memory.fill(b'x');
    let message = ext_panic_message(&memory, 0, 10_000).expect("message");
    assert_eq!(message, format!("{} [... 5904 more bytes]", "x".repeat(4096)));
    assert!(ext_panic_message(&memory, 1, 10_000).is_err());
}

/// Counts calls so tests can see a misused call never reaches the storage.
#[derive(Default)]
struct Recording {
    calls: usize,
    value: Option<Vec<u8>>,
}

impl StorageHost for Recording {
    fn get(&mut self, _key: &[u8]) -> Result<Option<Vec<u8>>, String> {
        self.calls += 1;
        Ok(self.value.clone())
    }
    fn set(&mut self, _key: &[u8], value: &[u8]) -> Result<(), String> {
        self.calls += 1;
        self.value = Some(value.to_vec());
        Ok(())
    }
    fn clear(&mut self, _key: &[u8]) -> Result<(), String> {
        self.calls += 1;
        self.value = None;
        Ok(())
    }
    fn root(&mut self) -> Result<[u8; 32], String> {
        self.calls += 1;
        Ok([7u8; 32])
    }
}

#[test]
fn storage_bodies_check_pointers_before_calling_the_storage() {
    let mut storage = Recording::default();
    let mut memory = memory_with(128, 0, b"keyvalue!");
    assert_eq!(ext_storage_get(&mut memory, &mut storage, 0, 3, 64, 4), Ok(-1));
    ext_storage_set(&memory, &mut storage, 0, 3, 3, 6).expect("set");
    assert_eq!(ext_storage_get(&mut memory, &mut storage, 0, 3, 64, 4), Ok(6));
    assert_eq!(&memory[64..70], b"valu\0\0", "min(len, cap) bytes written");
    assert_eq!(
        ext_storage_get(&mut memory, &mut storage, 0, 3, 64, 0),
        Ok(6),
        "cap 0 asks the length"
    );
    let calls = storage.calls;
    assert!(ext_storage_get(&mut memory, &mut storage, 0, 3, 120, 16).is_err());
    assert!(ext_storage_root(&mut memory, &mut storage, 100).is_err());
    assert!(ext_storage_set(&memory, &mut storage, 0, 3, 100, 29).is_err());
    assert_eq!(storage.calls, calls, "no storage call for an out-of-bounds pointer");
    ext_storage_root(&mut memory, &mut storage, 96).expect("root");
    assert_eq!(&memory[96..128], &[7u8; 32]);
}

#[test]
fn batch_verify_inside_validation() {
    // The guest verifies a batch embedded in its data segment and returns the result byte as
    // its head: compact(1) = 0x04, the byte, then 11 zero bytes.
    let run = |items: &Batch| {
        let encoded = items.encode();
        let code = hostile_runtime(
            r#"(import "atoll" "ext_sr25519_batch_verify" (func $verify (param i32 i32) (result i32)))"#,
            &format!(r#"(data (i32.const 1024) "{}")"#, wat_bytes(&encoded)),
            &format!(
                "(i32.store8 (i32.const 16) (i32.const 4))
                 (i32.store8 (i32.const 17) (call $verify (i32.const 1024) (i32.const {})))
                 (i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const 13))",
                encoded.len()
            ),
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let host = host(dir.path());
        match host.validate(&code, &params_with_head(b"h"), TimeoutKind::Backing) {
            ValidationOutcome::Valid(ValidationResult { head_data: HeadData(head), .. }) => head,
            other => panic!("{other:?}"),
        }
    };
    let items = batch(4);
    assert_eq!(run(&items), vec![1]);
    let mut bad = items;
    bad[0].2 = Sr25519Signature([1u8; 64]);
    assert_eq!(run(&bad), vec![0]);
    // The context is the extrinsic one.
    assert_eq!(EXTRINSIC_SIGNING_CONTEXT, b"atoll-extrinsic");
}
