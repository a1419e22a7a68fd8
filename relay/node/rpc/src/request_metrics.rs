//! JSON-RPC middleware counting calls into `substrate_rpc_requests_started_total` and
//! `substrate_rpc_requests_finished_total` (rule 7).

use std::future::Future;

use jsonrpsee::server::middleware::rpc::{Batch, Notification, Request, RpcServiceT};
use jsonrpsee::MethodResponse;

use crate::metrics::NodeMetrics;

/// A layer wrapping the JSON-RPC service in [`CountRequests`].
#[derive(Clone, Debug)]
pub(crate) struct CountRequestsLayer(pub(crate) NodeMetrics);

impl<S> tower::Layer<S> for CountRequestsLayer {
    type Service = CountRequests<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CountRequests { inner, metrics: self.0.clone() }
    }
}

/// Counts every call (each call of a batch) as started, then as finished once answered.
#[derive(Clone, Debug)]
pub(crate) struct CountRequests<S> {
    inner: S,
    metrics: NodeMetrics,
}

impl<S> RpcServiceT for CountRequests<S>
where
    S: RpcServiceT<
            MethodResponse = MethodResponse,
            BatchResponse = MethodResponse,
            NotificationResponse = MethodResponse,
        > + Clone
        + Send
        + Sync
        + 'static,
{
    type MethodResponse = MethodResponse;
    type BatchResponse = MethodResponse;
    type NotificationResponse = MethodResponse;

    fn call<'a>(&self, request: Request<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        let inner = self.inner.clone();
        let metrics = self.metrics.clone();
        async move {
            metrics.rpc_request_started();
            let response = inner.call(request).await;
            metrics.rpc_request_finished();
            response
        }
    }

    fn batch<'a>(&self, batch: Batch<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        let inner = self.inner.clone();
        let metrics = self.metrics.clone();
        let calls = batch.len();
        async move {
            for _ in 0..calls {
                metrics.rpc_request_started();
            }
            let response = inner.batch(batch).await;
            for _ in 0..calls {
                metrics.rpc_request_finished();
            }
            response
        }
    }

    fn notification<'a>(
        &self,
        notification: Notification<'a>,
    ) -> impl Future<Output = MethodResponse> + Send + 'a {
        self.inner.notification(notification)
    }
}
