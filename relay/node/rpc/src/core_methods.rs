//! The standard `system_*`, `chain_*`, `state_*`, `author_*` and `rpc_methods` methods over a
//! [`ChainBackend`].

use std::sync::Arc;

use jsonrpsee::server::RegisterMethodError;
use jsonrpsee::types::Params;
use jsonrpsee::RpcModule;
use serde_json::{json, Value};

use crate::backend::{ChainBackend, Hash32, SystemInfo};
use crate::error::{error_object, BackendError};
use crate::params::{block_number, hash32, hex_bytes, to_hex};
use crate::subscription::pipe_with_initial;

/// The name of the method listing all methods (rule 6).
pub(crate) const RPC_METHODS: &str = "rpc_methods";

/// The standard methods over `backend` (see the crate docs for the list). `rpc_methods` lists
/// this module's methods; [`crate::start_rpc`] rebuilds it from the final merged module (rule 6).
pub fn core_module(info: SystemInfo, backend: Arc<dyn ChainBackend>) -> RpcModule<()> {
    let mut module = RpcModule::new(());
    if let Err(e) = register_core(&mut module, info, backend) {
        // Only a clash among the fixed names above can fail, which the unit test below rules out.
        tracing::error!(target: "rpc", error = %e, "cannot register a core JSON-RPC method");
    }
    module
}

fn register_core(
    module: &mut RpcModule<()>,
    info: SystemInfo,
    backend: Arc<dyn ChainBackend>,
) -> Result<(), RegisterMethodError> {
    register_system(module, Arc::new(info), backend.clone())?;
    register_chain(module, backend.clone())?;
    register_state_and_author(module, backend)?;
    install_rpc_methods(module)
}

/// (Re)registers `rpc_methods` so that it lists every method of `module`, itself included,
/// sorted (rule 6).
pub(crate) fn install_rpc_methods(module: &mut RpcModule<()>) -> Result<(), RegisterMethodError> {
    module.remove_method(RPC_METHODS);
    let mut names: Vec<&'static str> = module.method_names().collect();
    names.push(RPC_METHODS);
    names.sort_unstable();
    names.dedup();
    let answer = json!({ "methods": names });
    module.register_method(RPC_METHODS, move |params, _, _| {
        positional(RPC_METHODS, &params, 0).map(|_| answer.clone())
    })?;
    Ok(())
}

/// How a `system_*` method reads its answer from [`SystemInfo`].
type Fact = fn(&SystemInfo) -> Value;

