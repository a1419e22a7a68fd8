//! Tests of [`Availability`](super::Availability), rule by rule: storing, fetching our chunk,
//! bitfields, recovery (including from garbage) and pruning, on the relay blocks and
//! collations of [`crate::backing::fixtures`].

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::backing::fixtures::*;
use crate::protocol::{CheckPurpose, Target};
use atoll_primitives::{CommittedCandidateReceipt, CoreIndex, PoV};

fn node(i: usize) -> Availability {
    Availability::new(Some(key(i)), AvailabilityConfig::default())
}

/// A candidate of para A on `info`, its data, and a backer (validator 0) holding it all.
fn backed(info: &RelayBlockInfo) -> (CommittedCandidateReceipt, AvailableData, Availability) {
    let (candidate, pov, validation_data) = collation(info, PARA_A, 1);
    let data = AvailableData { pov, validation_data };
    let mut backer = node(0);
    backer
        .store_available_data(candidate.hash(), candidate.descriptor.erasure_root, N, &data)
        .unwrap();
    (candidate, data, backer)
}

fn sends(actions: &[HostAction]) -> Vec<(Target, HostMessage)> {
    actions
        .iter()
        .filter_map(|a| match a {
            HostAction::Send(t, m) => Some((*t, m.clone())),
            _ => None,
        })
        .collect()
}

fn penalized(actions: &[HostAction], peer: PeerId) -> bool {
    actions.iter().any(|a| matches!(a, HostAction::Penalize { peer: p, .. } if *p == peer))
}

fn served(backer: &Availability, hash: CandidateHash, index: u32) -> Option<ErasureChunk> {
    match &backer.on_chunk_request(PeerId(50), hash, ValidatorIndex(index))[..] {
        [HostAction::Send(Target::Peer(PeerId(50)), HostMessage::ChunkResponse { chunk, .. })] => {
            chunk.clone()
        }
        other => panic!("{other:?}"),
    }
}

fn check_request(candidate: &CommittedCandidateReceipt) -> CheckRequest {
    CheckRequest {
        candidate: candidate.to_plain(),
        session: session().session,
        core: Some(CoreIndex(0)),
        purpose: CheckPurpose::Approval { block: Hash([1; 32]), candidate_index: 0 },
    }
}

#[test]
fn store_checks_the_erasure_root() {
    let info = block(1);
    let (candidate, data, _) = backed(&info);
    let mut a = node(1);
    let err = a.store_available_data(candidate.hash(), Hash([3; 32]), N, &data).unwrap_err();
    assert!(matches!(err, AvailabilityError::RootMismatch { .. }));
    assert!(!err.is_internal());
    let err = a.store_available_data(candidate.hash(), Hash([3; 32]), 0, &data).unwrap_err();
    assert!(err.is_internal());
    assert!(!a.holds_chunk(&candidate.hash()));
}

