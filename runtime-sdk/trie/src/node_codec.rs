//! [`NodeCodec`]: the byte encoding of trie nodes (rules 1–9 in the crate docs).
//!
//! Encoding is only ever asked for nodes trie-db builds itself. Decoding also runs on nodes from
//! untrusted storage proofs, so [`decode_plan`] checks every length against the input
//! before using it, never panics, and accepts exactly one encoding per node: anything the encoder
//! would not have produced is refused with a [`CodecError`] naming the rule it breaks.

use alloc::vec::Vec;
use core::borrow::Borrow;
use core::ops::Range;

use parity_scale_codec::{Compact, Decode, Encode};
use trie_db::node::{NibbleSlicePlan, NodeHandlePlan, NodePlan, Value, ValuePlan};
use trie_db::ChildReference;

/// The length of a node hash; child references of exactly this length are hashes (rule 5).
pub const HASH_LENGTH: usize = 32;

/// The encoding of the empty node, the root of the empty trie (rule 2).
pub const EMPTY_NODE: &[u8] = &[0x00];

/// blake2b-256 of [`EMPTY_NODE`]: the root of the empty trie (rule 8).
///
/// A constant so that decoding can refuse child references to the empty node without hashing;
/// a unit test checks it against `blake2_256(EMPTY_NODE)`.
pub const EMPTY_ROOT: [u8; 32] = [
    0x03, 0x17, 0x0a, 0x2e, 0x75, 0x97, 0xb7, 0xb7, 0xe3, 0xd8, 0x4c, 0x05, 0x39, 0x1d, 0x13, 0x9a,
    0x62, 0xb1, 0x57, 0xe7, 0x87, 0x86, 0xd8, 0xc0, 0x82, 0xf2, 0x9d, 0xcf, 0x4c, 0x11, 0x13, 0x14,
];

/// Rule 1: the node kind, in the two high bits of the header byte.
const KIND_EMPTY: u8 = 0b00;
/// Rule 1: a leaf.
const KIND_LEAF: u8 = 0b01;
/// Rule 1: a branch without a value.
const KIND_BRANCH: u8 = 0b10;
/// Rule 1: a branch with a value.
const KIND_BRANCH_WITH_VALUE: u8 = 0b11;
/// Rule 1: where the kind sits in the header byte.
const KIND_SHIFT: u32 = 6;
/// Rule 1: the six low bits of the header byte hold the nibble count up to this value; this value
/// itself means "63 or more, the rest follows as a SCALE compact integer".
const NIBBLE_COUNT_ESCAPE: u8 = 0b0011_1111;
/// Rule 5: a branch has one child slot per nibble value.
const CHILD_SLOTS: usize = 16;

/// Why bytes are not a valid node: the rule of the node format they break.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid trie node: {0}")]
pub struct CodecError(pub &'static str);

impl CodecError {
    /// The broken rule, as text.
    pub fn reason(&self) -> &'static str {
        self.0
    }
}

/// Atoll's trie node codec; see the node format rules in the crate docs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeCodec;

impl trie_db::NodeCodec for NodeCodec {
    // Rule 4: values are stored inline, there is no escape for hashed values.
    const ESCAPE_HEADER: Option<u8> = None;

    type Error = CodecError;
    type HashOut = [u8; 32];

    fn hashed_null_node() -> [u8; 32] {
        // Rule 8.
        EMPTY_ROOT
    }

    fn decode_plan(data: &[u8]) -> Result<NodePlan, CodecError> {
        decode_plan(data)
    }

    fn is_empty_node(data: &[u8]) -> bool {
        // Rule 2.
        data == EMPTY_NODE
    }

