//! The test network and helpers shared by the integration tests.
//!
//! We are para 1000. Its native token is `Here`; the relay token is `..` (reserve: the relay
//! chain; also teleportable from it); sibling 2000's token is `../Parachain(2000)/
//! GeneralIndex(7)` (reserve: sibling 2000). Fees are paid in the relay token, 1 per weight
//! unit, 10 weight per instruction.

use atoll_xcm::executor::{Outcome, TrustedOrigins, XcmEvent};
use atoll_xcm::testing::{TestEnv, ALICE, BOB};
use atoll_xcm::{
    Asset, AssetFilter, AssetId, Assets, Instruction, Junction, Location, Message, VersionedXcm,
    WildAsset, Xcm,
};
use parity_scale_codec::{Decode, Encode};

/// Our para id.
pub const OUR_PARA: u32 = 1000;
/// The sibling that is the reserve of [`sib`].
pub const SIBLING: u32 = 2000;
/// A sibling we send to.
pub const OTHER: u32 = 3000;
/// A large weight limit.
pub const LIMIT: u64 = 1_000_000;
/// A relay block number for "now".
pub const NOW: u32 = 100;

/// Our own token.
pub fn native() -> AssetId {
    AssetId(Location::here())
}

/// The relay chain's token.
pub fn relay() -> AssetId {
    AssetId(Location::parent())
}

/// Sibling 2000's token.
pub fn sib() -> AssetId {
    AssetId(Location::sibling(SIBLING).pushed(Junction::GeneralIndex(7)).unwrap())
}

/// Our absolute location.
pub fn context() -> Location {
    Location::parachain(OUR_PARA)
}

/// `amount` of `id`.
pub fn asset(id: AssetId, amount: u128) -> Asset {
    Asset { id, amount }
}

/// A collection from pairs.
pub fn assets(entries: &[(AssetId, u128)]) -> Assets {
    Assets::from_assets(entries.iter().map(|(id, amount)| asset(id.clone(), *amount))).unwrap()
}

/// Everything in holding.
pub fn all() -> AssetFilter {
    AssetFilter::Wild(WildAsset::All)
}

/// Alice's local account.
pub fn alice() -> Location {
    Location::account(ALICE)
}

/// Bob's local account.
pub fn bob() -> Location {
    Location::account(BOB)
}

/// An account on another chain, written from here.
pub fn remote_account(chain: Location, id: [u8; 32]) -> Location {
    chain.pushed(Junction::AccountId32(id)).unwrap()
}

/// Para 1000 with the trust lists above, Alice holding 1,000,000 of the native and relay
/// tokens, and 1,000 of the sibling's.
pub fn env() -> TestEnv {
    let mut env = TestEnv::new(context(), relay());
    env.config.reserves =
        TrustedOrigins(vec![(relay(), Location::parent()), (sib(), Location::sibling(SIBLING))]);
    env.config.teleporters = TrustedOrigins(vec![(relay(), Location::parent())]);
    env.state.mint(asset(native(), 1_000_000), &alice()).unwrap();
    env.state.mint(asset(relay(), 1_000_000), &alice()).unwrap();
    env.state.mint(asset(sib(), 1_000), &alice()).unwrap();
    env
}

/// A message with an empty envelope.
pub fn msg(instructions: Vec<Instruction>) -> Message {
    Message::new(Xcm(instructions))
}

/// The programme of a sent message.
pub fn programme(sent: &VersionedXcm) -> &[Instruction] {
    match sent {
        VersionedXcm::V0(xcm) => &xcm.0,
        VersionedXcm::V1(message) => &message.xcm.0,
    }
}

/// The envelope of a sent message.
pub fn envelope(sent: &VersionedXcm) -> Message {
    sent.clone().into_latest()
}

/// The index and error of a failed outcome.
pub fn failure(outcome: &Outcome) -> (u32, atoll_xcm::XcmError) {
    let failure = outcome.result.clone().expect_err("the message should have failed");
    (failure.index, failure.error)
}

/// The last event.
pub fn last_event(outcome: &Outcome) -> &XcmEvent {
    outcome.events.last().expect("every outcome has a last event")
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Encodes, decodes, compares; returns the encoding.
pub fn round_trip<T: Encode + Decode + PartialEq + std::fmt::Debug>(value: &T) -> Vec<u8> {
    let encoded = value.encode();
    let decoded = T::decode(&mut encoded.as_slice()).expect("decodes");
    assert_eq!(&decoded, value, "round trip of {value:?}");
    encoded
}
