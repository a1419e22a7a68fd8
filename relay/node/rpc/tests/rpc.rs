//! The JSON-RPC server end to end: every core method over HTTP POST, subscriptions over
//! WebSocket, the health endpoints and `rpc_methods`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests stop loudly.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use atoll_rpc::{
    core_module, error_object, health_source, params, pipe_subscription, start_rpc, BackendError,
    ChainBackend, Health, HealthSource, RpcConfig, RpcServer,
};
use common::*;
use jsonrpsee::RpcModule;
use serde_json::{json, Value};
use tokio::sync::broadcast;

const INVALID_PARAMS: i64 = -32602;

async fn serve(backend: Arc<FakeBackend>, extra: Option<RpcModule<()>>) -> RpcServer {
    let mut module = core_module(system_info(), backend.clone());
    if let Some(extra) = extra {
        module.merge(extra).unwrap();
    }
    let health: Arc<dyn HealthSource> = backend;
    start_rpc(RpcConfig::new(SocketAddr::from(([127, 0, 0, 1], 0))), module, health).await.unwrap()
}

async fn fixture() -> (Arc<FakeBackend>, RpcServer, SocketAddr) {
    let backend = Arc::new(FakeBackend::new());
    let server = serve(backend.clone(), None).await;
    let addr = server.local_addr();
    (backend, server, addr)
}

