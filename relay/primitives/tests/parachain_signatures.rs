#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Signatures of the parachain host's signed messages (`atoll_primitives::parachain`).
//!
//! These pin the domain separation of the signing payloads: a signature made by
//! `SignedStatement::sign`, `SignedAvailabilityBitfield::sign`, `ApprovalVote::sign` or
//! `SignedDisputeStatement::sign_explicit` verifies with the matching `check`, and fails for
//! another signing context (session or relay parent), another key, another payload, or another
//! purpose (a backing signature is no bitfield signature, a `Valid` dispute vote no `Invalid`
//! one). They also pin that backing and approval signatures count as `Valid` dispute statements
//! of the matching kind, as `DisputeStatement::signing_payload` says, and that signing is
//! deterministic.
#![cfg(feature = "std")]

use atoll_primitives::crypto::{verify, Pair};
use atoll_primitives::parachain::{
    ApprovalVote, AvailabilityBitfield, BackedCandidate, CompactStatement, DisputeStatement,
    InvalidDisputeStatementKind, SignedAvailabilityBitfield, SignedDisputeStatement,
    SignedStatement, SigningContext, Statement, ValidDisputeStatementKind, ValidityAttestation,
    APPROVAL_SIGNING_CONTEXT, BACKING_SIGNING_CONTEXT, BITFIELD_SIGNING_CONTEXT,
    DISPUTE_SIGNING_CONTEXT,
};
use atoll_primitives::{
    BlockNumber, CandidateCommitments, CandidateDescriptor, CandidateHash,
    CommittedCandidateReceipt, Hash, HeadData, ParaId, SessionIndex, Sr25519Public,
    Sr25519Signature, ValidationCodeHash, ValidatorIndex,
};

/// Every signing context of the parachain host (the VRF context is not a signing context).
const SIGNING_CONTEXTS: [&[u8]; 4] = [
    BACKING_SIGNING_CONTEXT,
    BITFIELD_SIGNING_CONTEXT,
    APPROVAL_SIGNING_CONTEXT,
    DISPUTE_SIGNING_CONTEXT,
];

/// `//Alice`, the signer of every test.
fn alice() -> Pair {
    Pair::dev("Alice")
}

/// `//Bob`'s public key: a key that signed nothing.
fn bob() -> Sr25519Public {
    Pair::dev("Bob").public()
}

/// Session 42 at relay parent `[0xb1; 32]`.
fn context() -> SigningContext {
    SigningContext { session: SessionIndex(42), parent_hash: Hash([0xb1; 32]) }
}

/// [`context`] at another relay parent.
fn other_parent() -> SigningContext {
    SigningContext { parent_hash: Hash([0xb2; 32]), ..context() }
}

/// [`context`] in another session.
fn other_session() -> SigningContext {
    SigningContext { session: SessionIndex(43), ..context() }
}

/// A committed candidate of para 2000 at [`context`]'s relay parent.
fn candidate() -> CommittedCandidateReceipt {
    CommittedCandidateReceipt {
        descriptor: CandidateDescriptor {
            para_id: ParaId(2000),
            relay_parent: context().parent_hash,
            collator: Pair::dev("Charlie").public(),
            persisted_validation_data_hash: Hash([0xa2; 32]),
            pov_hash: Hash([0xa3; 32]),
            erasure_root: Hash([0xa4; 32]),
            signature: Sr25519Signature([0x44; 64]),
            para_head: Hash::of(b"head"),
            validation_code_hash: ValidationCodeHash(Hash([0xa6; 32])),
        },
        commitments: CandidateCommitments {
            head_data: HeadData(b"head".to_vec()),
            hrmp_watermark: BlockNumber(99),
            ..Default::default()
        },
    }
}

/// Another candidate hash than [`candidate`]'s.
fn other_candidate_hash() -> CandidateHash {
    CandidateHash(Hash([0x99; 32]))
}

/// The parachain host's signing contexts under which `signature` is Alice's signature of
/// `payload`.
fn verifies_under_any_context(payload: &[u8], signature: &Sr25519Signature) -> Vec<&'static [u8]> {
    SIGNING_CONTEXTS
        .into_iter()
        .filter(|ctx| verify(ctx, payload, signature, &alice().public()))
        .collect()
}

