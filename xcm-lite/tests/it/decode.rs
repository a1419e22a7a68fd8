//! Bounded decoding: every limit refused with its own error, and no input makes it panic.

use atoll_xcm::{
    decode_message, Asset, AssetFilter, DecodeError, Instruction, Location, OriginKind,
    VersionedXcm, Xcm, MAX_INSTRUCTIONS, MAX_MESSAGE_SIZE, MAX_XCM_DEPTH,
};
use parity_scale_codec::Encode;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::fixtures;

/// `depth` programmes nested in the top-level one, through error handlers.
fn nested_handlers(depth: u32) -> Xcm {
    let mut xcm = Xcm(vec![Instruction::ClearOrigin]);
    for _ in 0..depth {
        xcm = Xcm(vec![Instruction::SetErrorHandler(xcm)]);
    }
    xcm
}

fn encode(xcm: Xcm) -> Vec<u8> {
    VersionedXcm::from(xcm).encode()
}

#[test]
fn valid_messages_decode() {
    for versioned in fixtures::versioned() {
        assert_eq!(decode_message(&versioned.encode()), Ok(versioned));
    }
}

#[test]
fn nesting_deeper_than_eight_is_refused() {
    let ok = nested_handlers(MAX_XCM_DEPTH);
    assert_eq!(ok.depth(), 8);
    assert!(decode_message(&encode(ok)).is_ok());
    let too_deep = nested_handlers(MAX_XCM_DEPTH + 1);
    assert_eq!(decode_message(&encode(too_deep)), Err(DecodeError::TooDeep { max: 8 }));
    // Transfers' programmes and appendices nest too.
    let mut xcm = Xcm(vec![Instruction::ClearOrigin]);
    for level in 0..=MAX_XCM_DEPTH {
        xcm = Xcm(vec![if level % 2 == 0 {
            Instruction::SetAppendix(xcm)
        } else {
            Instruction::InitiateReserveWithdraw {
                assets: AssetFilter::Wild(atoll_xcm::WildAsset::All),
                reserve: Location::parent(),
                xcm,
            }
        }]);
    }
    assert_eq!(decode_message(&encode(xcm)), Err(DecodeError::TooDeep { max: 8 }));
}

#[test]
fn more_than_a_hundred_instructions_are_refused() {
    let ok = Xcm(vec![Instruction::ClearOrigin; MAX_INSTRUCTIONS]);
    assert!(decode_message(&encode(ok)).is_ok());
    let too_many = Xcm(vec![Instruction::ClearOrigin; MAX_INSTRUCTIONS + 1]);
    assert_eq!(
        decode_message(&encode(too_many)),
        Err(DecodeError::TooManyInstructions { max: 100 })
    );
    // In a nested programme as well.
    let nested = Xcm(vec![Instruction::SetAppendix(Xcm(vec![Instruction::ClearOrigin; 101]))]);
    assert_eq!(decode_message(&encode(nested)), Err(DecodeError::TooManyInstructions { max: 100 }));
    // A length prefix claiming a billion instructions is refused before any allocation.
    let mut huge = vec![1u8];
    huge.extend(parity_scale_codec::Compact(1_000_000_000u32).encode());
    assert_eq!(decode_message(&huge), Err(DecodeError::TooManyInstructions { max: 100 }));
}

/// `V1([DepositAsset { All, beneficiary: Location(0, junctions × PalletInstance(1)) }])`,
/// written by hand (the types refuse to build nine junctions).
fn deposit_to_junctions(junctions: u32) -> Vec<u8> {
    let mut bytes = vec![1, 4, 13, 1, 0, 0];
    bytes.extend(parity_scale_codec::Compact(junctions).encode());
    for _ in 0..junctions {
        bytes.extend([3, 1]);
    }
    bytes.extend([0, 0, 0]);
    bytes
}

#[test]
fn more_than_eight_junctions_are_refused() {
    assert!(decode_message(&deposit_to_junctions(8)).is_ok());
    assert_eq!(
        decode_message(&deposit_to_junctions(9)),
        Err(DecodeError::TooManyJunctions { max: 8 })
    );
}

