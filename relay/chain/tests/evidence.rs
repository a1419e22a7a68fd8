//! Equivocation evidence: valid reports are recorded once, duplicates change nothing, forged or
//! misattributed evidence makes a block invalid, and only the current and previous sessions are
//! accountable.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests stop loudly.

mod common;

use atoll_primitives::crypto::Pair;
use atoll_primitives::relay::{
    AuthorEquivocation, RelayHeader, SignedVote, Slot, Vote, VoteEquivocation, VoteStage,
    VOTE_SIGNING_CONTEXT,
};
use atoll_primitives::{BlockNumber, Hash, SessionIndex, ValidatorIndex};
use atoll_relay_chain::testing::{pre_digest, seal, DevChain};
use atoll_relay_chain::{
    queries, BlockError, Offence, OffenceError, OffenceKind, RelayCall, RelayExtrinsic,
};
use common::*;

/// Two different headers sealed by `author` (index `index`) for `slot` of `session`.
fn author_equivocation(
    chain: &DevChain,
    author: &Pair,
    slot: u64,
    session: u32,
) -> AuthorEquivocation {
    let digest = pre_digest(&chain.db, &chain.head, Slot(slot), author).expect("author in set");
    let header = |n: u8| {
        let mut h = RelayHeader {
            parent_hash: chain.head.hash(),
            number: BlockNumber(chain.head.number.0 + 1),
            state_root: Hash([n; 32]),
            extrinsics_root: Hash::ZERO,
            pre_digest: digest.clone(),
            seal: Default::default(),
        };
        seal(&mut h, author);
        h
    };
    AuthorEquivocation {
        session: SessionIndex(session),
        offender: author.public(),
        first: header(1),
        second: header(2),
    }
}

fn vote(set: u32, voter: u32, target: u8, signer: &Pair) -> SignedVote {
    let vote = Vote {
        set_id: SessionIndex(set),
        round: 3,
        stage: VoteStage::Precommit,
        target_hash: Hash([target; 32]),
        target_number: BlockNumber(7),
    };
    let signature = signer.sign(VOTE_SIGNING_CONTEXT, &vote.signing_payload());
    SignedVote { vote, voter: ValidatorIndex(voter), signature }
}

/// The refusal reason of `xt` when authoring a block at `slot`.
fn refusal(chain: &DevChain, slot: u64, xt: RelayExtrinsic) -> OffenceError {
    let mut chain = chain.clone();
    let (_, refused) = chain.produce(Slot(slot), vec![xt]).unwrap();
    match refused.into_iter().next() {
        Some((_, BlockError::InvalidEvidence { index: 0, reason })) => reason,
        other => panic!("expected invalid evidence, got {other:?}"),
    }
}

/// Author equivocation by Alice is recorded once with its session and block; reporting it again
/// (same or other pair of headers) is a valid no-op.
#[test]
fn author_equivocation_is_recorded_once() {
    let mut chain = chain();
    produce(&mut chain, FIRST_SLOT, vec![]);
    let alice = dev("Alice");
    let ev = author_equivocation(&chain, &alice, FIRST_SLOT + 2, 0);
    let b2 = produce(
        &mut chain,
        FIRST_SLOT + 1,
        vec![RelayExtrinsic::ReportAuthorEquivocation(Box::new(ev.clone()))],
    );
    let expected = vec![Offence {
        session: SessionIndex(0),
        offender: alice.public(),
        kind: OffenceKind::AuthorEquivocation,
        reported_in: BlockNumber(2),
    }];
    assert_eq!(queries::offences(&chain.db, &chain.root()).unwrap(), expected);
    assert_eq!(
        queries::offence_reported_in(
            &chain.db,
            &chain.root(),
            SessionIndex(0),
            &alice.public(),
            OffenceKind::AuthorEquivocation
        )
        .unwrap(),
        Some(BlockNumber(2))
    );
    assert!(events(&chain)
        .iter()
        .any(|r| matches!(r.event, atoll_relay_chain::RelayEvent::OffenceRecorded { .. })));

    // The same evidence again, and another pair of headers: valid, nothing new.
    let again = author_equivocation(&chain, &alice, FIRST_SLOT + 4, 0);
    let b3 = produce(
        &mut chain,
        FIRST_SLOT + 3,
        vec![
            RelayExtrinsic::ReportAuthorEquivocation(Box::new(ev)),
            RelayExtrinsic::ReportAuthorEquivocation(Box::new(again)),
        ],
    );
    assert_eq!(queries::offences(&chain.db, &chain.root()).unwrap(), expected);
    assert!(events(&chain).is_empty(), "a duplicate report records nothing");
    let _ = (b2, b3);
}

