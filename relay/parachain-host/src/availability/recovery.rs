//! Step 6 of availability: recovering a candidate's [`AvailableData`] from `f + 1` verified
//! chunks for approval checkers and dispute participants ([`Availability::recover`],
//! [`Availability::take_recovered`]), or failing with a [`RecoveryFailure`].

use std::collections::{BTreeMap, BTreeSet};

use atoll_primitives::parachain::{recovery_threshold, AvailableData};
use atoll_primitives::{CandidateHash, CandidateReceipt, ValidatorIndex};

use super::chunk_fetch::chunk_request;
use super::{Availability, RecoveryFailure};
use crate::erasure::{self, ErasureError};
use crate::protocol::{CheckRequest, HostAction, PeerId};

/// A recovery in progress (Step 6).
pub(super) struct Recovery {
    pub(super) requests: Vec<CheckRequest>,
    pub(super) candidate: CandidateReceipt,
    pub(super) n_validators: usize,
    pub(super) received: BTreeMap<ValidatorIndex, Vec<u8>>,
    /// Requests sent, and how many were answered with a good chunk or by a peer that failed.
    pub(super) requested: usize,
    pub(super) good_answers: usize,
    pub(super) failed_peers: BTreeSet<PeerId>,
    pub(super) deadline_ms: u64,
    /// Validators not asked yet, in the order they will be asked.
    pub(super) unasked: Vec<ValidatorIndex>,
    /// When to widen the request if chunks are still missing.
    pub(super) widen_at_ms: u64,
}

impl Recovery {
    /// Step 6: whether `f + 1` chunks are still possible.
    pub(super) fn hopeless(&self) -> bool {
        let answered = self.good_answers + self.failed_peers.len();
        let possible =
            self.received.len() + self.requested.saturating_sub(answered) + self.unasked.len();
        possible < recovery_threshold(self.n_validators)
    }

    /// Step 6: asks `count` more validators for their chunks.
    pub(super) fn ask(&mut self, candidate_hash: CandidateHash, count: usize) -> Vec<HostAction> {
        let take = count.min(self.unasked.len());
        let asked: Vec<ValidatorIndex> = self.unasked.drain(..take).collect();
        self.requested += asked.len();
        asked.into_iter().map(|index| chunk_request(index, candidate_hash, index)).collect()
    }

    /// Step 6: how many more requests keep `f + 1` chunks plus the margin in sight, counting
    /// the outstanding requests as answers to come.
    pub(super) fn shortfall(&self) -> usize {
        let answered = self.good_answers + self.failed_peers.len();
        let outstanding = self.requested.saturating_sub(answered);
        let target = recovery_threshold(self.n_validators) + margin(self.n_validators);
        target.saturating_sub(self.received.len() + outstanding)
    }
}

/// Step 6: extra requests made up front beyond the `f + 1` needed, so that a few slow or
/// withholding validators do not delay recovery.
fn margin(n_validators: usize) -> usize {
    2 + n_validators / 10
}

