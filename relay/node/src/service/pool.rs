//! [`RelayPool`]: signed relay transactions submitted over RPC, waiting for a block this node
//! authors. Bounded; a transaction leaves when a block carrying it is imported.

use std::collections::BTreeSet;

use atoll_primitives::Hash;
use atoll_relay_chain::{RelayBlock, RelayExtrinsic};
use parity_scale_codec::Encode;

/// Why a transaction was not accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RelayPoolError {
    /// Only signed transactions can be submitted.
    #[error("only signed transactions can be submitted (got an inherent or evidence)")]
    NotSigned,
    /// Already pooled.
    #[error("transaction {0} is already in the pool")]
    Duplicate(Hash),
    /// The pool is full.
    #[error("the transaction pool is full ({0} transactions)")]
    Full(usize),
}

/// Pending signed relay transactions, in arrival order.
pub struct RelayPool {
    capacity: usize,
    queue: Vec<(Hash, RelayExtrinsic)>,
    hashes: BTreeSet<Hash>,
}

impl RelayPool {
    /// An empty pool of `capacity`.
    pub fn new(capacity: usize) -> Self {
        RelayPool { capacity, queue: Vec::new(), hashes: BTreeSet::new() }
    }

    /// Adds a transaction.
    pub fn submit(&mut self, xt: RelayExtrinsic) -> Result<Hash, RelayPoolError> {
        if !matches!(xt, RelayExtrinsic::Signed(_)) {
            return Err(RelayPoolError::NotSigned);
        }
        let hash = Hash::of_encoded(&xt);
        if self.hashes.contains(&hash) {
            return Err(RelayPoolError::Duplicate(hash));
        }
        if self.queue.len() >= self.capacity {
            return Err(RelayPoolError::Full(self.capacity));
        }
        self.hashes.insert(hash);
        self.queue.push((hash, xt));
        Ok(hash)
    }

    /// The transactions to offer a new block (the chain drops those it refuses).
    pub fn ready(&self, max: usize) -> Vec<RelayExtrinsic> {
        self.queue.iter().take(max).map(|(_, xt)| xt.clone()).collect()
    }

    /// Forgets the transactions `block` carries.
    pub fn prune(&mut self, block: &RelayBlock) {
        if self.queue.is_empty() {
            return;
        }
        let included: BTreeSet<Hash> = block
            .body
            .iter()
            .filter(|xt| matches!(xt, RelayExtrinsic::Signed(_)))
            .map(|xt| Hash::of(&xt.encode()))
            .collect();
        self.queue.retain(|(h, _)| !included.contains(h));
        self.hashes.retain(|h| !included.contains(h));
    }

    /// Pending transactions.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}
