//! Decoding untrusted bytes (principle 4): a size limit checked before decoding, a nesting
//! depth limit, and no trailing bytes.

use parity_scale_codec::{Decode, DecodeLimit};

/// The deepest nesting a decoded value may have.
pub const MAX_DECODE_DEPTH: u32 = 64;

/// Why untrusted bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input is longer than the limit for its kind.
    #[error("{what}: {len} bytes exceed the limit of {max}")]
    TooLarge {
        /// What was being decoded.
        what: &'static str,
        /// The input length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// SCALE decoding failed (malformed, too deep, or trailing bytes).
    #[error("{what}: malformed encoding: {reason}")]
    Malformed {
        /// What was being decoded.
        what: &'static str,
        /// The codec's description.
        reason: &'static str,
    },
}

/// Decodes a `T` from all of `bytes`, refusing inputs over `max_len`, nested deeper than
/// [`MAX_DECODE_DEPTH`], or with bytes left over.
pub fn decode_bounded<T: Decode>(
    what: &'static str,
    bytes: &[u8],
    max_len: usize,
) -> Result<T, DecodeError> {
    if bytes.len() > max_len {
        return Err(DecodeError::TooLarge { what, len: bytes.len(), max: max_len });
    }
    let mut input = bytes;
    let value = T::decode_with_depth_limit(MAX_DECODE_DEPTH, &mut input)
        .map_err(|_| DecodeError::Malformed { what, reason: INVALID_ENCODING })?;
    if !input.is_empty() {
        return Err(DecodeError::Malformed { what, reason: "trailing bytes after the value" });
    }
    Ok(value)
}

/// The reason given for any codec failure: without `std` the codec's error carries only a
/// static description (and with it a chain of them); callers need one stable, allocation-free
/// reason.
const INVALID_ENCODING: &str = "invalid SCALE encoding";

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;
    use parity_scale_codec::Encode;

    #[test]
    fn refuses_oversize_trailing_and_garbage() {
        let good = vec![1u8, 2, 3].encode();
        assert_eq!(decode_bounded::<Vec<u8>>("v", &good, 100), Ok(vec![1, 2, 3]));
        assert!(matches!(
            decode_bounded::<Vec<u8>>("v", &good, 2),
            Err(DecodeError::TooLarge { len: 4, max: 2, .. })
        ));
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(matches!(
            decode_bounded::<Vec<u8>>("v", &trailing, 100),
            Err(DecodeError::Malformed { .. })
        ));
        // A length prefix claiming far more bytes than present.
        assert!(decode_bounded::<Vec<u8>>("v", &[0xfe, 0xff, 0xff, 0xff], 100).is_err());
    }
}
