//! [`BackingConfig`]: the tunables of [`Backing`](super::Backing) (relay parents kept, queue and
//! buffer bounds, the PoV fetch timeout), with their defaults.

/// Tunables of [`Backing`].
///
/// [`Backing`]: super::Backing
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackingConfig {
    /// Relay parents of this many most recent heights are kept (Step 1); default 4.
    pub relay_parents_kept: u32,
    /// Collations waiting while another is validated for the same relay parent (Step 3);
    /// default 2.
    pub max_queued_collations: usize,
    /// `Valid` statements held per relay parent until their candidate is seen `Seconded`
    /// (Step 5); default 64.
    pub max_early_statements: usize,
    /// Statements held until their relay parent is imported (Step 1); default 256.
    pub max_unknown_parent_statements: usize,
    /// Time after which an unanswered PoV request goes to the next backer (Step 6), ms;
    /// default 1000.
    pub pov_fetch_timeout_ms: u64,
}

impl Default for BackingConfig {
    fn default() -> Self {
        Self {
            relay_parents_kept: 4,
            max_queued_collations: 2,
            max_early_statements: 64,
            max_unknown_parent_statements: 256,
            pov_fetch_timeout_ms: 1_000,
        }
    }
}
