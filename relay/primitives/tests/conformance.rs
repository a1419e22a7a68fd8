//! Conformance hashes: these pin the wire format.
//!
//! Every SCALE-encoded type of `atoll-primitives` has one fixed, hand-written fixture value
//! (`common::fixtures`), and each test below asserts the blake2b-256 of its encoding against a
//! hard-coded hex string. The same goes for the candidate hashes, the descriptor's signing
//! payload, the parachain host's signing contexts and signing payloads (backing statements,
//! bitfields, approval votes, each dispute statement kind), the dev keyring's public keys and
//! one deterministic signature.
//!
//! Validators, collators and Wasm runtimes built from different commits must agree on these
//! bytes. A change that alters an encoding (a field added, removed, reordered or retyped, an
//! integer made compact, ...) therefore must change this file in the same commit, visibly, with
//! the reason in the commit message. Never update a hash here just to make a test pass without
//! knowing which wire change it records.

mod common;

use atoll_primitives::parachain::{
    DisputeStatement, APPROVAL_SIGNING_CONTEXT, ASSIGNMENT_VRF_CONTEXT, BACKING_SIGNING_CONTEXT,
    BITFIELD_SIGNING_CONTEXT, DISPUTE_SIGNING_CONTEXT,
};
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

/// The fixture `SigningContext` (session 42, relay parent `[0xb1; 32]`) encodes to its pinned bytes.
#[test]
fn signing_context_is_pinned() {
    assert_pinned(
        "SigningContext",
        &fixtures::signing_context(),
        "4613af3d3e6848c96df7e01fbe93fdab7633ad9fa29a18c76b92ff62d80a5c02",
    );
}

/// `Statement::Seconded` of the fixture committed receipt encodes to its pinned bytes.
#[test]
fn statement_seconded_is_pinned() {
    assert_pinned(
        "Statement::Seconded",
        &fixtures::statement_seconded(),
        "16d8bfc8b11ddf99f4dab5c46f02c1dd4be6d6b82487819046da9d291150e9e1",
    );
}

/// `Statement::Valid` of the fixture candidate hash encodes to its pinned bytes (the same bytes
/// as `CompactStatement::Valid`: a `Valid` statement is already compact).
#[test]
fn statement_valid_is_pinned() {
    assert_pinned(
        "Statement::Valid",
        &fixtures::statement_valid(),
        "0f0b1ea1891b827742baf34f381ac9e7da679cf971a87126d8c691ef89e2afe1",
    );
}

/// `CompactStatement::Seconded` of the fixture candidate hash encodes to its pinned bytes.
#[test]
fn compact_statement_seconded_is_pinned() {
    assert_pinned(
        "CompactStatement::Seconded",
        &fixtures::compact_statement_seconded(),
        "6ab8d8df5d607f8d322275411787a5e3dc0d1e41b41558c08441526d9f0b584b",
    );
}

/// `CompactStatement::Valid` of the fixture candidate hash encodes to its pinned bytes.
#[test]
fn compact_statement_valid_is_pinned() {
    assert_pinned(
        "CompactStatement::Valid",
        &fixtures::compact_statement_valid(),
        "0f0b1ea1891b827742baf34f381ac9e7da679cf971a87126d8c691ef89e2afe1",
    );
}

/// The fixture `SignedStatement` (a `Seconded`) encodes to its pinned bytes.
#[test]
fn signed_statement_is_pinned() {
    assert_pinned(
        "SignedStatement",
        &fixtures::signed_statement(),
        "64e5dbfe60636b1bcd721d45f1deadc40e7cb1299de78c89e852d07a154fda26",
    );
}

/// `ValidityAttestation::Implicit` encodes to its pinned bytes.
#[test]
fn validity_attestation_implicit_is_pinned() {
    assert_pinned(
        "ValidityAttestation::Implicit",
        &fixtures::validity_attestation_implicit(),
        "de5b061eb3aaa73cb3171f2e8ba8b7033f9ccf50409ca33935cbc1e10e1dfa84",
    );
}

/// `ValidityAttestation::Explicit` encodes to its pinned bytes.
#[test]
fn validity_attestation_explicit_is_pinned() {
    assert_pinned(
        "ValidityAttestation::Explicit",
        &fixtures::validity_attestation_explicit(),
        "1569b0a547f71ccbb6e7c438d5bee429288be6d5ebf5fca63f4a38fa5a887433",
    );
}

