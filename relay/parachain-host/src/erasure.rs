//! Erasure coding of a candidate's [`AvailableData`] (research/protocol.md §7, pipeline step 4).
//!
//! A candidate is only enacted once more than two thirds of the validators hold a chunk of its
//! available data, so that any `f + 1` of them — at least one honest — can give checkers the
//! data back. This module turns the data into `n` chunks (one per validator), commits to them
//! with a Merkle root (the descriptor's `erasure_root`), proves each chunk against that root, and
//! reconstructs the data from any `f + 1` chunks, where `f = ⌊(n − 1) / 3⌋` and
//! `k = f + 1 =` [`recovery_threshold`]`(n)`.
//!
//! ## The rules
//!
//! 1. **Encode** ([`obtain_chunks`]). `n` must be in `1..=`[`MAX_VALIDATORS`].
//!    1. The payload is the SCALE encoding of the [`AvailableData`], at most
//!       [`MAX_AVAILABLE_DATA_SIZE`] bytes.
//!    2. It is framed as `u32` little-endian payload length `++` payload, so that reconstruction
//!       strips the padding exactly.
//!    3. The shard size is `s = ⌈(4 + len) / k⌉`, rounded up to an even number (the field is
//!       GF(2^16): shards are sequences of 2-byte symbols). The frame is padded with zero bytes
//!       to `k · s` bytes.
//!    4. If `k = 1` (`n ≤ 3`) every chunk is the whole padded frame: any one chunk recovers.
//!       Otherwise the padded frame is cut into `k` original shards of `s` bytes, which are
//!       chunks `0..k` (the code is systematic), and Reed-Solomon over GF(2^16)
//!       (`reed-solomon-simd`, Leopard's FFT construction) computes `n − k` recovery shards,
//!       which are chunks `k..n`. Every chunk is `s` bytes; chunk `i` belongs to validator `i`.
//! 2. **Commit** ([`ChunkTree`]). A binary Merkle tree over blake2b-256:
//!    a leaf is `blake2(0x00 ++ chunk)`, an inner node is `blake2(0x01 ++ left ++ right)`
//!    (domain separated, so a leaf can never pass for an inner node). Each level pairs nodes
//!    left to right; an odd node at the end of a level is **promoted** unchanged to the next
//!    level (not duplicated). The root of the top level is the erasure root. A proof lists the
//!    sibling hashes from the leaf up, skipping levels where the node was promoted; so its
//!    length is fixed by `(index, n)`.
//! 3. **Verify** ([`verify_chunk`]). A chunk is accepted for `(root, n)` if its index is below
//!    `n`, its proof has exactly the length the tree shape of Step 2 gives that index, and
//!    folding the proof from the chunk's leaf gives `root`.
//! 4. **Reconstruct** ([`reconstruct`]). The chunks must have distinct indices below `n` and
//!    one common, even, non-zero size no larger than the largest valid encoding's shard;
//!    at least `k` of them are needed (extras are ignored, original shards are preferred).
//!    With all original shards present (or `k = 1`) the frame is read directly, otherwise
//!    Reed-Solomon decoding restores the missing original shards. The frame must be exactly
//!    the padded frame of Step 1 (length prefix consistent with the shard size, zero padding),
//!    and the payload is decoded with [`decode_bounded`] under [`MAX_AVAILABLE_DATA_SIZE`].
//! 5. **Check** ([`reconstruct_and_verify`]). What a checker does: Step 4, then Step 1 and 2
//!    again on the result, and the root must equal the descriptor's erasure root. A mismatch
//!    ([`ErasureError::RootMismatch`]) means the backers committed to chunks that are not an
//!    encoding of any data, and the candidate is invalid.
//!
//! None of these functions panics, whatever the input.

use std::collections::BTreeMap;

use atoll_primitives::parachain::{recovery_threshold, AvailableData, ErasureChunk};
use atoll_primitives::{blake2_256, decode_bounded, limits, Hash, ValidatorIndex};
use parity_scale_codec::Encode;

/// The most validators (and so chunks) supported.
pub const MAX_VALIDATORS: usize = 10_000;

/// The largest SCALE-encoded [`AvailableData`] accepted: a maximal PoV plus 1 MiB for the
/// persisted validation data (its parent head is at most [`limits::MAX_HEAD_DATA_SIZE`]).
pub const MAX_AVAILABLE_DATA_SIZE: usize = limits::MAX_POV_SIZE as usize + 1024 * 1024;

/// Bytes of the length prefix of the frame (Step 1.2).
const LENGTH_PREFIX: usize = 4;

/// Domain separator of a leaf hash (Step 2).
const LEAF_TAG: u8 = 0x00;

