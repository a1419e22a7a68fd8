//! Downward messages (relay → para): queueing (rule 26), the acceptance rule (rule 29) and
//! pruning at enactment (rule 30).

use atoll_primitives::messaging::{mqc_chain, mqc_next, InboundDownwardMessage, MessagingLimits};
use atoll_primitives::{BlockNumber, ParaId};
use atoll_runtime_sdk::Externalities;
use parity_scale_codec::{Decode, Encode};

use super::{MessagingRuleError, DMQ_BASE_HEAD, DMQ_CONTENTS, DMQ_MQC_HEAD};
use crate::error::ChainError;
use crate::paras;
use crate::state;

/// Why a downward message was not queued.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, thiserror::Error)]
pub enum DmpError {
    /// The destination is not a registered para.
    #[error("downward message to unregistered {para}")]
    UnknownPara {
        /// The destination.
        para: ParaId,
    },
    /// The message is larger than `max_downward_message_size`.
    #[error("downward message to {para} of {size} bytes, above {max}")]
    TooLarge {
        /// The destination.
        para: ParaId,
        /// Its size.
        size: u32,
        /// The limit.
        max: u32,
    },
    /// The para's queue holds `max_downward_queue_count` messages already.
    #[error("downward queue of {para} is full ({max} messages)")]
    QueueFull {
        /// The destination.
        para: ParaId,
        /// The limit.
        max: u32,
    },
}

/// Rule 26: queues `msg` for `para` at block `now` and advances the para's MQC head.
pub(crate) fn queue(
    ext: &mut dyn Externalities,
    limits: &MessagingLimits,
    now: BlockNumber,
    para: ParaId,
    msg: Vec<u8>,
) -> Result<Result<(), DmpError>, ChainError> {
    if state::map_get(ext, &paras::INFO, &para)?.is_none() {
        return Ok(Err(DmpError::UnknownPara { para }));
    }
    let size = u32::try_from(msg.len()).unwrap_or(u32::MAX);
    if size > limits.max_downward_message_size {
        return Ok(Err(DmpError::TooLarge { para, size, max: limits.max_downward_message_size }));
    }
    let mut queue = state::map_get_or_default(ext, &DMQ_CONTENTS, &para)?;
    if queue.len() >= limits.max_downward_queue_count as usize {
        return Ok(Err(DmpError::QueueFull { para, max: limits.max_downward_queue_count }));
    }
    let head = state::map_get_or_default(ext, &DMQ_MQC_HEAD, &para)?;
    DMQ_MQC_HEAD.insert(ext, &para, &mqc_next(&head, now, &msg));
    queue.push(InboundDownwardMessage { sent_at: now, msg });
    DMQ_CONTENTS.insert(ext, &para, &queue);
    Ok(Ok(()))
}

/// Rule 29: a candidate of `para` with relay parent `relay_parent` may claim `processed`
/// downward messages: no more than were queued at its relay parent, and at least one when any
/// was.
pub(crate) fn check_processed(
    ext: &mut dyn Externalities,
    para: ParaId,
    processed: u32,
    relay_parent: BlockNumber,
) -> Result<Result<(), MessagingRuleError>, ChainError> {
    let queue = state::map_get_or_default(ext, &DMQ_CONTENTS, &para)?;
    let available = queue.iter().take_while(|m| m.sent_at <= relay_parent).count();
    let available = u32::try_from(available).unwrap_or(u32::MAX);
    if processed > available {
        return Ok(Err(MessagingRuleError::DownwardOverrun { processed, available }));
    }
    if processed == 0 && available > 0 {
        return Ok(Err(MessagingRuleError::DownwardQueueSkipped { available }));
    }
    Ok(Ok(()))
}

/// Rule 30: drops the first `processed` messages of `para`'s queue; the base head moves past
/// them.
pub(crate) fn prune(
    ext: &mut dyn Externalities,
    para: ParaId,
    processed: u32,
) -> Result<(), ChainError> {
    if processed == 0 {
        return Ok(());
    }
    let mut queue = state::map_get_or_default(ext, &DMQ_CONTENTS, &para)?;
    let n = (processed as usize).min(queue.len());
    let base = state::map_get_or_default(ext, &DMQ_BASE_HEAD, &para)?;
    let base = mqc_chain(base, queue[..n].iter().map(|m| (m.sent_at, m.msg.as_slice())));
    queue.drain(..n);
    DMQ_BASE_HEAD.insert(ext, &para, &base);
    if queue.is_empty() {
        DMQ_CONTENTS.remove(ext, &para);
    } else {
        DMQ_CONTENTS.insert(ext, &para, &queue);
    }
    Ok(())
}
