//! The SDK's parts in isolation: typed storage, the transactional layer, events.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests stop loudly.

use atoll_primitives::{blake2_256, Sr25519Public};
use atoll_runtime_sdk::externalities::Transaction;
use atoll_runtime_sdk::testing::TestExternalities;
use atoll_runtime_sdk::{Externalities, StorageMap, StorageValue};
use parity_scale_codec::Encode;

const COUNTER: StorageValue<u64> = StorageValue::new(b"Test:Counter");
const OWNERS: StorageMap<u32, Sr25519Public> = StorageMap::new(b"Test:Owners");

/// Values and maps read back what was written, and map keys are prefix ++ hash ++ key.
#[test]
fn typed_storage_round_trips_and_keys_are_hashed_with_the_key_appended() {
    let mut ext = TestExternalities::empty();
    assert_eq!(COUNTER.get(&mut ext), None);
    assert_eq!(COUNTER.get_or_default(&mut ext), 0);
    COUNTER.put(&mut ext, &7);
    assert_eq!(COUNTER.get(&mut ext), Some(7));
    OWNERS.insert(&mut ext, &42, &Sr25519Public([9; 32]));
    assert_eq!(OWNERS.get(&mut ext, &42), Some(Sr25519Public([9; 32])));
    assert_eq!(OWNERS.get(&mut ext, &43), None);

    let key = OWNERS.storage_key(&42);
    let mut expected = b"Test:Owners".to_vec();
    expected.extend_from_slice(&blake2_256(&42u32.encode())[..16]);
    expected.extend_from_slice(&42u32.encode());
    assert_eq!(key, expected);

    let before = ext.committed_root();
    let after = ext.commit();
    assert_ne!(before, after, "writes change the root");
    OWNERS.remove(&mut ext, &42);
    COUNTER.kill(&mut ext);
    assert_eq!(ext.commit(), before, "removing everything returns to the empty root");
}

/// A transaction layer's writes are visible through it, applied by `commit`, and gone if it is
/// dropped.
#[test]
fn transaction_layer_commits_or_discards() {
    let mut ext = TestExternalities::empty();
    COUNTER.put(&mut ext, &1);
    {
        let mut tx = Transaction::new(&mut ext);
        COUNTER.put(&mut tx, &2);
        assert_eq!(COUNTER.get(&mut tx), Some(2));
        tx.append(b"Test:List", &5u8.encode());
    }
    assert_eq!(COUNTER.get(&mut ext), Some(1));
    assert_eq!(ext.get(b"Test:List"), None);
    {
        let mut tx = Transaction::new(&mut ext);
        COUNTER.put(&mut tx, &3);
        tx.append(b"Test:List", &5u8.encode());
        tx.append(b"Test:List", &6u8.encode());
        assert_eq!(tx.get(b"Test:List"), Some(vec![5u8, 6].encode()), "reads see pending appends");
        tx.commit();
    }
    {
        // Appends on top of an existing value, then a set that replaces them.
        let mut tx = Transaction::new(&mut ext);
        tx.append(b"Test:List", &7u8.encode());
        assert_eq!(tx.get(b"Test:List"), Some(vec![5u8, 6, 7].encode()));
        tx.commit();
    }
    assert_eq!(ext.get(b"Test:List"), Some(vec![5u8, 6, 7].encode()));
    {
        let mut tx = Transaction::new(&mut ext);
        tx.append(b"Test:List", &8u8.encode());
        tx.set(b"Test:List", &vec![1u8].encode());
        tx.append(b"Test:List", &2u8.encode());
        tx.commit();
    }
    assert_eq!(COUNTER.get(&mut ext), Some(3));
    assert_eq!(ext.get(b"Test:List"), Some(vec![1u8, 2].encode()));
}

/// A value that does not decode is corrupt state: the runtime stops with a message naming the
/// key.
#[test]
fn corrupt_value_stops_with_the_key() {
    let mut ext = TestExternalities::empty();
    ext.set(b"Test:Counter", &[1, 2]);
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| COUNTER.get(&mut ext)))
        .expect_err("decoding two bytes as u64 must fail");
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("corrupt state") && msg.contains(&hex(b"Test:Counter")), "{msg}");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
