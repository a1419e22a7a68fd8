//! What the command line does: turns [`RunArgs`] into a [`ServiceConfig`] and runs the node,
//! and carries out the subcommands. Every mistake in the flags is reported before anything
//! starts, naming the flag.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use atoll_network::{Keypair, Multiaddr, NetworkConfig};
use atoll_primitives::crypto::Pair;
use atoll_primitives::ss58;
use atoll_relay_chain::ChainSpec;
use atoll_trie::StateDb;

use crate::cli::{Command, KeyCommand, RunArgs};
use crate::service::{LoadedChain, ServiceConfig};

/// A mistake in the flags or the files they name.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The chain spec cannot be loaded.
    #[error("--chain {chain}: {reason}")]
    Chain {
        /// What was given.
        chain: String,
        /// Why it failed.
        reason: String,
    },
    /// A flag's value is wrong.
    #[error("{flag}: {reason}")]
    Flag {
        /// The flag.
        flag: &'static str,
        /// Why.
        reason: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// Default ports of a node (a collator's embedded relay node uses each + 1).
#[derive(Clone, Copy, Debug)]
pub struct PortDefaults {
    /// p2p.
    pub p2p: u16,
    /// JSON-RPC.
    pub rpc: u16,
    /// Prometheus.
    pub prometheus: u16,
}

impl PortDefaults {
    /// Polkadot's: 30333, 9944, 9615.
    pub const RELAY: PortDefaults = PortDefaults { p2p: 30333, rpc: 9944, prometheus: 9615 };
    /// A collator's embedded relay node: 30334, 9945, 9616.
    pub const EMBEDDED: PortDefaults = PortDefaults { p2p: 30334, rpc: 9945, prometheus: 9616 };
}

/// Loads `dev`, `local` or a spec file and builds its genesis state.
pub fn load_chain(chain: &str) -> Result<LoadedChain, CliError> {
    let err = |reason: String| CliError::Chain { chain: chain.to_string(), reason };
    let spec = match atoll_relay_chain::preset(chain) {
        Some(spec) => spec,
        None => {
            let text = std::fs::read_to_string(chain).map_err(|e| {
                err(format!("not a built-in chain (dev, local) and not a readable file: {e}"))
            })?;
            ChainSpec::from_json(&text).map_err(|e| err(e.to_string()))?
        }
    };
    let mut db = StateDb::new();
    let genesis = spec.genesis_state(&mut db).map_err(|e| err(e.to_string()))?;
    Ok(LoadedChain { spec, genesis, db })
}

/// The default data directory: `$HOME/.local/share/atoll`.
pub fn default_base_path() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join(".local/share/atoll")
}

/// `<base>/chains/<id>`.
pub fn chain_dir(base: &Path, spec: &ChainSpec) -> PathBuf {
    base.join("chains").join(&spec.id)
}

fn parse_node_key(hex_key: &str) -> Result<Keypair, CliError> {
    let flag = "--node-key";
    let bytes = hex::decode(hex_key.trim_start_matches("0x"))
        .map_err(|e| CliError::Flag { flag, reason: format!("not hex: {e}") })?;
    if bytes.len() != 32 {
        return Err(CliError::Flag { flag, reason: format!("{} bytes, expected 32", bytes.len()) });
    }
    Keypair::ed25519_from_bytes(bytes)
        .map_err(|e| CliError::Flag { flag, reason: format!("not an ed25519 secret: {e}") })
}

/// The node key: `--node-key`, else the one stored in `<chain dir>/network/secret_ed25519`
/// (created on first start, so that a node keeps its identity across restarts).
fn node_key(run: &RunArgs, chain_dir: &Path) -> Result<Keypair, CliError> {
    if let Some(k) = &run.node_key {
        return parse_node_key(k);
    }
    let path = chain_dir.join("network").join("secret_ed25519");
    let io = |e: std::io::Error| CliError::Io { path: path.clone(), reason: e.to_string() };
    if let Ok(text) = std::fs::read_to_string(&path) {
        return parse_node_key(text.trim()).map_err(|e| CliError::Io {
            path: path.clone(),
            reason: format!("stored node key unusable: {e}"),
        });
    }
    let key = Keypair::generate_ed25519();
    let secret = key
        .clone()
        .try_into_ed25519()
        .map_err(|e| CliError::Io { path: path.clone(), reason: e.to_string() })?
        .secret();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    std::fs::write(&path, hex::encode(secret.as_ref())).map_err(io)?;
    Ok(key)
}

