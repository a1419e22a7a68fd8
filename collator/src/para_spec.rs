//! Para chain specs: which para a collator runs, with which runtime and genesis, in the
//! layout of Cumulus' specs (`name`, `id`, `chainType`, `para_id`, `relay_chain`, `genesis`).
//!
//! Built-in: `token-<para id>` (for example `token-2000`): the token chain with every dev
//! account funded. A file holds:
//!
//! ```json
//! { "name": "Token 2000", "id": "token-2000", "chainType": "Local", "para_id": 2000,
//!   "relay_chain": "local_testnet",
//!   "genesis": { "runtimeGenesis": { "code": "0x…(optional: the built-in token runtime)",
//!                                    "patch": { "balances": [["5Grw…", "1000000000"]] } } } }
//! ```
//!
//! Reading is strict: an unknown key or a bad value is an error naming its key path.

use atoll_primitives::{ss58, ParaId, ValidationCode};
use parity_scale_codec::Encode;
use serde_json::{json, Map, Value};

/// A para spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParaSpec {
    /// Human name.
    pub name: String,
    /// Machine id (the data directory is named after it).
    pub id: String,
    /// Chain type.
    pub chain_type: String,
    /// The para id.
    pub para_id: ParaId,
    /// The relay chain's id.
    pub relay_chain: String,
    /// The runtime.
    pub code: ValidationCode,
    /// Initial balances of the token runtime.
    pub balances: Vec<(atoll_primitives::Sr25519Public, u128)>,
}

