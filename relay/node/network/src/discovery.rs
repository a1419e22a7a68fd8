//! Rule 7: address announcements. Each node publishes its own listen addresses on an internal
//! gossip topic (`"<prefix>/peers/1"`); gossipsub signs them, so a node can only announce its
//! own addresses. Hearing one, a node records the author's addresses and dials it if it is not
//! connected, so nodes that only share a bootnode still end up fully connected.
//!
//! Payload: a count byte, then per address a `u16` little-endian length and the address bytes.

use libp2p::Multiaddr;

/// The internal topic's short name (not a [`Topic`](crate::Topic): the node never sees it).
pub(crate) const TOPIC_NAME: &str = "peers";

/// At most this many addresses are announced or accepted.
pub(crate) const MAX_ADDRESSES: usize = 16;

/// Addresses longer than this are neither announced nor accepted.
const MAX_ADDRESS_LEN: usize = 256;

/// Encodes up to [`MAX_ADDRESSES`] addresses.
pub(crate) fn encode(addresses: &[Multiaddr]) -> Vec<u8> {
    let chosen: Vec<&Multiaddr> =
        addresses.iter().filter(|a| a.len() <= MAX_ADDRESS_LEN).take(MAX_ADDRESSES).collect();
    let mut out = Vec::with_capacity(1 + chosen.iter().map(|a| 2 + a.len()).sum::<usize>());
    out.push(chosen.len() as u8);
    for address in chosen {
        out.extend_from_slice(&(address.len() as u16).to_le_bytes());
        out.extend_from_slice(address.as_ref());
    }
    out
}

/// Decodes an announcement; `None` if it is malformed in any way (including trailing bytes).
/// Rule 9: every length is checked against what is left before it is used.
pub(crate) fn decode(mut bytes: &[u8]) -> Option<Vec<Multiaddr>> {
    let (&count, rest) = bytes.split_first()?;
    bytes = rest;
    if usize::from(count) > MAX_ADDRESSES {
        return None;
    }
    let mut addresses = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let (len, rest) = bytes.split_first_chunk::<2>()?;
        let len = usize::from(u16::from_le_bytes(*len));
        if len > MAX_ADDRESS_LEN || rest.len() < len {
            return None;
        }
        let (address, rest) = rest.split_at(len);
        addresses.push(Multiaddr::try_from(address.to_vec()).ok()?);
        bytes = rest;
    }
    bytes.is_empty().then_some(addresses)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects_garbage() {
        let addresses: Vec<Multiaddr> =
            vec!["/ip4/127.0.0.1/tcp/30333".parse().unwrap(), "/ip6/::1/tcp/1".parse().unwrap()];
        let bytes = encode(&addresses);
        assert_eq!(decode(&bytes), Some(addresses));
        assert_eq!(decode(&[]), None);
        assert_eq!(decode(&[1, 200, 0, 1]), None);
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert_eq!(decode(&trailing), None);
        assert_eq!(decode(&[0]), Some(vec![]));
    }
}
