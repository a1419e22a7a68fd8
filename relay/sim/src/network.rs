//! The simulated network: per-link latency, jitter and loss, and partitions (rule 3).

use std::collections::BTreeMap;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::node::NodeId;

/// How a link behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkProfile {
    /// Minimum one-way latency, ms.
    pub base_latency_ms: u64,
    /// Extra latency drawn uniformly from `[0, jitter_ms]`.
    pub jitter_ms: u64,
    /// Loss probability in parts per million.
    pub loss_ppm: u32,
}

impl Default for LinkProfile {
    /// 50 ms ± 50 ms, no loss.
    fn default() -> Self {
        LinkProfile { base_latency_ms: 50, jitter_ms: 50, loss_ppm: 0 }
    }
}

/// The network between nodes.
#[derive(Clone, Debug, Default)]
pub struct Network {
    default: LinkProfile,
    links: BTreeMap<(NodeId, NodeId), LinkProfile>,
    /// Partition group of each node; nodes in different groups cannot talk. Empty: no partition.
    groups: BTreeMap<NodeId, u32>,
}

impl Network {
    /// A network where every link has `default`.
    pub fn new(default: LinkProfile) -> Self {
        Network { default, links: BTreeMap::new(), groups: BTreeMap::new() }
    }

    /// Overrides the link from `a` to `b` (one direction).
    pub fn set_link(&mut self, a: NodeId, b: NodeId, profile: LinkProfile) {
        self.links.insert((a, b), profile);
    }

    /// Splits the nodes into groups; nodes not listed form a group of their own.
    pub fn partition(&mut self, groups: &[Vec<NodeId>]) {
        self.groups.clear();
        for (g, members) in groups.iter().enumerate() {
            for n in members {
                self.groups.insert(*n, g as u32 + 1);
            }
        }
    }

    /// Removes every partition.
    pub fn heal(&mut self) {
        self.groups.clear();
    }

    /// Whether `a` and `b` are on the same side.
    pub fn connected(&self, a: NodeId, b: NodeId) -> bool {
        self.groups.get(&a).copied().unwrap_or(0) == self.groups.get(&b).copied().unwrap_or(0)
    }

    /// Rule 3: the delivery delay of one message, or `None` if it is lost.
    pub fn delay(&self, from: NodeId, to: NodeId, rng: &mut ChaCha8Rng) -> Option<u64> {
        if !self.connected(from, to) {
            return None;
        }
        let link = self.links.get(&(from, to)).copied().unwrap_or(self.default);
        if link.loss_ppm > 0 && rng.gen_range(0..1_000_000u32) < link.loss_ppm {
            return None;
        }
        let jitter = if link.jitter_ms > 0 { rng.gen_range(0..=link.jitter_ms) } else { 0 };
        Some(link.base_latency_ms + jitter)
    }
}
