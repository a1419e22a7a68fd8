//! Backing, availability and inclusion (rules 19 to 22): a candidate backed by its group is
//! pending, included after n − f bitfields, times out otherwise; each broken acceptance rule
//! is its own error on import and is dropped by an author.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests stop loudly.

mod common;

use atoll_primitives::parachain::{BackedCandidate, ParaInherentData};
use atoll_primitives::{
    BlockNumber, CoreIndex, Hash, HeadData, ParaId, SessionIndex, ValidationCode,
    ValidationCodeHash,
};
use atoll_relay_chain::messaging::MessagingRuleError;
use atoll_relay_chain::{
    queries, BackingError, BitfieldError, BlockError, DropReason, IncludedCandidate,
    ParaInherentError, RelayCall, RelayEvent, RelayExtrinsic,
};
use common::para::*;
use common::{dev, import_copy, replay, with_body, FIRST_SLOT};

fn with_candidates(candidates: Vec<BackedCandidate>) -> ParaInherentData {
    ParaInherentData { backed_candidates: candidates, ..Default::default() }
}

/// Backed by its group, a candidate is pending on its core; six bitfields are not enough,
/// the seventh (n − f) includes it one block later: the head is the para's, the event names
/// it, the record keeps its blocks and backers; a candidate built on the pending head is
/// backed in the same block. Importing the authored blocks gives the same state.
#[test]
fn a_backed_candidate_is_included_after_n_minus_f_bitfields() {
    let mut pc = ParaChain::new();
    pc.skip(1);
    let (group, members) = pc.group_for(PARA_A);
    let backed = pc.backed(PARA_A, vec![1, 2, 3]);
    let hash = backed.hash();
    let kept = pc.produce(with_candidates(vec![backed.clone()]));
    assert_eq!(kept.backed_candidates, vec![backed.clone()]);
    assert!(pc.events().contains(&RelayEvent::CandidateBacked {
        candidate_hash: hash,
        para_id: PARA_A,
        core: CoreIndex(0),
        group,
    }));
    let (db, root) = (&pc.chain.db, pc.root());
    let cores = queries::availability_cores(db, &root).unwrap();
    let pending = cores[0].pending.clone().expect("pending on core 0");
    assert_eq!((pending.candidate_hash, pending.backers.clone()), (hash, members.clone()));
    assert_eq!((pending.backed_in, pending.availability_count()), (BlockNumber(2), 0));
    assert!(cores[1].pending.is_none());
    // The next candidate builds on the pending head.
    let pvd = queries::persisted_validation_data(db, &root, PARA_A).unwrap().unwrap();
    assert_eq!(pvd.parent_head, HeadData(vec![1, 2, 3]));
    assert_eq!(pvd.relay_parent_number, BlockNumber(2));
    assert_eq!(pvd.relay_parent_storage_root, root);

    // Six attestations (and bits for the free core 1, ignored).
    let six: Vec<_> = (0..6).map(v).collect();
    pc.produce(ParaInherentData {
        bitfields: pc.bitfields(&six, &[true, true]),
        ..Default::default()
    });
    let pending = queries::pending_availability(&pc.chain.db, &pc.root(), PARA_A).unwrap().unwrap();
    assert_eq!(pending.availability_count(), 6);
    assert_eq!(
        queries::para_head(&pc.chain.db, &pc.root(), PARA_A).unwrap(),
        Some(HeadData(vec![0xa0]))
    );

    // Validators 4..10 attest: 10 in all; and the next candidate enters in the same block.
    let next = pc.backed(PARA_A, vec![4]);
    let late: Vec<_> = (4..N).map(v).collect();
    let data = ParaInherentData {
        bitfields: pc.bitfields(&late, &[true, false]),
        backed_candidates: vec![next.clone()],
        ..Default::default()
    };
    let kept = pc.produce(data.clone());
    assert_eq!(kept, data);
    let events = pc.events();
    assert!(events.contains(&RelayEvent::CandidateIncluded {
        candidate: backed.candidate.to_plain(),
        para_id: PARA_A,
        core: CoreIndex(0),
        group,
        head_hash: HeadData(vec![1, 2, 3]).hash(),
        upward_messages: 0,
        horizontal_messages: 0,
    }));
    let (db, root) = (&pc.chain.db, pc.root());
    assert_eq!(queries::para_head(db, &root, PARA_A).unwrap(), Some(HeadData(vec![1, 2, 3])));
    assert_eq!(
        queries::included_candidate(db, &root, &hash).unwrap(),
        Some(IncludedCandidate {
            para_id: PARA_A,
            session: SessionIndex(0),
            relay_parent_number: BlockNumber(1),
            backed_in: BlockNumber(2),
            included_in: BlockNumber(4),
            backers: members,
        })
    );
    let pending = queries::pending_availability(db, &root, PARA_A).unwrap().unwrap();
    assert_eq!(pending.candidate_hash, next.hash());
    assert_eq!(replay(&pc.genesis, &pc.blocks), pc.root());
}