/// The validator key: a dev account's, or the keystore's.
fn validator_key(run: &RunArgs, chain_dir: &Path) -> Result<Option<Pair>, CliError> {
    if let Some(name) = run.dev_account() {
        return Ok(Some(Pair::dev(name)));
    }
    if !run.validator {
        return Ok(None);
    }
    let path = chain_dir.join("keystore").join("validator");
    let suri = std::fs::read_to_string(&path).map_err(|e| CliError::Flag {
        flag: "--validator",
        reason: format!(
            "no validator key: pass --alice ... --ferdie, or store one with `key insert --suri` \
             ({}: {e})",
            path.display()
        ),
    })?;
    Pair::from_uri(suri.trim())
        .map(Some)
        .map_err(|e| CliError::Io { path, reason: format!("stored key unusable: {e}") })
}

/// Where the data directory is: `--base-path`, a fresh temporary one for `--tmp`/`--dev`, or
/// the default. The guard deletes a temporary one when dropped.
pub fn base_path(run: &RunArgs) -> Result<(PathBuf, Option<TempDir>), CliError> {
    if let Some(p) = &run.base_path {
        return Ok((p.clone(), None));
    }
    if run.tmp || run.dev {
        let dir = TempDir::new()?;
        return Ok((dir.path.clone(), Some(dir)));
    }
    Ok((default_base_path(), None))
}

/// A temporary directory removed when dropped.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    fn new() -> Result<TempDir, CliError> {
        let unique = format!("atoll-{}-{}", std::process::id(), crate::clock::now_ms());
        let path = std::env::temp_dir().join(unique);
        std::fs::create_dir_all(&path)
            .map_err(|e| CliError::Io { path: path.clone(), reason: e.to_string() })?;
        Ok(TempDir { path })
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Builds the service configuration from the flags.
pub fn service_config(
    run: &RunArgs,
    base: &Path,
    ports: PortDefaults,
) -> Result<ServiceConfig, CliError> {
    let chain = load_chain(&run.chain_id())?;
    let dir = chain_dir(base, &chain.spec);
    let key = validator_key(run, &dir)?;
    let name = match (&run.name, run.dev_account()) {
        (Some(n), _) => {
            if n.contains('.') || n.contains('@') || n.contains("://") {
                return Err(CliError::Flag {
                    flag: "--name",
                    reason: format!("{n:?} must not contain '.', '@' or look like a URL"),
                });
            }
            n.clone()
        }
        (None, Some(dev)) => dev.to_string(),
        (None, None) => format!("node-{}", std::process::id()),
    };
    let keypair = node_key(run, &dir)?;
    let mut network = NetworkConfig::new(keypair, format!("/atoll/{}", chain.spec.id));
    network.agent_version = format!("atoll-relay/{} ({name})", env!("CARGO_PKG_VERSION"));
    network.listen_addresses = if run.listen_addr.is_empty() {
        let port = run.port.unwrap_or(ports.p2p);
        vec![parse_multiaddr("--port", &format!("/ip4/0.0.0.0/tcp/{port}"))?]
    } else {
        run.listen_addr
            .iter()
            .map(|a| parse_multiaddr("--listen-addr", a))
            .collect::<Result<_, _>>()?
    };
    let mut bootnodes: Vec<String> = chain.spec.boot_nodes.clone();
    bootnodes.extend(run.bootnodes.iter().cloned());
    network.bootnodes =
        bootnodes.iter().map(|a| parse_multiaddr("--bootnodes", a)).collect::<Result<_, _>>()?;
    let localhost = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let any = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    let rpc = (!run.no_rpc).then(|| {
        SocketAddr::new(
            if run.rpc_external { any } else { localhost },
            run.rpc_port.unwrap_or(ports.rpc),
        )
    });
    let prometheus = (!run.no_prometheus).then(|| {
        SocketAddr::new(
            if run.prometheus_external { any } else { localhost },
            run.prometheus_port.unwrap_or(ports.prometheus),
        )
    });
    Ok(ServiceConfig {
        database_path: dir.join("db"),
        pvf_cache: dir.join("pvf-artifacts"),
        chain,
        name,
        key,
        network,
        rpc,
        prometheus,
        log_imports: true,
    })
}

fn parse_multiaddr(flag: &'static str, text: &str) -> Result<Multiaddr, CliError> {
    text.parse::<Multiaddr>().map_err(|e| CliError::Flag {
        flag,
        reason: format!("{text:?} is not a multiaddress: {e}"),
    })
}