/// Why a para spec cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParaSpecError {
    /// Not JSON, or not readable.
    #[error("{0}")]
    Read(String),
    /// A key is missing, unknown or has a bad value.
    #[error("{path}: {reason}")]
    Key {
        /// Its path.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

/// Each dev account's balance in built-in specs.
pub const DEV_PARA_BALANCE: u128 = 1_000_000_000_000;

impl ParaSpec {
    /// `token-<id>`, or `None` for another name.
    pub fn builtin(name: &str) -> Option<ParaSpec> {
        let id: u32 = name.strip_prefix("token-")?.parse().ok()?;
        let genesis = token_chain::Genesis::dev(DEV_PARA_BALANCE);
        Some(ParaSpec {
            name: format!("Token {id}"),
            id: name.to_string(),
            chain_type: "Local".into(),
            para_id: ParaId(id),
            relay_chain: "local_testnet".into(),
            code: ValidationCode(token_chain::WASM_BINARY.to_vec()),
            balances: genesis.balances,
        })
    }

    /// A built-in name or a file path.
    pub fn load(chain: &str) -> Result<ParaSpec, ParaSpecError> {
        if let Some(spec) = ParaSpec::builtin(chain) {
            return Ok(spec);
        }
        let text = std::fs::read_to_string(chain).map_err(|e| {
            ParaSpecError::Read(format!(
                "{chain}: not a built-in para (token-<id>) and not a readable file: {e}"
            ))
        })?;
        ParaSpec::from_json(&text)
    }

    /// The runtime's encoded genesis.
    pub fn runtime_genesis(&self) -> Vec<u8> {
        token_chain::Genesis { balances: self.balances.clone() }.encode()
    }

    /// Reads a spec file.
    pub fn from_json(text: &str) -> Result<ParaSpec, ParaSpecError> {
        let v: Value =
            serde_json::from_str(text).map_err(|e| ParaSpecError::Read(e.to_string()))?;
        let key = |path: &str, reason: &str| ParaSpecError::Key {
            path: path.into(),
            reason: reason.into(),
        };
        let top = v.as_object().ok_or_else(|| key("", "expected an object"))?;
        check_keys(
            top,
            "",
            &[
                "name",
                "id",
                "chainType",
                "para_id",
                "relay_chain",
                "genesis",
                "properties",
                "bootNodes",
            ],
        )?;
        let string = |k: &str| -> Result<String, ParaSpecError> {
            top.get(k)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| key(k, "expected a string"))
        };
        let para_id = top
            .get("para_id")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| key("para_id", "expected a number below 2^32"))?;
        let genesis = top
            .get("genesis")
            .and_then(Value::as_object)
            .ok_or_else(|| key("genesis", "expected an object"))?;
        check_keys(genesis, "genesis", &["runtimeGenesis"])?;
        let rg = genesis
            .get("runtimeGenesis")
            .and_then(Value::as_object)
            .ok_or_else(|| key("genesis.runtimeGenesis", "expected an object"))?;
        check_keys(rg, "genesis.runtimeGenesis", &["code", "patch"])?;
        let code = match rg.get("code") {
            None => ValidationCode(token_chain::WASM_BINARY.to_vec()),
            Some(c) => {
                let text = c.as_str().ok_or_else(|| {
                    key("genesis.runtimeGenesis.code", "expected a 0x hex string")
                })?;
                ValidationCode(
                    hex::decode(text.trim_start_matches("0x"))
                        .map_err(|e| key("genesis.runtimeGenesis.code", &e.to_string()))?,
                )
            }
        };
        let mut balances = token_chain::Genesis::dev(DEV_PARA_BALANCE).balances;
        if let Some(patch) = rg.get("patch") {
            let patch = patch
                .as_object()
                .ok_or_else(|| key("genesis.runtimeGenesis.patch", "expected an object"))?;
            check_keys(patch, "genesis.runtimeGenesis.patch", &["balances"])?;
            if let Some(list) = patch.get("balances") {
                let path = "genesis.runtimeGenesis.patch.balances";
                let list = list
                    .as_array()
                    .ok_or_else(|| key(path, "expected a list of [address, amount]"))?;
                balances = Vec::new();
                for (i, entry) in list.iter().enumerate() {
                    let p = format!("{path}[{i}]");
                    let pair = entry
                        .as_array()
                        .filter(|a| a.len() == 2)
                        .ok_or_else(|| key(&p, "expected [address, amount]"))?;
                    let addr =
                        pair[0].as_str().ok_or_else(|| key(&p, "address must be a string"))?;
                    let (public, _) = ss58::decode(addr)
                        .map_err(|e| key(&p, &format!("bad SS58 address: {e}")))?;
                    let amount = match &pair[1] {
                        Value::String(s) => s.parse::<u128>().ok(),
                        Value::Number(n) => n.as_u64().map(u128::from),
                        _ => None,
                    }
                    .ok_or_else(|| {
                        key(&p, "amount must be a non-negative integer (a string for big ones)")
                    })?;
                    balances.push((public, amount));
                }
            }
        }
        Ok(ParaSpec {
            name: string("name")?,
            id: string("id")?,
            chain_type: top.get("chainType").and_then(Value::as_str).unwrap_or("Local").to_string(),
            para_id: ParaId(para_id),
            relay_chain: string("relay_chain")?,
            code,
            balances,
        })
    }

    /// The spec as JSON (the code is left out when it is the built-in token runtime).
    pub fn to_json(&self) -> String {
        let balances: Vec<Value> = self
            .balances
            .iter()
            .map(|(who, amount)| json!([ss58::encode(who, 42), amount.to_string()]))
            .collect();
        let mut runtime = Map::new();
        if self.code.0 != token_chain::WASM_BINARY {
            runtime.insert("code".into(), json!(format!("0x{}", hex::encode(&self.code.0))));
        }
        runtime.insert("patch".into(), json!({ "balances": balances }));
        let v = json!({
            "name": self.name, "id": self.id, "chainType": self.chain_type,
            "para_id": self.para_id.0, "relay_chain": self.relay_chain,
            "genesis": { "runtimeGenesis": Value::Object(runtime) },
        });
        serde_json::to_string_pretty(&v).unwrap_or_else(|_| v.to_string())
    }
}

fn check_keys(obj: &Map<String, Value>, path: &str, allowed: &[&str]) -> Result<(), ParaSpecError> {
    for k in obj.keys() {
        if !allowed.contains(&k.as_str()) {
            let full = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
            return Err(ParaSpecError::Key { path: full, reason: "unknown field".into() });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn builtin_round_trips_through_json() {
        let spec = ParaSpec::builtin("token-2000").unwrap();
        assert_eq!(spec.para_id, ParaId(2000));
        let back = ParaSpec::from_json(&spec.to_json()).unwrap();
        assert_eq!(back, spec);
    }

    #[test]
    fn bad_specs_name_the_key() {
        let err = ParaSpec::from_json(r#"{"name":"x","id":"x","para_id":1,"relay_chain":"r","genesis":{"runtimeGenesis":{"patch":{"balances":[["nope","1"]]}}}}"#).unwrap_err();
        assert!(err.to_string().starts_with("genesis.runtimeGenesis.patch.balances[0]"), "{err}");
        let err = ParaSpec::from_json(
            r#"{"name":"x","id":"x","para_id":1,"relay_chain":"r","genesis":{},"extra":1}"#,
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "extra: unknown field");
        assert!(ParaSpec::load("token-x").is_err());
    }
}
