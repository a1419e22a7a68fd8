//! The libp2p shell of Atoll's nodes.
//!
//! This crate moves bytes: it knows nothing of blocks, statements or chunks. It publishes and
//! receives payloads on named gossip topics, sends and answers requests on named
//! request-response protocols, bounds every payload, and penalises peers that break the wire
//! rules. The [`Swarm`](libp2p::Swarm) runs in its own tokio task; the node talks to it through a
//! cloneable [`NetworkHandle`] (commands) and reads a [`NetworkEvent`] receiver.
//!
//! # Bird's-eye view, in the order the types are used
//!
//! 1. [`NetworkConfig`]: the identity ([`Keypair`]), listen addresses, bootnodes, the
//!    protocol prefix that namespaces everything, and the limits and timers.
//! 2. [`start`]: builds the swarm (TCP + noise + yamux; identify, gossipsub, one
//!    request-response behaviour per [`Protocol`], a block list), binds, spawns the task, and
//!    returns the [`NetworkHandle`] and the event receiver.
//! 3. [`NetworkEvent`]: what the node reads: peers coming and going, [`Topic`] gossip (with a
//!    [`GossipId`] to report), [`Protocol`] requests (with a [`ReplyToken`] to answer),
//!    misbehaviour already punished.
//! 4. [`NetworkHandle`]: what the node does: `publish`, `request`/`send_request`, `respond`,
//!    `report_gossip`, `penalize`, `dial`, and cheap read-outs (`connected_peers`, ...).
//! 5. [`RequestError`] and [`NetworkError`]: a failed request, a failed start.
//!
//! Inside: `protocol` (names and bounds), `codec` (the length-prefixed wire format),
//! `behaviour` (the composed behaviour and the swarm), `task` (the loop), `discovery` (address
//! announcements), `start`, `handle`, `event`, `error`, `config`.
//!
//! # Rules
//!
//! 1. Every request and response is a `u32` little-endian length and that many bytes, bounded
//!    per protocol ([`Protocol::max_request_size`], [`Protocol::max_response_size`]). We never
//!    write a payload above its bound (an oversized request fails at once with
//!    [`RequestError::TooLarge`]; an oversized response is not sent), and we check the declared
//!    length before reading or allocating anything.
//! 2. A peer whose request or response declares more than the bound is penalised (rule 5) and
//!    reported as [`NetworkEvent::Misbehaved`]: its request is dropped unanswered, our request
//!    to it fails with [`RequestError::TooLarge`].
//! 3. Gossip runs with message validation: a message is forwarded only after the node reports
//!    it valid with [`NetworkHandle::report_gossip`]; an invalid one goes no further. The node
//!    must report every [`NetworkEvent::Gossip`]. Payloads are delivered as they came, the node
//!    decides what they mean.
//! 4. Every [`Topic`] is subscribed at start. Topics, protocols and identify are namespaced
//!    `"<prefix>/<name>/1"`, so networks with different prefixes do not mix.
//! 5. Penalising a peer blocks it for [`NetworkConfig::ban_duration`] (its connections are
//!    refused both ways, requests to it fail), disconnects it, and logs
//!    `peer <id> penalised and disconnected: <reason>` at warn. The ban lifts by itself.
//! 6. Bootnodes are dialled at start and re-dialled every [`NetworkConfig::redial_interval`]
//!    while disconnected and not banned: this is how a restarted node, or its neighbours,
//!    rejoin.
//! 7. Peers' listen addresses are learnt from identify and, with [`NetworkConfig::discovery`],
//!    from signed address announcements on an internal topic; a node dials the peers it hears
//!    of, so a small network becomes a full mesh.
//! 8. The event channel is bounded ([`EVENT_CHANNEL_CAPACITY`]). When the node falls behind, the
//!    task stops reading the network until there is room (nothing but gossip is dropped);
//!    gossip arriving at a full channel is dropped, counted and reported as ignored.
//! 9. Nothing from the wire can panic the task: every decode is checked, there is no
//!    `unwrap` outside tests.
//!
//! Logs use the tracing target `sub-libp2p`.

mod behaviour;
mod codec;
mod config;
mod discovery;
mod error;
mod event;
mod handle;
mod protocol;
mod start;
mod task;

pub use libp2p::identity::Keypair;
pub use libp2p::{Multiaddr, PeerId};

pub use config::NetworkConfig;
pub use error::{NetworkError, RequestError};
pub use event::{GossipId, NetworkEvent, ReplyToken};
pub use handle::{NetworkCounters, NetworkHandle};
pub use protocol::{Protocol, Topic};
pub use start::{start, EVENT_CHANNEL_CAPACITY};
