//! The para inherent (rules 18 and 19): the parachain part of each block's start, and the one
//! unsigned extrinsic that carries dispute statements, availability bitfields and backed
//! candidates, processed in that order with the availability timeouts between the last two.
//!
//! Import and authoring share this code: on import any invalid item makes the block invalid;
//! an author runs the same checks item by item and leaves out what fails, so an authored block
//! always imports ([`sanitize_para_inherent`] gives the result without building a block).

use atoll_primitives::parachain::{ParaInherentData, MAX_INHERENT_ITEMS};
use atoll_primitives::relay::{RelayHeader, Slot, ValidatorId};
use atoll_primitives::{BlockNumber, Hash, SessionIndex};
use atoll_runtime_sdk::externalities::Transaction;
use atoll_runtime_sdk::Externalities;
use atoll_trie::StateDb;

use crate::availability::{self, BitfieldError};
use crate::backing::{self, BackingError};
use crate::config::{self, HostConfiguration};
use crate::disputes::{self, DisputeError};
use crate::error::{ChainError, ItemError};
use crate::events::Phase;
use crate::inclusion;
use crate::scheduler;
use crate::session;
use crate::state::{self, RelayExt};

/// Why a block's para inherent is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParaInherentError {
    /// More items of one kind than [`MAX_INHERENT_ITEMS`].
    #[error("{count} {kind}, at most {max}")]
    TooManyItems {
        /// Which list.
        kind: &'static str,
        /// Its length.
        count: u32,
        /// The limit.
        max: u32,
    },
    /// A dispute statement set is invalid (rule 23).
    #[error(transparent)]
    Dispute(#[from] DisputeError),
    /// A bitfield is invalid (rule 20).
    #[error(transparent)]
    Bitfield(#[from] BitfieldError),
    /// A backed candidate is refused (rule 22).
    #[error(transparent)]
    Backing(#[from] BackingError),
}

/// Whether invalid items are errors (import) or dropped (authoring).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Every item must be valid.
    Import,
    /// Invalid items are left out.
    Author,
}

/// What the inherent's items are checked against.
pub(crate) struct ParaContext {
    /// The block's number.
    pub(crate) now: BlockNumber,
    /// The block's parent (the bitfields' signing context).
    pub(crate) parent_hash: Hash,
    /// The phase of the inherent's events.
    pub(crate) phase: Phase,
    /// The current session.
    pub(crate) session: SessionIndex,
    /// Its validators.
    pub(crate) validators: Vec<ValidatorId>,
    /// Its configuration.
    pub(crate) config: HostConfiguration,
}

/// Rule 18: the parachain part of the start of block `now` on `parent`, after the session
/// rules; `new_session` when this block started a session.
pub(crate) fn on_block_start(
    ext: &mut dyn Externalities,
    parent: &RelayHeader,
    now: BlockNumber,
    new_session: bool,
) -> Result<(), ChainError> {
    let config = config::active(ext)?;
    if new_session {
        let session = state::required(ext, &session::CURRENT_INDEX)?;
        scheduler::on_new_session(ext, &config, now)?;
        inclusion::on_new_session(ext, &config, session, now)?;
        disputes::on_new_session(ext, &config, session)?;
    }
    inclusion::note_parent(ext, &config, parent)
}

fn lift<E: Into<ParaInherentError>>(e: ItemError<E>) -> ItemError<ParaInherentError> {
    match e {
        ItemError::Invalid(e) => ItemError::Invalid(e.into()),
        ItemError::Internal(e) => ItemError::Internal(e),
    }
}

/// On import, refuses a list longer than [`MAX_INHERENT_ITEMS`]; an author truncates it.
fn bounded<'a, T>(
    list: &'a [T],
    kind: &'static str,
    mode: Mode,
) -> Result<&'a [T], ItemError<ParaInherentError>> {
    if list.len() <= MAX_INHERENT_ITEMS {
        return Ok(list);
    }
    match mode {
        Mode::Author => Ok(&list[..MAX_INHERENT_ITEMS]),
        Mode::Import => {
            let count = u32::try_from(list.len()).unwrap_or(u32::MAX);
            let max = u32::try_from(MAX_INHERENT_ITEMS).unwrap_or(u32::MAX);
            Err(ItemError::Invalid(ParaInherentError::TooManyItems { kind, count, max }))
        }
    }
}

