//! The executor's configurable parts, as traits a runtime implements (or takes from
//! [`provided`](super::provided)).
//!
//! Two halves:
//! - **policies**, fixed while a message runs, bundled in [`XcmConfig`](super::XcmConfig):
//!   [`Barrier`], [`IsReserve`], [`IsTeleporter`], [`Weigher`], [`Trader`];
//! - **state**, the runtime's storage seen by the executor, implemented on one type and passed
//!   as `&mut` ([`XcmState`]): [`AssetTransactor`], [`TransactDispatcher`],
//!   [`ResponseHandler`], [`AssetTrap`].
//!
//! Every method returns a [`XcmError`] rather than panicking: a message-level error for a bad
//! message, [`XcmError::Environment`] when the runtime itself failed.

use alloc::vec::Vec;

use parity_scale_codec::{Decode, Encode};

use crate::asset::{Asset, AssetId, Assets};
use crate::error::XcmError;
use crate::hashing::blake2_256;
use crate::instruction::{Instruction, OriginKind, QueryId, Response};
use crate::location::{sovereign_account, AccountId, Location};
use crate::message::{Message, Xcm};

/// Moves assets between the runtime's accounts and the holding register.
///
/// A runtime maps each location to one of its accounts inside (see [`ConvertLocation`]).
pub trait AssetTransactor {
    /// Takes `asset` out of the account of `from` (into holding). Fails, changing nothing, when
    /// the account does not have it ([`XcmError::InsufficientBalance`]) or `from` has no
    /// account here ([`XcmError::LocationCannotHold`]).
    fn withdraw(&mut self, asset: &Asset, from: &Location) -> Result<(), XcmError>;

    /// Puts `asset` into the account of `to` (out of holding). Fails, changing nothing, when
    /// `to` has no account here or the balance would overflow.
    fn deposit(&mut self, asset: &Asset, to: &Location) -> Result<(), XcmError>;
}

/// Maps a location (relative to us) to the account that stands for it in our ledger.
pub trait ConvertLocation {
    /// The account, or `None` when the location cannot hold assets here.
    fn convert_location(&self, location: &Location) -> Option<AccountId>;
}

/// The default [`ConvertLocation`]: [`sovereign_account`] for every location but `Here` (our
/// own chain has no account in its own ledger).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LocationToAccount;

impl ConvertLocation for LocationToAccount {
    fn convert_location(&self, location: &Location) -> Option<AccountId> {
        (!location.is_here()).then(|| sovereign_account(location))
    }
}

/// Decides, before anything runs, whether a message may run at all (Rule 4).
pub trait Barrier {
    /// `Ok` to run `message` from `origin`, whose weight is `weight`. `responses` tells which
    /// query responses are awaited (for [`AllowKnownQueryResponses`]).
    ///
    /// [`AllowKnownQueryResponses`]: super::AllowKnownQueryResponses
    fn should_execute(
        &self,
        origin: &Location,
        message: &Message,
        weight: u64,
        responses: &dyn ResponseHandler,
    ) -> Result<(), XcmError>;
}

/// Whether `origin` is trusted to hold the reserve of `asset` (for `ReserveAssetDeposited`).
pub trait IsReserve {
    /// `true` if `ReserveAssetDeposited(asset)` from `origin` may mint `asset` here.
    fn is_reserve(&self, asset: &Asset, origin: &Location) -> bool;
}

/// Whether `origin` is trusted to teleport `asset` here (for `ReceiveTeleportedAsset`).
pub trait IsTeleporter {
    /// `true` if `ReceiveTeleportedAsset(asset)` from `origin` may mint `asset` here.
    fn is_teleporter(&self, asset: &Asset, origin: &Location) -> bool;
}

/// Weighs programmes (Rule 3).
pub trait Weigher {
    /// The weight of one instruction by itself: the programmes it nests are weighed (and, if
    /// they run, charged) on their own. A `Transact`'s weight must include its
    /// `require_weight_at_most`: the part the call does not use is given back.
    fn instruction_weight(&self, instruction: &Instruction) -> Result<u64, XcmError>;

