//! HRMP channels (para → para): opening by request and acceptance, closing, genesis channels
//! (rule 27), the acceptance rules of a candidate's horizontal messages and watermark (rule 29)
//! and their enactment (rule 30).

use atoll_primitives::limits::{
    HRMP_CHANNEL_MAX_CAPACITY, HRMP_CHANNEL_MAX_TOTAL_SIZE, HRMP_MAX_MESSAGE_SIZE,
};
use atoll_primitives::messaging::{
    mqc_chain, mqc_next, HrmpChannel, HrmpChannelId, InboundHrmpMessage, MessagingLimits,
};
use atoll_primitives::{BlockNumber, OutboundHrmpMessage, ParaId};
use atoll_runtime_sdk::{Externalities, StorageMap, StorageValue};
use parity_scale_codec::{Decode, Encode};

use super::{
    MessagingRuleError, HRMP_BASE_HEAD, HRMP_CHANNELS, HRMP_CONTENTS, HRMP_EGRESS, HRMP_INGRESS,
    HRMP_WATERMARKS,
};
use crate::error::ChainError;
use crate::paras;
use crate::state;

/// A channel the sender asked to open, waiting for the recipient to accept.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct OpenRequest {
    /// Most messages the channel will hold.
    pub max_capacity: u32,
    /// Largest message.
    pub max_message_size: u32,
    /// The block of the request.
    pub requested_at: BlockNumber,
}

/// Open requests by channel.
pub(crate) const OPEN_REQUESTS: StorageMap<HrmpChannelId, OpenRequest> =
    StorageMap::new(b"Hrmp:OpenRequests");
/// Every channel with an open request, ascending.
pub(crate) const OPEN_REQUEST_LIST: StorageValue<Vec<HrmpChannelId>> =
    StorageValue::new(b"Hrmp:OpenRequestList");

/// Why a channel call failed.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, thiserror::Error)]
pub enum HrmpError {
    /// A channel from a para to itself.
    #[error("channel {channel} goes from a para to itself")]
    SamePara {
        /// The channel.
        channel: HrmpChannelId,
    },
    /// One of the paras is not registered.
    #[error("channel {channel}: {para} is not registered")]
    UnknownPara {
        /// The channel.
        channel: HrmpChannelId,
        /// The unregistered one.
        para: ParaId,
    },
    /// The channel is open already.
    #[error("channel {channel} is already open")]
    AlreadyOpen {
        /// The channel.
        channel: HrmpChannelId,
    },
    /// The channel was requested already.
    #[error("channel {channel} is already requested")]
    AlreadyRequested {
        /// The channel.
        channel: HrmpChannelId,
    },
    /// No request to accept.
    #[error("no open request for channel {channel}")]
    NoRequest {
        /// The channel.
        channel: HrmpChannelId,
    },
    /// No such channel to close.
    #[error("channel {channel} is not open")]
    NotOpen {
        /// The channel.
        channel: HrmpChannelId,
    },
    /// Capacity or message size zero or above the relay's limits.
    #[error("channel {channel}: capacity {max_capacity} (1..={cap_limit}) or message size {max_message_size} (1..={size_limit}) out of range")]
    BadLimits {
        /// The channel.
        channel: HrmpChannelId,
        /// The requested capacity.
        max_capacity: u32,
        /// The requested message size.
        max_message_size: u32,
        /// The capacity limit.
        cap_limit: u32,
        /// The message size limit.
        size_limit: u32,
    },
}

fn check_paras(
    ext: &mut dyn Externalities,
    channel: HrmpChannelId,
) -> Result<Result<(), HrmpError>, ChainError> {
    if channel.sender == channel.recipient {
        return Ok(Err(HrmpError::SamePara { channel }));
    }
    for para in [channel.sender, channel.recipient] {
        if state::map_get(ext, &paras::INFO, &para)?.is_none() {
            return Ok(Err(HrmpError::UnknownPara { channel, para }));
        }
    }
    if state::map_get(ext, &HRMP_CHANNELS, &channel)?.is_some() {
        return Ok(Err(HrmpError::AlreadyOpen { channel }));
    }
    Ok(Ok(()))
}

