//! What the network tells the node: [`NetworkEvent`], and the two tokens the node hands back,
//! [`GossipId`] and [`ReplyToken`].

use std::fmt;

use libp2p::{gossipsub, request_response::ResponseChannel, Multiaddr, PeerId};

use crate::protocol::{Protocol, Topic};

/// Identifies a received gossip message for [`NetworkHandle::report_gossip`](crate::NetworkHandle::report_gossip).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GossipId(pub(crate) gossipsub::MessageId);

impl fmt::Display for GossipId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The right to answer one inbound request, exactly once, with
/// [`NetworkHandle::respond`](crate::NetworkHandle::respond). Dropping it leaves the request
/// unanswered (the requester sees its stream closed).
#[derive(Debug)]
pub struct ReplyToken {
    pub(crate) peer: PeerId,
    pub(crate) protocol: Protocol,
    pub(crate) channel: ResponseChannel<Vec<u8>>,
}

impl ReplyToken {
    /// The peer that asked.
    pub fn peer(&self) -> PeerId {
        self.peer
    }

    /// The protocol it asked on (its bound applies to the response).
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }
}

/// Something that happened on the network.
#[derive(Debug)]
pub enum NetworkEvent {
    /// The node listens on this address (a port-0 listen address resolved to its real port).
    Listening(Multiaddr),
    /// The first connection to this peer is up.
    PeerConnected(PeerId),
    /// The last connection to this peer is gone.
    PeerDisconnected(PeerId),
    /// A gossip message. The node MUST answer with
    /// [`NetworkHandle::report_gossip`](crate::NetworkHandle::report_gossip)`(id, source, valid)`:
    /// nothing is forwarded before it is reported valid (rule 3).
    Gossip {
        /// The topic it arrived on.
        topic: Topic,
        /// The peer that forwarded it to us (the propagation source, not necessarily the author).
        source: PeerId,
        /// Its identifier, for the report.
        id: GossipId,
        /// The payload, unchecked: the node decides what it means.
        data: Vec<u8>,
    },
    /// An inbound request; answer it with [`NetworkHandle::respond`](crate::NetworkHandle::respond).
    Request {
        /// The peer that asked.
        peer: PeerId,
        /// The protocol it asked on.
        protocol: Protocol,
        /// The request payload (within the protocol's request bound).
        data: Vec<u8>,
        /// The token to answer with.
        reply: ReplyToken,
    },
    /// A peer broke the wire rules (an oversized request or response); the network has already
    /// penalised it (rule 2).
    Misbehaved {
        /// The offender.
        peer: PeerId,
        /// What it did.
        reason: String,
    },
}
