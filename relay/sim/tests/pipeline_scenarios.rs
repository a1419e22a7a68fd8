//! Whole-pipeline scenarios in the simulator (issue: parachain validation pipeline): 10
//! validators, 3 token-chain parachains executed in wasmtime, each scenario over [`SEEDS`]
//! seeds with the invariants of [`ParaNet::check_invariants`] checked after every run, and a
//! same-seed determinism check (equal event log hashes).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests stop loudly.

use std::collections::{BTreeMap, BTreeSet};

use atoll_collator::CollatorBehaviour;
use atoll_parachain_host::{HostEvent, HostMessage, Misbehaviour};
use atoll_primitives::parachain::{byzantine_threshold, SignedDisputeStatement};
use atoll_primitives::{BlockNumber, ParaId, ValidatorIndex};
use atoll_relay_chain::RelayEvent;
use atoll_sim::para_net::{ParaNet, ParaNetConfig};
use atoll_sim::para_node::{ParaSimMessage, ValidatorStandIn};
use atoll_sim::relay_net::validator_pair;
use atoll_sim::NodeId;

/// Seeds per scenario.
const SEEDS: u64 = 10;
const VALIDATORS: usize = 10;
const PARAS: usize = 3;

fn net(seed: u64) -> ParaNet {
    ParaNet::new(&ParaNetConfig::new(VALIDATORS, PARAS, seed))
}

/// Runs `scenario` for every seed, checking the invariants, then seed 0 again for the log hash.
fn over_seeds(name: &str, scenario: impl Fn(u64) -> ParaNet) {
    let mut first = None;
    for seed in 0..SEEDS {
        let mut net = scenario(seed);
        let violations = net.check_invariants();
        assert!(violations.is_empty(), "{name}, seed {seed}: {violations:#?}");
        if seed == 0 {
            first = Some(net.log_hash());
        }
    }
    let again = scenario(0).log_hash();
    assert_eq!(first, Some(again), "{name}: the same seed must give the same event log hash");
}

/// Makes validator `id` play a host-level stand-in.
fn misbehave(net: &mut ParaNet, id: NodeId, host: Misbehaviour) {
    net.set_stand_in(id, ValidatorStandIn { host, ..Default::default() });
}

fn honest(net: &ParaNet) -> NodeId {
    net.validator_ids()
        .find(|id| net.sim().node(*id).unwrap().stand_in() == ValidatorStandIn::default())
        .unwrap()
}

/// The backing groups of session 0, by group index.
fn groups(net: &ParaNet) -> Vec<Vec<ValidatorIndex>> {
    let node = net.sim().node(NodeId(0)).unwrap();
    let relay = node.relay();
    let genesis = relay.header(&relay.finalized().0).unwrap().clone();
    atoll_relay_chain::validator_groups(relay.db(), &genesis.state_root).unwrap()
}

fn host_events(net: &ParaNet) -> Vec<(NodeId, u64, HostEvent)> {
    net.host_events()
}

fn stake_of(net: &ParaNet, v: usize) -> u128 {
    let node = net.sim().node(honest(net)).unwrap();
    let relay = node.relay();
    let best = relay.header(&relay.best().0).unwrap();
    atoll_relay_chain::stake(relay.db(), &best.state_root, &validator_pair(v).public()).unwrap()
}

fn chain_events(net: &ParaNet) -> Vec<RelayEvent> {
    net.chain_events(honest(net)).into_iter().flat_map(|(_, _, e)| e).collect()
}