impl Availability {
    /// Starts recovering a candidate's data from chunks (Step 6): asks `f + 1` plus a margin of
    /// the validators of its session (`n_validators` of them) for their chunks, in an order
    /// that spreads checkers over validators, and more as answers fail or time passes;
    /// completes at once if we hold the data or enough chunks. The result comes out of
    /// [`Availability::take_recovered`].
    pub fn recover(
        &mut self,
        request: CheckRequest,
        n_validators: usize,
        now_ms: u64,
    ) -> Vec<HostAction> {
        let candidate_hash = request.candidate.hash();
        if let Some(data) = self.stored.get(&candidate_hash).and_then(|s| s.data.clone()) {
            self.recovered.push((request, Ok(data)));
            return Vec::new();
        }
        if let Some(recovery) = self.recoveries.get_mut(&candidate_hash) {
            recovery.requests.push(request);
            return Vec::new();
        }
        if n_validators == 0 {
            // The session is unknown: nobody to ask.
            self.recovered.push((request, Err(RecoveryFailure::Unavailable)));
            return Vec::new();
        }
        let root = request.candidate.descriptor.erasure_root;
        // Held chunks (verified when stored) count at once.
        let received: BTreeMap<ValidatorIndex, Vec<u8>> = self
            .stored
            .get(&candidate_hash)
            .map(|s| {
                s.chunks
                    .values()
                    .filter(|c| erasure::verify_chunk(&root, n_validators, c).is_ok())
                    .map(|c| (c.index, c.chunk.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let deadline_ms = now_ms.saturating_add(self.config.recovery_timeout_ms);
        let threshold = recovery_threshold(n_validators);
        let enough = received.len() >= threshold;
        // Start at a place that depends on the candidate and on us, so that checkers of one
        // candidate do not all ask the same validators first.
        let offset = {
            let h = candidate_hash.0 .0;
            let k = self.key.as_ref().map_or([0; 32], |k| k.public().0);
            let word = |b: &[u8; 32]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
            word(&h).wrapping_add(word(&k))
        };
        let unasked: Vec<ValidatorIndex> = (0..n_validators)
            .map(|i| (i + offset) % n_validators)
            .filter_map(|i| u32::try_from(i).ok().map(ValidatorIndex))
            .filter(|i| !received.contains_key(i))
            .collect();
        let widen_at_ms = now_ms.saturating_add(self.config.chunk_retry_ms);
        let mut recovery = Recovery {
            candidate: request.candidate.clone(),
            requests: vec![request],
            n_validators,
            received,
            requested: 0,
            good_answers: 0,
            failed_peers: BTreeSet::new(),
            deadline_ms,
            unasked,
            widen_at_ms,
        };
        let mut actions = Vec::new();
        if !enough {
            let want = threshold.saturating_sub(recovery.received.len()) + margin(n_validators);
            actions = recovery.ask(candidate_hash, want);
            actions.push(HostAction::WakeAt(widen_at_ms.min(deadline_ms)));
            actions.push(HostAction::WakeAt(deadline_ms));
        }
        self.recoveries.insert(candidate_hash, recovery);
        if enough {
            self.reconstruct(candidate_hash);
        }
        actions
    }

    /// Finished recoveries (Step 6), each with the request that asked for it.
    pub fn take_recovered(
        &mut self,
    ) -> Vec<(CheckRequest, Result<AvailableData, RecoveryFailure>)> {
        std::mem::take(&mut self.recovered)
    }
    /// Step 6: reconstructs from the received chunks and finishes the recovery.
    pub(super) fn reconstruct(&mut self, candidate_hash: CandidateHash) {
        let Some(recovery) = self.recoveries.get(&candidate_hash) else { return };
        let n = recovery.n_validators;
        let descriptor = &recovery.candidate.descriptor;
        let chunks = recovery.received.iter().map(|(i, c)| (*i, c.clone()));
        let outcome = match erasure::reconstruct_and_verify(n, &descriptor.erasure_root, chunks) {
            Ok(data) => {
                if data.pov.hash() != descriptor.pov_hash {
                    Err(RecoveryFailure::Invalid(
                        "the recovered PoV does not hash to pov_hash".into(),
                    ))
                } else if data.validation_data.hash() != descriptor.persisted_validation_data_hash {
                    Err(RecoveryFailure::Invalid(
                        "the recovered validation data does not hash to the descriptor's".into(),
                    ))
                } else {
                    Ok(data)
                }
            }
            // Not the candidate's fault: no verdict.
            Err(
                ErasureError::TooFewValidators { .. }
                | ErasureError::TooManyValidators { .. }
                | ErasureError::NotEnoughChunks { .. },
            ) => Err(RecoveryFailure::Unavailable),
            // Verified chunks that do not decode, or re-encode to another root.
            Err(e) => Err(RecoveryFailure::Invalid(e.to_string())),
        };
        self.finish_recovery(candidate_hash, outcome);
    }

    pub(super) fn finish_recovery(
        &mut self,
        candidate_hash: CandidateHash,
        outcome: Result<AvailableData, RecoveryFailure>,
    ) {
        let Some(recovery) = self.recoveries.remove(&candidate_hash) else { return };
        for request in recovery.requests {
            self.recovered.push((request, outcome.clone()));
        }
    }
}
