//! The epoch ticker thread ends with its host: many hosts created and dropped leave no thread
//! behind. One test in its own binary, so no other test's threads disturb the count.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests: a failed expectation is a failed test.

mod common;

use common::*;

fn thread_count() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("procfs");
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("a Threads: line")
}

#[test]
fn dropped_hosts_and_instances_leave_no_thread_behind() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Warm up once (wasmtime's and the test harness's own lazily started threads).
    assert_host_usable(&host(dir.path()));
    // The warm-up's compilation thread exits right after sending its result: let it go.
    std::thread::sleep(std::time::Duration::from_millis(200));
    let before = thread_count();
    for _ in 0..50 {
        let host = host(dir.path());
        assert_host_usable(&host);
    }
    assert_eq!(thread_count(), before, "a host's ticker outlived it");

    // An instance keeps the ticker alive after its host is dropped; dropping it ends the thread.
    struct NoState;
    impl atoll_pvf::StorageHost for NoState {
        fn get(&mut self, _: &[u8]) -> Result<Option<Vec<u8>>, String> {
            Ok(None)
        }
        fn set(&mut self, _: &[u8], _: &[u8]) -> Result<(), String> {
            Ok(())
        }
        fn clear(&mut self, _: &[u8]) -> Result<(), String> {
            Ok(())
        }
        fn root(&mut self) -> Result<[u8; 32], String> {
            Ok([0; 32])
        }
    }
    let host = host(dir.path());
    let instance = host.instantiate_for_building(&echo_runtime(), NoState).expect("instance");
    drop(host);
    assert_eq!(thread_count(), before + 1, "the instance keeps the ticker");
    drop(instance);
    assert_eq!(thread_count(), before);
}
