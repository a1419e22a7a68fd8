#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use atoll_primitives::parachain::{AssignmentKind, IndirectAssignmentCert};
use atoll_primitives::{
    CandidateDescriptor, CommittedCandidateReceipt, GroupIndex, HeadData, ParaId,
};

use super::*;
use crate::view::IncludedCandidate;

const N: usize = 10;
const SLOT: u64 = 6_000;
const TRANCHE: u64 = 500;
const NO_SHOW: u64 = 2_000;

fn pairs() -> Vec<Pair> {
    (0..N).map(|i| Pair::from_seed(&[i as u8 + 1; 32])).collect()
}

fn session(needed: u32, samples: u32, n_delay: u32) -> Arc<SessionInfo> {
    Arc::new(SessionInfo {
        session: SessionIndex(1),
        validators: pairs().iter().map(Pair::public).collect(),
        groups: (0..5).map(|g| vec![ValidatorIndex(2 * g), ValidatorIndex(2 * g + 1)]).collect(),
        n_cores: 3,
        minimum_backing_votes: 2,
        needed_approvals: needed,
        relay_vrf_modulo_samples: samples,
        n_delay_tranches: n_delay,
        tranche_ms: TRANCHE,
        no_show_ms: NO_SHOW,
    })
}

/// A candidate of `para` whose valid execution yields `result`.
fn candidate(para: u32, tag: u8) -> (CandidateReceipt, ValidationResult) {
    let result = ValidationResult { head_data: HeadData(vec![tag; 4]), ..Default::default() };
    let committed = CommittedCandidateReceipt {
        descriptor: CandidateDescriptor {
            para_id: ParaId(para),
            para_head: result.head_data.hash(),
            ..Default::default()
        },
        commitments: CandidateCommitments::from(result.clone()),
    };
    (committed.to_plain(), result)
}

/// A block at `number` on `parent` including one candidate per core in `cores` (core `c` is
/// backed by group `c`), with slot start `number · SLOT`.
fn block(
    number: u32,
    parent: Hash,
    story: u8,
    session: &Arc<SessionInfo>,
    candidates: &[(CandidateReceipt, u32)],
) -> RelayBlockInfo {
    RelayBlockInfo {
        hash: Hash::of_encoded(&(number, story, parent)),
        parent_hash: parent,
        number: BlockNumber(number),
        slot_start_ms: u64::from(number) * SLOT,
        state_root: Hash::ZERO,
        session: session.clone(),
        disabled: vec![],
        cores: vec![],
        paras: BTreeMap::new(),
        included: candidates
            .iter()
            .map(|(receipt, core)| IncludedCandidate {
                candidate: receipt.clone(),
                candidate_hash: receipt.hash(),
                core: CoreIndex(*core),
                backing_group: GroupIndex(*core),
            })
            .collect(),
        backed: vec![],
        concluded_disputes: vec![],
        approval_story: [story; 32],
    }
}

fn three_candidates() -> Vec<(CandidateReceipt, u32)> {
    (0..3).map(|c| (candidate(1000 + c, c as u8 + 1).0, c)).collect()
}

fn results_of(receipts: &[(CandidateReceipt, u32)]) -> BTreeMap<CandidateHash, ValidationResult> {
    receipts
        .iter()
        .enumerate()
        .map(|(i, (r, _))| (r.hash(), candidate(1000 + i as u32, i as u8 + 1).1))
        .collect()
}

/// The assignments validator `v` broadcasts for `info` if nothing else happens (imported long
/// after every tranche started).
fn certs_of(v: usize, info: &RelayBlockInfo) -> Vec<IndirectAssignmentCert> {
    let mut node = ApprovalVoting::new(Some(pairs()[v].clone()));
    node.set_never_show(true);
    node.on_relay_block(info, info.slot_start_ms + 1_000_000)
        .into_iter()
        .filter_map(|a| match a {
            HostAction::Broadcast(HostMessage::Assignment(cert)) => Some(cert),
            _ => None,
        })
        .collect()
}