#[test]
fn healthy_network_includes_approves_and_finalizes_every_candidate() {
    over_seeds("healthy", |seed| {
        let mut net = net(seed);
        net.run_slots(24);
        let id = honest(&net);
        let (best, fin) = net.heads(id).unwrap();
        assert!(best.1 .0 >= 18, "seed {seed}: only {} relay blocks", best.1);
        // Every para's head advances at least once per 2 relay blocks (after the first two).
        for (para, blocks) in net.inclusions(id) {
            assert!(!blocks.is_empty(), "seed {seed}: {para} never included");
            let mut last = BlockNumber(1);
            for b in blocks.iter().chain(std::iter::once(&best.1)) {
                assert!(
                    b.0 - last.0 <= 2 || b.0 <= 3,
                    "seed {seed}: {para} not included between #{last} and #{b}: {blocks:?}"
                );
                last = *b;
            }
        }
        // Every candidate backed more than a block before the end was included.
        let events = chain_events(&net);
        let timed_out = events.iter().filter(|e| matches!(e, RelayEvent::CandidateTimedOut { .. }));
        assert_eq!(timed_out.count(), 0, "seed {seed}: a candidate timed out");
        // Finality within 3 relay blocks of inclusion, and every included candidate below the
        // finalized block was approved (invariant 2 checks the approvals).
        let lags = net.finality_lags(id);
        assert!(!lags.is_empty(), "seed {seed}: nothing finalized");
        assert!(lags.iter().all(|l| *l <= 3), "seed {seed}: finality lags {lags:?}");
        assert!(best.1 .0 - fin.1 .0 <= 3, "seed {seed}: best {} finalized {}", best.1, fin.1);
        // Nobody misbehaves, so nobody is penalised.
        let penalties: Vec<_> = net
            .reports()
            .into_iter()
            .filter(|(_, _, r)| matches!(r, atoll_sim::para_node::ParaReport::Penalized { .. }))
            .collect();
        assert!(penalties.is_empty(), "seed {seed}: {:?}", &penalties[..penalties.len().min(3)]);
        net
    });
}

#[test]
fn invalid_candidate_is_disputed_and_backers_slashed() {
    over_seeds("invalid backed", |seed| {
        let mut net = net(seed);
        // Two backers of one group collude with para 2000's collator, which sends them a PoV
        // that does not execute whenever their group is assigned to its core.
        let colluders: BTreeSet<ValidatorIndex> = groups(&net)[0].iter().copied().collect();
        assert_eq!(colluders.len(), 2);
        for v in &colluders {
            net.set_stand_in(
                NodeId(v.0),
                ValidatorStandIn { back_anything: true, ..Default::default() },
            );
        }
        let para = ParaId(2000);
        net.set_collator_behaviour(
            para,
            CollatorBehaviour::InvalidPoVTo { colluders: colluders.clone() },
        );
        let stakes_before: Vec<u128> =
            colluders.iter().map(|v| stake_of(&net, v.0 as usize)).collect();
        net.run_slots(40);

        let events = host_events(&net);
        let concluded_invalid: BTreeSet<_> = events
            .iter()
            .filter_map(|(_, _, e)| match e {
                HostEvent::DisputeConcluded { candidate_hash, valid: false } => {
                    Some(*candidate_hash)
                }
                _ => None,
            })
            .collect();
        assert!(!concluded_invalid.is_empty(), "seed {seed}: no dispute concluded invalid");
        // The backers lost their stake.
        for (v, before) in colluders.iter().zip(stakes_before) {
            let after = stake_of(&net, v.0 as usize);
            assert!(after < before, "seed {seed}: backer {v} not slashed ({before} -> {after})");
        }
        // The para continues from its last valid head: it is included again after the dispute.
        let last_conclusion = events
            .iter()
            .filter(|(_, _, e)| matches!(e, HostEvent::DisputeConcluded { valid: false, .. }))
            .map(|(_, at, _)| *at)
            .max()
            .unwrap();
        let id = honest(&net);
        let blocks = net.inclusions(id)[&para].clone();
        let best = net.heads(id).unwrap().0 .1;
        assert!(
            blocks.iter().any(|b| b.0 + 3 < best.0) && !blocks.is_empty(),
            "seed {seed}: {para} stopped: {blocks:?} (best {best}, conclusion at {last_conclusion} ms)"
        );
        // The fork that carried it was reverted somewhere.
        let reverted = net.reports().iter().any(|(_, _, r)| {
            matches!(
                r,
                atoll_sim::para_node::ParaReport::Relay(
                    atoll_node_core::NodeEvent::Reverted { .. }
                )
            )
        });
        assert!(reverted, "seed {seed}: no fork reverted");
        net
    });
}

#[test]
fn false_accuser_is_disabled_and_nobody_honest_is_slashed() {
    over_seeds("false accuser", |seed| {
        let mut net = net(seed);
        let accuser = NodeId(3);
        misbehave(&mut net, accuser, Misbehaviour { false_accuser: true, ..Default::default() });
        net.run_slots(20);
        let events = chain_events(&net);
        assert!(
            events.iter().any(|e| matches!(e, RelayEvent::DisputeConcluded { valid: true, .. })),
            "seed {seed}: no dispute concluded valid on chain"
        );
        assert!(
            events.iter().any(|e| matches!(e, RelayEvent::ValidatorDisabled { validator } if validator.0 == accuser.0)),
            "seed {seed}: the accuser was not disabled"
        );
        assert!(
            !events.iter().any(|e| matches!(e, RelayEvent::Slashed { .. })),
            "seed {seed}: somebody was slashed"
        );
        // The paras keep going, and so does finality.
        assert_paras_and_finality_go_on(&net, seed, 4);
        net
    });
}

