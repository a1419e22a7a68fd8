//! Reading and writing the JSON of a chain spec with the key path of every value at hand, so
//! that an error names where in the file it is (`genesis.runtimeGenesis.patch.paras[0].code`).

use std::collections::BTreeSet;

use atoll_primitives::ss58;
use serde_json::{Map, Value};

use super::SpecError;
use crate::extrinsic::AccountId;

/// A JSON value and its key path.
#[derive(Clone, Copy)]
pub(crate) struct At<'a> {
    pub(crate) path: &'a str,
    pub(crate) value: &'a Value,
}

/// A JSON object being read: keys are taken one by one, and [`Obj::finish`] refuses the rest.
pub(crate) struct Obj<'a> {
    path: String,
    map: &'a Map<String, Value>,
    taken: BTreeSet<&'a str>,
}

/// `parent.key`, or `key` at the top.
pub(crate) fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// How a JSON value's type is named in errors.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl<'a> At<'a> {
    fn wrong(&self, expected: &'static str) -> SpecError {
        SpecError::WrongType { path: self.path.to_string(), expected, found: type_name(self.value) }
    }

    /// The value as an object.
    pub(crate) fn obj(&self) -> Result<Obj<'a>, SpecError> {
        match self.value {
            Value::Object(map) => {
                Ok(Obj { path: self.path.to_string(), map, taken: BTreeSet::new() })
            }
            _ => Err(self.wrong("an object")),
        }
    }

    /// The value as an array, with each item's path (`path[i]`).
    pub(crate) fn array(&self) -> Result<Vec<(String, &'a Value)>, SpecError> {
        match self.value {
            Value::Array(items) => Ok(items
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("{}[{i}]", self.path), v))
                .collect()),
            _ => Err(self.wrong("an array")),
        }
    }

    /// The value as a string.
    pub(crate) fn string(&self) -> Result<String, SpecError> {
        self.value.as_str().map(str::to_string).ok_or_else(|| self.wrong("a string"))
    }

    /// The value as a string, or `None` for `null`.
    pub(crate) fn opt_string(&self) -> Result<Option<String>, SpecError> {
        if self.value.is_null() {
            Ok(None)
        } else {
            self.string().map(Some)
        }
    }

    /// A non-negative integer below 2^64.
    pub(crate) fn u64(&self) -> Result<u64, SpecError> {
        match self.value {
            Value::Number(n) => n.as_u64().ok_or_else(|| SpecError::BadNumber {
                path: self.path.to_string(),
                reason: format!("{n} is not a non-negative integer below 2^64"),
            }),
            _ => Err(self.wrong("a number")),
        }
    }

    /// A non-negative integer below 2^32.
    pub(crate) fn u32(&self) -> Result<u32, SpecError> {
        let v = self.u64()?;
        u32::try_from(v).map_err(|_| SpecError::BadNumber {
            path: self.path.to_string(),
            reason: format!("{v} is above 2^32 − 1"),
        })
    }

    /// A non-negative integer below 2^16.
    pub(crate) fn u16(&self) -> Result<u16, SpecError> {
        let v = self.u64()?;
        u16::try_from(v).map_err(|_| SpecError::BadNumber {
            path: self.path.to_string(),
            reason: format!("{v} is above 65 535"),
        })
    }

    /// An amount: a JSON integer below 2^64, or a decimal string for any `u128` (JSON numbers
    /// above 2^64 lose precision in most tools).
    pub(crate) fn u128(&self) -> Result<u128, SpecError> {
        match self.value {
            Value::String(s) => s.parse::<u128>().map_err(|_| SpecError::BadNumber {
                path: self.path.to_string(),
                reason: format!("{s:?} is not a decimal amount below 2^128"),
            }),
            Value::Number(n) => n.as_u64().map(u128::from).ok_or_else(|| SpecError::BadNumber {
                path: self.path.to_string(),
                reason: format!(
                    "{n} is not a non-negative integer below 2^64; write larger amounts as decimal strings"
                ),
            }),
            _ => Err(self.wrong("a number or a decimal string")),
        }
    }

    /// `0x`-prefixed hex bytes.
    pub(crate) fn hex(&self) -> Result<Vec<u8>, SpecError> {
        let text = self.string()?;
        let bad = |reason: String| SpecError::BadHex { path: self.path.to_string(), reason };
        let digits = text.strip_prefix("0x").ok_or_else(|| bad("hex must start with 0x".into()))?;
        hex::decode(digits).map_err(|e| bad(e.to_string()))
    }

    /// An account: an SS58 address (any network prefix) or `0x` + 64 hex digits.
    pub(crate) fn account(&self) -> Result<AccountId, SpecError> {
        let text = self.string()?;
        let bad = |reason: String| SpecError::BadAddress {
            path: self.path.to_string(),
            value: text.clone(),
            reason,
        };
        if let Some(digits) = text.strip_prefix("0x") {
            let bytes = hex::decode(digits).map_err(|e| bad(e.to_string()))?;
            let key: [u8; 32] = bytes
                .try_into()
                .map_err(|b: Vec<u8>| bad(format!("{} bytes, expected 32", b.len())))?;
            return Ok(atoll_primitives::Sr25519Public(key));
        }
        ss58::decode(&text).map(|(public, _prefix)| public).map_err(|e| bad(e.to_string()))
    }

    /// A two-item array `[a, b]`, with the items' paths.
    pub(crate) fn pair(&self) -> Result<(String, &'a Value, String, &'a Value), SpecError> {
        let items = self.array()?;
        match items.as_slice() {
            [(pa, a), (pb, b)] => Ok((pa.clone(), *a, pb.clone(), *b)),
            _ => Err(self.wrong("a two-item array")),
        }
    }
}