/// Domain separator of an inner node hash (Step 2).
const NODE_TAG: u8 = 0x01;

/// Why erasure coding or recovery failed.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ErasureError {
    /// There must be at least one validator.
    #[error("cannot erasure code for {n} validators")]
    TooFewValidators {
        /// The validator count given.
        n: usize,
    },
    /// More validators than the codec supports.
    #[error("{n} validators exceed the maximum of {max}")]
    TooManyValidators {
        /// The validator count given.
        n: usize,
        /// [`MAX_VALIDATORS`].
        max: usize,
    },
    /// The encoded available data is larger than [`MAX_AVAILABLE_DATA_SIZE`].
    #[error("available data of {len} bytes exceeds the limit of {max}")]
    DataTooLarge {
        /// The encoded length.
        len: usize,
        /// [`MAX_AVAILABLE_DATA_SIZE`].
        max: usize,
    },
    /// Fewer distinct chunks than the recovery threshold.
    #[error("{have} distinct chunks, {need} needed")]
    NotEnoughChunks {
        /// Distinct chunks given.
        have: usize,
        /// `f + 1`.
        need: usize,
    },
    /// A chunk index is not below the validator count.
    #[error("chunk index {index} out of range for {n} validators")]
    ChunkIndexOutOfRange {
        /// The index given.
        index: usize,
        /// The validator count.
        n: usize,
    },
    /// Two chunks with the same index.
    #[error("chunk {index} given twice")]
    DuplicateChunk {
        /// The repeated index.
        index: usize,
    },
    /// A chunk's size differs from the first chunk's.
    #[error("chunk {index} has {len} bytes, the first chunk has {expected}")]
    UnevenChunks {
        /// The offending chunk.
        index: usize,
        /// Its size.
        len: usize,
        /// The first chunk's size.
        expected: usize,
    },
    /// A chunk is empty, of odd size, or larger than any valid encoding's chunk for this `n`.
    #[error("chunk {index} has an impossible size of {len} bytes (even, 2..={max} expected)")]
    BadChunkSize {
        /// The offending chunk.
        index: usize,
        /// Its size.
        len: usize,
        /// The largest valid chunk size for this validator count.
        max: usize,
    },
    /// The reconstructed bytes are not a valid frame or do not decode as [`AvailableData`].
    #[error("reconstructed data is malformed: {0}")]
    BadPayload(String),
    /// The Reed-Solomon library refused the input.
    #[error("Reed-Solomon codec error: {0}")]
    Codec(String),
    /// A chunk's Merkle proof does not lead to the root.
    #[error("chunk {index}: Merkle proof does not match the erasure root")]
    BadProof {
        /// The chunk's index.
        index: usize,
    },
    /// The reconstructed data re-encodes to a different erasure root.
    #[error("erasure root mismatch: expected {expected}, re-encoding gives {got}")]
    RootMismatch {
        /// The committed root.
        expected: Hash,
        /// The root of the re-encoded data.
        got: Hash,
    },
}

/// Checks `n` and returns `k = f + 1`.
fn threshold(n: usize) -> Result<usize, ErasureError> {
    if n == 0 {
        return Err(ErasureError::TooFewValidators { n });
    }
    if n > MAX_VALIDATORS {
        return Err(ErasureError::TooManyValidators { n, max: MAX_VALIDATORS });
    }
    Ok(recovery_threshold(n))
}

/// Step 1.3: the shard size for a frame of `framed_len` bytes split in `k` shards.
fn shard_size(framed_len: usize, k: usize) -> usize {
    let s = framed_len.div_ceil(k.max(1)).max(1);
    s + (s & 1)
}

/// The largest shard any valid encoding has for `k` (Step 4's size bound).
fn max_shard_size(k: usize) -> usize {
    shard_size(LENGTH_PREFIX + MAX_AVAILABLE_DATA_SIZE, k)
}

fn codec_error(e: reed_solomon_simd::Error) -> ErasureError {
    ErasureError::Codec(e.to_string())
}

