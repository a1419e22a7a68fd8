//! Feeding a node's broadcast channel into a JSON-RPC subscription (rule 5).

use jsonrpsee::{PendingSubscriptionSink, SubscriptionSink};
use tokio::sync::broadcast::{self, error::RecvError};

/// Accepts `pending` and forwards every value `rx` yields as a notification, until the caller
/// unsubscribes or disconnects, or the channel closes (rule 5): a lagging receiver skips what it
/// missed and goes on; a closed channel ends the subscription.
pub async fn pipe_subscription(
    pending: PendingSubscriptionSink,
    rx: broadcast::Receiver<serde_json::Value>,
) {
    pipe_with_initial(pending, None, rx).await
}

/// [`pipe_subscription`], first sending `initial` if there is one (the current head, rule 5).
pub(crate) async fn pipe_with_initial(
    pending: PendingSubscriptionSink,
    initial: Option<serde_json::Value>,
    mut rx: broadcast::Receiver<serde_json::Value>,
) {
    let method = pending.method_name().to_string();
    let Ok(sink) = pending.accept().await else {
        // The caller went away before the subscription started.
        return;
    };
    if let Some(value) = initial {
        if !send(&sink, &value).await {
            return;
        }
    }
    loop {
        tokio::select! {
            _ = sink.closed() => return,
            item = rx.recv() => match item {
                Ok(value) => {
                    if !send(&sink, &value).await {
                        return;
                    }
                }
                Err(RecvError::Lagged(skipped)) => {
                    tracing::debug!(target: "rpc", %method, skipped, "subscriber lagged; skipping");
                }
                Err(RecvError::Closed) => return,
            }
        }
    }
}

/// Sends one notification; false once the subscription is gone.
async fn send(sink: &SubscriptionSink, value: &serde_json::Value) -> bool {
    match serde_json::value::to_raw_value(value) {
        Ok(raw) => sink.send(raw).await.is_ok(),
        Err(e) => {
            // A `Value` always serialises; should it not, drop this item and go on.
            tracing::warn!(target: "rpc", error = %e, "cannot serialise a notification");
            true
        }
    }
}