/// `v`'s tranche for candidate `index` of `info`.
fn tranche_of(v: usize, info: &RelayBlockInfo, index: u32) -> Option<u32> {
    let mut node = ApprovalVoting::new(Some(pairs()[v].clone()));
    let _ = node.on_relay_block(info, 0);
    node.our_tranche(&info.hash, index).map(|t| t.0)
}

fn approval_by(v: usize, info: &RelayBlockInfo, index: u32) -> IndirectSignedApprovalVote {
    let c = info.included[index as usize].candidate_hash;
    IndirectSignedApprovalVote {
        block_hash: info.hash,
        candidate_index: index,
        validator: ValidatorIndex(v as u32),
        signature: ApprovalVote(c).sign(&pairs()[v], info.session.session),
    }
}

fn penalties(actions: &[HostAction]) -> usize {
    actions.iter().filter(|a| matches!(a, HostAction::Penalize { .. })).count()
}

fn events(actions: &[HostAction]) -> Vec<HostEvent> {
    actions
        .iter()
        .filter_map(|a| match a {
            HostAction::Event(e) => Some(e.clone()),
            _ => None,
        })
        .collect()
}

// ----- a tiny network of approval machines -----

enum Due {
    Wake(usize),
    Verdict(usize, Hash, u32, CandidateHash),
}

struct Net {
    nodes: Vec<ApprovalVoting>,
    results: BTreeMap<CandidateHash, ValidationResult>,
    /// Check duration per candidate (0 if absent).
    check_ms: BTreeMap<CandidateHash, u64>,
    timeline: BTreeMap<(u64, u64), Due>,
    seq: u64,
    now: u64,
    events: Vec<(u64, usize, HostEvent)>,
    approvals_sent: Vec<(u64, IndirectSignedApprovalVote)>,
}

impl Net {
    fn new(results: BTreeMap<CandidateHash, ValidationResult>) -> Self {
        Net {
            nodes: pairs().into_iter().map(|p| ApprovalVoting::new(Some(p))).collect(),
            results,
            check_ms: BTreeMap::new(),
            timeline: BTreeMap::new(),
            seq: 0,
            now: 0,
            events: vec![],
            approvals_sent: vec![],
        }
    }

    fn at(&mut self, t: u64, due: Due) {
        self.seq += 1;
        self.timeline.insert((t, self.seq), due);
    }

    fn import(&mut self, info: &RelayBlockInfo) {
        for i in 0..N {
            let actions = self.nodes[i].on_relay_block(info, self.now);
            self.handle(i, actions);
        }
    }

