//! The event log: every handled event folded into one running blake2b-256 hash (rule 5), with
//! a bounded tail kept for debugging.

use std::collections::VecDeque;

use atoll_primitives::Hash;
use parity_scale_codec::Encode;

use crate::node::NodeId;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode)]
pub enum EventKind {
    /// A node started or restarted.
    Start,
    /// A message was delivered.
    Deliver,
    /// A message was dropped (loss, partition, or the receiver down).
    Drop,
    /// A timer fired.
    Timer,
    /// A node crashed.
    Crash,
    /// A node's own note.
    Note,
}

/// Entries are buffered and folded into the running hash this many bytes at a time (hashing
/// each ~80-byte entry on its own was a fifth of the simulator's time at 100 nodes).
const FOLD_BYTES: usize = 64 * 1024;

/// The running hash and a bounded tail of entries.
#[derive(Clone, Debug)]
pub struct EventLog {
    hash: Hash,
    buffer: Vec<u8>,
    count: u64,
    tail: VecDeque<(u64, NodeId, EventKind, Hash)>,
    tail_len: usize,
}

impl EventLog {
    /// An empty log keeping the last `tail_len` entries.
    pub fn new(tail_len: usize) -> Self {
        EventLog {
            hash: Hash::ZERO,
            buffer: Vec::with_capacity(FOLD_BYTES),
            count: 0,
            tail: VecDeque::new(),
            tail_len,
        }
    }

    /// Appends an entry whose payload hashes to `digest`.
    pub fn append(&mut self, time_ms: u64, node: NodeId, kind: EventKind, digest: Hash) {
        (time_ms, node, kind, digest).encode_to(&mut self.buffer);
        if self.buffer.len() >= FOLD_BYTES {
            self.fold();
        }
        self.count += 1;
        if self.tail_len > 0 {
            if self.tail.len() == self.tail_len {
                self.tail.pop_front();
            }
            self.tail.push_back((time_ms, node, kind, digest));
        }
    }

    fn fold(&mut self) {
        let mut input = Vec::with_capacity(32 + self.buffer.len());
        input.extend_from_slice(self.hash.as_bytes());
        input.extend_from_slice(&self.buffer);
        self.hash = Hash::of(&input);
        self.buffer.clear();
    }

    /// The hash of everything so far: blake2b-256 chained over the encoded entries.
    pub fn hash(&self) -> Hash {
        if self.buffer.is_empty() {
            return self.hash;
        }
        let mut input = Vec::with_capacity(32 + self.buffer.len());
        input.extend_from_slice(self.hash.as_bytes());
        input.extend_from_slice(&self.buffer);
        Hash::of(&input)
    }

    /// How many entries.
    pub fn len(&self) -> u64 {
        self.count
    }

    /// Whether nothing was logged.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The most recent entries.
    pub fn tail(&self) -> impl Iterator<Item = &(u64, NodeId, EventKind, Hash)> {
        self.tail.iter()
    }
}
