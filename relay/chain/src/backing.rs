//! Backed candidates (rule 22): the acceptance checks of a candidate entering a block, and its
//! placement on its para's core, pending availability.

use atoll_primitives::parachain::{
    BackedCandidate, SigningContext, ValidityAttestation, BACKING_SIGNING_CONTEXT,
};
use atoll_primitives::{
    crypto, BlockNumber, CandidateHash, CoreIndex, GroupIndex, Hash, ParaId,
    PersistedValidationData, Sr25519Public, ValidationCodeHash, ValidatorIndex,
};
use atoll_runtime_sdk::Externalities;

use crate::disputes;
use crate::error::{ChainError, ItemError};
use crate::events::{self, RelayEvent};
use crate::inclusion::{self, PendingAvailability, RecentBlock, RECENT_BLOCKS};
use crate::para_inherent::{Mode, ParaContext};
use crate::paras;
use crate::scheduler;
use crate::state;

/// Why a backed candidate is refused (a block carrying it is invalid; an author drops it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackingError {
    /// The para is not registered.
    #[error("candidate of unregistered {para}")]
    UnknownPara {
        /// The para.
        para: ParaId,
    },
    /// The para is frozen by a dispute (rule 24).
    #[error("{para} is frozen")]
    ParaFrozen {
        /// The para.
        para: ParaId,
    },
    /// The para's core already holds a candidate (one per core and per para).
    #[error("{core} of {para} is occupied by {pending}")]
    CoreOccupied {
        /// The para.
        para: ParaId,
        /// Its core.
        core: CoreIndex,
        /// The candidate pending there.
        pending: CandidateHash,
    },
    /// A dispute about the candidate is open or concluded against it.
    #[error("{candidate} of {para} is disputed")]
    CandidateDisputed {
        /// The para.
        para: ParaId,
        /// The candidate.
        candidate: CandidateHash,
    },
    /// The relay parent is not one of the last `max_relay_parent_age` blocks.
    #[error("relay parent {relay_parent} of {para}'s candidate is not a recent block")]
    UnknownRelayParent {
        /// The para.
        para: ParaId,
        /// The relay parent.
        relay_parent: Hash,
    },
    /// The relay parent's child is in an earlier session than the current one.
    #[error("relay parent #{number} of {para}'s candidate is before the session's start")]
    RelayParentInPreviousSession {
        /// The para.
        para: ParaId,
        /// The relay parent's number.
        number: BlockNumber,
    },
    /// The collator's signature does not verify.
    #[error("candidate of {para}: bad signature of collator {collator:?}")]
    BadCollatorSignature {
        /// The para.
        para: ParaId,
        /// The claimed collator.
        collator: Sr25519Public,
    },
    /// The persisted validation data hash is not the one the chain computes.
    #[error("candidate of {para}: validation data hash {got}, expected {expected}")]
    PvdMismatch {
        /// The para.
        para: ParaId,
        /// The chain's.
        expected: Hash,
        /// The descriptor's.
        got: Hash,
    },
    /// The code hash is not the para's current one.
    #[error("candidate of {para}: code hash {got:?}, expected {expected:?}")]
    CodeHashMismatch {
        /// The para.
        para: ParaId,
        /// The current code's.
        expected: ValidationCodeHash,
        /// The descriptor's.
        got: ValidationCodeHash,
    },
    /// The descriptor's head hash is not the hash of the committed head.
    #[error("candidate of {para}: head hash {got}, the head hashes to {expected}")]
    HeadHashMismatch {
        /// Hash of `commitments.head_data`.
        expected: Hash,
        /// The descriptor's `para_head`.
        got: Hash,
        /// The para.
        para: ParaId,
    },
    /// The new head is larger than `max_head_data_size`.
    #[error("candidate of {para}: head of {size} bytes above {max}")]
    HeadTooLarge {
        /// The para.
        para: ParaId,
        /// Its size.
        size: u64,
        /// The limit.
        max: u32,
    },
    /// The new code is empty or larger than `max_code_size`.
    #[error("candidate of {para}: new code of {size} bytes, limit {max} (and not empty)")]
    BadCodeSize {
        /// The para.
        para: ParaId,
        /// Its size.
        size: u64,
        /// The limit.
        max: u32,
    },
    /// The candidate upgrades code while an upgrade is pending.
    #[error("candidate of {para} upgrades code while an upgrade is pending for {at}")]
    UpgradeAlreadyPending {
        /// The para.
        para: ParaId,
        /// When the pending one takes effect.
        at: BlockNumber,
    },
    /// The candidate's messages break a messaging rule (rule 29).
    #[error("candidate of {para}: {error}")]
    Messaging {
        /// The para.
        para: ParaId,
        /// The rule broken.
        error: crate::messaging::MessagingRuleError,
    },
    /// Votes must be sorted by validator, one each.
    #[error("candidate of {para}: vote of {validator} after {previous}, not sorted and unique")]
    VotesUnsorted {
        /// The para.
        para: ParaId,
        /// The voter.
        validator: ValidatorIndex,
        /// The voter before it.
        previous: ValidatorIndex,
    },
    /// A voter is not in the group assigned to the core at the relay parent's child.
    #[error("candidate of {para}: {validator} is not in {group}")]
    NotInGroup {
        /// The para.
        para: ParaId,
        /// The voter.
        validator: ValidatorIndex,
        /// The responsible group.
        group: GroupIndex,
    },
    /// A voter is disabled for the session (rule 24).
    #[error("candidate of {para}: {validator} is disabled")]
    DisabledBacker {
        /// The para.
        para: ParaId,
        /// The voter.
        validator: ValidatorIndex,
    },
    /// A backing signature does not verify.
    #[error("candidate of {para}: bad backing signature of {validator}")]
    BadBackingSignature {
        /// The para.
        para: ParaId,
        /// The voter.
        validator: ValidatorIndex,
    },
    /// Fewer valid votes than `min(group size, minimum_backing_votes)`.
    #[error("candidate of {para}: {votes} backing votes, {needed} needed")]
    InsufficientVotes {
        /// The para.
        para: ParaId,
        /// The valid votes.
        votes: u32,
        /// The votes needed.
        needed: u32,
    },
}

