//! Whole-network scenarios of the relay chain core in the simulator (issue: relay chain core).
//! Each runs over [`SEEDS`] seeds and checks the invariants of
//! [`RelayNet::check_invariants`] after every run; each also runs twice on one seed and
//! compares the event log hashes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests stop loudly.

use atoll_node_core::{NetworkMessage, NodeEvent};
use atoll_primitives::relay::{RelayHeader, Slot};
use atoll_primitives::{BlockNumber, Hash};
use atoll_relay_chain::{offences, OffenceKind, RelayBlock};
use atoll_sim::relay_net::{validator_pair, RelayNet, RelayNetConfig};
use atoll_sim::relay_node::Behaviour;
use atoll_sim::NodeId;

/// Seeds per scenario in the default test run.
const SEEDS: u64 = 20;

fn net(validators: usize, seed: u64) -> RelayNet {
    atoll_primitives::crypto::verification_cache::enable(1 << 20);
    RelayNet::new(&RelayNetConfig::new(validators, seed))
}

fn assert_invariants(net: &mut RelayNet, scenario: &str, seed: u64) {
    let violations = net.check_invariants();
    assert!(violations.is_empty(), "{scenario}, seed {seed}: {violations:#?}");
}

fn finalized(net: &RelayNet, id: u32) -> BlockNumber {
    net.heads(NodeId(id)).map(|(_, f)| f.1).unwrap_or_default()
}

fn min_finalized(net: &RelayNet) -> BlockNumber {
    net.up().iter().map(|id| finalized(net, id.0)).min().unwrap_or_default()
}

/// Runs `scenario` for every seed, then once more on seed 0 and compares event log hashes.
/// Every running node's best block is at or above its finalized block, on its chain.
fn assert_best_on_finalized_chain(net: &RelayNet, seed: u64) {
    for id in net.up() {
        let node = net.sim().node(id).unwrap().node();
        let (fin_hash, fin_n) = node.finalized();
        assert!(node.best().1 >= fin_n, "seed {seed}: {id}'s best is below finality");
        let mut cursor = node.best().0;
        while let Some(h) = node.header(&cursor) {
            if h.number <= fin_n {
                break;
            }
            cursor = h.parent_hash;
        }
        assert_eq!(cursor, fin_hash, "seed {seed}: {id}'s best is not on its finalized chain");
    }
}

fn over_seeds(name: &str, scenario: impl Fn(u64) -> RelayNet) {
    let mut first = None;
    for seed in 0..SEEDS {
        let mut net = scenario(seed);
        assert_invariants(&mut net, name, seed);
        if seed == 0 {
            first = Some(net.log_hash());
        }
    }
    let again = scenario(0).log_hash();
    assert_eq!(first, Some(again), "{name}: the same seed must give the same event log hash");
}

/// Healthy network, 10 validators, 1 s slots: a block nearly every slot, and every block
/// finalized within 3 slots of being authored.
#[test]
fn healthy_network_produces_a_block_nearly_every_slot_and_finalizes_within_3_slots() {
    over_seeds("healthy", |seed| {
        let mut net = net(10, seed);
        net.run_slots(40);
        let (best, fin) = net.heads(NodeId(0)).unwrap();
        assert!(best.1 .0 >= 34, "seed {seed}: only {} blocks in 40 slots", best.1);
        // Lag: authored time of each canonical block vs the first time node 0 finalized it.
        let reports = net.all_reports();
        let authored: std::collections::BTreeMap<Hash, u64> = reports
            .iter()
            .filter_map(|(_, r)| match r.event {
                NodeEvent::Authored { hash, .. } => Some((hash, r.at_ms)),
                _ => None,
            })
            .collect();
        let node0 = net.sim().node(NodeId(0)).unwrap();
        let finals: Vec<(u64, BlockNumber)> = node0
            .events()
            .iter()
            .filter_map(|r| match r.event {
                NodeEvent::Finalized { number, .. } => Some((r.at_ms, number)),
                _ => None,
            })
            .collect();
        let mut cursor = fin.0;
        let mut checked = 0;
        while let Some(h) = node0.node().header(&cursor) {
            if h.number.0 == 0 {
                break;
            }
            let at = authored[&cursor];
            let done = finals.iter().find(|(_, n)| *n >= h.number).map(|(t, _)| *t).unwrap();
            assert!(
                done - at <= 3 * net.slot_ms(),
                "seed {seed}: block #{} authored at {at} ms finalized at {done} ms",
                h.number.0
            );
            checked += 1;
            cursor = h.parent_hash;
        }
        assert!(checked >= 30, "seed {seed}: only {checked} finalized blocks");
        net
    });
}

