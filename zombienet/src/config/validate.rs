//! The checks every network passes, whether it comes from a definition file ([`super::parse`],
//! which runs them once its model is built and does not repeat them) or from Rust
//! ([`super::NetworkBuilder::build`]). Paths follow the model: relay nodes are
//! `relaychain.nodes[i]` and collators `parachains[p].collators[c]`, indexed in the expanded
//! lists (groups already turned into nodes).

use std::collections::{BTreeSet, HashMap};

use super::error::ConfigError;
use super::model::{
    HrmpChannelConfig, NetworkConfig, NodeConfig, ParachainConfig, RelayChainConfig, Settings,
    Stage,
};

/// Every problem of `config`, in a stable order (settings, relay chain, paras, node names,
/// ports, HRMP channels). Empty when the network can be spawned.
pub fn check(config: &NetworkConfig) -> Vec<ConfigError> {
    check_with(config, &Unread::default())
}

/// Parts of a definition the parser could not read (and already reported): checks that would
/// only repeat those errors in another form are skipped.
#[derive(Clone, Debug, Default)]
pub(crate) struct Unread {
    /// Paras (model indices) whose `id` is unknown (a placeholder stands in the model).
    pub para_ids: BTreeSet<usize>,
    /// A relay node entry was dropped, or `[relaychain]` itself.
    pub relay_nodes: bool,
    /// Paras (model indices) with a collator entry that was dropped.
    pub collators: BTreeSet<usize>,
}

/// [`check`], skipping what `unread` says the parser already reported.
pub(crate) fn check_with(config: &NetworkConfig, unread: &Unread) -> Vec<ConfigError> {
    let mut errors = Vec::new();
    check_settings(&config.settings, &mut errors);
    check_relay(&config.relaychain, unread, &mut errors);
    check_paras(&config.parachains, unread, &mut errors);
    let nodes = all_nodes(config);
    check_node_names(&nodes, &mut errors);
    check_ports(&nodes, &mut errors);
    check_channels(config, unread, &mut errors);
    errors
}

/// Why `name` cannot be a node name, if it cannot: it must be non-empty and only use ASCII
/// letters, digits, `-` and `_` (it becomes a directory name and a dev key derivation).
pub(crate) fn node_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("a node needs a non-empty name".to_owned());
    }
    let valid = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    (!valid).then(|| {
        format!("`{name}` is not a valid node name: use ASCII letters, digits, `-` and `_`")
    })
}

fn check_settings(settings: &Settings, errors: &mut Vec<ConfigError>) {
    if settings.timeout.is_zero() {
        errors.push(ConfigError::Invalid {
            path: "settings.timeout".to_owned(),
            reason: "the spawn timeout must be more than 0 seconds".to_owned(),
        });
    }
    let waited = Stage::ALL.iter().filter(|stage| **stage <= settings.readiness.wait_for);
    for stage in waited {
        if settings.readiness.timeout(*stage).is_zero() {
            errors.push(ConfigError::Invalid {
                path: format!("settings.readiness.{}", stage.key()),
                reason: format!(
                    "the `{}` stage is waited for (wait_for = \"{}\"), so its timeout must be \
                     more than 0 seconds",
                    stage.key(),
                    settings.readiness.wait_for.key()
                ),
            });
        }
    }
}

fn check_relay(relay: &RelayChainConfig, unread: &Unread, errors: &mut Vec<ConfigError>) {
    if relay.genesis.as_ref().is_some_and(|patch| !patch.is_object()) {
        errors.push(ConfigError::Invalid {
            path: "relaychain.genesis".to_owned(),
            reason: "the genesis patch must be a table (a JSON object)".to_owned(),
        });
    }
    if !unread.relay_nodes && !relay.nodes.iter().any(|node| node.validator) {
        errors.push(ConfigError::NoValidator { path: "relaychain.nodes".to_owned() });
    }
}

fn check_paras(paras: &[ParachainConfig], unread: &Unread, errors: &mut Vec<ConfigError>) {
    let mut first_with_id: HashMap<u32, usize> = HashMap::new();
    for (index, para) in paras.iter().enumerate() {
        let path = format!("parachains[{index}]");
        if !unread.para_ids.contains(&index) {
            match first_with_id.get(&para.id.0) {
                Some(first) => errors.push(ConfigError::DuplicateParaId {
                    path: format!("{path}.id"),
                    id: para.id.0,
                    first: format!("parachains[{first}]"),
                }),
                None => {
                    first_with_id.insert(para.id.0, index);
                }
            }
        }
        if para.chain.is_some() && para.chain_spec_path.is_some() {
            errors.push(ConfigError::Invalid {
                path: path.clone(),
                reason: "`chain` and `chain_spec_path` are exclusive: give one".to_owned(),
            });
        }
        if para.collators.is_empty() && !unread.collators.contains(&index) {
            errors.push(ConfigError::NoCollator { path, id: para.id.0 });
        }
    }
}

