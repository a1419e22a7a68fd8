//! The [`Runtime`] trait a parachain implements, and the [`Context`] its functions receive.

use alloc::string::String;
use core::marker::PhantomData;
use parity_scale_codec::{Decode, Encode};

use atoll_primitives::{BlockNumber, Sr25519Public};

use crate::externalities::Externalities;
use crate::system::{self, Event, EventRecord};

/// A user account: its sr25519 public key.
pub type AccountId = Sr25519Public;

/// Why a dispatched call failed. The extrinsic stays in the block (its nonce is used), its
/// writes are discarded, and an `ExtrinsicFailed` event carries this error.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct DispatchError {
    /// The module that refused, e.g. `"Balances"`.
    pub module: String,
    /// A human-readable reason with the numbers involved.
    pub reason: String,
}

impl DispatchError {
    /// A new error of `module` with `reason`.
    pub fn new(module: &str, reason: impl Into<String>) -> Self {
        DispatchError { module: module.into(), reason: reason.into() }
    }
}

impl core::fmt::Display for DispatchError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}: {}", self.module, self.reason)
    }
}

/// A parachain runtime: its types and its logic. Implement it, then call
/// [`crate::register_validate_block!`] once to export the Wasm entry points.
pub trait Runtime: Sized + 'static {
    /// The runtime's name, used in logs.
    const NAME: &'static str;
    /// What users can ask for in signed extrinsics.
    type Call: Encode + Decode + Clone + core::fmt::Debug;
    /// What the runtime reports.
    type Event: Encode + Decode + Clone + PartialEq + core::fmt::Debug;
    /// The runtime's part of the genesis configuration.
    type Genesis: Encode + Decode + Clone + Default;

    /// Writes the genesis state.
    fn build_genesis(ctx: &mut Context<'_, Self>, genesis: &Self::Genesis);

    /// Called at the start of every block, before any extrinsic.
    fn on_initialize(_ctx: &mut Context<'_, Self>, _number: BlockNumber) {}

    /// Called at the end of every block, after every extrinsic.
    fn on_finalize(_ctx: &mut Context<'_, Self>, _number: BlockNumber) {}

    /// Executes `call` on behalf of `origin`. An `Err` discards every write the call made.
    fn dispatch(
        ctx: &mut Context<'_, Self>,
        origin: AccountId,
        call: Self::Call,
    ) -> Result<(), DispatchError>;
}

/// What runtime code gets: the state, the block number and a way to emit events.
pub struct Context<'a, R: Runtime> {
    ext: &'a mut dyn Externalities,
    extrinsic_index: Option<u32>,
    _runtime: PhantomData<R>,
}

impl<'a, R: Runtime> Context<'a, R> {
    /// A context over `ext`; `extrinsic_index` is `None` in hooks and genesis.
    pub fn new(ext: &'a mut dyn Externalities, extrinsic_index: Option<u32>) -> Self {
        Context { ext, extrinsic_index, _runtime: PhantomData }
    }

    /// The state.
    pub fn ext(&mut self) -> &mut dyn Externalities {
        self.ext
    }

    /// The number of the block being built or validated.
    pub fn block_number(&mut self) -> BlockNumber {
        system::NUMBER.get(self.ext).unwrap_or_default()
    }

    /// The index of the extrinsic being applied, if any.
    pub fn extrinsic_index(&self) -> Option<u32> {
        self.extrinsic_index
    }

    /// Records a runtime event in this block's events.
    pub fn deposit_event(&mut self, event: R::Event) {
        let record: EventRecord<R::Event> =
            EventRecord { extrinsic_index: self.extrinsic_index, event: Event::Runtime(event) };
        system::deposit(self.ext, &record);
    }
}
