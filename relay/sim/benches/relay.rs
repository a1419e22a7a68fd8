//! `cargo bench -p atoll-sim`: the simulator's own speed on the relay chain core: 100
//! validators for 1,000 slots of 1 s (block production, import with full re-execution on every
//! node, GRANDPA-like finality over full-broadcast gossip). Prints a table and `BENCH` lines.

#![allow(clippy::disallowed_methods)] // A benchmark measures wall-clock time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::time::Instant;

use atoll_sim::relay_net::{RelayNet, RelayNetConfig};
use atoll_sim::NodeId;

fn main() {
    let validators: usize =
        std::env::var("ATOLL_BENCH_VALIDATORS").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    let slots: u64 =
        std::env::var("ATOLL_BENCH_SLOTS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000);
    atoll_primitives::crypto::verification_cache::enable(1 << 22);
    let mut config = RelayNetConfig::new(validators, 42);
    config.session_length = 100;
    let mut net = RelayNet::new(&config);
    let started = Instant::now();
    net.run_slots(slots);
    let wall = started.elapsed().as_secs_f64();
    let virtual_s = (slots * net.slot_ms()) as f64 / 1_000.0;
    let (best, fin) = net.heads(NodeId(0)).unwrap();
    let (delivered, dropped) = net.sim().message_counts();
    println!("relay simulator: {validators} validators, {slots} slots of {} ms", net.slot_ms());
    println!("{:<36} {:>12}", "virtual time (s)", virtual_s);
    println!("{:<36} {:>12.2}", "wall time (s)", wall);
    println!("{:<36} {:>12.1}", "speed-up (virtual s / wall s)", virtual_s / wall);
    println!("{:<36} {:>12}", "best block", best.1 .0);
    println!("{:<36} {:>12}", "finalized block", fin.1 .0);
    println!("{:<36} {:>12}", "messages delivered", delivered);
    println!("{:<36} {:>12}", "messages dropped", dropped);
    println!("BENCH sim.relay_100v_speedup {:.1} ratio", virtual_s / wall);
    println!("BENCH sim.relay_100v_wall_s {wall:.2} s");
}
