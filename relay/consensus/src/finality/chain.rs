//! The finality voter's own view of the chain: a light tree of the headers above the finalized
//! block, fed by [`super::FinalityVoter::on_block_imported`].
//!
//! The voter keeps its own view (rather than borrowing the node's [`crate::BlockTree`]) so that
//! it is self-contained: the simulator and the node drive it with plain events, and it can build
//! justifications with their ancestry headers. Headers may arrive in any order: a block whose
//! parent is missing waits (votes for it stay pending) until the gap is filled.

use std::collections::BTreeMap;

use atoll_primitives::{relay::RelayHeader, BlockNumber, Hash};

use crate::ancestry::{Ancestry, BlockLink};

#[derive(Clone, Debug)]
struct ChainBlock {
    number: BlockNumber,
    parent: Hash,
    header: Option<RelayHeader>,
}

/// Where a vote target stands relative to the finalized block (the root).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Position {
    /// The root or a descendant.
    Descends,
    /// Not the root and not a descendant of it: at or below its height, or linked to a block
    /// that is, or with a number that does not match the block's.
    Elsewhere,
    /// Not known yet (or linked to a block not known yet) above the root's height.
    Pending,
}

/// One block on the walk from a vote target down to the root: its hash, number and, for every
/// block above the root, its parent.
pub(crate) type PathStep = (Hash, BlockNumber, Option<Hash>);

/// A light tree: hash → (number, parent, header), rooted at the finalized block.
#[derive(Clone, Debug)]
pub(crate) struct VoterChain {
    root: (Hash, BlockNumber),
    blocks: BTreeMap<Hash, ChainBlock>,
}

impl VoterChain {
    /// A view holding only the finalized block.
    pub(crate) fn new(root: (Hash, BlockNumber)) -> Self {
        let block = ChainBlock { number: root.1, parent: Hash::ZERO, header: None };
        VoterChain { root, blocks: BTreeMap::from([(root.0, block)]) }
    }

    /// The finalized block.
    pub(crate) fn root(&self) -> (Hash, BlockNumber) {
        self.root
    }

    /// Adds a header above the root; returns whether it is new.
    pub(crate) fn import(&mut self, header: &RelayHeader) -> bool {
        let hash = header.hash();
        if header.number <= self.root.1 || self.blocks.contains_key(&hash) {
            return false;
        }
        let block = ChainBlock {
            number: header.number,
            parent: header.parent_hash,
            header: Some(header.clone()),
        };
        self.blocks.insert(hash, block);
        true
    }

    /// Where `hash` (claimed at height `number`) stands relative to the root.
    pub(crate) fn position(&self, hash: &Hash, number: BlockNumber) -> Position {
        self.walk(hash, number, |_| {})
    }

    /// Like [`Self::position`], also handing each block of the walk to `visit`, from `hash`
    /// down to the root (when the answer is [`Position::Descends`], those are exactly the
    /// blocks the target stands for; otherwise the visited blocks mean nothing). Allocation
    /// free: the walk is a few map look-ups per unfinalized block.
    pub(crate) fn walk(
        &self,
        hash: &Hash,
        number: BlockNumber,
        mut visit: impl FnMut(PathStep),
    ) -> Position {
        let (mut current, mut height) = (*hash, number);
        loop {
            if current == self.root.0 {
                if height != self.root.1 {
                    return Position::Elsewhere;
                }
                visit((self.root.0, self.root.1, None));
                return Position::Descends;
            }
            if height <= self.root.1 {
                return Position::Elsewhere;
            }
            let Some(block) = self.blocks.get(&current) else {
                return Position::Pending;
            };
            if block.number != height {
                return Position::Elsewhere;
            }
            visit((current, height, Some(block.parent)));
            current = block.parent;
            height = BlockNumber(height.0 - 1);
        }
    }

    /// Whether `hash` is the root or a known descendant.
    pub(crate) fn descends_from_root(&self, hash: &Hash, number: BlockNumber) -> bool {
        self.position(hash, number) == Position::Descends
    }

    /// Makes `new_root` (a known descendant of the root) the root and forgets every block that
    /// neither descends from it nor is still waiting for its parent above it. Returns false,
    /// changing nothing, if `new_root` is not a known descendant of the root.
    pub(crate) fn finalize(&mut self, new_root: (Hash, BlockNumber)) -> bool {
        if new_root.1 <= self.root.1 || !self.descends_from_root(&new_root.0, new_root.1) {
            return false;
        }
        self.root = new_root;
        // The old root and everything else at or below the new root's height go.
        self.blocks.retain(|hash, block| *hash == new_root.0 || block.number > new_root.1);
        // So do forks that conflict with it: their walk now ends below its height.
        let conflicting: Vec<Hash> = self
            .blocks
            .iter()
            .filter(|(hash, block)| {
                **hash != new_root.0 && self.position(hash, block.number) == Position::Elsewhere
            })
            .map(|(hash, _)| *hash)
            .collect();
        for hash in conflicting {
            self.blocks.remove(&hash);
        }
        true
    }

    /// The highest known descendant of `base` (or `base` itself), ties to the lower hash.
    pub(crate) fn best_descendant(&self, base: (Hash, BlockNumber)) -> (Hash, BlockNumber) {
        let mut best = base;
        for (hash, block) in &self.blocks {
            if block.number > best.1 && self.is_descendant_or_equal(hash, base) {
                best = (*hash, block.number);
            }
        }
        best
    }

    /// The stored header of `hash` (the root's may be unknown).
    pub(crate) fn header(&self, hash: &Hash) -> Option<&RelayHeader> {
        self.blocks.get(hash).and_then(|b| b.header.as_ref())
    }

    /// How many blocks the view holds.
    pub(crate) fn len(&self) -> usize {
        self.blocks.len()
    }
}

impl Ancestry for VoterChain {
    fn link(&self, hash: &Hash) -> Option<BlockLink> {
        self.blocks.get(hash).map(|b| BlockLink { number: b.number, parent: b.parent })
    }
}
