#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use atoll_primitives::crypto::verify;
use atoll_primitives::parachain::{
    CompactStatement, SigningContext, ValidityAttestation, BACKING_SIGNING_CONTEXT,
};
use atoll_primitives::{
    CandidateCommitments, CandidateDescriptor, CommittedCandidateReceipt, CoreIndex, GroupIndex,
    HeadData, ParaId, ValidationResult,
};

use super::*;
use crate::view::{BackedInBlock, ConcludedDispute, IncludedCandidate};

const N: usize = 10;
const S: SessionIndex = SessionIndex(1);

fn pairs() -> Vec<Pair> {
    (0..N).map(|i| Pair::from_seed(&[i as u8 + 1; 32])).collect()
}

fn session(index: SessionIndex) -> Arc<SessionInfo> {
    Arc::new(SessionInfo {
        session: index,
        validators: pairs().iter().map(Pair::public).collect(),
        groups: (0..5).map(|g| vec![ValidatorIndex(2 * g), ValidatorIndex(2 * g + 1)]).collect(),
        n_cores: 3,
        minimum_backing_votes: 2,
        needed_approvals: 2,
        relay_vrf_modulo_samples: 2,
        n_delay_tranches: 8,
        tranche_ms: 500,
        no_show_ms: 2_000,
    })
}

fn info(number: u32, parent: Hash, session: SessionIndex) -> RelayBlockInfo {
    RelayBlockInfo {
        hash: Hash::of_encoded(&(number, parent, session)),
        parent_hash: parent,
        number: BlockNumber(number),
        slot_start_ms: u64::from(number) * 6_000,
        state_root: Hash::ZERO,
        session: self::session(session),
        disabled: vec![],
        cores: vec![],
        paras: Default::default(),
        included: vec![],
        backed: vec![],
        concluded_disputes: vec![],
        approval_story: [0; 32],
    }
}

fn committed(relay_parent: Hash, tag: u8) -> (CommittedCandidateReceipt, ValidationResult) {
    let result = ValidationResult { head_data: HeadData(vec![tag; 3]), ..Default::default() };
    let c = CommittedCandidateReceipt {
        descriptor: CandidateDescriptor {
            para_id: ParaId(1000),
            relay_parent,
            para_head: result.head_data.hash(),
            ..Default::default()
        },
        commitments: CandidateCommitments::from(result.clone()),
    };
    (c, result)
}

/// Backing votes of validators 0 (seconded) and 1 (valid) at `relay_parent`.
fn backing_votes(
    hash: CandidateHash,
    relay_parent: Hash,
) -> Vec<(ValidatorIndex, ValidityAttestation)> {
    let ctx = SigningContext { session: S, parent_hash: relay_parent };
    let p = pairs();
    let seconded = CompactStatement::Seconded(hash).signing_payload(&ctx);
    let valid = CompactStatement::Valid(hash).signing_payload(&ctx);
    vec![
        (
            ValidatorIndex(0),
            ValidityAttestation::Implicit(p[0].sign(BACKING_SIGNING_CONTEXT, &seconded)),
        ),
        (
            ValidatorIndex(1),
            ValidityAttestation::Explicit(p[1].sign(BACKING_SIGNING_CONTEXT, &valid)),
        ),
    ]
}

/// The chain: block 1 (the relay parent), block 2 backing the candidate, block 3 including
/// it.
struct Chain {
    b1: RelayBlockInfo,
    b2: RelayBlockInfo,
    b3: RelayBlockInfo,
    receipt: CandidateReceipt,
    hash: CandidateHash,
    result: ValidationResult,
}

fn chain() -> Chain {
    let b1 = info(1, Hash::ZERO, S);
    let (c, result) = committed(b1.hash, 7);
    let hash = c.hash();
    let mut b2 = info(2, b1.hash, S);
    b2.backed = vec![BackedInBlock {
        candidate: c.clone(),
        candidate_hash: hash,
        core: CoreIndex(0),
        votes: backing_votes(hash, b1.hash),
    }];
    let mut b3 = info(3, b2.hash, S);
    b3.included = vec![IncludedCandidate {
        candidate: c.to_plain(),
        candidate_hash: hash,
        core: CoreIndex(0),
        backing_group: GroupIndex(0),
    }];
    Chain { b1, b2, b3, receipt: c.to_plain(), hash, result }
}

