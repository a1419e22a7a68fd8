//! [`CollationGenerator`]: the collator's side of the protocol (DESIGN.md pipeline step 1,
//! research/protocol.md §4): follow relay blocks, build on the para's recorded head, and hand
//! the collation to the group assigned to the para's core.
//!
//! ## Rules (numbered; the code cites them)
//!
//! 1. A relay block R (the collator's new best) is a relay parent to build on unless the para
//!    is frozen; at most one collation per relay parent.
//! 2. The block builds on the head of R's validation data — the candidate pending
//!    availability if there is one (so that its successor can be backed in the block that
//!    includes it), else the para's recorded head — with R's number and state root as the
//!    relay parent; the validation data must equal what the relay chain computes.
//! 3. The descriptor commits to the para, R, the validation data's hash, the PoV's hash, the
//!    erasure root of (PoV, validation data) for R's validator count, the new head's hash and
//!    the code hash; the collator signs it.
//! 4. The collation goes to every member of the group that backs candidates with relay
//!    parent R.

use std::collections::BTreeSet;

use atoll_parachain_host::erasure;
use atoll_parachain_host::view::RelayParentView;
use atoll_parachain_host::HostMessage;
use atoll_primitives::crypto::Pair;
use atoll_primitives::parachain::AvailableData;
use atoll_primitives::{
    BlockNumber, CandidateDescriptor, CommittedCandidateReceipt, Hash, ParaId,
    PersistedValidationData, PoV, ValidatorIndex,
};

use crate::error::CollatorError;
use crate::node::ParaNode;

/// How a collator behaves: honestly, or as one of the named byzantine stand-ins.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum CollatorBehaviour {
    /// Follows the rules.
    #[default]
    Honest,
    /// Builds two blocks for each relay parent (the second on the same head with what the
    /// first left in the pool) and sends one to half of the group and the other to the rest
    /// ("a collator sending different PoVs").
    EquivocatingPoVs,
    /// When the assigned group is exactly `colluders`, sends a candidate whose PoV does not
    /// execute (its block data is corrupted) but whose commitments claim a new head.
    InvalidPoVTo {
        /// The validators it colludes with.
        colluders: BTreeSet<ValidatorIndex>,
    },
}

/// A collation ready to send: the candidate, its PoV and validation data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadyCollation {
    /// The candidate.
    pub candidate: CommittedCandidateReceipt,
    /// The proof of validity.
    pub pov: PoV,
    /// The validation data.
    pub validation_data: PersistedValidationData,
}

impl ReadyCollation {
    /// The message that carries it to a backer.
    pub fn message(&self) -> HostMessage {
        HostMessage::Collation {
            relay_parent: self.candidate.descriptor.relay_parent,
            candidate: self.candidate.clone(),
            pov: self.pov.clone(),
            validation_data: self.validation_data.clone(),
        }
    }
}

/// The collator's protocol state over a [`ParaNode`].
pub struct CollationGenerator {
    node: ParaNode,
    key: Pair,
    /// Relay parents built on, by (number, hash) so that the oldest are forgotten first.
    built_on: BTreeSet<(BlockNumber, Hash)>,
    behaviour: CollatorBehaviour,
    collations: u64,
}

impl CollationGenerator {
    /// A generator building with `node`, signing with `key`.
    pub fn new(node: ParaNode, key: Pair) -> Self {
        CollationGenerator {
            node,
            key,
            built_on: BTreeSet::new(),
            behaviour: CollatorBehaviour::Honest,
            collations: 0,
        }
    }

    /// Plays a byzantine stand-in.
    pub fn set_behaviour(&mut self, behaviour: CollatorBehaviour) {
        self.behaviour = behaviour;
    }

    /// The para node (its state, head and pool).
    pub fn node(&self) -> &ParaNode {
        &self.node
    }

    /// The para node, mutably (to submit transactions).
    pub fn node_mut(&mut self) -> &mut ParaNode {
        &mut self.node
    }

