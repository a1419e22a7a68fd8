//! Disputes on chain (rules 23 to 25): a conclusion against a candidate slashes and disables
//! its backers and approvers and freezes its para if it was included; a conclusion for it
//! disables the accusers; one-sided sets cannot open a dispute; sudo unfreezes a para.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests stop loudly.

mod common;

use atoll_primitives::parachain::{
    DisputeStatement, DisputeStatementSet, InvalidDisputeStatementKind, ParaInherentData,
    ValidDisputeStatementKind,
};
use atoll_primitives::{
    BlockNumber, CandidateHash, CoreIndex, Hash, HeadData, ParaId, SessionIndex, ValidatorIndex,
};
use atoll_relay_chain::chain_spec::DEV_STAKE;
use atoll_relay_chain::scheduler::rotated_group;
use atoll_relay_chain::{
    queries, BackingError, DisputeError, OffenceKind, ParaInherentError, RelayCall, RelayEvent,
};
use common::dev;
use common::para::*;

const INVALID: DisputeStatement = DisputeStatement::Invalid(InvalidDisputeStatementKind::Explicit);
const VALID: DisputeStatement = DisputeStatement::Valid(ValidDisputeStatementKind::Explicit);

fn disputes(sets: Vec<DisputeStatementSet>) -> ParaInherentData {
    ParaInherentData { disputes: sets, ..Default::default() }
}

fn stake(pc: &ParaChain, i: ValidatorIndex) -> u128 {
    queries::stake(&pc.chain.db, &pc.root(), &validator_key(i.0).public()).unwrap()
}

/// A chain where `PARA_B`'s candidate (head [7]) was backed in block 2 and included in block
/// 3; returns it with its backers and relay parent.
fn included_candidate() -> (ParaChain, CandidateHash, Vec<ValidatorIndex>, Hash) {
    let mut pc = ParaChain::new();
    pc.skip(1);
    let backed = pc.backed(PARA_B, vec![7]);
    let backers: Vec<ValidatorIndex> = backed.votes.iter().map(|(v, _)| *v).collect();
    let relay_parent = backed.candidate.descriptor.relay_parent;
    pc.produce(ParaInherentData { backed_candidates: vec![backed.clone()], ..Default::default() });
    let all: Vec<_> = (0..N).map(v).collect();
    pc.produce(ParaInherentData {
        bitfields: pc.bitfields(&all, &[false, true]),
        ..Default::default()
    });
    assert!(queries::included_candidate(&pc.chain.db, &pc.root(), &backed.hash())
        .unwrap()
        .is_some());
    (pc, backed.hash(), backers, relay_parent)
}

/// The backers' backing statements, one approval, and seven invalid votes from the rest.
fn against(
    candidate: CandidateHash,
    para: ParaId,
    backers: &[ValidatorIndex],
    relay_parent: Hash,
) -> (DisputeStatementSet, ValidatorIndex) {
    let session = SessionIndex(0);
    let mut statements = vec![
        dispute_vote(
            backers[0],
            DisputeStatement::Valid(ValidDisputeStatementKind::BackingSeconded(relay_parent)),
            candidate,
            session,
        ),
        dispute_vote(
            backers[1],
            DisputeStatement::Valid(ValidDisputeStatementKind::BackingValid(relay_parent)),
            candidate,
            session,
        ),
    ];
    let others: Vec<ValidatorIndex> = (0..N).map(v).filter(|i| !backers.contains(i)).collect();
    let approver = others[0];
    statements.push(dispute_vote(
        approver,
        DisputeStatement::Valid(ValidDisputeStatementKind::ApprovalChecking),
        candidate,
        session,
    ));
    for accuser in &others[1..] {
        statements.push(dispute_vote(*accuser, INVALID, candidate, session));
    }
    (
        DisputeStatementSet { candidate_hash: candidate, session, para_id: para, statements },
        approver,
    )
}

