//! Fork choice (Steps 6 to 8): the tree of unfinalized blocks above the finalized one, which
//! blocks are viable, which leaf to build on, and pruning on finality.
//!
//! Everything is kept in ordered maps and sorted vectors, so every answer (best leaf, leaves,
//! pruned blocks) is the same on every machine for the same inputs.

use std::collections::{BTreeMap, BTreeSet};

use atoll_primitives::{
    relay::{RelayHeader, Slot},
    BlockNumber, Hash,
};

use crate::ancestry::{Ancestry, BlockLink};

/// Why the fork tree refused an operation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ForkTreeError {
    /// The parent is not in the tree (not imported yet, or pruned as conflicting with finality).
    #[error("block {hash}: parent {parent} is not in the tree")]
    UnknownParent {
        /// The block.
        hash: Hash,
        /// Its parent.
        parent: Hash,
    },
    /// The number is not the parent's plus one.
    #[error("block {hash}: number {got} is not parent number + 1 = {expected}")]
    BadNumber {
        /// The block.
        hash: Hash,
        /// Parent number plus one.
        expected: BlockNumber,
        /// The number given.
        got: BlockNumber,
    },
    /// The hash is already in the tree with another parent or number.
    #[error("block {hash} is already in the tree with another parent or number")]
    Conflict {
        /// The block.
        hash: Hash,
    },
    /// The block is not in the tree.
    #[error("block {hash} is not in the tree")]
    UnknownBlock {
        /// The block.
        hash: Hash,
    },
    /// Finality can only move to a descendant of the finalized block.
    #[error("block {hash} does not descend from the finalized block {finalized}")]
    NotDescendantOfFinalized {
        /// The block.
        hash: Hash,
        /// The finalized block.
        finalized: Hash,
    },
    /// The finalized block cannot be reverted.
    #[error("block {hash} is finalized and cannot be reverted")]
    RevertFinalized {
        /// The block.
        hash: Hash,
    },
}

/// One block of the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockEntry {
    /// Its parent (for the finalized block: possibly pruned).
    pub parent: Hash,
    /// Its number.
    pub number: BlockNumber,
    /// Its slot.
    pub slot: Slot,
    /// Whether it was authored in a primary slot.
    pub primary: bool,
    /// Step 6: the number of primary blocks on its chain (the finalized block's weight as given
    /// when the tree was created, plus one per primary block above it).
    pub weight: u64,
    /// Step 6: reverted (or descending from a reverted block): never viable again.
    pub reverted: bool,
    children: Vec<Hash>,
}

impl BlockEntry {
    /// Its children in the tree, sorted by hash.
    pub fn children(&self) -> &[Hash] {
        &self.children
    }
}

/// The path between two blocks of the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeRoute {
    /// Blocks from `from` down to, excluding, `common`: what a switch from `from` retracts.
    pub retracted: Vec<Hash>,
    /// The highest common ancestor.
    pub common: Hash,
    /// Blocks from above `common` up to `to`, ascending: what the switch enacts.
    pub enacted: Vec<Hash>,
}

/// The tree of blocks at and above the finalized block.
///
/// Step 6: every block descends from the finalized block; a block's weight is its parent's
/// plus one if it is primary; reverted blocks, their descendants and any later child of them are
/// non-viable. Step 7: [`best_viable_leaf`](Self::best_viable_leaf). Step 8:
/// [`finalize`](Self::finalize) prunes everything not descending from the new finalized block,
/// so memory is proportional to the unfinalized part.
#[derive(Clone, Debug)]
pub struct BlockTree {
    blocks: BTreeMap<Hash, BlockEntry>,
    finalized: Hash,
}

impl BlockTree {
    /// A tree holding only the finalized block `hash` (genesis, or the block a node restarts
    /// from) with its number, slot and primary weight.
    pub fn new(hash: Hash, number: BlockNumber, slot: Slot, weight: u64) -> Self {
        let root = BlockEntry {
            parent: Hash::ZERO,
            number,
            slot,
            primary: false,
            weight,
            reverted: false,
            children: Vec::new(),
        };
        BlockTree { blocks: BTreeMap::from([(hash, root)]), finalized: hash }
    }

    /// A tree rooted at a finalized header, with primary weight 0.
    pub fn from_header(header: &RelayHeader) -> Self {
        let mut tree = BlockTree::new(header.hash(), header.number, header.pre_digest.slot, 0);
        if let Some(root) = tree.blocks.get_mut(&header.hash()) {
            root.parent = header.parent_hash;
        }
        tree
    }

