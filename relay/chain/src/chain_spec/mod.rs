//! Chain specs: the JSON file that tells a node which chain it runs, in Substrate's layout so
//! that operators find the keys they know (`name`, `id`, `chainType`, `bootNodes`,
//! `telemetryEndpoints`, `protocolId`, `properties`, `codeSubstitutes`, `genesis`).
//!
//! The genesis comes in two forms:
//! - human: `"genesis": {"runtimeGenesis": {"patch": {...}}}`, a partial genesis merged over the
//!   defaults (objects key by key, other values replaced; see [`Genesis`]'s JSON in
//!   `genesis_json`), or `{"runtimeGenesis": {"config": {...}}}`, a complete one without
//!   defaults;
//! - raw: `"genesis": {"raw": {"top": {"0x<key>": "0x<value>"}, "childrenDefault": {}}}`, the
//!   genesis state itself, what [`ChainSpec::to_raw`] writes by running [`build_genesis`].
//!
//! Reading is strict: an unknown key, a wrong type, a bad SS58 address or hex string is an error
//! naming its key path (`genesis.runtimeGenesis.patch.balances.balance: unknown field`).

mod genesis_json;
mod json;
mod presets;

use std::collections::BTreeMap;

use atoll_primitives::relay::RelayHeader;
use atoll_primitives::ss58::{self, GENERIC_PREFIX};
use atoll_trie::StateDb;
use serde_json::{json, Map, Value};

use crate::error::ChainError;
use crate::genesis::{build_genesis, genesis_header, Genesis, GenesisError};
use crate::queries;
use json::{at, hex_value, join, merge};

pub use presets::{default_properties, preset, testnet_genesis, DEV_BALANCE, DEV_STAKE};

/// What kind of network a spec describes (Substrate's `chainType`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainType {
    /// A single-node development chain.
    Development,
    /// A local test network.
    Local,
    /// A live network.
    Live,
    /// Anything else, named.
    Custom(String),
}

/// The genesis of a spec.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(
    clippy::large_enum_variant,
    reason = "a spec is read once per process; boxing would only burden its users"
)]
pub enum SpecGenesis {
    /// The genesis description (the patch merged over the defaults).
    Human {
        /// The genesis.
        genesis: Genesis,
        /// HRMP channels to open at genesis: accepted and kept as written, opened once HRMP
        /// exists.
        hrmp_channels: Vec<Value>,
    },
    /// The genesis state's key-value pairs.
    Raw {
        /// Every pair of the genesis state.
        top: BTreeMap<Vec<u8>, Vec<u8>>,
    },
}

/// A chain spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainSpec {
    /// Human-readable name ("Development").
    pub name: String,
    /// Short id ("dev"), used in paths and metric labels.
    pub id: String,
    /// The kind of network.
    pub chain_type: ChainType,
    /// Multiaddrs (`/ip4/.../tcp/.../p2p/<PeerId>`) of nodes to connect to first.
    pub boot_nodes: Vec<String>,
    /// Telemetry endpoints with their verbosity.
    pub telemetry_endpoints: Vec<(String, u8)>,
    /// The network protocol id ("atoll").
    pub protocol_id: Option<String>,
    /// Distinguishes a fork of a chain with the same genesis.
    pub fork_id: Option<String>,
    /// Free-form properties; wallets read `ss58Format`, `tokenSymbol`, `tokenDecimals`.
    pub properties: Map<String, Value>,
    /// The genesis.
    pub genesis: SpecGenesis,
}

