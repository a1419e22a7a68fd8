//! Every metric the nodes export ([`NodeMetrics`], rule 7) and the `GET /metrics` exporter
//! ([`start_metrics`]).

mod exporter;

use std::borrow::Cow;
use std::sync::Arc;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

pub use exporter::{start_metrics, MetricsServer};

/// `substrate_node_roles` of a full node.
pub const ROLE_FULL: i64 = 1;
/// `substrate_node_roles` of an authority (validator or collator).
pub const ROLE_AUTHORITY: i64 = 4;

/// Buckets (seconds) of the block import and construction histograms.
const BLOCK_TIME_BUCKETS: [f64; 11] =
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
/// Buckets (seconds) of PVF execution: 1 ms to the 12 s execution timeout.
const PVF_EXECUTION_BUCKETS: [f64; 17] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0,
];
/// Buckets (seconds) of PVF preparation: 1 ms to the 60 s preparation timeout.
const PVF_PREPARATION_BUCKETS: [f64; 14] =
    [0.001, 0.01, 0.1, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0];

/// A one-label label set, e.g. `status="best"`.
type OneLabel = [(&'static str, &'static str); 1];

/// Every metric the nodes export, registered in one prometheus-client registry; all carry the
/// constant label `chain="<chain id>"` (rule 7). Cheap to clone: clones share the metrics.
///
/// Counters are registered without their `_total` suffix: the OpenMetrics encoder appends it, so
/// the exported names are exactly the documented ones.
#[derive(Clone, Debug)]
pub struct NodeMetrics {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    registry: Registry,
    block_height: Family<OneLabel, Gauge>,
    leaves: Gauge,
    ready_transactions: Gauge,
    peers: Gauge,
    major_syncing: Gauge,
    block_import_time: Histogram,
    block_constructed: Histogram,
    rpc_requests_started: Counter,
    rpc_requests_finished: Counter,
    candidates_seconded: Counter,
    candidates_backed: Counter,
    candidates_included: Counter,
    approvals: Counter,
    approval_no_shows: Counter,
    disputes_opened: Counter,
    disputes_concluded: Family<OneLabel, Counter>,
    pvf_execution_time: Histogram,
    pvf_preparation_time: Histogram,
    pvf_artifact_cache_hits: Counter,
    collations_generated: Counter,
    approval_checking_finality_lag: Gauge,
    peer_penalties: Counter,
}

