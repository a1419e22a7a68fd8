//! SS58 addresses (with the `std` feature): Substrate's human-readable form of an account id, so
//! that addresses printed by Atoll paste into polkadot.js, subkey or pop-cli and back.
//!
//! An address is `base58(prefix ‖ 32-byte public key ‖ checksum)`, where the checksum is the
//! first two bytes of `blake2b-512(b"SS58PRE" ‖ prefix ‖ public key)`. A prefix below 64 is one
//! byte; 64 to 16 383 take Substrate's two-byte form. Prefix 42 is the generic Substrate network
//! (addresses starting with `5`), 0 Polkadot, 2 Kusama.
//!
//! Base58 (Bitcoin's alphabet) is written out here: it is a few lines, and it keeps this crate's
//! dependencies to those the Wasm runtimes already link.

use alloc::string::String;
use alloc::vec::Vec;

use blake2::{Blake2b512, Digest};

use crate::keys::Sr25519Public;

/// The generic Substrate prefix (addresses start with `5`), the default of dev chains.
pub const GENERIC_PREFIX: u16 = 42;

/// The largest prefix the two-byte form can carry.
pub const MAX_PREFIX: u16 = 16_383;

const CHECKSUM_LEN: usize = 2;
const KEY_LEN: usize = 32;
const ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Why a string is not an SS58 address of a 32-byte key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Ss58Error {
    /// A character outside the base58 alphabet.
    #[error("character {character:?} at position {position} is not base58")]
    BadBase58 {
        /// The offending character.
        character: char,
        /// Its position (in characters).
        position: usize,
    },
    /// The first byte is not a valid prefix (64 to 127 start the two-byte form; 128 and above
    /// are reserved).
    #[error("prefix byte {0:#04x} is reserved")]
    BadPrefix(u8),
    /// The decoded length is not prefix + 32-byte key + 2-byte checksum.
    #[error("decoded to {len} bytes, expected {expected} (prefix, 32-byte key, 2-byte checksum)")]
    BadLength {
        /// The decoded length.
        len: usize,
        /// The length a 32-byte key with this prefix needs.
        expected: usize,
    },
    /// The checksum does not match the prefix and key.
    #[error("checksum mismatch")]
    BadChecksum,
}

/// The SS58 address of `public` under network `prefix`. Prefixes above [`MAX_PREFIX`] do not
/// exist in the format; they are reduced to their low 14 bits (as Substrate's own encoder does).
pub fn encode(public: &Sr25519Public, prefix: u16) -> String {
    let mut bytes = prefix_bytes(prefix & MAX_PREFIX);
    bytes.extend_from_slice(&public.0);
    let checksum = checksum(&bytes);
    bytes.extend_from_slice(&checksum[..CHECKSUM_LEN]);
    base58_encode(&bytes)
}

/// Decodes an SS58 address into the public key and the network prefix, checking the checksum.
pub fn decode(address: &str) -> Result<(Sr25519Public, u16), Ss58Error> {
    let data = base58_decode(address)?;
    let first = data.first().copied().ok_or(Ss58Error::BadLength { len: 0, expected: 35 })?;
    let (prefix, prefix_len) = match first {
        0..=63 => (u16::from(first), 1),
        64..=127 => {
            let second = data.get(1).copied().ok_or(Ss58Error::BadLength {
                len: data.len(),
                expected: 2 + KEY_LEN + CHECKSUM_LEN,
            })?;
            // Substrate's two-byte form: the low six bits of the first byte and the top two of
            // the second are the identifier's low byte, the second's low six bits its high bits.
            let lower = (first << 2) | (second >> 6);
            let upper = second & 0b0011_1111;
            (u16::from(lower) | (u16::from(upper) << 8), 2)
        }
        _ => return Err(Ss58Error::BadPrefix(first)),
    };
    let expected = prefix_len + KEY_LEN + CHECKSUM_LEN;
    if data.len() != expected {
        return Err(Ss58Error::BadLength { len: data.len(), expected });
    }
    let body_len = prefix_len + KEY_LEN;
    let sum = checksum(&data[..body_len]);
    if data[body_len..] != sum[..CHECKSUM_LEN] {
        return Err(Ss58Error::BadChecksum);
    }
    let mut key = [0u8; KEY_LEN];
    key.copy_from_slice(&data[prefix_len..body_len]);
    Ok((Sr25519Public(key), prefix))
}

