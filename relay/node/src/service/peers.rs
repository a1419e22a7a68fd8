//! [`PeerBook`]: the state machines number peers with small integers; the network names them by
//! libp2p [`PeerId`]. Also the authority map (rule 7): which peer a validator key is reachable at.

use std::collections::{BTreeMap, HashMap};

use atoll_network::PeerId;
use atoll_primitives::relay::ValidatorId;

/// Both directions of the peer numbering, and the authority map.
#[derive(Default)]
pub struct PeerBook {
    index_of: HashMap<PeerId, u64>,
    peer_of: BTreeMap<u64, PeerId>,
    next: u64,
    authorities: HashMap<ValidatorId, PeerId>,
}

impl PeerBook {
    /// The number of `peer`, given on first sight and kept for the process' life.
    pub fn index(&mut self, peer: PeerId) -> u64 {
        if let Some(i) = self.index_of.get(&peer) {
            return *i;
        }
        let i = self.next;
        self.next += 1;
        self.index_of.insert(peer, i);
        self.peer_of.insert(i, peer);
        i
    }

    /// The peer numbered `index`.
    pub fn peer(&self, index: u64) -> Option<PeerId> {
        self.peer_of.get(&index).copied()
    }

    /// Rule 7: `authority` is reachable at `peer` (a newer record replaces an older one).
    pub fn set_authority(&mut self, authority: ValidatorId, peer: PeerId) -> bool {
        self.authorities.insert(authority, peer) != Some(peer)
    }

    /// The peer of a validator key, if it announced one.
    pub fn authority_peer(&self, authority: &ValidatorId) -> Option<PeerId> {
        self.authorities.get(authority).copied()
    }

    /// How many validator keys have a known peer.
    pub fn known_authorities(&self) -> usize {
        self.authorities.len()
    }
}
