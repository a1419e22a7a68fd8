//! `atoll-relay local-network`: a multi-chain test network on this machine, as processes —
//! validators, and one collator per token-chain para — with a table of where everything is and
//! a status line every 10 s, until Ctrl-C (then every process is stopped).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::testnet::{
    best_number, finalized_number, para_id, wait_for, LocalNetwork, NetworkSpec, VALIDATOR_NAMES,
};

/// Runs the network until Ctrl-C; returns what to print last.
pub fn run(
    validators: usize,
    paras: usize,
    slot_ms: u64,
    dir: Option<PathBuf>,
) -> Result<String, String> {
    if validators == 0 || validators > VALIDATOR_NAMES.len() {
        return Err(format!("--validators must be 1 to {}", VALIDATOR_NAMES.len()));
    }
    let dir = match dir {
        Some(d) => d,
        None => std::env::temp_dir().join(format!("atoll-local-{}", crate::clock::now_ms())),
    };
    let mut spec = NetworkSpec::new(validators, paras);
    spec.slot_ms = slot_ms;
    println!("starting {validators} validators and {paras} collators in {} (building what is missing) ...", dir.display());
    let net = LocalNetwork::start(&spec, &dir).map_err(|e| e.to_string())?;
    println!();
    println!("{:<16} {:<10} {:<22} {:<22} log", "node", "role", "rpc", "metrics");
    for p in net.all() {
        let role = if p.name.starts_with("collator") { "collator" } else { "validator" };
        let metrics = p.metrics.map(|m| format!("http://{m}/metrics")).unwrap_or_default();
        println!(
            "{:<16} {:<10} {:<22} {:<22} {}",
            p.name,
            role,
            format!("ws://{}", p.rpc),
            metrics,
            p.log_path.display()
        );
    }
    println!("relay chain spec: {}", net.spec_path.display());
    println!();
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        std::thread::spawn(move || {
            rt.block_on(crate::service::shutdown_signal());
            stop.store(true, Ordering::SeqCst);
        });
    }
    let _ = wait_for("the first finalized relay block", Duration::from_secs(60), || {
        (stop.load(Ordering::SeqCst)
            || finalized_number(&net.validators[0]).is_some_and(|n| n >= 1))
        .then_some(())
    });
    while !stop.load(Ordering::SeqCst) {
        let relay = format!(
            "relay best #{} finalized #{}",
            best_number(&net.validators[0]).unwrap_or(0),
            finalized_number(&net.validators[0]).unwrap_or(0)
        );
        let heads: Vec<String> = net
            .collators
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let best = c
                    .rpc("chain_getHeader", json!([]))
                    .ok()
                    .and_then(|h| crate::testnet::header_number(&h));
                format!(
                    "para {} #{} (finalized #{})",
                    para_id(i),
                    best.unwrap_or(0),
                    finalized_number(c).unwrap_or(0)
                )
            })
            .collect();
        println!("{relay}; {}", heads.join("; "));
        for _ in 0..50 {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    drop(net);
    Ok(format!("stopped every process; data and logs are in {}", dir.display()))
}
