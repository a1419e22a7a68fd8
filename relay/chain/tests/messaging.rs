//! Message passing on the relay chain (rules 26–32): downward queues, HRMP channels, upward
//! processing, and the acceptance rules a candidate's messages must meet at inclusion.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use atoll_primitives::messaging::{mqc_chain, HrmpChannelId};
use atoll_primitives::parachain::{BackedCandidate, ParaInherentData};
use atoll_primitives::{BlockNumber, Hash, OutboundHrmpMessage, ParaId};
use atoll_relay_chain::messaging::inbound::inbound;
use atoll_relay_chain::messaging::ump::UpwardOutcome;
use atoll_relay_chain::messaging::MessagingRuleError;
use atoll_relay_chain::testing::DevChain;
use atoll_relay_chain::{
    queries, BackingError, DispatchError, GenesisChannel, ParaInherentError, RelayCall, RelayEvent,
};
use atoll_runtime_sdk::StorageMap;
use common::para::*;
use common::{dev, FIRST_SLOT};
use parity_scale_codec::Encode;

const A_TO_B: HrmpChannelId = HrmpChannelId { sender: PARA_A, recipient: PARA_B };

/// A chain of [`para_genesis`] with the channel A → B (capacity 2, messages up to 64 bytes).
fn chain_with_channel() -> ParaChain {
    let mut genesis = para_genesis();
    genesis.hrmp_channels = vec![GenesisChannel {
        sender: PARA_A,
        recipient: PARA_B,
        max_capacity: 2,
        max_message_size: 64,
    }];
    let chain = DevChain::new(&genesis).unwrap();
    let mut pc = ParaChain { chain, genesis, slot: FIRST_SLOT, blocks: Vec::new() };
    pc.skip(1);
    pc
}

fn with_candidates(candidates: Vec<BackedCandidate>) -> ParaInherentData {
    ParaInherentData { backed_candidates: candidates, ..Default::default() }
}

fn refused(pc: &ParaChain, candidate: BackedCandidate) -> MessagingRuleError {
    match pc.rejected(with_candidates(vec![candidate])).1 {
        ParaInherentError::Backing(BackingError::Messaging { error, .. }) => error,
        other => panic!("expected a messaging rule error, got {other:?}"),
    }
}

/// Backs `candidate` and makes it available with every validator's bit: enacted in the second
/// block.
fn include(pc: &mut ParaChain, candidate: BackedCandidate) {
    let kept = pc.produce(with_candidates(vec![candidate.clone()]));
    assert_eq!(kept.backed_candidates.len(), 1, "backed");
    let all: Vec<_> = (0..N).map(v).collect();
    pc.produce(ParaInherentData {
        bitfields: pc.bitfields(&all, &[true, true]),
        ..Default::default()
    });
    assert!(
        pc.events().iter().any(|e| matches!(e, RelayEvent::CandidateIncluded { candidate: c, .. } if c.hash() == candidate.hash())),
        "included: {:?}",
        pc.events()
    );
}

fn sudo_send_downward(pc: &mut ParaChain, para: ParaId, message: &[u8]) {
    let call = RelayCall::SendDownward { para, message: message.to_vec() };
    let xt = pc.chain.sign(&dev("Alice"), call).unwrap();
    let (_, refused) = pc.produce_with(vec![xt]);
    assert!(refused.is_empty());
    assert!(pc
        .events()
        .contains(&RelayEvent::DownwardMessageQueued { para, message: Hash::of(message) }));
}

