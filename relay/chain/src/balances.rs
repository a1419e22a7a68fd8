//! Balances and the stake ledger: each account's free balance, reserved balance (para deposits)
//! and bonded stake, and the total issuance. Amounts are in planck (10^-12 unit). An account
//! whose amount in a ledger drops to zero has no entry there.

use atoll_runtime_sdk::{Externalities, StorageMap, StorageValue};
use parity_scale_codec::{Decode, Encode};

use crate::dispatch::CallError;
use crate::error::ChainError;
use crate::events::DispatchError;
use crate::extrinsic::AccountId;
use crate::state;

/// Free (spendable) balance per account.
pub(crate) const FREE: StorageMap<AccountId, u128> = StorageMap::new(b"Balances:Free");
/// Reserved balance (deposits) per account.
pub(crate) const RESERVED: StorageMap<AccountId, u128> = StorageMap::new(b"Balances:Reserved");
/// Bonded stake per account: what slashing takes from.
pub(crate) const BONDED: StorageMap<AccountId, u128> = StorageMap::new(b"Staking:Bonded");
/// The sum of every free, reserved and bonded amount.
pub(crate) const TOTAL_ISSUANCE: StorageValue<u128> = StorageValue::new(b"Balances:TotalIssuance");

/// A fraction in parts per billion (1 000 000 000 = 100 %), as slashes are expressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Encode, Decode)]
pub struct Perbill(pub u32);

impl Perbill {
    /// One billion parts: the whole.
    pub const ONE: Perbill = Perbill(1_000_000_000);

    /// `⌊amount · self⌋`, exact and without overflow; fractions above one count as one.
    pub fn of(self, amount: u128) -> u128 {
        let parts = u128::from(self.0.min(Self::ONE.0));
        let whole = u128::from(Self::ONE.0);
        amount / whole * parts + amount % whole * parts / whole
    }
}

fn put(ext: &mut dyn Externalities, map: &StorageMap<AccountId, u128>, who: &AccountId, v: u128) {
    if v == 0 {
        map.remove(ext, who);
    } else {
        map.insert(ext, who, &v);
    }
}

/// Moves `amount` of `who`'s `from` ledger to its `to` ledger, or fails with `short(has)`.
fn shift(
    ext: &mut dyn Externalities,
    who: &AccountId,
    from: &StorageMap<AccountId, u128>,
    to: &StorageMap<AccountId, u128>,
    amount: u128,
    short: impl FnOnce(u128) -> DispatchError,
) -> Result<(), CallError> {
    let has = state::map_get_or_default(ext, from, who)?;
    let left = has.checked_sub(amount).ok_or_else(|| short(has))?;
    let target = state::map_get_or_default(ext, to, who)?;
    let new_target = target.checked_add(amount).ok_or(DispatchError::Overflow { who: *who })?;
    put(ext, from, who, left);
    put(ext, to, who, new_target);
    Ok(())
}

/// The free balance of `who`.
pub(crate) fn free(ext: &mut dyn Externalities, who: &AccountId) -> Result<u128, ChainError> {
    state::map_get_or_default(ext, &FREE, who)
}

/// Genesis: creates `free` balance and `bonded` stake for `who`.
pub(crate) fn mint(
    ext: &mut dyn Externalities,
    who: &AccountId,
    free: u128,
    bonded: u128,
) -> Result<(), CallError> {
    let overflow = || DispatchError::Overflow { who: *who };
    let issuance = state::value_or_default(ext, &TOTAL_ISSUANCE)?;
    let issuance =
        issuance.checked_add(free).and_then(|i| i.checked_add(bonded)).ok_or_else(overflow)?;
    let new_free =
        state::map_get_or_default(ext, &FREE, who)?.checked_add(free).ok_or_else(overflow)?;
    let new_bonded =
        state::map_get_or_default(ext, &BONDED, who)?.checked_add(bonded).ok_or_else(overflow)?;
    put(ext, &FREE, who, new_free);
    put(ext, &BONDED, who, new_bonded);
    TOTAL_ISSUANCE.put(ext, &issuance);
    Ok(())
}

/// Moves `amount` of free balance from `from` to `to`.
pub(crate) fn transfer(
    ext: &mut dyn Externalities,
    from: &AccountId,
    to: &AccountId,
    amount: u128,
) -> Result<(), CallError> {
    let has = free(ext, from)?;
    let left = has.checked_sub(amount).ok_or(DispatchError::InsufficientBalance {
        who: *from,
        needed: amount,
        available: has,
    })?;
    put(ext, &FREE, from, left);
    let dest = free(ext, to)?;
    let new_dest = dest.checked_add(amount).ok_or(DispatchError::Overflow { who: *to })?;
    put(ext, &FREE, to, new_dest);
    Ok(())
}

