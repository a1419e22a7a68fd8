//! What RPC readers see of the chain beyond its state: headers as Substrate-shaped JSON, and
//! [`ParaLog`], the recent parachain events (inclusions, time-outs, disputes, slashes) of
//! imported blocks.

use std::collections::VecDeque;

use atoll_primitives::relay::RelayHeader;
use atoll_relay_chain::RelayEvent;
use atoll_trie::StateDb;
use parity_scale_codec::Encode;
use serde_json::{json, Value};

/// How many parachain events the log keeps.
pub const PARA_LOG_CAPACITY: usize = 512;

/// `0x` + hex.
pub fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// A relay header as Substrate RPC clients expect it: hex fields, the number as a hex string,
/// the pre-digest and the seal as digest logs.
pub fn header_json(header: &RelayHeader) -> Value {
    json!({
        "parentHash": hex0x(header.parent_hash.as_bytes()),
        "number": format!("0x{:x}", header.number.0),
        "stateRoot": hex0x(header.state_root.as_bytes()),
        "extrinsicsRoot": hex0x(header.extrinsics_root.as_bytes()),
        "digest": { "logs": [hex0x(&header.pre_digest.encode()), hex0x(&header.seal.0)] },
    })
}

/// A parachain event of an imported block, as JSON.
fn event_json(block: u32, block_hash: &str, event: &RelayEvent) -> Option<Value> {
    let v = match event {
        RelayEvent::CandidateBacked { candidate_hash, para_id, core, .. } => json!({
            "event": "CandidateBacked", "paraId": para_id.0, "candidateHash": candidate_hash.to_string(), "core": core.0,
        }),
        RelayEvent::CandidateIncluded { candidate, para_id, core, head_hash, .. } => json!({
            "event": "CandidateIncluded", "paraId": para_id.0, "candidateHash": candidate.hash().to_string(),
            "core": core.0, "headHash": hex0x(head_hash.as_bytes()),
        }),
        RelayEvent::CandidateTimedOut { candidate_hash, para_id, .. } => json!({
            "event": "CandidateTimedOut", "paraId": para_id.0, "candidateHash": candidate_hash.to_string(),
        }),
        RelayEvent::CandidateDisputedInvalid { candidate_hash, para_id, .. } => json!({
            "event": "CandidateDisputedInvalid", "paraId": para_id.0, "candidateHash": candidate_hash.to_string(),
        }),
        RelayEvent::DisputeInitiated { candidate_hash, para_id } => json!({
            "event": "DisputeInitiated", "paraId": para_id.0, "candidateHash": candidate_hash.to_string(),
        }),
        RelayEvent::DisputeConcluded { candidate_hash, para_id, valid } => json!({
            "event": "DisputeConcluded", "paraId": para_id.0, "candidateHash": candidate_hash.to_string(), "valid": valid,
        }),
        RelayEvent::Slashed { validator, amount } => json!({
            "event": "Slashed", "validator": hex0x(&validator.0), "amount": amount.to_string(),
        }),
        RelayEvent::ValidatorDisabled { validator } => json!({
            "event": "ValidatorDisabled", "validator": validator.0,
        }),
        _ => return None,
    };
    let mut v = v;
    if let Some(obj) = v.as_object_mut() {
        obj.insert("block".into(), json!(block));
        obj.insert("blockHash".into(), json!(block_hash));
    }
    Some(v)
}

/// The recent parachain events of imported blocks (every fork: each names its block).
#[derive(Default)]
pub struct ParaLog {
    events: VecDeque<Value>,
}

impl ParaLog {
    /// Records the parachain events of the block with `header`; returns how many candidates it
    /// included.
    pub fn note_block(&mut self, db: &StateDb, header: &RelayHeader) -> u64 {
        let Ok(records) = atoll_relay_chain::events(db, &header.state_root) else { return 0 };
        let included = records
            .iter()
            .filter(|r| matches!(r.event, RelayEvent::CandidateIncluded { .. }))
            .count() as u64;
        let hash = hex0x(header.hash().as_bytes());
        for record in records {
            if let Some(v) = event_json(header.number.0, &hash, &record.event) {
                if self.events.len() >= PARA_LOG_CAPACITY {
                    self.events.pop_front();
                }
                self.events.push_back(v);
            }
        }
        included
    }

    /// The recorded events named in `kinds` (all if empty), oldest first.
    pub fn events(&self, kinds: &[&str]) -> Vec<Value> {
        self.events
            .iter()
            .filter(|v| {
                kinds.is_empty()
                    || v.get("event").and_then(Value::as_str).is_some_and(|k| kinds.contains(&k))
            })
            .cloned()
            .collect()
    }
}