#[test]
fn a_candidate_that_skips_a_non_empty_downward_queue_is_rejected_at_inclusion() {
    let mut pc = ParaChain::new();
    pc.skip(1);
    sudo_send_downward(&mut pc, PARA_A, b"hello para");
    let members = pc.group_for(PARA_A).1;

    let skipping = pc.candidate(PARA_A, vec![1], |_| {});
    assert_eq!(
        refused(&pc, pc.back(&skipping, &members)),
        MessagingRuleError::DownwardQueueSkipped { available: 1 }
    );
    let overrun = pc.candidate(PARA_A, vec![1], |c| c.commitments.processed_downward_messages = 2);
    assert_eq!(
        refused(&pc, pc.back(&overrun, &members)),
        MessagingRuleError::DownwardOverrun { processed: 2, available: 1 }
    );

    // Processing it is accepted; at enactment the queue is pruned and its base moves past it.
    let (db, root) = (&pc.chain.db, pc.root());
    let before = inbound(db, &root, PARA_A).unwrap();
    assert_eq!(before.downward.len(), 1);
    let head_after =
        mqc_chain(Hash::ZERO, [(before.downward[0].sent_at, &before.downward[0].msg[..])]);
    let good = pc.candidate(PARA_A, vec![1], |c| c.commitments.processed_downward_messages = 1);
    let backed = pc.back(&good, &members);
    include(&mut pc, backed);
    let after = inbound(&pc.chain.db, &pc.root(), PARA_A).unwrap();
    assert!(after.downward.is_empty());
    assert_eq!(after.dmq_base, head_after);
    // What the para processed is where a collator starts next time.
    let data = before.data_after(Hash::ZERO, &BTreeMap::new()).unwrap();
    assert_eq!(data.downward.len(), 1);
    assert!(before.data_after(head_after, &BTreeMap::new()).unwrap().downward.is_empty());
    assert!(before.data_after(Hash([7; 32]), &BTreeMap::new()).is_err());
}

#[test]
fn a_candidate_sending_to_a_non_existent_channel_is_rejected_at_inclusion() {
    let pc = chain_with_channel();
    let members = pc.group_for(PARA_B).1;
    let to_a = OutboundHrmpMessage { recipient: PARA_A, data: vec![1] };
    let candidate =
        pc.candidate(PARA_B, vec![1], |c| c.commitments.horizontal_messages = vec![to_a]);
    assert_eq!(
        refused(&pc, pc.back(&candidate, &members)),
        MessagingRuleError::NoChannel { recipient: PARA_A }
    );
}

#[test]
fn a_candidate_exceeding_a_channels_capacity_or_message_size_is_rejected_at_inclusion() {
    let pc = chain_with_channel();
    let members = pc.group_for(PARA_A).1;
    let msg = |data: Vec<u8>| OutboundHrmpMessage { recipient: PARA_B, data };
    let three = pc.candidate(PARA_A, vec![1], |c| {
        c.commitments.horizontal_messages = vec![msg(vec![1]), msg(vec![2]), msg(vec![3])]
    });
    assert_eq!(
        refused(&pc, pc.back(&three, &members)),
        MessagingRuleError::ChannelFull { recipient: PARA_B, sending: 3, held: 0, capacity: 2 }
    );
    let big = pc
        .candidate(PARA_A, vec![1], |c| c.commitments.horizontal_messages = vec![msg(vec![0; 65])]);
    assert_eq!(
        refused(&pc, pc.back(&big, &members)),
        MessagingRuleError::HorizontalTooLarge { index: 0, size: 65, max: 64 }
    );
    let unsorted = pc.candidate(PARA_A, vec![1], |c| {
        c.commitments.horizontal_messages =
            vec![msg(vec![1]), OutboundHrmpMessage { recipient: ParaId(100), data: vec![2] }]
    });
    assert_eq!(
        refused(&pc, pc.back(&unsorted, &members)),
        MessagingRuleError::RecipientsUnsorted { index: 1 }
    );
}