fn check_limits(
    channel: HrmpChannelId,
    max_capacity: u32,
    max_message_size: u32,
) -> Result<(), HrmpError> {
    let cap_ok = (1..=HRMP_CHANNEL_MAX_CAPACITY).contains(&max_capacity);
    let size_ok = (1..=HRMP_MAX_MESSAGE_SIZE).contains(&max_message_size);
    if cap_ok && size_ok {
        Ok(())
    } else {
        Err(HrmpError::BadLimits {
            channel,
            max_capacity,
            max_message_size,
            cap_limit: HRMP_CHANNEL_MAX_CAPACITY,
            size_limit: HRMP_MAX_MESSAGE_SIZE,
        })
    }
}

/// Rule 27: what a new channel needs, requested or from genesis: both paras registered and
/// distinct, no such channel yet, limits in range.
fn check_new_channel(
    ext: &mut dyn Externalities,
    channel: HrmpChannelId,
    max_capacity: u32,
    max_message_size: u32,
) -> Result<Result<(), HrmpError>, ChainError> {
    if let Err(e) = check_paras(ext, channel)? {
        return Ok(Err(e));
    }
    Ok(check_limits(channel, max_capacity, max_message_size))
}

/// Rule 27: records the sender's request to open `channel`.
pub(crate) fn request_open(
    ext: &mut dyn Externalities,
    now: BlockNumber,
    channel: HrmpChannelId,
    max_capacity: u32,
    max_message_size: u32,
) -> Result<Result<(), HrmpError>, ChainError> {
    if let Err(e) = check_new_channel(ext, channel, max_capacity, max_message_size)? {
        return Ok(Err(e));
    }
    if state::map_get(ext, &OPEN_REQUESTS, &channel)?.is_some() {
        return Ok(Err(HrmpError::AlreadyRequested { channel }));
    }
    OPEN_REQUESTS.insert(
        ext,
        &channel,
        &OpenRequest { max_capacity, max_message_size, requested_at: now },
    );
    let mut list = state::value_or_default(ext, &OPEN_REQUEST_LIST)?;
    if let Err(i) = list.binary_search(&channel) {
        list.insert(i, channel);
    }
    OPEN_REQUEST_LIST.put(ext, &list);
    Ok(Ok(()))
}

/// Rule 27: the recipient accepts the request for `channel`, which opens at once.
pub(crate) fn accept(
    ext: &mut dyn Externalities,
    channel: HrmpChannelId,
) -> Result<Result<HrmpChannel, HrmpError>, ChainError> {
    let Some(request) = state::map_get(ext, &OPEN_REQUESTS, &channel)? else {
        return Ok(Err(HrmpError::NoRequest { channel }));
    };
    if let Err(e) = check_paras(ext, channel)? {
        return Ok(Err(e));
    }
    drop_request(ext, channel)?;
    Ok(Ok(open(ext, channel, request.max_capacity, request.max_message_size)?))
}

fn drop_request(ext: &mut dyn Externalities, channel: HrmpChannelId) -> Result<(), ChainError> {
    OPEN_REQUESTS.remove(ext, &channel);
    let mut list = state::value_or_default(ext, &OPEN_REQUEST_LIST)?;
    list.retain(|c| *c != channel);
    OPEN_REQUEST_LIST.put(ext, &list);
    Ok(())
}

/// Rule 27: opens `channel` (accepted, or from genesis) with the relay's total-size limit.
pub(crate) fn open(
    ext: &mut dyn Externalities,
    channel: HrmpChannelId,
    max_capacity: u32,
    max_message_size: u32,
) -> Result<HrmpChannel, ChainError> {
    let record = HrmpChannel {
        max_capacity,
        max_total_size: HRMP_CHANNEL_MAX_TOTAL_SIZE,
        max_message_size,
        ..HrmpChannel::default()
    };
    HRMP_CHANNELS.insert(ext, &channel, &record);
    insert_sorted(ext, &HRMP_EGRESS, channel.sender, channel.recipient)?;
    insert_sorted(ext, &HRMP_INGRESS, channel.recipient, channel.sender)?;
    Ok(record)
}