fn assert_invalid_params(error: &Value, needle: &str) {
    assert_eq!(error["code"], json!(INVALID_PARAMS), "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains(needle), "message {message:?} should mention {needle:?}");
}

#[tokio::test]
async fn system_methods() {
    let (_backend, _server, addr) = fixture().await;
    assert_eq!(call(addr, "system_name", json!([])).await, json!("atoll-test"));
    assert_eq!(call(addr, "system_version", json!([])).await, json!("0.1.0-test"));
    assert_eq!(call(addr, "system_chain", json!([])).await, json!("Atoll Dev"));
    assert_eq!(call(addr, "system_chainType", json!([])).await, json!("Development"));
    assert_eq!(
        call(addr, "system_properties", json!([])).await,
        json!({ "tokenSymbol": "ATL", "tokenDecimals": 12 })
    );
    assert_eq!(call(addr, "system_nodeRoles", json!([])).await, json!(["AUTHORITY"]));
    assert_eq!(
        call(addr, "system_health", json!([])).await,
        json!({ "peers": 2, "isSyncing": false, "shouldHavePeers": true })
    );
    assert_eq!(
        call(addr, "system_peers", json!([])).await,
        json!([{
            "peerId": "12D3KooWPeer",
            "roles": "FULL",
            "bestHash": hex(&block_hash(3)),
            "bestNumber": 3,
        }])
    );
    assert_eq!(call(addr, "system_localPeerId", json!([])).await, json!("12D3KooWLocal"));
    // No params at all (no "params" member) works too.
    let response =
        http(addr, "POST", "/", Some(r#"{"jsonrpc":"2.0","id":7,"method":"system_chain"}"#)).await;
    assert_eq!(
        serde_json::from_str::<Value>(&response.body).unwrap()["result"],
        json!("Atoll Dev")
    );
    // Too many parameters are refused.
    let error = call_err(addr, "system_name", json!([1])).await;
    assert_invalid_params(&error, "at most 0 parameters, got 1");
}

#[tokio::test]
async fn chain_get_header_and_block() {
    let (_backend, _server, addr) = fixture().await;
    assert_eq!(call(addr, "chain_getHeader", json!([])).await, header(3));
    assert_eq!(call(addr, "chain_getHeader", json!([null])).await, header(3));
    assert_eq!(call(addr, "chain_getHeader", json!([hex(&block_hash(1))])).await, header(1));
    assert_eq!(call(addr, "chain_getHeader", json!([hex(&[0x77; 32])])).await, Value::Null);

    let block = call(addr, "chain_getBlock", json!([hex(&block_hash(2))])).await;
    assert_eq!(block["block"]["header"], header(2));
    assert_eq!(block["block"]["extrinsics"], json!(["0x0201"]));
    assert_eq!(block["justifications"], Value::Null);
    assert_eq!(call(addr, "chain_getBlock", json!([])).await["block"]["header"], header(3));
    assert_eq!(call(addr, "chain_getBlock", json!([hex(&[0x77; 32])])).await, Value::Null);

    for method in ["chain_getHeader", "chain_getBlock"] {
        assert_invalid_params(&call_err(addr, method, json!(["0x1234"])).await, "32-byte hash");
        let non_hex = format!("0x{}", "zz".repeat(32));
        assert_invalid_params(&call_err(addr, method, json!([non_hex])).await, "not a hex digit");
        let no_prefix = "ab".repeat(32);
        assert_invalid_params(&call_err(addr, method, json!([no_prefix])).await, "0x-prefixed");
        assert_invalid_params(&call_err(addr, method, json!([5])).await, "got a number");
        assert_invalid_params(
            &call_err(addr, method, json!({ "hash": null })).await,
            "by position",
        );
    }
}

#[tokio::test]
async fn chain_get_block_hash_and_finalized_head() {
    let (_backend, _server, addr) = fixture().await;
    assert_eq!(call(addr, "chain_getBlockHash", json!([])).await, json!(hex(&block_hash(3))));
    assert_eq!(call(addr, "chain_getBlockHash", json!([0])).await, json!(hex(&block_hash(0))));
    assert_eq!(call(addr, "chain_getBlockHash", json!(["0x2"])).await, json!(hex(&block_hash(2))));
    assert_eq!(call(addr, "chain_getBlockHash", json!([99])).await, Value::Null);
    assert_eq!(
        call(addr, "chain_getBlockHash", json!([[1, "0x3", 9]])).await,
        json!([hex(&block_hash(1)), hex(&block_hash(3)), null])
    );
    assert_eq!(call(addr, "chain_getHead", json!([1])).await, json!(hex(&block_hash(1))));
    assert_invalid_params(
        &call_err(addr, "chain_getBlockHash", json!(["12"])).await,
        "block number",
    );
    assert_invalid_params(&call_err(addr, "chain_getBlockHash", json!([-1])).await, "non-negative");
    assert_invalid_params(&call_err(addr, "chain_getBlockHash", json!(["0xzz"])).await, "not hex");

    let finalized = json!(hex(&block_hash(1)));
    assert_eq!(call(addr, "chain_getFinalizedHead", json!([])).await, finalized);
    assert_eq!(call(addr, "chain_getFinalisedHead", json!([])).await, finalized);
}

#[tokio::test]
async fn state_get_storage() {
    let (_backend, _server, addr) = fixture().await;
    let key = hex(&STORAGE_KEY);
    let value = json!(hex(&STORAGE_VALUE));
    assert_eq!(call(addr, "state_getStorage", json!([key])).await, value);
    assert_eq!(call(addr, "state_getStorage", json!([key, hex(&block_hash(2))])).await, value);
    assert_eq!(call(addr, "state_getStorageAt", json!([key, null])).await, value);
    assert_eq!(call(addr, "state_getStorage", json!(["0x99"])).await, Value::Null);

    assert_invalid_params(&call_err(addr, "state_getStorage", json!([])).await, "storage key");
    assert_invalid_params(
        &call_err(addr, "state_getStorage", json!(["0x123"])).await,
        "odd number",
    );
    assert_invalid_params(
        &call_err(addr, "state_getStorage", json!([key, "0x00"])).await,
        "32-byte",
    );
    // An unknown block is the backend's NotFound.
    let error = call_err(addr, "state_getStorage", json!([key, hex(&[0x77; 32])])).await;
    assert_eq!(error["code"], json!(atoll_rpc::error::codes::NOT_FOUND));
    assert_eq!(error["message"], json!("unknown block"));
}

#[tokio::test]
async fn author_submit_extrinsic() {
    let (backend, _server, addr) = fixture().await;
    let mut expected = [0u8; 32];
    expected[..3].copy_from_slice(&[1, 2, 3]);
    assert_eq!(
        call(addr, "author_submitExtrinsic", json!(["0x010203"])).await,
        json!(hex(&expected))
    );
    assert_eq!(backend.state.lock().unwrap().submitted, vec![vec![1, 2, 3]]);

    let refused = call_err(addr, "author_submitExtrinsic", json!(["0x"])).await;
    assert_eq!(refused["code"], json!(atoll_rpc::error::codes::REFUSED));
    assert_eq!(refused["message"], json!("empty extrinsic"));
    assert_invalid_params(&call_err(addr, "author_submitExtrinsic", json!([])).await, "extrinsic");
    assert_invalid_params(
        &call_err(addr, "author_submitExtrinsic", json!(["xyz"])).await,
        "0x-prefixed",
    );
}

#[tokio::test]
async fn malformed_requests_do_not_break_the_server() {
    let (_backend, _server, addr) = fixture().await;
    let response = http(addr, "POST", "/", Some("{not json")).await;
    let body: Value = serde_json::from_str(&response.body).unwrap();
    assert_eq!(body["error"]["code"], json!(-32700));
    let unknown = rpc(addr, "chain_noSuchMethod", json!([])).await;
    assert_eq!(unknown["error"]["code"], json!(-32601));
    assert_eq!(call(addr, "system_name", json!([])).await, json!("atoll-test"));
}

/// A module a node would add: one method and one subscription built with the crate's helpers.
fn extra_module(tx: broadcast::Sender<Value>) -> RpcModule<()> {
    let mut module = RpcModule::new(());
    module
        .register_method("paras_codeHash", |p, _, _| {
            let hash: String = p
                .one()
                .map_err(|_| error_object(BackendError::InvalidParams("need a hash".into())))?;
            let hash = params::hash32(&hash).map_err(error_object)?;
            Ok::<_, jsonrpsee::types::ErrorObjectOwned>(params::to_hex(&hash[..4]))
        })
        .unwrap();
    module
        .register_subscription(
            "paras_subscribeEvents",
            "paras_event",
            "paras_unsubscribeEvents",
            move |_, pending, _, _| {
                let rx = tx.subscribe();
                async move { pipe_subscription(pending, rx).await }
            },
        )
        .unwrap();
    module
}

#[tokio::test]
async fn rpc_methods_lists_the_merged_module() {
    let backend = Arc::new(FakeBackend::new());
    let (tx, _) = broadcast::channel(4);
    let server = serve(backend, Some(extra_module(tx))).await;
    let addr = server.local_addr();

    let methods: Vec<String> =
        serde_json::from_value(call(addr, "rpc_methods", json!([])).await["methods"].clone())
            .unwrap();
    let mut sorted = methods.clone();
    sorted.sort();
    assert_eq!(methods, sorted);
    for expected in [
        "author_submitExtrinsic",
        "chain_getBlock",
        "chain_getBlockHash",
        "chain_getFinalisedHead",
        "chain_getFinalizedHead",
        "chain_getHeader",
        "chain_subscribeFinalizedHeads",
        "chain_subscribeNewHeads",
        "chain_unsubscribeFinalizedHeads",
        "chain_unsubscribeNewHeads",
        "paras_codeHash",
        "paras_subscribeEvents",
        "paras_unsubscribeEvents",
        "rpc_methods",
        "state_getStorage",
        "system_chain",
        "system_chainType",
        "system_health",
        "system_localPeerId",
        "system_name",
        "system_nodeRoles",
        "system_peers",
        "system_properties",
        "system_version",
    ] {
        assert!(methods.iter().any(|m| m == expected), "{expected} missing from {methods:?}");
    }
    // The merged method itself works, with the helpers' errors.
    assert_eq!(call(addr, "paras_codeHash", json!([hex(&[9; 32])])).await, json!("0x09090909"));
    assert_invalid_params(&call_err(addr, "paras_codeHash", json!(["0x09"])).await, "32-byte hash");
}

#[tokio::test]
async fn core_module_alone_lists_its_methods() {
    let module = core_module(system_info(), Arc::new(FakeBackend::new()));
    let answer: Value =
        module.call("rpc_methods", jsonrpsee::core::EmptyServerParams::new()).await.unwrap();
    let methods = answer["methods"].as_array().unwrap();
    assert!(methods.contains(&json!("system_health")) && methods.contains(&json!("rpc_methods")));
}

#[tokio::test]
async fn health_endpoints() {
    let (backend, _server, addr) = fixture().await;
    let cases = [
        (Health { peers: 2, is_syncing: false, should_have_peers: true }, 200),
        (Health { peers: 2, is_syncing: true, should_have_peers: true }, 500),
        (Health { peers: 0, is_syncing: false, should_have_peers: true }, 500),
        (Health { peers: 0, is_syncing: false, should_have_peers: false }, 200),
        (Health { peers: 0, is_syncing: true, should_have_peers: false }, 500),
    ];
    for (health, readiness) in cases {
        backend.set_health(health.clone());
        let expected = json!({
            "peers": health.peers,
            "isSyncing": health.is_syncing,
            "shouldHavePeers": health.should_have_peers,
        });
        let response = http(addr, "GET", "/health", None).await;
        assert_eq!(response.status, 200);
        assert!(
            response.headers.contains("content-type: application/json"),
            "{}",
            response.headers
        );
        assert_eq!(serde_json::from_str::<Value>(&response.body).unwrap(), expected);

        let response = http(addr, "GET", "/health/readiness", None).await;
        assert_eq!(response.status, readiness, "{health:?}");
        assert_eq!(serde_json::from_str::<Value>(&response.body).unwrap(), expected);
    }
    // JSON-RPC still answers on the same port.
    assert_eq!(call(addr, "system_name", json!([])).await, json!("atoll-test"));
}

#[tokio::test]
async fn health_source_of_a_shared_backend() {
    let backend: Arc<dyn ChainBackend> = Arc::new(FakeBackend::new());
    let module = core_module(system_info(), backend.clone());
    let server = start_rpc(
        RpcConfig::new(SocketAddr::from(([127, 0, 0, 1], 0))),
        module,
        health_source(backend),
    )
    .await
    .unwrap();
    let response = http(server.local_addr(), "GET", "/health/readiness", None).await;
    assert_eq!(response.status, 200);
}

#[tokio::test]
async fn subscribe_new_heads_over_websocket() {
    let (backend, _server, addr) = fixture().await;
    let mut ws = WsClient::connect(addr).await;
    let response = ws.call("chain_subscribeNewHeads", json!([])).await;
    let subscription = response["result"].clone();
    assert!(subscription.is_string() || subscription.is_number(), "{response}");

    // First the current best header, then what the backend broadcasts.
    let first = ws.recv().await;
    assert_eq!(first["method"], json!("chain_newHead"));
    assert_eq!(first["params"]["subscription"], subscription);
    assert_eq!(first["params"]["result"], header(3));
    for n in [4, 5] {
        backend.new_heads.send(header(n)).unwrap();
        let notification = ws.recv().await;
        assert_eq!(notification["method"], json!("chain_newHead"));
        assert_eq!(notification["params"]["subscription"], subscription);
        assert_eq!(notification["params"]["result"], header(n));
    }

    let unsubscribed = ws.call("chain_unsubscribeNewHeads", json!([subscription])).await;
    assert_eq!(unsubscribed["result"], json!(true));
    let _ = backend.new_heads.send(header(6));
    assert!(ws.try_recv(Duration::from_millis(300)).await.is_none());
}

#[tokio::test]
async fn subscribe_finalized_heads_over_websocket() {
    let (backend, _server, addr) = fixture().await;
    let mut ws = WsClient::connect(addr).await;
    let response = ws.call("chain_subscribeFinalizedHeads", json!([])).await;
    let subscription = response["result"].clone();

    let first = ws.recv().await;
    assert_eq!(first["method"], json!("chain_finalizedHead"));
    assert_eq!(first["params"]["result"], header(1));
    backend.finalized_heads.send(header(2)).unwrap();
    let notification = ws.recv().await;
    assert_eq!(notification["method"], json!("chain_finalizedHead"));
    assert_eq!(notification["params"]["subscription"], subscription);
    assert_eq!(notification["params"]["result"], header(2));

    // The British spelling and a bad parameter.
    let alias = ws.call("chain_subscribeFinalisedHeads", json!([])).await;
    assert!(alias.get("result").is_some(), "{alias}");
    let bad = ws.call("chain_subscribeNewHeads", json!(["extra"])).await;
    assert_eq!(bad["error"]["code"], json!(INVALID_PARAMS), "{bad}");
}

#[tokio::test]
async fn pipe_subscription_forwards_and_ends_when_the_channel_closes() {
    let backend = Arc::new(FakeBackend::new());
    let (tx, rx) = broadcast::channel(4);
    // A module holding only the receiver, so that dropping `tx` closes the channel.
    let rx = Arc::new(std::sync::Mutex::new(Some(rx)));
    let mut module = RpcModule::new(());
    module
        .register_subscription(
            "test_subscribeOnce",
            "test_once",
            "test_unsubscribeOnce",
            move |_, pending, _, _| {
                let rx = rx.lock().unwrap().take();
                async move {
                    match rx {
                        Some(rx) => pipe_subscription(pending, rx).await,
                        None => {
                            pending
                                .reject(error_object(BackendError::Refused("taken".into())))
                                .await
                        }
                    }
                }
            },
        )
        .unwrap();
    let server = serve(backend, Some(module)).await;
    let mut ws = WsClient::connect(server.local_addr()).await;
    let response = ws.call("test_subscribeOnce", json!([])).await;
    let id = response["result"].clone();
    assert!(id.is_string() || id.is_number(), "{response}");
    // No initial value: the first notification is the first broadcast.
    tx.send(json!({ "para": 100 })).unwrap();
    let notification = ws.recv().await;
    assert_eq!(notification["method"], json!("test_once"));
    assert_eq!(notification["params"]["result"], json!({ "para": 100 }));

    // Closing the channel ends the subscription (unsubscribing finds nothing); the connection
    // stays usable.
    drop(tx);
    assert!(ws.try_recv(Duration::from_millis(300)).await.is_none());
    let unsubscribed = ws.call("test_unsubscribeOnce", json!([id])).await;
    assert_eq!(unsubscribed["result"], json!(false), "{unsubscribed}");
    let name = ws.call("system_name", json!([])).await;
    assert_eq!(name["result"], json!("atoll-test"));
}

#[tokio::test]
async fn stop_closes_the_port() {
    let (_backend, server, addr) = fixture().await;
    assert_eq!(call(addr, "system_name", json!([])).await, json!("atoll-test"));
    server.stop();
    let mut refused = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "the server still accepts connections after stop()");
}

#[tokio::test]
async fn bind_error_names_the_address() {
    let (_backend, _server, addr) = fixture().await;
    let module = core_module(system_info(), Arc::new(FakeBackend::new()));
    let health: Arc<dyn HealthSource> = Arc::new(FakeBackend::new());
    let Err(error) = start_rpc(RpcConfig::new(addr), module, health).await else {
        panic!("binding a taken port should fail");
    };
    assert!(
        error.to_string().starts_with(&format!("cannot listen for JSON-RPC on {addr}")),
        "{error}"
    );
}

#[tokio::test]
async fn a_lagging_subscriber_skips_what_it_missed() {
    let backend = Arc::new(FakeBackend::new());
    let (tx, _) = broadcast::channel(2);
    let server = serve(backend, Some(extra_module(tx.clone()))).await;
    let mut ws = WsClient::connect(server.local_addr()).await;
    let response = ws.call("paras_subscribeEvents", json!([])).await;
    assert!(response.get("result").is_some(), "{response}");
    // The test's runtime is single-threaded: the forwarding task cannot run between these sends,
    // so its receiver (capacity 2) loses the first of three.
    for n in 1..=3 {
        tx.send(json!(n)).unwrap();
    }
    assert_eq!(ws.recv().await["params"]["result"], json!(2));
    assert_eq!(ws.recv().await["params"]["result"], json!(3));
    tx.send(json!(4)).unwrap();
    assert_eq!(ws.recv().await["params"]["result"], json!(4));
}