#[test]
fn own_chunk_is_fetched_from_a_backer_and_attested_after_the_delay() {
    let mut info = block(2);
    let (candidate, _, backer) = backed(&block(1));
    let hash = occupy(&mut info, &candidate, &[0, 1]);
    let mut a = node(3);
    let actions = a.on_relay_block(&info, 1_000);
    assert_eq!(
        sends(&actions),
        vec![(
            Target::Validator(ValidatorIndex(0)),
            HostMessage::ChunkRequest { candidate_hash: hash, index: ValidatorIndex(3) }
        )]
    );
    assert!(actions.contains(&HostAction::WakeAt(1_500)));
    assert!(actions.contains(&HostAction::WakeAt(1_300)));
    // A tampered chunk is refused with a penalty.
    let chunk = served(&backer, hash, 3).unwrap();
    let mut tampered = chunk.clone();
    tampered.chunk[0] ^= 1;
    let actions = a.on_chunk_response(PeerId(0), hash, Some(tampered), 1_100);
    assert!(penalized(&actions, PeerId(0)));
    assert!(!a.holds_chunk(&hash));
    // Someone else's chunk is not ours.
    let other = served(&backer, hash, 4).unwrap();
    assert!(a.on_chunk_response(PeerId(0), hash, Some(other), 1_100).is_empty());
    assert!(!a.holds_chunk(&hash));
    // The real one.
    assert!(a.on_chunk_response(PeerId(0), hash, Some(chunk.clone()), 1_200).is_empty());
    assert!(a.holds_chunk(&hash));
    // Not before the delay.
    assert!(a.on_tick(1_299).is_empty());
    let actions = a.on_tick(1_300);
    let bitfield = match &actions[..] {
        [HostAction::Broadcast(HostMessage::Bitfield { relay_parent, bitfield }), HostAction::Event(HostEvent::BitfieldSigned { bits: 1, .. })]
            if *relay_parent == info.hash =>
        {
            bitfield.clone()
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(bitfield.payload, AvailabilityBitfield(vec![true, false]));
    assert_eq!(bitfield.validator, ValidatorIndex(3));
    let context = SigningContext { session: info.session.session, parent_hash: info.hash };
    assert!(bitfield.check(&context, &key(3).public()));
    assert_eq!(a.bitfields(info.hash), vec![bitfield]);
    // Signed once.
    assert!(a.on_tick(5_000).is_empty());
    // Now it serves its chunk.
    assert_eq!(served(&a, hash, 3).map(|c| c.index), Some(ValidatorIndex(3)));
}

#[test]
fn chunk_fetch_rotates_through_backers_and_stops_when_no_longer_pending() {
    let mut info = block(2);
    let (candidate, _, _) = backed(&block(1));
    let hash = occupy(&mut info, &candidate, &[0, 1, 4]);
    // Validator 4 is a backer itself but lacks its chunk: it asks the others.
    let mut a = node(4);
    let first = sends(&a.on_relay_block(&info, 0));
    assert_eq!(first[0].0, Target::Validator(ValidatorIndex(0)));
    assert!(a.on_tick(499).iter().all(|x| !matches!(x, HostAction::Send(..))));
    let targets: Vec<Target> =
        [500, 1_000, 1_500].iter().flat_map(|t| sends(&a.on_tick(*t))).map(|(t, _)| t).collect();
    assert_eq!(
        targets,
        vec![
            Target::Validator(ValidatorIndex(1)),
            Target::Validator(ValidatorIndex(0)),
            Target::Validator(ValidatorIndex(1)),
        ]
    );
    // The next block shows the core free: the fetch stops, and no bitfield is due for it.
    let next = block(3);
    let actions = a.on_relay_block(&next, 1_600);
    assert!(actions.is_empty(), "{actions:?}");
    assert!(sends(&a.on_tick(10_000)).is_empty());
    let _ = hash;
}

#[test]
fn bitfields_are_checked_collected_and_sorted() {
    let mut info = block(2);
    let (candidate, _, _) = backed(&block(1));
    occupy(&mut info, &candidate, &[0, 1]);
    let mut collector = Availability::new(None, AvailabilityConfig::default());
    assert!(collector.on_relay_block(&info, 0).is_empty());
    let context = SigningContext { session: info.session.session, parent_hash: info.hash };
    let sign = |i: u32, bits: Vec<bool>| {
        SignedAvailabilityBitfield::sign(
            &key(i as usize),
            AvailabilityBitfield(bits),
            &context,
            ValidatorIndex(i),
        )
    };
    for i in [5, 1, 3] {
        let actions =
            collector.on_bitfield(PeerId(i.into()), info.hash, sign(i, vec![true, false]));
        assert!(actions.is_empty());
    }
    // A duplicate is ignored; the first is kept.
    collector.on_bitfield(PeerId(1), info.hash, sign(1, vec![false, false]));
    let got: Vec<u32> = collector.bitfields(info.hash).iter().map(|b| b.validator.0).collect();
    assert_eq!(got, vec![1, 3, 5]);
    assert!(collector.bitfields(info.hash)[0].payload.0[0]);
    // Bad signature, wrong length, unknown validator: penalized, not kept.
    let mut forged = sign(2, vec![true, false]);
    forged.validator = ValidatorIndex(0);
    assert!(penalized(&collector.on_bitfield(PeerId(9), info.hash, forged), PeerId(9)));
    assert!(penalized(
        &collector.on_bitfield(PeerId(9), info.hash, sign(2, vec![true])),
        PeerId(9)
    ));
    let mut stranger = sign(2, vec![true, false]);
    stranger.validator = ValidatorIndex(40);
    assert!(penalized(&collector.on_bitfield(PeerId(9), info.hash, stranger), PeerId(9)));
    // Another block's context does not verify here.
    let other_context = SigningContext { parent_hash: Hash([8; 32]), ..context };
    let wrong = SignedAvailabilityBitfield::sign(
        &key(2),
        AvailabilityBitfield(vec![true, false]),
        &other_context,
        ValidatorIndex(2),
    );
    assert!(penalized(&collector.on_bitfield(PeerId(9), info.hash, wrong), PeerId(9)));
    assert_eq!(collector.bitfields(info.hash).len(), 3);
    // Unknown block: dropped quietly.
    assert!(collector.on_bitfield(PeerId(9), Hash([8; 32]), sign(2, vec![true, false])).is_empty());
    assert!(collector.bitfields(Hash([8; 32])).is_empty());
}

#[test]
fn recovery_from_f_plus_one_chunks_rejecting_a_tampered_one() {
    let (candidate, data, backer) = backed(&block(1));
    let hash = candidate.hash();
    let mut checker = Availability::new(None, AvailabilityConfig::default());
    let actions = checker.recover(check_request(&candidate), N, 100);
    let asked: Vec<(Target, HostMessage)> = sends(&actions);
    // f + 1 = 2 and a margin of 2: four distinct validators, each for its own chunk.
    assert_eq!(asked.len(), 4);
    let mut indices = std::collections::BTreeSet::new();
    for (target, msg) in &asked {
        let Target::Validator(index) = *target else { panic!("not a validator: {target:?}") };
        assert_eq!(*msg, HostMessage::ChunkRequest { candidate_hash: hash, index });
        indices.insert(index);
    }
    assert_eq!(indices.len(), 4);
    assert!(actions.contains(&HostAction::WakeAt(4_100)));
    // A tampered chunk is refused.
    let mut tampered = served(&backer, hash, 2).unwrap();
    tampered.chunk[1] ^= 0x40;
    assert!(penalized(&checker.on_chunk_response(PeerId(2), hash, Some(tampered), 110), PeerId(2)));
    // f + 1 = 2 good ones (a recovery shard among them).
    checker.on_chunk_response(PeerId(4), hash, served(&backer, hash, 4), 120);
    assert!(checker.take_recovered().is_empty());
    // A second request for the same candidate joins the running recovery.
    assert!(checker.recover(check_request(&candidate), N, 125).is_empty());
    checker.on_chunk_response(PeerId(5), hash, served(&backer, hash, 5), 130);
    let done = checker.take_recovered();
    assert_eq!(done.len(), 2);
    for (request, outcome) in done {
        assert_eq!(request.candidate.hash(), hash);
        assert_eq!(outcome, Ok(data.clone()));
    }
    // Late chunks are ignored; nothing times out later.
    assert!(checker.on_chunk_response(PeerId(1), hash, served(&backer, hash, 1), 140).is_empty());
    checker.on_tick(10_000);
    assert!(checker.take_recovered().is_empty());
}

#[test]
fn a_backer_recovers_at_once_and_a_withholder_serves_nothing() {
    let (candidate, data, mut backer) = backed(&block(1));
    assert!(backer.recover(check_request(&candidate), N, 0).is_empty());
    assert_eq!(backer.take_recovered()[0].1, Ok(data));
    assert!(served(&backer, candidate.hash(), 3).is_some());
    backer.set_withhold(true);
    assert_eq!(served(&backer, candidate.hash(), 3), None);
    assert!(backer.holds_chunk(&candidate.hash()));
}

#[test]
fn recovery_is_unavailable_on_timeout_or_when_too_many_fail() {
    let (candidate, _, backer) = backed(&block(1));
    let hash = candidate.hash();
    // Timeout with one chunk of the two needed.
    let mut checker = Availability::new(None, AvailabilityConfig::default());
    checker.recover(check_request(&candidate), N, 0);
    checker.on_chunk_response(PeerId(0), hash, served(&backer, hash, 0), 10);
    checker.on_tick(3_999);
    assert!(checker.take_recovered().is_empty());
    checker.on_tick(4_000);
    let done = checker.take_recovered();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].1, Err(RecoveryFailure::Unavailable));
    // Early: one chunk, then everyone else answers None (one count per peer).
    let mut checker = Availability::new(None, AvailabilityConfig::default());
    checker.recover(check_request(&candidate), N, 0);
    checker.on_chunk_response(PeerId(0), hash, served(&backer, hash, 0), 10);
    for _ in 0..5 {
        checker.on_chunk_response(PeerId(1), hash, None, 11);
    }
    assert!(checker.take_recovered().is_empty(), "one peer's Nones count once");
    for peer in 2..=5 {
        checker.on_chunk_response(PeerId(peer), hash, None, 12);
    }
    assert_eq!(checker.take_recovered()[0].1, Err(RecoveryFailure::Unavailable));
    // An unknown session (n = 0) is unavailable at once.
    let mut checker = Availability::new(None, AvailabilityConfig::default());
    assert!(checker.recover(check_request(&candidate), 0, 0).is_empty());
    assert_eq!(checker.take_recovered()[0].1, Err(RecoveryFailure::Unavailable));
}

