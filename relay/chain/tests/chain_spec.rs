//! Chain specs: the presets' genesis, human and raw forms giving one genesis, strict parsing
//! with key paths in errors, and patches merged over the defaults.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests stop loudly.

use atoll_primitives::crypto::{Pair, DEV_ACCOUNTS};
use atoll_primitives::{HeadData, ParaId, ValidationCode};
use atoll_relay_chain::chain_spec::{DEV_BALANCE, DEV_STAKE};
use atoll_relay_chain::{
    build_genesis, preset, queries, ChainSpec, ChainType, GenesisChannel, GenesisPara,
    HostConfiguration, SpecError, SpecGenesis, UNIT,
};
use atoll_trie::StateDb;
use serde_json::{json, Value};

const ALICE_SS58: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

fn dev(name: &str) -> atoll_primitives::Sr25519Public {
    Pair::dev(name).public()
}

/// The `dev` preset: "Development", //Alice validating with 10^15 bonded, every dev account
/// funded with 10^18, //Alice sudo, test-network numbers; its genesis state says so.
#[test]
fn dev_preset_genesis() {
    let spec = preset("dev").unwrap();
    assert_eq!((spec.name.as_str(), spec.id.as_str()), ("Development", "dev"));
    assert_eq!(spec.chain_type, ChainType::Development);
    let mut db = StateDb::new();
    let header = spec.genesis_state(&mut db).unwrap();
    let root = header.state_root;
    assert_eq!(header.number.0, 0);
    assert_eq!(queries::validators(&db, &root).unwrap(), vec![dev("Alice")]);
    assert_eq!(queries::stake(&db, &root, &dev("Alice")).unwrap(), 1_000_000_000_000_000);
    for name in DEV_ACCOUNTS {
        assert_eq!(
            queries::balance(&db, &root, &dev(name)).unwrap(),
            1_000_000 * 1_000_000_000_000
        );
    }
    assert_eq!(queries::sudo_key(&db, &root).unwrap(), Some(dev("Alice")));
    let config = queries::config(&db, &root).unwrap();
    assert_eq!(config.session_length, 20);
    assert_eq!(config.slot_duration_ms, 1_000);
    assert_eq!(config.validators_per_group, 2);
    assert_eq!(config.needed_approvals, 2);
    assert_eq!(config.group_rotation_frequency, 5);
    assert_eq!(queries::total_issuance(&db, &root).unwrap(), 6 * DEV_BALANCE + DEV_STAKE);
    assert_eq!(queries::genesis_hash(&db, &root).unwrap(), None, "recorded by block #1");
    let json = spec.to_json_human().unwrap();
    assert!(json.contains(ALICE_SS58), "addresses are SS58 with prefix 42");
}

/// The `local` preset: "Local Testnet" with //Alice and //Bob validating.
#[test]
fn local_preset_genesis() {
    let spec = preset("local").unwrap();
    assert_eq!(spec.name, "Local Testnet");
    assert_eq!(spec.chain_type, ChainType::Local);
    assert_eq!(preset("local_testnet"), Some(spec.clone()));
    let mut db = StateDb::new();
    let root = spec.genesis_state(&mut db).unwrap().state_root;
    assert_eq!(queries::validators(&db, &root).unwrap(), vec![dev("Alice"), dev("Bob")]);
    assert_eq!(queries::stake(&db, &root, &dev("Bob")).unwrap(), DEV_STAKE);
    assert!(preset("polkadot").is_none());
}

