//! Disputes on chain (rules 23 and 24): dispute statement sets imported from the para
//! inherent, votes accumulated per candidate, and the consequences of a conclusion — slashes,
//! disabled validators, freed cores, frozen paras.

use atoll_primitives::parachain::{supermajority_threshold, DisputeStatementSet};
use atoll_primitives::relay::ValidatorId;
use atoll_primitives::{crypto, BlockNumber, CandidateHash, ParaId, SessionIndex, ValidatorIndex};
use atoll_runtime_sdk::{Externalities, StorageMap, StorageValue};
use parity_scale_codec::{Decode, Encode};

use crate::balances::{self, Perbill};
use crate::config::HostConfiguration;
use crate::error::{ChainError, ItemError};
use crate::events::{self, RelayEvent};
use crate::inclusion::{self, DropReason};
use crate::offences::{self, OffenceKind};
use crate::para_inherent::ParaContext;
use crate::paras;
use crate::scheduler;
use crate::session;
use crate::state;

/// What the chain knows of a dispute about one candidate.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct DisputeState {
    /// The candidate's para (as the statement sets claim it).
    pub para_id: ParaId,
    /// The session the candidate was backed in; the voters are its validators.
    pub session: SessionIndex,
    /// The validators that said "valid", ascending.
    pub valid: Vec<ValidatorIndex>,
    /// The validators that said "invalid", ascending.
    pub invalid: Vec<ValidatorIndex>,
    /// The valid voters whose statement was a backing one, ascending.
    pub backers: Vec<ValidatorIndex>,
    /// The block that imported the first votes.
    pub opened_at: BlockNumber,
    /// Once concluded: whether the candidate was found valid, and in which block.
    pub concluded: Option<(bool, BlockNumber)>,
}

/// Why a dispute statement set is refused (a block carrying it is invalid; an author drops
/// it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DisputeError {
    /// Only the current and the previous session's validators are known.
    #[error("dispute of {candidate}: {session} is neither the current nor the previous session")]
    SessionNotAccountable {
        /// The candidate.
        candidate: CandidateHash,
        /// The set's session.
        session: SessionIndex,
    },
    /// The chain knows the candidate (or its dispute) under another session.
    #[error("dispute of {candidate} claims {session}; the chain knows it in {known}")]
    SessionMismatch {
        /// The candidate.
        candidate: CandidateHash,
        /// The set's session.
        session: SessionIndex,
        /// The known one.
        known: SessionIndex,
    },
    /// The chain knows the candidate (or its dispute) under another para.
    #[error("dispute of {candidate} claims {para}; the chain knows it of {known}")]
    ParaMismatch {
        /// The candidate.
        candidate: CandidateHash,
        /// The set's para.
        para: ParaId,
        /// The known one.
        known: ParaId,
    },
    /// A set must carry a statement.
    #[error("dispute of {candidate}: no statements")]
    NoStatements {
        /// The candidate.
        candidate: CandidateHash,
    },
    /// A voter is not a validator of the session.
    #[error("dispute of {candidate}: {validator} is not among the session's {validators}")]
    UnknownValidator {
        /// The candidate.
        candidate: CandidateHash,
        /// The voter.
        validator: ValidatorIndex,
        /// The session's validator count.
        validators: u32,
    },
    /// A voter appears twice on one side.
    #[error("dispute of {candidate}: two statements of {validator} (valid: {valid})")]
    DuplicateStatement {
        /// The candidate.
        candidate: CandidateHash,
        /// The voter.
        validator: ValidatorIndex,
        /// The side.
        valid: bool,
    },
    /// A statement's signature does not verify.
    #[error("dispute of {candidate}: bad signature of {validator}")]
    BadSignature {
        /// The candidate.
        candidate: CandidateHash,
        /// The voter.
        validator: ValidatorIndex,
    },
    /// A set that opens a dispute needs a statement on each side (spam gate).
    #[error("dispute of {candidate}: a new dispute needs a valid and an invalid statement")]
    OneSided {
        /// The candidate.
        candidate: CandidateHash,
    },
}

