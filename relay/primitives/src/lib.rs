//! # atoll-primitives
//!
//! The types every other Atoll crate speaks: the relay chain, the parachain host, the PVF host,
//! the runtime SDK inside Wasm, the collator and the tools. The crate is `no_std` (with `alloc`)
//! so that parachain runtimes compiled to `wasm32-unknown-unknown` use the very same types and
//! encodings as the validators that check them.
//!
//! Every wire and storage format is SCALE (`parity-scale-codec`); every hash is blake2b-256.
//!
//! ## Bird's-eye view, in the order the types are used
//!
//! - [`ids`]: newtype identifiers ([`ParaId`], [`ValidatorIndex`], [`CoreIndex`],
//!   [`GroupIndex`], [`SessionIndex`], [`BlockNumber`]); never bare integers.
//! - [`hashing`]: [`Hash`](struct@Hash) and [`blake2_256`]. Inside a Wasm runtime the hash is computed by the
//!   host (see [`host_abi`]), natively by the `blake2` crate; both give the same bytes.
//! - [`keys`]: sr25519 [`Sr25519Public`] and [`Sr25519Signature`] as plain byte newtypes.
//! - [`validation`]: what a collator hands to validators and what the PVF returns:
//!   [`HeadData`], [`ValidationCode`], [`BlockData`], [`PoV`], [`PersistedValidationData`],
//!   [`ValidationParams`] (the input of `validate_block`), [`ValidationResult`] (its output),
//!   and the message types carried in commitments.
//! - [`candidate`]: [`CandidateDescriptor`], [`CandidateCommitments`], [`CandidateReceipt`],
//!   [`CommittedCandidateReceipt`] and [`CandidateHash`] (the hash of the descriptor together
//!   with the hash of the commitments).
//! - [`relay`]: relay block headers with their slot/VRF pre-digest and seal, finality votes and
//!   justifications, equivocation evidence.
//! - [`parachain`]: backing statements, availability bitfields and chunks, approval
//!   assignments and votes, dispute statements, and the relay block's para inherent.
//! - [`messaging`]: what the relay chain stores for DMP, UMP and HRMP (queues, channels, the
//!   message-queue chain) and the inbound messages and relay-state proof a para block carries.
//! - [`limits`]: the protocol's size limits and timeouts from DESIGN.md, as constants.
//! - [`bounded`]: decoding untrusted bytes with a size limit and no trailing bytes.
//! - [`host_abi`]: the contract between a Wasm runtime and its host: export names, import names,
//!   the signing context, how pointers and lengths are packed.
//! - `crypto` (with the `std` feature): sr25519 key pairs, the dev keyring (`//Alice` ...
//!   `//Ferdie`), deterministic signing, single and batch verification.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod bounded;
pub mod candidate;
#[cfg(feature = "std")]
pub mod crypto;
pub mod hashing;
pub mod host_abi;
pub mod ids;
pub mod keys;
pub mod limits;
pub mod messaging;
pub mod parachain;
pub mod relay;
pub mod scale_vec;
#[cfg(feature = "std")]
pub mod ss58;
pub mod validation;

pub use bounded::{decode_bounded, DecodeError};
pub use candidate::{
    CandidateCommitments, CandidateDescriptor, CandidateHash, CandidateReceipt,
    CommittedCandidateReceipt,
};
pub use hashing::{blake2_256, Hash};
pub use ids::{BlockNumber, CoreIndex, GroupIndex, ParaId, SessionIndex, ValidatorIndex};
pub use keys::{Sr25519Public, Sr25519Signature};
pub use validation::{
    BlockData, HeadData, OutboundHrmpMessage, PersistedValidationData, PoV, UpwardMessage,
    ValidationCode, ValidationCodeHash, ValidationParams, ValidationResult,
};