/// Human form → JSON → spec is lossless, and human → raw → JSON → state gives the very root
/// (and header) `build_genesis` gives.
#[test]
fn human_and_raw_forms_give_the_same_genesis() {
    let mut spec = preset("local").unwrap();
    if let SpecGenesis::Human { genesis, hrmp_channels } = &mut spec.genesis {
        genesis.paras.push(GenesisPara {
            id: ParaId(2000),
            head: HeadData(vec![0xde, 0xad]),
            code: ValidationCode(b"\0asm para".to_vec()),
        });
        genesis.paras.push(GenesisPara {
            id: ParaId(2001),
            head: HeadData(vec![0xbe, 0xef]),
            code: ValidationCode(b"\0asm para".to_vec()),
        });
        genesis.balances.push((dev("Mallory"), u128::MAX / 2));
        // Polkadot's tuple form and the object form zombienet writes.
        hrmp_channels.push(json!([2000, 2001, 8, 512]));
        hrmp_channels.push(
            json!({"sender": 2001, "recipient": 2000, "max_capacity": 4, "max_message_size": 256}),
        );
        genesis.hrmp_channels.push(GenesisChannel {
            sender: ParaId(2000),
            recipient: ParaId(2001),
            max_capacity: 8,
            max_message_size: 512,
        });
        genesis.hrmp_channels.push(GenesisChannel {
            sender: ParaId(2001),
            recipient: ParaId(2000),
            max_capacity: 4,
            max_message_size: 256,
        });
    }
    spec.boot_nodes.push("/ip4/127.0.0.1/tcp/30333/p2p/12D3KooWExample".into());
    let human = spec.to_json_human().unwrap();
    assert!(
        human.contains("\"170141183460469231731687303715884105727\""),
        "big amounts as strings"
    );
    let reparsed = ChainSpec::from_json(&human).unwrap();
    assert_eq!(reparsed, spec);

    let mut db = StateDb::new();
    let direct = build_genesis(&mut db, spec.genesis().unwrap()).unwrap();
    let raw = spec.to_raw().unwrap();
    assert!(raw.is_raw());
    let raw_json = raw.to_json().unwrap();
    assert!(raw_json.contains("\"top\""));
    assert_eq!(raw.to_json_human(), Err(SpecError::NotHuman));
    let raw_again = ChainSpec::from_json(&raw_json).unwrap();
    assert_eq!(raw_again, raw);
    let mut fresh = StateDb::new();
    let from_raw = raw_again.genesis_state(&mut fresh).unwrap();
    assert_eq!(from_raw, direct);
    assert_eq!(from_raw.hash(), direct.hash());
    assert_eq!(
        queries::para_head(&fresh, &from_raw.state_root, ParaId(2000)).unwrap(),
        Some(HeadData(vec![0xde, 0xad]))
    );
    let channel = atoll_primitives::messaging::HrmpChannelId {
        sender: ParaId(2001),
        recipient: ParaId(2000),
    };
    let open = queries::hrmp_channel(&fresh, &from_raw.state_root, channel).unwrap().unwrap();
    assert_eq!((open.max_capacity, open.max_message_size), (4, 256));
}

fn patched(edit: impl FnOnce(&mut Value)) -> Result<ChainSpec, SpecError> {
    let mut value: Value =
        serde_json::from_str(&preset("dev").unwrap().to_json_human().unwrap()).unwrap();
    edit(&mut value);
    ChainSpec::from_json(&value.to_string())
}

/// An unknown key anywhere is an error naming its path.
#[test]
fn unknown_keys_are_errors_with_the_key_path() {
    let err = patched(|v| {
        let balances = &mut v["genesis"]["runtimeGenesis"]["patch"]["balances"];
        balances["balance"] = balances["balances"].take();
        balances.as_object_mut().unwrap().remove("balances");
    })
    .unwrap_err();
    assert_eq!(
        err,
        SpecError::UnknownField { path: "genesis.runtimeGenesis.patch.balances.balance".into() }
    );
    assert_eq!(err.to_string(), "genesis.runtimeGenesis.patch.balances.balance: unknown field");

    let err = patched(|v| {
        v["genesis"]["runtimeGenesis"]["patch"]["configuration"]["config"]["max_cod_size"] =
            json!(1)
    })
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "genesis.runtimeGenesis.patch.configuration.config.max_cod_size: unknown field"
    );
    let err = patched(|v| v["bootnodes"] = json!([])).unwrap_err();
    assert_eq!(err, SpecError::UnknownField { path: "bootnodes".into() });
    let err = patched(|v| {
        v["genesis"]["runtimeGenesis"]["patch"]["paras"] =
            json!([{"id": 2000, "head": "0x", "code": "0x00", "kind": 1}])
    })
    .unwrap_err();
    assert_eq!(
        err,
        SpecError::UnknownField { path: "genesis.runtimeGenesis.patch.paras[0].kind".into() }
    );
}

/// A bad SS58 address is an error naming the key path and the value.
#[test]
fn bad_ss58_is_an_error_with_the_key_path_and_value() {
    let bad = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ";
    let err = patched(|v| {
        v["genesis"]["runtimeGenesis"]["patch"]["session"]["validators"][0][0] = json!(bad)
    })
    .unwrap_err();
    match &err {
        SpecError::BadAddress { path, value, .. } => {
            assert_eq!(path, "genesis.runtimeGenesis.patch.session.validators[0][0]");
            assert_eq!(value, bad);
        }
        other => panic!("expected a bad address, got {other:?}"),
    }
    assert!(err
        .to_string()
        .starts_with(&format!("genesis.runtimeGenesis.patch.session.validators[0][0]: \"{bad}\"")));
    let err = patched(|v| v["genesis"]["runtimeGenesis"]["patch"]["sudo"]["key"] = json!("alice"))
        .unwrap_err();
    assert!(
        matches!(err, SpecError::BadAddress { path, .. } if path == "genesis.runtimeGenesis.patch.sudo.key")
    );
}