#[test]
fn chunks_committed_to_garbage_make_the_candidate_invalid() {
    let info = block(1);
    let (mut candidate, pov, validation_data) = collation(&info, PARA_A, 1);
    let data = AvailableData { pov, validation_data };
    // Backers commit to a root over chunks that are not an encoding: recovery shard 5 is
    // altered before the tree is built.
    let mut chunks = erasure::obtain_chunks(N, &data).unwrap();
    chunks[5][0] ^= 0xff;
    chunks[5][1] ^= 0x5a;
    let tree = erasure::ChunkTree::new(&chunks);
    candidate.descriptor.erasure_root = tree.root();
    let hash = candidate.hash();
    let chunk = |i: usize| ErasureChunk {
        chunk: chunks[i].clone(),
        index: ValidatorIndex(i as u32),
        proof: tree.proof(i).unwrap(),
    };
    let mut checker = Availability::new(None, AvailabilityConfig::default());
    checker.recover(check_request(&candidate), N, 0);
    // Both chunks verify against the (bogus) root.
    assert!(checker.on_chunk_response(PeerId(0), hash, Some(chunk(0)), 1).is_empty());
    assert!(checker.on_chunk_response(PeerId(5), hash, Some(chunk(5)), 2).is_empty());
    let done = checker.take_recovered();
    assert_eq!(done.len(), 1);
    assert!(matches!(done[0].1, Err(RecoveryFailure::Invalid(_))), "{:?}", done[0].1);
    // A root over a genuine encoding of data whose PoV is not the descriptor's: invalid.
    let (mut other, pov, validation_data) = collation(&info, PARA_A, 2);
    let wrong = AvailableData {
        pov: PoV { block_data: atoll_primitives::BlockData(vec![1]) },
        validation_data,
    };
    let _ = pov;
    other.descriptor.erasure_root = erasure::erasure_root(N, &wrong).unwrap();
    let mut backer = node(0);
    backer.store_available_data(other.hash(), other.descriptor.erasure_root, N, &wrong).unwrap();
    let mut checker = Availability::new(None, AvailabilityConfig::default());
    checker.recover(check_request(&other), N, 0);
    for i in [1, 3] {
        checker.on_chunk_response(
            PeerId(i.into()),
            other.hash(),
            served(&backer, other.hash(), i),
            1,
        );
    }
    assert!(matches!(checker.take_recovered()[0].1, Err(RecoveryFailure::Invalid(_))));
}

