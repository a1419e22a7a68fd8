//! What an execution returns: the result, the weight used, the messages to send and the
//! structured events (Rule 13).

use alloc::vec::Vec;

use parity_scale_codec::{Decode, Encode};

use super::traits::TrapTicket;
use crate::asset::Assets;
use crate::error::XcmError;
use crate::instruction::{QueryId, Topic};
use crate::location::Location;
use crate::versioned::VersionedXcm;

/// Where and why a message failed: the error register at the end of execution.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct InstructionFailure {
    /// The failing instruction's index in its programme (the main programme, the error handler
    /// or the appendix). A message refused before it ran (Rules 3 and 4) reports index 0.
    pub index: u32,
    /// The error.
    pub error: XcmError,
}

/// The result of [`XcmConfig::execute`](super::XcmConfig::execute).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Outcome {
    /// `Ok` if no error was recorded; else the error register at the end.
    pub result: Result<(), InstructionFailure>,
    /// The weight of the instructions that ran.
    pub weight_used: u64,
    /// Messages for the transport to queue, with their destinations relative to us. The
    /// executor never sends anything itself.
    pub sent: Vec<(Location, VersionedXcm)>,
    /// What happened, in order. The last event is exactly one of
    /// [`XcmEvent::Executed`], [`XcmEvent::Failed`] and [`XcmEvent::Expired`].
    pub events: Vec<XcmEvent>,
}

impl Outcome {
    /// Whether the message ran to the end without error.
    pub fn is_complete(&self) -> bool {
        self.result.is_ok()
    }

    /// The error, if any.
    pub fn error(&self) -> Option<&XcmError> {
        self.result.as_ref().err().map(|failure| &failure.error)
    }
}

/// A structured record of what an execution did, for a runtime to emit as its events.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum XcmEvent {
    /// The message ran to its end without error.
    #[codec(index = 0)]
    Executed {
        /// The topic register at the end.
        topic: Option<Topic>,
    },
    /// The message failed (or was refused before running: then `index` is 0).
    #[codec(index = 1)]
    Failed {
        /// The topic register at the end.
        topic: Option<Topic>,
        /// The failing instruction's index in its programme.
        index: u32,
        /// The error.
        error: XcmError,
    },
    /// Leftover assets were trapped (Rule 11).
    #[codec(index = 2)]
    AssetsTrapped {
        /// The message's origin, which alone may claim them.
        origin: Location,
        /// The assets.
        assets: Assets,
        /// The trap's ticket.
        ticket: TrapTicket,
    },
    /// Trapped assets were claimed back into holding (`ClaimAsset`).
    #[codec(index = 3)]
    AssetsClaimed {
        /// The claiming origin.
        origin: Location,
        /// The assets.
        assets: Assets,
        /// The trap's ticket.
        ticket: TrapTicket,
    },
    /// Leftover assets were returned to the envelope's `refund_to` (Rule 11).
    #[codec(index = 4)]
    AssetsRefunded {
        /// The refund location, relative to us.
        to: Location,
        /// The assets, as written here.
        assets: Assets,
    },
    /// The message arrived after its deadline (Rule 6).
    #[codec(index = 5)]
    Expired {
        /// The deadline.
        deadline: u32,
        /// The relay block it ran at.
        now: u32,
    },
    /// A query response (or acknowledgement) was handed to the `ResponseHandler`.
    #[codec(index = 6)]
    ResponseReceived {
        /// Its query id.
        query_id: QueryId,
    },
    /// The acknowledgement asked for by the envelope was sent (Rule 12).
    #[codec(index = 7)]
    AckSent {
        /// Where.
        to: Location,
        /// The topic it carries.
        topic: Option<Topic>,
    },
    /// A message was sent (a reserve transfer, a report, a refund).
    #[codec(index = 8)]
    MessageSent {
        /// Where, relative to us.
        dest: Location,
        /// The topic it carries.
        topic: Option<Topic>,
    },
    /// Assets were minted into holding on an origin's word (`ReserveAssetDeposited`,
    /// `ReceiveTeleportedAsset`).
    #[codec(index = 9)]
    AssetsReceived {
        /// The origin vouching for them.
        origin: Location,
        /// The assets.
        assets: Assets,
    },
    /// Assets could be placed nowhere, not even in the trap: the environment failed
    /// ([`XcmError::is_environment_failure`] or a full holding register).
    #[codec(index = 10)]
    AssetsLost {
        /// The assets.
        assets: Assets,
        /// Why the last place refused them.
        error: XcmError,
    },
}
