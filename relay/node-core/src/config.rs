//! Node settings.

use atoll_consensus::finality::FinalityConfig;

/// Timers and bounds of a relay node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeConfig {
    /// The finality voter's round timing.
    pub finality: FinalityConfig,
    /// How often the node broadcasts its status (rule 5), ms.
    pub status_interval_ms: u64,
    /// Most blocks waiting for their parent.
    pub max_pending_blocks: usize,
    /// Most blocks in one sync response.
    pub sync_batch: u32,
    /// How many slots of headers the author-equivocation detector remembers.
    pub equivocation_window_slots: u64,
}

impl NodeConfig {
    /// Defaults for a chain with `slot_duration_ms` slots: finality rounds of a quarter slot
    /// (at least 100 ms), status every two slots.
    pub fn for_slot_duration(slot_duration_ms: u64) -> Self {
        NodeConfig {
            finality: FinalityConfig::with_round_duration((slot_duration_ms / 4).max(100)),
            status_interval_ms: slot_duration_ms.saturating_mul(2).max(200),
            max_pending_blocks: 1_024,
            sync_batch: 128,
            equivocation_window_slots: 256,
        }
    }
}
