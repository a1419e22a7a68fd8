//! Tests of [`Backing`](super::Backing), rule by rule: seconding, refusals, vouching after a PoV
//! fetch, equivocations, early statements, the collation queue and pruning, on the relay
//! block and collations of [`super::fixtures`].

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::fixtures::*;
use super::*;
use crate::availability::{Availability, AvailabilityConfig};
use crate::protocol::{
    CheckPurpose, ExecutionKind, HostEvent, HostMessage, Target, ValidationRequest,
    ValidationVerdict,
};
use crate::view::BackedInBlock;
use atoll_primitives::parachain::{SigningContext, Statement, ValidityAttestation};
use atoll_primitives::CoreIndex;
use atoll_primitives::{CommittedCandidateReceipt, PersistedValidationData, PoV};

const COLLATOR: PeerId = PeerId(1_000);

struct Node {
    backing: Backing,
    availability: Availability,
}

fn node(i: usize) -> Node {
    Node {
        backing: Backing::new(Some(key(i))),
        availability: Availability::new(Some(key(i)), AvailabilityConfig::default()),
    }
}

fn validations(actions: &[HostAction]) -> Vec<ValidationRequest> {
    actions
        .iter()
        .filter_map(|a| match a {
            HostAction::Validate(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

fn broadcast_statements(actions: &[HostAction]) -> Vec<SignedStatement> {
    actions
        .iter()
        .filter_map(|a| match a {
            HostAction::Broadcast(HostMessage::Statement { statement, .. }) => {
                Some(statement.clone())
            }
            _ => None,
        })
        .collect()
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

fn penalized(actions: &[HostAction], peer: PeerId) -> bool {
    actions.iter().any(|a| matches!(a, HostAction::Penalize { peer: p, .. } if *p == peer))
}

fn rejected_count(actions: &[HostAction]) -> usize {
    events(actions).iter().filter(|e| matches!(e, HostEvent::CollationRejected { .. })).count()
}

fn sign_as(i: usize, info: &RelayBlockInfo, statement: Statement) -> SignedStatement {
    let context = SigningContext { session: info.session.session, parent_hash: info.hash };
    SignedStatement::sign(&key(i), statement, &context, ValidatorIndex(i as u32))
}

/// Node `i` seconds a good collation of para A: returns its statement.
fn second(n: &mut Node, info: &RelayBlockInfo, salt: u8) -> (SignedStatement, Vec<HostAction>) {
    let (candidate, pov, pvd) = collation(info, PARA_A, salt);
    let actions = n.backing.on_collation(
        COLLATOR,
        info.hash,
        candidate.clone(),
        pov,
        pvd,
        0,
        &mut n.availability,
    );
    let requests = validations(&actions);
    assert_eq!(requests.len(), 1, "{actions:?}");
    assert_eq!(requests[0].kind, ExecutionKind::Backing);
    assert_eq!(requests[0].purpose, CheckPurpose::Backing { relay_parent: info.hash });
    let actions = n.backing.on_validation_result(
        info.hash,
        candidate.hash(),
        ValidationVerdict::Valid(result_of(&candidate)),
        10,
        &mut n.availability,
    );
    let statements = broadcast_statements(&actions);
    assert_eq!(statements.len(), 1, "{actions:?}");
    (statements[0].clone(), actions)
}

#[test]
fn group_member_seconds_a_good_collation_and_stores_chunks() {
    let info = block(1);
    let mut n = node(0);
    n.backing.on_relay_block(&info, 0);
    let (candidate, _, _) = collation(&info, PARA_A, 1);
    let (statement, actions) = second(&mut n, &info, 1);
    assert_eq!(statement.statement, Statement::Seconded(candidate.clone()));
    assert_eq!(statement.validator, ValidatorIndex(0));
    let context = SigningContext { session: info.session.session, parent_hash: info.hash };
    assert!(statement.check(&context, &key(0).public()));
    assert!(events(&actions).contains(&HostEvent::Seconded {
        candidate_hash: candidate.hash(),
        para_id: PARA_A,
        relay_parent: info.hash,
    }));
    assert!(n.availability.holds_chunk(&candidate.hash()));
    // One vote of a threshold of two: not backable yet.
    assert!(n.backing.backable_candidates(info.hash).is_empty());
    assert_eq!(n.backing.votes_for(&candidate.hash()).len(), 1);
    // It serves the PoV now.
    let served = n.backing.on_pov_request(PeerId(7), info.hash, candidate.hash());
    assert!(matches!(
        &served[..],
        [HostAction::Send(Target::Peer(PeerId(7)), HostMessage::PovResponse { pov: Some(_), .. })]
    ));
}

#[test]
fn non_member_and_non_validator_refuse() {
    let info = block(1);
    let (candidate, pov, pvd) = collation(&info, PARA_A, 1);
    // Validator 3 is in group 1, which backs para B.
    let mut n = node(3);
    n.backing.on_relay_block(&info, 0);
    let actions = n.backing.on_collation(
        COLLATOR,
        info.hash,
        candidate.clone(),
        pov.clone(),
        pvd.clone(),
        0,
        &mut n.availability,
    );
    assert!(validations(&actions).is_empty());
    assert_eq!(rejected_count(&actions), 1);
    assert!(penalized(&actions, COLLATOR));
    // Without a key.
    let mut follower = Backing::new(None);
    let mut availability = Availability::new(None, AvailabilityConfig::default());
    follower.on_relay_block(&info, 0);
    let actions =
        follower.on_collation(COLLATOR, info.hash, candidate, pov, pvd, 0, &mut availability);
    assert!(validations(&actions).is_empty());
    assert_eq!(rejected_count(&actions), 1);
}

#[test]
fn seconds_at_most_one_per_relay_parent_and_queues_one_at_a_time() {
    let info = block(1);
    let mut n = node(0);
    n.backing.on_relay_block(&info, 0);
    let (c1, pov1, pvd1) = collation(&info, PARA_A, 1);
    let (c2, pov2, pvd2) = collation(&info, PARA_A, 2);
    let (c3, pov3, pvd3) = collation(&info, PARA_A, 3);
    let a1 =
        n.backing.on_collation(COLLATOR, info.hash, c1.clone(), pov1, pvd1, 0, &mut n.availability);
    assert_eq!(validations(&a1).len(), 1);
    // While c1 is validated, c2 waits.
    let a2 =
        n.backing.on_collation(COLLATOR, info.hash, c2.clone(), pov2, pvd2, 0, &mut n.availability);
    assert!(validations(&a2).is_empty() && rejected_count(&a2) == 0);
    // c1 is invalid: c2 gets its turn.
    let r1 = n.backing.on_validation_result(
        info.hash,
        c1.hash(),
        ValidationVerdict::Invalid("trap".into()),
        5,
        &mut n.availability,
    );
    assert!(broadcast_statements(&r1).is_empty());
    assert!(penalized(&r1, COLLATOR));
    let next = validations(&r1);
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].candidate.hash(), c2.hash());
    let r2 = n.backing.on_validation_result(
        info.hash,
        c2.hash(),
        ValidationVerdict::Valid(result_of(&c2)),
        6,
        &mut n.availability,
    );
    assert_eq!(broadcast_statements(&r2).len(), 1);
    // Seconded once: a third collation is refused without a penalty.
    let a3 = n.backing.on_collation(COLLATOR, info.hash, c3, pov3, pvd3, 7, &mut n.availability);
    assert!(validations(&a3).is_empty());
    assert_eq!(rejected_count(&a3), 1);
    assert!(!penalized(&a3, COLLATOR));
    // A new relay parent is a new chance.
    let info2 = block(2);
    n.backing.on_relay_block(&info2, 8);
    let (c4, pov4, pvd4) = collation(&info2, PARA_A, 4);
    let a4 = n.backing.on_collation(COLLATOR, info2.hash, c4, pov4, pvd4, 8, &mut n.availability);
    assert_eq!(validations(&a4).len(), 1);
}

#[test]
fn bad_collations_are_rejected_with_a_penalty() {
    let info = block(1);
    let mut n = node(1);
    n.backing.on_relay_block(&info, 0);
    let (good, pov, pvd) = collation(&info, PARA_A, 1);
    let mut cases: Vec<(&str, CommittedCandidateReceipt, PoV, PersistedValidationData)> =
        Vec::new();
    // Validation data differs from the chain's.
    let mut other_pvd = pvd.clone();
    other_pvd.max_pov_size += 1;
    cases.push(("pvd", good.clone(), pov.clone(), other_pvd));
    // Descriptor's pvd hash is wrong.
    let mut c = good.clone();
    c.descriptor.persisted_validation_data_hash = Hash([9; 32]);
    cases.push(("pvd hash", c, pov.clone(), pvd.clone()));
    // PoV does not match its hash.
    cases.push((
        "pov",
        good.clone(),
        PoV { block_data: atoll_primitives::BlockData(vec![0]) },
        pvd.clone(),
    ));
    // Code hash is not the para's.
    let mut c = good.clone();
    c.descriptor.validation_code_hash = code(PARA_B).hash();
    cases.push(("code", c, pov.clone(), pvd.clone()));
    // Head hash is not the committed head's.
    let mut c = good.clone();
    c.descriptor.para_head = Hash([1; 32]);
    cases.push(("head", c, pov.clone(), pvd.clone()));
    // The descriptor names another relay parent.
    let mut c = good.clone();
    c.descriptor.relay_parent = Hash([2; 32]);
    cases.push(("relay parent", c, pov.clone(), pvd.clone()));
    for (what, candidate, pov, pvd) in cases {
        let actions = n.backing.on_collation(
            COLLATOR,
            info.hash,
            candidate,
            pov,
            pvd,
            0,
            &mut n.availability,
        );
        assert!(validations(&actions).is_empty(), "{what}");
        assert_eq!(rejected_count(&actions), 1, "{what}");
        assert!(penalized(&actions, COLLATOR), "{what}");
    }
    // Unknown relay parent: refused, not penalized.
    let actions = n.backing.on_collation(
        COLLATOR,
        Hash([3; 32]),
        good.clone(),
        pov.clone(),
        pvd.clone(),
        0,
        &mut n.availability,
    );
    assert_eq!(rejected_count(&actions), 1);
    assert!(!penalized(&actions, COLLATOR));
    // A frozen para.
    let mut frozen = block(2);
    frozen.cores[0].frozen = true;
    n.backing.on_relay_block(&frozen, 0);
    let (c, pov, pvd) = collation(&frozen, PARA_A, 1);
    let actions =
        n.backing.on_collation(COLLATOR, frozen.hash, c, pov, pvd, 0, &mut n.availability);
    assert!(validations(&actions).is_empty() && penalized(&actions, COLLATOR));
    // The good one still goes through.
    let actions = n.backing.on_collation(
        COLLATOR,
        info.hash,
        good,
        pov_of(&info, 1),
        pvd_of(&info),
        0,
        &mut n.availability,
    );
    assert_eq!(validations(&actions).len(), 1);
}

fn pov_of(info: &RelayBlockInfo, salt: u8) -> PoV {
    collation(info, PARA_A, salt).1
}

fn pvd_of(info: &RelayBlockInfo) -> PersistedValidationData {
    collation(info, PARA_A, 1).2
}

#[test]
fn invalid_internal_and_mismatching_verdicts_sign_nothing() {
    let info = block(1);
    for verdict in ["invalid", "internal", "commitments", "erasure"] {
        let mut n = node(0);
        n.backing.on_relay_block(&info, 0);
        let (mut candidate, pov, pvd) = collation(&info, PARA_A, 1);
        if verdict == "erasure" {
            candidate.descriptor.erasure_root = Hash([5; 32]);
            candidate.descriptor.sign(&key(99));
        }
        let actions = n.backing.on_collation(
            COLLATOR,
            info.hash,
            candidate.clone(),
            pov,
            pvd,
            0,
            &mut n.availability,
        );
        assert_eq!(validations(&actions).len(), 1);
        let v = match verdict {
            "invalid" => ValidationVerdict::Invalid("trap".into()),
            "internal" => ValidationVerdict::Internal("no artifact".into()),
            "commitments" => {
                let mut r = result_of(&candidate);
                r.head_data = atoll_primitives::HeadData(vec![0xff]);
                ValidationVerdict::Valid(r)
            }
            _ => ValidationVerdict::Valid(result_of(&candidate)),
        };
        let actions =
            n.backing.on_validation_result(info.hash, candidate.hash(), v, 5, &mut n.availability);
        assert!(broadcast_statements(&actions).is_empty(), "{verdict}");
        assert!(n.backing.votes_for(&candidate.hash()).is_empty(), "{verdict}");
        assert!(!n.availability.holds_chunk(&candidate.hash()), "{verdict}");
        let evs = events(&actions);
        if verdict == "internal" {
            assert!(matches!(&evs[..], [HostEvent::InternalError { .. }]), "{evs:?}");
            assert!(!penalized(&actions, COLLATOR));
        } else {
            assert!(matches!(&evs[..], [HostEvent::CollationRejected { .. }]), "{evs:?}");
            assert!(penalized(&actions, COLLATOR));
        }
    }
}

#[test]
fn second_member_fetches_the_pov_signs_valid_and_the_candidate_becomes_backable() {
    let info = block(1);
    let mut seconder = node(0);
    let mut member = node(1);
    let mut outsider = node(4);
    for n in [&mut seconder, &mut member, &mut outsider] {
        n.backing.on_relay_block(&info, 0);
    }
    let (candidate, _, _) = collation(&info, PARA_A, 1);
    let hash = candidate.hash();
    let (seconded, _) = second(&mut seconder, &info, 1);
    // The other member asks the seconder for the PoV.
    let actions = member.backing.on_statement(PeerId(0), info.hash, seconded.clone(), 20);
    assert!(actions.contains(&HostAction::Send(
        Target::Validator(ValidatorIndex(0)),
        HostMessage::PovRequest { relay_parent: info.hash, candidate_hash: hash },
    )));
    assert!(actions.contains(&HostAction::WakeAt(1_020)));
    // An outsider records the vote and fetches nothing.
    let actions = outsider.backing.on_statement(PeerId(0), info.hash, seconded.clone(), 20);
    assert!(actions.is_empty(), "{actions:?}");
    // The seconder serves it.
    let served = seconder.backing.on_pov_request(PeerId(1), info.hash, hash);
    let [HostAction::Send(_, HostMessage::PovResponse { pov, .. })] = &served[..] else {
        panic!("{served:?}")
    };
    let actions = member.backing.on_pov_response(PeerId(0), hash, pov.clone(), 30);
    let requests = validations(&actions);
    assert_eq!(requests.len(), 1);
    let actions = member.backing.on_validation_result(
        info.hash,
        hash,
        ValidationVerdict::Valid(result_of(&candidate)),
        40,
        &mut member.availability,
    );
    let statements = broadcast_statements(&actions);
    assert_eq!(statements.len(), 1);
    assert_eq!(statements[0].statement, Statement::Valid(hash));
    assert!(member.availability.holds_chunk(&hash));
    let evs = events(&actions);
    assert!(evs.contains(&HostEvent::Validated { candidate_hash: hash }));
    assert!(evs.contains(&HostEvent::Backable { candidate_hash: hash, para_id: PARA_A }));
    // The outsider learns of the second vote: backable there too, reported once.
    let actions = outsider.backing.on_statement(PeerId(1), info.hash, statements[0].clone(), 50);
    assert_eq!(
        events(&actions),
        vec![HostEvent::Backable { candidate_hash: hash, para_id: PARA_A }]
    );
    let again = outsider.backing.on_statement(PeerId(1), info.hash, statements[0].clone(), 51);
    assert!(events(&again).is_empty());
    let backed = outsider.backing.backable_candidates(info.hash);
    assert_eq!(backed.len(), 1);
    assert_eq!(backed[0].candidate, candidate);
    assert_eq!(
        backed[0].votes,
        vec![
            (ValidatorIndex(0), ValidityAttestation::Implicit(seconded.signature)),
            (ValidatorIndex(1), ValidityAttestation::Explicit(statements[0].signature)),
        ]
    );
    let votes = outsider.backing.votes_for(&hash);
    assert_eq!(votes.len(), 2);
    assert!(votes.iter().all(|(_, _, rp)| *rp == info.hash));
    // Only for authors on this relay parent.
    assert!(outsider.backing.backable_candidates(Hash([7; 32])).is_empty());
    // Once on chain it is no longer offered.
    let mut next = block(2);
    next.backed.push(BackedInBlock {
        candidate: candidate.clone(),
        candidate_hash: hash,
        core: CoreIndex(0),
        votes: backed[0].votes.clone(),
    });
    outsider.backing.on_relay_block(&next, 60);
    assert!(outsider.backing.backable_candidates(info.hash).is_empty());
}

#[test]
fn disabled_votes_do_not_count_and_best_candidate_wins() {
    let mut info = block(1);
    info.disabled = vec![ValidatorIndex(1)];
    let mut follower = Backing::new(None);
    follower.on_relay_block(&info, 0);
    let (c1, _, _) = collation(&info, PARA_A, 1);
    let (c2, _, _) = collation(&info, PARA_A, 2);
    for (i, c) in [(0, &c1), (2, &c2)] {
        let s = sign_as(i, &info, Statement::Seconded(c.clone()));
        follower.on_statement(PeerId(i as u64), info.hash, s, 0);
    }
    // Disabled validator 1 vouches for c1: not counted.
    let v = sign_as(1, &info, Statement::Valid(c1.hash()));
    let actions = follower.on_statement(PeerId(1), info.hash, v, 0);
    assert!(events(&actions).is_empty());
    assert!(follower.backable_candidates(info.hash).is_empty());
    // Validator 2 vouches for c1 too: c1 has 2 counted votes, c2 has 1.
    let v = sign_as(2, &info, Statement::Valid(c1.hash()));
    let actions = follower.on_statement(PeerId(2), info.hash, v, 0);
    assert_eq!(
        events(&actions),
        vec![HostEvent::Backable { candidate_hash: c1.hash(), para_id: PARA_A }]
    );
    let v = sign_as(0, &info, Statement::Valid(c2.hash()));
    follower.on_statement(PeerId(0), info.hash, v, 0);
    // Both have two votes now: the lower hash wins.
    let backed = follower.backable_candidates(info.hash);
    assert_eq!(backed.len(), 1);
    assert_eq!(backed[0].hash(), c1.hash().min(c2.hash()));
    assert!(backed[0].votes.iter().all(|(v, _)| *v != ValidatorIndex(1)));
}

#[test]
fn double_seconding_is_an_equivocation_and_the_first_is_kept() {
    let info = block(1);
    let mut follower = Backing::new(Some(key(5)));
    follower.on_relay_block(&info, 0);
    let (c1, _, _) = collation(&info, PARA_A, 1);
    let (c2, _, _) = collation(&info, PARA_A, 2);
    let s1 = sign_as(0, &info, Statement::Seconded(c1.clone()));
    let s2 = sign_as(0, &info, Statement::Seconded(c2.clone()));
    follower.on_statement(PeerId(0), info.hash, s1, 0);
    let actions = follower.on_statement(PeerId(0), info.hash, s2, 0);
    assert_eq!(
        events(&actions),
        vec![HostEvent::BackingEquivocation {
            validator: ValidatorIndex(0),
            relay_parent: info.hash
        }]
    );
    assert_eq!(follower.votes_for(&c1.hash()).len(), 1);
    assert!(follower.votes_for(&c2.hash()).is_empty());
    // Seconded and Valid of one candidate by one validator is a double vote too.
    let v = sign_as(0, &info, Statement::Valid(c1.hash()));
    let actions = follower.on_statement(PeerId(0), info.hash, v, 0);
    assert!(matches!(&events(&actions)[..], [HostEvent::BackingEquivocation { .. }]));
}

#[test]
fn bad_statements_are_penalized() {
    let info = block(1);
    let mut follower = Backing::new(None);
    follower.on_relay_block(&info, 0);
    let (c1, _, _) = collation(&info, PARA_A, 1);
    // Signed by 1's key but claiming to be validator 0.
    let mut forged = sign_as(1, &info, Statement::Seconded(c1.clone()));
    forged.validator = ValidatorIndex(0);
    let actions = follower.on_statement(PeerId(9), info.hash, forged, 0);
    assert!(penalized(&actions, PeerId(9)));
    assert!(follower.votes_for(&c1.hash()).is_empty());
    // Signed for another relay parent.
    let other = block(2);
    let wrong_context = sign_as(0, &other, Statement::Seconded(c1.clone()));
    let actions = follower.on_statement(PeerId(9), info.hash, wrong_context, 0);
    assert!(penalized(&actions, PeerId(9)));
    // A validator of the other group.
    let outsider = sign_as(4, &info, Statement::Seconded(c1.clone()));
    let actions = follower.on_statement(PeerId(9), info.hash, outsider, 0);
    assert!(penalized(&actions, PeerId(9)));
    // An index outside the set.
    let mut unknown = sign_as(0, &info, Statement::Valid(c1.hash()));
    unknown.validator = ValidatorIndex(77);
    let actions = follower.on_statement(PeerId(9), info.hash, unknown, 0);
    assert!(penalized(&actions, PeerId(9)));
    // A bad Valid signature.
    let mut bad_valid = sign_as(0, &info, Statement::Valid(c1.hash()));
    bad_valid.signature.0[0] ^= 1;
    let actions = follower.on_statement(PeerId(9), info.hash, bad_valid, 0);
    assert!(penalized(&actions, PeerId(9)));
    assert!(follower.votes_for(&c1.hash()).is_empty());
}

#[test]
fn early_valid_and_early_relay_parent_are_replayed() {
    let info = block(1);
    let mut follower = Backing::new(None);
    let (c1, _, _) = collation(&info, PARA_A, 1);
    let valid = sign_as(1, &info, Statement::Valid(c1.hash()));
    let seconded = sign_as(0, &info, Statement::Seconded(c1.clone()));
    // Before the relay parent is known.
    assert!(follower.on_statement(PeerId(1), info.hash, valid, 0).is_empty());
    follower.on_relay_block(&info, 0);
    // Valid came before Seconded: held, counted once the candidate is known.
    let actions = follower.on_statement(PeerId(0), info.hash, seconded, 1);
    assert_eq!(
        events(&actions),
        vec![HostEvent::Backable { candidate_hash: c1.hash(), para_id: PARA_A }]
    );
    assert_eq!(follower.votes_for(&c1.hash()).len(), 2);
}

#[test]
fn pov_fetch_moves_on_after_a_bad_answer_none_or_timeout() {
    let info = block(1);
    let mut member = node(2);
    member.backing.on_relay_block(&info, 0);
    let (c1, pov, pvd) = collation(&info, PARA_A, 1);
    let hash = c1.hash();
    let s0 = sign_as(0, &info, Statement::Seconded(c1.clone()));
    let v1 = sign_as(1, &info, Statement::Valid(hash));
    let actions = member.backing.on_statement(PeerId(0), info.hash, s0, 0);
    assert!(actions
        .iter()
        .any(|a| matches!(a, HostAction::Send(Target::Validator(ValidatorIndex(0)), _))));
    // Validator 1 vouches meanwhile: still waiting for 0.
    let actions = member.backing.on_statement(PeerId(1), info.hash, v1, 0);
    assert!(!actions.iter().any(|a| matches!(a, HostAction::Send(..))));
    // 0 sends a wrong PoV: penalized, 1 is asked.
    let wrong = PoV { block_data: atoll_primitives::BlockData(vec![7]) };
    let actions = member.backing.on_pov_response(PeerId(0), hash, Some((wrong, pvd.clone())), 10);
    assert!(penalized(&actions, PeerId(0)));
    assert!(actions
        .iter()
        .any(|a| matches!(a, HostAction::Send(Target::Validator(ValidatorIndex(1)), _))));
    // 1 times out: nobody left to ask.
    assert!(member.backing.on_tick(500).is_empty());
    assert!(member.backing.on_tick(1_010).is_empty());
    // A late good answer still counts.
    let actions = member.backing.on_pov_response(PeerId(1), hash, Some((pov, pvd)), 1_100);
    assert_eq!(validations(&actions).len(), 1);
    // A second answer is ignored.
    assert!(member.backing.on_pov_response(PeerId(1), hash, None, 1_100).is_empty());
}

#[test]
fn vouching_on_an_invalid_or_unchecked_candidate_signs_nothing() {
    let info = block(1);
    for verdict in [
        ValidationVerdict::Invalid("trap".into()),
        ValidationVerdict::Internal("no artifact".into()),
    ] {
        let mut member = node(1);
        member.backing.on_relay_block(&info, 0);
        let (c1, pov, pvd) = collation(&info, PARA_A, 1);
        let hash = c1.hash();
        let s0 = sign_as(0, &info, Statement::Seconded(c1.clone()));
        member.backing.on_statement(PeerId(0), info.hash, s0, 0);
        let actions = member.backing.on_pov_response(PeerId(0), hash, Some((pov, pvd)), 5);
        assert_eq!(validations(&actions).len(), 1);
        let internal = matches!(verdict, ValidationVerdict::Internal(_));
        let actions = member.backing.on_validation_result(
            info.hash,
            hash,
            verdict,
            6,
            &mut member.availability,
        );
        assert!(broadcast_statements(&actions).is_empty());
        let evs = events(&actions);
        if internal {
            assert!(matches!(&evs[..], [HostEvent::InternalError { .. }]), "{evs:?}");
        } else {
            assert!(matches!(&evs[..], [HostEvent::CollationRejected { .. }]), "{evs:?}");
        }
        assert_eq!(member.backing.votes_for(&hash).len(), 1, "only the seconder's");
        assert!(!member.availability.holds_chunk(&hash));
        // Nothing to serve, and a repeated verdict is ignored.
        let served = member.backing.on_pov_request(PeerId(3), info.hash, hash);
        assert!(matches!(
            &served[..],
            [HostAction::Send(_, HostMessage::PovResponse { pov: None, .. })]
        ));
        let again = member.backing.on_validation_result(
            info.hash,
            hash,
            ValidationVerdict::Valid(result_of(&c1)),
            7,
            &mut member.availability,
        );
        assert!(again.is_empty());
    }
}

#[test]
fn a_full_collation_queue_drops_more_and_seconding_drops_the_queue() {
    let info = block(1);
    let mut n = node(2);
    n.backing.on_relay_block(&info, 0);
    let mut collations: Vec<_> = (1..=4).map(|salt| collation(&info, PARA_A, salt)).collect();
    let mut outcomes = Vec::new();
    for (c, pov, pvd) in collations.drain(..) {
        let hash = c.hash();
        let actions =
            n.backing.on_collation(COLLATOR, info.hash, c, pov, pvd, 0, &mut n.availability);
        outcomes.push((hash, validations(&actions).len(), rejected_count(&actions)));
    }
    // One validating, two queued (the default), the fourth dropped.
    let counts: Vec<(usize, usize)> = outcomes.iter().map(|(_, v, r)| (*v, *r)).collect();
    assert_eq!(counts, vec![(1, 0), (0, 0), (0, 0), (0, 1)]);
    let (first, _, _) = collation(&info, PARA_A, 1);
    let actions = n.backing.on_validation_result(
        info.hash,
        first.hash(),
        ValidationVerdict::Valid(result_of(&first)),
        1,
        &mut n.availability,
    );
    assert_eq!(broadcast_statements(&actions).len(), 1);
    assert!(validations(&actions).is_empty());
    assert_eq!(rejected_count(&actions), 2, "the queued ones are dropped");
}

#[test]
fn old_relay_parents_are_pruned() {
    let mut n = node(0);
    let first = block(1);
    n.backing.on_relay_block(&first, 0);
    let (seconded, _) = second(&mut n, &first, 1);
    let hash = seconded.statement.candidate_hash();
    assert_eq!(n.backing.votes_for(&hash).len(), 1);
    for number in 2..=5 {
        n.backing.on_relay_block(&block(number), 0);
    }
    assert!(n.backing.votes_for(&hash).is_empty());
    let (c, pov, pvd) = collation(&first, PARA_A, 2);
    let actions = n.backing.on_collation(COLLATOR, first.hash, c, pov, pvd, 0, &mut n.availability);
    assert!(validations(&actions).is_empty());
}
