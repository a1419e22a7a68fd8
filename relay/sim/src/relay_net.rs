//! [`RelayNet`]: a simulated relay network of validators running `atoll-node-core`, with the
//! scenario controls (crash, restart, partition, byzantine stand-ins) and the invariant checks
//! every scenario runs (see [`RelayNet::check_invariants`]).

use std::collections::{BTreeMap, BTreeSet};

use atoll_node_core::{NodeConfig, NodeEvent};
use atoll_primitives::crypto::Pair;
use atoll_primitives::relay::RelayHeader;
use atoll_primitives::{BlockNumber, Hash};
use atoll_relay_chain::chain_spec::testnet_genesis;
use atoll_relay_chain::{build_genesis, execute_block, Genesis, HostConfiguration};
use atoll_trie::StateDb;

use crate::engine::{NodeStatus, SimConfig, Simulation};
use crate::network::LinkProfile;
use crate::node::NodeId;
use crate::relay_node::{Behaviour, RelaySimNode, Reported};

/// The shape of a simulated relay network.
#[derive(Clone, Debug)]
pub struct RelayNetConfig {
    /// Number of validators (each a node).
    pub validators: usize,
    /// Slot duration, ms.
    pub slot_ms: u64,
    /// Session length, slots.
    pub session_length: u32,
    /// The scenario seed.
    pub seed: u64,
    /// Every link's behaviour.
    pub link: LinkProfile,
}

impl RelayNetConfig {
    /// `validators` validators, 1 s slots, 50-slot sessions, 50 ± 50 ms links.
    pub fn new(validators: usize, seed: u64) -> Self {
        RelayNetConfig {
            validators,
            slot_ms: 1_000,
            session_length: 50,
            seed,
            link: LinkProfile::default(),
        }
    }
}

/// A simulated relay network.
pub struct RelayNet {
    sim: Simulation<RelaySimNode>,
    keys: Vec<Pair>,
    genesis: RelayHeader,
    genesis_db: StateDb,
    node_config: NodeConfig,
    slot_ms: u64,
    archive: Vec<(NodeId, Reported)>,
    last_finalized: BTreeMap<NodeId, BlockNumber>,
    violations: Vec<String>,
}

/// The validator key of node `i`: `//V{i}`.
pub fn validator_pair(i: usize) -> Pair {
    Pair::dev(&format!("V{i}"))
}

