//! The executor: a pure register machine that runs one message against a runtime's state
//! (Rules 2 to 15 of the crate documentation).
//!
//! [`XcmConfig`] bundles our place in the network and the policies; the runtime's state comes
//! in as `&mut impl XcmState`. [`XcmConfig::execute`] runs a message and returns an
//! [`Outcome`]: the executor reads no clock (the relay block number comes in as `now`), sends
//! nothing (outgoing messages are returned) and never panics.

mod barriers;
mod finish;
mod instructions;
mod machine;
mod outcome;
mod provided;
mod traits;
mod transfers;

pub use barriers::{
    AllowKnownQueryResponses, AllowTopLevelPaidExecution, AllowUnpaidExecutionFrom,
};
pub use finish::ACK_QUERY_ID;
pub use outcome::{InstructionFailure, Outcome, XcmEvent};
pub use provided::{FixedRateTrader, FixedWeigher, MultiRateTrader, TrustedOrigins};
pub use traits::{
    AssetTransactor, AssetTrap, Barrier, ConvertLocation, IsReserve, IsTeleporter,
    LocationToAccount, ResponseHandler, Trader, TransactDispatcher, TrapTicket, Weigher, XcmState,
};

use alloc::vec;

use crate::asset::{Asset, AssetId};
use crate::error::XcmError;
use crate::location::Location;
use crate::message::{Message, MAX_XCM_DEPTH};
use crate::versioned::VersionedXcm;
use machine::Machine;

/// The executor's configuration: where we are, and the policies a message runs under.
///
/// Build one per runtime, with the provided parts or your own:
///
/// ```
/// use atoll_xcm::executor::*;
/// use atoll_xcm::{AssetId, Location};
///
/// let config = XcmConfig {
///     context: Location::parachain(2000),
///     barrier: (AllowTopLevelPaidExecution, AllowKnownQueryResponses),
///     reserves: TrustedOrigins(vec![(AssetId(Location::parent()), Location::parent())]),
///     teleporters: TrustedOrigins::default(),
///     weigher: FixedWeigher { per_instruction: 1_000 },
///     trader: FixedRateTrader {
///         asset: AssetId(Location::parent()),
///         price_per_weight: 1,
///         collector: Location::account([0; 32]),
///     },
/// };
/// # let _ = config;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XcmConfig<B, R, T, W, F> {
    /// Our absolute location, from the relay chain: `Here` for the relay chain itself,
    /// `Parachain(id)` for a parachain. Re-anchoring uses it.
    pub context: Location,
    /// Which messages may run at all (Rule 4).
    pub barrier: B,
    /// Who may announce reserve deposits of which asset.
    pub reserves: R,
    /// Who may teleport which asset here.
    pub teleporters: T,
    /// How much weight instructions take (Rule 3).
    pub weigher: W,
    /// What weight costs, and where fees go (Rule 10).
    pub trader: F,
}

impl<B, R, T, W, F> XcmConfig<B, R, T, W, F>
where
    B: Barrier,
    R: IsReserve,
    T: IsTeleporter,
    W: Weigher,
    F: Trader,
{
    /// Runs `message` from `origin` (relative to us) at relay block `now`, within
    /// `weight_limit`, against `state`. Follows Rules 2 to 15; never panics.
    pub fn execute<S: XcmState>(
        &self,
        state: &mut S,
        origin: Location,
        message: VersionedXcm,
        now: u32,
        weight_limit: u64,
    ) -> Outcome {
        // Rule 2: run the latest version.
        let message = message.into_latest();
        // Rule 5: the topic register starts as the message's topic.
        let topic = message.topic();
        // Rule 3: weigh, refuse what is over the limit.
        let weight = match self.weigh(&message) {
            Ok(weight) if weight > weight_limit => {
                return refused(
                    topic,
                    XcmError::WeightLimitReached { needed: weight, limit: weight_limit },
                )
            }
            Ok(weight) => weight,
            Err(error) => return refused(topic, error),
        };
        // Rule 4: the barrier.
        if let Err(error) = self.barrier.should_execute(&origin, &message, weight, &*state) {
            return refused(topic, error);
        }
        Machine::new(self.parts(), state, origin, topic, weight, now).run(message)
    }

    /// Runs `message` as [`execute`](Self::execute) would, against a clone of `state`, and
    /// returns the same outcome; `state` is untouched.
    pub fn dry_run<S: XcmState + Clone>(
        &self,
        state: &S,
        origin: Location,
        message: VersionedXcm,
        now: u32,
        weight_limit: u64,
    ) -> Outcome {
        let mut scratch = state.clone();
        self.execute(&mut scratch, origin, message, now, weight_limit)
    }

    /// The weight `message` is charged up front (Rule 3) and what buying it costs in `asset`.
    pub fn quote(&self, message: &VersionedXcm, asset: &AssetId) -> Result<(u64, Asset), XcmError> {
        let weight = match message {
            VersionedXcm::V0(xcm) => self.weigh_programme(xcm)?,
            VersionedXcm::V1(message) => self.weigh(message)?,
        };
        Ok((weight, self.trader.fee_for(weight, asset)?))
    }

    fn weigh(&self, message: &Message) -> Result<u64, XcmError> {
        self.weigh_programme(&message.xcm)
    }

    fn weigh_programme(&self, xcm: &crate::Xcm) -> Result<u64, XcmError> {
        if xcm.depth() > MAX_XCM_DEPTH {
            return Err(XcmError::TooDeep { max: MAX_XCM_DEPTH });
        }
        self.weigher.weigh(xcm)
    }

    fn parts(&self) -> machine::Parts<'_> {
        machine::Parts {
            context: &self.context,
            reserves: &self.reserves,
            teleporters: &self.teleporters,
            weigher: &self.weigher,
            trader: &self.trader,
        }
    }
}

/// The outcome of a message refused before it ran (Rules 3 and 4): nothing ran, nothing is
/// sent, no acknowledgement.
fn refused(topic: Option<crate::Topic>, error: XcmError) -> Outcome {
    Outcome {
        result: Err(InstructionFailure { index: 0, error: error.clone() }),
        weight_used: 0,
        sent: vec![],
        events: vec![XcmEvent::Failed { topic, index: 0, error }],
    }
}
