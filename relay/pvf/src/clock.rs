//! The one place this crate reads the wall clock (DESIGN.md principle 1: only I/O shells do).
//! The PVF host is such a shell: its epoch ticker schedules ticks on the clock, and
//! [`crate::ExecutionTimes`] measure phases for metrics. No verdict depends on a reading except
//! through the epoch deadline, which is the timeout the protocol defines.

use std::time::Instant;

/// The current instant.
#[allow(clippy::disallowed_methods)] // The PVF host's timers: the epoch ticker and ExecutionTimes.
pub(crate) fn now() -> Instant {
    Instant::now()
}
