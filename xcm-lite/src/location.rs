//! Locations: where things are, relative to the chain that reads the message.
//!
//! A [`Location`] is "go up `parents` levels, then down through `interior`". It is always read
//! relative to the chain that holds it: on para 2000, `../Parachain(1000)` is the sibling para
//! 1000, `..` is the relay chain and `Here` is para 2000 itself. The relay chain is the root:
//! every chain's *absolute* location is a path from it (`Here` for the relay, `Parachain(2000)`
//! for para 2000). When a location travels to another chain inside a message it must be
//! re-anchored ([`Location::reanchored`]).
//!
//! A chain's *sovereign account* is the account that stands for another chain (or location) in
//! its ledger ([`sovereign_account`]).

use alloc::vec::Vec;
use core::fmt;

use parity_scale_codec::{Compact, Decode, Encode, Input};

use crate::error::XcmError;
use crate::hashing::blake2_256;

/// The most junctions a location may have.
pub const MAX_JUNCTIONS: usize = 8;

/// The codec's description when a decoded location has more than [`MAX_JUNCTIONS`]; `decode`
/// recognises it to say which limit was hit.
pub(crate) const TOO_MANY_JUNCTIONS: &str = "xcm-lite limit: too many junctions";

/// An account id: 32 bytes, as sr25519 public keys are.
pub type AccountId = [u8; 32];

/// One step down from a location.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode)]
pub enum Junction {
    /// A parachain, by its para id (a child of the relay chain).
    #[codec(index = 0)]
    Parachain(u32),
    /// A 32-byte account.
    #[codec(index = 1)]
    AccountId32(AccountId),
    /// An index inside a pallet or a chain (an asset id, for example).
    #[codec(index = 2)]
    GeneralIndex(#[codec(compact)] u128),
    /// A pallet, by its index in the runtime.
    #[codec(index = 3)]
    PalletInstance(u8),
}

impl fmt::Debug for Junction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Junction::Parachain(id) => write!(f, "Parachain({id})"),
            Junction::AccountId32(id) => {
                f.write_str("AccountId32(0x")?;
                for byte in id.iter().take(4) {
                    write!(f, "{byte:02x}")?;
                }
                f.write_str("..)")
            }
            Junction::GeneralIndex(index) => write!(f, "GeneralIndex({index})"),
            Junction::PalletInstance(index) => write!(f, "PalletInstance({index})"),
        }
    }
}

/// A place, relative to the chain reading it: up `parents` levels, then down `interior`.
///
/// At most [`MAX_JUNCTIONS`] junctions, checked by every constructor and by decoding.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Encode)]
pub struct Location {
    parents: u8,
    interior: Vec<Junction>,
}

impl Location {
    /// `parents` levels up, then down `interior`; fails with more than [`MAX_JUNCTIONS`].
    pub fn new(parents: u8, interior: impl Into<Vec<Junction>>) -> Result<Location, XcmError> {
        let interior = interior.into();
        if interior.len() > MAX_JUNCTIONS {
            return Err(too_many_junctions());
        }
        Ok(Location { parents, interior })
    }

    /// The chain reading the location itself.
    pub const fn here() -> Location {
        Location { parents: 0, interior: Vec::new() }
    }

    /// The parent: the relay chain, seen from a parachain.
    pub const fn parent() -> Location {
        Location { parents: 1, interior: Vec::new() }
    }

    /// The child parachain `id`, seen from the relay chain.
    pub fn parachain(id: u32) -> Location {
        Location { parents: 0, interior: alloc::vec![Junction::Parachain(id)] }
    }

    /// The sibling parachain `id`, seen from another parachain: `../Parachain(id)`.
    pub fn sibling(id: u32) -> Location {
        Location { parents: 1, interior: alloc::vec![Junction::Parachain(id)] }
    }

    /// A local account: `AccountId32(id)`.
    pub fn account(id: AccountId) -> Location {
        Location { parents: 0, interior: alloc::vec![Junction::AccountId32(id)] }
    }

    /// How many levels up the location starts.
    pub const fn parents(&self) -> u8 {
        self.parents
    }

    /// The junctions down from there.
    pub fn interior(&self) -> &[Junction] {
        &self.interior
    }