/// A candidate that upgrades code schedules the upgrade when included (rule 11), and another
/// upgrading candidate is refused while it is pending.
#[test]
fn an_included_code_upgrade_is_scheduled() {
    let mut pc = ParaChain::new();
    pc.skip(1);
    let code = ValidationCode(b"\0asm new code".to_vec());
    let candidate = pc.candidate(PARA_B, vec![7], |c| {
        c.commitments.new_validation_code = Some(code.clone());
        c.commitments.upward_messages = vec![vec![1; 10], vec![2; 20]];
    });
    let backed = pc.back(&candidate, &pc.group_for(PARA_B).1);
    pc.produce(with_candidates(vec![backed]));
    let all: Vec<_> = (0..N).map(v).collect();
    pc.produce(ParaInherentData {
        bitfields: pc.bitfields(&all, &[false, true]),
        ..Default::default()
    });
    let events = pc.events();
    assert!(events.iter().any(|e| matches!(
        e,
        RelayEvent::CandidateIncluded { para_id: PARA_B, upward_messages: 2, .. }
    )));
    let scheduled = RelayEvent::CodeUpgradeScheduled {
        id: PARA_B,
        code_hash: code.hash(),
        at: BlockNumber(3 + pc.genesis.config.validation_upgrade_delay),
    };
    assert!(events.contains(&scheduled), "{events:?}");

    let again = pc.candidate(PARA_B, vec![8], |c| {
        c.commitments.new_validation_code = Some(ValidationCode(b"\0asm newer".to_vec()));
    });
    let backed = pc.back(&again, &pc.group_for(PARA_B).1);
    let (_, error) = pc.rejected(with_candidates(vec![backed]));
    assert_eq!(
        error,
        ParaInherentError::Backing(BackingError::UpgradeAlreadyPending {
            para: PARA_B,
            at: BlockNumber(8),
        })
    );
}

/// The candidate the error of `rejected` is about, asserting the author dropped it.
fn refused(pc: &ParaChain, candidates: Vec<BackedCandidate>) -> BackingError {
    let expected_kept = candidates.len() - 1;
    let (kept, error) = pc.rejected(with_candidates(candidates));
    assert_eq!(kept.backed_candidates.len(), expected_kept, "the author drops it");
    match error {
        ParaInherentError::Backing(e) => e,
        other => panic!("expected a backing error, got {other:?}"),
    }
}

