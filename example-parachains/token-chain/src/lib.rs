//! # token-chain
//!
//! The first example parachain: accounts hold a balance of the chain's token and move it with
//! signed transfers. It is written with `atoll-runtime-sdk` and compiled twice: natively (for
//! unit tests and benchmarks) and to Wasm ([`WASM_BINARY`], built by `build.rs`), which is the
//! validation code validators run.
//!
//! ## Bird's-eye view
//!
//! - [`TokenChain`]: the runtime (implements [`atoll_runtime_sdk::Runtime`]).
//! - [`Call`]: `Transfer { dest, amount }`.
//! - [`Event`]: `Transferred { from, to, amount }`.
//! - [`Genesis`]: initial balances; [`Genesis::dev`] funds `//Alice` ... `//Ferdie`.
//! - [`balances`]: the storage and the transfer rule.
//!
//! ## Rules of a transfer (the code cites them)
//!
//! 1. The amount must be positive.
//! 2. The sender must hold at least the amount.
//! 3. The receiver's balance must not overflow.
//! 4. Both balances change and `Transferred` is emitted; the total issuance never changes.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod balances;

use alloc::vec::Vec;
use atoll_runtime_sdk::{AccountId, Context, DispatchError, Runtime};
use parity_scale_codec::{Decode, Encode};

/// The chain's token amounts.
pub type Balance = u128;

/// What users can do.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Call {
    /// Moves `amount` from the signer to `dest`.
    Transfer {
        /// The receiver.
        dest: AccountId,
        /// How much.
        amount: Balance,
    },
}

/// What the chain reports.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Event {
    /// A transfer happened.
    Transferred {
        /// The sender.
        from: AccountId,
        /// The receiver.
        to: AccountId,
        /// The amount.
        amount: Balance,
    },
}

/// The initial state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct Genesis {
    /// Initial balances.
    pub balances: Vec<(AccountId, Balance)>,
}

/// The token chain runtime.
pub struct TokenChain;

impl Runtime for TokenChain {
    const NAME: &'static str = "token-chain";
    type Call = Call;
    type Event = Event;
    type Genesis = Genesis;

    fn build_genesis(ctx: &mut Context<'_, Self>, genesis: &Genesis) {
        let mut total: Balance = 0;
        for (who, amount) in &genesis.balances {
            let current = balances::FREE.get_or_default(ctx.ext(), who);
            balances::FREE.insert(ctx.ext(), who, &current.saturating_add(*amount));
            total = total.saturating_add(*amount);
        }
        balances::TOTAL_ISSUANCE.put(ctx.ext(), &total);
    }

    fn dispatch(
        ctx: &mut Context<'_, Self>,
        origin: AccountId,
        call: Call,
    ) -> Result<(), DispatchError> {
        match call {
            Call::Transfer { dest, amount } => balances::transfer(ctx, origin, dest, amount),
        }
    }
}

atoll_runtime_sdk::register_validate_block!(TokenChain);

/// The runtime compiled to Wasm (empty when the build was skipped with
/// `ATOLL_SKIP_WASM_BUILD`).
#[cfg(feature = "std")]
pub const WASM_BINARY: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/runtime.wasm"));

#[cfg(feature = "std")]
impl Genesis {
    /// Every dev account (`//Alice` ... `//Ferdie`) with `amount`.
    pub fn dev(amount: Balance) -> Genesis {
        Genesis {
            balances: atoll_primitives::crypto::DEV_ACCOUNTS
                .iter()
                .map(|name| (atoll_primitives::crypto::Pair::dev(name).public(), amount))
                .collect(),
        }
    }
}
