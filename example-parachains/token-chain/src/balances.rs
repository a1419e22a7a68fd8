//! Balances: the storage and the transfer rule (rules 1–4 in the crate docs).

use alloc::format;
use atoll_runtime_sdk::{AccountId, Context, DispatchError, StorageMap, StorageValue};

use crate::{Balance, Event, TokenChain};

/// Each account's balance.
pub const FREE: StorageMap<AccountId, Balance> = StorageMap::new(b"Balances:Free");
/// The sum of all balances.
pub const TOTAL_ISSUANCE: StorageValue<Balance> = StorageValue::new(b"Balances:TotalIssuance");

const MODULE: &str = "Balances";

/// Moves `amount` from `from` to `to`.
pub fn transfer(
    ctx: &mut Context<'_, TokenChain>,
    from: AccountId,
    to: AccountId,
    amount: Balance,
) -> Result<(), DispatchError> {
    // Rule 1.
    if amount == 0 {
        return Err(DispatchError::new(MODULE, "zero amount"));
    }
    // Rule 2.
    let from_balance = FREE.get_or_default(ctx.ext(), &from);
    if from_balance < amount {
        return Err(DispatchError::new(
            MODULE,
            format!("insufficient balance: have {from_balance}, need {amount}"),
        ));
    }
    if from != to {
        FREE.insert(ctx.ext(), &from, &(from_balance - amount));
        // Rule 3.
        let to_balance = FREE.get_or_default(ctx.ext(), &to);
        let Some(new_to) = to_balance.checked_add(amount) else {
            return Err(DispatchError::new(MODULE, "receiver balance would overflow"));
        };
        FREE.insert(ctx.ext(), &to, &new_to);
    }
    // Rule 4.
    ctx.deposit_event(Event::Transferred { from, to, amount });
    Ok(())
}

/// The balance of `who`.
pub fn balance_of(ext: &mut dyn atoll_runtime_sdk::Externalities, who: &AccountId) -> Balance {
    FREE.get_or_default(ext, who)
}