    /// Collations produced so far.
    pub fn collations(&self) -> u64 {
        self.collations
    }

    /// The para.
    pub fn para_id(&self) -> ParaId {
        self.node.config().para_id
    }

    /// Rules 1–4: the messages to send for relay block `view`, each to a group member.
    pub fn on_relay_parent(
        &mut self,
        view: &RelayParentView,
    ) -> Result<Vec<(ValidatorIndex, HostMessage)>, CollatorError> {
        // Rule 1.
        if view.frozen || view.group.is_empty() || !self.built_on.insert((view.number, view.hash)) {
            return Ok(Vec::new());
        }
        // Keep the memory of relay parents bounded: older ones never come back.
        if self.built_on.len() > 256 {
            self.built_on.pop_first();
        }
        let first = self.collate(view)?;
        self.collations += 1;
        let group = view.group.clone();
        match &self.behaviour {
            CollatorBehaviour::Honest => {
                Ok(group.into_iter().map(|v| (v, first.message())).collect())
            }
            CollatorBehaviour::EquivocatingPoVs => {
                let second = self.collate(view)?;
                let half = group.len().div_ceil(2);
                Ok(group
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        let c = if i < half { &first } else { &second };
                        (*v, c.message())
                    })
                    .collect())
            }
            CollatorBehaviour::InvalidPoVTo { colluders } => {
                let to_colluders = group.iter().all(|v| colluders.contains(v));
                let collation = if to_colluders { self.corrupt(view, first)? } else { first };
                Ok(group.into_iter().map(|v| (v, collation.message())).collect())
            }
        }
    }

    /// Rules 2 and 3: builds on the recorded head. Building twice on one head gives two
    /// different blocks when the pool had transactions the first one took (the equivocating
    /// stand-in's second block).
    fn collate(&mut self, view: &RelayParentView) -> Result<ReadyCollation, CollatorError> {
        let para = self.para_id();
        let collation = self.node.build_block_on(
            &view.para_head,
            view.number,
            view.validation_data.relay_parent_storage_root,
        )?;
        if collation.persisted_validation_data != view.validation_data {
            return Err(CollatorError::ValidationDataMismatch {
                para,
                relay_parent_number: view.number,
            });
        }
        self.finish(view, collation.pov, collation.persisted_validation_data, collation.commitments)
    }

    fn finish(
        &self,
        view: &RelayParentView,
        pov: PoV,
        validation_data: PersistedValidationData,
        commitments: atoll_primitives::CandidateCommitments,
    ) -> Result<ReadyCollation, CollatorError> {
        let para = self.para_id();
        let available = AvailableData { pov, validation_data };
        let erasure_root = erasure::erasure_root(view.n_validators, &available)
            .map_err(|e| CollatorError::Erasure { para, reason: e.to_string() })?;
        let mut descriptor = CandidateDescriptor {
            para_id: para,
            relay_parent: view.hash,
            collator: self.key.public(),
            persisted_validation_data_hash: available.validation_data.hash(),
            pov_hash: available.pov.hash(),
            erasure_root,
            signature: Default::default(),
            para_head: commitments.head_data.hash(),
            validation_code_hash: view.code_hash,
        };
        descriptor.sign(&self.key);
        Ok(ReadyCollation {
            candidate: CommittedCandidateReceipt { descriptor, commitments },
            pov: available.pov,
            validation_data: available.validation_data,
        })
    }

    /// The invalid-PoV stand-in: the same commitments over a block whose data is garbage.
    fn corrupt(
        &self,
        view: &RelayParentView,
        honest: ReadyCollation,
    ) -> Result<ReadyCollation, CollatorError> {
        let mut pov = honest.pov;
        for byte in pov.block_data.0.iter_mut().rev().take(64) {
            *byte ^= 0x5a;
        }
        self.finish(view, pov, honest.validation_data, honest.candidate.commitments)
    }
}
