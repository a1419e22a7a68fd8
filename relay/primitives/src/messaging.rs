//! Cross-chain message transport, the part both sides of it share: what the relay chain stores
//! for DMP (relay → para), UMP (para → relay) and HRMP (para → para), the storage prefixes under
//! which it stores what a para proves, the message-queue chain (MQC), and the inbound data a
//! collator puts in a para block.
//!
//! The relay chain writes these items with the runtime SDK's `StorageMap`/`StorageValue` over
//! the prefixes in [`relay_storage`]; a para runtime builds the same maps over the same prefixes
//! and reads them from a proof against the relay parent's state root.
//!
//! ## The message-queue chain
//!
//! Every queue (a para's downward queue, each HRMP channel) keeps the MQC head of every message
//! ever sent on it: `head' = blake2_256(SCALE(head, sent_at, blake2_256(payload)))`, starting
//! from [`Hash::ZERO`] ([`mqc_next`]). The relay chain prunes a queue's processed prefix but keeps
//! the head of what it pruned (the queue's *base*), so a collator can find where the messages its
//! para has not processed start, and the para checks that what it was given chains from the head
//! it stored last time to the head proven at the relay parent: nothing skipped, nothing invented.

use alloc::vec::Vec;
use parity_scale_codec::{Decode, Encode, MaxEncodedLen};

use crate::hashing::{blake2_256, Hash};
use crate::ids::{BlockNumber, ParaId};

/// A relay → para message waiting in the para's downward queue.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct InboundDownwardMessage {
    /// The relay block that queued it.
    pub sent_at: BlockNumber,
    /// The payload (xcm-lite by convention).
    pub msg: Vec<u8>,
}

/// A para → para message waiting in an HRMP channel.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct InboundHrmpMessage {
    /// The relay block that enacted the candidate that sent it.
    pub sent_at: BlockNumber,
    /// The payload (xcm-lite by convention).
    pub data: Vec<u8>,
}

/// An HRMP channel: one direction between two paras.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode, MaxEncodedLen,
)]
pub struct HrmpChannelId {
    /// The para that sends on it.
    pub sender: ParaId,
    /// The para that receives on it.
    pub recipient: ParaId,
}

impl core::fmt::Display for HrmpChannelId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} → {}", self.sender, self.recipient)
    }
}

/// An open HRMP channel's limits and occupancy, as the relay chain stores it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen)]
pub struct HrmpChannel {
    /// Most messages it holds at once.
    pub max_capacity: u32,
    /// Most bytes it holds at once.
    pub max_total_size: u32,
    /// Largest message.
    pub max_message_size: u32,
    /// Messages in it now (sent and not yet pruned by the recipient's watermark).
    pub msg_count: u32,
    /// Their total size in bytes.
    pub total_size: u32,
    /// The MQC head of every message ever sent on it.
    pub mqc_head: Hash,
}

impl HrmpChannel {
    /// How many more messages, and how many more bytes, fit now.
    pub fn room(&self) -> (u32, u32) {
        (
            self.max_capacity.saturating_sub(self.msg_count),
            self.max_total_size.saturating_sub(self.total_size),
        )
    }
}

/// The relay chain's messaging limits, stored where a para can prove them
/// ([`relay_storage::LIMITS`]) so that it never sends what a candidate may not carry.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen)]
pub struct MessagingLimits {
    /// Most upward messages per candidate.
    pub max_upward_message_num_per_candidate: u32,
    /// Largest upward message.
    pub max_upward_message_size: u32,
    /// Most messages a para's upward queue holds.
    pub max_upward_queue_count: u32,
    /// Most bytes a para's upward queue holds.
    pub max_upward_queue_size: u32,
    /// Most horizontal messages per candidate.
    pub max_hrmp_message_num_per_candidate: u32,
    /// Most messages a para's downward queue holds.
    pub max_downward_queue_count: u32,
    /// Largest downward message.
    pub max_downward_message_size: u32,
}

impl Default for MessagingLimits {
    fn default() -> Self {
        MessagingLimits {
            max_upward_message_num_per_candidate: 16,
            max_upward_message_size: crate::limits::MAX_UPWARD_MESSAGE_SIZE,
            max_upward_queue_count: 64,
            max_upward_queue_size: 1024 * 1024,
            max_hrmp_message_num_per_candidate: 16,
            max_downward_queue_count: 64,
            max_downward_message_size: crate::limits::MAX_UPWARD_MESSAGE_SIZE,
        }
    }
}

/// A para's upward queue occupancy on the relay chain: messages and bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, MaxEncodedLen)]
pub struct QueueSize {
    /// Messages queued.
    pub count: u32,
    /// Their total size in bytes.
    pub bytes: u32,
}

/// The next MQC head after `payload`, sent at `sent_at`, on a queue whose head was `prev`.
pub fn mqc_next(prev: &Hash, sent_at: BlockNumber, payload: &[u8]) -> Hash {
    Hash(blake2_256(&(prev, sent_at, blake2_256(payload)).encode()))
}

/// The MQC head after `messages` (payload and sent-at pairs) on a queue whose head was `base`.
pub fn mqc_chain<'a>(
    base: Hash,
    messages: impl IntoIterator<Item = (BlockNumber, &'a [u8])>,
) -> Hash {
    messages.into_iter().fold(base, |head, (sent_at, payload)| mqc_next(&head, sent_at, payload))
}