/// Splits `data` (SCALE-encoded [`AvailableData`]) into exactly `n_validators` chunks of equal,
/// even size; any [`recovery_threshold`]`(n)` = f + 1 of them reconstruct it (module docs,
/// Step 1). Chunk `i` is validator `i`'s.
pub fn obtain_chunks(
    n_validators: usize,
    data: &AvailableData,
) -> Result<Vec<Vec<u8>>, ErasureError> {
    let n = n_validators;
    let k = threshold(n)?;
    // Step 1.1: the payload, bounded.
    let payload = data.encode();
    let too_large =
        || ErasureError::DataTooLarge { len: payload.len(), max: MAX_AVAILABLE_DATA_SIZE };
    if payload.len() > MAX_AVAILABLE_DATA_SIZE {
        return Err(too_large());
    }
    let len = u32::try_from(payload.len()).map_err(|_| too_large())?;
    // Step 1.2 and 1.3: length prefix, then zero padding to k shards of an even size.
    let s = shard_size(LENGTH_PREFIX + payload.len(), k);
    let mut frame = Vec::with_capacity(k * s);
    frame.extend_from_slice(&len.to_le_bytes());
    frame.extend_from_slice(&payload);
    frame.resize(k * s, 0);
    // Step 1.4: replicate when one chunk suffices, otherwise systematic Reed-Solomon.
    if k == 1 {
        return Ok(vec![frame; n]);
    }
    let recovery =
        reed_solomon_simd::encode(k, n - k, frame.chunks_exact(s)).map_err(codec_error)?;
    let mut chunks: Vec<Vec<u8>> = frame.chunks_exact(s).map(<[u8]>::to_vec).collect();
    chunks.extend(recovery);
    if chunks.len() != n {
        return Err(ErasureError::Codec(format!(
            "produced {} chunks for {n} validators",
            chunks.len()
        )));
    }
    Ok(chunks)
}

/// Step 2: the hash of a leaf.
fn leaf_hash(chunk: &[u8]) -> Hash {
    let mut input = Vec::with_capacity(1 + chunk.len());
    input.push(LEAF_TAG);
    input.extend_from_slice(chunk);
    Hash(blake2_256(&input))
}

/// Step 2: the hash of an inner node.
fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut input = [0u8; 65];
    input[0] = NODE_TAG;
    input[1..33].copy_from_slice(&left.0);
    input[33..].copy_from_slice(&right.0);
    Hash(blake2_256(&input))
}

/// The binary Merkle tree over a candidate's chunks (module docs, Step 2): leaves
/// `blake2(0x00 ++ chunk)`, inner nodes `blake2(0x01 ++ left ++ right)`, an odd last node of a
/// level promoted unchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkTree {
    /// `levels[0]` are the leaves, each next level half (rounded up) the previous, the last has
    /// one node (or none for an empty tree).
    levels: Vec<Vec<Hash>>,
}

impl ChunkTree {
    /// Builds the tree over `chunks` (chunk `i` is leaf `i`).
    pub fn new(chunks: &[Vec<u8>]) -> ChunkTree {
        let mut levels = vec![chunks.iter().map(|c| leaf_hash(c)).collect::<Vec<_>>()];
        while let Some(level) = levels.last().filter(|l| l.len() > 1) {
            let next = level
                .chunks(2)
                .map(|pair| match pair {
                    [left, right] => node_hash(left, right),
                    // Step 2: the odd node is promoted.
                    [single] => *single,
                    _ => Hash::ZERO,
                })
                .collect();
            levels.push(next);
        }
        ChunkTree { levels }
    }

    /// The root: the erasure root when built over a candidate's chunks. An empty tree (which no
    /// encoding produces) has root [`Hash::ZERO`].
    pub fn root(&self) -> Hash {
        self.levels.last().and_then(|top| top.first()).copied().unwrap_or(Hash::ZERO)
    }

    /// The proof of leaf `index`: sibling hashes from the leaf up to the root, none for levels
    /// where the node is promoted. `None` if there is no such leaf.
    pub fn proof(&self, index: usize) -> Option<Vec<Hash>> {
        if index >= self.levels.first().map_or(0, Vec::len) {
            return None;
        }
        let mut proof = Vec::new();
        let mut idx = index;
        for level in &self.levels {
            if let Some(sibling) = level.get(idx ^ 1) {
                proof.push(*sibling);
            }
            idx /= 2;
        }
        Some(proof)
    }
}

/// [`obtain_chunks`] and [`ChunkTree`]: the erasure root and every chunk with its proof (chunk
/// `i`, for validator `i`, at position `i`).
pub fn erasure_chunks(
    n_validators: usize,
    data: &AvailableData,
) -> Result<(Hash, Vec<ErasureChunk>), ErasureError> {
    let chunks = obtain_chunks(n_validators, data)?;
    let tree = ChunkTree::new(&chunks);
    let with_proofs = chunks
        .into_iter()
        .enumerate()
        .map(|(i, chunk)| {
            let index = u32::try_from(i).map_err(|_| ErasureError::TooManyValidators {
                n: n_validators,
                max: MAX_VALIDATORS,
            })?;
            let proof = tree.proof(i).ok_or(ErasureError::BadProof { index: i })?;
            Ok(ErasureChunk { chunk, index: ValidatorIndex(index), proof })
        })
        .collect::<Result<Vec<_>, ErasureError>>()?;
    Ok((tree.root(), with_proofs))
}

