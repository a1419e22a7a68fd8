//! Whole network definitions, as a zombienet user would write them: what they parse to, and
//! every problem of a broken one reported at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use atoll_primitives::ParaId;
use serde_json::json;
use zombienet::config::{
    load, parse_str, ConfigError, HrmpChannelConfig, NetworkBuilder, NodeConfig, Stage,
};

/// A zombienet-style definition using most of what Atoll supports, with some keys zombienet
/// has that mean nothing for native processes.
const FULL: &str = r#"
# Two paras with an HRMP channel each way.
[settings]
timeout = 1000
node_spawn_timeout = 25
provider = "native"
enable_tracing = false

[settings.readiness]
para_heads = 120

[relaychain]
default_command = "{{RELAY_BIN}}"
default_image = "docker.io/parity/polkadot:latest"
chain = "local"
default_args = ["-lparachain=debug"]

[relaychain.genesis.configuration.config]
needed_approvals = 2

[[relaychain.nodes]]
name = "alice"
rpc_port = 9944
env = [{ name = "RUST_LOG", value = "info" }]

[[relaychain.nodes]]
name = "bob"
validator = false
balance = 5000000000000

[[relaychain.node_groups]]
name = "validator"
count = 3
args = ["--pruning", "archive"]

[[parachains]]
id = 2000
cumulus_based = true
add_to_genesis = true

[parachains.collator]
name = "collator01"
command = "{{ COLLATOR_BIN }}"
args = ["-lparachain=debug"]

[[parachains]]
id = 2001
chain = "token-2001"
default_args = ["--force-authoring"]

[[parachains.collator_groups]]
name = "c2001"
count = 2

[[hrmp_channels]]
sender = 2000
recipient = 2001
max_capacity = 4
max_message_size = 1024

[[hrmp_channels]]
sender = 2001
recipient = 2000

[types.Header]
number = "u64"
"#;

fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let vars: HashMap<String, String> =
        vars.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect();
    move |name| vars.get(name).cloned()
}

fn full_env() -> impl Fn(&str) -> Option<String> {
    env_of(&[
        ("RELAY_BIN", "/opt/atoll/atoll-relay"),
        ("COLLATOR_BIN", "/opt/atoll/atoll-collator"),
    ])
}

#[test]
fn a_full_definition_parses_to_the_expected_model() {
    let parsed = parse_str(FULL, Path::new("/nets"), &full_env()).unwrap();
    let config = &parsed.config;

    let settings = &config.settings;
    assert_eq!(settings.timeout, Duration::from_secs(1000));
    let timeouts: Vec<u64> =
        Stage::ALL.iter().map(|stage| settings.readiness.timeout(*stage).as_secs()).collect();
    assert_eq!(timeouts, vec![25, 25, 30, 60, 120]);
    assert_eq!(settings.readiness.wait_for, Stage::ParaHeadsAdvancing);
    assert_eq!(settings.local_ip.to_string(), "127.0.0.1");
    assert_eq!(settings.base_dir, None);

    let relay = &config.relaychain;
    assert_eq!(relay.default_command, "/opt/atoll/atoll-relay");
    assert_eq!(relay.chain, "local");
    assert_eq!(relay.default_args, vec!["-lparachain=debug"]);
    assert_eq!(relay.genesis, Some(json!({"configuration": {"config": {"needed_approvals": 2}}})));
    let names: Vec<&str> = relay.nodes.iter().map(|node| node.name.as_str()).collect();
    assert_eq!(names, vec!["alice", "bob", "validator-1", "validator-2", "validator-3"]);
    assert_eq!(
        relay.nodes[0],
        NodeConfig {
            rpc_port: Some(9944),
            env: vec![("RUST_LOG".to_owned(), "info".to_owned())],
            ..NodeConfig::named("alice")
        }
    );
    assert!(!relay.nodes[1].validator);
    assert_eq!(relay.nodes[1].balance, 5_000_000_000_000);
    for member in &relay.nodes[2..] {
        assert!(member.validator);
        assert_eq!(member.group.as_deref(), Some("validator"));
        assert_eq!(member.args, vec!["--pruning", "archive"]);
        assert_eq!(member.balance, 2_000_000_000_000);
    }

    let [para_2000, para_2001] = &config.parachains[..] else { panic!("two paras expected") };
    assert_eq!(para_2000.id, ParaId(2000));
    assert_eq!(para_2000.chain_arg(), "token-2000");
    assert_eq!(para_2000.default_command, "atoll-collator");
    assert!(para_2000.add_to_genesis);
    assert_eq!(para_2000.collators.len(), 1);
    assert_eq!(para_2000.collators[0].command.as_deref(), Some("/opt/atoll/atoll-collator"));
    assert_eq!(para_2001.chain_arg(), "token-2001");
    assert_eq!(para_2001.default_args, vec!["--force-authoring"]);
    let collators: Vec<&str> = para_2001.collators.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(collators, vec!["c2001-1", "c2001-2"]);

    assert_eq!(
        config.hrmp_channels,
        vec![
            HrmpChannelConfig {
                sender: ParaId(2000),
                recipient: ParaId(2001),
                max_capacity: 4,
                max_message_size: 1024,
            },
            HrmpChannelConfig::new(ParaId(2001), ParaId(2000)),
        ]
    );
    assert_eq!(config.definition_dir, PathBuf::from("/nets"));

    assert_eq!(
        parsed.warnings,
        vec![
            "types: ignored (polkadot.js type definitions are not used)",
            "settings.enable_tracing: ignored (not used by Atoll's native processes)",
            "relaychain.default_image: ignored (not used by Atoll's native processes)",
            "parachains[0].cumulus_based: ignored (not used by Atoll's native processes)",
        ]
    );
}