impl From<DisputeError> for ItemError<DisputeError> {
    fn from(e: DisputeError) -> Self {
        ItemError::Invalid(e)
    }
}

/// Disputes by candidate.
pub(crate) const DISPUTES: StorageMap<CandidateHash, DisputeState> =
    StorageMap::new(b"Disputes:State");
/// Every remembered dispute with its session, in the order opened.
pub(crate) const INDEX: StorageValue<Vec<(SessionIndex, CandidateHash)>> =
    StorageValue::new(b"Disputes:Index");
/// The current session's validators disabled by disputes, ascending.
pub(crate) const DISABLED: StorageValue<Vec<ValidatorIndex>> =
    StorageValue::new(b"Disputes:Disabled");

/// The current session's disabled validators.
pub(crate) fn disabled(ext: &mut dyn Externalities) -> Result<Vec<ValidatorIndex>, ChainError> {
    state::value_or_default(ext, &DISABLED)
}

/// Whether a dispute keeps `candidate` from being backed: one is open or concluded against it.
pub(crate) fn blocks_backing(
    ext: &mut dyn Externalities,
    candidate: CandidateHash,
) -> Result<bool, ChainError> {
    Ok(state::map_get(ext, &DISPUTES, &candidate)?
        .is_some_and(|d| !matches!(d.concluded, Some((true, _)))))
}

/// Rule 18: at the start of session `session`, nobody is disabled any more and disputes of
/// sessions more than `dispute_period` ago are forgotten.
pub(crate) fn on_new_session(
    ext: &mut dyn Externalities,
    config: &HostConfiguration,
    session: SessionIndex,
) -> Result<(), ChainError> {
    DISABLED.kill(ext);
    let index = state::value_or_default(ext, &INDEX)?;
    let (old, kept): (Vec<_>, Vec<_>) =
        index.into_iter().partition(|(s, _)| s.0.saturating_add(config.dispute_period) < session.0);
    for (_, candidate) in &old {
        DISPUTES.remove(ext, candidate);
    }
    if !old.is_empty() {
        INDEX.put(ext, &kept);
    }
    Ok(())
}

/// The (para, session) the chain knows `candidate` under: included, or pending on a core.
fn known_candidate(
    ext: &mut dyn Externalities,
    candidate: CandidateHash,
) -> Result<Option<(ParaId, SessionIndex)>, ChainError> {
    if let Some(included) = state::map_get(ext, &inclusion::INCLUDED, &candidate)? {
        return Ok(Some((included.para_id, included.session)));
    }
    for para in scheduler::cores(ext)? {
        if let Some(p) = inclusion::pending(ext, para)?.filter(|p| p.candidate_hash == candidate) {
            return Ok(Some((para, p.session)));
        }
    }
    Ok(None)
}

fn insert_sorted(list: &mut Vec<ValidatorIndex>, v: ValidatorIndex) {
    if let Err(at) = list.binary_search(&v) {
        list.insert(at, v);
    }
}

