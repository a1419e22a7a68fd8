//! Offences: equivocation evidence (rule 14), checked in full, and the losers of disputes
//! (rule 24), each recorded once per (session, offender, kind). Equivocations are only
//! recorded; dispute offences come with their slash and disabling (see `disputes`).

use atoll_primitives::crypto;
use atoll_primitives::relay::{
    AuthorEquivocation, RelayHeader, Slot, ValidatorId, VoteEquivocation, SEAL_SIGNING_CONTEXT,
    VOTE_SIGNING_CONTEXT,
};
use atoll_primitives::{BlockNumber, Hash, SessionIndex, ValidatorIndex};
use atoll_runtime_sdk::{Externalities, StorageMap, StorageValue};
use parity_scale_codec::{Decode, Encode};

use crate::error::ChainError;
use crate::events::{self, Phase, RelayEvent};
use crate::session;
use crate::state;

/// What an offender did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode)]
pub enum OffenceKind {
    /// Sealed two different headers for one slot.
    AuthorEquivocation,
    /// Signed two different finality votes for one round and stage.
    VoteEquivocation,
    /// Backed a candidate that a dispute concluded invalid (rule 24).
    BackedInvalid,
    /// Voted valid, without backing, on a candidate a dispute concluded invalid (rule 24).
    ApprovedInvalid,
    /// Voted invalid on a candidate a dispute concluded valid (rule 24).
    DisputedValid,
}

/// A recorded offence.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Offence {
    /// The session it happened in.
    pub session: SessionIndex,
    /// The offender.
    pub offender: ValidatorId,
    /// What it did.
    pub kind: OffenceKind,
    /// The block whose body carried the evidence.
    pub reported_in: BlockNumber,
}

/// Offences by (session, offender, kind): the "recorded once" index.
pub(crate) const REPORTS: StorageMap<(SessionIndex, ValidatorId, OffenceKind), BlockNumber> =
    StorageMap::new(b"Offences:Reports");
/// Every recorded offence, in the order recorded.
pub(crate) const LIST: StorageValue<Vec<Offence>> = StorageValue::new(b"Offences:List");

/// Why evidence was refused (the block carrying it is invalid).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OffenceError {
    /// The two headers are of different slots.
    #[error("headers are of different slots ({first} and {second})")]
    DifferentSlots {
        /// The first header's slot.
        first: Slot,
        /// The second's.
        second: Slot,
    },
    /// The two headers claim different authors.
    #[error("headers claim different authors ({first} and {second})")]
    DifferentAuthors {
        /// The first header's author.
        first: ValidatorIndex,
        /// The second's.
        second: ValidatorIndex,
    },
    /// The two headers (or votes) are the same.
    #[error("the two items are the same ({hash})")]
    NotDifferent {
        /// Their hash (pre-seal hash of headers, target of votes).
        hash: Hash,
    },
    /// The two votes differ in set, round, stage or voter.
    #[error("the votes are of different sets, rounds, stages or voters")]
    DifferentVoteContexts,
    /// Only the current and the previous session are accountable.
    #[error("{session} is neither the current nor the previous session")]
    SessionNotAccountable {
        /// The evidence's session.
        session: SessionIndex,
    },
    /// The slot lies outside the claimed session.
    #[error("{slot} is outside {session}")]
    SlotOutsideSession {
        /// The slot.
        slot: Slot,
        /// The claimed session.
        session: SessionIndex,
    },
    /// The session's validator at that index is not the claimed offender.
    #[error("{index} of {session} is {actual:?}, not the claimed offender {claimed:?}")]
    WrongOffender {
        /// The session.
        session: SessionIndex,
        /// The index in its set.
        index: ValidatorIndex,
        /// Who is there (none if out of range).
        actual: Option<ValidatorId>,
        /// Who the evidence names.
        claimed: ValidatorId,
    },
    /// A seal or vote signature does not verify for the offender.
    #[error("signature over {hash} does not verify for the offender")]
    BadSignature {
        /// The pre-seal hash of the header, or the hash of the vote.
        hash: Hash,
    },
}

/// What checking evidence gives: an error of the evidence, or of the state.
pub(crate) enum EvidenceError {
    /// The evidence is invalid.
    Invalid(OffenceError),
    /// The state could not be read.
    Internal(ChainError),
}

impl From<OffenceError> for EvidenceError {
    fn from(e: OffenceError) -> Self {
        EvidenceError::Invalid(e)
    }
}

