//! The wall clock, read only by the shells (DESIGN.md principle 1): milliseconds since the
//! Unix epoch, the time slots are counted in.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, in milliseconds since the Unix epoch (0 if the system clock is before 1970).
pub fn now_ms() -> u64 {
    // The one clock of the node shells (principle 1).
    #[allow(clippy::disallowed_methods)]
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}