/// Rule 27: a genesis channel, checked like a request and opened at once.
pub(crate) fn open_genesis(
    ext: &mut dyn Externalities,
    channel: HrmpChannelId,
    max_capacity: u32,
    max_message_size: u32,
) -> Result<Result<(), HrmpError>, ChainError> {
    if let Err(e) = check_new_channel(ext, channel, max_capacity, max_message_size)? {
        return Ok(Err(e));
    }
    open(ext, channel, max_capacity, max_message_size)?;
    Ok(Ok(()))
}

/// Rule 27: closes `channel`: its record, undelivered messages and list entries go.
pub(crate) fn close(
    ext: &mut dyn Externalities,
    channel: HrmpChannelId,
) -> Result<Result<(), HrmpError>, ChainError> {
    if state::map_get(ext, &HRMP_CHANNELS, &channel)?.is_none() {
        return Ok(Err(HrmpError::NotOpen { channel }));
    }
    HRMP_CHANNELS.remove(ext, &channel);
    HRMP_CONTENTS.remove(ext, &channel);
    HRMP_BASE_HEAD.remove(ext, &channel);
    remove_from(ext, &HRMP_EGRESS, channel.sender, channel.recipient)?;
    remove_from(ext, &HRMP_INGRESS, channel.recipient, channel.sender)?;
    Ok(Ok(()))
}

/// Drops the open requests from or to `para` (it was deregistered).
pub(crate) fn forget_requests(ext: &mut dyn Externalities, para: ParaId) -> Result<(), ChainError> {
    let list = state::value_or_default(ext, &OPEN_REQUEST_LIST)?;
    for channel in list.into_iter().filter(|c| c.sender == para || c.recipient == para) {
        drop_request(ext, channel)?;
    }
    Ok(())
}

fn insert_sorted(
    ext: &mut dyn Externalities,
    map: &StorageMap<ParaId, Vec<ParaId>>,
    key: ParaId,
    item: ParaId,
) -> Result<(), ChainError> {
    let mut list = state::map_get_or_default(ext, map, &key)?;
    if let Err(i) = list.binary_search(&item) {
        list.insert(i, item);
    }
    map.insert(ext, &key, &list);
    Ok(())
}

fn remove_from(
    ext: &mut dyn Externalities,
    map: &StorageMap<ParaId, Vec<ParaId>>,
    key: ParaId,
    item: ParaId,
) -> Result<(), ChainError> {
    let mut list = state::map_get_or_default(ext, map, &key)?;
    list.retain(|p| *p != item);
    if list.is_empty() {
        map.remove(ext, &key);
    } else {
        map.insert(ext, &key, &list);
    }
    Ok(())
}

/// Rule 29: the horizontal messages of a candidate of `sender` are sorted by recipient, at
/// most `max_hrmp_message_num_per_candidate`, each on an open channel within its message size,
/// and each channel's occupancy plus them within its capacity and total size.
pub(crate) fn check_outbound(
    ext: &mut dyn Externalities,
    limits: &MessagingLimits,
    sender: ParaId,
    messages: &[OutboundHrmpMessage],
) -> Result<Result<(), MessagingRuleError>, ChainError> {
    let count = u32::try_from(messages.len()).unwrap_or(u32::MAX);
    if count > limits.max_hrmp_message_num_per_candidate {
        let max = limits.max_hrmp_message_num_per_candidate;
        return Ok(Err(MessagingRuleError::TooManyHorizontal { count, max }));
    }
    if let Some(index) = messages.windows(2).position(|w| w[0].recipient > w[1].recipient) {
        return Ok(Err(MessagingRuleError::RecipientsUnsorted { index: index as u32 + 1 }));
    }
    let mut i = 0;
    while i < messages.len() {
        let recipient = messages[i].recipient;
        let run = messages[i..].iter().take_while(|m| m.recipient == recipient).count();
        let channel = HrmpChannelId { sender, recipient };
        let Some(record) = state::map_get(ext, &HRMP_CHANNELS, &channel)? else {
            return Ok(Err(MessagingRuleError::NoChannel { recipient }));
        };
        let mut bytes = 0u64;
        for (j, m) in messages[i..i + run].iter().enumerate() {
            let size = m.data.len() as u64;
            if size > u64::from(record.max_message_size) {
                let (index, max) = ((i + j) as u32, record.max_message_size);
                return Ok(Err(MessagingRuleError::HorizontalTooLarge { index, size, max }));
            }
            bytes += size;
        }
        let (room_count, room_bytes) = record.room();
        if run as u64 > u64::from(room_count) || bytes > u64::from(room_bytes) {
            return Ok(Err(MessagingRuleError::ChannelFull {
                recipient,
                sending: run as u32,
                held: record.msg_count,
                capacity: record.max_capacity,
            }));
        }
        i += run;
    }
    Ok(Ok(()))
}

