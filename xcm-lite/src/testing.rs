//! An in-memory environment for tests: runtimes' unit tests and the simulator can run messages
//! without a runtime.
//!
//! - [`InMemoryState`] implements every stateful part ([`XcmState`](crate::executor::XcmState)): balances per (asset,
//!   account), the trap, awaited queries and acknowledgements, and a dispatcher that records
//!   calls.
//! - [`TestEnv`] bundles it with a configuration of the provided policies (trust lists, a
//!   fixed weigher, a fixed-rate trader, a barrier of your choice; [`AllowAll`] by default)
//!   and records every message sent and every event.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use crate::asset::{Asset, AssetId, Assets};
use crate::error::XcmError;
use crate::executor::{
    AssetTransactor, AssetTrap, Barrier, ConvertLocation, FixedRateTrader, FixedWeigher,
    LocationToAccount, Outcome, ResponseHandler, TransactDispatcher, TrapTicket, TrustedOrigins,
    XcmConfig, XcmEvent,
};
use crate::instruction::{OriginKind, QueryId, Response, Topic};
use crate::location::{AccountId, Location};
use crate::message::Message;
use crate::versioned::VersionedXcm;

/// A test account.
pub const ALICE: AccountId = [0xA1; 32];
/// A test account.
pub const BOB: AccountId = [0xB0; 32];
/// The account that collects fees in a [`TestEnv`].
pub const FEE_COLLECTOR: AccountId = [0xFE; 32];
/// The weight of one instruction in a [`TestEnv`].
pub const WEIGHT_PER_INSTRUCTION: u64 = 10;
/// The price of one unit of weight in a [`TestEnv`].
pub const PRICE_PER_WEIGHT: u128 = 1;
/// A `Transact` call starting with this byte fails with `DispatchFailed { code }`, the code
/// being the call's second byte (0 if none).
pub const FAILING_CALL: u8 = 0xFF;

/// A barrier that allows everything (tests of instructions, not of barriers).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AllowAll;

impl Barrier for AllowAll {
    fn should_execute(
        &self,
        _origin: &Location,
        _message: &Message,
        _weight: u64,
        _responses: &dyn ResponseHandler,
    ) -> Result<(), XcmError> {
        Ok(())
    }
}

/// Assets kept by the trap under one ticket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrappedAssets {
    /// The origin that may claim them.
    pub origin: Location,
    /// The assets (one trap's worth).
    pub assets: Assets,
    /// How many times these assets were trapped by this origin and not yet claimed.
    pub count: u32,
}

/// A response handed to the [`ResponseHandler`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedResponse {
    /// Who sent it.
    pub origin: Location,
    /// Its query id.
    pub query_id: QueryId,
    /// The querier it names.
    pub querier: Option<Location>,
    /// The response.
    pub response: Response,
}

/// A `Transact` call handed to the [`TransactDispatcher`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DispatchedCall {
    /// The message's origin.
    pub origin: Location,
    /// The origin kind asked for.
    pub origin_kind: OriginKind,
    /// The encoded call.
    pub call: Vec<u8>,
}

/// The runtime state of a test chain, in memory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InMemoryState {
    /// Balances per (asset, account); no zero entries.
    pub balances: BTreeMap<(AssetId, AccountId), u128>,
    /// The trap.
    pub trapped: BTreeMap<TrapTicket, TrappedAssets>,
    /// Awaited query responses: (responder, query id).
    pub expected_queries: BTreeSet<(Location, QueryId)>,
    /// Awaited acknowledgements, by topic.
    pub expected_acks: BTreeSet<Topic>,
    /// Responses received, in order.
    pub responses: Vec<ReceivedResponse>,
    /// Calls dispatched, in order (failed ones included).
    pub calls: Vec<DispatchedCall>,
    /// The weight every successful call uses (at most its declared maximum).
    pub call_weight: u64,
}

impl InMemoryState {
    /// The balance of `asset` held by `who`.
    pub fn balance(&self, asset: &AssetId, who: &Location) -> u128 {
        LocationToAccount
            .convert_location(who)
            .and_then(|account| self.balances.get(&(asset.clone(), account)).copied())
            .unwrap_or(0)
    }