/// A `Seconded` and a `Valid` statement verify in their signing context and for their signer
/// only, and not for another relay parent, another session, another key or another statement.
#[test]
fn signed_statement_checks_only_in_its_context() {
    let alice = alice();
    let receipt = candidate();
    let hash = receipt.hash();
    let statements = [Statement::Seconded(receipt), Statement::Valid(hash)];
    for statement in statements {
        let signed =
            SignedStatement::sign(&alice, statement.clone(), &context(), ValidatorIndex(3));
        assert_eq!(signed.statement, statement);
        assert_eq!(signed.validator, ValidatorIndex(3));
        assert!(signed.check(&context(), &alice.public()), "{statement:?}");
        assert!(!signed.check(&other_parent(), &alice.public()), "{statement:?}: other parent");
        assert!(!signed.check(&other_session(), &alice.public()), "{statement:?}: other session");
        assert!(!signed.check(&context(), &bob()), "{statement:?}: other key");

        // The signature covers the compact statement: the same kind about another candidate,
        // or the other kind about the same candidate, does not check.
        let mut other = signed.clone();
        other.statement = Statement::Valid(other_candidate_hash());
        assert!(!other.check(&context(), &alice.public()), "{statement:?}: other candidate");
        let flipped = match &statement {
            Statement::Seconded(_) => Statement::Valid(hash),
            Statement::Valid(_) => Statement::Seconded(candidate()),
        };
        let mut other = signed.clone();
        other.statement = flipped;
        assert!(!other.check(&context(), &alice.public()), "{statement:?}: other kind");

        // The signature is over the compact statement's payload in the backing context, and in
        // no other context.
        let payload = statement.to_compact().signing_payload(&context());
        assert_eq!(
            verifies_under_any_context(&payload, &signed.signature),
            [BACKING_SIGNING_CONTEXT]
        );
    }
}

/// The validator index is not signed (the signature covers the compact statement and the
/// context only): the same statement signed as two indices has one signature.
#[test]
fn signed_statement_signs_the_compact_form() {
    let alice = alice();
    let seconded = Statement::Seconded(candidate());
    let a = SignedStatement::sign(&alice, seconded.clone(), &context(), ValidatorIndex(0));
    let b = SignedStatement::sign(&alice, seconded, &context(), ValidatorIndex(5));
    assert_eq!(a.signature, b.signature, "the validator index is not signed");
    assert!(b.check(&context(), &alice.public()));
}

/// Signing is deterministic: the same statement, bitfield, approval and dispute vote signed
/// twice give the same signature bytes.
#[test]
fn parachain_signing_is_deterministic() {
    let alice = alice();
    let statement = Statement::Valid(candidate().hash());
    assert_eq!(
        SignedStatement::sign(&alice, statement.clone(), &context(), ValidatorIndex(1)),
        SignedStatement::sign(&alice, statement, &context(), ValidatorIndex(1)),
    );
    let bits = AvailabilityBitfield(vec![true, false, true]);
    assert_eq!(
        SignedAvailabilityBitfield::sign(&alice, bits.clone(), &context(), ValidatorIndex(1)),
        SignedAvailabilityBitfield::sign(&alice, bits, &context(), ValidatorIndex(1)),
    );
    let vote = ApprovalVote(candidate().hash());
    assert_eq!(vote.sign(&alice, SessionIndex(42)), vote.sign(&alice, SessionIndex(42)));
    for valid in [true, false] {
        assert_eq!(
            SignedDisputeStatement::sign_explicit(
                &alice,
                candidate().hash(),
                SessionIndex(42),
                valid,
                ValidatorIndex(1)
            ),
            SignedDisputeStatement::sign_explicit(
                &alice,
                candidate().hash(),
                SessionIndex(42),
                valid,
                ValidatorIndex(1)
            ),
        );
    }
}

/// A signed bitfield verifies in its signing context and for its signer only, and not for
/// another relay parent, another session, another key, a flipped bit or a longer bitfield.
#[test]
fn signed_bitfield_checks_only_in_its_context() {
    let alice = alice();
    let bits = AvailabilityBitfield(vec![true, false, true, true, false]);
    let signed =
        SignedAvailabilityBitfield::sign(&alice, bits.clone(), &context(), ValidatorIndex(2));
    assert_eq!(signed.payload, bits);
    assert_eq!(signed.validator, ValidatorIndex(2));
    assert!(signed.check(&context(), &alice.public()));
    assert!(!signed.check(&other_parent(), &alice.public()), "other parent");
    assert!(!signed.check(&other_session(), &alice.public()), "other session");
    assert!(!signed.check(&context(), &bob()), "other key");
    for at in 0..bits.0.len() {
        let mut flipped = signed.clone();
        flipped.payload.0[at] = !flipped.payload.0[at];
        assert!(!flipped.check(&context(), &alice.public()), "bit {at} flipped");
    }
    let mut longer = signed.clone();
    longer.payload.0.push(false);
    assert!(!longer.check(&context(), &alice.public()), "a bit appended");
    let mut shorter = signed.clone();
    shorter.payload.0.pop();
    assert!(!shorter.check(&context(), &alice.public()), "a bit dropped");

    let payload = bits.signing_payload(&context());
    assert_eq!(verifies_under_any_context(&payload, &signed.signature), [BITFIELD_SIGNING_CONTEXT]);
}