/// ⌊(n−1)/3⌋ = 3 of 10 validators fail for good (two crash, one turns silent): blocks keep
/// being produced and finalized.
#[test]
fn f_validators_offline_blocks_still_produced_and_finalized() {
    over_seeds("f offline", |seed| {
        let mut net = net(10, seed);
        net.run_slots(5);
        net.crash(NodeId(1));
        net.crash(NodeId(4));
        net.set_behaviour(NodeId(8), Behaviour::Silent);
        let before = min_finalized(&net);
        net.run_slots(35);
        let after = min_finalized(&net);
        assert!(after.0 >= before.0 + 20, "seed {seed}: finalized {before} -> {after}");
        net
    });
}

/// 4 of 10 offline (more than a third): finality stops without ever conflicting, blocks keep
/// coming, and finality resumes once they return.
#[test]
fn more_than_a_third_offline_finality_stops_then_resumes() {
    over_seeds("f+1 offline", |seed| {
        let mut net = net(10, seed);
        net.run_slots(10);
        let down = [0, 3, 6, 9];
        for id in down {
            net.crash(NodeId(id));
        }
        net.run_slots(2);
        let stalled_at = finalized(&net, 1);
        let best_before = net.heads(NodeId(1)).unwrap().0 .1;
        net.run_slots(15);
        assert!(
            finalized(&net, 1) <= BlockNumber(stalled_at.0 + 1),
            "seed {seed}: finality went on"
        );
        assert!(
            net.heads(NodeId(1)).unwrap().0 .1 .0 >= best_before.0 + 8,
            "seed {seed}: no blocks"
        );
        for id in down {
            net.restart(NodeId(id));
        }
        net.run_slots(25);
        let best = net.heads(NodeId(1)).unwrap().0 .1;
        let fin = min_finalized(&net);
        assert!(fin.0 + 4 >= best.0, "seed {seed}: finality did not resume: {fin} of {best}");
        net
    });
}

/// A 5/5 partition for 30 slots: neither side finalizes, no conflicting finality; after it
/// heals finality resumes and every node's best chain builds on the finalized block.
#[test]
fn partition_heals_and_finality_resumes() {
    over_seeds("partition", |seed| {
        let mut net = net(10, seed);
        net.run_slots(5);
        let sides = [(0..5).map(NodeId).collect::<Vec<_>>(), (5..10).map(NodeId).collect()];
        net.sim_mut().network_mut().partition(&sides);
        net.run_slots(2);
        let at_split = min_finalized(&net);
        net.run_slots(28);
        let max_fin = net.up().iter().map(|id| finalized(&net, id.0)).max().unwrap();
        assert!(max_fin.0 <= at_split.0 + 1, "seed {seed}: a half finalized alone");
        net.sim_mut().network_mut().heal();
        net.run_slots(25);
        let fin = min_finalized(&net);
        assert!(
            fin.0 >= at_split.0 + 15,
            "seed {seed}: finality did not resume ({at_split} -> {fin})"
        );
        assert_best_on_finalized_chain(&net, seed);
        net
    });
}

/// An equivocating author and an equivocating finality voter are detected, and the evidence
/// lands in chain state as offences; the honest majority keeps finalizing.
#[test]
fn equivocating_author_and_voter_are_detected_and_recorded_on_chain() {
    over_seeds("equivocation", |seed| {
        let mut net = net(10, seed);
        net.set_behaviour(NodeId(3), Behaviour::EquivocatingAuthor);
        net.set_behaviour(NodeId(7), Behaviour::EquivocatingVoter);
        net.run_slots(40);
        let reports = net.all_reports();
        let detected = |kind: &str| {
            reports.iter().any(|(_, r)| {
                matches!(&r.event, NodeEvent::EquivocationDetected { kind: k, .. } if *k == kind)
            })
        };
        assert!(detected("author"), "seed {seed}: author equivocation not detected");
        assert!(detected("vote"), "seed {seed}: vote equivocation not detected");
        let node = net.sim().node(NodeId(0)).unwrap().node();
        let root = node.header(&node.finalized().0).unwrap().state_root;
        let recorded = offences(node.db(), &root).unwrap();
        let has = |who: usize, kind: OffenceKind| {
            recorded.iter().any(|o| o.offender == validator_pair(who).public() && o.kind == kind)
        };
        assert!(has(3, OffenceKind::AuthorEquivocation), "seed {seed}: {recorded:?}");
        assert!(has(7, OffenceKind::VoteEquivocation), "seed {seed}: {recorded:?}");
        assert!(min_finalized(&net).0 >= 25, "seed {seed}: finality stalled");
        net
    });
}