impl NodeMetrics {
    /// Registers every metric under the constant label `chain`, with `substrate_build_info`
    /// {name=`node_name`, version=`version`} = 1, `substrate_node_roles` = `role_code`
    /// ([`ROLE_FULL`] or [`ROLE_AUTHORITY`]) and `substrate_process_start_time_seconds` = now.
    pub fn new(chain: &str, node_name: &str, version: &str, role_code: i64) -> Self {
        let mut r = Registry::with_labels(std::iter::once((
            Cow::Borrowed("chain"),
            Cow::Owned(chain.to_string()),
        )));

        let build_info = Family::<[(&'static str, String); 2], Gauge>::default();
        build_info
            .get_or_create(&[("name", node_name.to_string()), ("version", version.to_string())])
            .set(1);
        r.register("substrate_build_info", "The node's name and version (value 1)", build_info);
        let roles: Gauge = Gauge::default();
        roles.set(role_code);
        r.register("substrate_node_roles", "The node's roles: 1 full, 4 authority", roles);
        let started: Gauge = Gauge::default();
        started.set(unix_now_seconds());
        r.register(
            "substrate_process_start_time_seconds",
            "Unix time the process started at, in seconds",
            started,
        );

        let inner = Inner {
            block_height: gauge_family(
                &mut r,
                "substrate_block_height",
                "Block height by status",
                "status",
                &["best", "finalized"],
            ),
            leaves: gauge(
                &mut r,
                "substrate_number_leaves",
                "Number of known chain leaves (forks)",
            ),
            ready_transactions: gauge(
                &mut r,
                "substrate_ready_transactions_number",
                "Transactions in the pool's ready queue",
            ),
            peers: gauge(&mut r, "substrate_sub_libp2p_peers_count", "Connected peers"),
            major_syncing: gauge(
                &mut r,
                "substrate_sub_libp2p_is_major_syncing",
                "1 while major-syncing, else 0",
            ),
            block_import_time: histogram(
                &mut r,
                "substrate_block_verification_and_import_time",
                "Seconds to verify and import a block",
                &BLOCK_TIME_BUCKETS,
            ),
            block_constructed: histogram(
                &mut r,
                "substrate_proposer_block_constructed",
                "Seconds to construct a block",
                &BLOCK_TIME_BUCKETS,
            ),
            rpc_requests_started: counter(
                &mut r,
                "substrate_rpc_requests_started",
                "JSON-RPC calls started",
            ),
            rpc_requests_finished: counter(
                &mut r,
                "substrate_rpc_requests_finished",
                "JSON-RPC calls finished",
            ),
            candidates_seconded: counter(
                &mut r,
                "atoll_parachain_candidates_seconded",
                "Candidates this validator seconded",
            ),
            candidates_backed: counter(
                &mut r,
                "atoll_parachain_candidates_backed",
                "Candidates backed",
            ),
            candidates_included: counter(
                &mut r,
                "atoll_parachain_candidates_included",
                "Candidates included",
            ),
            approvals: counter(&mut r, "atoll_parachain_approvals", "Approval votes"),
            approval_no_shows: counter(
                &mut r,
                "atoll_parachain_approvals_no_shows",
                "Approval no-shows",
            ),
            disputes_opened: counter(&mut r, "atoll_parachain_disputes_opened", "Disputes opened"),
            disputes_concluded: counter_family(
                &mut r,
                "atoll_parachain_disputes_concluded",
                "Disputes concluded by outcome",
                "outcome",
                &["valid", "invalid"],
            ),
            pvf_execution_time: histogram(
                &mut r,
                "atoll_parachain_pvf_execution_time_seconds",
                "Seconds to execute a PVF",
                &PVF_EXECUTION_BUCKETS,
            ),
            pvf_preparation_time: histogram(
                &mut r,
                "atoll_parachain_pvf_preparation_time_seconds",
                "Seconds to prepare (compile) a PVF",
                &PVF_PREPARATION_BUCKETS,
            ),
            pvf_artifact_cache_hits: counter(
                &mut r,
                "atoll_parachain_pvf_artifact_cache_hits",
                "PVF artifacts found already prepared",
            ),
            collations_generated: counter(
                &mut r,
                "atoll_parachain_collations_generated",
                "Collations this collator generated",
            ),
            approval_checking_finality_lag: gauge(
                &mut r,
                "atoll_parachain_approval_checking_finality_lag",
                "Blocks finality is held back by approval checking",
            ),
            peer_penalties: counter(
                &mut r,
                "atoll_network_peer_penalties",
                "Reputation penalties given to peers",
            ),
            registry: r,
        };
        Self { inner: Arc::new(inner) }
    }

    /// The OpenMetrics text exposition of every metric, ending with `# EOF`.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        if let Err(e) = encode(&mut text, &self.inner.registry) {
            // Writing to a `String` does not fail; should it, say so and serve what there is.
            tracing::warn!(target: "metrics", error = %e, "cannot encode the metrics");
        }
        text
    }

    /// Sets `substrate_block_height{status="best"}` and `{status="finalized"}`.
    pub fn block_height(&self, best: u64, finalized: u64) {
        self.inner.block_height.get_or_create(&[("status", "best")]).set(to_i64(best));
        self.inner.block_height.get_or_create(&[("status", "finalized")]).set(to_i64(finalized));
    }

    /// Sets `substrate_number_leaves`.
    pub fn leaves(&self, n: usize) {
        self.inner.leaves.set(to_i64(n as u64));
    }

    /// Sets `substrate_ready_transactions_number`.
    pub fn ready_transactions(&self, n: usize) {
        self.inner.ready_transactions.set(to_i64(n as u64));
    }

    /// Sets `substrate_sub_libp2p_peers_count`.
    pub fn peers(&self, n: usize) {
        self.inner.peers.set(to_i64(n as u64));
    }

    /// Sets `substrate_sub_libp2p_is_major_syncing` to 1 or 0.
    pub fn major_syncing(&self, syncing: bool) {
        self.inner.major_syncing.set(i64::from(syncing));
    }

    /// Observes one block's verification and import time
    /// (`substrate_block_verification_and_import_time`).
    pub fn observe_block_import(&self, seconds: f64) {
        self.inner.block_import_time.observe(seconds);
    }

    /// Observes one block's construction time (`substrate_proposer_block_constructed`).
    pub fn observe_block_constructed(&self, seconds: f64) {
        self.inner.block_constructed.observe(seconds);
    }

    /// Counts a JSON-RPC call started (`substrate_rpc_requests_started_total`).
    pub fn rpc_request_started(&self) {
        self.inner.rpc_requests_started.inc();
    }

    /// Counts a JSON-RPC call finished (`substrate_rpc_requests_finished_total`).
    pub fn rpc_request_finished(&self) {
        self.inner.rpc_requests_finished.inc();
    }

    /// Counts a candidate this validator seconded (`atoll_parachain_candidates_seconded_total`).
    pub fn inc_seconded(&self) {
        self.inner.candidates_seconded.inc();
    }

