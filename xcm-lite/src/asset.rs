//! Assets: fungible amounts of things named by location.
//!
//! An [`AssetId`] is the location of the asset's home, relative to the reader: on para 2000,
//! its own token is `Here`, the relay token is `..`, and a token of the sibling 1000 is
//! `../Parachain(1000)/GeneralIndex(7)`. The home chain is the asset's reserve.
//!
//! [`Assets`] is the canonical collection: sorted by id, one non-zero entry per id, at most
//! [`MAX_ASSETS`] entries. It is also the type of the executor's holding register, so it has the
//! holding operations: [`subsume`](Assets::subsume), [`saturating_take`](Assets::saturating_take),
//! [`try_take`](Assets::try_take), [`contains`](Assets::contains).

use alloc::vec::Vec;

use parity_scale_codec::{Compact, Decode, Encode, Input};

use crate::error::XcmError;
use crate::location::Location;

/// The most entries an [`Assets`] may have.
pub const MAX_ASSETS: usize = 20;

/// The codec's description when decoded assets have more than [`MAX_ASSETS`] entries.
pub(crate) const TOO_MANY_ASSETS: &str = "xcm-lite limit: too many assets";
/// The codec's description when decoded assets are not sorted, unique and non-zero.
pub(crate) const ASSETS_NOT_CANONICAL: &str = "xcm-lite limit: assets not canonical";

/// What an asset is: the location of its home (its reserve), relative to the reader.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode)]
pub struct AssetId(pub Location);

impl AssetId {
    /// The asset's id written from `target`'s point of view (see [`Location::reanchored`]).
    pub fn reanchored(&self, target: &Location, context: &Location) -> Result<AssetId, XcmError> {
        self.0.reanchored(target, context).map(AssetId)
    }
}

impl From<Location> for AssetId {
    fn from(location: Location) -> Self {
        AssetId(location)
    }
}

/// An amount of one fungible asset.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode)]
pub struct Asset {
    /// Which asset.
    pub id: AssetId,
    /// How much, in the asset's smallest unit.
    #[codec(compact)]
    pub amount: u128,
}

impl Asset {
    /// `amount` of `id`.
    pub fn new(id: impl Into<AssetId>, amount: u128) -> Asset {
        Asset { id: id.into(), amount }
    }
}

/// Which assets of a collection an instruction means, without naming amounts.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum WildAsset {
    /// Everything.
    #[codec(index = 0)]
    All,
    /// All of one asset.
    #[codec(index = 1)]
    AllOf(AssetId),
    /// The first `n` entries (in id order): a wildcard whose cost is bounded.
    #[codec(index = 2)]
    AllCounted(u32),
}

/// Which assets an instruction takes from holding.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum AssetFilter {
    /// These amounts, or as much of each as there is.
    #[codec(index = 0)]
    Definite(Assets),
    /// A wildcard.
    #[codec(index = 1)]
    Wild(WildAsset),
}

impl From<Assets> for AssetFilter {
    fn from(assets: Assets) -> Self {
        AssetFilter::Definite(assets)
    }
}

impl From<WildAsset> for AssetFilter {
    fn from(wild: WildAsset) -> Self {
        AssetFilter::Wild(wild)
    }
}

/// A canonical asset collection: sorted by id, one non-zero entry per id, at most
/// [`MAX_ASSETS`] entries. Adding merges amounts; an overflowing sum is an error, never a wrap.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Encode)]
pub struct Assets(Vec<Asset>);

impl Assets {
    /// The empty collection.
    pub const fn new() -> Assets {
        Assets(Vec::new())
    }

    /// The collection of `assets`: merged by id (checked), zero amounts dropped, sorted.
    pub fn from_assets(assets: impl IntoIterator<Item = Asset>) -> Result<Assets, XcmError> {
        let mut collection = Assets::new();
        for asset in assets {
            collection.subsume(asset)?;
        }
        Ok(collection)
    }

    /// The entries, sorted by id.
    pub fn as_slice(&self) -> &[Asset] {
        &self.0
    }