    fn empty_node() -> &'static [u8] {
        // Rule 2.
        EMPTY_NODE
    }

    fn leaf_node(partial: impl Iterator<Item = u8>, number_nibble: usize, value: Value) -> Vec<u8> {
        encode_leaf(partial, number_nibble, value).unwrap_or_default()
    }

    fn extension_node(
        _partial: impl Iterator<Item = u8>,
        _number_nibble: usize,
        _child_ref: ChildReference<[u8; 32]>,
    ) -> Vec<u8> {
        // Rule 9: there are no extension nodes (`Layout::USE_EXTENSION` is false, so trie-db never
        // asks). Should it ever, the empty output is refused by every decoder (rule 1), so the
        // mistake surfaces as a decoding error on the next read rather than going unnoticed.
        Vec::new()
    }

    fn branch_node(
        children: impl Iterator<Item = impl Borrow<Option<ChildReference<[u8; 32]>>>>,
        value: Option<Value>,
    ) -> Vec<u8> {
        // Without extension nodes every branch may carry a partial key; this one's is empty.
        encode_branch(core::iter::empty(), 0, children, value).unwrap_or_default()
    }

    fn branch_node_nibbled(
        partial: impl Iterator<Item = u8>,
        number_nibble: usize,
        children: impl Iterator<Item = impl Borrow<Option<ChildReference<[u8; 32]>>>>,
        value: Option<Value>,
    ) -> Vec<u8> {
        encode_branch(partial, number_nibble, children, value).unwrap_or_default()
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding. The trait methods cannot fail, so the helpers below return an error for inputs the
// format cannot represent and the trait methods turn it into the empty output, which no decoder
// accepts (rule 1): a broken invariant shows up as a decoding error, never as a panic.
// ---------------------------------------------------------------------------------------------

/// Rule 1: the header byte, then the escaped rest of a long nibble count.
fn encode_header(out: &mut Vec<u8>, kind: u8, nibble_count: usize) -> Result<(), CodecError> {
    let kind_bits = kind << KIND_SHIFT;
    match u8::try_from(nibble_count) {
        Ok(small) if small < NIBBLE_COUNT_ESCAPE => out.push(kind_bits | small),
        _ => {
            out.push(kind_bits | NIBBLE_COUNT_ESCAPE);
            let rest = nibble_count - usize::from(NIBBLE_COUNT_ESCAPE);
            let rest = u32::try_from(rest)
                .map_err(|_| CodecError("rule 1: a partial key has fewer than 2^32 nibbles"))?;
            Compact(rest).encode_to(out);
        }
    }
    Ok(())
}

/// Rule 3: the partial key's nibbles, packed, with a zero padding nibble first if odd.
///
/// `partial` is trie-db's right-aligned form: (count + 1) / 2 bytes, the first one holding a
/// single nibble in its low half when the count is odd.
fn encode_partial(
    out: &mut Vec<u8>,
    partial: impl Iterator<Item = u8>,
    nibble_count: usize,
) -> Result<(), CodecError> {
    let byte_count = nibble_count.div_ceil(2);
    let start = out.len();
    out.extend(partial.take(byte_count));
    if out.len() - start != byte_count {
        return Err(CodecError("rule 3: the partial key has as many nibbles as its header says"));
    }
    if nibble_count % 2 == 1 {
        if let Some(first) = out.get_mut(start) {
            *first &= 0x0f;
        }
    }
    Ok(())
}

/// Rule 4: a value, SCALE length-prefixed, never empty, always inline.
fn encode_value(out: &mut Vec<u8>, value: Value) -> Result<(), CodecError> {
    match value {
        Value::Inline(bytes) => {
            if bytes.is_empty() {
                return Err(CodecError("rule 4: a value is never empty"));
            }
            encode_bytes(out, bytes)
        }
        Value::Node(_) => Err(CodecError("rule 4: values are stored inline, never by hash")),
    }
}

/// A SCALE compact length, then the bytes.
fn encode_bytes(out: &mut Vec<u8>, bytes: &[u8]) -> Result<(), CodecError> {
    let len = u32::try_from(bytes.len())
        .map_err(|_| CodecError("rules 4 and 5: a length fits in 32 bits"))?;
    Compact(len).encode_to(out);
    out.extend_from_slice(bytes);
    Ok(())
}

fn encode_leaf(
    partial: impl Iterator<Item = u8>,
    nibble_count: usize,
    value: Value,
) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::new();
    encode_header(&mut out, KIND_LEAF, nibble_count)?;
    encode_partial(&mut out, partial, nibble_count)?;
    encode_value(&mut out, value)?;
    Ok(out)
}