#[test]
fn the_builder_makes_the_same_kind_of_model() {
    let built = NetworkBuilder::new()
        .definition_dir("/nets")
        .validator("alice")
        .parachain(2000, |p| p.collator("collator01"))
        .build()
        .unwrap();
    let text = r#"
        [relaychain]
        [[relaychain.nodes]]
        name = "alice"
        [[parachains]]
        id = 2000
        collator = { name = "collator01" }
    "#;
    let parsed = parse_str(text, Path::new("/nets"), &env_of(&[])).unwrap();
    assert_eq!(parsed.config, built);
}

/// One file with one error of each kind the parser and the checks find.
const BROKEN: &str = r#"[settings]
provider = "kubernetes"

[relaychain]
default_command = "{{UNSET_RELAY_BIN}}"

[[relaychain.nodes]]
name = "alice"

[[relaychain.nodes]]
name = "bob"
valdator = false

[[parachains]]
id = "2000"
collator = { name = "c0" }

[[parachains]]
id = 2001
collator = { name = "c1" }

[[parachains]]
id = 2001
collator = { name = "alice" }

[[hrmp_channels]]
sender = 2001
recipient = 3000
"#;

#[test]
fn every_error_of_a_broken_definition_is_reported_at_once() {
    let errors = parse_str(BROKEN, Path::new("/nets"), &env_of(&[])).unwrap_err();
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        vec![
            "line 5: environment variable `UNSET_RELAY_BIN` is not set",
            "settings.provider: provider `kubernetes` is not supported: nodes run as native \
             processes",
            "relaychain.nodes[1].valdator: unknown key (did you mean `validator`?)",
            "parachains[0].id: expected an integer, found a string",
            "parachains[2].id: para id 2001 is already defined by parachains[1]",
            "parachains[2].collators[0].name: node name `alice` is already used by \
             relaychain.nodes[0]",
        ],
        "{errors}"
    );
    // The channel to para 3000 is not judged: para 0's id is unknown, so 3000 might be it.
    let without_bad_id = BROKEN.replace("id = \"2000\"", "id = 2000");
    let errors = parse_str(&without_bad_id, Path::new("/nets"), &env_of(&[])).unwrap_err();
    assert!(errors.0.contains(&ConfigError::UnknownPara {
        path: "hrmp_channels[0].recipient".into(),
        id: 3000
    }));
    assert!(errors
        .to_string()
        .contains("  - hrmp_channels[0].recipient: para 3000 is not defined in [[parachains]]"));
    assert!(errors.to_string().starts_with("6 errors in the network definition:\n  - line 5: "));
}

#[test]
fn a_syntax_error_comes_with_the_templating_errors() {
    let text = "[relaychain]\ndefault_command = \"{{ MISSING }}\"\nchain = local\n";
    let errors = parse_str(text, Path::new("/nets"), &env_of(&[])).unwrap_err();
    assert_eq!(errors.len(), 2, "{errors}");
    assert_eq!(errors.0[0], ConfigError::UnsetEnv { line: 2, var: "MISSING".into() });
    assert!(matches!(&errors.0[1], ConfigError::Syntax { line: 3, column: 9, .. }), "{errors}");
    assert!(errors.0[1].to_string().starts_with("line 3, column 9: invalid TOML: "));
}

#[test]
fn reference_tokens_are_refused() {
    let text = FULL.replace(
        "\"-lparachain=debug\"]\n\n[relaychain.genesis",
        "\"--bootnodes\", \"{{ZOMBIE:alice:multiaddr}}\"]\n\n[relaychain.genesis",
    );
    let errors = parse_str(&text, Path::new("/nets"), &full_env()).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors}");
    assert!(errors.to_string().contains("network reference tokens are not supported"));
}

#[test]
fn load_resolves_paths_against_the_definition_directory() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("net.toml");
    let text = r#"
        [relaychain]
        chain_spec_path = "specs/relay.json"
        [[relaychain.nodes]]
        name = "alice"
        [[parachains]]
        id = 2000
        genesis_wasm_path = "../code.wasm"
        [[parachains.collators]]
        name = "c"
    "#;
    std::fs::write(&file, text).unwrap();
    let config = load(&file).unwrap().config;
    assert_eq!(config.definition_dir, dir.path());
    assert_eq!(config.relaychain.chain_spec_path, Some(dir.path().join("specs/relay.json")));
    assert_eq!(config.parachains[0].genesis_wasm_path, Some(dir.path().join("../code.wasm")));

    let errors = load(&dir.path().join("absent.toml")).unwrap_err();
    assert!(matches!(errors.0[..], [ConfigError::Unreadable { .. }]), "{errors}");
}
