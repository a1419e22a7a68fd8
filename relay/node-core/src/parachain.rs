//! What the parachain host and the collator learn from an imported relay block, read from the
//! block and its state: [`relay_block_info`] (a validator's host) and [`collator_view`] (a
//! collator). [`SessionCache`] keeps one [`SessionInfo`] per session so that the validator
//! list is read once per session, not once per block.

use std::collections::BTreeMap;
use std::sync::Arc;

use atoll_parachain_host::view::{
    BackedInBlock, ConcludedDispute, CoreInfo, IncludedCandidate, OccupiedCore, ParaData,
    RelayParentView,
};
use atoll_parachain_host::{RelayBlockInfo, SessionInfo};
use atoll_primitives::relay::RelayHeader;
use atoll_primitives::{blake2_256, ParaId, SessionIndex, ValidatorIndex};
use atoll_relay_chain::{ChainError, RelayBlock, RelayEvent, RelayExtrinsic};
use atoll_trie::StateDb;

/// One [`SessionInfo`] per session, shared by every block of it.
#[derive(Default)]
pub struct SessionCache {
    sessions: BTreeMap<SessionIndex, Arc<SessionInfo>>,
}

impl SessionCache {
    /// The session of the state at `header`, read from it the first time.
    pub fn get(
        &mut self,
        db: &StateDb,
        header: &RelayHeader,
    ) -> Result<Arc<SessionInfo>, ChainError> {
        let root = &header.state_root;
        let session = atoll_relay_chain::session_index(db, root)?;
        if let Some(info) = self.sessions.get(&session) {
            return Ok(info.clone());
        }
        let config = atoll_relay_chain::config(db, root)?;
        let validators = atoll_relay_chain::validators(db, root)?;
        let groups = atoll_relay_chain::validator_groups(db, root)?;
        let n_cores = atoll_relay_chain::paras(db, root)?.len() as u32;
        let n = validators.len() as u32;
        let info = Arc::new(SessionInfo {
            session,
            validators,
            groups,
            n_cores,
            minimum_backing_votes: config.minimum_backing_votes,
            needed_approvals: config.needed_approvals.min(n.saturating_sub(1)).max(1),
            relay_vrf_modulo_samples: config.relay_vrf_modulo_samples,
            n_delay_tranches: config.n_delay_tranches,
            tranche_ms: config.tranche_duration_ms,
            no_show_ms: config.slot_duration_ms.saturating_mul(config.no_show_slots.into()),
        });
        // Sessions are few; keep the last handful.
        if self.sessions.len() >= 8 {
            self.sessions.pop_first();
        }
        self.sessions.insert(session, info.clone());
        Ok(info)
    }
}

/// The host's view of an imported block (see [`RelayBlockInfo`]'s fields).
pub fn relay_block_info(
    db: &StateDb,
    header: &RelayHeader,
    block: &RelayBlock,
    sessions: &mut SessionCache,
) -> Result<RelayBlockInfo, ChainError> {
    let root = &header.state_root;
    let session = sessions.get(db, header)?;
    let config = atoll_relay_chain::config(db, root)?;
    let cores: Vec<CoreInfo> = atoll_relay_chain::availability_cores(db, root)?
        .into_iter()
        .map(|c| CoreInfo {
            core: c.core,
            para_id: c.para_id,
            group: c.next_group,
            occupied: c.pending.map(|p| OccupiedCore {
                candidate: p.candidate.to_plain(),
                candidate_hash: p.candidate_hash,
                backing_group: p.backing_group,
                backers: p.backers,
                backed_in: p.backed_in,
            }),
            frozen: c.frozen,
        })
        .collect();
    let mut paras = BTreeMap::new();
    for core in &cores {
        let para = core.para_id;
        let (Some(head), Some(code_hash), Some(validation_data)) = (
            atoll_relay_chain::para_head(db, root, para)?,
            atoll_relay_chain::para_code_hash(db, root, para)?,
            atoll_relay_chain::persisted_validation_data(db, root, para)?,
        ) else {
            continue;
        };
        paras.insert(para, ParaData { head, code_hash, validation_data });
    }
    // The backed candidates of the block's inherent, hashed once each.
    let backed_in_block: BTreeMap<_, _> = block
        .body
        .iter()
        .filter_map(|xt| match xt {
            RelayExtrinsic::ParaInherent(data) => Some(&data.backed_candidates),
            _ => None,
        })
        .flatten()
        .map(|b| (b.hash(), b))
        .collect();
    let mut included = Vec::new();
    let mut backed = Vec::new();
    let mut concluded_disputes = Vec::new();
    for record in atoll_relay_chain::events(db, root)? {
        match record.event {
            RelayEvent::CandidateIncluded { candidate, core, group, .. } => {
                included.push(IncludedCandidate {
                    candidate_hash: candidate.hash(),
                    candidate,
                    core,
                    backing_group: group,
                });
            }
            RelayEvent::CandidateBacked { candidate_hash, core, .. } => {
                if let Some(b) = backed_in_block.get(&candidate_hash) {
                    backed.push(BackedInBlock {
                        candidate: b.candidate.clone(),
                        candidate_hash,
                        core,
                        votes: b.votes.clone(),
                    });
                }
            }
            RelayEvent::DisputeConcluded { candidate_hash, valid, .. } => {
                concluded_disputes.push(ConcludedDispute { candidate_hash, valid });
            }
            _ => {}
        }
    }
    let disabled = atoll_relay_chain::disabled_validators(db, root)?;
    Ok(RelayBlockInfo {
        hash: header.hash(),
        parent_hash: header.parent_hash,
        number: header.number,
        slot_start_ms: header.pre_digest.slot.0.saturating_mul(config.slot_duration_ms),
        state_root: *root,
        session,
        disabled,
        cores,
        paras,
        included,
        backed,
        concluded_disputes,
        approval_story: approval_story(header),
    })
}

/// The randomness approval assignments of a block's candidates are drawn from: the hash of the
/// author's slot VRF output, which nobody knew before the block.
pub fn approval_story(header: &RelayHeader) -> [u8; 32] {
    let mut input = b"atoll-approval-story".to_vec();
    input.extend_from_slice(&header.pre_digest.vrf_output);
    blake2_256(&input)
}

/// What the collator of `para` builds on at `header`; `None` if the para is not registered.
pub fn collator_view(
    db: &StateDb,
    header: &RelayHeader,
    para: ParaId,
    sessions: &mut SessionCache,
) -> Result<Option<RelayParentView>, ChainError> {
    let root = &header.state_root;
    let session = sessions.get(db, header)?;
    let Some(core) =
        atoll_relay_chain::availability_cores(db, root)?.into_iter().find(|c| c.para_id == para)
    else {
        return Ok(None);
    };
    let (Some(code_hash), Some(validation_data)) = (
        atoll_relay_chain::para_code_hash(db, root, para)?,
        atoll_relay_chain::persisted_validation_data(db, root, para)?,
    ) else {
        return Ok(None);
    };
    // The chain's validation data builds on the candidate pending availability, if any: a
    // candidate on it can be backed in the block that includes its parent.
    let para_head = validation_data.parent_head.clone();
    let group: Vec<ValidatorIndex> =
        session.groups.get(core.next_group.0 as usize).cloned().unwrap_or_default();
    Ok(Some(RelayParentView {
        hash: header.hash(),
        number: header.number,
        para_head,
        validation_data,
        code_hash,
        group,
        n_validators: session.validators.len(),
        frozen: core.frozen,
    }))
}