    fn handle(&mut self, node: usize, actions: Vec<HostAction>) {
        let mut queue: VecDeque<(usize, HostAction)> =
            actions.into_iter().map(|a| (node, a)).collect();
        while let Some((from, action)) = queue.pop_front() {
            match action {
                HostAction::Broadcast(msg) => {
                    if let HostMessage::Approval(vote) = &msg {
                        self.approvals_sent.push((self.now, vote.clone()));
                    }
                    for to in (0..N).filter(|&to| to != from) {
                        let peer = PeerId(from as u64);
                        let out = match msg.clone() {
                            HostMessage::Assignment(c) => {
                                self.nodes[to].on_assignment(peer, c, self.now)
                            }
                            HostMessage::Approval(v) => {
                                self.nodes[to].on_approval(peer, v, self.now)
                            }
                            other => panic!("unexpected {other:?}"),
                        };
                        queue.extend(out.into_iter().map(|a| (to, a)));
                    }
                }
                HostAction::Check(req) => {
                    let CheckPurpose::Approval { block, candidate_index } = req.purpose else {
                        panic!("not an approval check")
                    };
                    let hash = req.candidate.hash();
                    let delay = self.check_ms.get(&hash).copied().unwrap_or(0);
                    self.at(self.now + delay, Due::Verdict(from, block, candidate_index, hash));
                }
                HostAction::WakeAt(t) => self.at(t, Due::Wake(from)),
                HostAction::Event(e) => self.events.push((self.now, from, e)),
                HostAction::Penalize { peer, reason } => {
                    panic!("{from} penalized {peer:?}: {reason}")
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    fn run_until(&mut self, t: u64) {
        while let Some(entry) = self.timeline.first_entry() {
            if entry.key().0 > t {
                break;
            }
            let ((at, _), due) = entry.remove_entry();
            self.now = at;
            match due {
                Due::Wake(i) => {
                    let actions = self.nodes[i].on_tick(at);
                    self.handle(i, actions);
                }
                Due::Verdict(i, block, index, hash) => {
                    let verdict = ValidationVerdict::Valid(self.results[&hash].clone());
                    let out = self.nodes[i].on_check_result(block, index, verdict, at);
                    assert!(out.invalid.is_none());
                    self.handle(i, out.actions);
                }
            }
        }
        self.now = t;
    }

    fn first_event(&self, node: usize, pred: impl Fn(&HostEvent) -> bool) -> Option<u64> {
        self.events.iter().find(|(_, n, e)| *n == node && pred(e)).map(|(t, _, _)| *t)
    }
}

// ----- rules 1 to 3 -----

#[test]
fn assignments_are_deterministic_and_skip_backers() {
    let s = session(2, 2, 8);
    let info = block(1, Hash::ZERO, 7, &s, &three_candidates());
    for v in 0..N {
        let a: Vec<_> = (0..3).map(|i| tranche_of(v, &info, i)).collect();
        let b: Vec<_> = (0..3).map(|i| tranche_of(v, &info, i)).collect();
        assert_eq!(a, b);
        assert_eq!(certs_of(v, &info), certs_of(v, &info), "same certificates");
        for (i, t) in a.iter().enumerate() {
            // Core i is backed by group i = validators 2i and 2i + 1 (rule 3); everyone else
            // has a delay tranche at least (rule 2).
            let backer = v / 2 == i;
            assert_eq!(t.is_none(), backer, "validator {v} candidate {i}");
            assert!(t.is_none_or(|t| t < 8));
        }
    }
}

#[test]
fn most_candidates_get_tranche_zero_checkers() {
    let s = session(2, 2, 8);
    let mut with_checkers = 0;
    let mut total = 0;
    for story in 0..20u8 {
        let info = block(1, Hash::ZERO, story, &s, &three_candidates());
        for i in 0..3 {
            total += 1;
            let zero = (0..N).filter(|&v| tranche_of(v, &info, i) == Some(0)).count();
            if zero > 0 {
                with_checkers += 1;
            }
        }
    }
    assert!(with_checkers * 10 >= total * 9, "{with_checkers} of {total} have tranche-0 checkers");
}

// ----- rules 5 and 6 -----

#[test]
fn triggering_at_tranche_start_emits_assignment_and_check() {
    let s = session(2, 1, 8);
    let receipts = three_candidates();
    let info = block(1, Hash::ZERO, 3, &s, &receipts);
    // A validator with a later tranche for some candidate.
    let (v, i, t) = (0..N)
        .flat_map(|v| (0..3u32).map(move |i| (v, i)))
        .find_map(|(v, i)| tranche_of(v, &info, i).filter(|&t| t > 0).map(|t| (v, i, t)))
        .expect("some validator has a later tranche");
    let mut node = ApprovalVoting::new(Some(pairs()[v].clone()));
    let start = info.slot_start_ms + u64::from(t) * TRANCHE;
    let first = node.on_relay_block(&info, info.slot_start_ms);
    let triggered_for = |actions: &[HostAction]| {
        actions.iter().any(|a| {
            matches!(a, HostAction::Broadcast(HostMessage::Assignment(c)) if c.candidate_index == i)
        })
    };
    assert!(!triggered_for(&first), "not before its tranche");
    assert!(first.iter().any(|a| matches!(a, HostAction::WakeAt(w) if *w <= start)));
    assert!(!triggered_for(&node.on_tick(start - 1)));
    let actions = node.on_tick(start);
    let cert = actions
        .iter()
        .find_map(|a| match a {
            HostAction::Broadcast(HostMessage::Assignment(c)) if c.candidate_index == i => Some(c),
            _ => None,
        })
        .expect("assignment broadcast at the tranche start");
    assert_eq!(cert.tranche, DelayTranche(t));
    assert_eq!(cert.validator, ValidatorIndex(v as u32));
    assert!(actions.iter().any(|a| matches!(a,
        HostAction::Check(CheckRequest { purpose: CheckPurpose::Approval { block, candidate_index }, .. })
            if *block == info.hash && *candidate_index == i)));
    assert!(events(&actions).contains(&HostEvent::AssignmentTriggered {
        candidate_hash: info.included[i as usize].candidate_hash,
        tranche: t,
    }));
    // Its certificate verifies elsewhere.
    let mut other = ApprovalVoting::new(None);
    let _ = other.on_relay_block(&info, start);
    assert_eq!(penalties(&other.on_assignment(PeerId(1), cert.clone(), start)), 0);
    assert_eq!(other.stats().assignments_imported, 1);
}

/// A validator assigned in tranche 0 to candidate `i` of `info` (found by search).
fn tranche_zero(info: &RelayBlockInfo) -> (usize, u32) {
    (0..N)
        .flat_map(|v| (0..info.included.len() as u32).map(move |i| (v, i)))
        .find(|&(v, i)| tranche_of(v, info, i) == Some(0))
        .expect("a tranche-0 checker")
}

#[test]
fn verdicts_valid_invalid_internal() {
    let s = session(2, 2, 8);
    let receipts = three_candidates();
    let results = results_of(&receipts);
    let info = block(1, Hash::ZERO, 5, &s, &receipts);
    let (v, i) = tranche_zero(&info);
    let hash = info.included[i as usize].candidate_hash;
    let fresh = || {
        let mut node = ApprovalVoting::new(Some(pairs()[v].clone()));
        let actions = node.on_relay_block(&info, info.slot_start_ms);
        assert!(actions
            .iter()
            .any(|a| matches!(a, HostAction::Check(r) if r.candidate.hash() == hash)));
        node
    };

    // Valid with matching outputs: an approval is signed and broadcast.
    let mut node = fresh();
    let out = node.on_check_result(
        info.hash,
        i,
        ValidationVerdict::Valid(results[&hash].clone()),
        info.slot_start_ms + 10,
    );
    assert!(out.invalid.is_none());
    let vote = out
        .actions
        .iter()
        .find_map(|a| match a {
            HostAction::Broadcast(HostMessage::Approval(vote)) => Some(vote.clone()),
            _ => None,
        })
        .expect("approval broadcast");
    assert_eq!((vote.block_hash, vote.candidate_index), (info.hash, i));
    assert!(ApprovalVote(hash).check(s.session, &vote.signature, &s.validators[v]));
    assert!(events(&out.actions).contains(&HostEvent::ApprovalSigned { candidate_hash: hash }));
    assert_eq!(
        node.approvals_for(&hash),
        vec![(ValidatorIndex(v as u32), vote.signature, s.session)]
    );
    assert_eq!(node.stats().approvals_signed, 1);

    // Valid with other outputs: invalid.
    let mut node = fresh();
    let mut wrong = results[&hash].clone();
    wrong.processed_downward_messages += 1;
    let out = node.on_check_result(info.hash, i, ValidationVerdict::Valid(wrong), 10);
    assert_eq!(out.invalid, Some((info.included[i as usize].candidate.clone(), s.session)));
    assert!(!out.actions.iter().any(|a| matches!(a, HostAction::Broadcast(_))));

    // Invalid: reported, never approved.
    let mut node = fresh();
    let out = node.on_check_result(info.hash, i, ValidationVerdict::Invalid("trap".into()), 10);
    assert!(out.invalid.is_some());
    assert!(node.approvals_for(&hash).is_empty());

    // Internal: no vote either way.
    let mut node = fresh();
    let out = node.on_check_result(info.hash, i, ValidationVerdict::Internal("no code".into()), 10);
    assert!(out.invalid.is_none());
    assert!(!out.actions.iter().any(|a| matches!(a, HostAction::Broadcast(_))));
    assert!(matches!(events(&out.actions)[..], [HostEvent::InternalError { .. }]));
    assert!(node.approvals_for(&hash).is_empty());
    // A verdict nobody asked for is ignored.
    let again = node.on_check_result(info.hash, i, ValidationVerdict::Invalid("x".into()), 20);
    assert_eq!(again, ApprovalCheckResult::default());
}

// ----- rules 7 and 8 -----

#[test]
fn forged_assignments_and_approvals_are_penalized() {
    let s = session(2, 2, 8);
    let info = block(1, Hash::ZERO, 9, &s, &three_candidates());
    let v = 8; // in group 4, which backs nothing
    let certs = certs_of(v, &info);
    assert_eq!(certs.len(), 3, "a non-backer is assigned to every candidate");
    let now = info.slot_start_ms + 100_000;
    let fresh = || {
        let mut node = ApprovalVoting::new(Some(pairs()[0].clone()));
        let _ = node.on_relay_block(&info, now);
        node
    };
    let penalized =
        |cert: IndirectAssignmentCert| penalties(&fresh().on_assignment(PeerId(9), cert, now));
    for cert in &certs {
        assert_eq!(penalized(cert.clone()), 0, "genuine");
    }
    let cert = certs[0].clone();
    let mut bad_output = cert.clone();
    bad_output.cert.vrf_output[0] ^= 1;
    assert_eq!(penalized(bad_output), 1);
    let mut bad_proof = cert.clone();
    bad_proof.cert.vrf_proof[5] ^= 1;
    assert_eq!(penalized(bad_proof), 1);
    let mut later = cert.clone();
    later.tranche = DelayTranche(cert.tranche.0 + 1);
    assert_eq!(penalized(later), 1, "wrong tranche");
    let mut other_validator = cert.clone();
    other_validator.validator = ValidatorIndex(9);
    assert_eq!(penalized(other_validator), 1, "someone else's VRF");
    let mut unknown = cert.clone();
    unknown.validator = ValidatorIndex(77);
    assert_eq!(penalized(unknown), 1);
    let mut out_of_range = cert.clone();
    out_of_range.candidate_index = 3;
    assert_eq!(penalized(out_of_range), 1);
    // The same certificate claimed for another candidate (another core).
    let mut moved = cert.clone();
    moved.candidate_index = (cert.candidate_index + 1) % 3;
    assert_eq!(penalized(moved), 1, "wrong core");
    // A modulo claim with a sample beyond the session's.
    let mut sample = cert.clone();
    sample.cert.kind = AssignmentKind::RelayVrfModulo { sample: 2 };
    sample.tranche = DelayTranche(0);
    assert_eq!(penalized(sample), 1);
    // A backer's assignment: validator 0 backs candidate 0; use its own genuine certificate
    // for candidate 1 claimed for candidate 0.
    let backer_cert = certs_of(0, &info).into_iter().next().unwrap();
    let mut backer = backer_cert;
    backer.candidate_index = 0;
    assert_eq!(penalized(backer), 1);

    // Approvals: a good one is accepted, a forged one penalized, a backer's ignored.
    let mut node = fresh();
    let good = approval_by(v, &info, 0);
    assert_eq!(penalties(&node.on_approval(PeerId(8), good.clone(), now)), 0);
    assert_eq!(node.stats().approvals_imported, 1);
    let mut forged = approval_by(7, &info, 0);
    forged.signature = good.signature;
    assert_eq!(penalties(&node.on_approval(PeerId(7), forged, now)), 1);
    let backer_vote = approval_by(1, &info, 0);
    assert!(node.on_approval(PeerId(1), backer_vote, now).is_empty());
    assert_eq!(node.approvals_for(&info.included[0].candidate_hash).len(), 1);
    assert_eq!(node.stats().penalties, 1);
}

#[test]
fn approvals_count_once_the_assignment_is_known_and_messages_wait_for_their_block() {
    let s = session(2, 2, 8);
    let receipts = vec![(candidate(1000, 1).0, 0)];
    let info = block(1, Hash::ZERO, 11, &s, &receipts);
    let now = info.slot_start_ms + 100_000; // every tranche started
    let mut node = ApprovalVoting::new(None); // a follower: counts only
    let mut assignees: Vec<usize> = (2..N).collect();
    assignees.sort_by_key(|&v| tranche_of(v, &info, 0));
    let (a, b) = (assignees[0], assignees[1]);
    // Before the block: buffered.
    assert!(node.on_approval(PeerId(1), approval_by(a, &info, 0), now).is_empty());
    assert!(node.on_assignment(PeerId(1), certs_of(a, &info)[0].clone(), now).is_empty());
    let _ = node.on_relay_block(&info, now);
    assert!(!node.is_approved(&info.hash), "one approval of two");
    // b approves first, then announces its assignment.
    let _ = node.on_approval(PeerId(2), approval_by(b, &info, 0), now);
    assert_eq!(node.approvals_for(&info.included[0].candidate_hash).len(), 2);
    assert!(!node.is_approved(&info.hash), "b's approval does not count without its assignment");
    let actions = node.on_assignment(PeerId(2), certs_of(b, &info)[0].clone(), now);
    // The earliest two assignees approved; nobody else has announced anything.
    assert!(node.is_candidate_approved(&info.hash, 0));
    assert!(events(&actions)
        .contains(&HostEvent::BlockApproved { hash: info.hash, number: info.number }));
    assert!(node.is_approved(&info.hash));
}

#[test]
fn a_third_of_the_validators_approving_is_enough() {
    let s = session(5, 2, 8);
    let receipts = vec![(candidate(1000, 1).0, 0)];
    let info = block(1, Hash::ZERO, 12, &s, &receipts);
    let mut node = ApprovalVoting::new(None);
    let _ = node.on_relay_block(&info, info.slot_start_ms);
    for v in 2..5 {
        let _ = node.on_approval(PeerId(v as u64), approval_by(v, &info, 0), info.slot_start_ms);
    }
    assert!(!node.is_approved(&info.hash), "3 of 10 is not more than a third");
    let _ = node.on_approval(PeerId(5), approval_by(5, &info, 0), info.slot_start_ms);
    assert!(node.is_approved(&info.hash), "4 of 10 is");
}

// ----- rules 9 to 11, whole network -----

#[test]
fn candidates_then_blocks_approve_and_children_wait_for_parents() {
    let s = session(2, 2, 8);
    let receipts = three_candidates();
    let child_receipts = vec![(candidate(2000, 9).0, 1)];
    let mut results = results_of(&receipts);
    results.insert(child_receipts[0].0.hash(), candidate(2000, 9).1);
    let parent = block(1, Hash::ZERO, 21, &s, &receipts);
    // The child follows quickly (its slot starts 100 ms after the parent's).
    let mut child = block(2, parent.hash, 22, &s, &child_receipts);
    child.slot_start_ms = parent.slot_start_ms + 100;
    let mut empty_grandchild = block(3, child.hash, 23, &s, &[]);
    empty_grandchild.slot_start_ms = child.slot_start_ms;
    let mut net = Net::new(results);
    // The parent's candidates take long to check (less than the no-show delay), the child's
    // are instant.
    for (r, _) in &receipts {
        net.check_ms.insert(r.hash(), NO_SHOW * 3 / 4);
    }
    net.now = parent.slot_start_ms;
    net.import(&parent);
    net.run_until(child.slot_start_ms);
    net.import(&child);
    net.import(&empty_grandchild);
    net.run_until(child.slot_start_ms + 100);
    for node in &net.nodes {
        assert!(node.is_candidate_approved(&child.hash, 0), "child's candidate approved");
        assert!(!node.is_approved(&child.hash), "but the block waits for its parent");
        assert!(!node.is_approved(&empty_grandchild.hash));
    }
    net.run_until(parent.slot_start_ms + 10 * SLOT);
    for (i, node) in net.nodes.iter().enumerate() {
        for b in [&parent, &child, &empty_grandchild] {
            assert!(node.is_approved(&b.hash), "node {i} approved block {}", b.number);
        }
        let p = net.first_event(
            i,
            |e| matches!(e, HostEvent::BlockApproved { hash, .. } if *hash == parent.hash),
        );
        let c = net.first_event(
            i,
            |e| matches!(e, HostEvent::BlockApproved { hash, .. } if *hash == child.hash),
        );
        assert!(p.unwrap() <= c.unwrap());
        let approved_once = net
            .events
            .iter()
            .filter(|(_, n, e)| *n == i && matches!(e, HostEvent::BlockApproved { .. }))
            .count();
        assert_eq!(approved_once, 3);
        assert_eq!(node.stats().no_shows, 0);
    }
    // Every candidate got at least `needed` approvals, none from its backers.
    for (i, (r, core)) in receipts.iter().enumerate() {
        let approvals = net.nodes[0].approvals_for(&r.hash());
        assert!(approvals.len() >= 2, "candidate {i}: {approvals:?}");
        assert!(approvals.iter().all(|(v, _, _)| v.0 / 2 != *core));
    }
}

#[test]
fn no_shows_pull_in_later_tranches() {
    let s = session(2, 1, 8);
    let receipts = three_candidates();
    // A block whose candidate 0 has between 1 and 3 tranche-0 checkers.
    let (info, zero) = (0..50u8)
        .map(|story| block(1, Hash::ZERO, story, &s, &receipts))
        .find_map(|info| {
            let zero: Vec<usize> = (0..N).filter(|&v| tranche_of(v, &info, 0) == Some(0)).collect();
            (1..=3).contains(&zero.len()).then_some((info, zero))
        })
        .expect("a suitable story");
    let mut net = Net::new(results_of(&receipts));
    for &v in &zero {
        net.nodes[v].set_never_show(true);
    }
    let observer = (0..N).find(|v| !zero.contains(v)).unwrap();
    net.now = info.slot_start_ms;
    net.import(&info);
    let hash = info.included[0].candidate_hash;
    net.run_until(info.slot_start_ms + NO_SHOW - 1);
    assert!(!net.nodes[observer].is_candidate_approved(&info.hash, 0), "tranche 0 never shows");
    net.run_until(info.slot_start_ms + 8 * TRANCHE + 3 * NO_SHOW);
    let no_show_at = net
        .first_event(
            observer,
            |e| matches!(e, HostEvent::NoShow { candidate_hash, .. } if *candidate_hash == hash),
        )
        .expect("no-show detected");
    assert!(no_show_at >= info.slot_start_ms + NO_SHOW);
    let no_shows: Vec<ValidatorIndex> = net
        .events
        .iter()
        .filter_map(|(_, n, e)| match e {
            HostEvent::NoShow { validator, candidate_hash }
                if *n == observer && *candidate_hash == hash =>
            {
                Some(*validator)
            }
            _ => None,
        })
        .collect();
    let mut expected: Vec<ValidatorIndex> =
        zero.iter().map(|&v| ValidatorIndex(v as u32)).collect();
    expected.sort();
    let mut seen = no_shows.clone();
    seen.sort();
    assert_eq!(seen, expected, "each tranche-0 checker is a no-show, reported once");
    for node in &net.nodes {
        assert!(node.is_candidate_approved(&info.hash, 0));
        assert!(node.is_approved(&info.hash));
    }
    // Approved only thanks to later-tranche checkers, after the no-shows.
    let approvers: Vec<_> = net
        .approvals_sent
        .iter()
        .filter(|(_, vote)| vote.candidate_index == 0)
        .map(|(t, vote)| (*t, vote.validator.0 as usize))
        .collect();
    assert!(approvers.len() >= zero.len(), "every no-show covered: {approvers:?}");
    assert!(approvers.iter().all(|(_, v)| tranche_of(*v, &info, 0).unwrap() > 0));
    let approved_at = net
        .first_event(
            observer,
            |e| matches!(e, HostEvent::BlockApproved { hash, .. } if *hash == info.hash),
        )
        .unwrap();
    assert!(approved_at >= no_show_at);
}

#[test]
fn finality_approves_parents_and_prunes() {
    let s = session(2, 2, 8);
    let receipts = vec![(candidate(1000, 1).0, 0)];
    let b1 = block(1, Hash::ZERO, 31, &s, &receipts);
    let b2 = block(2, b1.hash, 32, &s, &[]);
    let b3 = block(3, b2.hash, 33, &s, &[]);
    let mut node = ApprovalVoting::new(None);
    let _ = node.on_relay_block(&b1, 0);
    let _ = node.on_relay_block(&b2, 0);
    assert!(!node.is_approved(&b2.hash), "waits for b1's candidate");
    node.on_finalized(b1.hash, b1.number);
    assert!(node.is_approved(&b1.hash), "finalized counts as approved");
    let actions = node.on_relay_block(&b3, 0);
    // b2 is re-evaluated at the next input (a tick here); b3 follows.
    assert!(!events(&actions)
        .iter()
        .any(|e| matches!(e, HostEvent::BlockApproved { hash, .. } if *hash == b3.hash)));
    let actions = node.on_tick(1);
    let approved: Vec<_> = events(&actions)
        .into_iter()
        .filter_map(|e| match e {
            HostEvent::BlockApproved { hash, .. } => Some(hash),
            _ => None,
        })
        .collect();
    assert_eq!(approved, vec![b2.hash, b3.hash]);
    // b1 itself is forgotten but still counts; a stale message about it is dropped.
    assert!(!node.is_candidate_approved(&b1.hash, 0));
    assert!(node.on_approval(PeerId(1), approval_by(4, &b1, 0), 2).is_empty());
    node.on_finalized(b3.hash, b3.number);
    assert!(node.is_approved(&b3.hash));
    assert!(!node.is_approved(&b2.hash), "below finality: no longer tracked");
}

/// Rule 14: while finality does not advance, our assignment is broadcast again every
/// `rebroadcast_ms` (a peer that restarted lost it); not once the block is finalized, and not
/// while finality keeps advancing.
#[test]
fn own_messages_are_rebroadcast_until_finality() {
    let s = session(2, 1, 8);
    let receipts = three_candidates();
    let info = block(1, Hash::ZERO, 3, &s, &receipts);
    let (v, i) = tranche_zero(&info);
    let every = ApprovalConfig::default().rebroadcast_ms;
    let mut node = ApprovalVoting::new(Some(pairs()[v].clone()));
    let t0 = info.slot_start_ms;
    let first = node.on_relay_block(&info, t0);
    let ours = |actions: &[HostAction]| -> Vec<IndirectAssignmentCert> {
        actions
            .iter()
            .filter_map(|a| match a {
                HostAction::Broadcast(HostMessage::Assignment(c)) if c.candidate_index == i => {
                    Some(c.clone())
                }
                _ => None,
            })
            .collect()
    };
    let sent = ours(&first);
    assert_eq!(sent.len(), 1, "tranche 0: broadcast at import");
    // Rule 12: woken for it (after the earlier wake-ups of the tranches).
    let mut wakes: Vec<u64> = Vec::new();
    let mut actions = first;
    while let Some(w) = actions.iter().find_map(|a| match a {
        HostAction::WakeAt(w) if *w < t0 + every => Some(*w),
        _ => None,
    }) {
        actions = node.on_tick(w);
        assert!(ours(&actions).is_empty(), "not before the interval");
        wakes.extend(actions.iter().filter_map(|a| match a {
            HostAction::WakeAt(w) => Some(*w),
            _ => None,
        }));
    }
    let woken_for_it = |a: &HostAction| matches!(a, HostAction::WakeAt(w) if *w == t0 + every);
    assert!(
        actions.iter().any(woken_for_it) || wakes.contains(&(t0 + every)),
        "woken for the re-broadcast"
    );
    assert!(ours(&node.on_tick(t0 + every - 1)).is_empty(), "not before the interval");
    assert_eq!(ours(&node.on_tick(t0 + every)), sent, "the same certificate again");
    assert!(ours(&node.on_tick(t0 + every + 1)).is_empty(), "once per interval");
    assert_eq!(ours(&node.on_tick(t0 + 2 * every)), sent);
    node.on_finalized(info.hash, info.number);
    assert!(ours(&node.on_tick(t0 + 3 * every)).is_empty(), "finalized: nothing more");

    // Finality advancing (on another block) holds re-broadcasts back for an interval.
    let mut node = ApprovalVoting::new(Some(pairs()[v].clone()));
    let sent = ours(&node.on_relay_block(&info, t0));
    assert_eq!(sent.len(), 1);
    node.on_finalized(Hash([9; 32]), BlockNumber(0));
    assert!(ours(&node.on_tick(t0 + every)).is_empty(), "finality just moved");
    assert_eq!(ours(&node.on_tick(t0 + 2 * every)), sent, "stalled for an interval");
}