/// Rule 29: the watermark neither goes back from `para`'s last one nor passes the relay parent.
pub(crate) fn check_watermark(
    ext: &mut dyn Externalities,
    para: ParaId,
    watermark: BlockNumber,
    relay_parent: BlockNumber,
) -> Result<Result<(), MessagingRuleError>, ChainError> {
    if watermark > relay_parent {
        return Ok(Err(MessagingRuleError::WatermarkAhead { watermark, relay_parent }));
    }
    if let Some(last) = state::map_get(ext, &HRMP_WATERMARKS, &para)? {
        if watermark < last {
            return Ok(Err(MessagingRuleError::WatermarkBackwards { watermark, last }));
        }
    }
    Ok(Ok(()))
}

/// Rule 30: appends `sender`'s messages to their channels, sent at `now`.
pub(crate) fn send(
    ext: &mut dyn Externalities,
    now: BlockNumber,
    sender: ParaId,
    messages: &[OutboundHrmpMessage],
) -> Result<(), ChainError> {
    for m in messages {
        let channel = HrmpChannelId { sender, recipient: m.recipient };
        // Checked at backing (rule 29); a channel closed since then loses the message.
        let Some(mut record) = state::map_get(ext, &HRMP_CHANNELS, &channel)? else { continue };
        record.mqc_head = mqc_next(&record.mqc_head, now, &m.data);
        record.msg_count = record.msg_count.saturating_add(1);
        record.total_size = record.total_size.saturating_add(m.data.len() as u32);
        HRMP_CHANNELS.insert(ext, &channel, &record);
        let message = InboundHrmpMessage { sent_at: now, data: m.data.clone() };
        ext.append(&HRMP_CONTENTS.storage_key(&channel), &message.encode());
    }
    Ok(())
}

/// Rule 30: records `recipient`'s watermark and prunes every inbound message sent at or before
/// it; each channel's base head moves past them.
pub(crate) fn prune_inbound(
    ext: &mut dyn Externalities,
    recipient: ParaId,
    watermark: BlockNumber,
) -> Result<(), ChainError> {
    HRMP_WATERMARKS.insert(ext, &recipient, &watermark);
    for sender in state::map_get_or_default(ext, &HRMP_INGRESS, &recipient)? {
        let channel = HrmpChannelId { sender, recipient };
        let mut contents = state::map_get_or_default(ext, &HRMP_CONTENTS, &channel)?;
        let n = contents.iter().take_while(|m| m.sent_at <= watermark).count();
        if n == 0 {
            continue;
        }
        let pruned: Vec<_> = contents.drain(..n).collect();
        let base = state::map_get_or_default(ext, &HRMP_BASE_HEAD, &channel)?;
        let base = mqc_chain(base, pruned.iter().map(|m| (m.sent_at, m.data.as_slice())));
        HRMP_BASE_HEAD.insert(ext, &channel, &base);
        if let Some(mut record) = state::map_get(ext, &HRMP_CHANNELS, &channel)? {
            let bytes: usize = pruned.iter().map(|m| m.data.len()).sum();
            record.msg_count = record.msg_count.saturating_sub(n as u32);
            record.total_size = record.total_size.saturating_sub(bytes as u32);
            HRMP_CHANNELS.insert(ext, &channel, &record);
        }
        if contents.is_empty() {
            HRMP_CONTENTS.remove(ext, &channel);
        } else {
            HRMP_CONTENTS.insert(ext, &channel, &contents);
        }
    }
    Ok(())
}
