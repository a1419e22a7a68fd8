//! Availability bitfields (rule 20): checked, then counted for the candidates pending on the
//! cores they attest; a candidate with `n − f` attestations is enacted.

use atoll_primitives::parachain::{
    supermajority_threshold, SignedAvailabilityBitfield, SigningContext,
};
use atoll_primitives::ValidatorIndex;
use atoll_runtime_sdk::Externalities;

use crate::error::{ChainError, ItemError};
use crate::inclusion::{self, PendingAvailability};
use crate::para_inherent::{Mode, ParaContext};
use crate::scheduler;

/// Why a bitfield is invalid (a block carrying it is invalid; an author drops it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BitfieldError {
    /// The signer is not a validator of the current session.
    #[error("bitfield of {validator}: not a validator of the session's {validators}")]
    UnknownValidator {
        /// The claimed signer.
        validator: ValidatorIndex,
        /// The session's validator count.
        validators: u32,
    },
    /// Bitfields must be sorted by validator, one per validator.
    #[error("bitfield of {validator} after one of {previous}: not sorted and unique")]
    Unsorted {
        /// The signer.
        validator: ValidatorIndex,
        /// The signer of the bitfield before it.
        previous: ValidatorIndex,
    },
    /// A bitfield has one bit per core.
    #[error("bitfield of {validator} has {len} bits for {cores} cores")]
    WrongLength {
        /// The signer.
        validator: ValidatorIndex,
        /// Its length.
        len: u32,
        /// The number of cores.
        cores: u32,
    },
    /// The signature does not verify in the block's signing context.
    #[error("bitfield of {validator}: bad signature")]
    BadSignature {
        /// The claimed signer.
        validator: ValidatorIndex,
    },
}

impl From<BitfieldError> for ItemError<BitfieldError> {
    fn from(e: BitfieldError) -> Self {
        ItemError::Invalid(e)
    }
}

fn check_one(
    ctx: &ParaContext,
    n_cores: usize,
    bitfield: &SignedAvailabilityBitfield,
) -> Result<(), BitfieldError> {
    let validator = bitfield.validator;
    let Some(public) = ctx.validators.get(validator.0 as usize) else {
        let validators = u32::try_from(ctx.validators.len()).unwrap_or(u32::MAX);
        return Err(BitfieldError::UnknownValidator { validator, validators });
    };
    if bitfield.payload.0.len() != n_cores {
        return Err(BitfieldError::WrongLength {
            validator,
            len: u32::try_from(bitfield.payload.0.len()).unwrap_or(u32::MAX),
            cores: u32::try_from(n_cores).unwrap_or(u32::MAX),
        });
    }
    let context = SigningContext { session: ctx.session, parent_hash: ctx.parent_hash };
    if !bitfield.check(&context, public) {
        return Err(BitfieldError::BadSignature { validator });
    }
    Ok(())
}

/// Rule 20: the valid bitfields of `bitfields`. On import every one must be valid, sorted by
/// validator and unique; an author sorts them, drops the invalid ones and keeps the first
/// valid one of each validator.
pub(crate) fn check(
    ext: &mut dyn Externalities,
    ctx: &ParaContext,
    bitfields: &[SignedAvailabilityBitfield],
    mode: Mode,
) -> Result<Vec<SignedAvailabilityBitfield>, ItemError<BitfieldError>> {
    let n_cores = scheduler::cores(ext)?.len();
    match mode {
        Mode::Import => {
            for (i, bitfield) in bitfields.iter().enumerate() {
                if let Some(previous) = i.checked_sub(1).and_then(|p| bitfields.get(p)) {
                    if previous.validator >= bitfield.validator {
                        return Err(BitfieldError::Unsorted {
                            validator: bitfield.validator,
                            previous: previous.validator,
                        }
                        .into());
                    }
                }
                check_one(ctx, n_cores, bitfield)?;
            }
            Ok(bitfields.to_vec())
        }
        Mode::Author => {
            let mut sorted = bitfields.to_vec();
            sorted.sort_by_key(|b| b.validator);
            sorted.retain(|b| check_one(ctx, n_cores, b).is_ok());
            sorted.dedup_by_key(|b| b.validator);
            Ok(sorted)
        }
    }
}

/// Rule 20: counts the (checked) `bitfields` for the pending candidates and enacts, in core
/// order, those that reach `n − f` attestations. Bits for free cores are ignored.
pub(crate) fn apply(
    ext: &mut dyn Externalities,
    ctx: &ParaContext,
    bitfields: &[SignedAvailabilityBitfield],
) -> Result<(), ChainError> {
    let cores = scheduler::cores(ext)?;
    let mut pending: Vec<Option<PendingAvailability>> = Vec::with_capacity(cores.len());
    for para in &cores {
        pending.push(inclusion::pending(ext, *para)?);
    }
    let mut changed = vec![false; cores.len()];
    for bitfield in bitfields {
        let voter = bitfield.validator.0 as usize;
        for (core, bit) in bitfield.payload.0.iter().enumerate() {
            let Some(Some(candidate)) = pending.get_mut(core).filter(|_| *bit) else { continue };
            if let Some(vote) = candidate.availability_votes.get_mut(voter) {
                if !*vote {
                    *vote = true;
                    changed[core] = true;
                }
            }
        }
    }
    let threshold = supermajority_threshold(ctx.validators.len());
    for ((para, candidate), changed) in cores.iter().zip(pending).zip(changed) {
        let Some(candidate) = candidate.filter(|_| changed) else { continue };
        if candidate.availability_count() >= threshold {
            inclusion::enact(ext, &ctx.config, ctx.phase, ctx.now, candidate)?;
        } else {
            inclusion::PENDING.insert(ext, para, &candidate);
        }
    }
    Ok(())
}