/// Applies `item` with `apply` in a layer of its own: kept on success; on import an invalid
/// item is an error, an author drops it without a trace.
fn try_item<T, E: Into<ParaInherentError>>(
    ext: &mut dyn Externalities,
    mode: Mode,
    apply: impl FnOnce(&mut dyn Externalities) -> Result<T, ItemError<E>>,
) -> Result<Option<T>, ItemError<ParaInherentError>> {
    let mut layer = Transaction::new(ext);
    match apply(&mut layer) {
        Ok(kept) => {
            layer.commit();
            Ok(Some(kept))
        }
        Err(ItemError::Invalid(e)) if mode == Mode::Author => {
            let e: ParaInherentError = e.into();
            tracing::debug!(target: "relay-chain", error = %e, "para inherent item dropped");
            Ok(None)
        }
        Err(e) => Err(lift(e)),
    }
}

/// Rule 19: applies the para inherent `data` (empty for a block without one) to block `now`
/// with parent `parent_hash`; returns what was applied (all of it on import).
pub(crate) fn enter(
    ext: &mut dyn Externalities,
    parent_hash: Hash,
    now: BlockNumber,
    phase: Phase,
    data: &ParaInherentData,
    mode: Mode,
) -> Result<ParaInherentData, ItemError<ParaInherentError>> {
    if data.is_empty() {
        // What the steps below do with no item: only the timeouts.
        let config = config::active(ext)?;
        inclusion::time_out(ext, &config, phase, now)?;
        return Ok(ParaInherentData::default());
    }
    let ctx = ParaContext {
        now,
        parent_hash,
        phase,
        session: state::required(ext, &session::CURRENT_INDEX)?,
        validators: state::required(ext, &session::VALIDATORS)?,
        config: config::active(ext)?,
    };
    let mut kept = ParaInherentData::default();
    // a. Disputes.
    for set in bounded(&data.disputes, "dispute statement sets", mode)? {
        if try_item(ext, mode, |ext| disputes::import(ext, &ctx, set))?.is_some() {
            kept.disputes.push(set.clone());
        }
    }
    // b. Bitfields.
    let bitfields = bounded(&data.bitfields, "bitfields", mode)?;
    kept.bitfields = availability::check(ext, &ctx, bitfields, mode).map_err(lift)?;
    availability::apply(ext, &ctx, &kept.bitfields)?;
    // c. Timeouts.
    inclusion::time_out(ext, &ctx.config, phase, now)?;
    // d. Backed candidates.
    for candidate in bounded(&data.backed_candidates, "backed candidates", mode)? {
        if let Some(accepted) =
            try_item(ext, mode, |ext| backing::back(ext, &ctx, candidate, mode))?
        {
            kept.backed_candidates.push(accepted);
        }
    }
    Ok(kept)
}

/// What an author's block on `parent` at `slot` would keep of `data`: every dispute set,
/// bitfield and candidate that is valid there (in the order given, bitfields sorted by
/// validator, votes that fail removed from candidates). [`crate::build_block`] does the same
/// when it meets a para inherent among its candidates.
pub fn sanitize_para_inherent(
    db: &StateDb,
    parent: &RelayHeader,
    slot: Slot,
    data: &ParaInherentData,
) -> Result<ParaInherentData, ChainError> {
    let mut ext = RelayExt::new(db, parent.state_root);
    let now = parent
        .number
        .0
        .checked_add(1)
        .map(BlockNumber)
        .ok_or(ChainError::Invariant("block numbers fit in u32"))?;
    let kept = session::on_block_start(&mut ext, parent, slot)
        .and_then(|new_session| on_block_start(&mut ext, parent, now, new_session))
        .and_then(|()| {
            let phase = Phase::ApplyExtrinsic(0);
            enter(&mut ext, parent.hash(), now, phase, data, Mode::Author).map_err(|e| match e {
                ItemError::Internal(e) => e,
                ItemError::Invalid(_) => {
                    ChainError::Invariant("an author's inherent drops invalid items")
                }
            })
        });
    ext.check()?;
    kept
}