    /// Credits `asset` to `who` (test set-up).
    pub fn mint(&mut self, asset: Asset, who: &Location) -> Result<(), XcmError> {
        self.deposit(&asset, who)
    }

    /// The sum of all balances of `asset`.
    pub fn total_balance(&self, asset: &AssetId) -> u128 {
        self.balances
            .iter()
            .filter(|((id, _), _)| id == asset)
            .fold(0u128, |sum, (_, amount)| sum.saturating_add(*amount))
    }

    /// The sum of `asset` over every unclaimed trap.
    pub fn total_trapped(&self, asset: &AssetId) -> u128 {
        self.trapped.values().fold(0u128, |sum, trap| {
            sum.saturating_add(trap.assets.amount_of(asset).saturating_mul(u128::from(trap.count)))
        })
    }

    /// Awaits a response to `query_id` from `responder`.
    pub fn expect_query(&mut self, responder: Location, query_id: QueryId) {
        self.expected_queries.insert((responder, query_id));
    }

    /// Awaits an acknowledgement with `topic`.
    pub fn expect_ack(&mut self, topic: Topic) {
        self.expected_acks.insert(topic);
    }

    fn account(who: &Location) -> Result<AccountId, XcmError> {
        LocationToAccount.convert_location(who).ok_or(XcmError::LocationCannotHold)
    }
}

impl AssetTransactor for InMemoryState {
    fn withdraw(&mut self, asset: &Asset, from: &Location) -> Result<(), XcmError> {
        let key = (asset.id.clone(), Self::account(from)?);
        let balance = self.balances.get(&key).copied().unwrap_or(0);
        let left = balance
            .checked_sub(asset.amount)
            .ok_or_else(|| XcmError::InsufficientBalance { asset: asset.id.clone() })?;
        if left == 0 {
            self.balances.remove(&key);
        } else {
            self.balances.insert(key, left);
        }
        Ok(())
    }

    fn deposit(&mut self, asset: &Asset, to: &Location) -> Result<(), XcmError> {
        let key = (asset.id.clone(), Self::account(to)?);
        let balance = self.balances.get(&key).copied().unwrap_or(0);
        let new = balance.checked_add(asset.amount).ok_or(XcmError::Overflow)?;
        if new > 0 {
            self.balances.insert(key, new);
        }
        Ok(())
    }
}

impl TransactDispatcher for InMemoryState {
    /// Records the call. `Superuser` is allowed only to the relay chain (`..`) and to us
    /// (`Here`); a call starting with [`FAILING_CALL`] fails; others use
    /// [`call_weight`](InMemoryState::call_weight).
    fn dispatch(
        &mut self,
        origin: &Location,
        origin_kind: OriginKind,
        call: &[u8],
        max_weight: u64,
    ) -> Result<u64, XcmError> {
        self.calls.push(DispatchedCall {
            origin: origin.clone(),
            origin_kind,
            call: call.to_vec(),
        });
        if origin_kind == OriginKind::Superuser
            && !(origin.is_here() || *origin == Location::parent())
        {
            return Err(XcmError::OriginKindNotAllowed);
        }
        match call {
            [FAILING_CALL, rest @ ..] => {
                Err(XcmError::DispatchFailed { code: rest.first().copied().map_or(0, u32::from) })
            }
            _ => Ok(self.call_weight.min(max_weight)),
        }
    }
}

impl ResponseHandler for InMemoryState {
    fn expecting_response(
        &self,
        origin: &Location,
        query_id: QueryId,
        response: &Response,
    ) -> bool {
        match response {
            Response::Ack(ack) => {
                ack.topic.is_some_and(|topic| self.expected_acks.contains(&topic))
            }
            _ => self.expected_queries.contains(&(origin.clone(), query_id)),
        }
    }

    fn on_response(
        &mut self,
        origin: &Location,
        query_id: QueryId,
        querier: Option<&Location>,
        response: Response,
    ) -> Result<(), XcmError> {
        match &response {
            Response::Ack(ack) => {
                if let Some(topic) = ack.topic {
                    self.expected_acks.remove(&topic);
                }
            }
            _ => {
                self.expected_queries.remove(&(origin.clone(), query_id));
            }
        }
        self.responses.push(ReceivedResponse {
            origin: origin.clone(),
            query_id,
            querier: querier.cloned(),
            response,
        });
        Ok(())
    }
}