/// Each broken acceptance rule is its own error naming the ids.
#[test]
fn each_broken_backing_rule_is_its_own_error() {
    let mut pc = ParaChain::new();
    pc.skip(2);
    let members = pc.group_for(PARA_A).1;
    let back = |tamper: fn(&mut atoll_primitives::CommittedCandidateReceipt)| {
        let c = pc.candidate(PARA_A, vec![1], tamper);
        pc.back(&c, &members)
    };

    let good = pc.candidate(PARA_A, vec![1], |_| {});
    let one_vote = pc.back(&good, &members[..1]);
    assert_eq!(
        refused(&pc, vec![one_vote]),
        BackingError::InsufficientVotes { para: PARA_A, votes: 1, needed: 2 }
    );

    let groups = queries::validator_groups(&pc.chain.db, &pc.root()).unwrap();
    let other = groups.iter().find(|g| **g != members).unwrap().clone();
    let (group, _) = pc.group_for(PARA_A);
    assert_eq!(
        refused(&pc, vec![pc.back(&good, &other)]),
        BackingError::NotInGroup { para: PARA_A, validator: other[0], group }
    );

    let mut bad_signature = pc.back(&good, &members);
    let elsewhere = pc.back(&pc.candidate(PARA_A, vec![2], |_| {}), &members);
    bad_signature.votes[1] = elsewhere.votes[1];
    assert_eq!(
        refused(&pc, vec![bad_signature]),
        BackingError::BadBackingSignature { para: PARA_A, validator: members[1] }
    );

    assert_eq!(
        refused(&pc, vec![back(|c| c.descriptor.relay_parent = Hash([7; 32]))]),
        BackingError::UnknownRelayParent { para: PARA_A, relay_parent: Hash([7; 32]) }
    );
    let grandparent = pc.chain.head.parent_hash;
    let mut old = pc.candidate(PARA_A, vec![1], |_| {});
    old.descriptor.relay_parent = grandparent;
    old.descriptor.sign(&collator_key());
    assert_eq!(
        refused(&pc, vec![pc.back(&old, &members)]),
        BackingError::UnknownRelayParent { para: PARA_A, relay_parent: grandparent }
    );

    let pvd = good.descriptor.persisted_validation_data_hash;
    assert_eq!(
        refused(&pc, vec![back(|c| c.descriptor.persisted_validation_data_hash = Hash([1; 32]))]),
        BackingError::PvdMismatch { para: PARA_A, expected: pvd, got: Hash([1; 32]) }
    );
    let code = good.descriptor.validation_code_hash;
    let wrong_code = ValidationCodeHash(Hash([2; 32]));
    assert_eq!(
        refused(
            &pc,
            vec![back(|c| c.descriptor.validation_code_hash = ValidationCodeHash(Hash([2; 32])))]
        ),
        BackingError::CodeHashMismatch { para: PARA_A, expected: code, got: wrong_code }
    );
    assert_eq!(
        refused(&pc, vec![back(|c| c.descriptor.para_head = Hash([3; 32]))]),
        BackingError::HeadHashMismatch {
            para: PARA_A,
            expected: HeadData(vec![1]).hash(),
            got: Hash([3; 32]),
        }
    );
    let big = pc.candidate(PARA_A, vec![0; MAX_HEAD as usize + 1], |_| {});
    assert_eq!(
        refused(&pc, vec![pc.back(&big, &members)]),
        BackingError::HeadTooLarge { para: PARA_A, size: u64::from(MAX_HEAD) + 1, max: MAX_HEAD }
    );
    let mut forged = pc.candidate(PARA_A, vec![1], |_| {});
    forged.descriptor.signature = atoll_primitives::Sr25519Signature([9; 64]);
    let collator = forged.descriptor.collator;
    assert_eq!(
        refused(&pc, vec![pc.back(&forged, &members)]),
        BackingError::BadCollatorSignature { para: PARA_A, collator }
    );
    assert_eq!(
        refused(&pc, vec![back(|c| c.descriptor.para_id = ParaId(3000))]),
        BackingError::UnknownPara { para: ParaId(3000) }
    );
    assert_eq!(
        refused(&pc, vec![back(|c| c.commitments.processed_downward_messages = 1)]),
        BackingError::Messaging {
            para: PARA_A,
            error: MessagingRuleError::DownwardOverrun { processed: 1, available: 0 }
        }
    );
    assert_eq!(
        refused(&pc, vec![back(|c| c.commitments.upward_messages = vec![vec![0]; 17])]),
        BackingError::Messaging {
            para: PARA_A,
            error: MessagingRuleError::TooManyUpward { count: 17, max: 16 }
        }
    );

    // A second candidate for the same core: the first is kept.
    let second = pc.back(&pc.candidate(PARA_A, vec![2], |_| {}), &members);
    assert_eq!(
        refused(&pc, vec![pc.back(&good, &members), second]),
        BackingError::CoreOccupied { para: PARA_A, core: CoreIndex(0), pending: good.hash() }
    );
}

