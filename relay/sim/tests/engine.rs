//! The simulator engine with a toy gossip node: determinism, latency, loss, partitions,
//! crashes that lose unflushed writes, restarts from the store.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests stop loudly.

use atoll_sim::{Ctx, LinkProfile, NodeId, SimConfig, SimNode, Simulation};
use rand::Rng;

/// Every second each node gossips a counter; nodes keep the highest counter seen and persist
/// it (flushing every other update).
struct Gossip {
    best: u64,
    received: u64,
    updates: u64,
}

impl Gossip {
    fn from_store(store: &atoll_sim::SimStore) -> Self {
        let best =
            store.get(b"best").map(|v| u64::from_le_bytes(v.try_into().unwrap())).unwrap_or(0);
        Gossip { best, received: 0, updates: 0 }
    }

    fn update(&mut self, ctx: &mut Ctx<'_, u64>, value: u64) {
        if value > self.best {
            self.best = value;
            self.updates += 1;
            ctx.store().write_batch([(b"best".to_vec(), Some(value.to_le_bytes().to_vec()))]);
            if self.updates.is_multiple_of(2) {
                ctx.store().flush();
            }
            ctx.note(("best", value));
        }
    }
}

impl SimNode for Gossip {
    type Message = u64;

    fn on_start(&mut self, ctx: &mut Ctx<'_, u64>) {
        let at = ctx.now_ms() + 1_000;
        ctx.set_timer(at, 0);
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, u64>, _from: NodeId, msg: &u64) {
        self.received += 1;
        self.update(ctx, *msg);
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, u64>, _timer: u64) {
        let bump: u64 = ctx.rng().gen_range(1..10);
        let next = self.best + bump;
        self.update(ctx, next);
        ctx.broadcast(next);
        let at = ctx.now_ms() + 1_000;
        ctx.set_timer(at, 0);
    }
}

fn sim(seed: u64, n: u32, link: LinkProfile) -> Simulation<Gossip> {
    let nodes = (0..n).map(|_| Gossip { best: 0, received: 0, updates: 0 }).collect();
    Simulation::new(SimConfig { seed, link, log_tail: 16 }, nodes)
}

/// The same seed gives the same event log hash; another seed a different one.
#[test]
fn same_seed_same_event_hash() {
    let run = |seed| {
        let mut s =
            sim(seed, 5, LinkProfile { base_latency_ms: 20, jitter_ms: 80, loss_ppm: 50_000 });
        s.run_until(30_000);
        (s.log().hash(), s.log().len())
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7).0, run(8).0);
}

/// Messages arrive after base latency plus jitter, and loss drops about the configured share.
#[test]
fn latency_and_loss_are_applied() {
    let mut s = sim(1, 10, LinkProfile { base_latency_ms: 100, jitter_ms: 0, loss_ppm: 200_000 });
    s.run_until(1_099);
    assert_eq!(s.node(NodeId(0)).unwrap().received, 0, "nothing before 1000 + 100 ms");
    s.run_until(60_000);
    let (delivered, dropped) = s.message_counts();
    let share = dropped as f64 / (delivered + dropped) as f64;
    assert!((0.15..0.25).contains(&share), "loss share {share}");
}

/// A partition stops messages across it; healing restores them.
#[test]
fn partition_isolates_and_heal_restores() {
    let mut s = sim(3, 4, LinkProfile { base_latency_ms: 10, jitter_ms: 0, loss_ppm: 0 });
    s.network_mut().partition(&[vec![NodeId(0), NodeId(1)], vec![NodeId(2), NodeId(3)]]);
    s.run_until(10_000);
    let received_0 = s.node(NodeId(0)).unwrap().received;
    assert_eq!(received_0, 9, "only node 1's nine broadcasts reach node 0");
    s.network_mut().heal();
    s.run_until(20_000);
    // Node 1's broadcast of t=10 s lands at 10.01 s; then nine rounds (11..19 s) from all three.
    assert_eq!(s.node(NodeId(0)).unwrap().received, 9 + 1 + 9 * 3);
}

/// A crash loses the unflushed write; the restarted node resumes from the flushed value, and
/// timers set before the crash never fire.
#[test]
fn crash_loses_unflushed_writes_and_restart_resumes_from_store() {
    let mut s = sim(5, 1, LinkProfile::default());
    s.run_until(3_500); // three updates: the second flushed, the third not
    let best = s.node(NodeId(0)).unwrap().best;
    let lost = s.crash(NodeId(0));
    assert_eq!(lost, 1);
    let durable = s.store(NodeId(0)).unwrap().get(b"best").unwrap();
    assert!(u64::from_le_bytes(durable.try_into().unwrap()) < best);
    s.run_until(10_000);
    assert!(s.node(NodeId(0)).is_none(), "down until restarted");
    s.restart(NodeId(0), Gossip::from_store);
    let restored = s.node(NodeId(0)).unwrap().best;
    assert!(restored < best && restored > 0);
    s.run_until(12_100);
    assert_eq!(s.node(NodeId(0)).unwrap().updates, 2, "timers restarted from on_start");
}
