//! The finality voter's timing.

/// Timing of the finality voter, in milliseconds of the caller's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FinalityConfig {
    /// `D`: a voter prevotes `D` after its round started (Step 12) and precommits `2D` after
    /// (Step 13), unless the round becomes completable earlier. GRANDPA's `2T` with `T` the
    /// gossip delay: about two network delays.
    pub round_duration_ms: u64,
    /// While no round completes and nothing is finalized, a voter re-broadcasts its own votes
    /// of the current and previous round this often (Step 17), so that votes lost to a
    /// partition or a crash reach everyone once the network heals.
    pub rebroadcast_interval_ms: u64,
    /// `P`: a voter starts round `r + 1` no sooner than `P` after it started round `r` (Step
    /// 14), even when round `r` completes earlier. Rounds that complete within a few network
    /// delays would otherwise run back to back and vote again and again on the same chain;
    /// pacing bounds the votes to about one round per `P` while adding at most `P` to the time
    /// a new block waits for the next prevote. Finality itself (Step 15) is never delayed: it
    /// comes from any held round as soon as its precommits allow. `0` disables pacing.
    pub min_round_interval_ms: u64,
}

impl FinalityConfig {
    /// `D = round_duration_ms`, re-broadcast every `5 D`, rounds at most every `4 D` (with the
    /// node's `D` of a quarter slot: one round per slot, so a block is final about one to one
    /// and a half slots after it is authored).
    pub fn with_round_duration(round_duration_ms: u64) -> Self {
        FinalityConfig {
            round_duration_ms,
            rebroadcast_interval_ms: round_duration_ms.saturating_mul(5),
            min_round_interval_ms: round_duration_ms.saturating_mul(4),
        }
    }
}

impl Default for FinalityConfig {
    /// Two seconds per round stage (a gossip delay of one second), re-broadcast every 10 s,
    /// rounds at most every 8 s.
    fn default() -> Self {
        FinalityConfig::with_round_duration(2_000)
    }
}