    /// Whether this is `Here` (no parents, no junctions).
    pub fn is_here(&self) -> bool {
        self.parents == 0 && self.interior.is_empty()
    }

    /// Appends a junction; fails (and leaves `self` as it was) when the location is full.
    pub fn push(&mut self, junction: Junction) -> Result<(), XcmError> {
        if self.interior.len() >= MAX_JUNCTIONS {
            return Err(too_many_junctions());
        }
        self.interior.push(junction);
        Ok(())
    }

    /// `self` with `junction` appended.
    pub fn pushed(mut self, junction: Junction) -> Result<Location, XcmError> {
        self.push(junction)?;
        Ok(self)
    }

    /// Splits the location into the chain it lies in and the place inside that chain.
    ///
    /// The chain part keeps the parents and the junctions up to and including the last
    /// `Parachain`; the rest (accounts, pallets, indices) is the place inside. `Here`'s chain is
    /// `Here`: `AccountId32(a)` is a local account; `../AccountId32(a)` is an account on the
    /// parent; `../Parachain(1000)/AccountId32(a)` is an account on the sibling 1000.
    pub fn split_chain(&self) -> (Location, Location) {
        let cut = self
            .interior
            .iter()
            .rposition(|junction| matches!(junction, Junction::Parachain(_)))
            .map_or(0, |index| index.saturating_add(1));
        let (chain, inside) = self.interior.split_at(cut.min(self.interior.len()));
        (
            Location { parents: self.parents, interior: chain.to_vec() },
            Location { parents: 0, interior: inside.to_vec() },
        )
    }

    /// How `self` (relative to us) is written from `target`'s point of view (`target` also
    /// relative to us). `context` is our absolute location: `Here` on the relay chain,
    /// `Parachain(2000)` on para 2000.
    ///
    /// Both are resolved to absolute paths from the relay chain, then `self` is written relative
    /// to `target`: up to their common prefix, then down. Fails with
    /// [`XcmError::ReanchorFailed`] when a location climbs above the relay chain or the result
    /// would need more than [`MAX_JUNCTIONS`] junctions.
    pub fn reanchored(&self, target: &Location, context: &Location) -> Result<Location, XcmError> {
        let absolute_self = resolve(context, self)?;
        let absolute_target = resolve(context, target)?;
        let common =
            absolute_self.iter().zip(absolute_target.iter()).take_while(|(a, b)| a == b).count();
        let parents = absolute_target.len().saturating_sub(common);
        let parents = u8::try_from(parents).map_err(|_| XcmError::ReanchorFailed)?;
        let interior = absolute_self.get(common..).unwrap_or_default();
        Location::new(parents, interior.to_vec()).map_err(|_| XcmError::ReanchorFailed)
    }
}

/// `relative`, read from `context` (an absolute path), as an absolute path from the relay
/// chain.
fn resolve(context: &Location, relative: &Location) -> Result<Vec<Junction>, XcmError> {
    if context.parents != 0 {
        return Err(XcmError::ReanchorFailed);
    }
    let keep = context
        .interior
        .len()
        .checked_sub(usize::from(relative.parents))
        .ok_or(XcmError::ReanchorFailed)?;
    let mut path = context.interior.get(..keep).unwrap_or_default().to_vec();
    path.extend_from_slice(&relative.interior);
    if path.len() > MAX_JUNCTIONS {
        return Err(XcmError::ReanchorFailed);
    }
    Ok(path)
}

fn too_many_junctions() -> XcmError {
    XcmError::TooManyJunctions { max: MAX_JUNCTIONS as u32 }
}

impl Default for Location {
    fn default() -> Self {
        Location::here()
    }
}

impl fmt::Debug for Location {
    /// Path notation: `Here`, `../Parachain(1000)`, `Parachain(2000)/AccountId32(0x1234..)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_here() {
            return f.write_str("Here");
        }
        let mut first = true;
        for _ in 0..self.parents {
            if !first {
                f.write_str("/")?;
            }
            f.write_str("..")?;
            first = false;
        }
        for junction in &self.interior {
            if !first {
                f.write_str("/")?;
            }
            write!(f, "{junction:?}")?;
            first = false;
        }
        Ok(())
    }
}

