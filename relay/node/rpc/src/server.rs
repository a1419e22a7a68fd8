//! Starting and stopping the JSON-RPC server: HTTP POST and WebSocket on one port, with the
//! health endpoints in front (rules 2, 3 and 6).

use std::net::SocketAddr;
use std::sync::Arc;

use jsonrpsee::server::middleware::rpc::RpcServiceBuilder;
use jsonrpsee::server::{Server, ServerConfig, ServerHandle};
use jsonrpsee::RpcModule;

use crate::backend::HealthSource;
use crate::core_methods::install_rpc_methods;
use crate::error::RpcError;
use crate::health::HealthLayer;
use crate::metrics::NodeMetrics;
use crate::request_metrics::CountRequestsLayer;

/// One mebibyte.
const MIB: u32 = 1024 * 1024;

/// Limits and address of the JSON-RPC server.
#[derive(Clone, Debug)]
pub struct RpcConfig {
    /// Where to listen (port 0: any free port; see [`RpcServer::local_addr`]).
    pub addr: SocketAddr,
    /// Most simultaneous connections (default 100).
    pub max_connections: u32,
    /// Largest request, in bytes (default 15 MiB).
    pub max_request_size: u32,
    /// Largest response, in bytes (default 15 MiB).
    pub max_response_size: u32,
    /// Most subscriptions one WebSocket connection may hold (default 1024).
    pub max_subscriptions_per_connection: u32,
}

impl RpcConfig {
    /// Substrate's defaults on `addr`: 100 connections, 15 MiB requests and responses, 1024
    /// subscriptions per connection.
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            max_connections: 100,
            max_request_size: 15 * MIB,
            max_response_size: 15 * MIB,
            max_subscriptions_per_connection: 1024,
        }
    }
}

/// A running JSON-RPC server; stops when dropped or [`RpcServer::stop`]ped.
#[derive(Debug)]
pub struct RpcServer {
    local_addr: SocketAddr,
    handle: ServerHandle,
}

impl RpcServer {
    /// The address the server listens on (the real port when asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops the server: no new connections; open ones are closed.
    pub fn stop(self) {
        // Only fails if the server is already stopped.
        let _ = self.handle.stop();
    }
}

/// Starts the server: JSON-RPC over HTTP POST and WebSocket on `config.addr`; `GET /health`
/// answers the health JSON and `GET /health/readiness` 200 or 500 (rules 2, 3). `rpc_methods`
/// is rebuilt to list every method of `module` (rule 6). Returns once listening.
pub async fn start_rpc(
    config: RpcConfig,
    module: RpcModule<()>,
    health: Arc<dyn HealthSource>,
) -> Result<RpcServer, RpcError> {
    start(config, module, health, None).await
}

/// [`start_rpc`], also counting every call in `metrics`
/// (`substrate_rpc_requests_started_total` / `_finished_total`).
pub async fn start_rpc_with_metrics(
    config: RpcConfig,
    module: RpcModule<()>,
    health: Arc<dyn HealthSource>,
    metrics: NodeMetrics,
) -> Result<RpcServer, RpcError> {
    start(config, module, health, Some(metrics)).await
}

async fn start(
    config: RpcConfig,
    mut module: RpcModule<()>,
    health: Arc<dyn HealthSource>,
    metrics: Option<NodeMetrics>,
) -> Result<RpcServer, RpcError> {
    // Rule 6: `rpc_methods` lists the final method set, whatever the node merged in.
    install_rpc_methods(&mut module).map_err(|e| RpcError::Methods(e.to_string()))?;

    let server_config = ServerConfig::builder()
        .max_connections(config.max_connections)
        .max_request_body_size(config.max_request_size)
        .max_response_body_size(config.max_response_size)
        .max_subscriptions_per_connection(config.max_subscriptions_per_connection)
        .build();
    let addr = config.addr;
    let bind_error = |e: std::io::Error| RpcError::Bind { addr, reason: e.to_string() };
    let server = Server::builder()
        .set_config(server_config)
        .set_http_middleware(tower::ServiceBuilder::new().layer(HealthLayer::new(health)))
        .set_rpc_middleware(RpcServiceBuilder::new().option_layer(metrics.map(CountRequestsLayer)))
        .build(addr)
        .await
        .map_err(bind_error)?;
    let local_addr = server.local_addr().map_err(bind_error)?;
    let handle = server.start(module);
    tracing::info!(target: "rpc", "JSON-RPC listening on {local_addr} (HTTP and WebSocket)");
    Ok(RpcServer { local_addr, handle })
}