impl From<ChainError> for EvidenceError {
    fn from(e: ChainError) -> Self {
        EvidenceError::Internal(e)
    }
}

/// The accountable validator of `session` at `index`, which must be `claimed`.
fn check_offender(
    ext: &mut dyn Externalities,
    session: SessionIndex,
    index: ValidatorIndex,
    claimed: &ValidatorId,
    slot: Option<Slot>,
) -> Result<(), EvidenceError> {
    let set = session::accountable_set(ext, session)?
        .ok_or(OffenceError::SessionNotAccountable { session })?;
    if let Some(slot) = slot {
        if slot < set.start_slot || set.end_slot.is_some_and(|end| slot >= end) {
            return Err(OffenceError::SlotOutsideSession { slot, session }.into());
        }
    }
    let actual = set.validators.get(index.0 as usize).copied();
    if actual.as_ref() != Some(claimed) {
        return Err(
            OffenceError::WrongOffender { session, index, actual, claimed: *claimed }.into()
        );
    }
    Ok(())
}

fn check_seal(header: &RelayHeader, offender: &ValidatorId) -> Result<(), OffenceError> {
    let hash = header.pre_seal_hash();
    if crypto::verify(SEAL_SIGNING_CONTEXT, hash.as_bytes(), &header.seal, offender) {
        Ok(())
    } else {
        Err(OffenceError::BadSignature { hash })
    }
}

/// Rule 14: checks author-equivocation evidence; returns the offence it proves.
pub(crate) fn check_author_equivocation(
    ext: &mut dyn Externalities,
    ev: &AuthorEquivocation,
) -> Result<(SessionIndex, ValidatorId, OffenceKind), EvidenceError> {
    let (a, b) = (&ev.first.pre_digest, &ev.second.pre_digest);
    if a.slot != b.slot {
        return Err(OffenceError::DifferentSlots { first: a.slot, second: b.slot }.into());
    }
    if a.author != b.author {
        return Err(OffenceError::DifferentAuthors { first: a.author, second: b.author }.into());
    }
    let first_hash = ev.first.pre_seal_hash();
    if first_hash == ev.second.pre_seal_hash() {
        return Err(OffenceError::NotDifferent { hash: first_hash }.into());
    }
    check_offender(ext, ev.session, a.author, &ev.offender, Some(a.slot))?;
    check_seal(&ev.first, &ev.offender)?;
    check_seal(&ev.second, &ev.offender)?;
    Ok((ev.session, ev.offender, OffenceKind::AuthorEquivocation))
}

/// Rule 14: checks vote-equivocation evidence; returns the offence it proves.
pub(crate) fn check_vote_equivocation(
    ext: &mut dyn Externalities,
    ev: &VoteEquivocation,
) -> Result<(SessionIndex, ValidatorId, OffenceKind), EvidenceError> {
    let (a, b) = (&ev.first, &ev.second);
    if a.vote.set_id != b.vote.set_id
        || a.vote.round != b.vote.round
        || a.vote.stage != b.vote.stage
        || a.voter != b.voter
    {
        return Err(OffenceError::DifferentVoteContexts.into());
    }
    if (a.vote.target_hash, a.vote.target_number) == (b.vote.target_hash, b.vote.target_number) {
        return Err(OffenceError::NotDifferent { hash: a.vote.target_hash }.into());
    }
    let session = a.vote.set_id;
    check_offender(ext, session, a.voter, &ev.offender, None)?;
    for signed in [a, b] {
        let payload = signed.vote.signing_payload();
        if !crypto::verify(VOTE_SIGNING_CONTEXT, &payload, &signed.signature, &ev.offender) {
            return Err(OffenceError::BadSignature { hash: Hash::of(&payload) }.into());
        }
    }
    Ok((session, ev.offender, OffenceKind::VoteEquivocation))
}

/// Rule 14: records an offence once; a repeated report changes nothing.
pub(crate) fn record(
    ext: &mut dyn Externalities,
    phase: Phase,
    now: BlockNumber,
    (session, offender, kind): (SessionIndex, ValidatorId, OffenceKind),
) -> Result<(), ChainError> {
    let key = (session, offender, kind);
    if state::map_get(ext, &REPORTS, &key)?.is_some() {
        return Ok(());
    }
    REPORTS.insert(ext, &key, &now);
    let mut list = state::value_or_default(ext, &LIST)?;
    list.push(Offence { session, offender, kind, reported_in: now });
    LIST.put(ext, &list);
    events::deposit(ext, phase, RelayEvent::OffenceRecorded { session, offender, kind });
    Ok(())
}
