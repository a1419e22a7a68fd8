//! Message passing (rules 26–32): the downward queues (DMP, [`dmp`]), the upward queues and their
//! processing (UMP, [`ump`]), the HRMP channels ([`hrmp`]), and what a collator reads to give its
//! para its inbound messages with a proof ([`inbound`]).
//!
//! The storage items use the prefixes of [`atoll_primitives::messaging::relay_storage`], which a
//! para runtime shares to prove them against a relay state root.

pub mod inbound;

use atoll_primitives::messaging::{
    relay_storage as key, HrmpChannel, HrmpChannelId, InboundDownwardMessage, InboundHrmpMessage,
    MessagingLimits, QueueSize,
};
use atoll_primitives::{BlockNumber, Hash, ParaId};
use atoll_runtime_sdk::{Externalities, StorageMap, StorageValue};

use crate::error::ChainError;
use crate::state;

/// The messaging limits (written at genesis).
pub(crate) const LIMITS: StorageValue<MessagingLimits> = StorageValue::new(key::LIMITS);
/// Each para's downward MQC head.
pub(crate) const DMQ_MQC_HEAD: StorageMap<ParaId, Hash> = StorageMap::new(key::DMQ_MQC_HEAD);
/// Each para's unprocessed downward messages.
pub(crate) const DMQ_CONTENTS: StorageMap<ParaId, Vec<InboundDownwardMessage>> =
    StorageMap::new(key::DMQ_CONTENTS);
/// The MQC head before each downward queue's first message.
pub(crate) const DMQ_BASE_HEAD: StorageMap<ParaId, Hash> = StorageMap::new(key::DMQ_BASE_HEAD);
/// Each para's upward queue occupancy.
pub(crate) const UMP_QUEUE_SIZE: StorageMap<ParaId, QueueSize> =
    StorageMap::new(key::UMP_QUEUE_SIZE);
/// Each para's upward messages waiting to be processed, with the block that enacted them.
pub(crate) const UMP_QUEUE: StorageMap<ParaId, Vec<(BlockNumber, Vec<u8>)>> =
    StorageMap::new(b"Ump:Queue");
/// The paras whose upward queue is not empty, in the order they are served.
pub(crate) const UMP_NEEDS_SERVICE: StorageValue<Vec<ParaId>> = StorageValue::new(b"Ump:Service");
/// Every open channel.
pub(crate) const HRMP_CHANNELS: StorageMap<HrmpChannelId, HrmpChannel> =
    StorageMap::new(key::HRMP_CHANNELS);
/// Each channel's unpruned messages.
pub(crate) const HRMP_CONTENTS: StorageMap<HrmpChannelId, Vec<InboundHrmpMessage>> =
    StorageMap::new(key::HRMP_CONTENTS);
/// The MQC head before each channel's first unpruned message.
pub(crate) const HRMP_BASE_HEAD: StorageMap<HrmpChannelId, Hash> =
    StorageMap::new(key::HRMP_BASE_HEAD);
/// Senders of each para's inbound channels, ascending.
pub(crate) const HRMP_INGRESS: StorageMap<ParaId, Vec<ParaId>> = StorageMap::new(key::HRMP_INGRESS);
/// Recipients of each para's outbound channels, ascending.
pub(crate) const HRMP_EGRESS: StorageMap<ParaId, Vec<ParaId>> = StorageMap::new(key::HRMP_EGRESS);
/// Each para's last HRMP watermark.
pub(crate) const HRMP_WATERMARKS: StorageMap<ParaId, BlockNumber> =
    StorageMap::new(key::HRMP_WATERMARKS);

/// The messaging limits of a state (the defaults if a state predates them).
pub(crate) fn limits(ext: &mut dyn Externalities) -> Result<MessagingLimits, ChainError> {
    Ok(state::value(ext, &LIMITS)?.unwrap_or_default())
}
