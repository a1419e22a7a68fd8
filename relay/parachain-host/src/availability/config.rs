//! [`AvailabilityConfig`]: the tunables of [`Availability`](super::Availability) (bitfield
//! delay, chunk retry, recovery timeout, how long data is kept after finality), with their
//! defaults.

/// Tunables of [`Availability`].
///
/// [`Availability`]: super::Availability
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AvailabilityConfig {
    /// Time after a block's import at which we sign our bitfield for it (Step 3), ms; it must
    /// come before the next slot. Default 300.
    pub bitfield_delay_ms: u64,
    /// Time after which an unanswered own-chunk request goes to the next backer (Step 2), ms.
    /// Default 500.
    pub chunk_retry_ms: u64,
    /// Time a recovery may take before it is [`RecoveryFailure::Unavailable`] (Step 6), ms.
    /// Default 4000.
    ///
    /// [`RecoveryFailure::Unavailable`]: super::RecoveryFailure::Unavailable
    pub recovery_timeout_ms: u64,
    /// Blocks and chunks are kept until this many blocks below the finalized height (Step 7).
    /// Default 10.
    pub keep_blocks_after_finality: u32,
}

impl Default for AvailabilityConfig {
    fn default() -> Self {
        Self {
            bitfield_delay_ms: 300,
            chunk_retry_ms: 500,
            recovery_timeout_ms: 4_000,
            keep_blocks_after_finality: 10,
        }
    }
}
