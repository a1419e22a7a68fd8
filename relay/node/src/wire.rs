//! What goes on which gossip topic and request-response protocol (rules 4–6 of the crate
//! docs), and the authority records that map validator keys to network peers.

use atoll_network::{Protocol, Topic};
use atoll_node_core::NetworkMessage;
use atoll_parachain_host::HostMessage;
use atoll_primitives::crypto::{verify, Pair};
use atoll_primitives::relay::ValidatorId;
use atoll_primitives::{decode_bounded, DecodeError, Hash, Sr25519Signature};
use parity_scale_codec::{Decode, Encode};

/// Largest message published on a gossip topic (gossipsub's cap is 64 KiB, leave room for its
/// framing and signature); anything larger is sent directly to each peer.
pub const MAX_GOSSIP_PAYLOAD: usize = 60 * 1024;

/// A message sent to one peer on [`Protocol::Direct`] (or on [`Protocol::Collation`]).
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum DirectMessage {
    /// A relay-chain message.
    Relay(NetworkMessage),
    /// A parachain-host message.
    Host(HostMessage),
}

impl DirectMessage {
    /// Decodes a direct message from a peer, bounded.
    pub fn decode_untrusted(bytes: &[u8]) -> Result<DirectMessage, DecodeError> {
        decode_bounded("direct message", bytes, atoll_node_core::MAX_MESSAGE_SIZE)
    }
}

/// Rule 4: the topic a relay message is gossiped on (`None`: it goes to one peer).
pub fn relay_topic(msg: &NetworkMessage) -> Option<Topic> {
    match msg {
        NetworkMessage::Block(_) | NetworkMessage::Status { .. } => Some(Topic::Blocks),
        NetworkMessage::Vote(_) | NetworkMessage::Justification(_) => Some(Topic::Finality),
        NetworkMessage::BlocksRequest { .. }
        | NetworkMessage::AncestryRequest { .. }
        | NetworkMessage::BlocksResponse { .. } => None,
    }
}

/// Rule 4: the topic a host message is gossiped on (`None`: it goes to one peer).
pub fn host_topic(msg: &HostMessage) -> Option<Topic> {
    match msg {
        HostMessage::Statement { .. } => Some(Topic::Statements),
        HostMessage::Bitfield { .. } => Some(Topic::Bitfields),
        HostMessage::Assignment(_) | HostMessage::Approval(_) => Some(Topic::Approvals),
        HostMessage::DisputeVote { .. } => Some(Topic::Disputes),
        HostMessage::Collation { .. }
        | HostMessage::PovRequest { .. }
        | HostMessage::PovResponse { .. }
        | HostMessage::ChunkRequest { .. }
        | HostMessage::ChunkResponse { .. } => None,
    }
}

/// Rule 5: the request-response protocol a directed message travels on.
pub fn relay_protocol(msg: &NetworkMessage) -> Protocol {
    match msg {
        NetworkMessage::BlocksRequest { .. } | NetworkMessage::AncestryRequest { .. } => {
            Protocol::Sync
        }
        _ => Protocol::Direct,
    }
}

/// Rule 5: the request-response protocol a directed host message travels on.
pub fn host_protocol(msg: &HostMessage) -> Protocol {
    match msg {
        HostMessage::PovRequest { .. } => Protocol::Pov,
        HostMessage::ChunkRequest { .. } => Protocol::Chunk,
        HostMessage::Collation { .. } => Protocol::Collation,
        _ => Protocol::Direct,
    }
}

/// Whether `msg` answers a request on `protocol` (and so goes back on its reply).
pub fn answers(protocol: Protocol, msg: &DirectMessage) -> bool {
    matches!(
        (protocol, msg),
        (Protocol::Sync, DirectMessage::Relay(NetworkMessage::BlocksResponse { .. }))
            | (Protocol::Pov, DirectMessage::Host(HostMessage::PovResponse { .. }))
            | (Protocol::Chunk, DirectMessage::Host(HostMessage::ChunkResponse { .. }))
    )
}