/// A validator crashes mid-run, losing its unflushed writes, restarts from its store and
/// catches up to the finalized head.
#[test]
fn crashed_validator_restarts_from_its_store_and_catches_up() {
    over_seeds("crash/restart", |seed| {
        let mut net = net(10, seed);
        net.run_slots(12);
        net.sim_mut().run_for(seed * 37 % 1_000); // crash at a seed-dependent instant
        net.crash(NodeId(2));
        net.run_slots(8);
        net.restart(NodeId(2));
        net.run_slots(20);
        let others = finalized(&net, 5);
        let mine = finalized(&net, 2);
        assert!(
            mine.0 + 2 >= others.0,
            "seed {seed}: restarted node at {mine}, others at {others}"
        );
        assert!(mine.0 >= 30, "seed {seed}: finalized only {mine}");
        net
    });
}

/// Crafts one block per kind of fault on top of the current best block of node 0.
fn bad_blocks(net: &RelayNet) -> Vec<(&'static str, RelayBlock)> {
    let node = net.sim().node(NodeId(0)).unwrap().node();
    let parent: RelayHeader = node.header(&node.best().0).unwrap().clone();
    let mut db = node.db().clone();
    let slot = Slot(net.slot() + 1);
    let epoch = atoll_relay_chain::epoch_for_child(&db, &parent, slot).unwrap();
    let author_index = epoch.secondary_author(slot).unwrap().0 as usize;
    let author = validator_pair(author_index);
    let good = |db: &mut atoll_trie::StateDb, slot: Slot| {
        atoll_relay_chain::testing::author_block(db, &parent, slot, &author, Vec::new()).unwrap().0
    };
    let reseal = |mut b: RelayBlock, pair: &atoll_primitives::crypto::Pair| {
        atoll_consensus::seal(&mut b.header, pair);
        b
    };
    let mut out = Vec::new();
    // Wrong author: a non-author seals a (secondary) claim in the author's name.
    let impostor = validator_pair((author_index + 1) % 10);
    let mut wrong = good(&mut db, slot);
    wrong.header.pre_digest.author =
        atoll_primitives::ValidatorIndex(((author_index + 1) % 10) as u32);
    out.push(("wrong author", reseal(wrong, &impostor)));
    let mut bad_vrf = good(&mut db, slot);
    bad_vrf.header.pre_digest.vrf_proof[5] ^= 1;
    out.push(("bad VRF", reseal(bad_vrf, &author)));
    let mut bad_seal = good(&mut db, slot);
    bad_seal.header.seal.0[3] ^= 1;
    out.push(("bad seal", bad_seal));
    let mut bad_root = good(&mut db, slot);
    bad_root.header.state_root.0[0] ^= 1;
    out.push(("bad state root", reseal(bad_root, &author)));
    let future = Slot(slot.0 + 10);
    let future_author = validator_pair(epoch.secondary_author(future).unwrap().0 as usize);
    let mut f = atoll_relay_chain::testing::author_block(
        &mut db,
        &parent,
        future,
        &future_author,
        Vec::new(),
    )
    .unwrap()
    .0;
    f = reseal(f, &future_author);
    out.push(("future slot", f));
    let mut orphan = good(&mut db, slot);
    orphan.header.parent_hash = Hash([0xab; 32]);
    out.push(("unknown parent", reseal(orphan, &author)));
    out
}