/// n − f invalid votes against an included candidate: the backers lose all their stake, the
/// approver 2 %, burnt; the backers are disabled (not the approver) and their offences recorded; the para is frozen
/// (no candidate accepted for it) until sudo forces its head.
#[test]
fn a_dispute_against_an_included_candidate_slashes_disables_and_freezes() {
    let (mut pc, candidate, backers, relay_parent) = included_candidate();
    let issuance = queries::total_issuance(&pc.chain.db, &pc.root()).unwrap();
    let (set, approver) = against(candidate, PARA_B, &backers, relay_parent);
    let kept = pc.produce(disputes(vec![set.clone()]));
    assert_eq!(kept.disputes, vec![set]);

    let events = pc.events();
    for expected in [
        RelayEvent::DisputeInitiated { candidate_hash: candidate, para_id: PARA_B },
        RelayEvent::DisputeConcluded { candidate_hash: candidate, para_id: PARA_B, valid: false },
        RelayEvent::DisputeConcludedAgainstIncluded {
            candidate_hash: candidate,
            para_id: PARA_B,
            backed_in: BlockNumber(2),
            included_in: BlockNumber(3),
        },
        RelayEvent::Slashed { validator: validator_key(backers[0].0).public(), amount: DEV_STAKE },
        RelayEvent::Slashed {
            validator: validator_key(approver.0).public(),
            amount: DEV_STAKE / 50,
        },
        RelayEvent::ValidatorDisabled { validator: backers[0] },
    ] {
        assert!(events.contains(&expected), "{expected:?} not in {events:?}");
    }
    // An approver is slashed, not disabled.
    assert!(!events.contains(&RelayEvent::ValidatorDisabled { validator: approver }));
    assert_eq!((stake(&pc, backers[0]), stake(&pc, backers[1])), (0, 0));
    assert_eq!(stake(&pc, approver), DEV_STAKE - DEV_STAKE / 50);
    let untouched = (0..N).map(v).find(|i| !backers.contains(i) && *i != approver).unwrap();
    assert_eq!(stake(&pc, untouched), DEV_STAKE);
    let (db, root) = (&pc.chain.db, pc.root());
    assert_eq!(
        queries::total_issuance(db, &root).unwrap(),
        issuance - 2 * DEV_STAKE - DEV_STAKE / 50
    );
    let mut disabled = vec![backers[0], backers[1]];
    disabled.sort();
    assert_eq!(queries::disabled_validators(db, &root).unwrap(), disabled);
    assert_eq!(queries::frozen_paras(db, &root).unwrap(), vec![PARA_B]);
    let offender = validator_key(backers[1].0).public();
    let kind = OffenceKind::BackedInvalid;
    assert!(queries::offence_reported_in(db, &root, SessionIndex(0), &offender, kind)
        .unwrap()
        .is_some());
    let dispute = queries::dispute(db, &root, &candidate).unwrap().unwrap();
    assert_eq!(dispute.concluded, Some((false, BlockNumber(4))));
    assert_eq!((dispute.valid.len(), dispute.invalid.len(), dispute.backers.len()), (3, 7, 2));
    assert!(queries::availability_cores(db, &root).unwrap()[1].frozen);

    // Frozen: nothing is backed for the para.
    let next = pc.backed(PARA_B, vec![8]);
    let (_, error) =
        pc.rejected(ParaInherentData { backed_candidates: vec![next], ..Default::default() });
    assert_eq!(error, ParaInherentError::Backing(BackingError::ParaFrozen { para: PARA_B }));

    // Sudo forces a head: unfrozen, and a group without disabled members backs again.
    let force = RelayCall::ForceSetHead { para: PARA_B, head: HeadData(vec![0xb1]) };
    let tx = pc.chain.sign(&dev("Alice"), force).unwrap();
    pc.produce_with(vec![tx]);
    assert!(pc.events().contains(&RelayEvent::ParaHeadForced {
        id: PARA_B,
        head_hash: HeadData(vec![0xb1]).hash(),
    }));
    let (db, root) = (&pc.chain.db, pc.root());
    assert!(queries::frozen_paras(db, &root).unwrap().is_empty());
    assert_eq!(queries::para_head(db, &root, PARA_B).unwrap(), Some(HeadData(vec![0xb1])));
    while pc.group_for(PARA_B).1.iter().any(|m| disabled.contains(m)) {
        pc.skip(1);
    }
    let next = pc.backed(PARA_B, vec![9]);
    let kept = pc
        .produce(ParaInherentData { backed_candidates: vec![next.clone()], ..Default::default() });
    assert_eq!(kept.backed_candidates, vec![next]);
    assert_eq!(common::replay(&pc.genesis, &pc.blocks), pc.root());
}

/// A dispute concluding against a candidate still pending availability frees its core and
/// freezes nothing.
#[test]
fn a_dispute_against_a_pending_candidate_frees_its_core() {
    let mut pc = ParaChain::new();
    pc.skip(1);
    let backed = pc.backed(PARA_A, vec![1]);
    let backers: Vec<ValidatorIndex> = backed.votes.iter().map(|(v, _)| *v).collect();
    pc.produce(ParaInherentData { backed_candidates: vec![backed.clone()], ..Default::default() });
    let (set, _) =
        against(backed.hash(), PARA_A, &backers, backed.candidate.descriptor.relay_parent);
    pc.produce(disputes(vec![set]));
    assert!(pc.events().contains(&RelayEvent::CandidateDisputedInvalid {
        candidate_hash: backed.hash(),
        para_id: PARA_A,
        core: CoreIndex(0),
    }));
    let (db, root) = (&pc.chain.db, pc.root());
    assert!(queries::pending_availability(db, &root, PARA_A).unwrap().is_none());
    assert!(queries::frozen_paras(db, &root).unwrap().is_empty());
    assert_eq!(stake(&pc, backers[0]), 0);
}