fn prefix_bytes(prefix: u16) -> Vec<u8> {
    if prefix < 64 {
        // Fits in six bits: the cast keeps the value.
        alloc::vec![(prefix & 0x3f) as u8]
    } else {
        let first = (((prefix & 0b0000_0000_1111_1100) >> 2) as u8) | 0b0100_0000;
        let second = ((prefix >> 8) as u8) | (((prefix & 0b0000_0000_0000_0011) as u8) << 6);
        alloc::vec![first, second]
    }
}

fn checksum(body: &[u8]) -> [u8; 64] {
    let mut hasher = Blake2b512::new();
    hasher.update(b"SS58PRE");
    hasher.update(body);
    hasher.finalize().into()
}

fn base58_encode(input: &[u8]) -> String {
    let zeros = input.iter().take_while(|b| **b == 0).count();
    // Base-58 digits, least significant first.
    let mut digits: Vec<u8> = Vec::with_capacity(input.len() * 138 / 100 + 1);
    for &byte in &input[zeros..] {
        let mut carry = u32::from(byte);
        for digit in digits.iter_mut() {
            carry += u32::from(*digit) << 8;
            *digit = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let mut out = String::with_capacity(zeros + digits.len());
    out.extend(core::iter::repeat_n('1', zeros));
    out.extend(digits.iter().rev().map(|d| char::from(ALPHABET[usize::from(*d)])));
    out
}

fn base58_decode(input: &str) -> Result<Vec<u8>, Ss58Error> {
    let zeros = input.chars().take_while(|c| *c == '1').count();
    // Bytes, least significant first.
    let mut bytes: Vec<u8> = Vec::with_capacity(input.len());
    for (position, character) in input.chars().enumerate().skip(zeros) {
        let value = u8::try_from(character)
            .ok()
            .and_then(|c| ALPHABET.iter().position(|a| *a == c))
            .ok_or(Ss58Error::BadBase58 { character, position })?;
        let mut carry = value as u32;
        for byte in bytes.iter_mut() {
            carry += u32::from(*byte) * 58;
            *byte = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.push((carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let mut out = alloc::vec![0u8; zeros];
    out.extend(bytes.iter().rev());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Pair;

    #[test]
    fn alice_generic_address_is_the_well_known_one() {
        let alice = Pair::dev("Alice").public();
        let address = encode(&alice, GENERIC_PREFIX);
        assert_eq!(address, "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
        assert_eq!(decode(&address), Ok((alice, GENERIC_PREFIX)));
    }

    #[test]
    fn polkadot_kusama_and_two_byte_prefixes_round_trip() {
        let bob = Pair::dev("Bob").public();
        // Bob on Polkadot (prefix 0), as polkadot.js shows it.
        assert_eq!(encode(&bob, 0), "14E5nqKAp3oAJcmzgZhUD2RcptBeUBScxKHgJKU4HPNcKVf3");
        for prefix in [0u16, 2, 42, 63, 64, 255, 1284, MAX_PREFIX] {
            let address = encode(&bob, prefix);
            assert_eq!(decode(&address), Ok((bob, prefix)), "prefix {prefix}");
        }
    }

    #[test]
    fn refuses_bad_characters_checksums_and_lengths() {
        let good = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
        assert!(matches!(
            decode("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQ0"),
            Err(Ss58Error::BadBase58 { character: '0', position: 47 })
        ));
        let mut tampered = good.to_string();
        tampered.replace_range(10..11, "Y");
        assert!(matches!(
            decode(&tampered),
            Err(Ss58Error::BadChecksum | Ss58Error::BadLength { .. })
        ));
        assert!(matches!(decode(&good[..20]), Err(Ss58Error::BadLength { .. })));
        assert!(matches!(decode(""), Err(Ss58Error::BadLength { len: 0, .. })));
    }

    #[test]
    fn base58_keeps_leading_zeros() {
        for input in [&[][..], &[0], &[0, 0, 1], &[0xff; 5], &[0, 0x80, 0]] {
            let text = base58_encode(input);
            assert_eq!(base58_decode(&text).as_deref(), Ok(input), "{input:?} -> {text}");
        }
        assert_eq!(base58_encode(b"hello world"), "StV1DL6CwTryKyV");
    }
}
