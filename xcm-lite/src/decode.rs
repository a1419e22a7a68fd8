//! Bounded decoding of untrusted bytes into a [`VersionedXcm`] (Rule 1).
//!
//! Every message from a transport goes through [`decode_message`]; nothing else about the
//! bytes is trusted (DESIGN.md principle 4). The limits, checked in this order:
//!
//! 1. at most [`MAX_MESSAGE_SIZE`] bytes, checked before decoding anything;
//! 2. a known version byte ([`CURRENT_VERSION`] or below);
//! 3. programmes nested at most [`MAX_XCM_DEPTH`] deep (the codec's `DecodeLimit`: each
//!    programme is one level);
//! 4. at most [`MAX_INSTRUCTIONS`] per programme, [`MAX_JUNCTIONS`] per location and
//!    [`MAX_ASSETS`] per asset collection (sorted, unique, non-zero), each checked on the
//!    length prefix, before anything is allocated;
//! 5. no bytes left over.
//!
//! The types' own `Decode` implementations enforce limits 3 and 4 wherever they are decoded;
//! this module adds 1, 2 and 5 and says which limit was hit ([`DecodeError`]).
//!
//! [`MAX_JUNCTIONS`]: crate::MAX_JUNCTIONS
//! [`MAX_ASSETS`]: crate::MAX_ASSETS

use alloc::string::String;

use parity_scale_codec::{DecodeLimit, Error as CodecError, Input};

use crate::asset::{ASSETS_NOT_CANONICAL, MAX_ASSETS, TOO_MANY_ASSETS};
use crate::location::{MAX_JUNCTIONS, TOO_MANY_JUNCTIONS};
use crate::message::{MAX_INSTRUCTIONS, MAX_XCM_DEPTH, TOO_MANY_INSTRUCTIONS};
use crate::versioned::{VersionedXcm, CURRENT_VERSION};

/// The largest encoded message accepted, in bytes.
pub const MAX_MESSAGE_SIZE: usize = 16 * 1024;

/// The codec's depth limit: the top-level programme is the first level.
const CODEC_DEPTH_LIMIT: u32 = MAX_XCM_DEPTH + 1;

/// Why bytes were refused as a message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Longer than [`MAX_MESSAGE_SIZE`].
    #[error("message of {len} bytes exceeds the limit of {max}")]
    TooLarge {
        /// The input's length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The version byte names no version this crate knows.
    #[error("unknown message version {version} (this crate knows up to {CURRENT_VERSION})")]
    UnknownVersion {
        /// The version byte.
        version: u8,
    },
    /// Programmes nested deeper than [`MAX_XCM_DEPTH`].
    #[error("programmes nested deeper than {max}")]
    TooDeep {
        /// The limit.
        max: u32,
    },
    /// A programme with more than [`MAX_INSTRUCTIONS`] instructions.
    #[error("a programme has more than {max} instructions")]
    TooManyInstructions {
        /// The limit.
        max: usize,
    },
    /// A location with more than [`MAX_JUNCTIONS`] junctions.
    #[error("a location has more than {max} junctions")]
    TooManyJunctions {
        /// The limit.
        max: usize,
    },
    /// An asset collection with more than [`MAX_ASSETS`] entries.
    #[error("an asset collection has more than {max} entries")]
    TooManyAssets {
        /// The limit.
        max: usize,
    },
    /// An asset collection not sorted by id, with a repeated id, or with a zero amount.
    #[error("an asset collection is not canonical (sorted, unique ids, non-zero amounts)")]
    AssetsNotCanonical,
    /// Bytes left over after a whole message.
    #[error("{count} bytes left over after the message")]
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// Not a valid encoding: truncated, an unknown variant index, an empty input, ...
    #[error("malformed message: {description}")]
    Malformed {
        /// The codec's account of where decoding stopped.
        description: String,
    },
}

/// Decodes a message from untrusted bytes, within every limit of the module documentation.
pub fn decode_message(bytes: &[u8]) -> Result<VersionedXcm, DecodeError> {
    if bytes.len() > MAX_MESSAGE_SIZE {
        return Err(DecodeError::TooLarge { len: bytes.len(), max: MAX_MESSAGE_SIZE });
    }
    match bytes.first() {
        None => return Err(DecodeError::Malformed { description: String::from("empty input") }),
        Some(&version) if version > CURRENT_VERSION => {
            return Err(DecodeError::UnknownVersion { version })
        }
        Some(_) => {}
    }
    let mut input = DepthWatcher { bytes, depth: 0, deepest: 0 };
    match VersionedXcm::decode_with_depth_limit(CODEC_DEPTH_LIMIT, &mut input) {
        Ok(message) if input.bytes.is_empty() => Ok(message),
        Ok(_) => Err(DecodeError::TrailingBytes { count: input.bytes.len() }),
        Err(_) if input.deepest > CODEC_DEPTH_LIMIT => {
            Err(DecodeError::TooDeep { max: MAX_XCM_DEPTH })
        }
        Err(error) => Err(classify(&error)),
    }
}

/// Names the limit behind a codec error from the descriptions this crate's `Decode`
/// implementations give (the codec keeps them, with their context, under `chain-error`).
fn classify(error: &CodecError) -> DecodeError {
    let description = alloc::format!("{error}");
    if description.contains(TOO_MANY_INSTRUCTIONS) {
        DecodeError::TooManyInstructions { max: MAX_INSTRUCTIONS }
    } else if description.contains(TOO_MANY_JUNCTIONS) {
        DecodeError::TooManyJunctions { max: MAX_JUNCTIONS }
    } else if description.contains(TOO_MANY_ASSETS) {
        DecodeError::TooManyAssets { max: MAX_ASSETS }
    } else if description.contains(ASSETS_NOT_CANONICAL) {
        DecodeError::AssetsNotCanonical
    } else {
        let description = description.split_whitespace().collect::<alloc::vec::Vec<_>>().join(" ");
        DecodeError::Malformed { description }
    }
}

/// A byte-slice input that remembers how deep decoding went, so that a refusal by the codec's
/// depth limit (which wraps this input) is told apart from other errors.
struct DepthWatcher<'a> {
    bytes: &'a [u8],
    depth: u32,
    deepest: u32,
}

impl Input for DepthWatcher<'_> {
    fn remaining_len(&mut self) -> Result<Option<usize>, CodecError> {
        Ok(Some(self.bytes.len()))
    }

    fn read(&mut self, into: &mut [u8]) -> Result<(), CodecError> {
        self.bytes.read(into)
    }

    fn descend_ref(&mut self) -> Result<(), CodecError> {
        self.depth = self.depth.saturating_add(1);
        self.deepest = self.deepest.max(self.depth);
        Ok(())
    }

    fn ascend_ref(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }
}