    /// Adds a block whose parent is in the tree (Step 6). Importing a block that is already
    /// there with the same parent and number is a no-op.
    pub fn insert(
        &mut self,
        hash: Hash,
        parent: Hash,
        number: BlockNumber,
        slot: Slot,
        primary: bool,
    ) -> Result<(), ForkTreeError> {
        if let Some(existing) = self.blocks.get(&hash) {
            return if existing.parent == parent && existing.number == number {
                Ok(())
            } else {
                Err(ForkTreeError::Conflict { hash })
            };
        }
        let Some(parent_entry) = self.blocks.get_mut(&parent) else {
            return Err(ForkTreeError::UnknownParent { hash, parent });
        };
        let expected = parent_entry.number.next();
        if number != expected || parent_entry.number.0 == u32::MAX {
            return Err(ForkTreeError::BadNumber { hash, expected, got: number });
        }
        let weight = parent_entry.weight.saturating_add(u64::from(primary));
        let reverted = parent_entry.reverted;
        if let Err(at) = parent_entry.children.binary_search(&hash) {
            parent_entry.children.insert(at, hash);
        }
        self.blocks.insert(
            hash,
            BlockEntry { parent, number, slot, primary, weight, reverted, children: Vec::new() },
        );
        Ok(())
    }

    /// Adds a verified header (see [`insert`](Self::insert)).
    pub fn insert_header(&mut self, header: &RelayHeader) -> Result<(), ForkTreeError> {
        self.insert(
            header.hash(),
            header.parent_hash,
            header.number,
            header.pre_digest.slot,
            header.pre_digest.primary,
        )
    }

    /// Step 7: the leaf to build on and to vote for. Among viable leaves (not reverted, no
    /// viable child; the finalized block is always viable), the one with the highest (primary
    /// weight, number); ties go to the lower hash.
    pub fn best_viable_leaf(&self) -> (Hash, BlockNumber) {
        let mut best: Option<(&Hash, &BlockEntry)> = None;
        for (hash, entry) in &self.blocks {
            if !self.is_viable_leaf(hash, entry) {
                continue;
            }
            let better = match best {
                None => true,
                // The map iterates by ascending hash, so only a strictly better score wins.
                Some((_, b)) => (entry.weight, entry.number) > (b.weight, b.number),
            };
            if better {
                best = Some((hash, entry));
            }
        }
        match best {
            Some((hash, entry)) => (*hash, entry.number),
            None => self.finalized(),
        }
    }

    fn is_viable(&self, hash: &Hash, entry: &BlockEntry) -> bool {
        *hash == self.finalized || !entry.reverted
    }

    fn is_viable_leaf(&self, hash: &Hash, entry: &BlockEntry) -> bool {
        self.is_viable(hash, entry)
            && entry
                .children
                .iter()
                .all(|child| self.blocks.get(child).is_none_or(|c| !self.is_viable(child, c)))
    }

    /// Marks `hash` and all its descendants reverted (Step 6): none of them is chosen again,
    /// and children imported later inherit the mark. Returns the blocks newly marked, sorted.
    pub fn mark_reverted(&mut self, hash: &Hash) -> Result<Vec<Hash>, ForkTreeError> {
        if *hash == self.finalized {
            return Err(ForkTreeError::RevertFinalized { hash: *hash });
        }
        if !self.blocks.contains_key(hash) {
            return Err(ForkTreeError::UnknownBlock { hash: *hash });
        }
        let mut marked = Vec::new();
        for h in self.subtree(hash) {
            if let Some(entry) = self.blocks.get_mut(&h) {
                if !entry.reverted {
                    entry.reverted = true;
                    marked.push(h);
                }
            }
        }
        marked.sort();
        Ok(marked)
    }