/// The erasure root of `data` for `n_validators`: what a collator puts in
/// `CandidateDescriptor::erasure_root` (Steps 1 and 2).
pub fn erasure_root(n_validators: usize, data: &AvailableData) -> Result<Hash, ErasureError> {
    Ok(ChunkTree::new(&obtain_chunks(n_validators, data)?).root())
}

/// A validator index as a `usize` (saturating, so an impossible index stays out of range).
fn index_of(index: ValidatorIndex) -> usize {
    usize::try_from(index.0).unwrap_or(usize::MAX)
}

/// Checks `chunk`'s proof against `root` for `n_validators` (module docs, Step 3): index in
/// range, proof length right for the tree shape, and the path hashes to `root`.
pub fn verify_chunk(
    root: &Hash,
    n_validators: usize,
    chunk: &ErasureChunk,
) -> Result<(), ErasureError> {
    threshold(n_validators)?;
    let index = index_of(chunk.index);
    if index >= n_validators {
        return Err(ErasureError::ChunkIndexOutOfRange { index, n: n_validators });
    }
    let bad = || ErasureError::BadProof { index };
    let mut hash = leaf_hash(&chunk.chunk);
    let mut siblings = chunk.proof.iter();
    let (mut idx, mut width) = (index, n_validators);
    while width > 1 {
        // Step 3: a sibling exists unless this node is the promoted odd one (Step 2).
        if (idx ^ 1) < width {
            let sibling = siblings.next().ok_or_else(bad)?;
            hash = if idx.is_multiple_of(2) {
                node_hash(&hash, sibling)
            } else {
                node_hash(sibling, &hash)
            };
        }
        idx /= 2;
        width = width.div_ceil(2);
    }
    if siblings.next().is_some() || hash != *root {
        return Err(bad());
    }
    Ok(())
}

/// Reconstructs the [`AvailableData`] from at least f + 1 distinct chunks of `n_validators`
/// (module docs, Step 4); extra chunks are checked for index and size but not used. Does not
/// check any root: a checker uses [`reconstruct_and_verify`].
pub fn reconstruct(
    n_validators: usize,
    chunks: impl IntoIterator<Item = (ValidatorIndex, Vec<u8>)>,
) -> Result<AvailableData, ErasureError> {
    let n = n_validators;
    let k = threshold(n)?;
    let max = max_shard_size(k);
    // Step 4: distinct, in-range indices of one common plausible size. Keep every original
    // shard and recovery shards only while fewer than k are kept.
    let mut seen = vec![false; n];
    let mut distinct = 0usize;
    let mut size: Option<usize> = None;
    let mut originals: BTreeMap<usize, Vec<u8>> = BTreeMap::new();
    let mut recovery: BTreeMap<usize, Vec<u8>> = BTreeMap::new();
    for (validator, bytes) in chunks {
        let index = index_of(validator);
        let slot = seen.get_mut(index).ok_or(ErasureError::ChunkIndexOutOfRange { index, n })?;
        if *slot {
            return Err(ErasureError::DuplicateChunk { index });
        }
        *slot = true;
        distinct += 1;
        let len = bytes.len();
        if len == 0 || !len.is_multiple_of(2) || len > max {
            return Err(ErasureError::BadChunkSize { index, len, max });
        }
        match size {
            None => size = Some(len),
            Some(expected) if expected != len => {
                return Err(ErasureError::UnevenChunks { index, len, expected });
            }
            Some(_) => {}
        }
        if index < k {
            originals.insert(index, bytes);
        } else if originals.len() + recovery.len() < k {
            recovery.insert(index - k, bytes);
        }
    }
    let s = match size {
        Some(s) if distinct >= k => s,
        _ => return Err(ErasureError::NotEnoughChunks { have: distinct, need: k }),
    };
    let frame = if k == 1 {
        // Step 4: every chunk is the whole frame (Step 1.4).
        originals.into_values().chain(recovery.into_values()).next().unwrap_or_default()
    } else if originals.len() == k {
        // Step 4: systematic, nothing to decode.
        originals.into_values().flatten().collect()
    } else {
        // Step 4: restore the missing original shards with k − |originals| recovery shards.
        let surplus = (originals.len() + recovery.len()).saturating_sub(k);
        let mut decoder =
            reed_solomon_simd::ReedSolomonDecoder::new(k, n - k, s).map_err(codec_error)?;
        for (i, shard) in &originals {
            decoder.add_original_shard(*i, shard).map_err(codec_error)?;
        }
        for (i, shard) in recovery.iter().take(recovery.len() - surplus) {
            decoder.add_recovery_shard(*i, shard).map_err(codec_error)?;
        }
        let restored = decoder.decode().map_err(codec_error)?;
        let mut frame = Vec::with_capacity(k * s);
        for i in 0..k {
            let shard = match originals.get(&i) {
                Some(shard) => shard.as_slice(),
                None => restored.restored_original(i).ok_or_else(|| {
                    ErasureError::Codec(format!("original shard {i} was not restored"))
                })?,
            };
            frame.extend_from_slice(shard);
        }
        frame
    };
    decode_frame(&frame, k)
}