/// Other malformed values: wrong types, bad hex, negative amounts, both genesis forms, invalid
/// genesis (no validators, zero session length), non-JSON.
#[test]
fn malformed_specs_are_clear_errors() {
    let patch = |f: fn(&mut Value)| {
        patched(|v| f(&mut v["genesis"]["runtimeGenesis"]["patch"])).unwrap_err()
    };
    assert_eq!(
        patch(|p| p["paras"] = json!([{"id": 2000, "head": "dead", "code": "0x00"}])),
        SpecError::BadHex {
            path: "genesis.runtimeGenesis.patch.paras[0].head".into(),
            reason: "hex must start with 0x".into()
        }
    );
    assert!(matches!(
        patch(|p| p["balances"]["balances"][0][1] = json!(-5)),
        SpecError::BadNumber { path, .. } if path == "genesis.runtimeGenesis.patch.balances.balances[0][1]"
    ));
    assert_eq!(
        patch(|p| p["session"] = json!([])),
        SpecError::WrongType {
            path: "genesis.runtimeGenesis.patch.session".into(),
            expected: "an object",
            found: "an array"
        }
    );
    assert!(matches!(
        patch(|p| p["session"]["validators"] = json!([])),
        SpecError::Genesis { reason: atoll_relay_chain::GenesisError::NoValidators, .. }
    ));
    assert_eq!(
        patch(|p| p["configuration"]["config"]["session_length"] = json!(0)).to_string(),
        "genesis.runtimeGenesis.patch: session_length must not be zero"
    );
    let both = patched(|v| v["genesis"]["raw"] = json!({"top": {}})).unwrap_err();
    assert!(matches!(both, SpecError::AmbiguousGenesis { path, .. } if path == "genesis"));
    assert!(matches!(ChainSpec::from_json("{ not json"), Err(SpecError::Json { .. })));
    let missing = patched(|v| {
        v.as_object_mut().unwrap().remove("name");
    })
    .unwrap_err();
    assert_eq!(missing.to_string(), "name: missing field");
}

/// A hand-written patch names only what differs: the rest comes from the defaults (DESIGN.md's
/// numbers, no paras, no sudo); `config` instead of `patch` takes no defaults.
#[test]
fn patch_merges_over_the_defaults() {
    let text = json!({
        "name": "Mine", "id": "mine", "chainType": {"Custom": "staging"},
        "genesis": {"runtimeGenesis": {"patch": {
            "configuration": {"config": {
                "session_length": 50,
                "para_deposit": "1000000000000",
                "availability_timeout": 7,
                "slash_approvers": 1_000_000,
            }},
            "session": {"validators": [[ALICE_SS58, 5]]},
        }}}
    })
    .to_string();
    let spec = ChainSpec::from_json(&text).unwrap();
    assert_eq!(spec.chain_type, ChainType::Custom("staging".into()));
    let genesis = spec.genesis().unwrap();
    assert_eq!(
        genesis.config,
        HostConfiguration {
            session_length: 50,
            para_deposit: UNIT,
            availability_timeout: 7,
            slash_approvers: atoll_relay_chain::Perbill(1_000_000),
            ..HostConfiguration::default()
        }
    );
    assert_eq!(genesis.validators, vec![(dev("Alice"), 5)]);
    assert!(genesis.balances.is_empty() && genesis.paras.is_empty() && genesis.sudo.is_none());
    assert_eq!(spec.ss58_format(), 42);

    let full = json!({"name": "x", "id": "x", "genesis": {"runtimeGenesis": {"config": {"session": {"validators": []}}}}});
    let err = ChainSpec::from_json(&full.to_string()).unwrap_err();
    assert_eq!(
        err,
        SpecError::MissingField { path: "genesis.runtimeGenesis.config.configuration".into() }
    );
}

/// A raw genesis that is not a relay state is refused when turned into a state.
#[test]
fn raw_state_without_relay_keys_is_refused() {
    let text = json!({"name": "x", "id": "x", "genesis": {"raw": {"top": {"0x01": "0x02"}, "childrenDefault": {}}}});
    let spec = ChainSpec::from_json(&text.to_string()).unwrap();
    let mut db = StateDb::new();
    assert!(matches!(spec.genesis_state(&mut db), Err(SpecError::RawState { .. })));
    let bad_key = json!({"name": "x", "id": "x", "genesis": {"raw": {"top": {"zz": "0x02"}}}});
    assert!(matches!(
        ChainSpec::from_json(&bad_key.to_string()),
        Err(SpecError::BadHex { path, .. }) if path == "genesis.raw.top.zz"
    ));
    let props = json!({"name": "x", "id": "x", "properties": [], "genesis": {"raw": {"top": {}}}});
    assert_eq!(
        ChainSpec::from_json(&props.to_string()),
        Err(SpecError::WrongType {
            path: "properties".into(),
            expected: "an object",
            found: "an array"
        })
    );
}
