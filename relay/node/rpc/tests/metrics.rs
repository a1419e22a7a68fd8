//! The Prometheus metrics and their exporter.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests stop loudly.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use atoll_rpc::metrics::{ROLE_AUTHORITY, ROLE_FULL};
use atoll_rpc::{
    start_metrics, start_rpc_with_metrics, Health, HealthSource, NodeMetrics, RpcConfig,
};
use common::*;
use jsonrpsee::RpcModule;
use serde_json::json;

const LOCALHOST: ([u8; 4], u16) = ([127, 0, 0, 1], 0);

/// The sample line of `name` whose labels contain every one of `labels`.
fn sample<'a>(text: &'a str, name: &str, labels: &[&str]) -> Option<&'a str> {
    text.lines().find(|line| {
        line.starts_with(&format!("{name}{{")) && labels.iter().all(|l| line.contains(l))
    })
}

#[test]
fn encode_has_every_metric_with_the_chain_label() {
    let metrics = NodeMetrics::new("atoll-dev", "atoll-relay", "0.1.0-abc", ROLE_AUTHORITY);
    metrics.block_height(12, 10);
    metrics.leaves(2);
    metrics.ready_transactions(5);
    metrics.peers(3);
    metrics.major_syncing(true);
    metrics.observe_block_import(0.02);
    metrics.observe_block_constructed(0.3);
    metrics.rpc_request_started();
    metrics.rpc_request_finished();
    metrics.inc_seconded();
    metrics.inc_backed();
    metrics.inc_backed_by(2);
    metrics.inc_included();
    metrics.inc_included_by(4);
    metrics.inc_approvals();
    metrics.inc_no_shows();
    metrics.inc_disputes_opened();
    metrics.dispute_concluded(true);
    metrics.dispute_concluded(false);
    metrics.dispute_concluded(false);
    metrics.observe_pvf_execution(0.004);
    metrics.observe_pvf_preparation(1.5);
    metrics.inc_pvf_cache_hits();
    metrics.inc_collations_generated();
    metrics.approval_checking_finality_lag(0);
    metrics.inc_peer_penalties();
    let text = metrics.encode();
    assert!(text.ends_with("# EOF\n"), "{text}");
    let chain = "chain=\"atoll-dev\"";

    let best = sample(&text, "substrate_block_height", &["status=\"best\"", chain]).unwrap();
    assert!(best.ends_with(" 12"), "{best}");
    let finalized =
        sample(&text, "substrate_block_height", &["status=\"finalized\"", chain]).unwrap();
    assert!(finalized.ends_with(" 10"), "{finalized}");

    let expected = [
        ("substrate_number_leaves", " 2"),
        ("substrate_ready_transactions_number", " 5"),
        ("substrate_sub_libp2p_peers_count", " 3"),
        ("substrate_node_roles", " 4"),
        ("substrate_sub_libp2p_is_major_syncing", " 1"),
        ("substrate_rpc_requests_started_total", " 1"),
        ("substrate_rpc_requests_finished_total", " 1"),
        ("atoll_parachain_candidates_seconded_total", " 1"),
        ("atoll_parachain_candidates_backed_total", " 3"),
        ("atoll_parachain_candidates_included_total", " 5"),
        ("atoll_parachain_approvals_total", " 1"),
        ("atoll_parachain_approvals_no_shows_total", " 1"),
        ("atoll_parachain_disputes_opened_total", " 1"),
        ("atoll_parachain_pvf_artifact_cache_hits_total", " 1"),
        ("atoll_parachain_collations_generated_total", " 1"),
        ("atoll_parachain_approval_checking_finality_lag", " 0"),
        ("atoll_network_peer_penalties_total", " 1"),
        ("substrate_block_verification_and_import_time_count", " 1"),
        ("substrate_proposer_block_constructed_count", " 1"),
        ("atoll_parachain_pvf_execution_time_seconds_count", " 1"),
        ("atoll_parachain_pvf_preparation_time_seconds_count", " 1"),
    ];
    for (name, value) in expected {
        let line =
            sample(&text, name, &[chain]).unwrap_or_else(|| panic!("{name} missing:\n{text}"));
        assert!(line.ends_with(value), "{line}");
    }
    let valid =
        sample(&text, "atoll_parachain_disputes_concluded_total", &["outcome=\"valid\"", chain])
            .unwrap();
    assert!(valid.ends_with(" 1"), "{valid}");
    let invalid =
        sample(&text, "atoll_parachain_disputes_concluded_total", &["outcome=\"invalid\"", chain])
            .unwrap();
    assert!(invalid.ends_with(" 2"), "{invalid}");
    let build = sample(
        &text,
        "substrate_build_info",
        &["name=\"atoll-relay\"", "version=\"0.1.0-abc\"", chain],
    )
    .unwrap();
    assert!(build.ends_with(" 1"), "{build}");
    let start = sample(&text, "substrate_process_start_time_seconds", &[chain]).unwrap();
    let start: i64 = start.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(start > 1_600_000_000, "{start}");
    // Bucket bounds: PVF execution 1 ms .. 12 s, preparation 1 ms .. 60 s.
    assert!(sample(&text, "atoll_parachain_pvf_execution_time_seconds_bucket", &["le=\"0.001\""])
        .is_some());
    assert!(sample(&text, "atoll_parachain_pvf_execution_time_seconds_bucket", &["le=\"12.0\""])
        .is_some());
    assert!(sample(&text, "atoll_parachain_pvf_preparation_time_seconds_bucket", &["le=\"60.0\""])
        .is_some());
    // No doubled suffixes.
    assert!(!text.contains("_total_total"), "{text}");
}

