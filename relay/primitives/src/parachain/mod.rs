//! The parachain host's signed messages and the relay block's para inherent (DESIGN.md,
//! pipeline steps 2 to 7): backing statements, availability bitfields and chunks, approval
//! assignments and votes, dispute statements.
//!
//! Every signed item signs `(payload, context)` under its own signing context constant, so a
//! signature made for one purpose never verifies for another. Signing and checking (the
//! `sign`/`check` methods) need the `std` feature; the types themselves are `no_std`.

mod approval;
mod availability;
mod dispute;
mod inherent;
mod statement;

pub use approval::{
    ApprovalVote, AssignmentCert, AssignmentKind, DelayTranche, IndirectAssignmentCert,
    IndirectSignedApprovalVote, APPROVAL_SIGNING_CONTEXT, ASSIGNMENT_VRF_CONTEXT,
};
pub use availability::{
    AvailabilityBitfield, AvailableData, ErasureChunk, SignedAvailabilityBitfield,
    BITFIELD_SIGNING_CONTEXT,
};
pub use dispute::{
    DisputeStatement, DisputeStatementSet, InvalidDisputeStatementKind, SignedDisputeStatement,
    ValidDisputeStatementKind, DISPUTE_SIGNING_CONTEXT,
};
pub use inherent::{ParaInherentData, MAX_INHERENT_ITEMS};
pub use statement::{
    BackedCandidate, CompactStatement, SignedStatement, SigningContext, Statement,
    ValidityAttestation, BACKING_SIGNING_CONTEXT,
};

/// `f`, the number of faulty validators tolerated among `n`: ⌊(n − 1) / 3⌋.
pub const fn byzantine_threshold(n: usize) -> usize {
    n.saturating_sub(1) / 3
}

/// `n − f`: bitfields for availability, votes to conclude a dispute.
pub const fn supermajority_threshold(n: usize) -> usize {
    n - byzantine_threshold(n)
}

/// `f + 1`: chunks needed to recover available data.
pub const fn recovery_threshold(n: usize) -> usize {
    byzantine_threshold(n) + 1
}
