//! Slots: time cut into fixed-length intervals counted from the chain's genesis time (Step 1).
//!
//! Times are milliseconds since the genesis time, passed in as values; nothing here reads a
//! clock.

use atoll_primitives::relay::Slot;

/// The slot that `time_ms` (milliseconds since the genesis time) falls in: `time / duration`.
///
/// Step 1. A duration of 0 is treated as 1 ms so that the function stays total (a chain spec
/// with a zero slot duration is refused long before it gets here).
pub fn slot_at(time_ms: u64, slot_duration_ms: u64) -> Slot {
    Slot(time_ms / slot_duration_ms.max(1))
}

/// The first millisecond of `slot`: `slot × duration`, saturating at `u64::MAX`.
///
/// Step 1. A duration of 0 is treated as 1 ms, as in [`slot_at`].
pub fn slot_start_ms(slot: Slot, slot_duration_ms: u64) -> u64 {
    slot.0.saturating_mul(slot_duration_ms.max(1))
}

/// The first millisecond of the slot after the one `time_ms` falls in: when an author that just
/// missed (or used) a slot should wake up next.
pub fn next_slot_start_ms(time_ms: u64, slot_duration_ms: u64) -> u64 {
    let slot = slot_at(time_ms, slot_duration_ms);
    slot_start_ms(Slot(slot.0.saturating_add(1)), slot_duration_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_boundaries() {
        assert_eq!(slot_at(0, 1000), Slot(0));
        assert_eq!(slot_at(999, 1000), Slot(0));
        assert_eq!(slot_at(1000, 1000), Slot(1));
        assert_eq!(slot_start_ms(Slot(7), 1000), 7000);
        assert_eq!(next_slot_start_ms(7000, 1000), 8000);
        assert_eq!(next_slot_start_ms(7999, 1000), 8000);
        assert_eq!(slot_at(5, 0), Slot(5), "zero duration is treated as 1 ms");
        assert_eq!(slot_start_ms(Slot(u64::MAX), 2), u64::MAX, "saturates");
    }
}