/// Votes out of order or from outside the group make an imported block invalid; an author
/// sorts the votes and removes the bad ones, keeping a candidate that still has enough.
#[test]
fn an_author_repairs_the_votes_of_a_candidate() {
    let mut pc = ParaChain::new();
    pc.skip(1);
    let members = pc.group_for(PARA_A).1;
    let outsider = (0..N).map(v).find(|i| !members.contains(i)).unwrap();
    let good = pc.candidate(PARA_A, vec![1], |_| {});
    let reversed = pc.back(&good, &[members[1], members[0]]);
    let (kept, error) = pc.rejected(with_candidates(vec![reversed.clone()]));
    assert_eq!(
        error,
        ParaInherentError::Backing(BackingError::VotesUnsorted {
            para: PARA_A,
            validator: members[0],
            previous: members[1],
        })
    );
    let mut sorted = reversed.votes.clone();
    sorted.reverse();
    assert_eq!(kept.backed_candidates[0].votes, sorted);

    let mut voters = members.clone();
    voters.push(outsider);
    voters.sort();
    let with_outsider = pc.back(&good, &voters);
    let (kept, error) = pc.rejected(with_candidates(vec![with_outsider]));
    assert!(matches!(error, ParaInherentError::Backing(BackingError::NotInGroup { .. })));
    assert_eq!(kept.backed_candidates[0].votes.len(), 2);
    pc.produce(with_candidates(vec![reversed]));
    assert!(queries::pending_availability(&pc.chain.db, &pc.root(), PARA_A).unwrap().is_some());
    assert_eq!(replay(&pc.genesis, &pc.blocks), pc.root());
}

/// A candidate still pending `availability_timeout` (5) blocks after its backing block stays;
/// one block later it times out and its core is free.
#[test]
fn availability_timeout_frees_the_core() {
    let mut pc = ParaChain::new();
    pc.skip(1);
    let backed = pc.backed(PARA_B, vec![5]);
    pc.produce(with_candidates(vec![backed.clone()]));
    let few: Vec<_> = (0..3).map(v).collect();
    pc.produce(ParaInherentData {
        bitfields: pc.bitfields(&few, &[false, true]),
        ..Default::default()
    });
    pc.skip(4);
    let pending = queries::pending_availability(&pc.chain.db, &pc.root(), PARA_B).unwrap();
    assert_eq!(pending.map(|p| (p.backed_in, p.availability_count())), Some((BlockNumber(2), 3)));
    pc.skip(1);
    assert!(pc.events().contains(&RelayEvent::CandidateTimedOut {
        candidate_hash: backed.hash(),
        para_id: PARA_B,
        core: CoreIndex(1),
    }));
    assert!(queries::pending_availability(&pc.chain.db, &pc.root(), PARA_B).unwrap().is_none());
    assert_eq!(
        queries::para_head(&pc.chain.db, &pc.root(), PARA_B).unwrap(),
        Some(HeadData(vec![0xb0]))
    );
    // The core takes a new candidate.
    let again = pc.backed(PARA_B, vec![6]);
    assert_eq!(pc.produce(with_candidates(vec![again.clone()])).backed_candidates, vec![again]);
    assert_eq!(replay(&pc.genesis, &pc.blocks), pc.root());
}

