//! Conformance hashes: these pin the wire format.
//!
//! Every SCALE-encoded type of `atoll-primitives` has one fixed, hand-written fixture value
//! (`common::fixtures`), and each test below asserts the blake2b-256 of its encoding against a
//! hard-coded hex string. The same goes for the candidate hashes, the descriptor's signing
//! payload, the dev keyring's public keys and one deterministic signature.
//!
//! Validators, collators and Wasm runtimes built from different commits must agree on these
//! bytes. A change that alters an encoding (a field added, removed, reordered or retyped, an
//! integer made compact, ...) therefore must change this file in the same commit, visibly, with
//! the reason in the commit message. Never update a hash here just to make a test pass without
//! knowing which wire change it records.

mod common;

use atoll_primitives::{blake2_256, Hash};
use parity_scale_codec::Encode;

use common::{assert_round_trip, fixtures};

/// Asserts that `value` round-trips and that blake2b-256 of its encoding is `expected_hex`.
fn assert_pinned<T>(label: &str, value: &T, expected_hex: &str)
where
    T: Encode + parity_scale_codec::Decode + PartialEq + std::fmt::Debug,
{
    let encoded = assert_round_trip(label, value);
    assert_eq!(
        hex::encode(blake2_256(&encoded)),
        expected_hex,
        "{label}: the wire format changed; encoding is now 0x{}",
        hex::encode(&encoded)
    );
}

/// The hex of a hash, without the `0x` prefix.
fn hex_of(hash: Hash) -> String {
    hex::encode(hash.0)
}

/// `ParaId(2000)` encodes to its pinned bytes.
#[test]
fn para_id_is_pinned() {
    assert_pinned(
        "ParaId",
        &fixtures::para_id(),
        "ad1e2e66831edde233b19228119613d0c71d2323c1f8ed2e575ba5b23b67e844",
    );
}

/// `ValidatorIndex(7)` encodes to its pinned bytes.
#[test]
fn validator_index_is_pinned() {
    assert_pinned(
        "ValidatorIndex",
        &fixtures::validator_index(),
        "5b8f29db76cf4e676e4fc9b17040312debedafcd5637fb3c7badd2cddce6a445",
    );
}

/// `CoreIndex(3)` encodes to its pinned bytes.
#[test]
fn core_index_is_pinned() {
    assert_pinned(
        "CoreIndex",
        &fixtures::core_index(),
        "8c039ff7caa17ccebfcadc44bd9fce6a4b6699c4d03de2e3349aa1dc11193cd7",
    );
}

/// `GroupIndex(5)` encodes to its pinned bytes.
#[test]
fn group_index_is_pinned() {
    assert_pinned(
        "GroupIndex",
        &fixtures::group_index(),
        "8c35d22f459d77ca4c0b0b5035869766d60d182b9716ab3e8879e066478899a8",
    );
}

/// `SessionIndex(42)` encodes to its pinned bytes.
#[test]
fn session_index_is_pinned() {
    assert_pinned(
        "SessionIndex",
        &fixtures::session_index(),
        "de037c7466270a63a0f6cc9a3b5ad1a3067a64a0b7e626f4ea9e95cd6533ed89",
    );
}

/// `BlockNumber(0x01020304)` encodes to its pinned bytes.
#[test]
fn block_number_is_pinned() {
    assert_pinned(
        "BlockNumber",
        &fixtures::block_number(),
        "7616c01c4d007e200f8bf7c9d9902593400ce7e8cadfdd642503219d72185b2e",
    );
}

/// `Hash([0x11; 32])` encodes to its pinned bytes.
#[test]
fn hash_is_pinned() {
    assert_pinned(
        "Hash",
        &fixtures::hash(),
        "d4ffaeeac45aa41825e0bc3f875570af061acbf0b950ad752ff0f9463fe13ad5",
    );
}

/// `CandidateHash([0x22; 32])` encodes to its pinned bytes.
#[test]
fn candidate_hash_is_pinned() {
    assert_pinned(
        "CandidateHash",
        &fixtures::candidate_hash(),
        "e2a94e18647fe0c6283a31e40c46ae1cc5f0867650f6834e4f01e34284adc9c7",
    );
}

/// `Sr25519Public([0x33; 32])` encodes to its pinned bytes.
#[test]
fn sr25519_public_is_pinned() {
    assert_pinned(
        "Sr25519Public",
        &fixtures::sr25519_public(),
        "510c7466f2a90281df576a765517adfc6a4c8f89fee3e14b8eae3a574f442c37",
    );
}

/// `Sr25519Signature([0x44; 64])` encodes to its pinned bytes.
#[test]
fn sr25519_signature_is_pinned() {
    assert_pinned(
        "Sr25519Signature",
        &fixtures::sr25519_signature(),
        "b114879477e0f57f5ecfc3324e03cbfb9589e36a34b5bf44663cbf24083cf1b3",
    );
}

/// `HeadData(b"head")` encodes to its pinned bytes.
#[test]
fn head_data_is_pinned() {
    assert_pinned(
        "HeadData",
        &fixtures::head_data(),
        "76027bec308806ba4d8c81f735ff2d77da4c9c3aee70e351a2dfe06f98c4bf0f",
    );
}