#[test]
fn horizontal_messages_reach_the_channel_and_the_recipients_watermark_prunes_them() {
    let mut pc = chain_with_channel();
    let members_a = pc.group_for(PARA_A).1;
    let msg = |data: Vec<u8>| OutboundHrmpMessage { recipient: PARA_B, data };
    let two = pc.candidate(PARA_A, vec![1], |c| {
        c.commitments.horizontal_messages = vec![msg(vec![1]), msg(vec![2])]
    });
    let backed = pc.back(&two, &members_a);
    include(&mut pc, backed);
    let enacted_at = BlockNumber(pc.blocks.len() as u32);
    let (db, root) = (&pc.chain.db, pc.root());
    let channel = queries::hrmp_channel(db, &root, A_TO_B).unwrap().unwrap();
    assert_eq!((channel.msg_count, channel.total_size), (2, 2));
    let expected = mqc_chain(Hash::ZERO, [(enacted_at, &[1u8][..]), (enacted_at, &[2u8][..])]);
    assert_eq!(channel.mqc_head, expected);
    let at_b = inbound(db, &root, PARA_B).unwrap();
    let data = at_b.data_after(Hash::ZERO, &BTreeMap::new()).unwrap();
    assert_eq!(data.horizontal.len(), 1);
    assert_eq!(data.horizontal[0].0, PARA_A);
    assert_eq!(
        data.horizontal[0].1.iter().map(|m| m.data.clone()).collect::<Vec<_>>(),
        vec![vec![1], vec![2]]
    );
    // The proof answers the channel's key against the relay state root.
    let mem = atoll_trie::StorageProof::new(data.relay_state_proof.clone()).into_memory_db();
    let key = StorageMap::<HrmpChannelId, atoll_primitives::messaging::HrmpChannel>::new(
        atoll_primitives::messaging::relay_storage::HRMP_CHANNELS,
    )
    .storage_key(&A_TO_B);
    assert!(atoll_trie::read_value(&mem, &root, &key).unwrap().is_some());

    // The channel is full: one more does not fit until B processes.
    let members_a = pc.group_for(PARA_A).1;
    let third =
        pc.candidate(PARA_A, vec![2], |c| c.commitments.horizontal_messages = vec![msg(vec![3])]);
    assert_eq!(
        refused(&pc, pc.back(&third, &members_a)),
        MessagingRuleError::ChannelFull { recipient: PARA_B, sending: 1, held: 2, capacity: 2 }
    );
    // B's candidate with its watermark at its relay parent prunes both.
    let members_b = pc.group_for(PARA_B).1;
    let b = pc.candidate(PARA_B, vec![1], |_| {});
    let watermark = b.commitments.hrmp_watermark;
    let backed = pc.back(&b, &members_b);
    include(&mut pc, backed);
    let channel = queries::hrmp_channel(&pc.chain.db, &pc.root(), A_TO_B).unwrap().unwrap();
    assert_eq!((channel.msg_count, channel.total_size, channel.mqc_head), (0, 0, expected));
    let at_b = inbound(&pc.chain.db, &pc.root(), PARA_B).unwrap();
    assert_eq!(at_b.channels[0].base, expected);
    assert!(at_b.channels[0].messages.is_empty());

    // A watermark before the last one is refused.
    let members_b = pc.group_for(PARA_B).1;
    let back_in_time = pc.candidate(PARA_B, vec![2], |c| {
        c.commitments.hrmp_watermark = BlockNumber(watermark.0 - 1)
    });
    assert_eq!(
        refused(&pc, pc.back(&back_in_time, &members_b)),
        MessagingRuleError::WatermarkBackwards {
            watermark: BlockNumber(watermark.0 - 1),
            last: watermark
        }
    );
}