/// The fixture `BackedCandidate` (two votes) encodes to its pinned bytes.
#[test]
fn backed_candidate_is_pinned() {
    assert_pinned(
        "BackedCandidate",
        &fixtures::backed_candidate(),
        "7125ef2ab539959748f06575d09f775078ff1604208a56a50b8bd31943ab3774",
    );
}

/// The fixture `AvailableData` encodes to its pinned bytes.
#[test]
fn available_data_is_pinned() {
    assert_pinned(
        "AvailableData",
        &fixtures::available_data(),
        "437ea7838255262663e0ddf00a1eeb66d7927376333ff24f89e2bee92e8697a2",
    );
}

/// The fixture `ErasureChunk` (two proof hashes) encodes to its pinned bytes.
#[test]
fn erasure_chunk_is_pinned() {
    assert_pinned(
        "ErasureChunk",
        &fixtures::erasure_chunk(),
        "d482e6a84741dff63ba5919909905471e9d5b0402a760d7e4b4fd26f349d2a7a",
    );
}

/// The fixture `AvailabilityBitfield` (`1 0 1 1 0`) encodes to its pinned bytes.
#[test]
fn availability_bitfield_is_pinned() {
    assert_pinned(
        "AvailabilityBitfield",
        &fixtures::availability_bitfield(),
        "16887d03926a7b42f8919392dd50cac6a52b3b3ccd1094acaf4d4fabbe5145c5",
    );
}

/// The fixture `SignedAvailabilityBitfield` encodes to its pinned bytes.
#[test]
fn signed_availability_bitfield_is_pinned() {
    assert_pinned(
        "SignedAvailabilityBitfield",
        &fixtures::signed_availability_bitfield(),
        "4906f6b769a4f8522467fd19cffdbce8440da468a831e5b07feef4a483183317",
    );
}

/// `DelayTranche(9)` encodes to its pinned bytes.
#[test]
fn delay_tranche_is_pinned() {
    assert_pinned(
        "DelayTranche",
        &fixtures::delay_tranche(),
        "2f016b7a5db930dabdea03aa68d2734d2fa47a0557e20d130cc1e044f8dc5796",
    );
}

/// `AssignmentKind::RelayVrfModulo { sample: 2 }` encodes to its pinned bytes.
#[test]
fn assignment_kind_modulo_is_pinned() {
    assert_pinned(
        "AssignmentKind::RelayVrfModulo",
        &fixtures::assignment_kind_modulo(),
        "c6e3bde7f50f54e69e42fb50c95cf5062d00172b77947fce7add600e099efdc2",
    );
}

/// `AssignmentKind::RelayVrfDelay { core: CoreIndex(3) }` encodes to its pinned bytes.
#[test]
fn assignment_kind_delay_is_pinned() {
    assert_pinned(
        "AssignmentKind::RelayVrfDelay",
        &fixtures::assignment_kind_delay(),
        "82013b323433c8c716a93fff1bbea12b7309a9f33bb285c6a7a75b724bd14947",
    );
}

/// The fixture `AssignmentCert` encodes to its pinned bytes.
#[test]
fn assignment_cert_is_pinned() {
    assert_pinned(
        "AssignmentCert",
        &fixtures::assignment_cert(),
        "86ac9520222f2a3777d7182431186f4822fb961e0e5c114a43b7c0efcf67cb53",
    );
}

/// The fixture `IndirectAssignmentCert` encodes to its pinned bytes.
#[test]
fn indirect_assignment_cert_is_pinned() {
    assert_pinned(
        "IndirectAssignmentCert",
        &fixtures::indirect_assignment_cert(),
        "e33fcc706b7d9d1b4e5254c3fc2176dd6e66d1c5cd74599abfbccd86298a91d3",
    );
}

/// The fixture `ApprovalVote` encodes to its pinned bytes.
#[test]
fn approval_vote_is_pinned() {
    assert_pinned(
        "ApprovalVote",
        &fixtures::approval_vote(),
        "16d88129699ecdf7efb41303def451a209bd4b8722b9bd1661e90d89c5086b8e",
    );
}

