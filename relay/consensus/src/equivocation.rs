//! Author equivocation detection (Step 5): two different headers sealed by one author for one
//! slot.

use std::collections::BTreeMap;

use atoll_primitives::{
    relay::{AuthorEquivocation, EpochInfo, RelayHeader, Slot},
    Hash, ValidatorIndex,
};

/// What the detector remembers of the first header of a (slot, author).
#[derive(Clone, Debug)]
struct Seen {
    hash: Hash,
    header: RelayHeader,
    reported: bool,
}

/// Remembers the first header of every (slot, author) of recent slots and reports a second,
/// different one.
///
/// Feed it headers that passed [`crate::verify_header`] (so the seal proves the author signed
/// them). Memory is bounded: on every [`observe`](Self::observe), slots more than `keep_slots`
/// below the highest slot seen are forgotten, and [`prune_below`](Self::prune_below) forgets
/// explicitly (for example below the finalized block's slot).
#[derive(Clone, Debug)]
pub struct AuthorEquivocationDetector {
    keep_slots: u64,
    highest: Slot,
    seen: BTreeMap<(Slot, ValidatorIndex), Seen>,
}

impl AuthorEquivocationDetector {
    /// A detector that remembers `keep_slots` slots below the highest one it has seen.
    pub fn new(keep_slots: u64) -> Self {
        AuthorEquivocationDetector { keep_slots, highest: Slot(0), seen: BTreeMap::new() }
    }

    /// Records `header` (of a slot in `epoch`) and returns evidence if its author already sealed
    /// a different header for the same slot. Step 5: evidence is returned once per (slot,
    /// author); the same header again, a header of an unknown author, or a slot already pruned
    /// give `None`.
    pub fn observe(
        &mut self,
        header: &RelayHeader,
        epoch: &EpochInfo,
    ) -> Option<AuthorEquivocation> {
        let slot = header.pre_digest.slot;
        let author = header.pre_digest.author;
        let offender = *epoch.validators.get(author.0 as usize)?;
        if slot > self.highest {
            self.highest = slot;
            self.prune_below(Slot(slot.0.saturating_sub(self.keep_slots)));
        }
        if slot.0 < self.highest.0.saturating_sub(self.keep_slots) {
            return None;
        }
        let hash = header.hash();
        match self.seen.get_mut(&(slot, author)) {
            None => {
                self.seen
                    .insert((slot, author), Seen { hash, header: header.clone(), reported: false });
                None
            }
            Some(seen) if seen.hash == hash || seen.reported => None,
            Some(seen) => {
                seen.reported = true;
                Some(AuthorEquivocation {
                    session: epoch.session,
                    offender,
                    first: seen.header.clone(),
                    second: header.clone(),
                })
            }
        }
    }

    /// Forgets every slot below `slot`.
    pub fn prune_below(&mut self, slot: Slot) {
        self.seen = self.seen.split_off(&(slot, ValidatorIndex(0)));
    }

    /// How many (slot, author) pairs are remembered.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}