/// Every node with its path: relay nodes, then each para's collators.
fn all_nodes(config: &NetworkConfig) -> Vec<(String, &NodeConfig)> {
    let relay = config
        .relaychain
        .nodes
        .iter()
        .enumerate()
        .map(|(index, node)| (format!("relaychain.nodes[{index}]"), node));
    let collators = config.parachains.iter().enumerate().flat_map(|(para, config)| {
        config
            .collators
            .iter()
            .enumerate()
            .map(move |(index, node)| (format!("parachains[{para}].collators[{index}]"), node))
    });
    relay.chain(collators).collect()
}

fn check_node_names(nodes: &[(String, &NodeConfig)], errors: &mut Vec<ConfigError>) {
    let mut first_with_name: HashMap<&str, &str> = HashMap::new();
    for (path, node) in nodes {
        if let Some(reason) = node_name_problem(&node.name) {
            errors.push(ConfigError::Invalid { path: format!("{path}.name"), reason });
            continue;
        }
        match first_with_name.get(node.name.as_str()) {
            Some(first) => errors.push(ConfigError::DuplicateName {
                path: format!("{path}.name"),
                name: node.name.clone(),
                first: (*first).to_owned(),
            }),
            None => {
                first_with_name.insert(&node.name, path);
            }
        }
    }
}