/// Rule 23: checks `set` and adds its votes to the candidate's dispute; rule 24 when a side
/// reaches `n − f`.
pub(crate) fn import(
    ext: &mut dyn Externalities,
    ctx: &ParaContext,
    set: &DisputeStatementSet,
) -> Result<(), ItemError<DisputeError>> {
    let (candidate, session, para) = (set.candidate_hash, set.session, set.para_id);
    let validators = session::accountable_set(ext, session)?
        .ok_or(DisputeError::SessionNotAccountable { candidate, session })?
        .validators;
    let existing = state::map_get(ext, &DISPUTES, &candidate)?;
    let known = match &existing {
        Some(d) => Some((d.para_id, d.session)),
        None => known_candidate(ext, candidate)?,
    };
    if let Some((known_para, known_session)) = known {
        if known_session != session {
            let known = known_session;
            return Err(DisputeError::SessionMismatch { candidate, session, known }.into());
        }
        if known_para != para {
            return Err(DisputeError::ParaMismatch { candidate, para, known: known_para }.into());
        }
    }
    if set.statements.is_empty() {
        return Err(DisputeError::NoStatements { candidate }.into());
    }
    let mut seen = std::collections::BTreeSet::new();
    for (statement, validator, signature) in &set.statements {
        let validator = *validator;
        let Some(public) = validators.get(validator.0 as usize) else {
            let validators = u32::try_from(validators.len()).unwrap_or(u32::MAX);
            return Err(DisputeError::UnknownValidator { candidate, validator, validators }.into());
        };
        let valid = statement.is_valid();
        if !seen.insert((validator, valid)) {
            return Err(DisputeError::DuplicateStatement { candidate, validator, valid }.into());
        }
        let (context, payload) = statement.signing_payload(candidate, session);
        if !crypto::verify(context, &payload, signature, public) {
            return Err(DisputeError::BadSignature { candidate, validator }.into());
        }
    }
    let two_sided = set.statements.iter().any(|(s, _, _)| s.is_valid())
        && set.statements.iter().any(|(s, _, _)| !s.is_valid());
    let mut dispute = match existing {
        Some(d) if d.concluded.is_some() => return Ok(()),
        Some(d) => d,
        None if !two_sided => return Err(DisputeError::OneSided { candidate }.into()),
        None => {
            let mut index = state::value_or_default(ext, &INDEX)?;
            index.push((session, candidate));
            INDEX.put(ext, &index);
            let event = RelayEvent::DisputeInitiated { candidate_hash: candidate, para_id: para };
            events::deposit(ext, ctx.phase, event);
            DisputeState {
                para_id: para,
                session,
                valid: Vec::new(),
                invalid: Vec::new(),
                backers: Vec::new(),
                opened_at: ctx.now,
                concluded: None,
            }
        }
    };
    for (statement, validator, _) in &set.statements {
        if statement.is_valid() {
            insert_sorted(&mut dispute.valid, *validator);
            if statement.is_backing() {
                insert_sorted(&mut dispute.backers, *validator);
            }
        } else {
            insert_sorted(&mut dispute.invalid, *validator);
        }
    }
    let threshold = supermajority_threshold(validators.len());
    let outcome = if dispute.invalid.len() >= threshold {
        Some(false)
    } else if dispute.valid.len() >= threshold {
        Some(true)
    } else {
        None
    };
    if let Some(valid) = outcome {
        dispute.concluded = Some((valid, ctx.now));
        let para_id = dispute.para_id;
        let event = RelayEvent::DisputeConcluded { candidate_hash: candidate, para_id, valid };
        events::deposit(ext, ctx.phase, event);
        if valid {
            conclude_valid(ext, ctx, &dispute, &validators)?;
        } else {
            conclude_invalid(ext, ctx, candidate, &dispute, &validators)?;
        }
    }
    DISPUTES.insert(ext, &candidate, &dispute);
    Ok(())
}

/// Rule 24: disables `who` for the rest of the current session, if it is one of its
/// validators and fewer than `f` are disabled already (disabling more could stop backing and
/// finality altogether; offenders are disabled in the order they are punished, backers first).
fn disable(
    ext: &mut dyn Externalities,
    ctx: &ParaContext,
    who: &ValidatorId,
) -> Result<(), ChainError> {
    let Some(index) = ctx.validators.iter().position(|v| v == who) else { return Ok(()) };
    let validator = ValidatorIndex(
        u32::try_from(index).map_err(|_| ChainError::Invariant("fewer than 2^32 validators"))?,
    );
    let mut list = disabled(ext)?;
    let cap = atoll_primitives::parachain::byzantine_threshold(ctx.validators.len());
    if list.len() >= cap {
        return Ok(());
    }
    if let Err(at) = list.binary_search(&validator) {
        list.insert(at, validator);
        DISABLED.put(ext, &list);
        events::deposit(ext, ctx.phase, RelayEvent::ValidatorDisabled { validator });
    }
    Ok(())
}

