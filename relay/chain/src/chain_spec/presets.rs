//! The built-in chain specs: `dev` (one validator, //Alice) and `local` (//Alice and //Bob), both
//! with DESIGN.md's test-network numbers, every dev account funded and //Alice as sudo.

use atoll_primitives::crypto::{Pair, DEV_ACCOUNTS};
use serde_json::{json, Map, Value};

use super::{ChainSpec, ChainType, SpecGenesis};
use crate::config::{HostConfiguration, UNIT};
use crate::genesis::Genesis;

/// What each dev account holds at genesis: one million units.
pub const DEV_BALANCE: u128 = 1_000_000 * UNIT;
/// What each preset validator has bonded at genesis: a thousand units.
pub const DEV_STAKE: u128 = 1_000 * UNIT;

/// The `properties` of Atoll's chains: generic Substrate addresses, token ATL with 12 decimals.
pub fn default_properties() -> Map<String, Value> {
    let mut properties = Map::new();
    properties.insert("ss58Format".into(), json!(42));
    properties.insert("tokenSymbol".into(), json!("ATL"));
    properties.insert("tokenDecimals".into(), json!(12));
    properties
}

/// A test-network genesis validated by the named dev keys.
pub fn testnet_genesis(validators: &[&str]) -> Genesis {
    Genesis {
        config: HostConfiguration::test_network(),
        validators: validators.iter().map(|name| (Pair::dev(name).public(), DEV_STAKE)).collect(),
        balances: DEV_ACCOUNTS.iter().map(|name| (Pair::dev(name).public(), DEV_BALANCE)).collect(),
        paras: Vec::new(),
        sudo: Some(Pair::dev("Alice").public()),
        hrmp_channels: Vec::new(),
    }
}

fn testnet_spec(name: &str, id: &str, chain_type: ChainType, validators: &[&str]) -> ChainSpec {
    ChainSpec {
        name: name.into(),
        id: id.into(),
        chain_type,
        boot_nodes: Vec::new(),
        telemetry_endpoints: Vec::new(),
        protocol_id: Some("atoll".into()),
        fork_id: None,
        properties: default_properties(),
        genesis: SpecGenesis::Human {
            genesis: testnet_genesis(validators),
            hrmp_channels: Vec::new(),
        },
    }
}

/// A built-in spec by name: `dev` (or `development`), `local` (or `local_testnet`).
pub fn preset(name: &str) -> Option<ChainSpec> {
    match name {
        "dev" | "development" => {
            Some(testnet_spec("Development", "dev", ChainType::Development, &["Alice"]))
        }
        "local" | "local_testnet" | "local-testnet" => Some(testnet_spec(
            "Local Testnet",
            "local_testnet",
            ChainType::Local,
            &["Alice", "Bob"],
        )),
        _ => None,
    }
}