/// Why a chain spec was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// The text is not JSON.
    #[error("not valid JSON: {reason}")]
    Json {
        /// The parser's message (with line and column).
        reason: String,
    },
    /// A key this spec format does not have.
    #[error("{path}: unknown field")]
    UnknownField {
        /// Its key path.
        path: String,
    },
    /// A required key is absent.
    #[error("{path}: missing field")]
    MissingField {
        /// Its key path.
        path: String,
    },
    /// A value of the wrong JSON type.
    #[error("{path}: expected {expected}, found {found}")]
    WrongType {
        /// Its key path.
        path: String,
        /// What was expected.
        expected: &'static str,
        /// What was found.
        found: &'static str,
    },
    /// A number out of range.
    #[error("{path}: {reason}")]
    BadNumber {
        /// Its key path.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A string that is neither an SS58 address nor a 32-byte hex key.
    #[error("{path}: {value:?} is not an SS58 address or 0x-prefixed 32-byte key: {reason}")]
    BadAddress {
        /// Its key path.
        path: String,
        /// The string.
        value: String,
        /// What is wrong.
        reason: String,
    },
    /// A string that is not `0x`-prefixed hex.
    #[error("{path}: not 0x-prefixed hex: {reason}")]
    BadHex {
        /// Its key path.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A feature of Substrate specs Atoll does not have.
    #[error("{path}: {what} is not supported")]
    Unsupported {
        /// Its key path.
        path: String,
        /// What it is.
        what: &'static str,
    },
    /// `genesis` must hold exactly one of `runtimeGenesis` and `raw`, and `runtimeGenesis`
    /// exactly one of `patch` and `config`.
    #[error("{path}: expected exactly one of {expected}")]
    AmbiguousGenesis {
        /// The object's key path.
        path: String,
        /// The alternatives.
        expected: &'static str,
    },
    /// The genesis description was refused by the chain's checks.
    #[error("{path}: {reason}")]
    Genesis {
        /// The genesis' key path.
        path: String,
        /// Why.
        reason: GenesisError,
    },
    /// A raw genesis that is not a relay state.
    #[error("genesis.raw.top is not a relay genesis state: {reason}")]
    RawState {
        /// What reading it failed on.
        reason: ChainError,
    },
    /// The operation needs the human form, the spec is raw.
    #[error("the spec is raw; its genesis description is gone (keep the human spec to edit it)")]
    NotHuman,
    /// Building the genesis state failed.
    #[error(transparent)]
    Chain(#[from] ChainError),
}

const PATCH_PATH: &str = "genesis.runtimeGenesis.patch";
const CONFIG_PATH: &str = "genesis.runtimeGenesis.config";

impl ChainSpec {
    /// Parses a spec in either form, strictly (see the module docs).
    pub fn from_json(text: &str) -> Result<ChainSpec, SpecError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| SpecError::Json { reason: e.to_string() })?;
        let mut top = at(&value, "").obj()?;
        let read_string = |(v, path): (&Value, String)| at(v, &path).string();
        let name = read_string(top.req("name")?)?;
        let id = read_string(top.req("id")?)?;
        let chain_type = match top.opt("chainType") {
            Some((v, path)) => chain_type_from_json(v, &path)?,
            None => ChainType::Live,
        };
        let boot_nodes = match top.opt("bootNodes") {
            Some((v, path)) => at(v, &path)
                .array()?
                .into_iter()
                .map(|(p, v)| at(v, &p).string())
                .collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        let telemetry_endpoints = match top.opt("telemetryEndpoints") {
            Some((v, path)) if !v.is_null() => telemetry_from_json(v, &path)?,
            _ => Vec::new(),
        };
        let protocol_id = match top.opt("protocolId") {
            Some((v, path)) => at(v, &path).opt_string()?,
            None => None,
        };
        let fork_id = match top.opt("forkId") {
            Some((v, path)) => at(v, &path).opt_string()?,
            None => None,
        };
        let properties = match top.opt("properties") {
            Some((Value::Object(map), _)) => map.clone(),
            Some((Value::Null, _)) | None => Map::new(),
            Some((v, path)) => {
                return Err(SpecError::WrongType {
                    path,
                    expected: "an object",
                    found: json::type_name(v),
                })
            }
        };
        if let Some((v, path)) = top.opt("codeSubstitutes") {
            let substitutes = at(v, &path).obj()?;
            if substitutes.finish().is_err() {
                return Err(SpecError::Unsupported { path, what: "code substitution" });
            }
        }
        let genesis = {
            let (v, path) = top.req("genesis")?;
            genesis_from_json(v, &path)?
        };
        top.finish()?;
        let spec = ChainSpec {
            name,
            id,
            chain_type,
            boot_nodes,
            telemetry_endpoints,
            protocol_id,
            fork_id,
            properties,
            genesis,
        };
        spec.ss58_format_checked()?;
        Ok(spec)
    }

    /// The SS58 prefix addresses are written with: `properties.ss58Format`, else 42.
    pub fn ss58_format(&self) -> u16 {
        self.ss58_format_checked().unwrap_or(GENERIC_PREFIX)
    }

    fn ss58_format_checked(&self) -> Result<u16, SpecError> {
        match self.properties.get("ss58Format") {
            None | Some(Value::Null) => Ok(GENERIC_PREFIX),
            Some(v) => {
                let prefix = at(v, "properties.ss58Format").u16()?;
                if prefix > ss58::MAX_PREFIX {
                    return Err(SpecError::BadNumber {
                        path: "properties.ss58Format".into(),
                        reason: format!(
                            "{prefix} is above the largest SS58 prefix {}",
                            ss58::MAX_PREFIX
                        ),
                    });
                }
                Ok(prefix)
            }
        }
    }

    /// The genesis description, if the spec is in human form.
    pub fn genesis(&self) -> Option<&Genesis> {
        match &self.genesis {
            SpecGenesis::Human { genesis, .. } => Some(genesis),
            SpecGenesis::Raw { .. } => None,
        }
    }

    /// Whether the genesis is in raw form.
    pub fn is_raw(&self) -> bool {
        matches!(self.genesis, SpecGenesis::Raw { .. })
    }

    /// The spec as pretty JSON, in whichever form it is.
    pub fn to_json(&self) -> Result<String, SpecError> {
        let genesis = match &self.genesis {
            SpecGenesis::Human { genesis, hrmp_channels } => json!({
                "runtimeGenesis": {
                    "patch": genesis_json::genesis_to_json(genesis, self.ss58_format(), hrmp_channels)
                }
            }),
            SpecGenesis::Raw { top } => {
                let top: Map<String, Value> = top
                    .iter()
                    .map(|(k, v)| (format!("0x{}", hex::encode(k)), hex_value(v)))
                    .collect();
                json!({ "raw": { "top": top, "childrenDefault": {} } })
            }
        };
        let telemetry: Value = if self.telemetry_endpoints.is_empty() {
            Value::Null
        } else {
            self.telemetry_endpoints.iter().map(|(url, level)| json!([url, level])).collect()
        };
        let mut spec = json!({
            "name": self.name,
            "id": self.id,
            "chainType": chain_type_to_json(&self.chain_type),
            "bootNodes": self.boot_nodes,
            "telemetryEndpoints": telemetry,
            "protocolId": self.protocol_id,
            "properties": self.properties,
            "codeSubstitutes": {},
            "genesis": genesis,
        });
        if let (Some(fork), Value::Object(map)) = (&self.fork_id, &mut spec) {
            map.insert("forkId".into(), json!(fork));
        }
        serde_json::to_string_pretty(&spec).map_err(|e| SpecError::Json { reason: e.to_string() })
    }

    /// The spec in human form as pretty JSON; a raw spec has no human form.
    pub fn to_json_human(&self) -> Result<String, SpecError> {
        if self.is_raw() {
            return Err(SpecError::NotHuman);
        }
        self.to_json()
    }

    /// The same spec with its genesis in raw form: [`build_genesis`] run and every pair of the
    /// state listed. A raw spec is returned unchanged.
    pub fn to_raw(&self) -> Result<ChainSpec, SpecError> {
        let top = match &self.genesis {
            SpecGenesis::Raw { .. } => return Ok(self.clone()),
            SpecGenesis::Human { genesis, .. } => {
                let mut db = StateDb::new();
                let header =
                    build_genesis(&mut db, genesis).map_err(|e| genesis_error(e, PATCH_PATH))?;
                db.pairs(&header.state_root).map_err(ChainError::from)?.into_iter().collect()
            }
        };
        Ok(ChainSpec { genesis: SpecGenesis::Raw { top }, ..self.clone() })
    }

    /// Writes the genesis state into `db` and returns the genesis header. Both forms of one
    /// genesis give the same header.
    pub fn genesis_state(&self, db: &mut StateDb) -> Result<RelayHeader, SpecError> {
        match &self.genesis {
            SpecGenesis::Human { genesis, .. } => {
                build_genesis(db, genesis).map_err(|e| genesis_error(e, PATCH_PATH))
            }
            SpecGenesis::Raw { top } => {
                let root = db.insert_entries(top.iter().map(|(k, v)| (k.clone(), v.clone())));
                // A relay genesis state has a configuration, a session and its validators.
                let sane = queries::config(db, &root)
                    .and_then(|_| queries::session_index(db, &root))
                    .and_then(|_| queries::validators(db, &root));
                match sane {
                    Ok(v) if !v.is_empty() => Ok(genesis_header(root)),
                    Ok(_) => Err(SpecError::RawState {
                        reason: ChainError::Invariant("a validator set is never empty"),
                    }),
                    Err(reason) => Err(SpecError::RawState { reason }),
                }
            }
        }
    }
}

fn genesis_error(e: ChainError, path: &str) -> SpecError {
    match e {
        ChainError::Genesis(reason) => SpecError::Genesis { path: path.into(), reason },
        ChainError::Config(reason) => {
            SpecError::Genesis { path: path.into(), reason: reason.into() }
        }
        other => SpecError::Chain(other),
    }
}

fn chain_type_to_json(t: &ChainType) -> Value {
    match t {
        ChainType::Development => json!("Development"),
        ChainType::Local => json!("Local"),
        ChainType::Live => json!("Live"),
        ChainType::Custom(name) => json!({ "Custom": name }),
    }
}

fn chain_type_from_json(v: &Value, path: &str) -> Result<ChainType, SpecError> {
    if let Value::Object(_) = v {
        let mut o = at(v, path).obj()?;
        let (name, name_path) = o.req("Custom")?;
        let name = at(name, &name_path).string()?;
        o.finish()?;
        return Ok(ChainType::Custom(name));
    }
    match at(v, path).string()?.as_str() {
        "Development" => Ok(ChainType::Development),
        "Local" => Ok(ChainType::Local),
        "Live" => Ok(ChainType::Live),
        other => Err(SpecError::BadNumber {
            path: path.into(),
            reason: format!("{other:?} is not Development, Local, Live or {{\"Custom\": name}}"),
        }),
    }
}

fn telemetry_from_json(v: &Value, path: &str) -> Result<Vec<(String, u8)>, SpecError> {
    at(v, path)
        .array()?
        .into_iter()
        .map(|(p, item)| {
            let (pa, url, pb, level) = at(item, &p).pair()?;
            let level = at(level, &pb).u16()?;
            let level = u8::try_from(level).map_err(|_| SpecError::BadNumber {
                path: pb.clone(),
                reason: format!("verbosity {level} is above 255"),
            })?;
            Ok((at(url, &pa).string()?, level))
        })
        .collect()
}

fn genesis_from_json(v: &Value, path: &str) -> Result<SpecGenesis, SpecError> {
    let mut o = at(v, path).obj()?;
    let runtime = o.opt("runtimeGenesis");
    let raw = o.opt("raw");
    o.finish()?;
    match (runtime, raw) {
        (Some((v, path)), None) => {
            let mut r = at(v, &path).obj()?;
            let patch = r.opt("patch");
            let config = r.opt("config");
            if r.opt("code").is_some() {
                return Err(SpecError::Unsupported {
                    path: join(&path, "code"),
                    what: "runtime code (the relay chain's state transition is native)",
                });
            }
            r.finish()?;
            // A patch merges over the defaults; a full config stands alone.
            let (merged, path) = match (patch, config) {
                (Some((patch, _)), None) => {
                    let mut merged =
                        genesis_json::genesis_to_json(&Genesis::default(), GENERIC_PREFIX, &[]);
                    merge(&mut merged, patch);
                    (merged, PATCH_PATH)
                }
                (None, Some((config, _))) => (config.clone(), CONFIG_PATH),
                _ => {
                    return Err(SpecError::AmbiguousGenesis { path, expected: "patch, config" });
                }
            };
            let (genesis, hrmp_channels) = genesis_json::genesis_from_json(at(&merged, path))?;
            genesis.check().map_err(|reason| SpecError::Genesis { path: path.into(), reason })?;
            Ok(SpecGenesis::Human { genesis, hrmp_channels })
        }
        (None, Some((v, path))) => {
            let mut r = at(v, &path).obj()?;
            let (top_value, top_path) = r.req("top")?;
            if let Some((children, children_path)) = r.opt("childrenDefault") {
                if at(children, &children_path).obj()?.finish().is_err() {
                    return Err(SpecError::Unsupported {
                        path: children_path,
                        what: "child storage",
                    });
                }
            }
            r.finish()?;
            let Value::Object(pairs) = top_value else {
                at(top_value, &top_path).obj()?;
                return Err(SpecError::Unsupported { path: top_path, what: "a non-object top" });
            };
            let mut top = BTreeMap::new();
            for (key, value) in pairs {
                let pair_path = join(&top_path, key);
                let key_bytes = at(&Value::String(key.clone()), &pair_path).hex()?;
                top.insert(key_bytes, at(value, &pair_path).hex()?);
            }
            Ok(SpecGenesis::Raw { top })
        }
        _ => {
            Err(SpecError::AmbiguousGenesis { path: path.into(), expected: "runtimeGenesis, raw" })
        }
    }
}