#[test]
fn data_is_pruned_after_finality() {
    let mut info = block(2);
    let (candidate, _, mut backer) = backed(&block(1));
    let hash = occupy(&mut info, &candidate, &[0, 1]);
    backer.on_relay_block(&info, 0);
    backer.on_tick(300);
    assert_eq!(backer.bitfields(info.hash).len(), 1);
    assert!(backer.bitfields(info.hash)[0].payload.0[0], "a backer attests at once");
    backer.on_finalized(BlockNumber(12));
    assert!(backer.holds_chunk(&hash));
    assert_eq!(backer.bitfields(info.hash).len(), 1);
    backer.on_finalized(BlockNumber(13));
    assert!(!backer.holds_chunk(&hash));
    assert!(backer.bitfields(info.hash).is_empty());
    assert_eq!(served(&backer, hash, 0), None);
}

/// Recovery asks `f + 1` plus a margin first, replaces every `None` with a new request, and
/// asks everyone left once `chunk_retry_ms` has passed.
#[test]
fn recovery_asks_more_validators_as_answers_fail_and_time_passes() {
    let (candidate, _, _) = backed(&block(1));
    let hash = candidate.hash();
    let mut checker = Availability::new(None, AvailabilityConfig::default());
    let first = sends(&checker.recover(check_request(&candidate), N, 0));
    assert_eq!(first.len(), 4);
    let Target::Validator(refuser) = first[0].0 else { panic!("not a validator") };
    let replaced = sends(&checker.on_chunk_response(PeerId(refuser.0 as u64), hash, None, 10));
    assert_eq!(replaced.len(), 1, "a refusal is replaced by one new request");
    assert!(first.iter().all(|(t, _)| *t != replaced[0].0));
    let rest = sends(&checker.on_tick(AvailabilityConfig::default().chunk_retry_ms));
    assert_eq!(rest.len(), N - 5, "the remaining validators are asked after the retry delay");
}