/// A dispute about a candidate the chain never saw concludes valid with seven valid votes: the
/// accuser is disabled (its backing votes refused), nobody is slashed.
#[test]
fn a_dispute_concluding_valid_disables_the_accuser_only() {
    let mut pc = ParaChain::new();
    pc.skip(1);
    // The accuser: a member of the group backing para 100 on the block after the dispute's.
    let (db, root) = (&pc.chain.db, pc.root());
    let start = queries::session_start_block(db, &root).unwrap();
    let number = queries::block_number(db, &root).unwrap();
    let group = rotated_group(CoreIndex(0), BlockNumber(number.0 + 2), start, 5, 5);
    let accuser = queries::validator_groups(db, &root).unwrap()[group.0 as usize][0];
    let issuance = queries::total_issuance(db, &root).unwrap();

    let candidate = CandidateHash(Hash([0xdd; 32]));
    let session = SessionIndex(0);
    let mut statements = vec![dispute_vote(accuser, INVALID, candidate, session)];
    let voters: Vec<ValidatorIndex> = (0..N).map(v).filter(|i| *i != accuser).take(7).collect();
    statements.extend(voters.iter().map(|i| dispute_vote(*i, VALID, candidate, session)));
    let set =
        DisputeStatementSet { candidate_hash: candidate, session, para_id: PARA_A, statements };
    pc.produce(disputes(vec![set]));
    let events = pc.events();
    assert!(events.contains(&RelayEvent::DisputeConcluded {
        candidate_hash: candidate,
        para_id: PARA_A,
        valid: true
    }));
    assert!(events.contains(&RelayEvent::ValidatorDisabled { validator: accuser }));
    assert!(!events.iter().any(|e| matches!(e, RelayEvent::Slashed { .. })));
    let (db, root) = (&pc.chain.db, pc.root());
    assert_eq!(queries::total_issuance(db, &root).unwrap(), issuance);
    assert_eq!(queries::disabled_validators(db, &root).unwrap(), vec![accuser]);
    let offender = validator_key(accuser.0).public();
    let kind = OffenceKind::DisputedValid;
    assert!(queries::offence_reported_in(db, &root, session, &offender, kind).unwrap().is_some());

    let (_, members) = pc.group_for(PARA_A);
    assert!(members.contains(&accuser));
    let c = pc.candidate(PARA_A, vec![1], |_| {});
    let (kept, error) = pc.rejected(ParaInherentData {
        backed_candidates: vec![pc.back(&c, &members)],
        ..Default::default()
    });
    assert_eq!(
        error,
        ParaInherentError::Backing(BackingError::DisabledBacker {
            para: PARA_A,
            validator: accuser
        })
    );
    // Without the disabled vote, one is left: fewer than the group's two.
    assert!(kept.backed_candidates.is_empty());
}

