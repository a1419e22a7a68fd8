//! [`Ancestry`]: read access to parent links, shared by the fork tree ([`crate::BlockTree`]),
//! the finality voter's own chain view and voting rules ([`crate::finality::VotingRule`]).

use atoll_primitives::{BlockNumber, Hash};

/// A known block's height and parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockLink {
    /// Its number.
    pub number: BlockNumber,
    /// Its parent's hash (possibly no longer known, below the finalized block).
    pub parent: Hash,
}

/// Parent links of a tree of blocks. Only [`Ancestry::link`] is required; the queries walk it.
pub trait Ancestry {
    /// The number and parent of `hash`, if the tree knows it.
    fn link(&self, hash: &Hash) -> Option<BlockLink>;

    /// The ancestor of `hash` at height `number` (`hash` itself at its own height); `None` if
    /// `hash` is unknown, `number` is above it, or the walk leaves the known tree.
    fn ancestor_at(&self, hash: &Hash, number: BlockNumber) -> Option<Hash> {
        let mut current = *hash;
        loop {
            let link = self.link(&current)?;
            if link.number == number {
                return Some(current);
            }
            if link.number < number {
                return None;
            }
            current = link.parent;
        }
    }

    /// Whether `descendant` is `ancestor` or one of its descendants, `ancestor` given with its
    /// number (it need not be known itself, only reachable from `descendant`).
    fn is_descendant_or_equal(&self, descendant: &Hash, ancestor: (Hash, BlockNumber)) -> bool {
        self.ancestor_at(descendant, ancestor.1) == Some(ancestor.0)
    }

    /// The blocks from `hash` down to, but excluding, height `number`, highest first; `None` if
    /// the walk leaves the known tree before reaching it.
    fn path_down_to(&self, hash: &Hash, number: BlockNumber) -> Option<Vec<(Hash, BlockNumber)>> {
        let mut path = Vec::new();
        let mut current = *hash;
        loop {
            let link = self.link(&current)?;
            if link.number <= number {
                return (link.number == number).then_some(path);
            }
            path.push((current, link.number));
            current = link.parent;
        }
    }
}
