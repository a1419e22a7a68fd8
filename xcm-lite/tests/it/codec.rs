//! SCALE round trips of every encoded type, and the encodings' explicit shape.

use atoll_xcm::{
    AssetFilter, AssetId, Instruction, Junction, Location, OriginKind, QueryResponseInfo,
    VersionedXcm, WildAsset, Xcm,
};
use parity_scale_codec::Encode;

use crate::common::{relay, round_trip};
use crate::fixtures;

#[test]
fn every_type_round_trips() {
    round_trip(&fixtures::location());
    round_trip(&Location::here());
    for junction in [
        Junction::Parachain(u32::MAX),
        Junction::AccountId32([9; 32]),
        Junction::GeneralIndex(u128::MAX),
        Junction::PalletInstance(255),
    ] {
        round_trip(&junction);
    }
    round_trip(&AssetId(fixtures::location()));
    round_trip(&fixtures::asset_collection());
    for filter in [
        AssetFilter::Definite(fixtures::asset_collection()),
        AssetFilter::Wild(WildAsset::All),
        AssetFilter::Wild(WildAsset::AllOf(relay())),
        AssetFilter::Wild(WildAsset::AllCounted(3)),
    ] {
        round_trip(&filter);
    }
    for instruction in fixtures::every_instruction() {
        round_trip(&instruction);
    }
    round_trip(&Xcm(fixtures::every_instruction()));
    round_trip(&fixtures::message());
    for versioned in fixtures::versioned() {
        round_trip(&versioned);
    }
    for response in fixtures::responses() {
        round_trip(&response);
    }
    for error in fixtures::errors() {
        round_trip(&error);
    }
    for kind in
        [OriginKind::Native, OriginKind::SovereignAccount, OriginKind::Superuser, OriginKind::Xcm]
    {
        round_trip(&kind);
    }
    round_trip(&fixtures::response_info());
    round_trip(&fixtures::outcome());
}

#[test]
fn error_indices_are_distinct_and_dense() {
    let indices: Vec<u8> = fixtures::errors().iter().map(|error| error.encode()[0]).collect();
    let expected: Vec<u8> = (0..indices.len() as u8).collect();
    assert_eq!(indices, expected, "every XcmError variant is listed in the fixture, in order");
}

#[test]
fn instruction_indices_follow_xcm() {
    let indices: Vec<u8> =
        fixtures::every_instruction().iter().map(|instruction| instruction.encode()[0]).collect();
    assert_eq!(indices, [0, 1, 2, 3, 5, 6, 10, 12, 13, 14, 16, 18, 19, 21, 22, 24, 29, 44, 47]);
}

#[test]
fn the_encoding_starts_with_the_version_byte() {
    let v0 = VersionedXcm::V0(Xcm(vec![Instruction::ClearOrigin])).encode();
    assert_eq!(v0, [0, 4, 10]);
    let v1 = VersionedXcm::from(Xcm(vec![Instruction::ClearOrigin])).encode();
    // version 1, one instruction (compact 1 = 4), ClearOrigin (10), no deadline, refund, report.
    assert_eq!(v1, [1, 4, 10, 0, 0, 0]);
}

#[test]
fn small_values_encode_small() {
    // parents 1, one junction, Parachain(2000) as a fixed u32.
    assert_eq!(Location::sibling(2000).encode(), [1, 4, 0, 0xd0, 0x07, 0, 0]);
    let info = QueryResponseInfo { destination: Location::here(), query_id: 1, max_weight: 1 };
    assert_eq!(info.encode(), [0, 0, 4, 4]);
}