/// Every para was included at least `min` times on an honest validator's best chain, and its
/// finalized block is within 4 of its best.
fn assert_paras_and_finality_go_on(net: &ParaNet, seed: u64, min: usize) {
    let id = honest(net);
    for (para, blocks) in net.inclusions(id) {
        assert!(blocks.len() >= min, "seed {seed}: {para} included only at {blocks:?}");
    }
    let (best, fin) = net.heads(id).unwrap();
    assert!(fin.1 .0 + 4 >= best.1 .0, "seed {seed}: finality {} behind best {}", fin.1, best.1);
}

/// Withholders: one member of each of `count` different groups (so that no candidate has
/// only withholding backers).
fn withholders(net: &ParaNet, count: usize) -> Vec<NodeId> {
    let groups = groups(net);
    let mut out: Vec<NodeId> =
        groups.iter().filter_map(|g| g.first()).map(|v| NodeId(v.0)).collect();
    // More than there are groups: take second members too.
    out.extend(groups.iter().filter_map(|g| g.get(1)).map(|v| NodeId(v.0)));
    out.truncate(count);
    out
}

#[test]
fn f_chunk_withholders_do_not_stop_availability_or_recovery() {
    over_seeds("f withholders", |seed| {
        let mut net = net(seed);
        let f = byzantine_threshold(VALIDATORS);
        for id in withholders(&net, f) {
            misbehave(&mut net, id, Misbehaviour { withhold_chunks: true, ..Default::default() });
        }
        net.run_slots(20);
        assert_paras_and_finality_go_on(&net, seed, 5);
        net
    });
}

#[test]
fn more_than_f_chunk_withholders_time_the_core_out() {
    over_seeds("f+1 withholders", |seed| {
        let mut net = net(seed);
        let f = byzantine_threshold(VALIDATORS);
        for id in withholders(&net, f + 1) {
            misbehave(&mut net, id, Misbehaviour { withhold_chunks: true, ..Default::default() });
        }
        net.run_slots(20);
        let events = chain_events(&net);
        assert!(
            events.iter().any(|e| matches!(e, RelayEvent::CandidateTimedOut { .. })),
            "seed {seed}: no core timed out"
        );
        assert!(
            !events.iter().any(|e| matches!(e, RelayEvent::CandidateIncluded { .. })),
            "seed {seed}: a candidate was included without n - f attestations"
        );
        net
    });
}

#[test]
fn offline_approval_checkers_are_no_shows_and_later_tranches_approve() {
    over_seeds("no-shows", |seed| {
        let mut net = net(seed);
        for id in [NodeId(1), NodeId(4), NodeId(7)] {
            misbehave(&mut net, id, Misbehaviour { never_show: true, ..Default::default() });
        }
        net.run_slots(30);
        let events = host_events(&net);
        assert!(
            events.iter().any(|(_, _, e)| matches!(e, HostEvent::NoShow { .. })),
            "seed {seed}: no no-show seen"
        );
        let id = honest(&net);
        let (best, fin) = net.heads(id).unwrap();
        let included = net.included_candidates(id);
        let final_included = included.iter().filter(|(_, _, n, _)| *n <= fin.1).count();
        assert!(
            final_included >= 9,
            "seed {seed}: {final_included} candidates finalized (best {}, finalized {})",
            best.1,
            fin.1
        );
        net
    });
}

