//! The Prometheus exporter: `GET /metrics` answers [`NodeMetrics::encode`], every other path 404
//! (rule 8).

use std::convert::Infallible;
use std::future::{ready, Ready};
use std::net::SocketAddr;
use std::task::{Context, Poll};
use std::time::Duration;

use http::{header, Method, StatusCode};
use http_body_util::Full;
use hyper::body::Bytes;
use jsonrpsee::server::{serve_with_graceful_shutdown, stop_channel, ServerHandle, StopHandle};
use tokio::net::TcpListener;

use super::NodeMetrics;
use crate::error::RpcError;

/// The path the exporter answers.
pub const METRICS_PATH: &str = "/metrics";
/// The content type of the OpenMetrics text exposition.
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// Pause after a failed `accept` (e.g. out of file descriptors) before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// A running exporter; stops when dropped or [`MetricsServer::stop`]ped.
#[derive(Debug)]
pub struct MetricsServer {
    local_addr: SocketAddr,
    handle: ServerHandle,
}

impl MetricsServer {
    /// The address the exporter listens on (the real port when asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops the exporter: no new connections; open ones finish their request and close.
    pub fn stop(self) {
        // Only fails if the exporter is already stopped.
        let _ = self.handle.stop();
    }
}

/// Serves `GET /metrics` (the OpenMetrics text exposition of `metrics`) on `addr`; 404 for other
/// paths, 405 for other methods on `/metrics` (rule 8). Returns once listening.
pub async fn start_metrics(
    addr: SocketAddr,
    metrics: NodeMetrics,
) -> Result<MetricsServer, RpcError> {
    let bind_error = |e: std::io::Error| RpcError::MetricsBind { addr, reason: e.to_string() };
    let listener = TcpListener::bind(addr).await.map_err(bind_error)?;
    let local_addr = listener.local_addr().map_err(bind_error)?;
    let (stop, handle) = stop_channel();
    tokio::spawn(accept_loop(listener, MetricsService { metrics }, stop));
    tracing::info!(target: "metrics", "Prometheus exporter listening on http://{local_addr}{METRICS_PATH}");
    Ok(MetricsServer { local_addr, handle })
}

async fn accept_loop(listener: TcpListener, service: MetricsService, stop: StopHandle) {
    loop {
        let socket = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((socket, _)) => socket,
                Err(e) => {
                    tracing::debug!(target: "metrics", error = %e, "cannot accept a connection");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            _ = stop.clone().shutdown() => return,
        };
        let service = service.clone();
        let stopped = stop.clone().shutdown();
        tokio::spawn(async move {
            if let Err(e) = serve_with_graceful_shutdown(socket, service, stopped).await {
                tracing::debug!(target: "metrics", error = %e, "metrics connection ended");
            }
        });
    }
}

/// Answers one HTTP request of the exporter.
#[derive(Clone)]
struct MetricsService {
    metrics: NodeMetrics,
}

impl<B> tower::Service<http::Request<B>> for MetricsService {
    type Response = http::Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let mut response = http::Response::new(Full::new(Bytes::new()));
        if request.uri().path() != METRICS_PATH {
            *response.status_mut() = StatusCode::NOT_FOUND;
        } else if request.method() != Method::GET && request.method() != Method::HEAD {
            *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        } else {
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, header::HeaderValue::from_static(CONTENT_TYPE));
            if request.method() == Method::GET {
                *response.body_mut() = Full::new(Bytes::from(self.metrics.encode()));
            }
        }
        ready(Ok(response))
    }
}