/// Carries out a subcommand; returns what to print.
pub fn run_subcommand(command: &Command) -> Result<String, CliError> {
    match command {
        Command::Key(k) => key_command(k),
        Command::BuildSpec { chain, raw } => {
            let chain = chain.clone().unwrap_or_else(|| "local".into());
            let loaded = load_chain(&chain)?;
            let err = |e: atoll_relay_chain::SpecError| CliError::Chain {
                chain: chain.clone(),
                reason: e.to_string(),
            };
            if *raw {
                loaded.spec.to_raw().and_then(|s| s.to_json()).map_err(err)
            } else if loaded.spec.is_raw() {
                loaded.spec.to_json().map_err(err)
            } else {
                loaded.spec.to_json_human().map_err(err)
            }
        }
        Command::PurgeChain { chain, base_path, yes } => {
            let chain = chain.clone().unwrap_or_else(|| "local".into());
            let loaded = load_chain(&chain)?;
            let base = base_path.clone().unwrap_or_else(default_base_path);
            let db = chain_dir(&base, &loaded.spec).join("db");
            if !db.exists() {
                return Ok(format!("{:?} did not exist.", db.display().to_string()));
            }
            if !yes {
                print!("Are you sure to remove {:?}? [y/N]: ", db.display().to_string());
                let _ = std::io::stdout().flush();
                let mut answer = String::new();
                let _ = std::io::stdin().read_line(&mut answer);
                if !matches!(answer.trim(), "y" | "Y" | "yes") {
                    return Ok("Aborted".into());
                }
            }
            std::fs::remove_dir_all(&db)
                .map_err(|e| CliError::Io { path: db.clone(), reason: e.to_string() })?;
            Ok(format!("{:?} removed.", db.display().to_string()))
        }
    }
}

fn describe(
    pair_public: &atoll_primitives::Sr25519Public,
    network: u16,
    secret: Option<&str>,
    json: bool,
) -> String {
    let public = format!("0x{}", hex::encode(pair_public.0));
    let address = ss58::encode(pair_public, network);
    if json {
        let mut v = serde_json::json!({
            "publicKey": public, "accountId": public, "ss58PublicKey": address, "ss58Address": address,
        });
        if let (Some(s), Some(obj)) = (secret, v.as_object_mut()) {
            obj.insert("secretSeed".into(), serde_json::json!(s));
        }
        return v.to_string();
    }
    let mut out = String::new();
    if let Some(s) = secret {
        out.push_str(&format!("Secret seed:       {s}\n"));
    }
    out.push_str(&format!(
        "Network ID:        {network}\nPublic key (hex):  {public}\nAccount ID:        {public}\nPublic key (SS58): {address}\nSS58 Address:      {address}"
    ));
    out
}

fn key_command(k: &KeyCommand) -> Result<String, CliError> {
    match k {
        KeyCommand::Generate { network, output_json } => {
            let mut seed = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
            let secret = format!("0x{}", hex::encode(seed));
            let pair = Pair::from_seed(&seed);
            Ok(describe(&pair.public(), *network, Some(&secret), *output_json))
        }
        KeyCommand::Inspect { uri, network, output_json } => match Pair::from_uri(uri) {
            Ok(pair) => Ok(describe(&pair.public(), *network, Some(uri), *output_json)),
            Err(uri_err) => match ss58::decode(uri) {
                Ok((public, prefix)) => Ok(describe(&public, prefix, None, *output_json)),
                Err(_) => Err(CliError::Flag {
                    flag: "key inspect",
                    reason: format!("neither a secret URI nor an SS58 address: {uri_err}"),
                }),
            },
        },
        KeyCommand::Insert { suri, chain, base_path } => {
            Pair::from_uri(suri)
                .map_err(|e| CliError::Flag { flag: "--suri", reason: e.to_string() })?;
            let chain = chain.clone().unwrap_or_else(|| "local".into());
            let loaded = load_chain(&chain)?;
            let base = base_path.clone().unwrap_or_else(default_base_path);
            let dir = chain_dir(&base, &loaded.spec).join("keystore");
            let path = dir.join("validator");
            std::fs::create_dir_all(&dir)
                .and_then(|_| std::fs::write(&path, suri))
                .map_err(|e| CliError::Io { path: path.clone(), reason: e.to_string() })?;
            Ok(format!("validator key stored in {}", path.display()))
        }
        KeyCommand::GenerateNodeKey => {
            let key = Keypair::generate_ed25519();
            let peer = key.public().to_peer_id();
            let secret = key
                .try_into_ed25519()
                .map_err(|e| CliError::Flag { flag: "generate-node-key", reason: e.to_string() })?
                .secret();
            eprintln!("{peer}");
            Ok(hex::encode(secret.as_ref()))
        }
        KeyCommand::InspectNodeKey { key } => {
            Ok(parse_node_key(key)?.public().to_peer_id().to_string())
        }
    }
}