/// The fixture `IndirectSignedApprovalVote` encodes to its pinned bytes.
#[test]
fn indirect_signed_approval_vote_is_pinned() {
    assert_pinned(
        "IndirectSignedApprovalVote",
        &fixtures::indirect_signed_approval_vote(),
        "85572d56d64ac8a70fa349cca60206729d616669a1f4e8a6305c18dd4173d532",
    );
}

/// `ValidDisputeStatementKind::Explicit` encodes to its pinned bytes.
#[test]
fn valid_kind_explicit_is_pinned() {
    assert_pinned(
        "ValidDisputeStatementKind::Explicit",
        &fixtures::valid_kind_explicit(),
        "03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314",
    );
}

/// `ValidDisputeStatementKind::BackingSeconded` encodes to its pinned bytes.
#[test]
fn valid_kind_backing_seconded_is_pinned() {
    assert_pinned(
        "ValidDisputeStatementKind::BackingSeconded",
        &fixtures::valid_kind_backing_seconded(),
        "ff9e94a72e618fa19b2fbc0f054d1510f8ae5859d8ae4403c98019ac6704f8d3",
    );
}

/// `ValidDisputeStatementKind::BackingValid` encodes to its pinned bytes.
#[test]
fn valid_kind_backing_valid_is_pinned() {
    assert_pinned(
        "ValidDisputeStatementKind::BackingValid",
        &fixtures::valid_kind_backing_valid(),
        "c52998af3af140285853566a3052201b347ecbb7febd94f4f5ea82dc1b006446",
    );
}

/// `ValidDisputeStatementKind::ApprovalChecking` encodes to its pinned bytes.
#[test]
fn valid_kind_approval_checking_is_pinned() {
    assert_pinned(
        "ValidDisputeStatementKind::ApprovalChecking",
        &fixtures::valid_kind_approval_checking(),
        "e88bd757ad5b9bedf372d8d3f0cf6c962a469db61a265f6418e1ffed86da29ec",
    );
}

/// `InvalidDisputeStatementKind::Explicit` encodes to its pinned bytes (the single byte `00`, as
/// `ValidDisputeStatementKind::Explicit`: the side is in the enclosing `DisputeStatement`).
#[test]
fn invalid_kind_explicit_is_pinned() {
    assert_pinned(
        "InvalidDisputeStatementKind::Explicit",
        &fixtures::invalid_kind_explicit(),
        "03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314",
    );
}

/// `DisputeStatement::Valid(BackingSeconded)` encodes to its pinned bytes.
#[test]
fn dispute_statement_valid_is_pinned() {
    assert_pinned(
        "DisputeStatement::Valid",
        &fixtures::dispute_statement_valid(),
        "4ba357dea169b9c5949751a5268469efc79d3492e34161ec7b91eaa115a7bd45",
    );
}

/// `DisputeStatement::Invalid(Explicit)` encodes to its pinned bytes.
#[test]
fn dispute_statement_invalid_is_pinned() {
    assert_pinned(
        "DisputeStatement::Invalid",
        &fixtures::dispute_statement_invalid(),
        "8080778c30c20fa2ebc0ed18d2cbca1f30b027625c7d9d97f5d589721c91aeb6",
    );
}

/// The fixture `SignedDisputeStatement` encodes to its pinned bytes.
#[test]
fn signed_dispute_statement_is_pinned() {
    assert_pinned(
        "SignedDisputeStatement",
        &fixtures::signed_dispute_statement(),
        "15916bd7a8085d67246387e5f606c4a254f6dea0e7e5c64942cc5890e5e76956",
    );
}

/// The fixture `DisputeStatementSet` (three statements) encodes to its pinned bytes.
#[test]
fn dispute_statement_set_is_pinned() {
    assert_pinned(
        "DisputeStatementSet",
        &fixtures::dispute_statement_set(),
        "55a8a22260e784dec750cc6ed7bcc47f5b470d1ff09f1b3542bd735f17189544",
    );
}

/// The fixture `ParaInherentData` (one item of each kind) encodes to its pinned bytes.
#[test]
fn para_inherent_data_is_pinned() {
    assert_pinned(
        "ParaInherentData",
        &fixtures::para_inherent_data(),
        "abf4f364594b0e993c062611c7b15f5cd06ca8937d7c66aa6d99ba00c88006c6",
    );
}

