//! The relay node's JSON-RPC: the standard methods over [`RelayBackend`] and the `paras_*`
//! methods (registered paras and heads, candidates pending availability, recent inclusion
//! events, disputes, slashes).

use std::sync::{Arc, Mutex};

use atoll_primitives::{decode_bounded, Hash};
use atoll_relay_chain::{ChainSpec, ChainType, RelayBlock, RelayExtrinsic};
use atoll_rpc::{BackendError, ChainBackend, Hash32, Health, PeerInfo, SystemInfo};
use jsonrpsee::RpcModule;
use parity_scale_codec::Encode;
use serde_json::{json, Value};

use crate::service::{header_json, hex0x, lock, NodeShell};

/// The standard methods' view of the relay node.
pub struct RelayBackend(pub Arc<Mutex<NodeShell>>);

/// Health for `/health` and `/health/readiness`.
pub struct RelayHealth(pub Arc<Mutex<NodeShell>>);

fn health_of(shell: &NodeShell) -> Health {
    Health {
        peers: shell.network.connected_peers().len(),
        is_syncing: shell.is_syncing(),
        should_have_peers: true,
    }
}

impl atoll_rpc::HealthSource for RelayHealth {
    fn health(&self) -> Health {
        health_of(&lock(&self.0))
    }
}

/// The best-chain block at `number`, walking back from the best block.
pub fn best_chain_hash(shell: &NodeShell, number: u64) -> Option<Hash> {
    let (mut at, best) = shell.relay().best();
    if number > best.0 as u64 {
        return None;
    }
    loop {
        let header = shell.relay().header(&at)?;
        if header.number.0 as u64 == number {
            return Some(at);
        }
        at = header.parent_hash;
    }
}

fn block_json(block: &RelayBlock, justified: Option<Value>) -> Value {
    json!({
        "block": {
            "header": header_json(&block.header),
            "extrinsics": block.body.iter().map(|xt| hex0x(&xt.encode())).collect::<Vec<_>>(),
        },
        "justifications": justified,
    })
}

impl ChainBackend for RelayBackend {
    fn health(&self) -> Health {
        health_of(&lock(&self.0))
    }

    fn peers(&self) -> Vec<PeerInfo> {
        let s = lock(&self.0);
        s.network
            .connected_peers()
            .into_iter()
            .map(|peer| {
                let status = s.peer_status.get(&peer);
                PeerInfo {
                    peer_id: peer.to_string(),
                    roles: "FULL".into(),
                    best_hash: status.map(|st| hex0x(st.best.0.as_bytes())).unwrap_or_default(),
                    best_number: status.map(|st| st.best.1 .0 as u64).unwrap_or(0),
                }
            })
            .collect()
    }

    fn local_peer_id(&self) -> String {
        lock(&self.0).network.local_peer_id().to_string()
    }

    fn header(&self, at: Option<Hash32>) -> Result<Option<Value>, BackendError> {
        let s = lock(&self.0);
        let hash = at.map(Hash).unwrap_or(s.relay().best().0);
        Ok(s.relay().header(&hash).map(header_json))
    }

    fn block(&self, at: Option<Hash32>) -> Result<Option<Value>, BackendError> {
        let s = lock(&self.0);
        let hash = at.map(Hash).unwrap_or(s.relay().best().0);
        let Some(block) = s.relay().block(&hash) else {
            // Genesis has no body.
            return Ok(s
                .relay()
                .header(&hash)
                .map(|h| block_json(&RelayBlock { header: h.clone(), body: Vec::new() }, None)));
        };
        Ok(Some(block_json(block, None)))
    }

    fn block_hash(&self, number: Option<u64>) -> Result<Option<Hash32>, BackendError> {
        let s = lock(&self.0);
        Ok(match number {
            None => Some(s.relay().best().0 .0),
            Some(n) => best_chain_hash(&s, n).map(|h| h.0),
        })
    }

    fn finalized_head(&self) -> Hash32 {
        lock(&self.0).relay().finalized().0 .0
    }

    fn storage(&self, key: &[u8], at: Option<Hash32>) -> Result<Option<Vec<u8>>, BackendError> {
        let s = lock(&self.0);
        let hash = at.map(Hash).unwrap_or(s.relay().best().0);
        let header = s
            .relay()
            .header(&hash)
            .ok_or_else(|| BackendError::NotFound(format!("unknown block {hash}")))?;
        s.relay()
            .db()
            .get(&header.state_root, key)
            .map_err(|e| BackendError::Internal(e.to_string()))
    }

    fn submit_extrinsic(&self, extrinsic: Vec<u8>) -> Result<Hash32, BackendError> {
        let xt: RelayExtrinsic =
            decode_bounded("extrinsic", &extrinsic, atoll_relay_chain::MAX_BLOCK_SIZE)
                .map_err(|e| BackendError::InvalidParams(e.to_string()))?;
        let mut s = lock(&self.0);
        s.pool.submit(xt).map(|h| h.0).map_err(|e| BackendError::Refused(e.to_string()))
    }

    fn subscribe_new_heads(&self) -> tokio::sync::broadcast::Receiver<Value> {
        lock(&self.0).feeds.new_heads.subscribe()
    }