/// What a collator puts in a para block besides its extrinsics: every message for the para that
/// the relay parent holds and the para has not processed yet, and a proof of the relay state the
/// para checks them against (the relay parent's state root is in the validation data).
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct InboundMessagesData {
    /// Trie nodes of the relay state proving the keys listed in [`relay_storage`] for this para.
    pub relay_state_proof: Vec<Vec<u8>>,
    /// Downward messages, oldest first.
    pub downward: Vec<InboundDownwardMessage>,
    /// Horizontal messages per sender, senders ascending, each channel's oldest first.
    pub horizontal: Vec<(ParaId, Vec<InboundHrmpMessage>)>,
}

/// The relay storage prefixes of the messaging items, for the runtime SDK's `StorageMap` and
/// `StorageValue`. Items marked *proven* are what a para reads from the relay state proof.
pub mod relay_storage {
    /// `ParaId → HeadData`: each para's head (*proven*: tells a para whether its parent block is
    /// enacted at the relay parent).
    pub const PARA_HEADS: &[u8] = b"Paras:Heads";
    /// [`super::MessagingLimits`] (*proven*).
    pub const LIMITS: &[u8] = b"Msg:Limits";
    /// `ParaId → Hash`: the MQC head of every downward message ever sent to the para (*proven*).
    pub const DMQ_MQC_HEAD: &[u8] = b"Dmp:MqcHead";
    /// `ParaId → Vec<InboundDownwardMessage>`: the para's unprocessed downward messages.
    pub const DMQ_CONTENTS: &[u8] = b"Dmp:Queue";
    /// `ParaId → Hash`: the MQC head before the queue's first message (the pruned prefix's head).
    pub const DMQ_BASE_HEAD: &[u8] = b"Dmp:BaseHead";
    /// `ParaId → QueueSize`: the para's upward queue (*proven*).
    pub const UMP_QUEUE_SIZE: &[u8] = b"Ump:QueueSize";
    /// `HrmpChannelId → HrmpChannel`: every open channel (*proven* for the para's channels).
    pub const HRMP_CHANNELS: &[u8] = b"Hrmp:Channels";
    /// `HrmpChannelId → Vec<InboundHrmpMessage>`: each channel's unpruned messages.
    pub const HRMP_CONTENTS: &[u8] = b"Hrmp:Contents";
    /// `HrmpChannelId → Hash`: the MQC head before the channel's first unpruned message.
    pub const HRMP_BASE_HEAD: &[u8] = b"Hrmp:BaseHead";
    /// `ParaId → Vec<ParaId>`: the senders of the para's inbound channels, ascending (*proven*).
    pub const HRMP_INGRESS: &[u8] = b"Hrmp:Ingress";
    /// `ParaId → Vec<ParaId>`: the recipients of the para's outbound channels, ascending
    /// (*proven*).
    pub const HRMP_EGRESS: &[u8] = b"Hrmp:Egress";
    /// `ParaId → BlockNumber`: the para's last HRMP watermark.
    pub const HRMP_WATERMARKS: &[u8] = b"Hrmp:Watermark";
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn mqc_chains_in_order_and_depends_on_every_field() {
        let a = mqc_next(&Hash::ZERO, BlockNumber(1), b"a");
        let ab = mqc_next(&a, BlockNumber(2), b"b");
        let msgs = [(BlockNumber(1), &b"a"[..]), (BlockNumber(2), &b"b"[..])];
        assert_eq!(mqc_chain(Hash::ZERO, msgs), ab);
        assert_ne!(mqc_next(&Hash::ZERO, BlockNumber(2), b"a"), a);
        assert_ne!(mqc_next(&Hash::ZERO, BlockNumber(1), b"b"), a);
        assert_ne!(mqc_next(&a, BlockNumber(1), b"a"), a);
        assert_eq!(mqc_chain(a, []), a);
    }

    #[test]
    fn messaging_types_round_trip_and_match_their_conformance_hash() {
        let inbound = InboundMessagesData {
            relay_state_proof: alloc::vec![alloc::vec![1, 2, 3]],
            downward: alloc::vec![InboundDownwardMessage {
                sent_at: BlockNumber(7),
                msg: alloc::vec![9]
            }],
            horizontal: alloc::vec![(
                ParaId(2001),
                alloc::vec![InboundHrmpMessage {
                    sent_at: BlockNumber(8),
                    data: alloc::vec![4, 5]
                }],
            )],
        };
        let channel = HrmpChannel {
            max_capacity: 8,
            max_total_size: 1024,
            max_message_size: 512,
            msg_count: 2,
            total_size: 10,
            mqc_head: Hash([3; 32]),
        };
        let id = HrmpChannelId { sender: ParaId(2000), recipient: ParaId(2001) };
        let fixtures = (inbound.clone(), channel.clone(), id, MessagingLimits::default());
        assert_eq!(InboundMessagesData::decode(&mut &inbound.encode()[..]).unwrap(), inbound);
        assert_eq!(HrmpChannel::decode(&mut &channel.encode()[..]).unwrap(), channel);
        assert_eq!(HrmpChannelId::decode(&mut &id.encode()[..]).unwrap(), id);
        let hash = Hash::of_encoded(&fixtures);
        assert_eq!(
            format!("{hash}"),
            "0x68f1ff758d0181a6a941adaa7df163fada776396a237c10142ee48d58afc9603"
        );
    }
}