/// Forged author-equivocation evidence is refused with the precise reason, and a block carrying
/// it does not import.
#[test]
fn forged_author_equivocation_is_rejected() {
    let mut chain = chain();
    produce(&mut chain, FIRST_SLOT, vec![]);
    let (alice, bob) = (dev("Alice"), dev("Bob"));
    let slot = FIRST_SLOT + 1;
    let report = |ev: AuthorEquivocation| RelayExtrinsic::ReportAuthorEquivocation(Box::new(ev));
    let good = author_equivocation(&chain, &alice, FIRST_SLOT + 2, 0);

    let mut bad = good.clone();
    seal(&mut bad.second, &bob);
    assert_eq!(
        refusal(&chain, slot, report(bad.clone())),
        OffenceError::BadSignature { hash: bad.second.pre_seal_hash() }
    );
    let mut same = good.clone();
    same.second = same.first.clone();
    assert!(matches!(refusal(&chain, slot, report(same)), OffenceError::NotDifferent { .. }));
    let mut wrong = good.clone();
    wrong.offender = bob.public();
    assert_eq!(
        refusal(&chain, slot, report(wrong)),
        OffenceError::WrongOffender {
            session: SessionIndex(0),
            index: good.first.pre_digest.author,
            actual: Some(alice.public()),
            claimed: bob.public(),
        }
    );
    let mut slots = good.clone();
    slots.second.pre_digest.slot = Slot(FIRST_SLOT + 3);
    seal(&mut slots.second, &alice);
    assert!(matches!(refusal(&chain, slot, report(slots)), OffenceError::DifferentSlots { .. }));
    let mut future = good.clone();
    future.session = SessionIndex(1);
    assert_eq!(
        refusal(&chain, slot, report(future)),
        OffenceError::SessionNotAccountable { session: SessionIndex(1) }
    );
    // Slot 999 is before session 0 started (block #1 is at 1000).
    let early = author_equivocation(&chain, &alice, FIRST_SLOT + 2, 0);
    let mut early = early;
    for h in [&mut early.first, &mut early.second] {
        h.pre_digest.slot = Slot(FIRST_SLOT - 1);
        seal(h, &alice);
    }
    assert_eq!(
        refusal(&chain, slot, report(early)),
        OffenceError::SlotOutsideSession { slot: Slot(FIRST_SLOT - 1), session: SessionIndex(0) }
    );

    // A block carrying forged evidence is invalid.
    let block = produce(&mut chain.clone(), slot, vec![]);
    let forged = with_body(&block, vec![report(bad)]);
    assert!(matches!(
        import_copy(&chain.db, &chain.head, &forged),
        Err(BlockError::InvalidEvidence { index: 0, reason: OffenceError::BadSignature { .. } })
    ));
}

/// Vote equivocation (two precommits of one round for different blocks) is recorded once;
/// forged or mismatched votes are refused.
#[test]
fn vote_equivocation_is_recorded_once_and_forgeries_rejected() {
    let mut chain = chain();
    produce(&mut chain, FIRST_SLOT, vec![]);
    let (alice, bob) = (dev("Alice"), dev("Bob"));
    let ev = VoteEquivocation {
        offender: bob.public(),
        first: vote(0, 1, 1, &bob),
        second: vote(0, 1, 2, &bob),
    };
    let report = RelayExtrinsic::ReportVoteEquivocation;
    let slot = FIRST_SLOT + 1;

    let forged = VoteEquivocation { second: vote(0, 1, 2, &alice), ..ev.clone() };
    assert!(matches!(refusal(&chain, slot, report(forged)), OffenceError::BadSignature { .. }));
    let same = VoteEquivocation { second: ev.first.clone(), ..ev.clone() };
    assert!(matches!(refusal(&chain, slot, report(same)), OffenceError::NotDifferent { .. }));
    let mut other_round = ev.clone();
    other_round.second.vote.round = 4;
    other_round.second.signature =
        bob.sign(VOTE_SIGNING_CONTEXT, &other_round.second.vote.signing_payload());
    assert_eq!(refusal(&chain, slot, report(other_round)), OffenceError::DifferentVoteContexts);
    let misattributed = VoteEquivocation {
        offender: alice.public(),
        first: vote(0, 1, 1, &alice),
        second: vote(0, 1, 2, &alice),
    };
    assert!(matches!(
        refusal(&chain, slot, report(misattributed)),
        OffenceError::WrongOffender { actual: Some(a), .. } if a == bob.public()
    ));

    produce(&mut chain, slot, vec![report(ev.clone()), report(ev.clone())]);
    let offences = queries::offences(&chain.db, &chain.root()).unwrap();
    assert_eq!(
        offences,
        vec![Offence {
            session: SessionIndex(0),
            offender: bob.public(),
            kind: OffenceKind::VoteEquivocation,
            reported_in: BlockNumber(2),
        }]
    );
}

/// After one session change the previous session's evidence is still accepted; after two it is
/// refused; the session's validators (not the current ones) are the accountable set.
#[test]
fn only_current_and_previous_sessions_are_accountable() {
    let mut chain = chain();
    let alice = dev("Alice");
    let xts = vec![chain
        .sign(&alice, RelayCall::SetValidators { validators: vec![dev("Charlie").public()] })
        .unwrap()];
    produce(&mut chain, FIRST_SLOT, xts);
    // Bob was validator 1 of session 0.
    let bob = dev("Bob");
    let ev = VoteEquivocation {
        offender: bob.public(),
        first: vote(0, 1, 1, &bob),
        second: vote(0, 1, 2, &bob),
    };
    let report = RelayExtrinsic::ReportVoteEquivocation;
    produce(&mut chain, FIRST_SLOT + 20, vec![]); // session 1: Charlie alone
    let mut later = chain.clone();
    produce(&mut chain, FIRST_SLOT + 21, vec![report(ev.clone())]);
    assert_eq!(queries::offences(&chain.db, &chain.root()).unwrap().len(), 1);

    produce(&mut later, FIRST_SLOT + 40, vec![]); // session 2
    assert_eq!(
        refusal(&later, FIRST_SLOT + 41, report(ev)),
        OffenceError::SessionNotAccountable { session: SessionIndex(0) }
    );
}