#[test]
fn upward_messages_are_queued_then_processed_at_block_end() {
    let mut pc = ParaChain::new();
    pc.skip(1);
    let members = pc.group_for(PARA_A).1;
    let xcm =
        atoll_xcm::VersionedXcm::from(atoll_xcm::Xcm(vec![atoll_xcm::Instruction::ClearOrigin]))
            .encode();
    let candidate = pc.candidate(PARA_A, vec![1], |c| {
        c.commitments.upward_messages = vec![xcm.clone(), vec![0xff, 1]]
    });
    pc.produce(with_candidates(vec![pc.back(&candidate, &members)]));
    let all: Vec<_> = (0..N).map(v).collect();
    pc.produce(ParaInherentData {
        bitfields: pc.bitfields(&all, &[true, true]),
        ..Default::default()
    });
    let events = pc.events();
    let processed: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            RelayEvent::UpwardMessageProcessed { para, message, outcome } => {
                Some((*para, *message, outcome.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(processed.len(), 2, "{events:?}");
    assert_eq!(processed[0].0, PARA_A);
    assert_eq!(processed[0].1, Hash::of(&xcm));
    assert!(matches!(processed[0].2, UpwardOutcome::Decoded { instructions: 1, .. }));
    assert!(matches!(processed[1].2, UpwardOutcome::Undecodable(_)));
    assert!(queries::upward_queue(&pc.chain.db, &pc.root(), PARA_A).unwrap().is_empty());
}

#[test]
fn channels_open_by_request_and_acceptance_and_close_by_either_side() {
    let mut pc = ParaChain::new();
    pc.skip(1);
    let alice = dev("Alice");
    let call = |pc: &mut ParaChain, call: RelayCall, who: &atoll_primitives::crypto::Pair| {
        let xt = pc.chain.sign(who, call).unwrap();
        pc.produce_with(vec![xt]);
        pc.events()
    };
    let b_to_a = HrmpChannelId { sender: PARA_B, recipient: PARA_A };
    let request = RelayCall::HrmpInitOpenChannel {
        sender: PARA_B,
        recipient: PARA_A,
        max_capacity: 4,
        max_message_size: 100,
    };
    // Not the manager (genesis paras are managed by sudo).
    let events = call(&mut pc, request.clone(), &dev("Bob"));
    assert!(
        events.iter().any(|e| matches!(
            e,
            RelayEvent::ExtrinsicFailed { error: DispatchError::NotManager { .. }, .. }
        )),
        "{events:?}"
    );
    let events = call(&mut pc, request.clone(), &alice);
    assert!(events.contains(&RelayEvent::HrmpOpenChannelRequested {
        channel: b_to_a,
        max_capacity: 4,
        max_message_size: 100
    }));
    assert!(queries::hrmp_channel(&pc.chain.db, &pc.root(), b_to_a).unwrap().is_none());
    let events = call(&mut pc, request, &alice);
    assert!(events
        .iter()
        .any(|e| matches!(e, RelayEvent::ExtrinsicFailed { error: DispatchError::Hrmp(_), .. })));
    let events = call(
        &mut pc,
        RelayCall::HrmpAcceptOpenChannel { sender: PARA_B, recipient: PARA_A },
        &alice,
    );
    assert!(events.contains(&RelayEvent::HrmpChannelOpened { channel: b_to_a }));
    let channel = queries::hrmp_channel(&pc.chain.db, &pc.root(), b_to_a).unwrap().unwrap();
    assert_eq!((channel.max_capacity, channel.max_message_size), (4, 100));
    assert_eq!(inbound(&pc.chain.db, &pc.root(), PARA_A).unwrap().channels.len(), 1);
    let events =
        call(&mut pc, RelayCall::HrmpCloseChannel { sender: PARA_B, recipient: PARA_A }, &alice);
    assert!(events.contains(&RelayEvent::HrmpChannelClosed { channel: b_to_a }));
    assert!(queries::hrmp_channel(&pc.chain.db, &pc.root(), b_to_a).unwrap().is_none());
    assert!(inbound(&pc.chain.db, &pc.root(), PARA_A).unwrap().channels.is_empty());
    // Bad limits and a channel to oneself fail.
    for bad in [
        RelayCall::HrmpInitOpenChannel {
            sender: PARA_B,
            recipient: PARA_A,
            max_capacity: 0,
            max_message_size: 100,
        },
        RelayCall::HrmpInitOpenChannel {
            sender: PARA_A,
            recipient: PARA_A,
            max_capacity: 4,
            max_message_size: 100,
        },
    ] {
        let events = call(&mut pc, bad, &alice);
        assert!(events.iter().any(|e| matches!(
            e,
            RelayEvent::ExtrinsicFailed { error: DispatchError::Hrmp(_), .. }
        )));
    }
}

#[test]
fn a_genesis_channel_to_a_missing_para_is_refused() {
    let mut genesis = para_genesis();
    genesis.hrmp_channels = vec![GenesisChannel {
        sender: PARA_A,
        recipient: ParaId(4242),
        max_capacity: 2,
        max_message_size: 64,
    }];
    let Err(err) = DevChain::new(&genesis) else { panic!("a channel to a missing para opened") };
    assert!(format!("{err}").contains("4242"), "{err}");
}
