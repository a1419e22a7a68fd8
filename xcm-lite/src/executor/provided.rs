//! Provided policies: trust lists for reserves and teleporters, a fixed weigher and a
//! fixed-rate trader. Runtimes may use them as they are or write their own.

use alloc::vec::Vec;

use super::traits::{IsReserve, IsTeleporter, Trader, Weigher};
use crate::asset::{Asset, AssetId};
use crate::error::XcmError;
use crate::instruction::Instruction;
use crate::location::Location;

/// A list of (asset, origin) pairs: as [`IsReserve`], the origins that hold the reserve of
/// each asset; as [`IsTeleporter`], the origins trusted to teleport it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedOrigins(pub Vec<(AssetId, Location)>);

impl TrustedOrigins {
    /// Whether `origin` is listed for `asset`.
    pub fn trusts(&self, asset: &AssetId, origin: &Location) -> bool {
        self.0.iter().any(|(id, trusted)| id == asset && trusted == origin)
    }
}

impl IsReserve for TrustedOrigins {
    fn is_reserve(&self, asset: &Asset, origin: &Location) -> bool {
        self.trusts(&asset.id, origin)
    }
}

impl IsTeleporter for TrustedOrigins {
    fn is_teleporter(&self, asset: &Asset, origin: &Location) -> bool {
        self.trusts(&asset.id, origin)
    }
}

/// The same weight for every instruction; `Transact` adds its declared
/// `require_weight_at_most`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedWeigher {
    /// The weight of one instruction.
    pub per_instruction: u64,
}

impl Weigher for FixedWeigher {
    fn instruction_weight(&self, instruction: &Instruction) -> Result<u64, XcmError> {
        match instruction {
            Instruction::Transact { require_weight_at_most, .. } => {
                self.per_instruction.checked_add(*require_weight_at_most).ok_or(XcmError::Overflow)
            }
            _ => Ok(self.per_instruction),
        }
    }
}

/// Sells weight at a fixed price in one asset, and sends the fees to one collector account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixedRateTrader {
    /// The asset fees are paid in.
    pub asset: AssetId,
    /// The price of one unit of weight, in the asset's smallest unit.
    pub price_per_weight: u128,
    /// Where fees go, relative to us (a local account, usually).
    pub collector: Location,
}

impl Trader for FixedRateTrader {
    fn fee_for(&self, weight: u64, asset: &AssetId) -> Result<Asset, XcmError> {
        if *asset != self.asset {
            return Err(XcmError::FeeAssetNotAccepted { offered: asset.clone() });
        }
        let amount =
            self.price_per_weight.checked_mul(u128::from(weight)).ok_or(XcmError::Overflow)?;
        Ok(Asset { id: self.asset.clone(), amount })
    }

    fn fee_collector(&self) -> &Location {
        &self.collector
    }
}

/// Sells weight at a fixed price in each of several assets (a chain that takes its own token and
/// the tokens it holds reserves of), and sends the fees to one collector account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultiRateTrader {
    /// Each accepted asset with the price of one unit of weight in it.
    pub rates: Vec<(AssetId, u128)>,
    /// Where fees go, relative to us.
    pub collector: Location,
}

impl Trader for MultiRateTrader {
    fn fee_for(&self, weight: u64, asset: &AssetId) -> Result<Asset, XcmError> {
        let Some((_, price)) = self.rates.iter().find(|(id, _)| id == asset) else {
            return Err(XcmError::FeeAssetNotAccepted { offered: asset.clone() });
        };
        let amount = price.checked_mul(u128::from(weight)).ok_or(XcmError::Overflow)?;
        Ok(Asset { id: asset.clone(), amount })
    }

    fn fee_collector(&self) -> &Location {
        &self.collector
    }
}