fn fixed_ports(node: &NodeConfig) -> [(&'static str, Option<u16>); 3] {
    [
        ("rpc_port", node.rpc_port),
        ("p2p_port", node.p2p_port),
        ("prometheus_port", node.prometheus_port),
    ]
}

fn check_ports(nodes: &[(String, &NodeConfig)], errors: &mut Vec<ConfigError>) {
    let mut first_with_port: HashMap<u16, String> = HashMap::new();
    for (path, node) in nodes {
        for (key, port) in fixed_ports(node) {
            let Some(port) = port else { continue };
            let port_path = format!("{path}.{key}");
            if port == 0 {
                errors.push(ConfigError::Invalid {
                    path: port_path,
                    reason: "port 0 is not a fixed port (leave the key out to let the provider \
                             pick one)"
                        .to_owned(),
                });
                continue;
            }
            match first_with_port.get(&port) {
                Some(first) => errors.push(ConfigError::DuplicatePort {
                    path: port_path,
                    port,
                    first: first.clone(),
                }),
                None => {
                    first_with_port.insert(port, port_path);
                }
            }
        }
    }
}

fn check_channels(config: &NetworkConfig, unread: &Unread, errors: &mut Vec<ConfigError>) {
    let para_ids: BTreeSet<u32> = config.parachains.iter().map(|para| para.id.0).collect();
    let check_ends = unread.para_ids.is_empty();
    let mut first_with_ends: HashMap<(u32, u32), usize> = HashMap::new();
    for (index, channel) in config.hrmp_channels.iter().enumerate() {
        let path = format!("hrmp_channels[{index}]");
        if check_ends {
            check_channel_ends(&path, channel, &para_ids, errors);
        }
        check_channel_limits(&path, channel, errors);
        let ends = (channel.sender.0, channel.recipient.0);
        if ends.0 == ends.1 {
            errors.push(ConfigError::Invalid {
                path,
                reason: format!("sender and recipient are the same para ({})", ends.0),
            });
            continue;
        }
        match first_with_ends.get(&ends) {
            Some(first) => errors.push(ConfigError::DuplicateChannel {
                path,
                sender: ends.0,
                recipient: ends.1,
                first: format!("hrmp_channels[{first}]"),
            }),
            None => {
                first_with_ends.insert(ends, index);
            }
        }
    }
}

fn check_channel_ends(
    path: &str,
    channel: &HrmpChannelConfig,
    para_ids: &BTreeSet<u32>,
    errors: &mut Vec<ConfigError>,
) {
    for (key, id) in [("sender", channel.sender.0), ("recipient", channel.recipient.0)] {
        if !para_ids.contains(&id) {
            errors.push(ConfigError::UnknownPara { path: format!("{path}.{key}"), id });
        }
    }
}

fn check_channel_limits(path: &str, channel: &HrmpChannelConfig, errors: &mut Vec<ConfigError>) {
    let limits =
        [("max_capacity", channel.max_capacity), ("max_message_size", channel.max_message_size)];
    for (key, value) in limits {
        if value == 0 {
            errors.push(ConfigError::Invalid {
                path: format!("{path}.{key}"),
                reason: "must be more than 0".to_owned(),
            });
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::time::Duration;

    use atoll_primitives::ParaId;

    use super::*;

    fn node(name: &str) -> NodeConfig {
        NodeConfig::named(name)
    }

    fn para(id: u32, collator: &str) -> ParachainConfig {
        let mut para = ParachainConfig::new(ParaId(id));
        para.collators.push(NodeConfig::collator(collator));
        para
    }

    fn network() -> NetworkConfig {
        let mut config = NetworkConfig::new(".");
        config.relaychain.nodes = vec![node("alice"), node("bob")];
        config.parachains = vec![para(2000, "c1"), para(2001, "c2")];
        config.hrmp_channels = vec![HrmpChannelConfig::new(ParaId(2000), ParaId(2001))];
        config
    }

    fn shown(errors: &[ConfigError]) -> Vec<String> {
        errors.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_sound_network_passes() {
        assert_eq!(check(&network()), vec![]);
    }

    #[test]
    fn duplicate_names_name_both_places() {
        let mut config = network();
        config.parachains[1].collators.push(NodeConfig::collator("alice"));
        config.relaychain.nodes.push(node("bob"));
        assert_eq!(
            shown(&check(&config)),
            vec![
                "relaychain.nodes[2].name: node name `bob` is already used by relaychain.nodes[1]",
                "parachains[1].collators[1].name: node name `alice` is already used by \
                 relaychain.nodes[0]",
            ]
        );
    }

    #[test]
    fn bad_names_are_refused() {
        let mut config = network();
        config.relaychain.nodes.push(node(""));
        config.relaychain.nodes.push(node("a/b"));
        let errors = check(&config);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[0].location(), "relaychain.nodes[2].name");
        assert!(errors[1].to_string().contains("`a/b` is not a valid node name"));
    }

    #[test]
    fn duplicate_para_ids() {
        let mut config = network();
        config.parachains.push(para(2000, "c3"));
        assert_eq!(
            shown(&check(&config)),
            vec!["parachains[2].id: para id 2000 is already defined by parachains[0]"]
        );
    }

    #[test]
    fn channel_problems() {
        let mut config = network();
        config.hrmp_channels = vec![
            HrmpChannelConfig::new(ParaId(2000), ParaId(3000)),
            HrmpChannelConfig::new(ParaId(2001), ParaId(2001)),
            HrmpChannelConfig::new(ParaId(2000), ParaId(2001)),
            HrmpChannelConfig::new(ParaId(2000), ParaId(2001)),
            HrmpChannelConfig {
                max_capacity: 0,
                ..HrmpChannelConfig::new(ParaId(2001), ParaId(2000))
            },
        ];
        assert_eq!(
            shown(&check(&config)),
            vec![
                "hrmp_channels[0].recipient: para 3000 is not defined in [[parachains]]",
                "hrmp_channels[1]: sender and recipient are the same para (2001)",
                "hrmp_channels[3]: channel 2000 -> 2001 is already defined by hrmp_channels[2]",
                "hrmp_channels[4].max_capacity: must be more than 0",
            ]
        );
    }

    #[test]
    fn a_relay_chain_needs_a_validator_and_a_para_a_collator() {
        let mut config = network();
        for node in &mut config.relaychain.nodes {
            node.validator = false;
        }
        config.parachains[1].collators.clear();
        assert_eq!(
            check(&config),
            vec![
                ConfigError::NoValidator { path: "relaychain.nodes".into() },
                ConfigError::NoCollator { path: "parachains[1]".into(), id: 2001 },
            ]
        );
    }

    #[test]
    fn fixed_ports_must_differ() {
        let mut config = network();
        config.relaychain.nodes[0].rpc_port = Some(9944);
        config.relaychain.nodes[0].p2p_port = Some(30333);
        config.parachains[0].collators[0].prometheus_port = Some(9944);
        config.relaychain.nodes[1].p2p_port = Some(0);
        assert_eq!(
            shown(&check(&config)),
            vec![
                "relaychain.nodes[1].p2p_port: port 0 is not a fixed port (leave the key out to \
                 let the provider pick one)",
                "parachains[0].collators[0].prometheus_port: port 9944 is already used by \
                 relaychain.nodes[0].rpc_port",
            ]
        );
    }

    #[test]
    fn exclusive_chain_keys_and_timeouts() {
        let mut config = network();
        config.parachains[0].chain = Some("token-2000".into());
        config.parachains[0].chain_spec_path = Some("spec.json".into());
        config.settings.timeout = Duration::ZERO;
        config.settings.readiness.timeouts.insert(Stage::FinalityAdvancing, Duration::ZERO);
        config.settings.readiness.timeouts.insert(Stage::ParaHeadsAdvancing, Duration::ZERO);
        config.settings.readiness.wait_for = Stage::FinalityAdvancing;
        let locations: Vec<String> = check(&config).iter().map(ConfigError::location).collect();
        assert_eq!(
            locations,
            vec!["settings.timeout", "settings.readiness.finality", "parachains[0]"]
        );
    }

    #[test]
    fn unread_parts_are_not_judged_twice() {
        let mut config = network();
        config.relaychain.nodes.clear();
        config.parachains[1].collators.clear();
        config.parachains[0].id = ParaId(0);
        config.hrmp_channels.push(HrmpChannelConfig::new(ParaId(2000), ParaId(2001)));
        let unread = Unread {
            para_ids: BTreeSet::from([0]),
            relay_nodes: true,
            collators: BTreeSet::from([1]),
        };
        assert_eq!(
            shown(&check_with(&config, &unread)),
            vec!["hrmp_channels[1]: channel 2000 -> 2001 is already defined by hrmp_channels[0]"]
        );
    }
}
