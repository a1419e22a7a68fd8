//! The crate's two error types and how a backend error becomes a JSON-RPC error object
//! (rule 4 of the crate docs).

use std::net::SocketAddr;

use jsonrpsee::types::ErrorObjectOwned;

/// JSON-RPC error codes this crate answers with (rule 4).
pub mod codes {
    /// The parameters are malformed (JSON-RPC 2.0's standard code).
    pub const INVALID_PARAMS: i32 = -32602;
    /// The node failed internally (JSON-RPC 2.0's standard code).
    pub const INTERNAL: i32 = -32603;
    /// Something the request names (a block, a storage entry) is unknown to the node.
    pub const NOT_FOUND: i32 = -32000;
    /// The node refused the request, e.g. the transaction pool rejected an extrinsic. Substrate's
    /// "Invalid Transaction" code, which wallets already display.
    pub const REFUSED: i32 = 1010;
}

/// An error a backend method returns to the caller (becomes a JSON-RPC error object).
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The caller's parameters are malformed (code [`codes::INVALID_PARAMS`]).
    #[error("{0}")]
    InvalidParams(String),
    /// What the caller names does not exist (code [`codes::NOT_FOUND`]).
    #[error("{0}")]
    NotFound(String),
    /// The node refused the request, e.g. an extrinsic refused by the pool (code
    /// [`codes::REFUSED`]).
    #[error("{0}")]
    Refused(String),
    /// The node failed internally (code [`codes::INTERNAL`]).
    #[error("{0}")]
    Internal(String),
}

impl BackendError {
    /// The JSON-RPC error code this error is answered with (rule 4).
    pub fn code(&self) -> i32 {
        match self {
            BackendError::InvalidParams(_) => codes::INVALID_PARAMS,
            BackendError::NotFound(_) => codes::NOT_FOUND,
            BackendError::Refused(_) => codes::REFUSED,
            BackendError::Internal(_) => codes::INTERNAL,
        }
    }
}

/// Turns a [`BackendError`] into the JSON-RPC error object sent to the caller: the code of
/// [`BackendError::code`] and the error's text as the message, no data (rule 4).
pub fn error_object(e: BackendError) -> ErrorObjectOwned {
    let code = e.code();
    ErrorObjectOwned::owned(code, e.to_string(), None::<()>)
}

impl From<BackendError> for ErrorObjectOwned {
    fn from(e: BackendError) -> Self {
        error_object(e)
    }
}

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// The listening socket could not be opened.
    #[error("cannot listen for JSON-RPC on {addr}: {reason}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's reason.
        reason: String,
    },
    /// The Prometheus exporter's socket could not be opened.
    #[error("cannot listen for Prometheus metrics on {addr}: {reason}")]
    MetricsBind {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's reason.
        reason: String,
    },
    /// The method set could not be completed (e.g. `rpc_methods` could not be registered).
    #[error("cannot assemble the JSON-RPC methods: {0}")]
    Methods(String),
}