/// An empty bitfield signs and checks like any other.
#[test]
fn empty_signed_bitfield_checks() {
    let signed = SignedAvailabilityBitfield::sign(
        &alice(),
        AvailabilityBitfield::default(),
        &context(),
        ValidatorIndex(0),
    );
    assert!(signed.check(&context(), &alice().public()));
    assert!(!signed.check(&other_parent(), &alice().public()));
}

/// An approval vote verifies for its candidate, session and signer only.
#[test]
fn approval_vote_checks_only_for_its_candidate_and_session() {
    let alice = alice();
    let vote = ApprovalVote(candidate().hash());
    let signature = vote.sign(&alice, SessionIndex(42));
    assert!(vote.check(SessionIndex(42), &signature, &alice.public()));
    assert!(!vote.check(SessionIndex(43), &signature, &alice.public()), "other session");
    assert!(!vote.check(SessionIndex(42), &signature, &bob()), "other key");
    assert!(
        !ApprovalVote(other_candidate_hash()).check(SessionIndex(42), &signature, &alice.public()),
        "other candidate"
    );
    let payload = vote.signing_payload(SessionIndex(42));
    assert_eq!(verifies_under_any_context(&payload, &signature), [APPROVAL_SIGNING_CONTEXT]);
}

/// Explicit dispute votes verify for their statement, candidate, session and signer only; a
/// `Valid` vote does not check as `Invalid`, nor the other way round.
#[test]
fn explicit_dispute_statement_checks_only_for_its_side() {
    let alice = alice();
    let hash = candidate().hash();
    for valid in [true, false] {
        let signed = SignedDisputeStatement::sign_explicit(
            &alice,
            hash,
            SessionIndex(42),
            valid,
            ValidatorIndex(4),
        );
        let expected = if valid {
            DisputeStatement::Valid(ValidDisputeStatementKind::Explicit)
        } else {
            DisputeStatement::Invalid(InvalidDisputeStatementKind::Explicit)
        };
        assert_eq!(signed.statement, expected);
        assert_eq!(signed.statement.is_valid(), valid);
        assert!(!signed.statement.is_backing());
        assert_eq!(
            (signed.candidate_hash, signed.session, signed.validator),
            (hash, SessionIndex(42), ValidatorIndex(4))
        );
        assert!(signed.check(&alice.public()), "valid = {valid}");
        assert!(!signed.check(&bob()), "valid = {valid}: other key");

        let mut other = signed.clone();
        other.candidate_hash = other_candidate_hash();
        assert!(!other.check(&alice.public()), "valid = {valid}: other candidate");
        let mut other = signed.clone();
        other.session = SessionIndex(43);
        assert!(!other.check(&alice.public()), "valid = {valid}: other session");

        // The other side, and every other `Valid` kind, does not check.
        for statement in all_dispute_statements(context().parent_hash) {
            if statement == expected {
                continue;
            }
            let mut other = signed.clone();
            other.statement = statement;
            assert!(!other.check(&alice.public()), "valid = {valid}: checked as {statement:?}");
        }

        let (context, payload) = expected.signing_payload(hash, SessionIndex(42));
        assert_eq!(context, DISPUTE_SIGNING_CONTEXT);
        assert_eq!(
            verifies_under_any_context(&payload, &signed.signature),
            [DISPUTE_SIGNING_CONTEXT]
        );
    }
}

/// Every dispute statement: `Valid` of each kind (backing kinds at `parent`) and `Invalid`.
fn all_dispute_statements(parent: Hash) -> [DisputeStatement; 5] {
    [
        DisputeStatement::Valid(ValidDisputeStatementKind::Explicit),
        DisputeStatement::Valid(ValidDisputeStatementKind::BackingSeconded(parent)),
        DisputeStatement::Valid(ValidDisputeStatementKind::BackingValid(parent)),
        DisputeStatement::Valid(ValidDisputeStatementKind::ApprovalChecking),
        DisputeStatement::Invalid(InvalidDisputeStatementKind::Explicit),
    ]
}

/// Whether `signature` checks as `statement` by Alice about `candidate` in session 42, both via
/// [`DisputeStatement::signing_payload`] with [`verify`] and via
/// [`SignedDisputeStatement::check`].
fn checks_as_dispute_statement(
    statement: DisputeStatement,
    candidate: CandidateHash,
    signature: Sr25519Signature,
) -> bool {
    let (ctx, payload) = statement.signing_payload(candidate, SessionIndex(42));
    let direct = verify(ctx, &payload, &signature, &alice().public());
    let signed = SignedDisputeStatement {
        candidate_hash: candidate,
        session: SessionIndex(42),
        statement,
        validator: ValidatorIndex(0),
        signature,
    };
    assert_eq!(signed.check(&alice().public()), direct, "{statement:?}: check agrees with verify");
    direct
}