impl AssetTrap for InMemoryState {
    fn trap(
        &mut self,
        ticket: TrapTicket,
        origin: &Location,
        assets: &Assets,
    ) -> Result<(), XcmError> {
        match self.trapped.get_mut(&ticket) {
            Some(trap) => trap.count = trap.count.checked_add(1).ok_or(XcmError::Overflow)?,
            None => {
                let trap =
                    TrappedAssets { origin: origin.clone(), assets: assets.clone(), count: 1 };
                self.trapped.insert(ticket, trap);
            }
        }
        Ok(())
    }

    fn claim(
        &mut self,
        ticket: TrapTicket,
        origin: &Location,
        assets: &Assets,
    ) -> Result<(), XcmError> {
        let trap = self.trapped.get_mut(&ticket).ok_or(XcmError::UnknownClaim)?;
        if trap.origin != *origin || trap.assets != *assets {
            return Err(XcmError::UnknownClaim);
        }
        trap.count = trap.count.saturating_sub(1);
        if trap.count == 0 {
            self.trapped.remove(&ticket);
        }
        Ok(())
    }
}

/// The configuration a [`TestEnv`] runs with.
pub type TestConfig<B> =
    XcmConfig<B, TrustedOrigins, TrustedOrigins, FixedWeigher, FixedRateTrader>;

/// A test chain: a configuration of provided policies, an [`InMemoryState`], and the record of
/// what its executions sent and emitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestEnv<B = AllowAll> {
    /// The configuration (change the trust lists, the trader, ... freely).
    pub config: TestConfig<B>,
    /// The state.
    pub state: InMemoryState,
    /// Every message sent, in order.
    pub sent: Vec<(Location, VersionedXcm)>,
    /// Every event, in order.
    pub events: Vec<XcmEvent>,
}

impl TestEnv<AllowAll> {
    /// A chain at `context` (our absolute location) that takes fees in `fee_asset` at
    /// [`PRICE_PER_WEIGHT`], weighs [`WEIGHT_PER_INSTRUCTION`] per instruction, sends fees to
    /// [`FEE_COLLECTOR`], trusts nobody and allows every message.
    pub fn new(context: Location, fee_asset: AssetId) -> TestEnv<AllowAll> {
        TestEnv {
            config: XcmConfig {
                context,
                barrier: AllowAll,
                reserves: TrustedOrigins::default(),
                teleporters: TrustedOrigins::default(),
                weigher: FixedWeigher { per_instruction: WEIGHT_PER_INSTRUCTION },
                trader: FixedRateTrader {
                    asset: fee_asset,
                    price_per_weight: PRICE_PER_WEIGHT,
                    collector: Location::account(FEE_COLLECTOR),
                },
            },
            state: InMemoryState::default(),
            sent: Vec::new(),
            events: Vec::new(),
        }
    }
}

impl<B: Barrier> TestEnv<B> {
    /// The same chain with another barrier.
    pub fn with_barrier<C: Barrier>(self, barrier: C) -> TestEnv<C> {
        let XcmConfig { context, reserves, teleporters, weigher, trader, .. } = self.config;
        TestEnv {
            config: XcmConfig { context, barrier, reserves, teleporters, weigher, trader },
            state: self.state,
            sent: self.sent,
            events: self.events,
        }
    }

    /// Executes `message` from `origin`, recording what it sent and emitted.
    pub fn execute(
        &mut self,
        origin: Location,
        message: impl Into<VersionedXcm>,
        now: u32,
        weight_limit: u64,
    ) -> Outcome {
        let outcome =
            self.config.execute(&mut self.state, origin, message.into(), now, weight_limit);
        self.sent.extend(outcome.sent.iter().cloned());
        self.events.extend(outcome.events.iter().cloned());
        outcome
    }

    /// Dry-runs `message` from `origin`: the outcome, with nothing changed or recorded.
    pub fn dry_run(
        &self,
        origin: Location,
        message: impl Into<VersionedXcm>,
        now: u32,
        weight_limit: u64,
    ) -> Outcome {
        self.config.dry_run(&self.state, origin, message.into(), now, weight_limit)
    }
}
