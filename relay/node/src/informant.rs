//! The informant: every 5 s one status line operators recognise, and the metrics refreshed.

use atoll_network::NetworkHandle;

use crate::service::{short, NodeShell};

/// Logs the status line and refreshes the gauges.
pub fn report(shell: &NodeShell, network: &NetworkHandle) {
    let peers = network.connected_peers().len();
    let (best_hash, best) = shell.relay().best();
    let (fin_hash, fin) = shell.relay().finalized();
    let state = if shell.is_syncing() { "⚙️  Syncing" } else { "💤 Idle" };
    tracing::info!(
        target: "atoll",
        "{state} ({peers} peers), best: #{} ({}), finalized #{} ({})",
        best.0,
        short(&best_hash),
        fin.0,
        short(&fin_hash),
    );
    tracing::debug!(target: "atoll", authorities = shell.peers.known_authorities(), "validator peers known");
    shell.metrics.peers(peers);
    shell.metrics.ready_transactions(shell.pool.len());
    shell.metrics.major_syncing(shell.is_syncing());
}