    /// The entries, sorted by id.
    pub fn iter(&self) -> core::slice::Iter<'_, Asset> {
        self.0.iter()
    }

    /// The entries, sorted by id.
    pub fn into_inner(self) -> Vec<Asset> {
        self.0
    }

    /// How many entries (distinct assets).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is nothing.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How much of `id` there is.
    pub fn amount_of(&self, id: &AssetId) -> u128 {
        self.position(id).ok().and_then(|index| self.0.get(index)).map_or(0, |asset| asset.amount)
    }

    /// Adds `asset`, merging with an entry of the same id. Fails, leaving `self` unchanged, on
    /// an overflowing sum or a new entry beyond [`MAX_ASSETS`].
    pub fn subsume(&mut self, asset: Asset) -> Result<(), XcmError> {
        if asset.amount == 0 {
            return Ok(());
        }
        match self.position(&asset.id) {
            Ok(index) => {
                let entry = self.0.get_mut(index).ok_or(XcmError::Overflow)?;
                entry.amount = entry.amount.checked_add(asset.amount).ok_or(XcmError::Overflow)?;
            }
            Err(index) => {
                if self.0.len() >= MAX_ASSETS {
                    return Err(too_many_assets());
                }
                self.0.insert(index, asset);
            }
        }
        Ok(())
    }

    /// Adds all of `other`, or nothing: fails, leaving `self` unchanged, when any entry would
    /// overflow or the result would have more than [`MAX_ASSETS`] entries.
    pub fn subsume_assets(&mut self, other: &Assets) -> Result<(), XcmError> {
        let mut merged = self.clone();
        for asset in other.iter() {
            merged.subsume(asset.clone())?;
        }
        *self = merged;
        Ok(())
    }

    /// Whether all of `other` could be added (see [`subsume_assets`](Self::subsume_assets)).
    pub fn check_subsume(&self, other: &Assets) -> Result<(), XcmError> {
        let mut new_entries = 0usize;
        for asset in other.iter() {
            let held = self.amount_of(&asset.id);
            if held == 0 {
                new_entries = new_entries.saturating_add(1);
            }
            held.checked_add(asset.amount).ok_or(XcmError::Overflow)?;
        }
        if self.0.len().saturating_add(new_entries) > MAX_ASSETS {
            return Err(too_many_assets());
        }
        Ok(())
    }

    /// Takes what `filter` names, as much as there is: a `Definite` amount beyond the held one
    /// takes the held one. Never fails.
    pub fn saturating_take(&mut self, filter: &AssetFilter) -> Assets {
        let taken = self.filtered(filter);
        for asset in taken.iter() {
            self.remove_amount(&asset.id, asset.amount);
        }
        taken
    }

    /// What [`saturating_take`](Self::saturating_take) would take, leaving `self` as it is.
    pub fn filtered(&self, filter: &AssetFilter) -> Assets {
        let picked: Vec<Asset> = match filter {
            AssetFilter::Wild(WildAsset::All) => self.0.clone(),
            AssetFilter::Wild(WildAsset::AllOf(id)) => {
                self.0.iter().filter(|asset| &asset.id == id).cloned().collect()
            }
            AssetFilter::Wild(WildAsset::AllCounted(count)) => {
                self.0.iter().take(*count as usize).cloned().collect()
            }
            AssetFilter::Definite(wanted) => wanted
                .iter()
                .filter_map(|want| {
                    let amount = want.amount.min(self.amount_of(&want.id));
                    (amount > 0).then(|| Asset { id: want.id.clone(), amount })
                })
                .collect(),
        };
        // Entries picked from a canonical collection are sorted, unique and non-zero.
        Assets(picked)
    }

    /// Takes exactly `asset`, or fails ([`XcmError::NotHoldingAsset`]) leaving `self` as it was.
    pub fn try_take(&mut self, asset: &Asset) -> Result<Asset, XcmError> {
        let held = self.amount_of(&asset.id);
        if held < asset.amount {
            return Err(XcmError::NotHoldingAsset {
                asset: asset.id.clone(),
                needed: asset.amount,
                held,
            });
        }
        self.remove_amount(&asset.id, asset.amount);
        Ok(asset.clone())
    }

    /// Whether every entry of `other` is held, at least in its amount.
    pub fn contains(&self, other: &Assets) -> bool {
        other.iter().all(|asset| self.amount_of(&asset.id) >= asset.amount)
    }

    /// The first `count` entries (in id order), and the rest.
    pub fn split_at(self, count: usize) -> (Assets, Assets) {
        let mut first = self.0;
        let rest = first.split_off(count.min(first.len()));
        (Assets(first), Assets(rest))
    }

    /// Splits the collection by `keep`: the entries it accepts, and the others. `keep` sees each
    /// entry once, in id order.
    pub fn partition(self, mut keep: impl FnMut(&Asset) -> bool) -> (Assets, Assets) {
        let (kept, others) = self.0.into_iter().partition(|asset| keep(asset));
        (Assets(kept), Assets(others))
    }

    /// Takes everything, leaving `self` empty.
    pub fn take_all(&mut self) -> Assets {
        core::mem::take(self)
    }

    /// The collection written from `target`'s point of view: every id re-anchored, re-sorted.
    pub fn reanchored(&self, target: &Location, context: &Location) -> Result<Assets, XcmError> {
        let mut entries = Vec::with_capacity(self.0.len());
        for asset in self.iter() {
            entries.push(Asset { id: asset.id.reanchored(target, context)?, amount: asset.amount });
        }
        Assets::from_assets(entries)
    }

    fn position(&self, id: &AssetId) -> Result<usize, usize> {
        self.0.binary_search_by(|asset| asset.id.cmp(id))
    }

    /// Subtracts up to `amount` of `id`, dropping the entry when it reaches zero.
    fn remove_amount(&mut self, id: &AssetId, amount: u128) {
        if let Ok(index) = self.position(id) {
            let emptied = match self.0.get_mut(index) {
                Some(entry) => {
                    entry.amount = entry.amount.saturating_sub(amount);
                    entry.amount == 0
                }
                None => false,
            };
            if emptied {
                self.0.remove(index);
            }
        }
    }
}

