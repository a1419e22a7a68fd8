//! Strict parsing of `0x`-hex parameters and hex rendering of results (rule 1).

use crate::backend::Hash32;
use crate::error::BackendError;

/// Longest parameter echoed back in an error message; longer ones are cut with "…".
const ECHO_LIMIT: usize = 80;

/// Parses a `0x`-prefixed hex string (an even number of hex digits, either case; `"0x"` alone is
/// the empty byte string) into bytes (rule 1). Anything else is [`BackendError::InvalidParams`]
/// naming what was wrong.
pub fn hex_bytes(s: &str) -> Result<Vec<u8>, BackendError> {
    let Some(digits) = s.strip_prefix("0x") else {
        return Err(BackendError::InvalidParams(format!(
            "expected a 0x-prefixed hex string, got \"{}\"",
            echo(s)
        )));
    };
    if digits.len() % 2 != 0 {
        return Err(BackendError::InvalidParams(format!(
            "hex string \"{}\" has an odd number of digits",
            echo(s)
        )));
    }
    hex::decode(digits).map_err(|_| {
        BackendError::InvalidParams(format!(
            "\"{}\" contains a character that is not a hex digit",
            echo(s)
        ))
    })
}

/// Parses a 32-byte hash: `0x` followed by exactly 64 hex digits (rule 1).
pub fn hash32(s: &str) -> Result<Hash32, BackendError> {
    let bytes = hex_bytes(s)?;
    let len = bytes.len();
    <Hash32>::try_from(bytes).map_err(|_| {
        BackendError::InvalidParams(format!(
            "expected a 32-byte hash (0x + 64 hex digits), got {len} bytes in \"{}\"",
            echo(s)
        ))
    })
}

/// Renders bytes as a lower-case `0x`-prefixed hex string (rule 1's output side).
pub fn to_hex(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// Parses a block number given either as a JSON number or as a `0x`-hex string that fits in
/// 64 bits (rule 1; Substrate's `NumberOrHex`).
pub fn block_number(value: &serde_json::Value) -> Result<u64, BackendError> {
    match value {
        serde_json::Value::Number(n) => n.as_u64().ok_or_else(|| {
            BackendError::InvalidParams(format!(
                "block number must be a non-negative integer, got {n}"
            ))
        }),
        serde_json::Value::String(s) => {
            let Some(digits) = s.strip_prefix("0x") else {
                return Err(BackendError::InvalidParams(format!(
                    "block number must be an integer or a 0x-prefixed hex string, got \"{}\"",
                    echo(s)
                )));
            };
            if digits.is_empty() {
                return Err(BackendError::InvalidParams(
                    "block number \"0x\" has no digits".into(),
                ));
            }
            u64::from_str_radix(digits, 16).map_err(|_| {
                BackendError::InvalidParams(format!(
                    "block number \"{}\" is not hex or does not fit in 64 bits",
                    echo(s)
                ))
            })
        }
        other => Err(BackendError::InvalidParams(format!(
            "block number must be an integer or a 0x-prefixed hex string, got {}",
            echo(&other.to_string())
        ))),
    }
}

/// The start of `s`, short enough to quote in an error message.
fn echo(s: &str) -> String {
    if s.chars().count() <= ECHO_LIMIT {
        s.to_string()
    } else {
        let head: String = s.chars().take(ECHO_LIMIT).collect();
        format!("{head}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_bytes_is_strict() {
        assert_eq!(hex_bytes("0x").unwrap(), Vec::<u8>::new());
        assert_eq!(hex_bytes("0x0aFf").unwrap(), vec![0x0a, 0xff]);
        assert!(hex_bytes("0aff").unwrap_err().to_string().contains("0x-prefixed"));
        assert!(hex_bytes("0x0af").unwrap_err().to_string().contains("odd number"));
        assert!(hex_bytes("0xzz").unwrap_err().to_string().contains("not a hex digit"));
    }

    #[test]
    fn hash32_wants_64_digits() {
        let h = format!("0x{}", "ab".repeat(32));
        assert_eq!(hash32(&h).unwrap(), [0xab; 32]);
        let err = hash32("0xabcd").unwrap_err().to_string();
        assert!(err.contains("32-byte hash") && err.contains("got 2 bytes"), "{err}");
        assert_eq!(to_hex(&[1, 0xfe]), "0x01fe");
    }

    #[test]
    fn block_numbers() {
        assert_eq!(block_number(&serde_json::json!(7)).unwrap(), 7);
        assert_eq!(block_number(&serde_json::json!("0x10")).unwrap(), 16);
        assert!(block_number(&serde_json::json!(-1)).is_err());
        assert!(block_number(&serde_json::json!("10")).is_err());
        assert!(block_number(&serde_json::json!("0x")).is_err());
        assert!(block_number(&serde_json::json!("0x1ffffffffffffffff")).is_err());
        assert!(block_number(&serde_json::json!(true)).is_err());
    }

    #[test]
    fn long_params_are_cut_in_messages() {
        let long = "x".repeat(500);
        assert!(hex_bytes(&long).unwrap_err().to_string().len() < 200);
    }
}