fn encode_branch(
    partial: impl Iterator<Item = u8>,
    nibble_count: usize,
    children: impl Iterator<Item = impl Borrow<Option<ChildReference<[u8; 32]>>>>,
    value: Option<Value>,
) -> Result<Vec<u8>, CodecError> {
    let kind = if value.is_some() { KIND_BRANCH_WITH_VALUE } else { KIND_BRANCH };
    let mut out = Vec::new();
    encode_header(&mut out, kind, nibble_count)?;
    encode_partial(&mut out, partial, nibble_count)?;

    // Rule 5: the bitmap goes before the value and the children, so reserve its two bytes.
    let bitmap_at = out.len();
    out.extend_from_slice(&[0, 0]);
    if let Some(value) = value {
        encode_value(&mut out, value)?;
    }
    let mut bitmap: u16 = 0;
    for (index, child) in children.take(CHILD_SLOTS).enumerate() {
        let Some(child) = child.borrow() else { continue };
        bitmap |= 1 << index;
        match child {
            ChildReference::Hash(hash) => encode_bytes(&mut out, hash)?,
            ChildReference::Inline(bytes, len) => {
                let inline = bytes
                    .get(..*len)
                    .filter(|inline| !inline.is_empty() && inline.len() < HASH_LENGTH)
                    .ok_or(CodecError("rule 5: an inline child has 1 to 31 bytes"))?;
                encode_bytes(&mut out, inline)?;
            }
        }
    }
    if let Some(slot) = out.get_mut(bitmap_at..bitmap_at + 2) {
        slot.copy_from_slice(&bitmap.to_le_bytes());
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Decoding.
// ---------------------------------------------------------------------------------------------

/// A cursor over untrusted bytes: every read is checked against what is left.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    fn byte(&mut self, rule: &'static str) -> Result<u8, CodecError> {
        let byte = *self.data.get(self.pos).ok_or(CodecError(rule))?;
        self.pos += 1;
        Ok(byte)
    }

    /// The range of the next `len` bytes.
    fn take(&mut self, len: usize, rule: &'static str) -> Result<Range<usize>, CodecError> {
        let end = self
            .pos
            .checked_add(len)
            .filter(|end| *end <= self.data.len())
            .ok_or(CodecError(rule))?;
        let range = self.pos..end;
        self.pos = end;
        Ok(range)
    }

    /// A SCALE compact `u32` (the codec refuses non-canonical forms).
    fn compact(&mut self, rule: &'static str) -> Result<usize, CodecError> {
        let mut rest = self.data.get(self.pos..).ok_or(CodecError(rule))?;
        let before = rest.len();
        let value = Compact::<u32>::decode(&mut rest).map_err(|_| CodecError(rule))?.0;
        self.pos += before - rest.len();
        usize::try_from(value).map_err(|_| CodecError(rule))
    }

    /// The range of the next SCALE length-prefixed byte string.
    fn bytes(&mut self, rule: &'static str) -> Result<Range<usize>, CodecError> {
        let len = self.compact(rule)?;
        self.take(len, rule)
    }

    fn finish(&self) -> Result<(), CodecError> {
        // Rule 7.
        if self.pos == self.data.len() {
            Ok(())
        } else {
            Err(CodecError("rule 7: no bytes follow a node"))
        }
    }
}

