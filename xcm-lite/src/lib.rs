//! # atoll-xcm (xcm-lite)
//!
//! Atoll's cross-chain message format and its executor: the payload that UMP, DMP and HRMP
//! carry between the relay chain and parachains (DESIGN.md, pipeline step 8). A message is a
//! versioned, SCALE-encoded programme of instructions (withdraw, deposit, reserve transfer,
//! transact, report, ...) in an envelope, run by a pure executor inside the receiving runtime.
//! Modelled on Polkadot's XCM, with what its users miss built in: a deadline, a refund
//! location for leftover assets, an acknowledgement, a dry run, a fee quote and structured
//! events.
//!
//! The crate is `no_std` (with `alloc`) and builds for `wasm32-unknown-unknown`. It moves no
//! bytes: the transports decode with [`decode_message`], run [`executor::XcmConfig::execute`]
//! and queue the messages it returns.
//!
//! ## Bird's-eye view, in the order the types are used
//!
//! - [`location`]: [`Junction`], [`Location`] (relative paths: `../Parachain(1000)`),
//!   [`Location::reanchored`] and [`sovereign_account`].
//! - [`asset`]: [`AssetId`], [`Asset`], the canonical [`Assets`] (also the holding register),
//!   [`WildAsset`], [`AssetFilter`].
//! - [`instruction`]: [`Instruction`] and what it carries: [`Response`], [`Ack`],
//!   [`AckOutcome`], [`QueryResponseInfo`], [`OriginKind`].
//! - [`message`]: the programme [`Xcm`] and its envelope [`Message`] (deadline, refund
//!   location, report location).
//! - [`versioned`]: [`VersionedXcm`] (`V0` the bare programme, `V1` the message), the version
//!   byte on the wire, and the conversions between versions.
//! - [`decode`]: [`decode_message`], the only way in for untrusted bytes, and [`DecodeError`].
//! - [`executor`]: the configurable parts (traits and provided implementations), the
//!   [`XcmConfig`](executor::XcmConfig) bundling them, `execute` / `dry_run` / `quote`, and the
//!   [`Outcome`](executor::Outcome) with its [`XcmEvent`](executor::XcmEvent)s.
//! - [`error`]: [`XcmError`], the error that travels in responses and acknowledgements.
//! - `testing` (with `std`): an in-memory environment for tests and the simulator.
//!
//! ## Rules (cited in the code as "Rule n")
//!
//! 1. **Decode.** Bytes become a [`VersionedXcm`] only through [`decode_message`]: at most
//!    [`MAX_MESSAGE_SIZE`] (16 KiB) bytes, a known version byte, programmes nested at most
//!    [`MAX_XCM_DEPTH`] (8) deep, at most [`MAX_INSTRUCTIONS`] (100) per programme,
//!    [`MAX_JUNCTIONS`] (8) per location and [`MAX_ASSETS`] (20) per asset collection (sorted,
//!    unique, non-zero), no trailing bytes. Anything else is refused before execution.
//! 2. **Upgrade.** The executor runs the latest version: a `V0` programme gets an empty
//!    envelope.
//! 3. **Weigh.** The weigher weighs the programme with every error handler and appendix it
//!    sets, at any depth (a transfer's `xcm` runs elsewhere and is not counted). A programme
//!    nested deeper than [`MAX_XCM_DEPTH`] or weighing more than the caller's limit is
//!    refused: nothing runs, nothing is sent, no acknowledgement; the outcome is a failure at
//!    index 0.
//! 4. **Barrier.** The barrier sees the origin, the message and its weight; a refusal is
//!    treated as in Rule 3.
//! 5. **Topic.** The topic register starts as the message's topic, the operand of its last
//!    top-level `SetTopic` (none without one); `SetTopic` sets it as it runs. Sent messages,
//!    events and the acknowledgement carry it.
//! 6. **Expiry.** A message whose `deadline` is below `now` (relay block numbers) is expired:
//!    only its leading asset receipts (`WithdrawAsset`, `ReserveAssetDeposited`,
//!    `ReceiveTeleportedAsset`) run, so that assets already on their way are not lost; the rest,
//!    the error handler and the appendix are skipped. Unless a receipt failed, the result is
//!    `Expired` at the first skipped instruction. Rules 10 to 13 apply as usual.
//! 7. **Run.** The registers: programme, programme counter, error (index, error), error
//!    handler, appendix, origin (the message's origin), holding (empty), topic, weight bought
//!    and used. Instructions run in order, each charged its own weight (`Transact`: what the
//!    call used, at most what it declared; all of it if the call failed). A failing
//!    instruction puts back into holding what it took from there and could not place;
//!    earlier effects persist (no rollback).
//! 8. **Errors.** The first error in the programme sets the error register (index, error) and
//!    the rest of the programme is replaced by the error handler. An error in the handler
//!    stops it and overwrites the error register; it is not handled again.
//! 9. **Appendix.** Then the appendix runs, whether the programme failed or not; an error in
//!    it stops it and overwrites the error register. The registers are read once: an appendix
//!    set inside the appendix, or a handler set inside the handler or the appendix, never
//!    runs.
//! 10. **Fees.** `BuyExecution { fees, weight_limit }` buys `weight_limit` (`None`: the
//!     message's weight) at the trader's price, which must be in `fees`' asset
//!     (`FeeAssetNotAccepted`) and at most `fees.amount` (`TooExpensive`), and is taken from
//!     holding (`NotHoldingFees` if holding has less); holding is unchanged on failure. At the
//!     end, if the envelope has `refund_to`, the price of the weight bought but not used
//!     returns to holding (and is refunded with the other leftovers); the rest of the fees
//!     goes to the trader's collector.
//! 11. **Leftovers.** What is left in holding at the very end goes to the envelope's
//!     `refund_to` if set (`AssetsRefunded`): a local account by deposit; an account on another
//!     chain by the reserve rules (Rule 14) with that chain as destination, for assets whose
//!     home is here or is that chain. Whatever cannot be refunded, or everything without
//!     `refund_to`, is trapped under the message's original origin with ticket
//!     blake2-256(SCALE(origin, assets)) (`AssetsTrapped`). `ClaimAsset { assets, ticket: Here }`
//!     from that same origin, with exactly those assets, puts them back into holding.
//! 12. **Acknowledgement.** If the envelope has `report_to`, a
//!     `QueryResponse { query_id: 0, response: Ack { topic, outcome }, querier: None }` (and
//!     `SetTopic`) is sent there, the outcome being `Expired { deadline }`, `Failed { index,
//!     error }` (the error register) or `Complete`.
//! 13. **Outcome.** The result is the error register (`Ok` if empty), with the weight used,
//!     the messages to send (the executor never sends; the transport queues them) and the
//!     events, the last of which is `Expired`, `Failed` or `Executed`.
//! 14. **Reserve transfers.** An asset's home chain (the chain part of its id) is its reserve.
//!     `TransferReserveAsset` moves assets from the origin's account, `DepositReserveAsset`
//!     from holding, into `dest`'s sovereign account here and sends `dest`
//!     `ReserveAssetDeposited(assets re-anchored for dest), ClearOrigin, xcm`.
//!     `InitiateReserveWithdraw` burns assets from holding (derivatives of the reserve's) and
//!     sends the reserve `WithdrawAsset(assets re-anchored), ClearOrigin, xcm`. The message is
//!     built and checked against the receiver's limits before anything moves. A receiver runs
//!     `ReserveAssetDeposited` only from an origin `IsReserve` trusts for every asset, and
//!     `ReceiveTeleportedAsset` only from one `IsTeleporter` trusts.
//! 15. **Sent messages.** Every message the executor builds is `V1` and ends with
//!     `SetTopic(topic)` when there is a topic (a transfer whose `xcm` already ends with a
//!     `SetTopic` keeps its own). Transfers inherit the envelope's deadline (relay block numbers
//!     mean the same on every chain) and its `refund_to` re-anchored for the destination, so a
//!     failure there can return the assets; they carry no `report_to`. Reports,
//!     acknowledgements and refunds carry an empty envelope.
//!
//! The executor never panics and uses checked arithmetic. A message-level failure is an
//! [`XcmError`] in the outcome; a failure of the environment itself (storage) is the
//! runtime's [`XcmError::Environment`], told apart by [`XcmError::is_environment_failure`].

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod asset;
pub mod decode;
pub mod error;
pub mod executor;
pub mod hashing;
pub mod instruction;
pub mod location;
pub mod message;
#[cfg(feature = "std")]
pub mod testing;
pub mod versioned;

pub use asset::{Asset, AssetFilter, AssetId, Assets, WildAsset, MAX_ASSETS};
pub use decode::{decode_message, DecodeError, MAX_MESSAGE_SIZE};
pub use error::XcmError;
pub use instruction::{
    Ack, AckOutcome, Instruction, OriginKind, QueryId, QueryResponseInfo, Response, Topic,
};
pub use location::{sovereign_account, AccountId, Junction, Location, MAX_JUNCTIONS};
pub use message::{Message, Xcm, MAX_INSTRUCTIONS, MAX_XCM_DEPTH};
pub use versioned::{VersionedXcm, CURRENT_VERSION};
