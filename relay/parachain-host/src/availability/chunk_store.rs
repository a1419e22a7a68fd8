//! Steps 1 and 5 of availability: the chunks (and, for a backer, the full data) we hold of each
//! candidate, storing a backer's data ([`Availability::store_available_data`]) and serving
//! chunks to others ([`Availability::on_chunk_request`]).

use std::collections::BTreeMap;

use atoll_primitives::parachain::{AvailableData, ErasureChunk};
use atoll_primitives::{BlockNumber, CandidateHash, Hash, ValidatorIndex};

use super::{Availability, AvailabilityError};
use crate::erasure;
use crate::protocol::{HostAction, HostMessage, PeerId, Target};

/// What we hold of a candidate (Steps 1 and 2).
pub(super) struct Stored {
    pub(super) chunks: BTreeMap<ValidatorIndex, ErasureChunk>,
    /// The full data, if we backed the candidate.
    pub(super) data: Option<AvailableData>,
    /// The highest block that showed it pending, or the best block when it was stored.
    pub(super) last_seen: BlockNumber,
}

impl Availability {
    /// A backer holds the full data (Step 1): computes every chunk for `n_validators`, checks
    /// the root against `erasure_root` and keeps the chunks and the data. A pending recovery of
    /// the candidate completes with it.
    pub fn store_available_data(
        &mut self,
        candidate_hash: CandidateHash,
        erasure_root: Hash,
        n_validators: usize,
        data: &AvailableData,
    ) -> Result<(), AvailabilityError> {
        let (computed, chunks) = erasure::erasure_chunks(n_validators, data)
            .map_err(|source| AvailabilityError::Erasure { candidate_hash, source })?;
        if computed != erasure_root {
            return Err(AvailabilityError::RootMismatch {
                candidate_hash,
                expected: erasure_root,
                computed,
            });
        }
        let best = self.best_number;
        let stored = self.stored.entry(candidate_hash).or_insert_with(|| Stored {
            chunks: BTreeMap::new(),
            data: None,
            last_seen: best,
        });
        stored.chunks = chunks.into_iter().map(|c| (c.index, c)).collect();
        stored.data = Some(data.clone());
        self.fetches.remove(&candidate_hash);
        if let Some(recovery) = self.recoveries.remove(&candidate_hash) {
            for request in recovery.requests {
                self.recovered.push((request, Ok(data.clone())));
            }
        }
        Ok(())
    }
    /// Someone asks for chunk `index` of a candidate (Step 5): answered with it if held (and we
    /// do not withhold), `None` otherwise.
    pub fn on_chunk_request(
        &self,
        from: PeerId,
        candidate_hash: CandidateHash,
        index: ValidatorIndex,
    ) -> Vec<HostAction> {
        let chunk = if self.withhold {
            None
        } else {
            self.stored.get(&candidate_hash).and_then(|s| s.chunks.get(&index)).cloned()
        };
        vec![HostAction::Send(
            Target::Peer(from),
            HostMessage::ChunkResponse { candidate_hash, chunk },
        )]
    }
    /// The chunk of `index` of a candidate, if we hold it (for checks and tests; the network
    /// asks through [`Availability::on_chunk_request`]).
    pub fn chunk(
        &self,
        candidate_hash: &CandidateHash,
        index: ValidatorIndex,
    ) -> Option<ErasureChunk> {
        self.stored.get(candidate_hash)?.chunks.get(&index).cloned()
    }

    /// Whether we hold a chunk of the candidate (our own, or all of them as a backer).
    pub fn holds_chunk(&self, candidate_hash: &CandidateHash) -> bool {
        self.stored.get(candidate_hash).is_some_and(|s| !s.chunks.is_empty())
    }
}
