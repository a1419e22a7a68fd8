//! The two error types: [`RequestError`] (one request failed) and [`NetworkError`] (the network
//! could not start).

use libp2p::{Multiaddr, PeerId};

use crate::protocol::Protocol;

/// Why an outbound request got no response.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// No response within [`NetworkConfig::request_timeout`](crate::NetworkConfig::request_timeout).
    #[error("{protocol} request to peer {peer} timed out")]
    Timeout {
        /// The peer asked.
        peer: PeerId,
        /// The protocol used.
        protocol: Protocol,
    },
    /// The request could not be delivered or was not answered: the peer is banned or cannot be
    /// dialled, does not speak the protocol, or closed the stream without a response.
    #[error("{protocol} request to peer {peer} refused: {reason}")]
    Refused {
        /// The peer asked.
        peer: PeerId,
        /// The protocol used.
        protocol: Protocol,
        /// What happened.
        reason: String,
    },
    /// The connection closed before the response arrived.
    #[error("connection to peer {peer} closed before the {protocol} response arrived")]
    ConnectionClosed {
        /// The peer asked.
        peer: PeerId,
        /// The protocol used.
        protocol: Protocol,
    },
    /// A payload exceeded the protocol's bound: our request (refused locally, nothing was
    /// sent) or the peer's response (the peer has been penalised, rule 2).
    #[error("{protocol} payload of {size} bytes exceeds the bound of {max} bytes (peer {peer})")]
    TooLarge {
        /// The peer asked.
        peer: PeerId,
        /// The protocol used.
        protocol: Protocol,
        /// The payload size (for a response: the size its length prefix declared).
        size: usize,
        /// The protocol's bound for this direction.
        max: usize,
    },
    /// The network task has stopped.
    #[error("the network has stopped")]
    NetworkStopped,
    /// Anything else (an I/O error on the stream, ...).
    #[error("{0}")]
    Other(String),
}

/// Why [`start`](crate::start) failed.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    /// The protocol prefix cannot namespace protocols.
    #[error("invalid protocol prefix {prefix:?}: {reason}")]
    BadProtocolPrefix {
        /// The configured prefix.
        prefix: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The transport or the behaviours could not be built.
    #[error("failed to set up the libp2p transport: {0}")]
    Transport(String),
    /// Another process (or node) already listens on this address.
    #[error("cannot listen on {address}: address already in use")]
    AddressInUse {
        /// The listen address.
        address: Multiaddr,
    },
    /// Listening on this address failed for another reason.
    #[error("cannot listen on {address}: {reason}")]
    Listen {
        /// The listen address.
        address: Multiaddr,
        /// What went wrong.
        reason: String,
    },
    /// A bootnode address is unusable.
    #[error(
        "bad bootnode address {address}: {reason} (a bootnode address must end in /p2p/<PeerId>)"
    )]
    BadBootnode {
        /// The configured address.
        address: Multiaddr,
        /// What is wrong with it.
        reason: String,
    },
}