impl<'a> Obj<'a> {
    /// The value at `key`, if present.
    pub(crate) fn opt(&mut self, key: &'a str) -> Option<(&'a Value, String)> {
        let value = self.map.get(key)?;
        self.taken.insert(key);
        Some((value, join(&self.path, key)))
    }

    /// The value at `key`, which must be present.
    pub(crate) fn req(&mut self, key: &'a str) -> Result<(&'a Value, String), SpecError> {
        self.opt(key).ok_or_else(|| SpecError::MissingField { path: join(&self.path, key) })
    }

    /// Refuses any key not taken (the first, in key order, is named).
    pub(crate) fn finish(self) -> Result<(), SpecError> {
        match self.map.keys().find(|k| !self.taken.contains(k.as_str())) {
            Some(key) => Err(SpecError::UnknownField { path: join(&self.path, key) }),
            None => Ok(()),
        }
    }
}

/// A value and its path, as [`At`] (for values returned by [`Obj::req`]).
pub(crate) fn at<'a>(value: &'a Value, path: &'a str) -> At<'a> {
    At { path, value }
}

/// An amount as JSON: a number below 2^64, a decimal string above.
pub(crate) fn amount(v: u128) -> Value {
    match u64::try_from(v) {
        Ok(small) => Value::from(small),
        Err(_) => Value::String(v.to_string()),
    }
}

/// Bytes as `0x`-prefixed hex.
pub(crate) fn hex_value(bytes: &[u8]) -> Value {
    Value::String(format!("0x{}", hex::encode(bytes)))
}

/// Merges `patch` over `base`: objects key by key, any other value replaced.
pub(crate) fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(base), Value::Object(patch)) => {
            for (key, value) in patch {
                match base.get_mut(key) {
                    Some(existing) => merge(existing, value),
                    None => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (base, patch) => *base = patch.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_is_key_by_key_for_objects_only() {
        let mut base = json!({"a": {"x": 1, "y": [1, 2]}, "b": 2});
        merge(&mut base, &json!({"a": {"y": [3], "z": null}, "c": 4}));
        assert_eq!(base, json!({"a": {"x": 1, "y": [3], "z": null}, "b": 2, "c": 4}));
    }

    #[test]
    fn amounts_take_numbers_and_strings() {
        let v = json!(["340282366920938463463374607431768211455", 5, -1, 1.5]);
        let items = at(&v, "x").array().unwrap();
        assert_eq!(at(items[0].1, &items[0].0).u128().unwrap(), u128::MAX);
        assert_eq!(at(items[1].1, &items[1].0).u128().unwrap(), 5);
        assert!(
            matches!(at(items[2].1, &items[2].0).u128(), Err(SpecError::BadNumber { path, .. }) if path == "x[2]")
        );
        assert!(at(items[3].1, &items[3].0).u128().is_err());
        assert_eq!(amount(u128::MAX), json!("340282366920938463463374607431768211455"));
        assert_eq!(amount(7), json!(7));
    }

    #[test]
    fn unknown_keys_are_named_with_their_path() {
        let v = json!({"known": 1, "other": 2});
        let mut obj = at(&v, "top.inner").obj().unwrap();
        obj.req("known").unwrap();
        assert_eq!(obj.finish(), Err(SpecError::UnknownField { path: "top.inner.other".into() }));
    }
}