/// Rule 24: records the offence of `who` and slashes `fraction` of its stake (if any), then
/// disables it unless the offence is approving (not backing) an invalid candidate.
fn punish(
    ext: &mut dyn Externalities,
    ctx: &ParaContext,
    session: SessionIndex,
    who: ValidatorId,
    kind: OffenceKind,
    fraction: Option<Perbill>,
) -> Result<(), ChainError> {
    offences::record(ext, ctx.phase, ctx.now, (session, who, kind))?;
    if let Some(fraction) = fraction {
        let amount = balances::slash(ext, &who, fraction)?;
        events::deposit(ext, ctx.phase, RelayEvent::Slashed { validator: who, amount });
    }
    if kind == OffenceKind::ApprovedInvalid {
        return Ok(());
    }
    disable(ext, ctx, &who)
}

/// The ids of `indices` in `validators`.
fn ids(validators: &[ValidatorId], indices: &[ValidatorIndex]) -> Vec<ValidatorId> {
    indices.iter().filter_map(|v| validators.get(v.0 as usize).copied()).collect()
}

/// Rule 24: the candidate is invalid.
fn conclude_invalid(
    ext: &mut dyn Externalities,
    ctx: &ParaContext,
    candidate: CandidateHash,
    dispute: &DisputeState,
    validators: &[ValidatorId],
) -> Result<(), ChainError> {
    let para = dispute.para_id;
    // The backers: backing statements in the dispute and the backers the chain recorded.
    let mut backers = dispute.backers.clone();
    let included = state::map_get(ext, &inclusion::INCLUDED, &candidate)?;
    let pending = inclusion::pending(ext, para)?.filter(|p| p.candidate_hash == candidate);
    let recorded = included.as_ref().map(|i| &i.backers).or(pending.as_ref().map(|p| &p.backers));
    for v in recorded.into_iter().flatten() {
        insert_sorted(&mut backers, *v);
    }
    let approvers: Vec<ValidatorIndex> =
        dispute.valid.iter().filter(|v| backers.binary_search(v).is_err()).copied().collect();
    let (session, config) = (dispute.session, &ctx.config);
    for who in ids(validators, &backers) {
        punish(ext, ctx, session, who, OffenceKind::BackedInvalid, Some(config.slash_backers))?;
    }
    for who in ids(validators, &approvers) {
        let fraction = Some(config.slash_approvers);
        punish(ext, ctx, session, who, OffenceKind::ApprovedInvalid, fraction)?;
    }
    if let Some(pending) = pending {
        inclusion::PENDING.remove(ext, &para);
        let event = RelayEvent::CandidateDisputedInvalid {
            candidate_hash: candidate,
            para_id: para,
            core: pending.core,
        };
        events::deposit(ext, ctx.phase, event);
    }
    if let Some(included) = included {
        paras::set_frozen(ext, para, true)?;
        inclusion::drop_pending(ext, ctx.phase, para, DropReason::ParaFrozen)?;
        let event = RelayEvent::DisputeConcludedAgainstIncluded {
            candidate_hash: candidate,
            para_id: para,
            backed_in: included.backed_in,
            included_in: included.included_in,
        };
        events::deposit(ext, ctx.phase, event);
    }
    Ok(())
}

/// Rule 24: the candidate is valid; its accusers are disabled, nobody is slashed.
fn conclude_valid(
    ext: &mut dyn Externalities,
    ctx: &ParaContext,
    dispute: &DisputeState,
    validators: &[ValidatorId],
) -> Result<(), ChainError> {
    for who in ids(validators, &dispute.invalid) {
        punish(ext, ctx, dispute.session, who, OffenceKind::DisputedValid, None)?;
    }
    Ok(())
}