/// Step 4: checks the frame is exactly Step 1's padded frame and decodes its payload.
fn decode_frame(frame: &[u8], k: usize) -> Result<AvailableData, ErasureError> {
    let bad = |what: String| ErasureError::BadPayload(what);
    let prefix: [u8; LENGTH_PREFIX] = frame
        .get(..LENGTH_PREFIX)
        .and_then(|p| p.try_into().ok())
        .ok_or_else(|| bad(format!("{} bytes, no room for the length prefix", frame.len())))?;
    let len = usize::try_from(u32::from_le_bytes(prefix)).unwrap_or(usize::MAX);
    if len > MAX_AVAILABLE_DATA_SIZE {
        return Err(bad(format!("length prefix {len} exceeds {MAX_AVAILABLE_DATA_SIZE}")));
    }
    let expected = k * shard_size(LENGTH_PREFIX + len, k);
    if frame.len() != expected {
        return Err(bad(format!(
            "length prefix {len} implies {expected} frame bytes, the chunks give {}",
            frame.len()
        )));
    }
    let body = frame.get(LENGTH_PREFIX..).unwrap_or_default();
    let (payload, padding) = body.split_at_checked(len).unwrap_or((body, &[]));
    if payload.len() != len || padding.iter().any(|b| *b != 0) {
        return Err(bad("non-zero padding".into()));
    }
    decode_bounded::<AvailableData>("available data", payload, MAX_AVAILABLE_DATA_SIZE)
        .map_err(|e| bad(e.to_string()))
}

