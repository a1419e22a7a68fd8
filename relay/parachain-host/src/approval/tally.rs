//! Rule 9 of approval voting: counting the assignments and approvals of one candidate under one
//! block, tranche by tranche.

use std::collections::BTreeMap;

/// What one assigned validator has done, as of now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct AssigneeState {
    /// Its tranche.
    pub tranche: u32,
    /// It approved.
    pub approved: bool,
    /// It did not approve within the no-show delay.
    pub no_show: bool,
}

/// The outcome of counting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tally {
    /// Enough assignees in the required tranches, and all of them (but the covered no-shows)
    /// approved.
    Approved,
    /// Enough assignees in the required tranches, some of whom have not approved yet (and are
    /// not no-shows yet).
    Pending,
    /// Not enough assignees yet: more tranches (more checkers) are needed.
    NeedMore,
}

#[derive(Default)]
struct Bucket {
    assigned: usize,
    no_shows: usize,
    pending: usize,
}

/// Rule 9: counts `assignees` whose tranche is at most `limit`, for `needed` approvals.
///
/// Whole tranches are taken from 0 up to the first tranche `k0` at which at least `needed`
/// validators are assigned. Every no-show in the tranches taken must then be covered by one
/// more assignee from a tranche after `k0`; whole tranches keep being taken until the
/// assignees after `k0` are at least the no-shows in all tranches taken (no-shows among the
/// covering assignees need covering in turn). If that point is reached, the candidate is
/// approved when no assignee in the taken tranches is still pending.
pub(super) fn tally(
    assignees: impl IntoIterator<Item = AssigneeState>,
    needed: usize,
    limit: u32,
) -> Tally {
    let mut buckets: BTreeMap<u32, Bucket> = BTreeMap::new();
    for a in assignees {
        if a.tranche > limit {
            continue;
        }
        let b = buckets.entry(a.tranche).or_default();
        b.assigned += 1;
        if a.no_show {
            b.no_shows += 1;
        } else if !a.approved {
            b.pending += 1;
        }
    }
    if needed == 0 {
        return Tally::Approved;
    }
    let mut base = 0usize;
    let mut reached = false;
    let mut cover = 0usize;
    let mut no_shows = 0usize;
    let mut pending = 0usize;
    for b in buckets.values() {
        if reached {
            cover += b.assigned;
        } else {
            base += b.assigned;
            reached = base >= needed;
        }
        no_shows += b.no_shows;
        pending += b.pending;
        if reached && cover >= no_shows {
            return if pending == 0 { Tally::Approved } else { Tally::Pending };
        }
    }
    Tally::NeedMore
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(tranche: u32, approved: bool, no_show: bool) -> AssigneeState {
        AssigneeState { tranche, approved, no_show }
    }

    #[test]
    fn whole_tranches_until_needed() {
        assert_eq!(tally([a(0, true, false)], 2, 10), Tally::NeedMore);
        assert_eq!(tally([a(0, true, false), a(3, true, false)], 2, 10), Tally::Approved);
        assert_eq!(tally([a(0, true, false), a(3, true, false)], 2, 2), Tally::NeedMore);
        // Tranche 0 is taken whole: all three must approve.
        let three = [a(0, true, false), a(0, true, false), a(0, false, false)];
        assert_eq!(tally(three, 2, 10), Tally::Pending);
    }

    #[test]
    fn no_shows_need_cover_from_later_tranches() {
        let base = [a(0, true, false), a(0, false, true), a(0, true, false)];
        assert_eq!(tally(base, 2, 10), Tally::NeedMore);
        let covered = [a(0, true, false), a(0, false, true), a(0, true, false), a(2, false, false)];
        assert_eq!(tally(covered, 2, 10), Tally::Pending);
        let done = [a(0, true, false), a(0, false, true), a(0, true, false), a(2, true, false)];
        assert_eq!(tally(done, 2, 10), Tally::Approved);
        // A no-show among the covering assignees needs covering in turn.
        let again = [a(0, true, false), a(0, false, true), a(1, false, true), a(1, false, true)];
        assert_eq!(tally(again, 2, 10), Tally::NeedMore);
    }
}
