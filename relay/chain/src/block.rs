//! [`RelayBlock`]: a header and its body, and the body's commitment [`extrinsics_root`].

use atoll_primitives::relay::RelayHeader;
use atoll_primitives::{decode_bounded, DecodeError, Hash};
use parity_scale_codec::{Decode, Encode};

use crate::extrinsic::RelayExtrinsic;

/// The largest encoded relay block accepted from the network: room for one maximal code upgrade
/// (3 MiB) and head (1 MiB) with 4 MiB to spare.
pub const MAX_BLOCK_SIZE: usize = 8 * 1024 * 1024;

/// A relay block.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct RelayBlock {
    /// The header; `header.extrinsics_root` commits to `body`.
    pub header: RelayHeader,
    /// The extrinsics, applied in order.
    pub body: Vec<RelayExtrinsic>,
}

impl RelayBlock {
    /// Decodes a block received from the network: at most [`MAX_BLOCK_SIZE`] bytes, bounded
    /// nesting, no trailing bytes.
    pub fn decode_untrusted(bytes: &[u8]) -> Result<RelayBlock, DecodeError> {
        decode_bounded("relay block", bytes, MAX_BLOCK_SIZE)
    }

    /// The block's hash (its header's).
    pub fn hash(&self) -> Hash {
        self.header.hash()
    }
}

/// The commitment to a body: blake2-256 of the SCALE list of blake2-256 of each encoded
/// extrinsic (so one extrinsic can be proven by its hash and the list).
pub fn extrinsics_root(body: &[RelayExtrinsic]) -> Hash {
    let hashes: Vec<Hash> = body.iter().map(Hash::of_encoded).collect();
    Hash::of_encoded(&hashes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use atoll_primitives::relay::RelayHeader;

    fn header() -> RelayHeader {
        RelayHeader {
            parent_hash: Hash::ZERO,
            number: atoll_primitives::BlockNumber(0),
            state_root: Hash::ZERO,
            extrinsics_root: extrinsics_root(&[]),
            pre_digest: Default::default(),
            seal: Default::default(),
        }
    }

    #[test]
    fn empty_body_root_is_the_hash_of_an_empty_list() {
        assert_eq!(extrinsics_root(&[]), Hash::of(&[0u8]));
    }

    #[test]
    fn untrusted_decoding_refuses_trailing_bytes() {
        let block = RelayBlock { header: header(), body: vec![] };
        let mut bytes = block.encode();
        assert_eq!(RelayBlock::decode_untrusted(&bytes), Ok(block));
        bytes.push(0);
        assert!(RelayBlock::decode_untrusted(&bytes).is_err());
    }
}