/// `V1([WithdrawAsset(count × GeneralIndex(i), 1 each, in the given order)])`, by hand.
fn withdraw_assets(indices: &[u8]) -> Vec<u8> {
    let mut bytes = vec![1, 4, 0];
    bytes.extend(parity_scale_codec::Compact(indices.len() as u32).encode());
    for index in indices {
        let id = Location::new(0, [atoll_xcm::Junction::GeneralIndex(u128::from(*index))]).unwrap();
        bytes.extend(Asset::new(id, 1).encode());
    }
    bytes.extend([0, 0, 0]);
    bytes
}

#[test]
fn more_than_twenty_assets_or_non_canonical_assets_are_refused() {
    let twenty: Vec<u8> = (0..20).collect();
    assert!(decode_message(&withdraw_assets(&twenty)).is_ok());
    let twenty_one: Vec<u8> = (0..21).collect();
    assert_eq!(
        decode_message(&withdraw_assets(&twenty_one)),
        Err(DecodeError::TooManyAssets { max: 20 })
    );
    assert_eq!(decode_message(&withdraw_assets(&[2, 1])), Err(DecodeError::AssetsNotCanonical));
    assert_eq!(decode_message(&withdraw_assets(&[1, 1])), Err(DecodeError::AssetsNotCanonical));
    let mut zero = withdraw_assets(&[1]);
    let amount_at = zero.len() - 4;
    zero[amount_at] = 0;
    assert_eq!(decode_message(&zero), Err(DecodeError::AssetsNotCanonical));
}

#[test]
fn oversize_is_refused_before_decoding() {
    let call = vec![0u8; MAX_MESSAGE_SIZE];
    let big = encode(Xcm(vec![Instruction::Transact {
        origin_kind: OriginKind::Native,
        require_weight_at_most: 1,
        call,
    }]));
    assert_eq!(
        decode_message(&big),
        Err(DecodeError::TooLarge { len: big.len(), max: MAX_MESSAGE_SIZE })
    );
    // Size is checked first: garbage of the wrong size says so too.
    let garbage = vec![0xFFu8; MAX_MESSAGE_SIZE + 1];
    assert!(matches!(decode_message(&garbage), Err(DecodeError::TooLarge { .. })));
}

#[test]
fn trailing_bytes_unknown_versions_and_empty_input_are_refused() {
    let mut bytes = fixtures::versioned()[1].encode();
    bytes.extend([0, 0]);
    assert_eq!(decode_message(&bytes), Err(DecodeError::TrailingBytes { count: 2 }));
    assert_eq!(decode_message(&[2, 0]), Err(DecodeError::UnknownVersion { version: 2 }));
    assert!(matches!(decode_message(&[]), Err(DecodeError::Malformed { .. })));
    // An unknown instruction index.
    assert!(matches!(decode_message(&[1, 4, 99, 0, 0, 0]), Err(DecodeError::Malformed { .. })));
}

#[test]
fn every_truncation_of_a_valid_message_is_refused() {
    for versioned in fixtures::versioned() {
        let bytes = versioned.encode();
        for len in 0..bytes.len() {
            assert!(decode_message(&bytes[..len]).is_err(), "prefix of {len} bytes decoded");
        }
    }
}

#[test]
fn random_and_mutated_bytes_never_panic() {
    let mut rng = ChaCha8Rng::seed_from_u64(0xDEC0DE);
    let valid = VersionedXcm::V1(fixtures::message()).encode();
    let mut decoded = 0usize;
    for _ in 0..10_000 {
        let len = rng.gen_range(0..256);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
        if let Some(first) = bytes.first_mut() {
            *first %= 2; // mostly a known version, so decoding goes further
        }
        if decode_message(&bytes).is_ok() {
            decoded += 1;
        }
    }
    for _ in 0..10_000 {
        let mut bytes = valid.clone();
        for _ in 0..rng.gen_range(1..4) {
            let at = rng.gen_range(0..bytes.len());
            bytes[at] = rng.gen();
        }
        if let Ok(message) = decode_message(&bytes) {
            // Whatever decodes re-encodes to the same bytes (the encoding is canonical).
            assert_eq!(message.encode(), bytes);
            decoded += 1;
        }
    }
    assert!(decoded > 0, "some mutations stay valid");
}