/// The signing context constants are pinned: they are part of every signed message.
#[test]
fn parachain_signing_contexts_are_pinned() {
    assert_eq!(BACKING_SIGNING_CONTEXT, b"atoll-backing");
    assert_eq!(BITFIELD_SIGNING_CONTEXT, b"atoll-bitfield");
    assert_eq!(APPROVAL_SIGNING_CONTEXT, b"atoll-approval");
    assert_eq!(DISPUTE_SIGNING_CONTEXT, b"atoll-dispute");
    assert_eq!(ASSIGNMENT_VRF_CONTEXT, b"atoll-approval-assignment");
}

/// The bytes a backer signs for the fixture compact statements, a validator for the fixture
/// bitfield and a checker for the fixture approval vote are pinned.
#[test]
fn parachain_signing_payloads_are_pinned() {
    let context = fixtures::signing_context();
    let seconded = fixtures::compact_statement_seconded().signing_payload(&context);
    assert_eq!(seconded, (b"BKNG", fixtures::compact_statement_seconded(), context).encode());
    assert_eq!(
        hex::encode(blake2_256(&seconded)),
        "22f061883892c12ce713b714158f17b9205121bd8d53a6a8ea2cc71dc7ef9f5a"
    );
    let valid = fixtures::compact_statement_valid().signing_payload(&context);
    assert_eq!(
        hex::encode(blake2_256(&valid)),
        "293efa0bb3466d630a7b7e2180bf972805e2b7f2abc54fd250d6b1c3133c868c"
    );
    let bitfield = fixtures::availability_bitfield().signing_payload(&context);
    assert_eq!(bitfield, (b"AVBF", fixtures::availability_bitfield(), context).encode());
    assert_eq!(
        hex::encode(blake2_256(&bitfield)),
        "faf43b3b9a3f6b829d227fda75c0accedc5e01bf61399e458c3a85ed00f4d7db"
    );
    let approval = fixtures::approval_vote().signing_payload(fixtures::session_index());
    assert_eq!(
        approval,
        (b"APPR", fixtures::approval_vote().0, fixtures::session_index()).encode()
    );
    assert_eq!(
        hex::encode(blake2_256(&approval)),
        "f793dea893ead524e54218e32ce659fecadc4482fc63e0f670f0219e50c16e2f"
    );
}

/// The signing context and signed bytes of each dispute statement kind about the fixture
/// candidate in the fixture session are pinned. The backing kinds sign exactly what a backer
/// signs (the pins equal the compact statements' above), the approval kind what a checker signs.
#[test]
fn dispute_statement_signing_payloads_are_pinned() {
    let cases: [(DisputeStatement, &[u8], &str); 5] = [
        (
            DisputeStatement::Valid(fixtures::valid_kind_explicit()),
            DISPUTE_SIGNING_CONTEXT,
            "27de2367c25ed8156102201d6f4b0aec256854b0c3a935fcc067d5ca1618ab57",
        ),
        (
            DisputeStatement::Valid(fixtures::valid_kind_backing_seconded()),
            BACKING_SIGNING_CONTEXT,
            "22f061883892c12ce713b714158f17b9205121bd8d53a6a8ea2cc71dc7ef9f5a",
        ),
        (
            DisputeStatement::Valid(fixtures::valid_kind_backing_valid()),
            BACKING_SIGNING_CONTEXT,
            "293efa0bb3466d630a7b7e2180bf972805e2b7f2abc54fd250d6b1c3133c868c",
        ),
        (
            DisputeStatement::Valid(fixtures::valid_kind_approval_checking()),
            APPROVAL_SIGNING_CONTEXT,
            "8735fe400265243d3e39a2cd3df08199bb59353ae6fd75d73c5b2350efc317f3",
        ),
        (
            DisputeStatement::Invalid(fixtures::invalid_kind_explicit()),
            DISPUTE_SIGNING_CONTEXT,
            "ecad7af7e537d61c39cbed92a37565ffe636d44eed27c4f99acc6a7ad61c6d48",
        ),
    ];
    for (statement, context, pinned) in cases {
        let (got_context, payload) =
            statement.signing_payload(fixtures::candidate_hash(), fixtures::session_index());
        assert_eq!(got_context, context, "{statement:?}: signing context");
        assert_eq!(hex::encode(blake2_256(&payload)), pinned, "{statement:?}: signed bytes");
    }
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
