//! Upward messages (para → relay): the acceptance rule (rule 29), queueing at enactment
//! (rule 30) and their processing, a bounded number per block (rule 31).

use atoll_primitives::messaging::{MessagingLimits, QueueSize};
use atoll_primitives::{BlockNumber, Hash, ParaId, UpwardMessage};
use atoll_runtime_sdk::Externalities;
use parity_scale_codec::{Decode, Encode};

use super::{MessagingRuleError, UMP_NEEDS_SERVICE, UMP_QUEUE, UMP_QUEUE_SIZE};
use crate::error::ChainError;
use crate::events::{self, Phase, RelayEvent};
use crate::state;

/// Upward messages processed per block at most, over all paras (rule 31).
pub const UMP_MESSAGES_PER_BLOCK: usize = 32;

/// What processing an upward message gave.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum UpwardOutcome {
    /// It decoded as an xcm-lite message of this version with this many top-level
    /// instructions. (The relay chain does not execute upward programmes yet.)
    Decoded {
        /// The message's version byte.
        version: u8,
        /// Its top-level instructions.
        instructions: u32,
    },
    /// It did not decode as an xcm-lite message (the reason); nothing ran.
    Undecodable(String),
}

/// Rule 31: what the relay chain does with one upward message of `para`.
pub(crate) fn process(msg: &[u8]) -> UpwardOutcome {
    match atoll_xcm::decode_message(msg) {
        Ok(versioned) => {
            let version = msg.first().copied().unwrap_or_default();
            let instructions = u32::try_from(versioned.into_latest().xcm.len()).unwrap_or(u32::MAX);
            UpwardOutcome::Decoded { version, instructions }
        }
        Err(e) => UpwardOutcome::Undecodable(e.to_string()),
    }
}

/// Rule 29: a candidate of `para` sends at most `max_upward_message_num_per_candidate` upward
/// messages of at most `max_upward_message_size` each, and the para's queue stays within its
/// count and size limits.
pub(crate) fn check(
    ext: &mut dyn Externalities,
    limits: &MessagingLimits,
    para: ParaId,
    messages: &[UpwardMessage],
) -> Result<Result<(), MessagingRuleError>, ChainError> {
    let count = u32::try_from(messages.len()).unwrap_or(u32::MAX);
    if count > limits.max_upward_message_num_per_candidate {
        let max = limits.max_upward_message_num_per_candidate;
        return Ok(Err(MessagingRuleError::TooManyUpward { count, max }));
    }
    let max = limits.max_upward_message_size;
    if let Some((index, m)) = messages.iter().enumerate().find(|(_, m)| m.len() > max as usize) {
        let (index, size) = (index as u32, m.len() as u64);
        return Ok(Err(MessagingRuleError::UpwardTooLarge { index, size, max }));
    }
    let queued = state::map_get_or_default(ext, &UMP_QUEUE_SIZE, &para)?;
    let bytes: u64 = messages.iter().map(|m| m.len() as u64).sum();
    let count_after = u64::from(queued.count) + u64::from(count);
    let bytes_after = u64::from(queued.bytes) + bytes;
    if count_after > u64::from(limits.max_upward_queue_count)
        || bytes_after > u64::from(limits.max_upward_queue_size)
    {
        return Ok(Err(MessagingRuleError::UpwardQueueFull {
            queued: queued.count,
            sending: count,
            max_count: limits.max_upward_queue_count,
        }));
    }
    Ok(Ok(()))
}

/// Rule 30: queues `para`'s upward messages, enacted at `now`.
pub(crate) fn enqueue(
    ext: &mut dyn Externalities,
    now: BlockNumber,
    para: ParaId,
    messages: &[UpwardMessage],
) -> Result<(), ChainError> {
    if messages.is_empty() {
        return Ok(());
    }
    let mut size = state::map_get_or_default(ext, &UMP_QUEUE_SIZE, &para)?;
    for m in messages {
        size.count = size.count.saturating_add(1);
        size.bytes = size.bytes.saturating_add(m.len() as u32);
        ext.append(&UMP_QUEUE.storage_key(&para), &(now, m).encode());
    }
    UMP_QUEUE_SIZE.insert(ext, &para, &size);
    let mut service = state::value_or_default(ext, &UMP_NEEDS_SERVICE)?;
    if !service.contains(&para) {
        service.push(para);
        UMP_NEEDS_SERVICE.put(ext, &service);
    }
    Ok(())
}

/// Rule 31: processes up to [`UMP_MESSAGES_PER_BLOCK`] queued upward messages, one para at a
/// time in turn (a para served goes to the back of the line), each by [`process`].
pub(crate) fn service(ext: &mut dyn Externalities, phase: Phase) -> Result<(), ChainError> {
    let mut service = state::value_or_default(ext, &UMP_NEEDS_SERVICE)?;
    let mut budget = UMP_MESSAGES_PER_BLOCK;
    while budget > 0 && !service.is_empty() {
        let para = service.remove(0);
        let mut queue = state::map_get_or_default(ext, &UMP_QUEUE, &para)?;
        if queue.is_empty() {
            UMP_QUEUE_SIZE.remove(ext, &para);
            continue;
        }
        let (_, msg) = queue.remove(0);
        budget -= 1;
        let mut size: QueueSize = state::map_get_or_default(ext, &UMP_QUEUE_SIZE, &para)?;
        size.count = size.count.saturating_sub(1);
        size.bytes = size.bytes.saturating_sub(msg.len() as u32);
        if queue.is_empty() {
            UMP_QUEUE.remove(ext, &para);
            UMP_QUEUE_SIZE.remove(ext, &para);
        } else {
            UMP_QUEUE.insert(ext, &para, &queue);
            UMP_QUEUE_SIZE.insert(ext, &para, &size);
            service.push(para);
        }
        let outcome = process(&msg);
        let event = RelayEvent::UpwardMessageProcessed { para, message: Hash::of(&msg), outcome };
        events::deposit(ext, phase, event);
    }
    UMP_NEEDS_SERVICE.put(ext, &service);
    Ok(())
}