/// Decodes `data` into a plan of where each part of the node sits; see the crate docs' rules.
pub fn decode_plan(data: &[u8]) -> Result<NodePlan, CodecError> {
    let mut input = Reader::new(data);

    // Rule 1: the header byte.
    let header = input.byte("rule 1: a node starts with a header byte")?;
    let kind = header >> KIND_SHIFT;
    let small_count = header & NIBBLE_COUNT_ESCAPE;

    // Rule 2: the empty node is exactly the byte 0x00.
    if kind == KIND_EMPTY {
        if small_count != 0 {
            return Err(CodecError("rule 2: the only node of kind 00 is the single byte 0x00"));
        }
        input.finish()?;
        return Ok(NodePlan::Empty);
    }

    // Rule 1: the nibble count, escaped when 63 or more.
    let nibble_count = if small_count == NIBBLE_COUNT_ESCAPE {
        let rest = input.compact("rule 1: a long nibble count continues as a SCALE compact")?;
        rest.checked_add(usize::from(NIBBLE_COUNT_ESCAPE))
            .ok_or(CodecError("rule 1: the nibble count fits in memory"))?
    } else {
        usize::from(small_count)
    };

    // Rule 3: the packed nibbles, with a zero padding nibble first when the count is odd.
    let partial_bytes =
        input.take(nibble_count.div_ceil(2), "rule 3: the partial key is as long as its count")?;
    let padding = nibble_count % 2;
    if padding == 1 {
        let first = data.get(partial_bytes.start).copied().unwrap_or(0);
        if first & 0xf0 != 0 {
            return Err(CodecError("rule 3: the padding nibble of an odd partial key is zero"));
        }
    }
    let partial = NibbleSlicePlan::new(partial_bytes, padding);

    if kind == KIND_LEAF {
        // Rule 4.
        let value = decode_value(&mut input)?;
        input.finish()?;
        return Ok(NodePlan::Leaf { partial, value });
    }

    // Rule 5: a branch (kind 10 or 11): bitmap, value if kind 11, then the children.
    let low = input.byte("rule 5: a branch has a two-byte child bitmap")?;
    let high = input.byte("rule 5: a branch has a two-byte child bitmap")?;
    let bitmap = u16::from_le_bytes([low, high]);
    let value = if kind == KIND_BRANCH_WITH_VALUE { Some(decode_value(&mut input)?) } else { None };

    // Rule 6: only canonical shapes.
    match (value.is_some(), bitmap.count_ones()) {
        (false, 0) => {
            return Err(CodecError("rule 6: a branch has a value or children"));
        }
        (false, 1) => {
            return Err(CodecError("rule 6: a branch without a value has two or more children"));
        }
        (true, 0) => {
            return Err(CodecError(
                "rule 6: a branch with a value has a child (else it is a leaf)",
            ));
        }
        _ => {}
    }

    let mut children: [Option<NodeHandlePlan>; CHILD_SLOTS] = Default::default();
    for (index, slot) in children.iter_mut().enumerate() {
        if bitmap & (1 << index) == 0 {
            continue;
        }
        let range = input.bytes("rule 5: a child reference is as long as its length prefix")?;
        *slot = Some(decode_child(data, range)?);
    }
    input.finish()?;
    Ok(NodePlan::NibbledBranch { partial, value, children })
}

/// Rule 4: a non-empty, length-prefixed, inline value.
fn decode_value(input: &mut Reader) -> Result<ValuePlan, CodecError> {
    let range = input.bytes("rule 4: a value is as long as its length prefix")?;
    if range.is_empty() {
        return Err(CodecError("rule 4: a value is never empty"));
    }
    Ok(ValuePlan::Inline(range))
}