#[test]
fn equivocating_collator_gets_at_most_one_candidate_backed_per_relay_parent() {
    over_seeds("equivocating collator", |seed| {
        let mut net = net(seed);
        let para = ParaId(2001);
        net.set_collator_behaviour(para, CollatorBehaviour::EquivocatingPoVs);
        let collator = net.collator_id(para).unwrap();
        let (alice, bob) = (
            atoll_primitives::crypto::Pair::dev("Alice"),
            atoll_primitives::crypto::Pair::dev("Bob"),
        );
        for slot in 0..20u64 {
            // One transfer per slot, so that the two blocks built on one head differ.
            let xt = atoll_runtime_sdk::testing::sign_extrinsic(
                &alice,
                para,
                slot,
                token_chain::Call::Transfer { dest: bob.public(), amount: 1 },
            );
            let node = net.sim_mut().node_mut(collator).unwrap();
            let _ = node.generator_mut().unwrap().node_mut().submit(xt);
            net.run_slots(1);
        }
        let id = honest(&net);
        let mut per_block: BTreeMap<BlockNumber, usize> = BTreeMap::new();
        for (_, number, events) in net.chain_events(id) {
            for e in events {
                if matches!(e, RelayEvent::CandidateBacked { para_id, .. } if para_id == para) {
                    *per_block.entry(number).or_default() += 1;
                }
            }
        }
        assert!(per_block.values().all(|c| *c <= 1), "seed {seed}: {per_block:?}");
        // Both versions were seconded by someone: the equivocation was real.
        let seconded: BTreeSet<_> = host_events(&net)
            .into_iter()
            .filter_map(|(_, _, e)| match e {
                HostEvent::Seconded { candidate_hash, para_id, relay_parent }
                    if para_id == para =>
                {
                    Some((relay_parent, candidate_hash))
                }
                _ => None,
            })
            .collect();
        let mut by_parent: BTreeMap<_, usize> = BTreeMap::new();
        for (rp, _) in &seconded {
            *by_parent.entry(*rp).or_default() += 1;
        }
        assert!(
            by_parent.values().any(|c| *c >= 2),
            "seed {seed}: no relay parent saw two candidates"
        );
        assert!(net.inclusions(id)[&para].len() >= 4, "seed {seed}: {para} stalled");
        net
    });
}

#[test]
fn dispute_against_finalized_candidate_freezes_only_its_para() {
    over_seeds("finalized invalid", |seed| {
        let mut net = net(seed);
        net.run_slots(8);
        let id = honest(&net);
        let fin = net.heads(id).unwrap().1;
        let para = ParaId(2000);
        let (candidate, receipt_session) = {
            let node = net.sim().node(id).unwrap();
            let relay = node.relay();
            let mut found = None;
            for (hash, number, events) in net.chain_events(id) {
                if number > fin.1 {
                    break;
                }
                let header = relay.header(&hash).unwrap();
                let session =
                    atoll_relay_chain::session_index(relay.db(), &header.state_root).unwrap();
                for e in events {
                    if let RelayEvent::CandidateIncluded { candidate, para_id, .. } = e {
                        if para_id == para {
                            found = Some((candidate, session));
                        }
                    }
                }
            }
            found.expect("a finalized candidate of the para")
        };
        // More than a third collude: n - f validators sign `Invalid` against it (a valid,
        // finalized candidate) and send their votes to everyone.
        let n = VALIDATORS;
        let colluders = atoll_primitives::parachain::supermajority_threshold(n);
        for v in 0..colluders {
            let statement = SignedDisputeStatement::sign_explicit(
                &validator_pair(v),
                candidate.hash(),
                receipt_session,
                false,
                ValidatorIndex(v as u32),
            );
            for to in 0..n as u32 {
                net.sim_mut().inject(
                    NodeId(v as u32),
                    NodeId(to),
                    ParaSimMessage::Host(HostMessage::DisputeVote {
                        candidate: candidate.clone(),
                        statement: statement.clone(),
                    }),
                    10,
                );
            }
        }
        let frozen_at = net.heads(id).unwrap().0 .1;
        net.run_slots(16);
        let id = honest(&net);
        let node = net.sim().node(id).unwrap();
        let relay = node.relay();
        let best = relay.header(&relay.best().0).unwrap().clone();
        let frozen = atoll_relay_chain::frozen_paras(relay.db(), &best.state_root).unwrap();
        assert!(frozen.contains(&para), "seed {seed}: {para} not frozen: {frozen:?}");
        let inclusions = net.inclusions(id);
        let late = |p: &ParaId| inclusions[p].iter().filter(|b| b.0 > frozen_at.0 + 4).count();
        assert_eq!(late(&para), 0, "seed {seed}: the frozen para kept going");
        for p in net.para_ids().iter().filter(|p| **p != para) {
            assert!(late(p) >= 3, "seed {seed}: {p} stopped after the freeze: {:?}", inclusions[p]);
        }
        let (best, fin) = net.heads(id).unwrap();
        assert!(
            fin.1 .0 + 4 >= best.1 .0,
            "seed {seed}: finality stalled at {} (best {})",
            fin.1,
            best.1
        );
        net
    });
}
