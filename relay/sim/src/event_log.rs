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

/// The running hash and a bounded tail of entries.
#[derive(Clone, Debug)]
pub struct EventLog {
    hash: Hash,
    count: u64,
    tail: VecDeque<(u64, NodeId, EventKind, Hash)>,
    tail_len: usize,
}

impl EventLog {
    /// An empty log keeping the last `tail_len` entries.
    pub fn new(tail_len: usize) -> Self {
        EventLog { hash: Hash::ZERO, count: 0, tail: VecDeque::new(), tail_len }
    }

    /// Appends an entry whose payload hashes to `digest`.
    pub fn append(&mut self, time_ms: u64, node: NodeId, kind: EventKind, digest: Hash) {
        self.hash = Hash::of_encoded(&(self.hash, time_ms, node, kind, digest));
        self.count += 1;
        if self.tail_len > 0 {
            if self.tail.len() == self.tail_len {
                self.tail.pop_front();
            }
            self.tail.push_back((time_ms, node, kind, digest));
        }
    }

    /// The hash of everything so far.
    pub fn hash(&self) -> Hash {
        self.hash
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