impl From<BackingError> for ItemError<BackingError> {
    fn from(e: BackingError) -> Self {
        ItemError::Invalid(e)
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The relay parent `hash` among the recent blocks.
fn relay_parent(
    ext: &mut dyn Externalities,
    para: ParaId,
    hash: Hash,
) -> Result<RecentBlock, ItemError<BackingError>> {
    let recent = state::value_or_default(ext, &RECENT_BLOCKS)?;
    let found = recent.into_iter().find(|b| b.hash == hash);
    Ok(found.ok_or(BackingError::UnknownRelayParent { para, relay_parent: hash })?)
}

/// The checks of the commitments: sizes, code upgrade, messages.
fn check_commitments(
    ext: &mut dyn Externalities,
    ctx: &ParaContext,
    candidate: &BackedCandidate,
    relay_parent_number: BlockNumber,
) -> Result<(), ItemError<BackingError>> {
    let descriptor = &candidate.candidate.descriptor;
    let commitments = &candidate.candidate.commitments;
    let para = descriptor.para_id;
    let config = &ctx.config;
    let head_hash = commitments.head_data.hash();
    if head_hash != descriptor.para_head {
        return Err(BackingError::HeadHashMismatch {
            para,
            expected: head_hash,
            got: descriptor.para_head,
        }
        .into());
    }
    let head_size = commitments.head_data.0.len();
    if head_size > config.max_head_data_size as usize {
        let max = config.max_head_data_size;
        return Err(BackingError::HeadTooLarge { para, size: head_size as u64, max }.into());
    }
    if let Some(code) = &commitments.new_validation_code {
        if code.0.is_empty() || code.0.len() > config.max_code_size as usize {
            let (size, max) = (code.0.len() as u64, config.max_code_size);
            return Err(BackingError::BadCodeSize { para, size, max }.into());
        }
        if let Some(pending) = state::map_get(ext, &paras::FUTURE_CODE, &para)? {
            return Err(BackingError::UpgradeAlreadyPending { para, at: pending.at }.into());
        }
    }
    // The messaging rules (rule 29).
    if let Err(error) =
        crate::messaging::check_commitments(ext, para, commitments, relay_parent_number)?
    {
        return Err(BackingError::Messaging { para, error }.into());
    }
    Ok(())
}

/// One backing vote's check: in the group, not disabled, signature valid.
fn check_vote(
    ctx: &ParaContext,
    disabled: &[ValidatorIndex],
    members: &[ValidatorIndex],
    (para, group, hash, relay_parent): (ParaId, GroupIndex, CandidateHash, Hash),
    (validator, attestation): &(ValidatorIndex, ValidityAttestation),
) -> Result<(), BackingError> {
    let validator = *validator;
    if !members.contains(&validator) {
        return Err(BackingError::NotInGroup { para, validator, group });
    }
    if disabled.binary_search(&validator).is_ok() {
        return Err(BackingError::DisabledBacker { para, validator });
    }
    let context = SigningContext { session: ctx.session, parent_hash: relay_parent };
    let payload = attestation.to_compact(hash).signing_payload(&context);
    let valid = ctx.validators.get(validator.0 as usize).is_some_and(|public| {
        crypto::verify(BACKING_SIGNING_CONTEXT, &payload, attestation.signature(), public)
    });
    if !valid {
        return Err(BackingError::BadBackingSignature { para, validator });
    }
    Ok(())
}

/// Rule 22: checks `candidate` and puts it on its para's core, pending availability. Returns
/// the candidate as accepted: on import exactly the given one (any bad vote refuses it); an
/// author's keeps only the votes that pass.
pub(crate) fn back(
    ext: &mut dyn Externalities,
    ctx: &ParaContext,
    candidate: &BackedCandidate,
    mode: Mode,
) -> Result<BackedCandidate, ItemError<BackingError>> {
    let descriptor = &candidate.candidate.descriptor;
    let para = descriptor.para_id;
    let core = scheduler::core_of(ext, para)?.ok_or(BackingError::UnknownPara { para })?;
    if paras::is_frozen(ext, para)? {
        return Err(BackingError::ParaFrozen { para }.into());
    }
    if let Some(pending) = inclusion::pending(ext, para)? {
        let pending = pending.candidate_hash;
        return Err(BackingError::CoreOccupied { para, core, pending }.into());
    }
    let hash = candidate.hash();
    if disputes::blocks_backing(ext, hash)? {
        return Err(BackingError::CandidateDisputed { para, candidate: hash }.into());
    }
    let parent = relay_parent(ext, para, descriptor.relay_parent)?;
    let session_start = state::required(ext, &scheduler::SESSION_START_BLOCK)?;
    let child = BlockNumber(parent.number.0.saturating_add(1));
    if child < session_start {
        return Err(
            BackingError::RelayParentInPreviousSession { para, number: parent.number }.into()
        );
    }
    if !descriptor.check_signature() {
        return Err(
            BackingError::BadCollatorSignature { para, collator: descriptor.collator }.into()
        );
    }
    let head = state::map_get(ext, &paras::HEADS, &para)?
        .ok_or(ChainError::Invariant("a registered para has a head"))?;
    let expected = PersistedValidationData {
        parent_head: head,
        relay_parent_number: parent.number,
        relay_parent_storage_root: parent.state_root,
        max_pov_size: ctx.config.max_pov_size,
    }
    .hash();
    if expected != descriptor.persisted_validation_data_hash {
        let got = descriptor.persisted_validation_data_hash;
        return Err(BackingError::PvdMismatch { para, expected, got }.into());
    }
    let code = state::map_get(ext, &paras::CURRENT_CODE, &para)?
        .ok_or(ChainError::Invariant("a registered para has current code"))?;
    if code != descriptor.validation_code_hash {
        let got = descriptor.validation_code_hash;
        return Err(BackingError::CodeHashMismatch { para, expected: code, got }.into());
    }
    check_commitments(ext, ctx, candidate, parent.number)?;

    // The votes: the group of the core at the relay parent's child, in this session.
    let group = scheduler::group_for_core(ext, &ctx.config, core, child)?;
    let members = scheduler::groups(ext)?
        .get(group.0 as usize)
        .cloned()
        .ok_or(ChainError::Invariant("a rotated group index is below the group count"))?;
    let disabled = disputes::disabled(ext)?;
    let ids = (para, group, hash, descriptor.relay_parent);
    let votes = match mode {
        Mode::Import => {
            for (i, vote) in candidate.votes.iter().enumerate() {
                if let Some(previous) = i.checked_sub(1).and_then(|p| candidate.votes.get(p)) {
                    if previous.0 >= vote.0 {
                        let (validator, previous) = (vote.0, previous.0);
                        return Err(
                            BackingError::VotesUnsorted { para, validator, previous }.into()
                        );
                    }
                }
                check_vote(ctx, &disabled, &members, ids, vote)?;
            }
            candidate.votes.clone()
        }
        Mode::Author => {
            let mut votes = candidate.votes.clone();
            votes.sort_by_key(|(v, _)| *v);
            votes.retain(|vote| check_vote(ctx, &disabled, &members, ids, vote).is_ok());
            votes.dedup_by_key(|(v, _)| *v);
            votes
        }
    };
    let needed = members.len().min(ctx.config.minimum_backing_votes as usize);
    if votes.len() < needed {
        let (votes, needed) = (to_u32(votes.len()), to_u32(needed));
        return Err(BackingError::InsufficientVotes { para, votes, needed }.into());
    }

    let backers: Vec<ValidatorIndex> = votes.iter().map(|(v, _)| *v).collect();
    let pending = PendingAvailability {
        core,
        candidate: candidate.candidate.clone(),
        candidate_hash: hash,
        session: ctx.session,
        relay_parent_number: parent.number,
        backing_group: group,
        backers,
        backed_in: ctx.now,
        availability_votes: vec![false; ctx.validators.len()],
    };
    inclusion::PENDING.insert(ext, &para, &pending);
    let event = RelayEvent::CandidateBacked { candidate_hash: hash, para_id: para, core, group };
    events::deposit(ext, ctx.phase, event);
    Ok(BackedCandidate { candidate: candidate.candidate.clone(), votes })
}
