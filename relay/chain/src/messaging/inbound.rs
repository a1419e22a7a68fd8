//! What a collator reads from a relay state to give its para the inbound messages: every
//! unprocessed downward message, every unpruned message of each inbound channel, the queues'
//! bases, and a proof of the items a para checks them against (rule 32).

use std::collections::BTreeMap;

use atoll_primitives::messaging::{
    mqc_chain, InboundDownwardMessage, InboundHrmpMessage, InboundMessagesData,
};
use atoll_primitives::{Hash, ParaId};
use atoll_runtime_sdk::StorageValue;
use atoll_trie::{Recorder, StateDb, StorageProof};

use super::{
    DMQ_BASE_HEAD, DMQ_CONTENTS, DMQ_MQC_HEAD, HRMP_BASE_HEAD, HRMP_CHANNELS, HRMP_CONTENTS,
    HRMP_EGRESS, HRMP_INGRESS, LIMITS, UMP_QUEUE_SIZE,
};
use crate::error::ChainError;
use crate::paras;
use crate::state::{self, read};
use atoll_primitives::messaging::HrmpChannelId;

/// One inbound channel as the relay state holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboundChannel {
    /// The sending para.
    pub sender: ParaId,
    /// The MQC head before `messages`.
    pub base: Hash,
    /// Its unpruned messages, oldest first.
    pub messages: Vec<InboundHrmpMessage>,
}

/// A para's inbound messages at one relay state, with the proof its runtime checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelayInbound {
    /// Proves the para's head, the limits, its downward MQC head, its upward queue size, its
    /// ingress and egress lists and each of those channels.
    pub proof: StorageProof,
    /// The MQC head before `downward`.
    pub dmq_base: Hash,
    /// The unprocessed downward messages, oldest first.
    pub downward: Vec<InboundDownwardMessage>,
    /// The inbound channels, senders ascending.
    pub channels: Vec<InboundChannel>,
}

/// Why a para's processed heads do not fit the relay state's queues.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InboundError {
    /// The para's last processed downward head is neither the queue's base nor after any of
    /// its messages (the para state and the relay state disagree).
    #[error("para's processed downward head {processed} is not in the relay's queue (base {base}, {len} messages)")]
    DownwardHeadUnknown {
        /// The head the para stored.
        processed: Hash,
        /// The queue's base.
        base: Hash,
        /// Messages queued.
        len: usize,
    },
    /// The same for a channel.
    #[error("para's processed head {processed} of its channel from {sender} is not in the relay's channel (base {base}, {len} messages)")]
    ChannelHeadUnknown {
        /// The channel's sender.
        sender: ParaId,
        /// The head the para stored.
        processed: Hash,
        /// The channel's base.
        base: Hash,
        /// Messages in it.
        len: usize,
    },
}

impl RelayInbound {
    /// The block data a para block built on a parent that processed everything up to
    /// `dmq_processed` (downward) and `hrmp_processed` (per sender; absent = nothing yet) carries:
    /// the messages after those, and the proof.
    pub fn data_after(
        &self,
        dmq_processed: Hash,
        hrmp_processed: &BTreeMap<ParaId, Hash>,
    ) -> Result<InboundMessagesData, InboundError> {
        let downward = after(self.dmq_base, dmq_processed, &self.downward, |m| (m.sent_at, &m.msg))
            .ok_or(InboundError::DownwardHeadUnknown {
                processed: dmq_processed,
                base: self.dmq_base,
                len: self.downward.len(),
            })?;
        let mut horizontal = Vec::new();
        for channel in &self.channels {
            let processed = hrmp_processed.get(&channel.sender).copied().unwrap_or(Hash::ZERO);
            let unprocessed =
                after(channel.base, processed, &channel.messages, |m| (m.sent_at, &m.data)).ok_or(
                    InboundError::ChannelHeadUnknown {
                        sender: channel.sender,
                        processed,
                        base: channel.base,
                        len: channel.messages.len(),
                    },
                )?;
            if !unprocessed.is_empty() {
                horizontal.push((channel.sender, unprocessed));
            }
        }
        Ok(InboundMessagesData {
            relay_state_proof: self.proof.nodes().to_vec(),
            downward,
            horizontal,
        })
    }
}

/// The messages of a queue (base `base`) after the one whose MQC head is `processed`; all of
/// them if `processed` is the base; `None` if no prefix ends at `processed`.
fn after<T: Clone>(
    base: Hash,
    processed: Hash,
    queue: &[T],
    fields: impl Fn(&T) -> (atoll_primitives::BlockNumber, &Vec<u8>),
) -> Option<Vec<T>> {
    let mut head = base;
    if head == processed {
        return Some(queue.to_vec());
    }
    for (i, m) in queue.iter().enumerate() {
        let (sent_at, payload) = fields(m);
        head = mqc_chain(head, [(sent_at, payload.as_slice())]);
        if head == processed {
            return Some(queue[i + 1..].to_vec());
        }
    }
    None
}

/// `para`'s inbound messages and proof at relay state `root` (rule 32).
pub fn inbound(db: &StateDb, root: &Hash, para: ParaId) -> Result<RelayInbound, ChainError> {
    let (dmq_base, downward, channels, ingress, egress) = read(db, root, |ext| {
        let dmq_base = state::map_get_or_default(ext, &DMQ_BASE_HEAD, &para)?;
        let downward = state::map_get_or_default(ext, &DMQ_CONTENTS, &para)?;
        let ingress = state::map_get_or_default(ext, &HRMP_INGRESS, &para)?;
        let egress = state::map_get_or_default(ext, &HRMP_EGRESS, &para)?;
        let mut channels = Vec::with_capacity(ingress.len());
        for sender in &ingress {
            let id = HrmpChannelId { sender: *sender, recipient: para };
            channels.push(InboundChannel {
                sender: *sender,
                base: state::map_get_or_default(ext, &HRMP_BASE_HEAD, &id)?,
                messages: state::map_get_or_default(ext, &HRMP_CONTENTS, &id)?,
            });
        }
        Ok((dmq_base, downward, channels, ingress, egress))
    })?;
    let mut keys = vec![
        paras::HEADS.storage_key(&para),
        StorageValue::key(&LIMITS).to_vec(),
        DMQ_MQC_HEAD.storage_key(&para),
        UMP_QUEUE_SIZE.storage_key(&para),
        HRMP_INGRESS.storage_key(&para),
        HRMP_EGRESS.storage_key(&para),
    ];
    keys.extend(
        ingress
            .iter()
            .map(|s| HRMP_CHANNELS.storage_key(&HrmpChannelId { sender: *s, recipient: para })),
    );
    keys.extend(
        egress
            .iter()
            .map(|r| HRMP_CHANNELS.storage_key(&HrmpChannelId { sender: para, recipient: *r })),
    );
    let mut recorder = Recorder::new();
    for key in &keys {
        db.get_recorded(root, key, &mut recorder).map_err(ChainError::Trie)?;
    }
    Ok(RelayInbound { proof: recorder.into_proof(), dmq_base, downward, channels })
}
