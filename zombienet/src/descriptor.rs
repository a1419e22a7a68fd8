//! `network.json`: what a running network is (nodes, roles, addresses, commands, pids, logs),
//! written by `spawn` and read by `attach`, `test --network` and `down`.

use std::path::{Path, PathBuf};

use atoll_primitives::ParaId;
use serde::{Deserialize, Serialize};

use crate::network::{Network, NetworkNode, NodeInfo};
use crate::process::NodeProcess;

/// The descriptor's format version.
pub const VERSION: u32 = 1;

/// The contents of `network.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Descriptor {
    /// Format version ([`VERSION`]).
    pub version: u32,
    /// The network's directory.
    pub dir: PathBuf,
    /// The relay chain spec the nodes run.
    pub relay_spec: PathBuf,
    /// The relay chain's id.
    pub chain_id: String,
    /// The paras in the definition.
    pub paras: Vec<u32>,
    /// Every node.
    pub nodes: Vec<NodeInfo>,
}

/// An attach failure.
#[derive(Debug, thiserror::Error)]
pub enum DescriptorError {
    /// The file could not be read.
    #[error("{path}: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The file is not a descriptor of this version.
    #[error("{path} is not a zombienet network.json (version {VERSION}): {reason}")]
    Format {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// Writes `network.json` into the network's directory.
pub fn write(network: &Network) -> Result<(), std::io::Error> {
    let d = Descriptor {
        version: VERSION,
        dir: network.dir().to_path_buf(),
        relay_spec: network.relay_spec().to_path_buf(),
        chain_id: network.chain_id().to_string(),
        paras: network.paras().iter().map(|p| p.0).collect(),
        nodes: network.node_infos(),
    };
    let text = serde_json::to_string_pretty(&d).map_err(std::io::Error::other)?;
    let path = network.descriptor_path();
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(tmp, path)
}

/// Reads a descriptor.
pub fn read(path: &Path) -> Result<Descriptor, DescriptorError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| DescriptorError::Read { path: path.to_path_buf(), reason: e.to_string() })?;
    let d: Descriptor = serde_json::from_str(&text)
        .map_err(|e| DescriptorError::Format { path: path.to_path_buf(), reason: e.to_string() })?;
    if d.version != VERSION {
        return Err(DescriptorError::Format {
            path: path.to_path_buf(),
            reason: format!("version {}", d.version),
        });
    }
    Ok(d)
}

/// A handle on the network `path` describes. It does not own the processes: dropping it
/// leaves them running; [`Network::stop`] stops them.
pub fn attach(path: &Path) -> Result<Network, DescriptorError> {
    let d = read(path)?;
    let nodes = d
        .nodes
        .into_iter()
        .map(|info| {
            let process = NodeProcess::attached(info.process.clone(), info.pid);
            NetworkNode::new(info, process)
        })
        .collect();
    Ok(Network {
        dir: d.dir,
        relay_spec: d.relay_spec,
        chain_id: d.chain_id,
        nodes,
        paras: d.paras.into_iter().map(ParaId).collect(),
        owned: false,
        timings: Vec::new(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::network::Role;
    use crate::process::ProcessSpec;

    fn fixture() -> Descriptor {
        let node = |name: &str, role: Role, port: u16| NodeInfo {
            name: name.into(),
            role,
            group: None,
            rpc: format!("127.0.0.1:{port}").parse().unwrap(),
            metrics: format!("127.0.0.1:{}", port + 1).parse().unwrap(),
            p2p_port: port + 2,
            base_path: PathBuf::from(format!("/tmp/net/{name}/data")),
            process: ProcessSpec {
                program: PathBuf::from("/bin/atoll-relay"),
                args: vec!["--chain".into(), "/tmp/net/relay-raw.json".into()],
                env: vec![("RUST_LOG".into(), "info".into())],
                log_path: PathBuf::from(format!("/tmp/net/{name}/{name}.log")),
            },
            pid: Some(4242),
        };
        Descriptor {
            version: VERSION,
            dir: PathBuf::from("/tmp/net"),
            relay_spec: PathBuf::from("/tmp/net/relay-raw.json"),
            chain_id: "atoll_testnet".into(),
            paras: vec![2000],
            nodes: vec![
                node("alice", Role::Validator, 20000),
                node("collator-2000", Role::Collator { para: 2000 }, 20010),
            ],
        }
    }

    #[test]
    fn the_descriptor_round_trips_and_its_format_is_pinned() {
        let d = fixture();
        let text = serde_json::to_string(&d).unwrap();
        assert_eq!(serde_json::from_str::<Descriptor>(&text).unwrap(), d);
        // Conformance: `attach` of an older zombienet's network.json depends on this format.
        assert_eq!(
            hex::encode(atoll_primitives::hashing::blake2_256(text.as_bytes())),
            "8773bd9d9cfd7c621634092bcf4f912ad14678d85a781637678ad41003f79271",
            "{text}"
        );
    }

    #[test]
    fn a_foreign_file_is_refused_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("network.json");
        std::fs::write(&path, "{\"version\": 9}").unwrap();
        let err = read(&path).unwrap_err().to_string();
        assert!(err.contains("network.json"), "{err}");
        assert!(read(&dir.path().join("none.json")).is_err());
    }
}