    /// The weight of `xcm` with every programme that may run here: the error handlers and
    /// appendices it sets, at any depth. The `xcm` of a transfer runs at its destination and is
    /// not counted. Checked; computed without recursion.
    fn weigh(&self, xcm: &Xcm) -> Result<u64, XcmError> {
        let mut total = 0u64;
        let mut stack: Vec<&Xcm> = alloc::vec![xcm];
        while let Some(programme) = stack.pop() {
            for instruction in programme.iter() {
                let weight = self.instruction_weight(instruction)?;
                total = total.checked_add(weight).ok_or(XcmError::Overflow)?;
                if let Some(nested) = instruction.local_programme() {
                    stack.push(nested);
                }
            }
        }
        Ok(total)
    }
}

/// Prices weight in an asset (Rule 10).
pub trait Trader {
    /// What `weight` costs in `asset`, or [`XcmError::FeeAssetNotAccepted`] when the trader
    /// does not take that asset.
    fn fee_for(&self, weight: u64, asset: &AssetId) -> Result<Asset, XcmError>;

    /// Where the fees of a message go when it ends (deposited through the
    /// [`AssetTransactor`]).
    fn fee_collector(&self) -> &Location;
}

/// Runs `Transact` calls: the runtime decodes `call` and dispatches it.
pub trait TransactDispatcher {
    /// Dispatches `call` with an origin derived from `origin` by `origin_kind`, using at most
    /// `max_weight`. Returns the weight used (more than `max_weight` is counted as
    /// `max_weight`), or why it failed: [`XcmError::DispatchFailed`] for the call's own error,
    /// [`XcmError::OriginKindNotAllowed`] when `origin` may not use `origin_kind`.
    fn dispatch(
        &mut self,
        origin: &Location,
        origin_kind: OriginKind,
        call: &[u8],
        max_weight: u64,
    ) -> Result<u64, XcmError>;
}

/// Receives `QueryResponse`s: answers to queries we sent, and acknowledgements.
pub trait ResponseHandler {
    /// Whether a response from `origin` with `query_id` is awaited. Acknowledgements
    /// (`Response::Ack`) are matched by their topic.
    fn expecting_response(&self, origin: &Location, query_id: QueryId, response: &Response)
        -> bool;

    /// Takes an awaited response.
    fn on_response(
        &mut self,
        origin: &Location,
        query_id: QueryId,
        querier: Option<&Location>,
        response: Response,
    ) -> Result<(), XcmError>;
}

/// Keeps assets left in holding when nothing else claims them (Rule 11).
pub trait AssetTrap {
    /// Keeps `assets`, trapped by a message from `origin`, under `ticket`
    /// (= [`TrapTicket::new`]`(origin, assets)`). The same ticket may be trapped repeatedly;
    /// each trap is claimable once.
    fn trap(
        &mut self,
        ticket: TrapTicket,
        origin: &Location,
        assets: &Assets,
    ) -> Result<(), XcmError>;

    /// Releases one trap of `ticket`; [`XcmError::UnknownClaim`] if there is none.
    fn claim(
        &mut self,
        ticket: TrapTicket,
        origin: &Location,
        assets: &Assets,
    ) -> Result<(), XcmError>;
}

/// The runtime's state as the executor sees it: the four stateful parts on one type.
pub trait XcmState: AssetTransactor + TransactDispatcher + ResponseHandler + AssetTrap {}

impl<T: AssetTransactor + TransactDispatcher + ResponseHandler + AssetTrap> XcmState for T {}

/// Names a trap: blake2-256 of SCALE((origin, assets)). Claiming needs the same origin and
/// exactly the same assets.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode)]
pub struct TrapTicket(pub [u8; 32]);

impl TrapTicket {
    /// The ticket of `assets` trapped by a message from `origin`.
    pub fn new(origin: &Location, assets: &Assets) -> TrapTicket {
        TrapTicket((origin, assets).using_encoded(blake2_256))
    }
}

impl core::fmt::Debug for TrapTicket {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("TrapTicket(0x")?;
        for byte in &self.0 {
            write!(f, "{byte:02x}")?;
        }
        f.write_str(")")
    }
}