    /// Counts a backed candidate (`atoll_parachain_candidates_backed_total`).
    pub fn inc_backed(&self) {
        self.inner.candidates_backed.inc();
    }

    /// Counts `n` backed candidates at once, e.g. those of one block.
    pub fn inc_backed_by(&self, n: u64) {
        self.inner.candidates_backed.inc_by(n);
    }

    /// Counts an included candidate (`atoll_parachain_candidates_included_total`).
    pub fn inc_included(&self) {
        self.inner.candidates_included.inc();
    }

    /// Counts `n` included candidates at once, e.g. those of one block.
    pub fn inc_included_by(&self, n: u64) {
        self.inner.candidates_included.inc_by(n);
    }

    /// Counts an approval vote (`atoll_parachain_approvals_total`).
    pub fn inc_approvals(&self) {
        self.inner.approvals.inc();
    }

    /// Counts an approval no-show (`atoll_parachain_approvals_no_shows_total`).
    pub fn inc_no_shows(&self) {
        self.inner.approval_no_shows.inc();
    }

    /// Counts an opened dispute (`atoll_parachain_disputes_opened_total`).
    pub fn inc_disputes_opened(&self) {
        self.inner.disputes_opened.inc();
    }

    /// Counts a concluded dispute
    /// (`atoll_parachain_disputes_concluded_total{outcome="valid"|"invalid"}`).
    pub fn dispute_concluded(&self, valid: bool) {
        let outcome = if valid { "valid" } else { "invalid" };
        self.inner.disputes_concluded.get_or_create(&[("outcome", outcome)]).inc();
    }

    /// Observes one PVF execution (`atoll_parachain_pvf_execution_time_seconds`).
    pub fn observe_pvf_execution(&self, seconds: f64) {
        self.inner.pvf_execution_time.observe(seconds);
    }

    /// Observes one PVF preparation (`atoll_parachain_pvf_preparation_time_seconds`).
    pub fn observe_pvf_preparation(&self, seconds: f64) {
        self.inner.pvf_preparation_time.observe(seconds);
    }

    /// Counts a PVF artifact found already prepared (`atoll_parachain_pvf_artifact_cache_hits_total`).
    pub fn inc_pvf_cache_hits(&self) {
        self.inner.pvf_artifact_cache_hits.inc();
    }

    /// Counts a collation this collator generated (`atoll_parachain_collations_generated_total`).
    pub fn inc_collations_generated(&self) {
        self.inner.collations_generated.inc();
    }

    /// Sets how many blocks approval checking holds finality back
    /// (`atoll_parachain_approval_checking_finality_lag`).
    pub fn approval_checking_finality_lag(&self, blocks: u64) {
        self.inner.approval_checking_finality_lag.set(to_i64(blocks));
    }

    /// Counts a reputation penalty given to a peer (`atoll_network_peer_penalties_total`).
    pub fn inc_peer_penalties(&self) {
        self.inner.peer_penalties.inc();
    }
}

fn gauge(r: &mut Registry, name: &str, help: &str) -> Gauge {
    let g = Gauge::default();
    r.register(name, help, g.clone());
    g
}

fn counter(r: &mut Registry, name: &str, help: &str) -> Counter {
    let c = Counter::default();
    r.register(name, help, c.clone());
    c
}

fn histogram(r: &mut Registry, name: &str, help: &str, buckets: &[f64]) -> Histogram {
    let h = Histogram::new(buckets.iter().copied());
    r.register(name, help, h.clone());
    h
}

/// A gauge family with one label, every given value present from the start (at 0).
fn gauge_family(
    r: &mut Registry,
    name: &str,
    help: &str,
    label: &'static str,
    values: &[&'static str],
) -> Family<OneLabel, Gauge> {
    let f = Family::<OneLabel, Gauge>::default();
    for value in values {
        drop(f.get_or_create(&[(label, *value)]));
    }
    r.register(name, help, f.clone());
    f
}

/// A counter family with one label, every given value present from the start (at 0).
fn counter_family(
    r: &mut Registry,
    name: &str,
    help: &str,
    label: &'static str,
    values: &[&'static str],
) -> Family<OneLabel, Counter> {
    let f = Family::<OneLabel, Counter>::default();
    for value in values {
        drop(f.get_or_create(&[(label, *value)]));
    }
    r.register(name, help, f.clone());
    f
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Seconds since the Unix epoch, for `substrate_process_start_time_seconds`.
#[allow(clippy::disallowed_methods)] // An I/O shell: the exporter reads the wall clock once.
fn unix_now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| to_i64(d.as_secs()))
}