/// A backing `Seconded` signature checks as the dispute statement
/// `Valid(BackingSeconded(relay_parent))`, a backing `Valid` one as `Valid(BackingValid(..))`,
/// and each as no other dispute statement, nor at another relay parent.
#[test]
fn backing_signatures_check_as_backing_dispute_statements() {
    let alice = alice();
    let receipt = candidate();
    let hash = receipt.hash();
    let parent = context().parent_hash;
    let cases = [
        (Statement::Seconded(receipt), ValidDisputeStatementKind::BackingSeconded(parent)),
        (Statement::Valid(hash), ValidDisputeStatementKind::BackingValid(parent)),
    ];
    for (statement, kind) in cases {
        let signed = SignedStatement::sign(&alice, statement, &context(), ValidatorIndex(1));
        let expected = DisputeStatement::Valid(kind);
        assert!(expected.is_backing() && expected.is_valid());
        assert!(checks_as_dispute_statement(expected, hash, signed.signature), "{kind:?}");
        for other in all_dispute_statements(parent) {
            if other != expected {
                assert!(
                    !checks_as_dispute_statement(other, hash, signed.signature),
                    "{kind:?} as {other:?}"
                );
            }
        }
        for other in all_dispute_statements(other_parent().parent_hash) {
            assert!(
                !checks_as_dispute_statement(other, hash, signed.signature),
                "{kind:?} as {other:?}"
            );
        }
        assert!(!checks_as_dispute_statement(expected, other_candidate_hash(), signed.signature));
    }
}

/// An approval vote's signature checks as the dispute statement `Valid(ApprovalChecking)`,
/// and as no other.
#[test]
fn approval_signatures_check_as_approval_dispute_statements() {
    let hash = candidate().hash();
    let signature = ApprovalVote(hash).sign(&alice(), SessionIndex(42));
    let expected = DisputeStatement::Valid(ValidDisputeStatementKind::ApprovalChecking);
    assert!(expected.is_valid() && !expected.is_backing());
    assert!(checks_as_dispute_statement(expected, hash, signature));
    for other in all_dispute_statements(context().parent_hash) {
        if other != expected {
            assert!(!checks_as_dispute_statement(other, hash, signature), "as {other:?}");
        }
    }
}

/// The votes of a backed candidate (as a block author assembles them from signed statements)
/// verify as their attestation's compact statement in the signing context, and do not verify
/// when the attestation kind is swapped.
#[test]
fn backed_candidate_votes_verify_as_their_compact_statements() {
    let receipt = candidate();
    let hash = receipt.hash();
    let signers =
        [("Alice", Statement::Seconded(receipt.clone())), ("Bob", Statement::Valid(hash))];
    let mut votes = Vec::new();
    let mut publics = Vec::new();
    for (i, (name, statement)) in signers.into_iter().enumerate() {
        let pair = Pair::dev(name);
        let seconded = matches!(statement, Statement::Seconded(_));
        let signed = SignedStatement::sign(&pair, statement, &context(), ValidatorIndex(i as u32));
        let attestation = if seconded {
            ValidityAttestation::Implicit(signed.signature)
        } else {
            ValidityAttestation::Explicit(signed.signature)
        };
        votes.push((signed.validator, attestation));
        publics.push(pair.public());
    }
    let backed = BackedCandidate { candidate: receipt, votes };
    assert_eq!(backed.hash(), hash);
    for ((validator, attestation), public) in backed.votes.iter().zip(&publics) {
        let compact = attestation.to_compact(backed.hash());
        let payload = compact.signing_payload(&context());
        assert!(
            verify(BACKING_SIGNING_CONTEXT, &payload, attestation.signature(), public),
            "{validator:?}"
        );
        let swapped = match compact {
            CompactStatement::Seconded(h) => CompactStatement::Valid(h),
            CompactStatement::Valid(h) => CompactStatement::Seconded(h),
        };
        assert!(
            !verify(
                BACKING_SIGNING_CONTEXT,
                &swapped.signing_payload(&context()),
                attestation.signature(),
                public
            ),
            "{validator:?}: swapped kind"
        );
    }
}

/// The same payload signed under two different signing contexts gives two signatures, each
/// checking only under its own context (the contexts separate the purposes even if two
/// payload encodings ever coincided).
#[test]
fn signing_contexts_separate_identical_payloads() {
    let payload = b"same bytes";
    for ctx in SIGNING_CONTEXTS {
        let signature = alice().sign(ctx, payload);
        assert_eq!(verifies_under_any_context(payload, &signature), [ctx]);
    }
}