impl Decode for Location {
    /// Decodes the parents and the junctions, refusing more than [`MAX_JUNCTIONS`] before
    /// reading them.
    fn decode<I: Input>(input: &mut I) -> Result<Self, parity_scale_codec::Error> {
        let parents = u8::decode(input)?;
        let Compact(len) = Compact::<u32>::decode(input)?;
        if len as usize > MAX_JUNCTIONS {
            return Err(TOO_MANY_JUNCTIONS.into());
        }
        let mut interior = Vec::with_capacity(len as usize);
        for _ in 0..len {
            interior.push(Junction::decode(input)?);
        }
        Ok(Location { parents, interior })
    }
}

/// Domain prefix of a child parachain's sovereign account on the relay chain.
pub const PARA_ACCOUNT_PREFIX: &[u8] = b"para";
/// Domain prefix of a sibling parachain's sovereign account on a parachain.
pub const SIBLING_ACCOUNT_PREFIX: &[u8] = b"sibl";
/// The preimage of the relay chain's sovereign account on a parachain.
pub const PARENT_ACCOUNT_PREIMAGE: &[u8] = b"parent";
/// Domain prefix of the account derived for any other location.
pub const LOCATION_ACCOUNT_PREFIX: &[u8] = b"location";

/// The account that stands for `location` (relative to us) in our ledger.
///
/// - `AccountId32(id)`: the account itself;
/// - `Parachain(id)` (a child para, seen from the relay chain): blake2-256(`b"para"` ++
///   SCALE(id));
/// - `../Parachain(id)` (a sibling, seen from a para): blake2-256(`b"sibl"` ++ SCALE(id));
/// - `..` (the relay chain, seen from a para): blake2-256(`b"parent"`);
/// - anything else (an account on another chain, a pallet, ...): blake2-256(`b"location"` ++
///   SCALE(location)), an account nobody holds the key of.
pub fn sovereign_account(location: &Location) -> AccountId {
    match (location.parents, location.interior.as_slice()) {
        (0, [Junction::AccountId32(id)]) => *id,
        (0, [Junction::Parachain(id)]) => prefixed_hash(PARA_ACCOUNT_PREFIX, &id.encode()),
        (1, [Junction::Parachain(id)]) => prefixed_hash(SIBLING_ACCOUNT_PREFIX, &id.encode()),
        (1, []) => blake2_256(PARENT_ACCOUNT_PREIMAGE),
        _ => prefixed_hash(LOCATION_ACCOUNT_PREFIX, &location.encode()),
    }
}

fn prefixed_hash(prefix: &[u8], data: &[u8]) -> AccountId {
    let mut preimage = Vec::with_capacity(prefix.len().saturating_add(data.len()));
    preimage.extend_from_slice(prefix);
    preimage.extend_from_slice(data);
    blake2_256(&preimage)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn construction_enforces_the_junction_limit() {
        let eight = alloc::vec![Junction::PalletInstance(1); MAX_JUNCTIONS];
        let mut full = Location::new(0, eight).unwrap();
        assert_eq!(full.push(Junction::GeneralIndex(1)), Err(too_many_junctions()));
        assert_eq!(full.interior().len(), MAX_JUNCTIONS);
        let nine = alloc::vec![Junction::PalletInstance(1); MAX_JUNCTIONS + 1];
        assert_eq!(Location::new(0, nine), Err(too_many_junctions()));
    }

    #[test]
    fn split_chain_finds_the_chain() {
        let a = [7u8; 32];
        let remote = Location::sibling(1000).pushed(Junction::AccountId32(a)).unwrap();
        assert_eq!(remote.split_chain(), (Location::sibling(1000), Location::account(a)));
        let relay_account = Location::new(1, [Junction::AccountId32(a)]).unwrap();
        assert_eq!(relay_account.split_chain(), (Location::parent(), Location::account(a)));
        assert_eq!(Location::account(a).split_chain(), (Location::here(), Location::account(a)));
        assert_eq!(Location::sibling(5).split_chain(), (Location::sibling(5), Location::here()));
    }

    #[test]
    fn debug_uses_path_notation() {
        assert_eq!(alloc::format!("{:?}", Location::here()), "Here");
        assert_eq!(alloc::format!("{:?}", Location::sibling(1000)), "../Parachain(1000)");
        assert_eq!(alloc::format!("{:?}", Location::new(2, []).unwrap()), "../..");
    }
}