/// Bad blocks (wrong author, bad VRF proof, bad seal, bad state root, future slot, unknown
/// parent) are rejected with a reason, and the peer that sent them is penalised.
#[test]
fn bad_blocks_are_rejected_with_a_reason_and_the_sender_reported() {
    over_seeds("bad blocks", |seed| {
        let mut net = net(10, seed);
        net.run_slots(6);
        let sender = NodeId(9);
        let blocks = bad_blocks(&net);
        for (_, block) in &blocks {
            net.sim_mut().inject(sender, NodeId(0), NetworkMessage::Block(block.clone()), 10);
        }
        net.run_slots(10);
        let n0 = net.sim().node(NodeId(0)).unwrap();
        for (kind, block) in &blocks {
            let hash = block.hash();
            let reason = n0
                .events()
                .iter()
                .find_map(|r| match &r.event {
                    NodeEvent::Rejected { hash: h, reason, .. } if *h == hash => {
                        Some(reason.clone())
                    }
                    _ => None,
                })
                .unwrap_or_else(|| panic!("seed {seed}: {kind} block not rejected"));
            let expected = match *kind {
                "wrong author" => "secondary",
                "bad VRF" => "VRF",
                "bad seal" => "seal",
                "bad state root" => "state root",
                "future slot" => "future",
                _ => "unknown parent",
            };
            assert!(
                reason.to_lowercase().contains(&expected.to_lowercase()),
                "seed {seed}: {kind}: reason {reason:?}"
            );
            assert!(
                n0.penalties()
                    .iter()
                    .any(|(_, p, why)| p.0 == 9 && why.contains(&hash.to_string())),
                "seed {seed}: {kind}: sender not penalised"
            );
        }
        assert!(min_finalized(&net).0 >= 12, "seed {seed}: the honest chain kept finalizing");
        net
    });
}

/// Sessions of 10 slots: finality hands over to each new voter set (also when two forks each
/// start the session with their own block) and keeps up with the chain.
#[test]
fn finality_hands_over_at_every_session_change() {
    over_seeds("session changes", |seed| {
        atoll_primitives::crypto::verification_cache::enable(1 << 20);
        let mut config = RelayNetConfig::new(10, seed);
        config.session_length = 10;
        let mut net = RelayNet::new(&config);
        net.run_slots(60);
        for id in net.up() {
            let node = net.sim().node(id).unwrap().node();
            assert!(
                node.voter_set_id().0 >= 4,
                "seed {seed}: {id} still in set {}",
                node.voter_set_id()
            );
        }
        assert!(min_finalized(&net).0 >= 52, "seed {seed}: finalized {}", min_finalized(&net));
        net
    });
}

/// Two validators split from the very first slot each build their own chain from genesis;
/// when they meet, finality picks one branch and the node whose best block was on the other
/// moves its best chain onto the finalized branch (it used to keep authoring on a pruned fork,
/// every block refused as "not insertable in the fork tree").
#[test]
fn best_block_on_a_fork_that_finality_pruned_moves_to_the_finalized_branch() {
    over_seeds("forked from genesis", |seed| {
        let mut net = net(2, seed);
        let sides = [vec![NodeId(0)], vec![NodeId(1)]];
        net.sim_mut().network_mut().partition(&sides);
        net.run_slots(4);
        net.sim_mut().network_mut().heal();
        net.run_slots(20);
        let fin = min_finalized(&net);
        assert!(fin.0 >= 8, "seed {seed}: finality did not advance after the fork ({fin})");
        assert_best_on_finalized_chain(&net, seed);
        net
    });
}

/// Two validators (finality needs both): one crashes, losing its unflushed writes, and comes
/// back from its store two slots later; finality resumes. (Found by zombienet's small network:
/// both nodes stalled at the last block finalized before the restart.)
#[test]
fn one_of_two_validators_restarts_and_finality_resumes() {
    over_seeds("2 validators, restart", |seed| {
        let mut net = net(2, seed);
        net.run_slots(8);
        net.sim_mut().run_for(seed * 53 % 1_000);
        net.crash(NodeId(1));
        net.run_slots(2);
        net.restart(NodeId(1));
        net.run_slots(20);
        let best = net.heads(NodeId(0)).unwrap().0 .1;
        let fin = min_finalized(&net);
        assert!(fin.0 + 4 >= best.0, "seed {seed}: finality did not resume: {fin} of {best}");
        net
    });
}
