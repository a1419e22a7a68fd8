//! [`RelayPool`]: signed relay transactions submitted over RPC, waiting for a block this node
//! authors. Bounded. A transaction stays until it can no longer apply at the finalized state (its
//! nonce is used there: included in a finalized block, or stale), so one carried only by a block
//! that loses its fork is offered again; an author skips those already on its parent's chain.

use std::collections::BTreeSet;

use atoll_primitives::Hash;
use atoll_relay_chain::extrinsic::AccountId;
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

    /// The transactions to offer a new block, leaving out `on_chain` (the hashes of those
    /// already carried by the new block's unfinalized ancestors). The chain drops those it
    /// refuses.
    pub fn ready(&self, max: usize, on_chain: &BTreeSet<Hash>) -> Vec<RelayExtrinsic> {
        self.queue
            .iter()
            .filter(|(h, _)| !on_chain.contains(h))
            .take(max)
            .map(|(_, xt)| xt.clone())
            .collect()
    }

    /// Forgets every transaction whose nonce is below its signer's nonce at the finalized state
    /// (`nonce_of`; `None` when it cannot be read, which keeps the transaction).
    pub fn prune_finalized(&mut self, mut nonce_of: impl FnMut(&AccountId) -> Option<u64>) {
        let hashes = &mut self.hashes;
        self.queue.retain(|(h, xt)| {
            let RelayExtrinsic::Signed(tx) = xt else { return false };
            let keep = nonce_of(&tx.signer).is_none_or(|n| tx.nonce >= n);
            if !keep {
                hashes.remove(h);
            }
            keep
        });
    }

    /// Whether `hash` is pooled.
    pub fn contains(&self, hash: &Hash) -> bool {
        self.hashes.contains(hash)
    }

    /// The hashes of the signed transactions `block` carries (what [`RelayPool::ready`] leaves
    /// out for a block built on it).
    pub fn carried_by(block: &RelayBlock) -> impl Iterator<Item = Hash> + '_ {
        block
            .body
            .iter()
            .filter(|xt| matches!(xt, RelayExtrinsic::Signed(_)))
            .map(|xt| Hash::of(&xt.encode()))
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use atoll_primitives::crypto::Pair;
    use atoll_relay_chain::extrinsic::{RelayCall, SignedTransaction};

    fn tx(seed: &str, nonce: u64) -> RelayExtrinsic {
        let pair = Pair::from_uri(seed).unwrap();
        let dest = Pair::from_uri("//Dave").unwrap().public();
        let call = RelayCall::Transfer { dest, amount: 5 };
        RelayExtrinsic::Signed(SignedTransaction::new(&pair, Hash::ZERO, nonce, call))
    }

    #[test]
    fn a_transaction_stays_until_its_nonce_is_used_at_the_finalized_state() {
        let mut pool = RelayPool::new(8);
        let a0 = pool.submit(tx("//Alice", 0)).unwrap();
        let a1 = pool.submit(tx("//Alice", 1)).unwrap();
        let b0 = pool.submit(tx("//Bob", 0)).unwrap();
        // Carried by an unfinalized block (which may lose its fork): kept, not offered on top.
        let on_chain: BTreeSet<Hash> = [a0].into();
        assert_eq!(pool.ready(10, &on_chain).len(), 2);
        assert_eq!(pool.ready(10, &BTreeSet::new()).len(), 3);
        // Alice's first is final; Bob's state is unreadable (kept).
        let alice = Pair::from_uri("//Alice").unwrap().public();
        pool.prune_finalized(|who| (*who == alice).then_some(1));
        assert!(!pool.contains(&a0));
        assert!(pool.contains(&a1) && pool.contains(&b0));
        assert_eq!(pool.len(), 2);
    }

    #[test]
    fn unsigned_duplicates_and_overflow_are_refused() {
        let mut pool = RelayPool::new(1);
        pool.submit(tx("//Alice", 0)).unwrap();
        assert!(matches!(pool.submit(tx("//Alice", 0)), Err(RelayPoolError::Duplicate(_))));
        assert_eq!(pool.submit(tx("//Bob", 0)), Err(RelayPoolError::Full(1)));
    }
}
