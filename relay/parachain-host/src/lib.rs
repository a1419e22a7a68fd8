//! # atoll-parachain-host
//!
//! The validator side of the parachain protocol (DESIGN.md, pipeline steps 2 to 7) as pure
//! state machines: they take events (a relay block was imported, a message arrived, a
//! validation finished, time passed — with the time as a value) and return [`HostAction`]s
//! ("send this", "validate that with the backing timeout", "wake me at T"). They never read a
//! clock, touch a socket or run wasmtime; the node and the simulator are their shells.
//!
//! ## Bird's-eye view, in the order the types are used
//!
//! - [`view::RelayBlockInfo`]: what the host learns from each imported relay block (session,
//!   groups, cores, para heads, candidates backed and included, concluded disputes).
//! - [`protocol::HostMessage`]: the wire messages (collations, statements, PoV and chunk
//!   fetches, bitfields, assignments, approvals, dispute votes); [`protocol::HostAction`]: the
//!   outputs; [`protocol::ValidationVerdict`]: the shell's answer to a validation request.
//! - [`erasure`]: Reed-Solomon chunks of a candidate's available data, their Merkle root and
//!   proofs, reconstruction from any f + 1.
//! - [`backing::Backing`]: seconding collations and vouching for the group's candidates.
//! - [`availability::Availability`]: the chunk store, bitfield signing and collection, and
//!   recovery from chunks.
//! - [`approval::ApprovalVoting`]: VRF assignments, tranches, no-shows, approval votes and which
//!   blocks are approved.
//! - [`dispute::DisputeCoordinator`]: dispute votes, participation, conclusions, and the
//!   statements a block author puts on chain.
//! - [`ParachainHost`]: routes events between them and is what a shell drives;
//!   [`FinalityGate`]: the finality voting rule it feeds (approved, undisputed blocks only).

pub mod approval;
pub mod availability;
pub mod backing;
pub mod dispute;
pub mod erasure;
pub mod finality_gate;
mod host;
pub mod protocol;
pub mod view;

pub use finality_gate::FinalityGate;
pub use host::{HostConfig, HostStats, Misbehaviour, ParachainHost};
pub use protocol::{
    CheckPurpose, CheckRequest, ExecutionKind, HostAction, HostEvent, HostMessage, PeerId, Target,
    ValidationRequest, ValidationVerdict,
};
pub use view::{RelayBlockInfo, SessionInfo};