/// Rule 6: decodes a gossip payload and checks it belongs on its topic.
pub fn decode_gossip(topic: Topic, data: &[u8]) -> Result<DirectMessage, String> {
    let msg = match topic {
        Topic::Blocks | Topic::Finality => {
            DirectMessage::Relay(NetworkMessage::decode_untrusted(data).map_err(|e| e.to_string())?)
        }
        Topic::Statements | Topic::Bitfields | Topic::Approvals | Topic::Disputes => {
            DirectMessage::Host(HostMessage::decode_untrusted(data).map_err(|e| e.to_string())?)
        }
        Topic::Authorities => return Err("authority records are not node messages".into()),
    };
    let expected = match &msg {
        DirectMessage::Relay(m) => relay_topic(m),
        DirectMessage::Host(m) => host_topic(m),
    };
    if expected != Some(topic) {
        return Err(format!("a message of another topic on {}", topic.name()));
    }
    Ok(msg)
}

/// The signing context of authority records.
const AUTHORITY_CONTEXT: &[u8] = b"atoll-authority-record";

/// "Validator key `authority` is reachable at network peer `peer_id`", signed by the validator
/// key, for the chain of `genesis` (rule 7).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct AuthorityRecord {
    /// The validator key.
    pub authority: ValidatorId,
    /// The libp2p peer id, as bytes.
    pub peer_id: Vec<u8>,
    /// Signature by `authority` over (genesis, peer id).
    pub signature: Sr25519Signature,
}

impl AuthorityRecord {
    fn payload(genesis: &Hash, peer_id: &[u8]) -> Vec<u8> {
        (genesis, peer_id).encode()
    }

    /// Signs a record for `peer_id`.
    pub fn sign(pair: &Pair, genesis: &Hash, peer_id: Vec<u8>) -> AuthorityRecord {
        let signature = pair.sign(AUTHORITY_CONTEXT, &Self::payload(genesis, &peer_id));
        AuthorityRecord { authority: pair.public(), peer_id, signature }
    }

    /// Decodes and checks a record from the wire.
    pub fn decode_checked(genesis: &Hash, data: &[u8]) -> Result<AuthorityRecord, String> {
        let record: AuthorityRecord =
            decode_bounded("authority record", data, 256).map_err(|e| e.to_string())?;
        let payload = Self::payload(genesis, &record.peer_id);
        if !verify(AUTHORITY_CONTEXT, &payload, &record.signature, &record.authority) {
            return Err("authority record with a bad signature".into());
        }
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn authority_records_round_trip_and_bind_the_peer() {
        let genesis = Hash([3u8; 32]);
        let pair = Pair::dev("Alice");
        let record = AuthorityRecord::sign(&pair, &genesis, vec![1, 2, 3]);
        let bytes = record.encode();
        assert_eq!(AuthorityRecord::decode_checked(&genesis, &bytes).unwrap(), record);
        let mut forged = record.clone();
        forged.peer_id = vec![9];
        assert!(AuthorityRecord::decode_checked(&genesis, &forged.encode()).is_err());
        assert!(AuthorityRecord::decode_checked(&Hash([4u8; 32]), &bytes).is_err());
        assert!(AuthorityRecord::decode_checked(&genesis, &bytes[..10]).is_err());
    }

    #[test]
    fn conformance_of_a_fixed_authority_record() {
        let genesis = Hash([3u8; 32]);
        let record = AuthorityRecord {
            authority: Pair::dev("Bob").public(),
            peer_id: vec![0, 36, 8, 1],
            signature: Sr25519Signature([5u8; 64]),
        };
        let direct = DirectMessage::Relay(NetworkMessage::BlocksRequest {
            above: atoll_primitives::BlockNumber(7),
            max: 128,
        });
        let bytes = (record.encode(), direct.encode(), genesis).encode();
        assert_eq!(
            hex::encode(atoll_primitives::blake2_256(&bytes)),
            "fe269a74ee1e29c81df38f6123739a601d5d407855621afeece0b435e0348cb1"
        );
    }

    #[test]
    fn gossip_on_the_wrong_topic_is_refused() {
        let status = NetworkMessage::Status {
            best: (Hash([1u8; 32]), atoll_primitives::BlockNumber(1)),
            finalized: (Hash([1u8; 32]), atoll_primitives::BlockNumber(1)),
        };
        let bytes = status.encode();
        assert!(decode_gossip(Topic::Blocks, &bytes).is_ok());
        assert!(decode_gossip(Topic::Finality, &bytes).is_err());
        assert!(decode_gossip(Topic::Statements, &bytes).is_err());
        assert!(decode_gossip(Topic::Blocks, &[0xff, 1, 2]).is_err());
    }
}