/// The fixture `ValidationCode` (a Wasm preamble) encodes to its pinned bytes.
#[test]
fn validation_code_is_pinned() {
    assert_pinned(
        "ValidationCode",
        &fixtures::validation_code(),
        "d08976ff7520673698627bf984e40aed1e3a413462a366ad192d7566525a779b",
    );
}

/// `ValidationCodeHash([0x55; 32])` encodes to its pinned bytes.
#[test]
fn validation_code_hash_is_pinned() {
    assert_pinned(
        "ValidationCodeHash",
        &fixtures::validation_code_hash(),
        "bd6732ce1fd898fde2c72fe601c4f49477a577180b7fb2dce74d9a167c738132",
    );
}

/// `BlockData(b"block")` encodes to its pinned bytes.
#[test]
fn block_data_is_pinned() {
    assert_pinned(
        "BlockData",
        &fixtures::block_data(),
        "b91a52261acb4a6d69f9e1d52d0a57a7e3bbdf7057a2abb304f18e203eb91a79",
    );
}

/// The fixture `PoV` encodes to its pinned bytes.
#[test]
fn pov_is_pinned() {
    assert_pinned(
        "PoV",
        &fixtures::pov(),
        "391ef97c3592a7b07c305deb0e365e6b403fcdf9d1f68691259c525ece609e1f",
    );
}

/// The fixture `PersistedValidationData` encodes to its pinned bytes.
#[test]
fn persisted_validation_data_is_pinned() {
    assert_pinned(
        "PersistedValidationData",
        &fixtures::persisted_validation_data(),
        "90e60b6592c5cf0025dd50e264e607ac56d1d5753809478edef7d17ba4fbf0cc",
    );
}

/// The fixture `ValidationParams` encodes to its pinned bytes.
#[test]
fn validation_params_is_pinned() {
    assert_pinned(
        "ValidationParams",
        &fixtures::validation_params(),
        "1b124ab0ee83a58ab48fd999f3c1f593a75148dfe0e4bb894d15a75783f88d82",
    );
}

/// The fixture `OutboundHrmpMessage` (to para 2001) encodes to its pinned bytes.
#[test]
fn outbound_hrmp_message_is_pinned() {
    assert_pinned(
        "OutboundHrmpMessage",
        &fixtures::outbound_hrmp_message(),
        "85e17f1d89785ad49e792fd752c1df812f0b1c865b080587905046ac75d56045",
    );
}

/// The fixture `ValidationResult` (code upgrade, 2 upward, 1 horizontal) encodes to its pinned
/// bytes.
#[test]
fn validation_result_is_pinned() {
    assert_pinned(
        "ValidationResult",
        &fixtures::validation_result(),
        "f98a974fbbb7401b7fa6ea1eea1c249cef08b6b7bbf3c0b6b4231b66a0789c3a",
    );
}

/// The fixture `CandidateDescriptor` encodes to its pinned bytes.
#[test]
fn candidate_descriptor_is_pinned() {
    assert_pinned(
        "CandidateDescriptor",
        &fixtures::candidate_descriptor(),
        "c1e3d6446d30bccace425d75af58aaedc69699eab9bdd14c084e61dc66472e91",
    );
}

/// The bytes a collator signs for the fixture descriptor are pinned: every field but the
/// signature, in field order.
#[test]
fn candidate_descriptor_signing_payload_is_pinned() {
    let descriptor = fixtures::candidate_descriptor();
    let payload = descriptor.signing_payload();
    let mut without_signature = descriptor.clone();
    without_signature.signature = Default::default();
    assert_eq!(payload, without_signature.signing_payload(), "the signature is not signed");
    assert_eq!(payload.len() + 64, descriptor.encoded_size());
    assert_eq!(
        hex::encode(blake2_256(&payload)),
        "0d6f1087d006877771b6fc05d95c0d265c4a657ab41c2654653ba29ba333e6ac"
    );
}

/// The fixture `CandidateCommitments` encodes to its pinned bytes, and `hash()` is the hash of
/// that encoding.
#[test]
fn candidate_commitments_is_pinned() {
    let commitments = fixtures::candidate_commitments();
    assert_pinned(
        "CandidateCommitments",
        &commitments,
        "96e8bfc814b5a03fc4b4d292a3f14561b3e871c60956038e66a461b7dca6389d",
    );
    assert_eq!(commitments.hash(), Hash::of_encoded(&commitments));
    assert!(commitments.matches(&fixtures::validation_result()));
}

/// The fixture `CandidateReceipt` encodes to its pinned bytes and has a pinned candidate hash.
#[test]
fn candidate_receipt_is_pinned() {
    let receipt = fixtures::candidate_receipt();
    assert_pinned(
        "CandidateReceipt",
        &receipt,
        "cd5423f7b8e21f18cfe37d9f74e1a4feb9669a8bc67e3a4e7f3d404c4a704078",
    );
    assert_eq!(receipt.commitments_hash, fixtures::candidate_commitments().hash());
    // The candidate hash is the hash of the plain receipt's encoding, as in Polkadot.
    assert_eq!(receipt.hash().0, Hash::of_encoded(&receipt));
    assert_eq!(
        hex_of(receipt.hash().0),
        "cd5423f7b8e21f18cfe37d9f74e1a4feb9669a8bc67e3a4e7f3d404c4a704078"
    );
}