    /// Step 8: makes `hash` the finalized block and prunes every block that does not descend
    /// from it (its ancestors and every conflicting fork). Returns the pruned blocks, sorted.
    ///
    /// Finality overrides a revert: a finalized block is viable even if it was marked
    /// reverted (its descendants keep their marks).
    pub fn finalize(&mut self, hash: &Hash) -> Result<Vec<Hash>, ForkTreeError> {
        if !self.blocks.contains_key(hash) {
            return Err(ForkTreeError::UnknownBlock { hash: *hash });
        }
        if !self.is_descendant_or_equal(hash, (self.finalized, self.finalized().1)) {
            return Err(ForkTreeError::NotDescendantOfFinalized {
                hash: *hash,
                finalized: self.finalized,
            });
        }
        let keep: BTreeSet<Hash> = self.subtree(hash).into_iter().collect();
        let (kept, pruned): (BTreeMap<_, _>, BTreeMap<_, _>) =
            std::mem::take(&mut self.blocks).into_iter().partition(|(h, _)| keep.contains(h));
        self.blocks = kept;
        self.finalized = *hash;
        if let Some(root) = self.blocks.get_mut(hash) {
            root.reverted = false;
        }
        Ok(pruned.into_keys().collect())
    }

    /// `hash` and all its descendants, parents before children.
    fn subtree(&self, hash: &Hash) -> Vec<Hash> {
        let mut out = vec![*hash];
        let mut next = 0;
        while let Some(h) = out.get(next).copied() {
            next += 1;
            if let Some(entry) = self.blocks.get(&h) {
                out.extend(entry.children.iter().copied());
            }
        }
        out
    }

    /// Whether `descendant` is a strict descendant of `ancestor` (both in the tree).
    pub fn is_descendant(&self, descendant: &Hash, ancestor: &Hash) -> bool {
        match (self.blocks.get(descendant), self.blocks.get(ancestor)) {
            (Some(d), Some(a)) if d.number > a.number => {
                self.ancestor_at(descendant, a.number) == Some(*ancestor)
            }
            _ => false,
        }
    }

    /// The route from `from` to `to` through their highest common ancestor.
    pub fn route(&self, from: &Hash, to: &Hash) -> Result<TreeRoute, ForkTreeError> {
        let mut a = (*from, self.entry(from)?.number);
        let mut b = (*to, self.entry(to)?.number);
        let mut retracted = Vec::new();
        let mut enacted = Vec::new();
        while a.0 != b.0 {
            if a.1 >= b.1 {
                retracted.push(a.0);
                let parent = self.entry(&a.0)?.parent;
                a = (parent, self.entry(&parent)?.number);
            } else {
                enacted.push(b.0);
                let parent = self.entry(&b.0)?.parent;
                b = (parent, self.entry(&parent)?.number);
            }
        }
        enacted.reverse();
        Ok(TreeRoute { retracted, common: a.0, enacted })
    }

    fn entry(&self, hash: &Hash) -> Result<&BlockEntry, ForkTreeError> {
        self.blocks.get(hash).ok_or(ForkTreeError::UnknownBlock { hash: *hash })
    }

    /// Every leaf (block without children, viable or not), sorted by hash.
    pub fn leaves(&self) -> Vec<Hash> {
        self.blocks.iter().filter(|(_, e)| e.children.is_empty()).map(|(h, _)| *h).collect()
    }

    /// The viable leaves (Step 7), sorted by hash.
    pub fn viable_leaves(&self) -> Vec<Hash> {
        self.blocks.iter().filter(|(h, e)| self.is_viable_leaf(h, e)).map(|(h, _)| *h).collect()
    }

    /// Whether `hash` is in the tree.
    pub fn contains(&self, hash: &Hash) -> bool {
        self.blocks.contains_key(hash)
    }

    /// A block of the tree.
    pub fn get(&self, hash: &Hash) -> Option<&BlockEntry> {
        self.blocks.get(hash)
    }

    /// Whether `hash` is in the tree and viable.
    pub fn is_viable_block(&self, hash: &Hash) -> bool {
        self.blocks.get(hash).is_some_and(|e| self.is_viable(hash, e))
    }

    /// The finalized block.
    pub fn finalized(&self) -> (Hash, BlockNumber) {
        let number = self.blocks.get(&self.finalized).map_or(BlockNumber(0), |e| e.number);
        (self.finalized, number)
    }

    /// How many blocks the tree holds (the finalized one included).
    pub fn len(&self) -> usize {
        self.blocks.len()
    }

    /// Always false: the tree holds at least the finalized block.
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }
}

impl Ancestry for BlockTree {
    fn link(&self, hash: &Hash) -> Option<BlockLink> {
        self.blocks.get(hash).map(|e| BlockLink { number: e.number, parent: e.parent })
    }
}