/// A set with statements on one side only cannot open a dispute; once one is open (a valid
/// and an invalid vote), one-sided sets add to it; bad sets are each their own error.
#[test]
fn one_sided_sets_do_not_open_disputes_and_bad_sets_are_refused() {
    let mut pc = ParaChain::new();
    pc.skip(1);
    let candidate = CandidateHash(Hash([0xee; 32]));
    let session = SessionIndex(0);
    let set = |statements| DisputeStatementSet {
        candidate_hash: candidate,
        session,
        para_id: PARA_A,
        statements,
    };
    let one_sided = set(vec![
        dispute_vote(v(0), INVALID, candidate, session),
        dispute_vote(v(1), INVALID, candidate, session),
    ]);
    let (kept, error) = pc.rejected(disputes(vec![one_sided.clone()]));
    assert!(kept.disputes.is_empty());
    assert_eq!(error, ParaInherentError::Dispute(DisputeError::OneSided { candidate }));

    let opening = set(vec![
        dispute_vote(v(2), VALID, candidate, session),
        dispute_vote(v(3), INVALID, candidate, session),
    ]);
    pc.produce(disputes(vec![opening]));
    assert!(pc
        .events()
        .contains(&RelayEvent::DisputeInitiated { candidate_hash: candidate, para_id: PARA_A }));
    assert_eq!(pc.produce(disputes(vec![one_sided.clone()])).disputes, vec![one_sided]);
    let dispute = queries::dispute(&pc.chain.db, &pc.root(), &candidate).unwrap().unwrap();
    assert_eq!((dispute.valid, dispute.invalid), (vec![v(2)], vec![v(0), v(1), v(3)]));
    assert_eq!(dispute.concluded, None);
    let all = queries::disputes(&pc.chain.db, &pc.root()).unwrap();
    assert_eq!(all.len(), 1);

    let mut bad_signature = set(vec![dispute_vote(v(4), INVALID, candidate, session)]);
    bad_signature.statements[0].2 = dispute_vote(v(4), VALID, candidate, session).2;
    let unknown = set(vec![dispute_vote(v(10), INVALID, candidate, session)]);
    let twice = set(vec![
        dispute_vote(v(5), INVALID, candidate, session),
        dispute_vote(v(5), INVALID, candidate, session),
    ]);
    let mut old = set(vec![dispute_vote(v(5), INVALID, candidate, SessionIndex(7))]);
    old.session = SessionIndex(7);
    let mut other_para = set(vec![dispute_vote(v(6), INVALID, candidate, session)]);
    other_para.para_id = PARA_B;
    let cases = [
        (bad_signature, DisputeError::BadSignature { candidate, validator: v(4) }),
        (unknown, DisputeError::UnknownValidator { candidate, validator: v(10), validators: N }),
        (twice, DisputeError::DuplicateStatement { candidate, validator: v(5), valid: false }),
        (old, DisputeError::SessionNotAccountable { candidate, session: SessionIndex(7) }),
        (other_para, DisputeError::ParaMismatch { candidate, para: PARA_B, known: PARA_A }),
        (set(vec![]), DisputeError::NoStatements { candidate }),
    ];
    for (bad, expected) in cases {
        let (kept, error) = pc.rejected(disputes(vec![bad]));
        assert!(kept.disputes.is_empty());
        assert_eq!(error, ParaInherentError::Dispute(expected));
    }
}

/// Disabled validators are enabled again at the next session, and disputes of sessions more
/// than `dispute_period` (2) ago are forgotten.
#[test]
fn disabling_ends_with_the_session_and_old_disputes_are_pruned() {
    let mut pc = ParaChain::new();
    pc.skip(1);
    let candidate = CandidateHash(Hash([0xab; 32]));
    let session = SessionIndex(0);
    let mut statements = vec![dispute_vote(v(0), INVALID, candidate, session)];
    statements.extend((1..8).map(|i| dispute_vote(v(i), VALID, candidate, session)));
    let set =
        DisputeStatementSet { candidate_hash: candidate, session, para_id: PARA_A, statements };
    pc.produce(disputes(vec![set]));
    assert_eq!(queries::disabled_validators(&pc.chain.db, &pc.root()).unwrap(), vec![v(0)]);
    for (session, kept) in [(1, true), (2, true), (3, false)] {
        pc.slot = common::FIRST_SLOT + 20 * session;
        pc.skip(1);
        let (db, root) = (&pc.chain.db, pc.root());
        assert!(queries::disabled_validators(db, &root).unwrap().is_empty());
        assert_eq!(
            queries::dispute(db, &root, &candidate).unwrap().is_some(),
            kept,
            "session {session}"
        );
    }
}

/// However many validators lose disputes, at most f of them are disabled: disabling more
/// could leave too few backers and voters to go on.
#[test]
fn at_most_f_validators_are_disabled() {
    let mut pc = ParaChain::new();
    pc.skip(1);
    let session = SessionIndex(0);
    // Three disputes concluding valid, each with two accusers: six offenders, f = 3.
    let mut sets = Vec::new();
    for d in 0..3u32 {
        let candidate = CandidateHash(Hash([0xe0 + d as u8; 32]));
        let accusers = [v(2 * d), v(2 * d + 1)];
        let mut statements: Vec<_> =
            accusers.iter().map(|a| dispute_vote(*a, INVALID, candidate, session)).collect();
        let voters: Vec<ValidatorIndex> =
            (0..N).map(v).filter(|i| !accusers.contains(i)).take(7).collect();
        statements.extend(voters.iter().map(|i| dispute_vote(*i, VALID, candidate, session)));
        sets.push(DisputeStatementSet {
            candidate_hash: candidate,
            session,
            para_id: PARA_A,
            statements,
        });
    }
    pc.produce(disputes(sets));
    let (db, root) = (&pc.chain.db, pc.root());
    let disabled = queries::disabled_validators(db, &root).unwrap();
    assert_eq!(disabled.len(), atoll_primitives::parachain::byzantine_threshold(N as usize));
}