fn register_system(
    module: &mut RpcModule<()>,
    info: Arc<SystemInfo>,
    backend: Arc<dyn ChainBackend>,
) -> Result<(), RegisterMethodError> {
    let facts: [(&'static str, Fact); 6] = [
        ("system_name", |i| json!(i.name)),
        ("system_version", |i| json!(i.version)),
        ("system_chain", |i| json!(i.chain)),
        ("system_chainType", |i| json!(i.chain_type)),
        ("system_properties", |i| i.properties.clone()),
        ("system_nodeRoles", |i| json!(i.roles)),
    ];
    for (name, fact) in facts {
        let info = info.clone();
        method(module, name, 0, move |_| Ok(fact(&info)))?;
    }
    let b = backend.clone();
    method(module, "system_health", 0, move |_| to_json(&b.health()))?;
    let b = backend.clone();
    method(module, "system_peers", 0, move |_| to_json(&b.peers()))?;
    method(module, "system_localPeerId", 0, move |_| Ok(json!(backend.local_peer_id())))?;
    Ok(())
}

fn register_chain(
    module: &mut RpcModule<()>,
    backend: Arc<dyn ChainBackend>,
) -> Result<(), RegisterMethodError> {
    let b = backend.clone();
    method(module, "chain_getHeader", 1, move |args| {
        let at = optional_hash(args.first(), "block hash")?;
        Ok(b.header(at)?.unwrap_or(Value::Null))
    })?;
    let b = backend.clone();
    method(module, "chain_getBlock", 1, move |args| {
        let at = optional_hash(args.first(), "block hash")?;
        Ok(b.block(at)?.unwrap_or(Value::Null))
    })?;
    let b = backend.clone();
    method(module, "chain_getBlockHash", 1, move |args| match args.first() {
        None | Some(Value::Null) => hash_or_null(b.block_hash(None)?),
        // Substrate's `ListOrValue`: a list of numbers gives a list of hashes.
        Some(Value::Array(numbers)) => numbers
            .iter()
            .map(|n| hash_or_null(b.block_hash(Some(block_number(n)?))?))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Some(n) => hash_or_null(b.block_hash(Some(block_number(n)?))?),
    })?;
    let b = backend.clone();
    method(module, "chain_getFinalizedHead", 0, move |_| Ok(json!(to_hex(&b.finalized_head()))))?;

    let b = backend.clone();
    module.register_subscription(
        "chain_subscribeNewHeads",
        "chain_newHead",
        "chain_unsubscribeNewHeads",
        move |params, pending, _, _| {
            let b = b.clone();
            async move {
                if let Err(e) = positional("chain_subscribeNewHeads", &params, 0) {
                    return pending.reject(error_object(e)).await;
                }
                // Subscribe first so that no block falls between the initial head and the stream.
                let rx = b.subscribe_new_heads();
                match b.header(None) {
                    Ok(initial) => pipe_with_initial(pending, initial, rx).await,
                    Err(e) => pending.reject(error_object(e)).await,
                }
            }
        },
    )?;
    let b = backend;
    module.register_subscription(
        "chain_subscribeFinalizedHeads",
        "chain_finalizedHead",
        "chain_unsubscribeFinalizedHeads",
        move |params, pending, _, _| {
            let b = b.clone();
            async move {
                if let Err(e) = positional("chain_subscribeFinalizedHeads", &params, 0) {
                    return pending.reject(error_object(e)).await;
                }
                let rx = b.subscribe_finalized_heads();
                match b.header(Some(b.finalized_head())) {
                    Ok(initial) => pipe_with_initial(pending, initial, rx).await,
                    Err(e) => pending.reject(error_object(e)).await,
                }
            }
        },
    )?;

    // Substrate's other spellings, which polkadot.js and older scripts still call.
    for (alias, existing) in [
        ("chain_getHead", "chain_getBlockHash"),
        ("chain_getFinalisedHead", "chain_getFinalizedHead"),
        ("chain_subscribeNewHead", "chain_subscribeNewHeads"),
        ("chain_unsubscribeNewHead", "chain_unsubscribeNewHeads"),
        ("subscribe_newHead", "chain_subscribeNewHeads"),
        ("unsubscribe_newHead", "chain_unsubscribeNewHeads"),
        ("chain_subscribeFinalisedHeads", "chain_subscribeFinalizedHeads"),
        ("chain_unsubscribeFinalisedHeads", "chain_unsubscribeFinalizedHeads"),
    ] {
        module.register_alias(alias, existing)?;
    }
    Ok(())
}

fn register_state_and_author(
    module: &mut RpcModule<()>,
    backend: Arc<dyn ChainBackend>,
) -> Result<(), RegisterMethodError> {
    let b = backend.clone();
    method(module, "state_getStorage", 2, move |args| {
        let key = required_bytes(args.first(), "state_getStorage", "storage key")?;
        let at = optional_hash(args.get(1), "block hash")?;
        Ok(b.storage(&key, at)?.map_or(Value::Null, |v| json!(to_hex(&v))))
    })?;
    module.register_alias("state_getStorageAt", "state_getStorage")?;
    method(module, "author_submitExtrinsic", 1, move |args| {
        let xt = required_bytes(args.first(), "author_submitExtrinsic", "extrinsic")?;
        Ok(json!(to_hex(&backend.submit_extrinsic(xt)?)))
    })?;
    Ok(())
}

/// Registers `name`, answering with `f` over its positional parameters (at most `max_args`).
fn method<F>(
    module: &mut RpcModule<()>,
    name: &'static str,
    max_args: usize,
    f: F,
) -> Result<(), RegisterMethodError>
where
    F: Fn(&[Value]) -> Result<Value, BackendError> + Send + Sync + 'static,
{
    module.register_method(name, move |params, _, _| {
        positional(name, &params, max_args).and_then(|args| f(&args))
    })?;
    Ok(())
}

/// The positional parameters: absent, `null` and `[]` are none; named parameters and more than
/// `max_args` are refused (rule 1).
fn positional(name: &str, params: &Params, max_args: usize) -> Result<Vec<Value>, BackendError> {
    let args = match params.parse::<Option<Value>>() {
        Ok(None) => Vec::new(),
        Ok(Some(Value::Array(args))) => args,
        Ok(Some(_)) => {
            return Err(BackendError::InvalidParams(format!(
                "{name} takes its parameters by position, as a JSON array"
            )))
        }
        Err(e) => return Err(BackendError::InvalidParams(e.message().to_string())),
    };
    if args.len() > max_args {
        let plural = if max_args == 1 { "" } else { "s" };
        return Err(BackendError::InvalidParams(format!(
            "{name} takes at most {max_args} parameter{plural}, got {}",
            args.len()
        )));
    }
    Ok(args)
}

/// An optional block hash parameter: absent or `null` means the best block (rule 1).
fn optional_hash(arg: Option<&Value>, what: &str) -> Result<Option<Hash32>, BackendError> {
    match arg {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => hash32(s).map(Some),
        Some(other) => Err(BackendError::InvalidParams(format!(
            "{what} must be a 0x-prefixed hex string, got {}",
            kind(other)
        ))),
    }
}

/// A required `0x`-hex parameter (rule 1).
fn required_bytes(arg: Option<&Value>, name: &str, what: &str) -> Result<Vec<u8>, BackendError> {
    match arg {
        Some(Value::String(s)) => hex_bytes(s),
        None | Some(Value::Null) => {
            Err(BackendError::InvalidParams(format!("{name} needs the {what} as 0x-prefixed hex")))
        }
        Some(other) => Err(BackendError::InvalidParams(format!(
            "{what} must be a 0x-prefixed hex string, got {}",
            kind(other)
        ))),
    }
}

/// The JSON type of a value, for error messages.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn hash_or_null(hash: Option<Hash32>) -> Result<Value, BackendError> {
    Ok(hash.map_or(Value::Null, |h| json!(to_hex(&h))))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<Value, BackendError> {
    serde_json::to_value(value)
        .map_err(|e| BackendError::Internal(format!("cannot serialise: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{Health, PeerInfo};
    use tokio::sync::broadcast;

    /// A backend that is never called: registration alone is under test.
    struct Unused;

    impl ChainBackend for Unused {
        fn health(&self) -> Health {
            Health { peers: 0, is_syncing: false, should_have_peers: false }
        }
        fn peers(&self) -> Vec<PeerInfo> {
            Vec::new()
        }
        fn local_peer_id(&self) -> String {
            String::new()
        }
        fn header(&self, _: Option<Hash32>) -> Result<Option<Value>, BackendError> {
            Ok(None)
        }
        fn block(&self, _: Option<Hash32>) -> Result<Option<Value>, BackendError> {
            Ok(None)
        }
        fn block_hash(&self, _: Option<u64>) -> Result<Option<Hash32>, BackendError> {
            Ok(None)
        }
        fn finalized_head(&self) -> Hash32 {
            [0; 32]
        }
        fn storage(&self, _: &[u8], _: Option<Hash32>) -> Result<Option<Vec<u8>>, BackendError> {
            Ok(None)
        }
        fn submit_extrinsic(&self, _: Vec<u8>) -> Result<Hash32, BackendError> {
            Err(BackendError::Refused("unused".into()))
        }
        fn subscribe_new_heads(&self) -> broadcast::Receiver<Value> {
            broadcast::channel(1).1
        }
        fn subscribe_finalized_heads(&self) -> broadcast::Receiver<Value> {
            broadcast::channel(1).1
        }
    }

    #[test]
    fn every_core_name_registers() {
        let info = SystemInfo {
            name: String::new(),
            version: String::new(),
            chain: String::new(),
            chain_type: String::new(),
            properties: Value::Null,
            roles: Vec::new(),
        };
        let mut module = RpcModule::new(());
        register_core(&mut module, info, Arc::new(Unused)).unwrap();
        // 9 system_*, 4 chain_get*, 4 (un)subscribes, 8 aliases, 2 state_*, 1 author_*, rpc_methods.
        assert_eq!(module.method_names().count(), 29);
    }
}
