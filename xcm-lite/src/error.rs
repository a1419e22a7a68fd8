//! [`XcmError`]: why a message, or one of its instructions, failed.
//!
//! The error is part of the wire format: it travels back to the sender inside
//! [`Response::ExecutionResult`](crate::Response::ExecutionResult) and
//! [`AckOutcome::Failed`](crate::AckOutcome::Failed), so every variant has an explicit codec
//! index and carries only small, fixed data.
//!
//! Errors are of two kinds ([`XcmError::is_environment_failure`]): the message was bad (wrong
//! origin, too little money, an untrusted reserve, ...), or a part of the environment failed for
//! a reason the message did not cause ([`XcmError::Environment`]). A transport may retry a
//! message that met an environment failure later; a bad message fails the same way every time.

use parity_scale_codec::{Decode, Encode};

use crate::asset::AssetId;

/// Why a message, or one of its instructions, failed.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, thiserror::Error)]
pub enum XcmError {
    /// Checked arithmetic overflowed (an amount or a weight).
    #[codec(index = 0)]
    #[error("arithmetic overflow")]
    Overflow,
    /// A location would have more than [`MAX_JUNCTIONS`](crate::MAX_JUNCTIONS) junctions.
    #[codec(index = 1)]
    #[error("a location may have at most {max} junctions")]
    TooManyJunctions {
        /// The limit.
        max: u32,
    },
    /// An asset collection would have more than [`MAX_ASSETS`](crate::MAX_ASSETS) entries.
    #[codec(index = 2)]
    #[error("an asset collection may have at most {max} entries")]
    TooManyAssets {
        /// The limit.
        max: u32,
    },
    /// A location could not be written from the destination's point of view (it goes above
    /// the relay chain, or it would need too many junctions).
    #[codec(index = 3)]
    #[error("the location cannot be re-anchored for the destination")]
    ReanchorFailed,
    /// The instruction needs an origin and there is none (cleared), or the origin is not the
    /// expected one.
    #[codec(index = 4)]
    #[error("bad origin: missing or not the expected one")]
    BadOrigin,
    /// `ReserveAssetDeposited` from an origin that is not a reserve of the asset.
    #[codec(index = 5)]
    #[error("the origin is not a trusted reserve of {asset:?}")]
    UntrustedReserveLocation {
        /// The asset refused.
        asset: AssetId,
    },
    /// `ReceiveTeleportedAsset` from an origin that is not a trusted teleporter of the asset.
    #[codec(index = 6)]
    #[error("the origin is not a trusted teleporter of {asset:?}")]
    UntrustedTeleportLocation {
        /// The asset refused.
        asset: AssetId,
    },
    /// An account does not hold enough of an asset.
    #[codec(index = 7)]
    #[error("insufficient balance of {asset:?}")]
    InsufficientBalance {
        /// The asset.
        asset: AssetId,
    },
    /// The holding register does not hold enough of an asset.
    #[codec(index = 8)]
    #[error("holding lacks {asset:?}: {needed} needed, {held} held")]
    NotHoldingAsset {
        /// The asset.
        asset: AssetId,
        /// The amount needed.
        needed: u128,
        /// The amount held.
        held: u128,
    },
    /// `BuyExecution`: the holding register does not hold the price of the weight.
    #[codec(index = 9)]
    #[error("holding lacks the fee: {needed} needed, {held} held")]
    NotHoldingFees {
        /// The price.
        needed: u128,
        /// What holding has of the fee asset.
        held: u128,
    },
    /// `BuyExecution`: the offered asset is not one the trader accepts.
    #[codec(index = 10)]
    #[error("fees are not accepted in {offered:?}")]
    FeeAssetNotAccepted {
        /// The asset offered.
        offered: AssetId,
    },
    /// `BuyExecution`: the weight costs more than the offered maximum.
    #[codec(index = 11)]
    #[error("too expensive: the weight costs {needed}, at most {offered} was offered")]
    TooExpensive {
        /// The price.
        needed: u128,
        /// The offered maximum.
        offered: u128,
    },
    /// `ClaimAsset`: no trapped assets match (origin, assets, ticket).
    #[codec(index = 12)]
    #[error("no trapped assets match the claim")]
    UnknownClaim,
    /// `ExpectAsset`: holding does not contain the expected assets.
    #[codec(index = 13)]
    #[error("an expectation was false")]
    ExpectationFalse,
    /// `QueryResponse`: nobody here awaits this response.
    #[codec(index = 14)]
    #[error("unexpected response to query {query_id}")]
    UnexpectedResponse {
        /// The query id of the response.
        query_id: u64,
    },
    /// `Transact`: the runtime refused or failed the call; the code is the runtime's.
    #[codec(index = 15)]
    #[error("the call failed with code {code}")]
    DispatchFailed {
        /// The runtime's error code.
        code: u32,
    },
    /// `Transact`: the origin kind cannot be used by this origin.
    #[codec(index = 16)]
    #[error("the origin kind is not allowed for this origin")]
    OriginKindNotAllowed,
    /// The message needs more weight than the caller allows it.
    #[codec(index = 17)]
    #[error("the message needs weight {needed}, the limit is {limit}")]
    WeightLimitReached {
        /// The message's weight.
        needed: u64,
        /// The caller's limit.
        limit: u64,
    },
    /// Barrier: the message does not pay for its execution (no asset receipt followed by
    /// `BuyExecution`) and is not otherwise allowed.
    #[codec(index = 18)]
    #[error("barrier: the message does not pay for its execution")]
    NotPaidFor,
    /// Barrier: `BuyExecution` or `UnpaidExecution` covers less weight than the message needs.
    #[codec(index = 19)]
    #[error("barrier: the message buys weight {bought}, it needs {needed}")]
    WeightNotCovered {
        /// The weight limit the message declares.
        bought: u64,
        /// The message's weight.
        needed: u64,
    },
    /// Barrier: the origin may not have its messages executed for free.
    #[codec(index = 20)]
    #[error("barrier: the origin may not execute without paying")]
    OriginNotAllowed,
    /// Barrier: the message is not an awaited query response.
    #[codec(index = 21)]
    #[error("barrier: not an awaited query response")]
    NotAnAwaitedResponse,
    /// The message's deadline (a relay-chain block number) has passed.
    #[codec(index = 22)]
    #[error("expired: deadline {deadline}, now {now}")]
    Expired {
        /// The deadline.
        deadline: u32,
        /// The relay block number when the message ran.
        now: u32,
    },
    /// A message cannot be written in the requested version.
    #[codec(index = 23)]
    #[error("cannot be expressed in version {version}")]
    VersionIncompatible {
        /// The requested version.
        version: u8,
    },
    /// Programmes are nested deeper than [`MAX_XCM_DEPTH`](crate::MAX_XCM_DEPTH).
    #[codec(index = 24)]
    #[error("programmes nested deeper than {max}")]
    TooDeep {
        /// The limit.
        max: u32,
    },
    /// A message to send would break the decoding limits of its receiver (size or number of
    /// instructions).
    #[codec(index = 25)]
    #[error("a message to send would be {size} bytes or instructions over the limit {max}")]
    MessageTooLarge {
        /// The size reached (bytes, or instructions).
        size: u32,
        /// The limit.
        max: u32,
    },
    /// `ClaimAsset`: the ticket names a trap this chain does not keep.
    #[codec(index = 26)]
    #[error("unknown trap ticket")]
    UnknownTrap,
    /// A location cannot hold assets here (the runtime has no account for it).
    #[codec(index = 27)]
    #[error("the location cannot hold assets here")]
    LocationCannotHold,
    /// A part of the environment failed for a reason the message did not cause (its storage,
    /// say). The parts return it; the code is the runtime's own.
    #[codec(index = 28)]
    #[error("environment failure (code {code})")]
    Environment {
        /// What failed.
        code: u32,
    },
}

impl XcmError {
    /// Whether the environment failed rather than the message: the same message may succeed
    /// later, so a transport should not count it against the sender.
    pub const fn is_environment_failure(&self) -> bool {
        matches!(self, XcmError::Environment { .. })
    }

    /// Whether the message was refused before it ran: by a barrier, by the weight limit, or
    /// for programmes nested too deep.
    pub const fn is_refusal(&self) -> bool {
        matches!(
            self,
            XcmError::WeightLimitReached { .. }
                | XcmError::TooDeep { .. }
                | XcmError::NotPaidFor
                | XcmError::WeightNotCovered { .. }
                | XcmError::OriginNotAllowed
                | XcmError::NotAnAwaitedResponse
        )
    }
}