/// Moves `amount` of `who`'s free balance into its bonded stake.
pub(crate) fn bond(
    ext: &mut dyn Externalities,
    who: &AccountId,
    amount: u128,
) -> Result<(), CallError> {
    shift(ext, who, &FREE, &BONDED, amount, |available| DispatchError::InsufficientBalance {
        who: *who,
        needed: amount,
        available,
    })
}

/// Moves `amount` of `who`'s bonded stake back to free balance.
pub(crate) fn unbond(
    ext: &mut dyn Externalities,
    who: &AccountId,
    amount: u128,
) -> Result<(), CallError> {
    shift(ext, who, &BONDED, &FREE, amount, |bonded| DispatchError::InsufficientStake {
        who: *who,
        needed: amount,
        bonded,
    })
}

/// Reserves `amount` of `who`'s free balance (a deposit).
pub(crate) fn reserve(
    ext: &mut dyn Externalities,
    who: &AccountId,
    amount: u128,
) -> Result<(), CallError> {
    shift(ext, who, &FREE, &RESERVED, amount, |available| DispatchError::InsufficientBalance {
        who: *who,
        needed: amount,
        available,
    })
}

/// Returns a deposit of `amount` reserved earlier to `who`'s free balance.
pub(crate) fn unreserve(
    ext: &mut dyn Externalities,
    who: &AccountId,
    amount: u128,
) -> Result<(), CallError> {
    shift(ext, who, &RESERVED, &FREE, amount, |_| DispatchError::Overflow { who: *who }).map_err(
        |e| match e {
            // Less reserved than a recorded deposit, or a balance above the issuance: the
            // ledgers disagree.
            CallError::Failed(_) => CallError::Internal(ChainError::Invariant(
                "recorded deposits are reserved in full and balances stay below the issuance",
            )),
            internal => internal,
        },
    )
}

/// Burns `fraction` of `who`'s bonded stake (the total issuance decreases by as much) and
/// returns the amount burnt: the slash of a dispute's losers (rule 24).
pub(crate) fn slash(
    ext: &mut dyn Externalities,
    who: &AccountId,
    fraction: Perbill,
) -> Result<u128, ChainError> {
    let bonded = state::map_get_or_default(ext, &BONDED, who)?;
    let amount = fraction.of(bonded);
    let issuance = state::value_or_default(ext, &TOTAL_ISSUANCE)?;
    let issuance = issuance
        .checked_sub(amount)
        .ok_or(ChainError::Invariant("total issuance covers every bonded amount"))?;
    put(ext, &BONDED, who, bonded - amount);
    TOTAL_ISSUANCE.put(ext, &issuance);
    Ok(amount)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::RelayExt;
    use atoll_primitives::Sr25519Public;
    use atoll_trie::StateDb;

    fn who(n: u8) -> AccountId {
        Sr25519Public([n; 32])
    }

    #[test]
    fn perbill_is_exact_and_capped() {
        assert_eq!(Perbill(500_000_000).of(1_001), 500);
        assert_eq!(Perbill::ONE.of(u128::MAX), u128::MAX);
        assert_eq!(Perbill(2_000_000_000).of(10), 10);
        assert_eq!(Perbill(1).of(u128::MAX), u128::MAX / 1_000_000_000);
    }

    #[test]
    fn ledgers_move_and_slash_burns_stake() {
        let db = StateDb::new();
        let mut ext = RelayExt::new(&db, atoll_trie::empty_root());
        mint(&mut ext, &who(1), 1_000, 500).unwrap();
        transfer(&mut ext, &who(1), &who(2), 300).unwrap();
        assert!(matches!(
            transfer(&mut ext, &who(2), &who(1), 301),
            Err(CallError::Failed(DispatchError::InsufficientBalance {
                needed: 301,
                available: 300,
                ..
            }))
        ));
        bond(&mut ext, &who(1), 200).unwrap();
        assert_eq!(state::map_get_or_default(&mut ext, &BONDED, &who(1)), Ok(700));
        assert!(matches!(
            unbond(&mut ext, &who(1), 701),
            Err(CallError::Failed(DispatchError::InsufficientStake { bonded: 700, .. }))
        ));
        reserve(&mut ext, &who(2), 100).unwrap();
        unreserve(&mut ext, &who(2), 100).unwrap();
        assert!(matches!(unreserve(&mut ext, &who(2), 1), Err(CallError::Internal(_))));
        assert_eq!(slash(&mut ext, &who(1), Perbill(100_000_000)), Ok(70));
        assert_eq!(state::map_get_or_default(&mut ext, &BONDED, &who(1)), Ok(630));
        assert_eq!(state::value(&mut ext, &TOTAL_ISSUANCE), Ok(Some(1_430)));
        // A zero ledger has no entry.
        transfer(&mut ext, &who(2), &who(3), 300).unwrap();
        assert_eq!(state::map_get(&mut ext, &FREE, &who(2)), Ok(None));
    }
}