/// The fixture `CommittedCandidateReceipt` encodes to its pinned bytes and has the same pinned
/// candidate hash as its plain receipt.
#[test]
fn committed_candidate_receipt_is_pinned() {
    let committed = fixtures::committed_candidate_receipt();
    assert_pinned(
        "CommittedCandidateReceipt",
        &committed,
        "3708ec961faa08df05189ce224db1e9290c74aeefe6dddd163b5714521f7eb82",
    );
    assert_eq!(committed.hash(), fixtures::candidate_receipt().hash());
    assert_eq!(
        hex_of(committed.hash().0),
        "cd5423f7b8e21f18cfe37d9f74e1a4feb9669a8bc67e3a4e7f3d404c4a704078"
    );
}

/// The content hashes (`HeadData`, `ValidationCode`: of the raw bytes; `PoV`,
/// `PersistedValidationData`: of the encoding) are what their docs say, on the fixtures.
#[test]
fn content_hashes_of_fixtures_are_pinned() {
    let head = fixtures::head_data();
    assert_eq!(head.hash(), Hash::of(b"head"));
    assert_eq!(
        hex_of(head.hash()),
        "48a7f4c390963cbf963c7044341552b983c9561e1e7ebe1fcc9777b10b5d6989"
    );
    let code = fixtures::validation_code();
    assert_eq!(code.hash().0, Hash::of(&code.0));
    assert_eq!(
        hex_of(code.hash().0),
        "f6a5dbf080e9c9d7834145653bce4c8cded62e664d7ddcdb5c526f5877006d74"
    );
    let pov = fixtures::pov();
    assert_eq!(pov.hash(), Hash::of_encoded(&pov));
    assert_eq!(
        hex_of(pov.hash()),
        "391ef97c3592a7b07c305deb0e365e6b403fcdf9d1f68691259c525ece609e1f"
    );
    let pvd = fixtures::persisted_validation_data();
    assert_eq!(pvd.hash(), Hash::of_encoded(&pvd));
    assert_eq!(
        hex_of(pvd.hash()),
        "90e60b6592c5cf0025dd50e264e607ac56d1d5753809478edef7d17ba4fbf0cc"
    );
}

/// The dev keyring and deterministic signing (host side only: needs the `std` feature).
#[cfg(feature = "std")]
mod keyring {
    use atoll_primitives::crypto::{verify, Pair, DEV_ACCOUNTS};

    /// The sr25519 public keys of `//Alice` ... `//Ferdie`, in [`DEV_ACCOUNTS`] order.
    const DEV_PUBLIC_KEYS: [(&str, &str); 6] = [
        ("Alice", "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"),
        ("Bob", "8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48"),
        ("Charlie", "90b5ab205c6974c9ea841be688864633dc9ca8a357843eeacf2314649965fe22"),
        ("Dave", "306721211d5404bd9da88e0204360a1a9ab8b87c66c1bc2fcdd37f3c2222cc20"),
        ("Eve", "e659a7a1628cdd93febc04a4e0646ea20e9f5f0ce097d9a05290d4a9e054df4e"),
        ("Ferdie", "1cbd2d43530a44705ad088af313e18f80b53ef16b36177cd4b77b846f2a5f07c"),
    ];

    /// The dev accounts' public keys are pinned (and are the well-known Substrate ones).
    #[test]
    fn dev_public_keys_are_pinned() {
        for (name, (pinned_name, pinned_hex)) in DEV_ACCOUNTS.iter().zip(DEV_PUBLIC_KEYS) {
            assert_eq!(*name, pinned_name, "DEV_ACCOUNTS order");
            assert_eq!(hex::encode(Pair::dev(name).public().0), pinned_hex, "//{name}");
        }
    }

    /// Alice's signature of `b"msg"` under context `b"ctx"` is pinned byte for byte and verifies.
    #[test]
    fn alice_signature_is_deterministic_and_pinned() {
        let alice = Pair::dev("Alice");
        let sig = alice.sign(b"ctx", b"msg");
        assert_eq!(sig, alice.sign(b"ctx", b"msg"));
        assert_eq!(hex::encode(sig.0), "3648245993f242a68eff8990257986f16da89ee18e61a50183ed709eb2cebb2112af9ba4fea76629320d0cc655466a036833de00cc0ca6b44e759f8bf5ca7380");
        assert!(verify(b"ctx", b"msg", &sig, &alice.public()));
        assert!(!verify(b"ctx", b"msh", &sig, &alice.public()));
        assert!(!verify(b"cty", b"msg", &sig, &alice.public()));
        assert!(!verify(b"ctx", b"msg", &sig, &Pair::dev("Bob").public()));
    }
}