fn node(v: usize, chain: &Chain, with_inclusion: bool) -> DisputeCoordinator {
    let mut node = DisputeCoordinator::new(Some(pairs()[v].clone()));
    assert!(node.on_relay_block(&chain.b1, 0).is_empty());
    assert!(node.on_relay_block(&chain.b2, 0).is_empty());
    if with_inclusion {
        assert!(node.on_relay_block(&chain.b3, 0).is_empty());
    }
    node
}

fn vote(v: usize, hash: CandidateHash, valid: bool) -> SignedDisputeStatement {
    SignedDisputeStatement::sign_explicit(&pairs()[v], hash, S, valid, ValidatorIndex(v as u32))
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

fn checks(actions: &[HostAction]) -> usize {
    actions.iter().filter(|a| matches!(a, HostAction::Check(_))).count()
}

fn penalties(actions: &[HostAction]) -> usize {
    actions.iter().filter(|a| matches!(a, HostAction::Penalize { .. })).count()
}

fn reverts(actions: &[HostAction]) -> Vec<Hash> {
    actions
        .iter()
        .filter_map(|a| match a {
            HostAction::Revert { block } => Some(*block),
            _ => None,
        })
        .collect()
}

fn broadcast_vote(actions: &[HostAction]) -> Option<SignedDisputeStatement> {
    actions.iter().find_map(|a| match a {
        HostAction::Broadcast(HostMessage::DisputeVote { statement, .. }) => {
            Some(statement.clone())
        }
        _ => None,
    })
}

#[test]
fn backing_votes_and_one_invalid_vote_open_a_dispute_and_we_check() {
    let c = chain();
    let mut n5 = node(5, &c, true);
    assert_eq!(n5.vote_counts(&c.hash), (2, 0), "backing votes imported");
    assert!(!n5.is_disputed(&c.hash));
    let actions = n5.on_dispute_vote(PeerId(7), c.receipt.clone(), vote(7, c.hash, false), 10);
    assert_eq!(events(&actions), vec![HostEvent::DisputeOpened { candidate_hash: c.hash }]);
    let request = actions
        .iter()
        .find_map(|a| match a {
            HostAction::Check(r) => Some(r.clone()),
            _ => None,
        })
        .expect("we participate");
    assert_eq!(request.purpose, CheckPurpose::Dispute);
    assert_eq!((request.candidate.hash(), request.session, request.core), (c.hash, S, None));
    assert!(n5.is_disputed(&c.hash));
    assert_eq!(n5.disputed_candidates(), vec![c.hash]);
    // A repeat of the vote changes nothing, and we check only once.
    let again = n5.on_dispute_vote(PeerId(7), c.receipt.clone(), vote(7, c.hash, false), 11);
    assert!(again.is_empty());
    // The verdict: valid with matching outputs → our explicit valid vote.
    let actions = n5.on_check_result(c.hash, ValidationVerdict::Valid(c.result.clone()), 20);
    let ours = broadcast_vote(&actions).expect("vote broadcast");
    assert_eq!(ours.statement, DisputeStatement::Valid(ValidDisputeStatementKind::Explicit));
    assert_eq!(ours.validator, ValidatorIndex(5));
    assert!(ours.check(&pairs()[5].public()));
    assert!(events(&actions)
        .contains(&HostEvent::DisputeVoteCast { candidate_hash: c.hash, valid: true }));
    assert_eq!(n5.vote_counts(&c.hash), (3, 1));
    assert!(n5.on_check_result(c.hash, ValidationVerdict::Valid(c.result.clone()), 21).is_empty());

    // A backer already voted: it does not re-execute.
    let mut n0 = node(0, &c, true);
    let actions = n0.on_dispute_vote(PeerId(7), c.receipt.clone(), vote(7, c.hash, false), 10);
    assert_eq!(checks(&actions), 0);
    assert!(n0.is_disputed(&c.hash));
}

#[test]
fn invalid_supermajority_concludes_invalid_and_reverts() {
    let c = chain();
    let mut n = node(9, &c, false);
    let mut all = Vec::new();
    // Validators 2..=8: seven invalid votes, n − f = 7.
    for v in 2..=8 {
        all.extend(n.on_dispute_vote(
            PeerId(v as u64),
            c.receipt.clone(),
            vote(v, c.hash, false),
            10,
        ));
    }
    let concluded: Vec<_> = events(&all)
        .into_iter()
        .filter(|e| matches!(e, HostEvent::DisputeConcluded { .. }))
        .collect();
    assert_eq!(
        concluded,
        vec![HostEvent::DisputeConcluded { candidate_hash: c.hash, valid: false }]
    );
    assert_eq!(reverts(&all), vec![c.b2.hash], "the backing block is reverted");
    assert!(n.concluded_invalid(&c.hash));
    assert!(n.is_disputed(&c.hash));
    // The participation check asked for before the conclusion: its verdict still votes.
    assert_eq!(checks(&all), 1);
    let actions = n.on_check_result(c.hash, ValidationVerdict::Invalid("trap".into()), 20);
    assert!(!broadcast_vote(&actions).unwrap().statement.is_valid());
    // A block including it, imported later, is reverted too; nothing is reverted twice.
    let actions = n.on_relay_block(&c.b3, 30);
    assert_eq!(reverts(&actions), vec![c.b3.hash]);
    let late = n.on_dispute_vote(PeerId(1), c.receipt.clone(), vote(1, c.hash, false), 40);
    assert!(reverts(&late).is_empty());
    assert_eq!(n.stats().concluded_invalid, 1);
    assert_eq!(n.stats().reverts, 2);
}

#[test]
fn valid_supermajority_concludes_valid() {
    let c = chain();
    let mut n = node(9, &c, true);
    let mut all = n.on_dispute_vote(PeerId(8), c.receipt.clone(), vote(8, c.hash, false), 10);
    // Backers 0 and 1 plus five explicit valid votes: seven.
    for v in 2..=6 {
        all.extend(n.on_dispute_vote(
            PeerId(v as u64),
            c.receipt.clone(),
            vote(v, c.hash, true),
            10,
        ));
    }
    assert!(
        events(&all).contains(&HostEvent::DisputeConcluded { candidate_hash: c.hash, valid: true })
    );
    assert!(reverts(&all).is_empty());
    assert!(!n.is_disputed(&c.hash));
    assert!(!n.concluded_invalid(&c.hash));
    assert_eq!(n.conclusion(&c.hash), Some(true));
    // Without an opposing vote there is no dispute at all, however many valid votes.
    let c2 = chain();
    let mut quiet = node(9, &c2, true);
    for v in 2..=8 {
        let actions =
            quiet.on_dispute_vote(PeerId(1), c2.receipt.clone(), vote(v, c2.hash, true), 10);
        assert!(events(&actions).is_empty());
    }
    assert_eq!(quiet.conclusion(&c2.hash), None);
}

#[test]
fn bad_votes_are_penalized_and_unknown_sessions_ignored() {
    let c = chain();
    let mut n = node(9, &c, true);
    // Bad signature: validator 3's vote signed by validator 4.
    let mut forged = vote(4, c.hash, false);
    forged.validator = ValidatorIndex(3);
    assert_eq!(penalties(&n.on_dispute_vote(PeerId(4), c.receipt.clone(), forged, 1)), 1);
    // A receipt of another candidate.
    let (other, _) = committed(c.b1.hash, 8);
    let wrong = n.on_dispute_vote(PeerId(4), other.to_plain(), vote(4, c.hash, false), 1);
    assert_eq!(penalties(&wrong), 1);
    // An index outside the set.
    let mut unknown = vote(4, c.hash, false);
    unknown.validator = ValidatorIndex(99);
    assert_eq!(penalties(&n.on_dispute_vote(PeerId(4), c.receipt.clone(), unknown, 1)), 1);
    // A vote in a session we do not know: ignored.
    let foreign = SignedDisputeStatement::sign_explicit(
        &pairs()[4],
        c.hash,
        SessionIndex(42),
        false,
        ValidatorIndex(4),
    );
    assert!(n.on_dispute_vote(PeerId(4), c.receipt.clone(), foreign, 1).is_empty());
    assert_eq!(n.vote_counts(&c.hash), (2, 0));
    assert!(!n.is_disputed(&c.hash));
    assert_eq!(n.stats().penalties, 3);
    assert_eq!(n.stats().votes_ignored, 1);
}

#[test]
fn statements_for_chain_are_sorted_complete_and_kept_until_settled() {
    let c = chain();
    let mut n = node(9, &c, true);
    assert!(n.statements_for_chain().is_empty(), "no dispute, nothing to put on chain");
    // Validator 1 (a backer) also votes invalid: it appears on both sides.
    for (v, valid) in [(6, false), (1, false), (3, true)] {
        let _ = n.on_dispute_vote(PeerId(v as u64), c.receipt.clone(), vote(v, c.hash, valid), 1);
    }
    let approval = atoll_primitives::parachain::ApprovalVote(c.hash).sign(&pairs()[4], S);
    let _ = n.import_approval(c.receipt.clone(), S, ValidatorIndex(4), approval);
    let _ = n.on_check_result(c.hash, ValidationVerdict::Valid(c.result.clone()), 2);
    let sets = n.statements_for_chain();
    assert_eq!(sets.len(), 1);
    let set = &sets[0];
    assert_eq!((set.candidate_hash, set.session, set.para_id), (c.hash, S, ParaId(1000)));
    let order: Vec<(u32, bool)> =
        set.statements.iter().map(|(s, v, _)| (v.0, s.is_valid())).collect();
    assert_eq!(
        order,
        vec![(0, true), (1, true), (1, false), (3, true), (4, true), (6, false), (9, true)]
    );
    assert!(
        matches!(set.statements[0].0, DisputeStatement::Valid(ValidDisputeStatementKind::BackingSeconded(p)) if p == c.b1.hash)
    );
    assert!(matches!(
        set.statements[1].0,
        DisputeStatement::Valid(ValidDisputeStatementKind::BackingValid(_))
    ));
    assert_eq!(
        set.statements[4].0,
        DisputeStatement::Valid(ValidDisputeStatementKind::ApprovalChecking)
    );
    for (statement, v, sig) in &set.statements {
        let (context, payload) = statement.signing_payload(c.hash, S);
        assert!(
            verify(context, &payload, sig, &pairs()[v.0 as usize].public()),
            "{v} {statement:?}"
        );
    }
    // The chain concludes it in block 4; once block 5 above it is finalized, it is settled.
    let mut b4 = info(4, c.b3.hash, S);
    b4.concluded_disputes = vec![ConcludedDispute { candidate_hash: c.hash, valid: true }];
    let actions = n.on_relay_block(&b4, 3);
    assert!(events(&actions)
        .contains(&HostEvent::DisputeConcluded { candidate_hash: c.hash, valid: true }));
    assert!(!n.is_disputed(&c.hash));
    let b5 = info(5, b4.hash, S);
    let _ = n.on_relay_block(&b5, 4);
    n.on_finalized(c.b3.hash, c.b3.number);
    assert_eq!(n.statements_for_chain().len(), 1, "the conclusion is not final yet");
    n.on_finalized(b5.hash, b5.number);
    assert!(n.statements_for_chain().is_empty());
}

#[test]
fn local_votes_false_accusers_and_internal_errors() {
    let c = chain();
    // Approval checking found it invalid: our vote opens the dispute (the backing votes are
    // the other side), and we do not check again.
    let mut n = node(5, &c, true);
    let actions = n.issue_local_vote(c.receipt.clone(), S, false, 1);
    let ours = broadcast_vote(&actions).unwrap();
    assert!(!ours.statement.is_valid() && ours.check(&pairs()[5].public()));
    assert!(events(&actions).contains(&HostEvent::DisputeOpened { candidate_hash: c.hash }));
    assert_eq!(checks(&actions), 0);
    assert!(n.issue_local_vote(c.receipt.clone(), S, false, 2).is_empty(), "once per side");
    assert!(n.issue_local_vote(c.receipt.clone(), SessionIndex(9), true, 2).is_empty());

    // Internal errors never vote.
    let mut m = node(6, &c, true);
    let actions = m.on_dispute_vote(PeerId(5), c.receipt.clone(), ours.clone(), 3);
    assert_eq!(checks(&actions), 1);
    let actions = m.on_check_result(c.hash, ValidationVerdict::Internal("no code".into()), 4);
    assert!(broadcast_vote(&actions).is_none());
    assert!(matches!(events(&actions)[..], [HostEvent::InternalError { .. }]));
    assert_eq!(m.vote_counts(&c.hash), (2, 1));

    // Outputs not matching the receipt are invalid.
    let mut k = node(7, &c, true);
    let _ = k.on_dispute_vote(PeerId(5), c.receipt.clone(), ours.clone(), 3);
    let mut wrong = c.result.clone();
    wrong.head_data = HeadData(vec![1]);
    let actions = k.on_check_result(c.hash, ValidationVerdict::Valid(wrong), 4);
    assert!(!broadcast_vote(&actions).unwrap().statement.is_valid());

    // The false accuser votes invalid on a valid verdict.
    let mut liar = node(8, &c, true);
    liar.set_false_accuser(true);
    let _ = liar.on_dispute_vote(PeerId(5), c.receipt.clone(), ours, 3);
    let actions = liar.on_check_result(c.hash, ValidationVerdict::Valid(c.result.clone()), 4);
    assert!(!broadcast_vote(&actions).unwrap().statement.is_valid());
}

#[test]
fn unknown_candidates_need_confirmation_and_spam_is_bounded() {
    let c = chain();
    let mut n = node(9, &c, true);
    // A candidate never seen on chain: one vote each way opens but does not make us check.
    let (ghost, _) = committed(c.b1.hash, 99);
    let (g, gh) = (ghost.to_plain(), ghost.hash());
    let a = n.on_dispute_vote(PeerId(2), g.clone(), vote(2, gh, true), 1);
    let b = n.on_dispute_vote(PeerId(3), g.clone(), vote(3, gh, false), 1);
    assert!(events(&b).contains(&HostEvent::DisputeOpened { candidate_hash: gh }));
    assert_eq!(checks(&a) + checks(&b), 0);
    // More than f = 3 voters confirm it.
    let _ = n.on_dispute_vote(PeerId(4), g.clone(), vote(4, gh, false), 1);
    let d = n.on_dispute_vote(PeerId(5), g.clone(), vote(5, gh, false), 1);
    assert_eq!(checks(&d), 1);

    // One validator voting on many unknown candidates runs out of slots.
    let before = n.stats().votes_imported;
    for tag in 0..(MAX_SPAM_SLOTS as u8 + 3) {
        let (x, _) = committed(c.b1.hash, 200u8.wrapping_add(tag));
        let _ = n.on_dispute_vote(PeerId(6), x.to_plain(), vote(6, x.hash(), false), 1);
    }
    assert_eq!(n.stats().votes_imported - before, MAX_SPAM_SLOTS as u64);
    assert_eq!(n.stats().votes_ignored, 3);
}

#[test]
fn old_sessions_are_forgotten() {
    let c = chain();
    let mut n = node(9, &c, true);
    let _ = n.on_dispute_vote(PeerId(2), c.receipt.clone(), vote(2, c.hash, false), 1);
    assert!(n.is_disputed(&c.hash));
    let mut parent = c.b3.hash;
    for (i, s) in (2..=(1 + DISPUTE_WINDOW)).enumerate() {
        let b = info(4 + i as u32, parent, SessionIndex(s));
        parent = b.hash;
        let _ = n.on_relay_block(&b, 2);
    }
    assert!(!n.is_disputed(&c.hash), "session 1 left the window");
    assert!(n.on_dispute_vote(PeerId(3), c.receipt.clone(), vote(3, c.hash, false), 3).is_empty());
}
