//! The HTTP middleware answering `GET /health` and `GET /health/readiness` on the JSON-RPC port
//! (rules 2 and 3). Every other request goes on to the JSON-RPC service.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{header, Method, StatusCode};
use jsonrpsee::server::{HttpBody, HttpResponse};

use crate::backend::{Health, HealthSource};

/// The path answering the health JSON (rule 2).
pub const HEALTH_PATH: &str = "/health";
/// The path answering 200 or 500 by readiness (rule 3).
pub const READINESS_PATH: &str = "/health/readiness";

/// The error type of the services jsonrpsee's HTTP middleware stacks.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A tower layer putting [`HealthService`] in front of the JSON-RPC service.
#[derive(Clone)]
pub struct HealthLayer {
    source: Arc<dyn HealthSource>,
}

impl HealthLayer {
    /// A layer reading the node's health from `source`.
    pub fn new(source: Arc<dyn HealthSource>) -> Self {
        Self { source }
    }
}

impl<S> tower::Layer<S> for HealthLayer {
    type Service = HealthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HealthService { source: self.source.clone(), inner }
    }
}

/// Answers the two health paths itself and hands every other request to `inner`.
#[derive(Clone)]
pub struct HealthService<S> {
    source: Arc<dyn HealthSource>,
    inner: S,
}

impl<S, B> tower::Service<http::Request<B>> for HealthService<S>
where
    S: tower::Service<http::Request<B>, Response = HttpResponse, Error = BoxError>,
    S::Future: Send + 'static,
{
    type Response = HttpResponse;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        if request.method() == Method::GET {
            let path = request.uri().path();
            if path == HEALTH_PATH || path == READINESS_PATH {
                let health = self.source.health();
                // Rule 2: `/health` is always 200; rule 3: readiness is 200 when ready, else 500.
                // Both carry the `system_health` JSON.
                let status = if path == HEALTH_PATH || health.is_ready() {
                    StatusCode::OK
                } else {
                    StatusCode::INTERNAL_SERVER_ERROR
                };
                let response = health_response(status, &health);
                return Box::pin(async move { response });
            }
        }
        Box::pin(self.inner.call(request))
    }
}

/// `status` with the health JSON as the body.
fn health_response(status: StatusCode, health: &Health) -> Result<HttpResponse, BoxError> {
    let body = serde_json::to_string(health)?;
    let response = http::Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(HttpBody::from(body))?;
    Ok(response)
}
