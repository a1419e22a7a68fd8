//! The transaction pool: what users submitted, waiting for a block.

use std::collections::{HashSet, VecDeque};

use atoll_primitives::Hash;

/// Largest extrinsic the pool accepts, in bytes (the runtime's own limit).
pub const MAX_EXTRINSIC_BYTES: usize = atoll_runtime_sdk::extrinsic::MAX_EXTRINSIC_SIZE;

/// Why the pool refused a transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    /// The pool holds its maximum.
    #[error("pool full ({capacity} transactions)")]
    Full {
        /// The capacity.
        capacity: usize,
    },
    /// Already in the pool.
    #[error("transaction {0} is already in the pool")]
    Duplicate(Hash),
    /// Over the size limit.
    #[error("transaction of {size} bytes exceeds {MAX_EXTRINSIC_BYTES}")]
    TooLarge {
        /// Its size.
        size: usize,
    },
}

/// Pending extrinsics in arrival order.
#[derive(Debug)]
pub struct TransactionPool {
    queue: VecDeque<Vec<u8>>,
    known: HashSet<Hash>,
    capacity: usize,
}

impl TransactionPool {
    /// An empty pool holding at most `capacity` transactions.
    pub fn new(capacity: usize) -> Self {
        TransactionPool { queue: VecDeque::new(), known: HashSet::new(), capacity }
    }

    /// Adds an encoded extrinsic; returns its hash.
    pub fn submit(&mut self, xt: Vec<u8>) -> Result<Hash, PoolError> {
        if xt.len() > MAX_EXTRINSIC_BYTES {
            return Err(PoolError::TooLarge { size: xt.len() });
        }
        if self.queue.len() >= self.capacity {
            return Err(PoolError::Full { capacity: self.capacity });
        }
        let hash = Hash::of(&xt);
        if !self.known.insert(hash) {
            return Err(PoolError::Duplicate(hash));
        }
        self.queue.push_back(xt);
        Ok(hash)
    }

    /// Takes up to `max` transactions from the front.
    pub fn take(&mut self, max: usize) -> Vec<Vec<u8>> {
        let n = max.min(self.queue.len());
        let taken: Vec<Vec<u8>> = self.queue.drain(..n).collect();
        for xt in &taken {
            self.known.remove(&Hash::of(xt));
        }
        taken
    }

    /// Puts transactions back at the front, keeping their order (a nonce from the future).
    pub fn requeue_front(&mut self, xts: Vec<Vec<u8>>) {
        for xt in xts.into_iter().rev() {
            if self.known.insert(Hash::of(&xt)) {
                self.queue.push_front(xt);
            }
        }
    }

    /// How many are waiting.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether none is waiting.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_is_bounded_deduplicated_and_ordered() {
        let mut pool = TransactionPool::new(2);
        assert!(pool.submit(vec![1]).is_ok());
        assert!(matches!(pool.submit(vec![1]), Err(PoolError::Duplicate(_))));
        assert!(pool.submit(vec![2]).is_ok());
        assert_eq!(pool.submit(vec![3]), Err(PoolError::Full { capacity: 2 }));
        assert!(matches!(
            pool.submit(vec![0; MAX_EXTRINSIC_BYTES + 1]),
            Err(PoolError::TooLarge { .. })
        ));
        assert_eq!(pool.take(1), vec![vec![1]]);
        pool.requeue_front(vec![vec![1]]);
        assert_eq!(pool.take(10), vec![vec![1], vec![2]]);
        assert!(pool.is_empty());
    }
}