/// Rules 5 and 6: a child is a 32-byte hash or a valid non-empty node of 1 to 31 bytes.
fn decode_child(data: &[u8], range: Range<usize>) -> Result<NodeHandlePlan, CodecError> {
    let bytes = data
        .get(range.clone())
        .ok_or(CodecError("rule 5: a child reference lies within the node"))?;
    match bytes.len() {
        HASH_LENGTH => {
            if bytes == EMPTY_ROOT {
                return Err(CodecError("rule 6: no child is the empty node"));
            }
            Ok(NodeHandlePlan::Hash(range))
        }
        1..HASH_LENGTH => {
            // An inline child is strictly shorter than its parent, so this recursion is at most
            // 31 levels deep.
            match decode_plan(bytes)? {
                NodePlan::Empty => Err(CodecError("rule 6: no child is the empty node")),
                _ => Ok(NodeHandlePlan::Inline(range)),
            }
        }
        0 => Err(CodecError("rule 5: an inline child is never empty")),
        _ => Err(CodecError("rule 5: a child reference is at most 32 bytes")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use alloc::vec;
    use trie_db::NodeCodec as _;

    fn leaf(nibbles: &[u8], value: &[u8]) -> Vec<u8> {
        let packed = pack(nibbles);
        NodeCodec::leaf_node(packed.into_iter(), nibbles.len(), Value::Inline(value))
    }

    /// Right-aligned packing as trie-db hands partial keys to the codec.
    fn pack(nibbles: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut rest = nibbles;
        if nibbles.len() % 2 == 1 {
            out.push(nibbles[0]);
            rest = &nibbles[1..];
        }
        for pair in rest.chunks(2) {
            out.push(pair[0] << 4 | pair[1]);
        }
        out
    }

    #[test]
    fn empty_root_constant_is_the_hash_of_the_empty_node() {
        assert_eq!(EMPTY_ROOT, atoll_primitives::blake2_256(EMPTY_NODE));
        assert_eq!(NodeCodec::decode_plan(EMPTY_NODE), Ok(NodePlan::Empty));
        assert!(NodeCodec::is_empty_node(&[0]));
        assert!(!NodeCodec::is_empty_node(&[0, 0]));
    }

    #[test]
    fn leaf_layout_follows_the_rules() {
        // Rule 1: kind 01, 3 nibbles; rule 3: 0x0a, 0xbc; rule 4: compact(2), value.
        assert_eq!(leaf(&[0xa, 0xb, 0xc], b"hi"), vec![0x43, 0x0a, 0xbc, 0x08, b'h', b'i']);
        // An even count has no padding.
        assert_eq!(leaf(&[0x1, 0x2], b"x"), vec![0x42, 0x12, 0x04, b'x']);
        // Zero nibbles.
        assert_eq!(leaf(&[], b"x"), vec![0x40, 0x04, b'x']);
    }

    #[test]
    fn long_partial_keys_escape_the_count() {
        for count in [62usize, 63, 64, 200, 1000] {
            let nibbles: Vec<u8> = (0..count).map(|i| (i % 16) as u8).collect();
            let encoded = leaf(&nibbles, b"v");
            let expected_header = if count < 63 { 0x40 | count as u8 } else { 0x7f };
            assert_eq!(encoded[0], expected_header, "count {count}");
            match NodeCodec::decode(&encoded).unwrap() {
                trie_db::node::Node::Leaf(partial, Value::Inline(v)) => {
                    assert_eq!(partial.len(), count);
                    let got: Vec<u8> = (0..count).map(|i| partial.at(i)).collect();
                    assert_eq!(got, nibbles);
                    assert_eq!(v, b"v");
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn branch_round_trips() {
        let hash = [7u8; 32];
        let small = leaf(&[1], b"v");
        let mut inline = [0u8; 32];
        inline[..small.len()].copy_from_slice(&small);
        let mut children: Vec<Option<ChildReference<[u8; 32]>>> = vec![None; 16];
        children[0] = Some(ChildReference::Hash(hash));
        children[15] = Some(ChildReference::Inline(inline, small.len()));
        let encoded = NodeCodec::branch_node_nibbled(
            pack(&[3, 4, 5]).into_iter(),
            3,
            children.iter(),
            Some(Value::Inline(b"val")),
        );
        assert_eq!(encoded[0], 0xc3);
        match NodeCodec::decode(&encoded).unwrap() {
            trie_db::node::Node::NibbledBranch(partial, kids, value) => {
                assert_eq!(partial.len(), 3);
                assert_eq!(value, Some(Value::Inline(b"val")));
                assert_eq!(kids[0], Some(trie_db::node::NodeHandle::Hash(&hash)));
                assert_eq!(kids[15], Some(trie_db::node::NodeHandle::Inline(&small)));
                assert!(kids[1..15].iter().all(Option::is_none));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn refuses_malformed_nodes() {
        let good_leaf = leaf(&[0xa, 0xb, 0xc], b"hi");
        let hash_child = |bitmap: u16, value: Option<&[u8]>| {
            let mut v = vec![if value.is_some() { 0xc0 } else { 0x80 }];
            v.extend_from_slice(&bitmap.to_le_bytes());
            if let Some(value) = value {
                Compact(value.len() as u32).encode_to(&mut v);
                v.extend_from_slice(value);
            }
            for _ in 0..bitmap.count_ones() {
                v.push(32 << 2);
                v.extend_from_slice(&[9u8; 32]);
            }
            v
        };
        assert!(NodeCodec::decode_plan(&hash_child(0b11, None)).is_ok());
        assert!(NodeCodec::decode_plan(&hash_child(0b1, Some(b"v"))).is_ok());

        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("empty input", vec![]),
            ("empty node with trailing byte", vec![0x00, 0x00]),
            ("kind 00 with a count", vec![0x01]),
            ("trailing byte", [good_leaf.clone(), vec![0]].concat()),
            ("truncated", good_leaf[..good_leaf.len() - 1].to_vec()),
            ("non-zero padding", vec![0x41, 0x1a, 0x04, b'x']),
            ("empty value", vec![0x40, 0x00]),
            ("value length beyond input", vec![0x40, 0xfe, 0xff, 0xff, 0xff, 1]),
            ("non-canonical compact", vec![0x40, 0x05, 0x00, b'x']),
            ("escaped count with missing rest", vec![0x7f]),
            ("huge escaped count", vec![0x7f, 0x03, 0xff, 0xff, 0xff, 0xff]),
            ("branch without children or value", hash_child(0, None)),
            ("branch without value, one child", hash_child(0b100, None)),
            ("branch with value, no child", hash_child(0, Some(b"v"))),
            ("branch missing bitmap", vec![0x80, 0x01]),
            ("child of 33 bytes", [vec![0x80, 0x03, 0x00, 33 << 2], vec![1; 33]].concat()),
            ("empty inline child", vec![0xc0, 0x01, 0x00, 0x04, b'v', 0x00]),
            ("empty node inline", vec![0xc0, 0x01, 0x00, 0x04, b'v', 0x04, 0x00]),
            ("garbage inline", vec![0xc0, 0x01, 0x00, 0x04, b'v', 0x04, 0x01]),
            (
                "hash child to the empty node",
                [vec![0xc0, 0x01, 0x00, 0x04, b'v', 32 << 2], EMPTY_ROOT.to_vec()].concat(),
            ),
        ];
        for (what, bytes) in cases {
            assert!(NodeCodec::decode_plan(&bytes).is_err(), "{what} was accepted: {bytes:?}");
        }
    }

    #[test]
    fn unrepresentable_inputs_encode_to_undecodable_bytes() {
        assert!(NodeCodec::leaf_node(core::iter::empty(), 0, Value::Inline(b"")).is_empty());
        assert!(NodeCodec::leaf_node(core::iter::empty(), 0, Value::Node(&[0; 32])).is_empty());
        assert!(NodeCodec::extension_node(core::iter::empty(), 0, ChildReference::Hash([1; 32]))
            .is_empty());
        assert!(NodeCodec::decode_plan(&[]).is_err());
    }
}