/// Recovery as a checker does it (module docs, Step 5): [`reconstruct`], then re-encode and
/// compare the root with `expected_root`. [`ErasureError::RootMismatch`] (or
/// [`ErasureError::BadPayload`] from chunks that decode to garbage) makes the candidate invalid.
pub fn reconstruct_and_verify(
    n_validators: usize,
    expected_root: &Hash,
    chunks: impl IntoIterator<Item = (ValidatorIndex, Vec<u8>)>,
) -> Result<AvailableData, ErasureError> {
    let data = reconstruct(n_validators, chunks)?;
    let got = erasure_root(n_validators, &data)?;
    if got != *expected_root {
        return Err(ErasureError::RootMismatch { expected: *expected_root, got });
    }
    Ok(data)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use atoll_primitives::parachain::byzantine_threshold;
    use atoll_primitives::{BlockData, BlockNumber, HeadData, PersistedValidationData, PoV};

    /// A deterministic xorshift64 generator.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn bytes(&mut self, len: usize) -> Vec<u8> {
            (0..len).map(|_| self.next() as u8).collect()
        }

        /// `k` distinct indices of `0..n`, in random order.
        fn subset(&mut self, n: usize, k: usize) -> Vec<usize> {
            let mut all: Vec<usize> = (0..n).collect();
            for i in 0..k {
                let j = i + self.below(n - i);
                all.swap(i, j);
            }
            all.truncate(k);
            all
        }
    }

    fn fixed_data() -> AvailableData {
        let block: Vec<u8> = (0..10).flat_map(|_| 0..=255u8).collect();
        AvailableData {
            pov: PoV { block_data: BlockData(block) },
            validation_data: PersistedValidationData {
                parent_head: HeadData(vec![1, 2, 3]),
                relay_parent_number: BlockNumber(7),
                relay_parent_storage_root: Hash([9; 32]),
                max_pov_size: 5 * 1024 * 1024,
            },
        }
    }

    fn data_of(len: usize, seed: u64) -> AvailableData {
        let mut data = fixed_data();
        data.pov.block_data = BlockData(Rng(seed).bytes(len));
        data
    }

    fn pick(chunks: &[Vec<u8>], indices: &[usize]) -> Vec<(ValidatorIndex, Vec<u8>)> {
        indices.iter().map(|&i| (ValidatorIndex(i as u32), chunks[i].clone())).collect()
    }

    #[test]
    fn erasure_round_trip_for_all_sizes() {
        for n in [1, 2, 3, 4, 10, 50, 100] {
            for data in [data_of(1000, 1), data_of(1, 2), AvailableData::default()] {
                let chunks = obtain_chunks(n, &data).unwrap();
                assert_eq!(chunks.len(), n);
                let s = chunks[0].len();
                assert!(s >= 2 && s.is_multiple_of(2));
                assert!(chunks.iter().all(|c| c.len() == s));
                let all: Vec<usize> = (0..n).collect();
                assert_eq!(reconstruct(n, pick(&chunks, &all)).unwrap(), data);
                // The last k alone (all recovery shards once n ≥ 4).
                let k = recovery_threshold(n);
                let last: Vec<usize> = (n - k..n).collect();
                assert_eq!(reconstruct(n, pick(&chunks, &last)).unwrap(), data);
            }
        }
    }

    #[test]
    fn erasure_small_n_replicates() {
        let data = data_of(77, 3);
        for n in 1..=3 {
            let chunks = obtain_chunks(n, &data).unwrap();
            for i in 0..n {
                assert_eq!(chunks[i], chunks[0]);
                assert_eq!(reconstruct(n, pick(&chunks, &[i])).unwrap(), data);
            }
        }
    }

    #[test]
    fn erasure_every_threshold_subset_reconstructs() {
        let data = data_of(333, 4);
        for n in [4usize, 7] {
            let k = byzantine_threshold(n) + 1;
            let chunks = obtain_chunks(n, &data).unwrap();
            let mut tried = 0;
            for mask in 0u32..(1 << n) {
                if mask.count_ones() as usize != k {
                    continue;
                }
                let subset: Vec<usize> = (0..n).filter(|i| mask & (1 << i) != 0).collect();
                assert_eq!(reconstruct(n, pick(&chunks, &subset)).unwrap(), data, "{subset:?}");
                tried += 1;
            }
            assert_eq!(tried, if n == 4 { 6 } else { 35 });
        }
    }

    #[test]
    fn erasure_random_subsets_reconstruct() {
        let n = 50;
        let k = recovery_threshold(n);
        let data = data_of(5000, 5);
        let (root, chunks) = erasure_chunks(n, &data).unwrap();
        let bytes: Vec<Vec<u8>> = chunks.iter().map(|c| c.chunk.clone()).collect();
        let mut rng = Rng(0x5eed_1234_abcd_ef01);
        for _ in 0..40 {
            let size = k + rng.below(n - k + 1);
            let subset = rng.subset(n, size);
            assert_eq!(reconstruct_and_verify(n, &root, pick(&bytes, &subset)).unwrap(), data);
        }
    }

    #[test]
    fn erasure_too_few_chunks_fail() {
        let data = data_of(100, 6);
        for n in [4usize, 10, 50] {
            let k = recovery_threshold(n);
            let chunks = obtain_chunks(n, &data).unwrap();
            let some: Vec<usize> = (0..k - 1).collect();
            assert_eq!(
                reconstruct(n, pick(&chunks, &some)),
                Err(ErasureError::NotEnoughChunks { have: k - 1, need: k })
            );
        }
        assert_eq!(
            reconstruct(5, Vec::new()),
            Err(ErasureError::NotEnoughChunks { have: 0, need: 2 })
        );
        assert_eq!(
            reconstruct(1, Vec::new()),
            Err(ErasureError::NotEnoughChunks { have: 0, need: 1 })
        );
    }

    #[test]
    fn erasure_proofs_verify_and_tampering_fails() {
        for n in [1usize, 2, 3, 4, 5, 7, 10, 13, 50] {
            let data = data_of(200, n as u64);
            let (root, chunks) = erasure_chunks(n, &data).unwrap();
            assert_eq!(erasure_root(n, &data).unwrap(), root);
            for chunk in &chunks {
                verify_chunk(&root, n, chunk).unwrap();
                let index = chunk.index.0 as usize;
                let bad = Err(ErasureError::BadProof { index });

                let mut tampered = chunk.clone();
                tampered.chunk[0] ^= 1;
                assert_eq!(verify_chunk(&root, n, &tampered), bad);

                let mut longer = chunk.clone();
                longer.proof.push(Hash::ZERO);
                assert_eq!(verify_chunk(&root, n, &longer), bad);

                if !chunk.proof.is_empty() {
                    let mut shorter = chunk.clone();
                    shorter.proof.pop();
                    assert_eq!(verify_chunk(&root, n, &shorter), bad);
                    let mut wrong_sibling = chunk.clone();
                    wrong_sibling.proof[0].0[0] ^= 1;
                    assert_eq!(verify_chunk(&root, n, &wrong_sibling), bad);
                }

                let mut out = chunk.clone();
                out.index = ValidatorIndex(n as u32);
                assert_eq!(
                    verify_chunk(&root, n, &out),
                    Err(ErasureError::ChunkIndexOutOfRange { index: n, n })
                );
                assert!(verify_chunk(&Hash::ZERO, n, chunk).is_err());
            }
            if n > 3 {
                // Chunk 1 presented as chunk 0 (for n ≤ 3 they are equal).
                let mut moved = chunks[1].clone();
                moved.index = ValidatorIndex(0);
                moved.proof = chunks[0].proof.clone();
                assert!(verify_chunk(&root, n, &moved).is_err());
            }
        }
    }

    #[test]
    fn erasure_tree_shape() {
        let mut rng = Rng(99);
        for n in 1..=17usize {
            let chunks: Vec<Vec<u8>> = (0..n).map(|i| rng.bytes(i % 5)).collect();
            let tree = ChunkTree::new(&chunks);
            assert!(tree.proof(n).is_none());
            for (i, chunk) in chunks.iter().enumerate() {
                let proof = tree.proof(i).unwrap();
                assert!(proof.len() <= n.next_power_of_two().trailing_zeros() as usize);
                let c =
                    ErasureChunk { chunk: chunk.clone(), index: ValidatorIndex(i as u32), proof };
                verify_chunk(&tree.root(), n, &c).unwrap();
            }
        }
        // One leaf: the root is the leaf hash; three leaves: the third is promoted.
        let one = ChunkTree::new(&[vec![5, 6]]);
        assert_eq!(one.root(), Hash::of(&[LEAF_TAG, 5, 6]));
        assert_eq!(one.proof(0), Some(vec![]));
        let three = ChunkTree::new(&[vec![1], vec![2], vec![3]]);
        let (a, b, c) = (Hash::of(&[0, 1]), Hash::of(&[0, 2]), Hash::of(&[0, 3]));
        assert_eq!(three.root(), node_hash(&node_hash(&a, &b), &c));
        assert_eq!(three.proof(2), Some(vec![node_hash(&a, &b)]));
        assert_eq!(ChunkTree::new(&[]).root(), Hash::ZERO);
    }

    #[test]
    fn erasure_tampered_chunk_never_verifies() {
        let n = 10;
        let k = recovery_threshold(n);
        let data = data_of(2000, 7);
        let (root, chunks) = erasure_chunks(n, &data).unwrap();
        let bytes: Vec<Vec<u8>> = chunks.iter().map(|c| c.chunk.clone()).collect();
        let mut rng = Rng(0xdead_beef);
        for round in 0..60 {
            let subset = rng.subset(n, k);
            let mut given = pick(&bytes, &subset);
            let victim = rng.below(k);
            let s = given[victim].1.len();
            let at = if round % 3 == 0 { rng.below(4) } else { rng.below(s) };
            given[victim].1[at] ^= 1 + rng.below(255) as u8;
            match reconstruct_and_verify(n, &root, given) {
                Err(ErasureError::RootMismatch { expected, .. }) => assert_eq!(expected, root),
                Err(ErasureError::BadPayload(_)) => {}
                other => panic!("tampered chunk gave {other:?}"),
            }
        }
        // The right data under the wrong root.
        let wrong = Hash([1; 32]);
        assert!(matches!(
            reconstruct_and_verify(n, &wrong, pick(&bytes, &[0, 1, 2, 3])),
            Err(ErasureError::RootMismatch { .. })
        ));
    }

    #[test]
    fn erasure_garbage_is_refused() {
        let n = 10;
        let k = recovery_threshold(n);
        let data = data_of(500, 8);
        let chunks = obtain_chunks(n, &data).unwrap();
        let s = chunks[0].len();
        let good = |i: usize| (ValidatorIndex(i as u32), chunks[i].clone());

        assert_eq!(obtain_chunks(0, &data), Err(ErasureError::TooFewValidators { n: 0 }));
        assert_eq!(
            obtain_chunks(MAX_VALIDATORS + 1, &data),
            Err(ErasureError::TooManyValidators { n: MAX_VALIDATORS + 1, max: MAX_VALIDATORS })
        );
        assert_eq!(reconstruct(0, vec![good(0)]), Err(ErasureError::TooFewValidators { n: 0 }));
        assert!(verify_chunk(&Hash::ZERO, 0, &ErasureChunk::default()).is_err());

        // Index ≥ n, and the largest index.
        let mut v = vec![good(0), good(1), good(2)];
        v.push((ValidatorIndex(10), chunks[3].clone()));
        assert_eq!(reconstruct(n, v), Err(ErasureError::ChunkIndexOutOfRange { index: 10, n }));
        let v = vec![(ValidatorIndex(u32::MAX), vec![0; s])];
        assert!(matches!(reconstruct(n, v), Err(ErasureError::ChunkIndexOutOfRange { .. })));

        // Duplicates.
        let v = vec![good(0), good(1), good(1), good(2)];
        assert_eq!(reconstruct(n, v), Err(ErasureError::DuplicateChunk { index: 1 }));

        // Wrong lengths: empty, odd, uneven, huge.
        let max = max_shard_size(k);
        for (len, expect) in [
            (0, ErasureError::BadChunkSize { index: 3, len: 0, max }),
            (s - 1, ErasureError::BadChunkSize { index: 3, len: s - 1, max }),
            (s + 2, ErasureError::UnevenChunks { index: 3, len: s + 2, expected: s }),
            (max + 2, ErasureError::BadChunkSize { index: 3, len: max + 2, max }),
        ] {
            let v = vec![good(0), good(1), good(2), (ValidatorIndex(3), vec![0; len])];
            assert_eq!(reconstruct(n, v), Err(expect));
        }
        // Consistently sized but shorter or longer chunks than the encoding.
        for len in [2, s - 2, s + 2, 2 * s] {
            let v: Vec<_> = (0..k).map(|i| (ValidatorIndex(i as u32), vec![0; len])).collect();
            assert!(matches!(reconstruct(n, v), Err(ErasureError::BadPayload(_))));
            let v: Vec<_> = (n - k..n).map(|i| (ValidatorIndex(i as u32), vec![7; len])).collect();
            assert!(reconstruct(n, v).is_err());
        }
        // Random bytes of the right size, from originals, from recovery shards and mixed.
        let mut rng = Rng(4242);
        for _ in 0..50 {
            let subset = rng.subset(n, k);
            let v: Vec<_> =
                subset.iter().map(|&i| (ValidatorIndex(i as u32), rng.bytes(s))).collect();
            assert!(reconstruct(n, v).is_err());
        }
        // Garbage for other n too, including replication.
        for n in [1usize, 2, 3, 4, 100] {
            for len in [2usize, 4, 64] {
                let k = recovery_threshold(n);
                let v: Vec<_> =
                    (0..k).map(|i| (ValidatorIndex(i as u32), rng.bytes(len))).collect();
                assert!(reconstruct(n, v).is_err());
            }
        }
        // A frame whose length prefix is right but the payload does not decode.
        let mut frame = vec![0u8; 8];
        frame[0] = 4;
        frame[4..8].copy_from_slice(&[0xff, 0xff, 0xff, 0xff]);
        assert!(matches!(
            reconstruct(1, vec![(ValidatorIndex(0), frame)]),
            Err(ErasureError::BadPayload(_))
        ));
        // Non-zero padding: a 47-byte payload is framed in 51 bytes and padded to 52.
        let odd = data_of(2, 10);
        assert_eq!(odd.encoded_size(), 47);
        let mut padded = obtain_chunks(1, &odd).unwrap().remove(0);
        assert_eq!(padded.len(), 52);
        assert_eq!(reconstruct(1, vec![(ValidatorIndex(0), padded.clone())]).unwrap(), odd);
        padded[51] = 1;
        assert_eq!(
            reconstruct(1, vec![(ValidatorIndex(0), padded)]),
            Err(ErasureError::BadPayload("non-zero padding".into()))
        );
    }

    #[test]
    fn erasure_empty_pov_and_limits() {
        let empty = AvailableData::default();
        for n in [1usize, 4, 10] {
            let (root, chunks) = erasure_chunks(n, &empty).unwrap();
            let k = recovery_threshold(n);
            let given = chunks.into_iter().rev().take(k).map(|c| (c.index, c.chunk));
            assert_eq!(reconstruct_and_verify(n, &root, given).unwrap(), empty);
        }
        let max = obtain_chunks(MAX_VALIDATORS, &fixed_data()).unwrap();
        assert_eq!(max.len(), MAX_VALIDATORS);
        let too_big = data_of(MAX_AVAILABLE_DATA_SIZE, 9);
        assert!(matches!(obtain_chunks(4, &too_big), Err(ErasureError::DataTooLarge { .. })));
    }

    #[test]
    fn erasure_root_conformance() {
        // Pins the format: a change to framing, padding, the code or the tree changes this.
        let root = erasure_root(10, &fixed_data()).unwrap();
        assert_eq!(
            root.to_string(),
            "0x55be410c5229223713cee33c82a32236f3c6bbaf88bd684dc4f801beba7654d4"
        );
    }
}
