#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
use atoll_sim::relay_net::{RelayNet, RelayNetConfig};
use atoll_sim::NodeId;

#[test]
fn smoke() {
    atoll_primitives::crypto::verification_cache::enable(1 << 20);
    let t = std::time::Instant::now();
    let mut net = RelayNet::new(&RelayNetConfig::new(10, 1));
    net.run_slots(30);
    for id in net.up() {
        let (best, fin) = net.heads(id).unwrap();
        eprintln!("{id}: best #{} finalized #{}", best.1, fin.1);
    }
    let v = net.check_invariants();
    eprintln!("violations {v:?} wall {:?} msgs {:?}", t.elapsed(), net.sim().message_counts());
    let r = net.sim().node(NodeId(0)).unwrap().events().iter().filter(|e| matches!(e.event, atoll_node_core::NodeEvent::Rejected{..})).take(5).cloned().collect::<Vec<_>>();
    eprintln!("{r:?}");
}