impl RelayNet {
    /// Builds the genesis and starts every validator at time 0.
    pub fn new(config: &RelayNetConfig) -> RelayNet {
        let names: Vec<String> = (0..config.validators).map(|i| format!("V{i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut genesis: Genesis = testnet_genesis(&refs);
        genesis.config = HostConfiguration {
            slot_duration_ms: config.slot_ms,
            session_length: config.session_length,
            ..HostConfiguration::test_network()
        };
        let mut genesis_db = StateDb::new();
        let header = build_genesis(&mut genesis_db, &genesis).unwrap_or_else(|e| {
            // Scenario set-up with a fixed, valid genesis: failing here is a bug in the test
            // network definition, reported loudly.
            #[allow(clippy::panic)]
            {
                panic!("test-network genesis must build: {e}")
            }
        });
        let node_config = NodeConfig::for_slot_duration(config.slot_ms);
        let keys: Vec<Pair> = (0..config.validators).map(validator_pair).collect();
        let nodes = keys
            .iter()
            .map(|key| fresh_node(node_config, &header, &genesis_db, Some(key.clone()), 0))
            .collect();
        let sim = Simulation::new(
            SimConfig { seed: config.seed, link: config.link, log_tail: 32 },
            nodes,
        );
        RelayNet {
            sim,
            keys,
            genesis: header,
            genesis_db,
            node_config,
            slot_ms: config.slot_ms,
            archive: Vec::new(),
            last_finalized: BTreeMap::new(),
            violations: Vec::new(),
        }
    }

    /// The simulation.
    pub fn sim(&self) -> &Simulation<RelaySimNode> {
        &self.sim
    }

    /// The simulation, mutably (network changes, byzantine set-up).
    pub fn sim_mut(&mut self) -> &mut Simulation<RelaySimNode> {
        &mut self.sim
    }

    /// The genesis header.
    pub fn genesis(&self) -> &RelayHeader {
        &self.genesis
    }

    /// The slot duration, ms.
    pub fn slot_ms(&self) -> u64 {
        self.slot_ms
    }

    /// The current slot.
    pub fn slot(&self) -> u64 {
        self.sim.now_ms() / self.slot_ms
    }

    /// Makes node `id` one of the byzantine stand-ins.
    pub fn set_behaviour(&mut self, id: NodeId, behaviour: Behaviour) {
        if let Some(n) = self.sim.node_mut(id) {
            n.set_behaviour(behaviour);
        }
    }

    /// Runs `slots` more slots, sampling every node's finalized block after each.
    pub fn run_slots(&mut self, slots: u64) {
        for _ in 0..slots {
            self.sim.run_for(self.slot_ms);
            self.sample();
        }
    }

    fn sample(&mut self) {
        let ids: Vec<NodeId> = self.sim.ids().collect();
        for id in ids {
            if let Some(n) = self.sim.node(id) {
                let f = n.node().finalized().1;
                if let Some(last) = self.last_finalized.insert(id, f) {
                    if f < last {
                        self.violations
                            .push(format!("{id}: finalized height went back from {last} to {f}"));
                    }
                }
            }
        }
    }

    /// Crashes node `id` (keeping its reports for the invariants).
    pub fn crash(&mut self, id: NodeId) -> usize {
        if let Some(n) = self.sim.node(id) {
            self.archive.extend(n.events().iter().cloned().map(|r| (id, r)));
        }
        self.sim.crash(id)
    }

    /// Restarts node `id` from its store.
    pub fn restart(&mut self, id: NodeId) {
        let now = self.sim.now_ms();
        let key = self.keys.get(id.0 as usize).cloned();
        let (config, genesis, db) =
            (self.node_config, self.genesis.clone(), self.genesis_db.clone());
        let mut failure = None;
        self.sim.restart(id, |store| {
            match RelaySimNode::restore(
                config,
                genesis.clone(),
                db.clone(),
                key.clone(),
                store,
                now,
            ) {
                Ok(n) => n,
                Err(e) => {
                    // Keep the simulation going with a fresh node; the violation is recorded.
                    failure = Some(e.to_string());
                    fresh_node(config, &genesis, &db, key, now)
                }
            }
        });
        if let Some(f) = failure {
            self.violations.push(format!("{id}: restart from its store failed: {f}"));
        }
    }

    /// A node's (best, finalized), if it runs.
    pub fn heads(&self, id: NodeId) -> Option<((Hash, BlockNumber), (Hash, BlockNumber))> {
        self.sim.node(id).map(|n| (n.node().best(), n.node().finalized()))
    }

    /// Every report of every node, crashed instances included.
    pub fn all_reports(&self) -> Vec<(NodeId, Reported)> {
        let mut all = self.archive.clone();
        for id in self.sim.ids() {
            if let Some(n) = self.sim.node(id) {
                all.extend(n.events().iter().cloned().map(|r| (id, r)));
            }
        }
        all
    }

    /// The running nodes.
    pub fn up(&self) -> Vec<NodeId> {
        self.sim.ids().filter(|id| self.sim.status(*id) == Some(NodeStatus::Up)).collect()
    }

    /// The invariants every scenario checks; returns the violations (empty: all hold):
    /// 1. no two conflicting finalized blocks (across all nodes and all time);
    /// 2. no node's finalized height ever goes back (sampled every slot, across restarts);
    /// 3. every imported block is valid: re-verified once by an independent reference that
    ///    checks its header against its epoch and executes it on its parent's state.
    pub fn check_invariants(&mut self) -> Vec<String> {
        let mut violations = std::mem::take(&mut self.violations);
        let reports = self.all_reports();
        let mut parent_of: BTreeMap<Hash, (Hash, BlockNumber)> = BTreeMap::new();
        let mut finalized: BTreeSet<(BlockNumber, Hash)> = BTreeSet::new();
        let mut import_order: Vec<(u64, Hash, NodeId)> = Vec::new();
        for (id, r) in &reports {
            match &r.event {
                NodeEvent::Imported { hash, number, parent, .. }
                    if parent_of.insert(*hash, (*parent, *number)).is_none() =>
                {
                    import_order.push((r.at_ms, *hash, *id));
                }
                NodeEvent::Finalized { hash, number } => {
                    finalized.insert((*number, *hash));
                }
                _ => {}
            }
        }
        // Invariant 1.
        violations.extend(finality_conflicts(&parent_of, &finalized, self.genesis.hash()));
        // Invariant 3.
        violations.extend(self.revalidate(&import_order, &parent_of));
        self.violations.clear();
        violations
    }

    fn revalidate(
        &self,
        order: &[(u64, Hash, NodeId)],
        parent_of: &BTreeMap<Hash, (Hash, BlockNumber)>,
    ) -> Vec<String> {
        let mut violations = Vec::new();
        let mut db = self.genesis_db.clone();
        let mut headers: BTreeMap<Hash, RelayHeader> = BTreeMap::new();
        headers.insert(self.genesis.hash(), self.genesis.clone());
        let mut sorted: Vec<&(u64, Hash, NodeId)> = order.iter().collect();
        sorted.sort_by_key(|(at, h, _)| (parent_of.get(h).map(|p| p.1), *at, *h));
        for (at, hash, id) in sorted {
            let block =
                self.sim.node(*id).and_then(|n| n.node().block(hash).cloned()).or_else(|| {
                    self.sim.ids().find_map(|o| self.sim.node(o)?.node().block(hash).cloned())
                });
            let Some(block) = block else { continue };
            let Some(parent) = headers.get(&block.header.parent_hash).cloned() else {
                violations.push(format!("imported block {hash} has no imported parent"));
                continue;
            };
            let epoch = match atoll_relay_chain::epoch_for_child(
                &db,
                &parent,
                block.header.pre_digest.slot,
            ) {
                Ok(e) => e,
                Err(e) => {
                    violations.push(format!("imported block {hash}: no epoch: {e}"));
                    continue;
                }
            };
            if let Err(e) = atoll_consensus::verify_header(&block.header, &parent, &epoch, *at) {
                violations.push(format!("imported block {hash} has an invalid header: {e}"));
                continue;
            }
            if let Err(e) = execute_block(&mut db, &parent, &block) {
                violations.push(format!("imported block {hash} does not execute: {e}"));
                continue;
            }
            headers.insert(*hash, block.header.clone());
        }
        violations
    }

    /// The event log hash (the same seed must give the same hash).
    pub fn log_hash(&self) -> Hash {
        self.sim.log().hash()
    }
}

/// A node over the genesis state, as it starts (or restarts with an empty store).
fn fresh_node(
    config: NodeConfig,
    genesis: &RelayHeader,
    genesis_db: &StateDb,
    key: Option<Pair>,
    now_ms: u64,
) -> RelaySimNode {
    match atoll_node_core::RelayNode::new(config, genesis.clone(), genesis_db.clone(), key, now_ms)
    {
        Ok(n) => RelaySimNode::new(n, genesis.clone(), Behaviour::Honest),
        // Scenario set-up over a fixed, valid genesis: failing is a bug in the test network.
        #[allow(clippy::panic)]
        Err(e) => panic!("a node over a valid genesis must start: {e}"),
    }
}

/// Invariant 1 of every scenario: the finalized blocks (of all nodes, all time) form one chain.
/// `parent_of` maps each imported block to its parent and number.
pub(crate) fn finality_conflicts(
    parent_of: &BTreeMap<Hash, (Hash, BlockNumber)>,
    finalized: &BTreeSet<(BlockNumber, Hash)>,
    genesis: Hash,
) -> Vec<String> {
    let chain: Vec<(BlockNumber, Hash)> = finalized.iter().copied().collect();
    chain
        .windows(2)
        .filter(|pair| !descends_from(parent_of, pair[1].1, pair[0], genesis))
        .map(|pair| {
            let (lo, hi) = (pair[0], pair[1]);
            format!(
                "conflicting finality: #{} {} and #{} {} are not on one chain",
                lo.0, lo.1, hi.0, hi.1
            )
        })
        .collect()
}

/// Whether `hash` is `ancestor` or descends from it, by the `parent_of` links.
pub(crate) fn descends_from(
    parent_of: &BTreeMap<Hash, (Hash, BlockNumber)>,
    mut hash: Hash,
    ancestor: (BlockNumber, Hash),
    genesis: Hash,
) -> bool {
    loop {
        if hash == ancestor.1 {
            return true;
        }
        if hash == genesis {
            return ancestor.1 == genesis;
        }
        match parent_of.get(&hash) {
            Some((parent, number)) => {
                if *number <= ancestor.0 {
                    return false;
                }
                hash = *parent;
            }
            None => return false,
        }
    }
}