/// Pending candidates do not cross a session boundary; deregistering a para drops its
/// candidate and moves the next para's candidate to its new core.
#[test]
fn session_changes_and_deregistration_drop_pending_candidates() {
    let mut pc = ParaChain::new();
    pc.skip(1);
    let a = pc.backed(PARA_A, vec![1]);
    let b = pc.backed(PARA_B, vec![2]);
    pc.produce(with_candidates(vec![a.clone(), b.clone()]));
    let deregister =
        pc.chain.sign(&dev("Alice"), RelayCall::DeregisterPara { id: PARA_A }).unwrap();
    let (_, refused) = pc.produce_with(vec![deregister]);
    assert!(refused.is_empty());
    let events = pc.events();
    assert!(events.contains(&RelayEvent::CandidateDropped {
        candidate_hash: a.hash(),
        para_id: PARA_A,
        core: CoreIndex(0),
        reason: DropReason::ParaDeregistered,
    }));
    let cores = queries::availability_cores(&pc.chain.db, &pc.root()).unwrap();
    assert_eq!(cores.len(), 1);
    assert_eq!(
        cores[0].pending.as_ref().map(|p| (p.core, p.candidate_hash)),
        Some((CoreIndex(0), b.hash()))
    );

    pc.slot = FIRST_SLOT + 20;
    pc.skip(1);
    assert!(pc.events().contains(&RelayEvent::CandidateDropped {
        candidate_hash: b.hash(),
        para_id: PARA_B,
        core: CoreIndex(0),
        reason: DropReason::SessionChange,
    }));
    assert_eq!(replay(&pc.genesis, &pc.blocks), pc.root());
}

/// Bitfields: wrong length, unknown signer, bad signature, unsorted are each an import error;
/// an author sorts, deduplicates and drops the bad ones.
#[test]
fn bad_bitfields_are_errors_and_dropped_by_authors() {
    let mut pc = ParaChain::new();
    pc.skip(1);
    let good = pc.bitfields(&[v(0), v(1), v(2)], &[true, false]);
    let cases = [
        (
            pc.bitfields(&[v(3)], &[true]),
            BitfieldError::WrongLength { validator: v(3), len: 1, cores: 2 },
        ),
        (
            pc.bitfields(&[v(10)], &[true, true]),
            BitfieldError::UnknownValidator { validator: v(10), validators: N },
        ),
        (
            {
                let mut forged = pc.bitfields(&[v(4)], &[true, true]);
                forged[0].payload.0[1] = false;
                forged
            },
            BitfieldError::BadSignature { validator: v(4) },
        ),
    ];
    for (bad, expected) in cases {
        let mut bitfields = good.clone();
        bitfields.extend(bad);
        let (kept, error) = pc.rejected(ParaInherentData { bitfields, ..Default::default() });
        assert_eq!(error, ParaInherentError::Bitfield(expected));
        assert_eq!(kept.bitfields, good);
    }
    let mut unsorted = good.clone();
    unsorted.swap(0, 2);
    unsorted.push(good[1].clone());
    let (kept, error) = pc.rejected(ParaInherentData { bitfields: unsorted, ..Default::default() });
    assert_eq!(
        error,
        ParaInherentError::Bitfield(BitfieldError::Unsorted { validator: v(1), previous: v(2) })
    );
    assert_eq!(kept.bitfields, good);
}

/// The para inherent must be the first extrinsic and appear once; `build_block` puts it first
/// and refuses a second.
#[test]
fn the_para_inherent_comes_first_and_once() {
    let mut pc = ParaChain::new();
    pc.skip(1);
    let parent = pc.clone();
    let transfer = pc
        .chain
        .sign(&dev("Alice"), RelayCall::Transfer { dest: dev("Bob").public(), amount: 1 })
        .unwrap();
    let inherent = RelayExtrinsic::ParaInherent(ParaInherentData::default());
    let (block, refused) =
        pc.produce_with(vec![transfer.clone(), inherent.clone(), inherent.clone()]);
    assert_eq!(block.body, vec![inherent.clone(), transfer.clone()]);
    assert_eq!(refused, vec![(inherent.clone(), BlockError::MisplacedParaInherent { index: 2 })]);
    let swapped = with_body(&block, vec![transfer, inherent]);
    assert_eq!(
        import_copy(&parent.chain.db, &parent.chain.head, &swapped),
        Err(BlockError::MisplacedParaInherent { index: 1 })
    );
    assert_eq!(
        import_copy(&parent.chain.db, &parent.chain.head, &block),
        Ok(block.header.state_root)
    );
}
