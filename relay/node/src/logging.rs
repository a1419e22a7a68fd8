//! Log set-up: `-l target=level` filters (Substrate's syntax, which is `tracing`'s), `RUST_LOG`
//! as a fallback, `info` by default.

/// Installs the global subscriber with `filters` (each `target=level` or a bare level, comma
/// separated). Returns an error naming a filter that does not parse.
pub fn init(filters: &[String]) -> Result<(), String> {
    let mut spec = String::from("info");
    for f in filters {
        for part in f.split(',').filter(|p| !p.is_empty()) {
            spec.push(',');
            spec.push_str(part);
        }
    }
    if filters.is_empty() {
        if let Ok(env) = std::env::var("RUST_LOG") {
            spec = env;
        }
    }
    // Quiet the libraries' own chatter unless asked.
    for quiet in ["libp2p_gossipsub=warn", "libp2p_swarm=warn", "jsonrpsee=warn", "sled=warn"] {
        if !spec.contains(quiet.split('=').next().unwrap_or_default()) {
            spec.push(',');
            spec.push_str(quiet);
        }
    }
    let filter = tracing_subscriber::EnvFilter::try_new(&spec)
        .map_err(|e| format!("-l {}: {e}", filters.join(",")))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init()
        .map_err(|e| e.to_string())
}
