//! Conformance hashes: these pin the wire format.
//!
//! Each top-level encoded type has one fixed fixture (`fixtures.rs`); each test asserts the
//! blake2b-256 of its encoding against a hard-coded hex string. Chains built from different
//! commits must agree on these bytes, so a change that alters an encoding (a variant or field
//! added, removed, reordered or retyped, an index changed, an integer made compact) must change
//! this file in the same commit, visibly, with the reason. Never update a hash just to make a
//! test pass without knowing which wire change it records.

use atoll_xcm::hashing::blake2_256;
use parity_scale_codec::{Decode, Encode};

use crate::common::{hex, round_trip};
use crate::fixtures;

fn assert_pinned<T: Encode + Decode + PartialEq + std::fmt::Debug>(
    label: &str,
    value: &T,
    expected: &str,
) {
    let encoded = round_trip(value);
    assert_eq!(
        hex(&blake2_256(&encoded)),
        expected,
        "{label}: the wire format changed; the encoding is now 0x{}",
        hex(&encoded)
    );
}

#[test]
fn location_is_pinned() {
    assert_pinned(
        "Location",
        &fixtures::location(),
        "96463a7bfa1cf8111dce08a3dcd1f3a2833c0f259d67d33020df6f73ba5527e2",
    );
}

#[test]
fn assets_are_pinned() {
    assert_pinned(
        "Assets",
        &fixtures::asset_collection(),
        "76368a15cd90722191d82df3dacdd5bc2518348660ecb0055b023bc4b2452fe6",
    );
}

#[test]
fn instruction_list_is_pinned() {
    assert_pinned(
        "Instructions",
        &fixtures::every_instruction(),
        "bf296c467524cbc228be6a545c4ddc728877c91e6ed3df144ab8148546e4acf5",
    );
}

#[test]
fn message_is_pinned() {
    assert_pinned(
        "Message",
        &fixtures::message(),
        "ed61b2681961056e112bc78a3ba40cff87ca1bc5ce744c5242d8e3f745cdd788",
    );
}

#[test]
fn versioned_xcm_is_pinned() {
    let [v0, v1] = <[_; 2]>::try_from(fixtures::versioned()).unwrap();
    assert_pinned(
        "VersionedXcm::V0",
        &v0,
        "cfb9295b859c889b24bcf2ac6d65f7ce4c9f39d14958ba613e1c21535c924ea0",
    );
    assert_pinned(
        "VersionedXcm::V1",
        &v1,
        "99789cee42d271f59c4de1a9c3413b5dab9d2cea719f5423d72990dd3bfeb8c2",
    );
}

#[test]
fn responses_and_acks_are_pinned() {
    assert_pinned(
        "Responses",
        &fixtures::responses(),
        "285fad365c16b75526723c2c8c0392ea0995ad35d0ccf81a226fe6d295be6426",
    );
}

#[test]
fn errors_are_pinned() {
    assert_pinned(
        "XcmErrors",
        &fixtures::errors(),
        "ad5e3b2523168b7f9861fcb2c0fcf33aef826739cb4f4fb88769cda61e1c7456",
    );
}
