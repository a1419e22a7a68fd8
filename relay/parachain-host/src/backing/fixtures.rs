//! Test fixtures shared with the availability tests: a hand-made relay block with six
//! validators in two groups of three, two paras on two cores, and well-formed collations.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::sync::Arc;

use atoll_primitives::crypto::Pair;
use atoll_primitives::parachain::AvailableData;
use atoll_primitives::{
    BlockData, BlockNumber, CandidateCommitments, CandidateDescriptor, CandidateHash,
    CommittedCandidateReceipt, CoreIndex, GroupIndex, Hash, HeadData, ParaId,
    PersistedValidationData, PoV, SessionIndex, ValidationCode, ValidationResult, ValidatorIndex,
};

use crate::view::{CoreInfo, OccupiedCore, ParaData, RelayBlockInfo, SessionInfo};

/// Number of validators.
pub const N: usize = 6;
/// The para on core 0 (group 0: validators 0, 1, 2).
pub const PARA_A: ParaId = ParaId(100);
/// The para on core 1 (group 1: validators 3, 4, 5).
pub const PARA_B: ParaId = ParaId(200);

pub fn key(i: usize) -> Pair {
    Pair::from_seed(&[i as u8 + 1; 32])
}

pub fn session() -> Arc<SessionInfo> {
    Arc::new(SessionInfo {
        session: SessionIndex(3),
        validators: (0..N).map(|i| key(i).public()).collect(),
        groups: vec![
            vec![ValidatorIndex(0), ValidatorIndex(1), ValidatorIndex(2)],
            vec![ValidatorIndex(3), ValidatorIndex(4), ValidatorIndex(5)],
        ],
        n_cores: 2,
        minimum_backing_votes: 2,
        needed_approvals: 2,
        relay_vrf_modulo_samples: 1,
        n_delay_tranches: 4,
        tranche_ms: 250,
        no_show_ms: 2_000,
    })
}

pub fn code(para: ParaId) -> ValidationCode {
    ValidationCode(format!("code of {para}").into_bytes())
}

pub fn validation_data(para: ParaId, number: u32) -> PersistedValidationData {
    PersistedValidationData {
        parent_head: HeadData(format!("head of {para}").into_bytes()),
        relay_parent_number: BlockNumber(number),
        relay_parent_storage_root: Hash([number as u8; 32]),
        max_pov_size: 1 << 20,
    }
}

/// A relay block at height `number` with free cores.
pub fn block(number: u32) -> RelayBlockInfo {
    block_on(number, Hash::of(&number.to_le_bytes()))
}

/// A relay block at height `number` with a chosen hash.
pub fn block_on(number: u32, hash: Hash) -> RelayBlockInfo {
    let cores = [PARA_A, PARA_B]
        .iter()
        .enumerate()
        .map(|(i, para)| CoreInfo {
            core: CoreIndex(i as u32),
            para_id: *para,
            group: GroupIndex(i as u32),
            occupied: None,
            frozen: false,
        })
        .collect();
    let paras: BTreeMap<_, _> = [PARA_A, PARA_B]
        .iter()
        .map(|para| {
            let data = ParaData {
                head: HeadData(format!("head of {para}").into_bytes()),
                code_hash: code(*para).hash(),
                validation_data: validation_data(*para, number),
            };
            (*para, data)
        })
        .collect();
    RelayBlockInfo {
        hash,
        parent_hash: Hash::of(&number.saturating_sub(1).to_le_bytes()),
        number: BlockNumber(number),
        slot_start_ms: u64::from(number) * 6_000,
        state_root: Hash([number as u8; 32]),
        session: session(),
        disabled: Vec::new(),
        cores,
        paras,
        included: Vec::new(),
        backed: Vec::new(),
        concluded_disputes: Vec::new(),
        approval_story: [0; 32],
    }
}

/// A well-formed collation of `para` on `info`; `salt` makes distinct candidates.
pub fn collation(
    info: &RelayBlockInfo,
    para: ParaId,
    salt: u8,
) -> (CommittedCandidateReceipt, PoV, PersistedValidationData) {
    let pov = PoV { block_data: BlockData(vec![salt; 64 + salt as usize]) };
    let validation_data = info.paras[&para].validation_data.clone();
    let commitments =
        CandidateCommitments { head_data: HeadData(vec![salt, 1, 2, 3]), ..Default::default() };
    let data = AvailableData { pov: pov.clone(), validation_data: validation_data.clone() };
    let erasure_root = crate::erasure::erasure_root(N, &data).unwrap();
    let mut descriptor = CandidateDescriptor {
        para_id: para,
        relay_parent: info.hash,
        collator: key(99).public(),
        persisted_validation_data_hash: validation_data.hash(),
        pov_hash: pov.hash(),
        erasure_root,
        signature: Default::default(),
        para_head: commitments.head_data.hash(),
        validation_code_hash: code(para).hash(),
    };
    descriptor.sign(&key(99));
    (CommittedCandidateReceipt { descriptor, commitments }, pov, validation_data)
}

/// The validation result matching a candidate's commitments.
pub fn result_of(candidate: &CommittedCandidateReceipt) -> ValidationResult {
    candidate.commitments.clone().into()
}

/// `info` with `candidate` pending availability on its para's core, backed by `backers`.
pub fn occupy(
    info: &mut RelayBlockInfo,
    candidate: &CommittedCandidateReceipt,
    backers: &[u32],
) -> CandidateHash {
    let hash = candidate.hash();
    let core = info.cores.iter_mut().find(|c| c.para_id == candidate.descriptor.para_id).unwrap();
    core.occupied = Some(OccupiedCore {
        candidate: candidate.to_plain(),
        candidate_hash: hash,
        backing_group: core.group,
        backers: backers.iter().map(|i| ValidatorIndex(*i)).collect(),
        backed_in: info.number,
    });
    hash
}