#[test]
fn fresh_metrics_show_both_block_heights_and_outcomes() {
    let text = NodeMetrics::new("atoll-dev", "atoll-collator", "0.1.0", ROLE_FULL).encode();
    assert!(sample(&text, "substrate_block_height", &["status=\"best\""]).is_some(), "{text}");
    assert!(sample(&text, "substrate_block_height", &["status=\"finalized\""]).is_some(), "{text}");
    assert!(sample(&text, "atoll_parachain_disputes_concluded_total", &["outcome=\"invalid\""])
        .is_some());
    assert!(sample(&text, "substrate_node_roles", &[]).unwrap().ends_with(" 1"));
}

#[tokio::test]
async fn exporter_serves_metrics_and_404s_elsewhere() {
    let metrics = NodeMetrics::new("atoll-dev", "atoll-relay", "0.1.0", ROLE_AUTHORITY);
    let server = start_metrics(SocketAddr::from(LOCALHOST), metrics.clone()).await.unwrap();
    let addr = server.local_addr();
    metrics.block_height(7, 5);

    let response = http(addr, "GET", "/metrics", None).await;
    assert_eq!(response.status, 200);
    assert!(
        response.headers.contains("content-type: application/openmetrics-text"),
        "{}",
        response.headers
    );
    let best = sample(
        &response.body,
        "substrate_block_height",
        &["status=\"best\"", "chain=\"atoll-dev\""],
    );
    assert!(best.unwrap().ends_with(" 7"));
    assert!(response.body.ends_with("# EOF\n"));

    assert_eq!(http(addr, "GET", "/", None).await.status, 404);
    assert_eq!(http(addr, "GET", "/metrics/extra", None).await.status, 404);
    assert_eq!(http(addr, "POST", "/metrics", Some("x")).await.status, 405);

    server.stop();
    let mut refused = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(refused, "the exporter still accepts connections after stop()");
}

struct AlwaysHealthy;

impl HealthSource for AlwaysHealthy {
    fn health(&self) -> Health {
        Health { peers: 1, is_syncing: false, should_have_peers: true }
    }
}

#[tokio::test]
async fn the_server_counts_rpc_calls() {
    let metrics = NodeMetrics::new("atoll-dev", "atoll-relay", "0.1.0", ROLE_AUTHORITY);
    let mut module = RpcModule::new(());
    module.register_method("test_ping", |_, _, _| "pong").unwrap();
    let server = start_rpc_with_metrics(
        RpcConfig::new(SocketAddr::from(LOCALHOST)),
        module,
        Arc::new(AlwaysHealthy),
        metrics.clone(),
    )
    .await
    .unwrap();
    let addr = server.local_addr();
    assert_eq!(call(addr, "test_ping", json!([])).await, json!("pong"));
    let batch = r#"[{"jsonrpc":"2.0","id":1,"method":"test_ping"},{"jsonrpc":"2.0","id":2,"method":"rpc_methods"}]"#;
    assert_eq!(http(addr, "POST", "/", Some(batch)).await.status, 200);
    let text = metrics.encode();
    for name in ["substrate_rpc_requests_started_total", "substrate_rpc_requests_finished_total"] {
        let line = sample(&text, name, &[]).unwrap();
        assert!(line.ends_with(" 3"), "{line}");
    }
    // rpc_methods was added by the server.
    let methods = call(addr, "rpc_methods", json!([])).await;
    assert_eq!(methods, json!({ "methods": ["rpc_methods", "test_ping"] }));
}