    fn subscribe_finalized_heads(&self) -> tokio::sync::broadcast::Receiver<Value> {
        lock(&self.0).feeds.finalized.subscribe()
    }
}

fn chain_type_name(t: &ChainType) -> String {
    match t {
        ChainType::Development => "Development".into(),
        ChainType::Local => "Local".into(),
        ChainType::Live => "Live".into(),
        #[allow(unreachable_patterns)]
        other => format!("{other:?}"),
    }
}

/// The whole relay RPC: standard methods, `paras_*`, and `extra` (a collator's para methods).
pub fn relay_module(
    name: String,
    spec: &ChainSpec,
    shell: Arc<Mutex<NodeShell>>,
    extra: RpcModule<()>,
) -> Result<RpcModule<()>, jsonrpsee::core::RegisterMethodError> {
    let roles = if lock(&shell).host().is_some() { "AUTHORITY" } else { "FULL" };
    let info = SystemInfo {
        name,
        version: env!("CARGO_PKG_VERSION").into(),
        chain: spec.name.clone(),
        chain_type: chain_type_name(&spec.chain_type),
        properties: Value::Object(spec.properties.clone()),
        roles: vec![roles.into()],
    };
    let mut module = atoll_rpc::core_module(info, Arc::new(RelayBackend(shell.clone())));
    module.merge(paras_module(shell)?)?;
    module.merge(extra)?;
    Ok(module)
}

fn at_best<T>(
    shell: &NodeShell,
    read: impl FnOnce(&atoll_trie::StateDb, &Hash) -> Result<T, atoll_relay_chain::ChainError>,
) -> Result<T, jsonrpsee::types::ErrorObjectOwned> {
    let best = shell.relay().best().0;
    let header = shell.relay().header(&best).ok_or_else(|| {
        atoll_rpc::error_object(BackendError::Internal("best block unknown".into()))
    })?;
    read(shell.relay().db(), &header.state_root)
        .map_err(|e| atoll_rpc::error_object(BackendError::Internal(e.to_string())))
}

/// The `paras_*` methods.
fn paras_module(
    shell: Arc<Mutex<NodeShell>>,
) -> Result<RpcModule<()>, jsonrpsee::core::RegisterMethodError> {
    let mut m = RpcModule::new(());
    let s = shell.clone();
    m.register_method("paras_registered", move |_, _, _| {
        let shell = lock(&s);
        at_best(&shell, |db, root| {
            let mut out = Vec::new();
            for id in atoll_relay_chain::paras(db, root)? {
                let head = atoll_relay_chain::para_head(db, root, id)?;
                out.push(json!({
                    "paraId": id.0,
                    "head": head.as_ref().map(|h| hex0x(&h.0)),
                    "headHash": head.as_ref().map(|h| hex0x(h.hash().as_bytes())),
                }));
            }
            Ok(Value::Array(out))
        })
    })?;
    let s = shell.clone();
    m.register_method("paras_pendingAvailability", move |_, _, _| {
        let shell = lock(&s);
        at_best(&shell, |db, root| {
            let cores = atoll_relay_chain::availability_cores(db, root)?;
            Ok(Value::Array(
                cores
                    .into_iter()
                    .filter_map(|c| {
                        let p = c.pending?;
                        Some(json!({
                            "core": c.core.0,
                            "paraId": c.para_id.0,
                            "candidateHash": p.candidate_hash.to_string(),
                            "backedIn": p.backed_in.0,
                            "availabilityVotes": p.availability_votes.iter().filter(|v| **v).count(),
                        }))
                    })
                    .collect(),
            ))
        })
    })?;
    let s = shell.clone();
    m.register_method("paras_inclusionEvents", move |_, _, _| {
        let shell = lock(&s);
        Ok::<_, jsonrpsee::types::ErrorObjectOwned>(Value::Array(shell.para_log.events(&[
            "CandidateBacked",
            "CandidateIncluded",
            "CandidateTimedOut",
            "CandidateDisputedInvalid",
        ])))
    })?;
    let s = shell.clone();
    m.register_method("paras_disputes", move |_, _, _| {
        let shell = lock(&s);
        at_best(&shell, |db, root| {
            let all = atoll_relay_chain::disputes(db, root)?;
            let view = |open: bool| -> Vec<Value> {
                all.iter()
                    .filter(|(_, d)| d.concluded.is_none() == open)
                    .map(|(c, d)| {
                        json!({
                            "candidateHash": c.to_string(),
                            "paraId": d.para_id.0,
                            "session": d.session.0,
                            "valid": d.valid.len(),
                            "invalid": d.invalid.len(),
                            "openedAt": d.opened_at.0,
                            "concluded": d.concluded.map(|(valid, at)| json!({"valid": valid, "at": at.0})),
                        })
                    })
                    .collect()
            };
            Ok(json!({ "open": view(true), "concluded": view(false) }))
        })
    })?;
    let s = shell;
    m.register_method("paras_slashes", move |_, _, _| {
        let shell = lock(&s);
        Ok::<_, jsonrpsee::types::ErrorObjectOwned>(Value::Array(
            shell.para_log.events(&["Slashed", "ValidatorDisabled"]),
        ))
    })?;
    Ok(m)
}