impl From<Asset> for Assets {
    fn from(asset: Asset) -> Self {
        if asset.amount == 0 {
            Assets::new()
        } else {
            Assets(alloc::vec![asset])
        }
    }
}

impl<'a> IntoIterator for &'a Assets {
    type Item = &'a Asset;
    type IntoIter = core::slice::Iter<'a, Asset>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Decode for Assets {
    /// Decodes a canonical collection: at most [`MAX_ASSETS`] entries (checked before reading
    /// them), ids strictly increasing, amounts non-zero.
    fn decode<I: Input>(input: &mut I) -> Result<Self, parity_scale_codec::Error> {
        let Compact(len) = Compact::<u32>::decode(input)?;
        if len as usize > MAX_ASSETS {
            return Err(TOO_MANY_ASSETS.into());
        }
        let mut entries: Vec<Asset> = Vec::with_capacity(len as usize);
        for _ in 0..len {
            let asset = Asset::decode(input)?;
            let in_order = entries.last().is_none_or(|last| last.id < asset.id);
            if asset.amount == 0 || !in_order {
                return Err(ASSETS_NOT_CANONICAL.into());
            }
            entries.push(asset);
        }
        Ok(Assets(entries))
    }
}

fn too_many_assets() -> XcmError {
    XcmError::TooManyAssets { max: MAX_ASSETS as u32 }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::location::Junction;

    fn id(index: u128) -> AssetId {
        AssetId(Location::new(0, [Junction::GeneralIndex(index)]).unwrap())
    }

    #[test]
    fn merges_sorts_and_drops_zero() {
        let assets = Assets::from_assets([
            Asset::new(id(2), 5),
            Asset::new(id(1), 3),
            Asset::new(id(2), 7),
            Asset::new(id(3), 0),
        ])
        .unwrap();
        assert_eq!(assets.as_slice(), &[Asset::new(id(1), 3), Asset::new(id(2), 12)]);
    }

    #[test]
    fn overflow_is_an_error_and_changes_nothing() {
        let mut assets = Assets::from(Asset::new(id(1), u128::MAX));
        assert_eq!(assets.subsume(Asset::new(id(1), 1)), Err(XcmError::Overflow));
        assert_eq!(assets.amount_of(&id(1)), u128::MAX);
        let other = Assets::from_assets([Asset::new(id(0), 1), Asset::new(id(1), 1)]).unwrap();
        assert_eq!(assets.check_subsume(&other), Err(XcmError::Overflow));
        assert_eq!(assets.subsume_assets(&other), Err(XcmError::Overflow));
        assert_eq!(assets.len(), 1);
    }

    #[test]
    fn at_most_max_assets_entries() {
        let mut assets =
            Assets::from_assets((0..MAX_ASSETS as u128).map(|i| Asset::new(id(i), 1))).unwrap();
        assert_eq!(assets.subsume(Asset::new(id(99), 1)), Err(too_many_assets()));
        assert_eq!(assets.subsume(Asset::new(id(0), 1)), Ok(()));
        assert_eq!(assets.len(), MAX_ASSETS);
    }

    #[test]
    fn filters_take_what_they_name() {
        let held = Assets::from_assets([
            Asset::new(id(1), 10),
            Asset::new(id(2), 20),
            Asset::new(id(3), 30),
        ])
        .unwrap();
        let mut h = held.clone();
        let taken = h.saturating_take(&WildAsset::AllCounted(2).into());
        assert_eq!(taken.as_slice(), &[Asset::new(id(1), 10), Asset::new(id(2), 20)]);
        assert_eq!(h.as_slice(), &[Asset::new(id(3), 30)]);

        let mut h = held.clone();
        let wanted = Assets::from_assets([Asset::new(id(2), 25), Asset::new(id(9), 1)]).unwrap();
        let taken = h.saturating_take(&wanted.into());
        assert_eq!(taken.as_slice(), &[Asset::new(id(2), 20)]);
        assert_eq!(h.amount_of(&id(2)), 0);

        let mut h = held.clone();
        assert_eq!(h.saturating_take(&WildAsset::AllOf(id(3)).into()).len(), 1);
        assert_eq!(h.saturating_take(&WildAsset::All.into()).len(), 2);
        assert!(h.is_empty());
    }

    #[test]
    fn try_take_is_exact_or_nothing() {
        let mut h = Assets::from(Asset::new(id(1), 10));
        assert_eq!(
            h.try_take(&Asset::new(id(1), 11)),
            Err(XcmError::NotHoldingAsset { asset: id(1), needed: 11, held: 10 })
        );
        assert_eq!(h.try_take(&Asset::new(id(1), 4)), Ok(Asset::new(id(1), 4)));
        assert_eq!(h.amount_of(&id(1)), 6);
        assert!(h.contains(&Assets::from(Asset::new(id(1), 6))));
        assert!(!h.contains(&Assets::from(Asset::new(id(1), 7))));
    }
}
