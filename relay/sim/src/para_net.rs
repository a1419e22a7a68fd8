//! [`ParaNet`]: a simulated relay chain with parachains, running the whole pipeline (collation,
//! backing, availability, inclusion, approval voting, disputes) with the token-chain runtime
//! executed in wasmtime, with the scenario controls and the pipeline invariants every scenario
//! checks ([`ParaNet::check_invariants`]).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};

use atoll_collator::{CollationGenerator, CollatorBehaviour, CollatorConfig, ParaNode};
use atoll_node_core::{NodeConfig, NodeEvent, RelayNode};
use atoll_parachain_host::{erasure, HostConfig, HostEvent, ParachainHost};
use atoll_primitives::crypto::Pair;
use atoll_primitives::parachain::{recovery_threshold, supermajority_threshold};
use atoll_primitives::relay::RelayHeader;
use atoll_primitives::{BlockNumber, CandidateHash, Hash, ParaId, ValidationCode, ValidatorIndex};
use atoll_pvf::{PvfConfig, PvfHost};
use atoll_relay_chain::chain_spec::testnet_genesis;
use atoll_relay_chain::{
    build_genesis, Genesis, GenesisPara, HostConfiguration, RelayEvent, RelayExtrinsic,
};
use atoll_trie::StateDb;
use parity_scale_codec::Encode;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use crate::engine::{NodeStatus, SimConfig, Simulation};
use crate::network::LinkProfile;
use crate::node::NodeId;
use crate::para_node::{ExecutionCost, ParaReport, ParaSimNode, ValidatorStandIn};
use crate::relay_net::{finality_conflicts, validator_pair};

/// The first para id of a simulated network.
pub const FIRST_PARA: u32 = 2_000;

/// The shape of a simulated pipeline network.
#[derive(Clone, Debug)]
pub struct ParaNetConfig {
    /// Validators (nodes `0..validators`).
    pub validators: usize,
    /// Parachains, each with one collator (nodes after the validators).
    pub paras: usize,
    /// Slot duration, ms.
    pub slot_ms: u64,
    /// Session length, slots.
    pub session_length: u32,
    /// The scenario seed.
    pub seed: u64,
    /// Every link's behaviour.
    pub link: LinkProfile,
    /// Virtual cost of a PVF execution.
    pub cost: ExecutionCost,
    /// Approvals a candidate needs.
    pub needed_approvals: u32,
    /// Validators per backing group.
    pub validators_per_group: u32,
    /// VRF samples of the tranche-0 approval criterion per validator and block.
    pub relay_vrf_modulo_samples: u32,
    /// The host's timers.
    pub host: HostConfig,
}

impl ParaNetConfig {
    /// `validators` validators, `paras` paras, 1 s slots, 100-slot sessions, groups of 2,
    /// 2 needed approvals, 50 ± 50 ms links.
    pub fn new(validators: usize, paras: usize, seed: u64) -> Self {
        ParaNetConfig {
            validators,
            paras,
            slot_ms: 1_000,
            session_length: 100,
            seed,
            link: LinkProfile::default(),
            cost: ExecutionCost::default(),
            needed_approvals: 2,
            validators_per_group: 2,
            relay_vrf_modulo_samples: 2,
            host: HostConfig::default(),
        }
    }
}

/// One shared PVF host (compiled artifacts are shared by every simulated node and run).
fn shared_pvf() -> Arc<PvfHost> {
    static PVF: OnceLock<Arc<PvfHost>> = OnceLock::new();
    PVF.get_or_init(|| {
        let dir = std::env::temp_dir().join("atoll-sim-pvf-cache");
        match PvfHost::new(PvfConfig::new(dir)) {
            Ok(host) => Arc::new(host),
            // The simulator cannot run the pipeline without wasmtime: a set-up failure.
            #[allow(clippy::panic)]
            Err(e) => panic!("the PVF host must start: {e}"),
        }
    })
    .clone()
}

/// The key of the collator of para index `i`.
pub fn collator_pair(i: usize) -> Pair {
    Pair::dev(&format!("C{i}"))
}

/// A simulated relay chain with parachains.
pub struct ParaNet {
    sim: Simulation<ParaSimNode>,
    config: ParaNetConfig,
    genesis: RelayHeader,
    para_ids: Vec<ParaId>,
    violations: Vec<String>,
}

#[allow(clippy::panic)] // Set-up over fixed, valid inputs: a failure is a bug in the scenario.
fn must<T, E: std::fmt::Display>(r: Result<T, E>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{what}: {e}"),
    }
}

impl ParaNet {
    /// Builds the paras' genesis (token chain in Wasm), the relay genesis with them, and starts
    /// every validator and collator at time 0.
    pub fn new(config: &ParaNetConfig) -> ParaNet {
        atoll_primitives::crypto::verification_cache::enable(1 << 20);
        let pvf = shared_pvf();
        let code = ValidationCode(token_chain::WASM_BINARY.to_vec());
        let para_ids: Vec<ParaId> =
            (0..config.paras).map(|i| ParaId(FIRST_PARA + i as u32)).collect();
        let token_genesis = token_chain::Genesis::dev(1_000_000_000).encode();
        let para_nodes: Vec<ParaNode> = para_ids
            .iter()
            .map(|id| {
                must(
                    ParaNode::genesis(
                        CollatorConfig::new(*id),
                        pvf.clone(),
                        code.clone(),
                        &token_genesis,
                    ),
                    "para genesis",
                )
            })
            .collect();

        let names: Vec<String> = (0..config.validators).map(|i| format!("V{i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut genesis: Genesis = testnet_genesis(&refs);
        genesis.config = HostConfiguration {
            slot_duration_ms: config.slot_ms,
            session_length: config.session_length,
            needed_approvals: config.needed_approvals,
            validators_per_group: config.validators_per_group,
            minimum_backing_votes: config.validators_per_group.min(2),
            relay_vrf_modulo_samples: config.relay_vrf_modulo_samples,
            // DESIGN.md: 500 ms tranches, a quarter slot on test networks' short slots.
            tranche_duration_ms: (config.slot_ms / 4).min(500),
            ..HostConfiguration::test_network()
        };
        genesis.paras = para_ids
            .iter()
            .zip(&para_nodes)
            .map(|(id, node)| GenesisPara { id: *id, head: node.head_data(), code: code.clone() })
            .collect();
        let mut genesis_db = StateDb::new();
        let header = must(build_genesis(&mut genesis_db, &genesis), "relay genesis");
        let node_config = NodeConfig::for_slot_duration(config.slot_ms);
        let n = config.validators as u32;

        let mut nodes = Vec::new();
        for i in 0..config.validators {
            let key = validator_pair(i);
            let relay = must(
                RelayNode::new(
                    node_config,
                    header.clone(),
                    genesis_db.clone(),
                    Some(key.clone()),
                    0,
                ),
                "validator",
            );
            let host = ParachainHost::new(Some(key), config.host.clone());
            nodes.push(ParaSimNode::validator(relay, host, pvf.clone(), config.cost, n));
        }
        for (i, node) in para_nodes.into_iter().enumerate() {
            let relay = must(
                RelayNode::new(node_config, header.clone(), genesis_db.clone(), None, 0),
                "collator's relay node",
            );
            let generator = CollationGenerator::new(node, collator_pair(i));
            nodes.push(ParaSimNode::collator(relay, generator, pvf.clone(), n));
        }
        let sim = Simulation::new(
            SimConfig { seed: config.seed, link: config.link, log_tail: 32 },
            nodes,
        );
        ParaNet { sim, config: config.clone(), genesis: header, para_ids, violations: Vec::new() }
    }

    /// The simulation.
    pub fn sim(&self) -> &Simulation<ParaSimNode> {
        &self.sim
    }

    /// The simulation, mutably.
    pub fn sim_mut(&mut self) -> &mut Simulation<ParaSimNode> {
        &mut self.sim
    }

    /// The configuration.
    pub fn config(&self) -> &ParaNetConfig {
        &self.config
    }

    /// The paras.
    pub fn para_ids(&self) -> &[ParaId] {
        &self.para_ids
    }

    /// The node of the collator of `para`.
    pub fn collator_id(&self, para: ParaId) -> Option<NodeId> {
        let i = self.para_ids.iter().position(|p| *p == para)?;
        Some(NodeId((self.config.validators + i) as u32))
    }

    /// The validator nodes.
    pub fn validator_ids(&self) -> impl Iterator<Item = NodeId> {
        (0..self.config.validators as u32).map(NodeId)
    }

    /// Makes validator `id` a byzantine stand-in.
    pub fn set_stand_in(&mut self, id: NodeId, stand_in: ValidatorStandIn) {
        if let Some(n) = self.sim.node_mut(id) {
            n.set_stand_in(stand_in);
        }
    }

    /// Makes the collator of `para` a byzantine stand-in.
    pub fn set_collator_behaviour(&mut self, para: ParaId, behaviour: CollatorBehaviour) {
        if let Some(id) = self.collator_id(para) {
            if let Some(n) = self.sim.node_mut(id) {
                n.set_collator_behaviour(behaviour);
            }
        }
    }

    /// Runs `slots` more slots.
    pub fn run_slots(&mut self, slots: u64) {
        for _ in 0..slots {
            self.sim.run_for(self.config.slot_ms);
        }
    }

    /// A node's (best, finalized).
    pub fn heads(&self, id: NodeId) -> Option<((Hash, BlockNumber), (Hash, BlockNumber))> {
        self.sim.node(id).map(|n| (n.relay().best(), n.relay().finalized()))
    }

    /// The running nodes.
    pub fn up(&self) -> Vec<NodeId> {
        self.sim.ids().filter(|id| self.sim.status(*id) == Some(NodeStatus::Up)).collect()
    }

    /// The event log hash (the same seed must give the same hash).
    pub fn log_hash(&self) -> Hash {
        self.sim.log().hash()
    }

    /// Every report of every node, with the node.
    pub fn reports(&self) -> Vec<(NodeId, u64, ParaReport)> {
        let mut all = Vec::new();
        for id in self.sim.ids() {
            if let Some(n) = self.sim.node(id) {
                all.extend(n.reports().iter().map(|(at, r)| (id, *at, r.clone())));
            }
        }
        all
    }

    /// The host events of every validator, with the node and time.
    pub fn host_events(&self) -> Vec<(NodeId, u64, HostEvent)> {
        self.reports()
            .into_iter()
            .filter_map(|(id, at, r)| match r {
                ParaReport::Host(e) => Some((id, at, e)),
                _ => None,
            })
            .collect()
    }

    /// The best chain of node `id`, genesis first: (hash, header).
    pub fn chain(&self, id: NodeId) -> Vec<(Hash, RelayHeader)> {
        let Some(node) = self.sim.node(id) else { return Vec::new() };
        let relay = node.relay();
        let mut chain = Vec::new();
        let mut cursor = relay.best().0;
        while let Some(h) = relay.header(&cursor) {
            chain.push((cursor, h.clone()));
            if h.number.0 == 0 {
                break;
            }
            cursor = h.parent_hash;
        }
        chain.reverse();
        chain
    }

    /// The relay events of each block of node `id`'s best chain, genesis first.
    pub fn chain_events(&self, id: NodeId) -> Vec<(Hash, BlockNumber, Vec<RelayEvent>)> {
        let Some(node) = self.sim.node(id) else { return Vec::new() };
        let db = node.relay().db();
        self.chain(id)
            .into_iter()
            .map(|(hash, header)| {
                let events = atoll_relay_chain::events(db, &header.state_root)
                    .map(|records| records.into_iter().map(|r| r.event).collect())
                    .unwrap_or_default();
                (hash, header.number, events)
            })
            .collect()
    }

    /// Per para, the block numbers of node `id`'s best chain that included one of its
    /// candidates.
    pub fn inclusions(&self, id: NodeId) -> BTreeMap<ParaId, Vec<BlockNumber>> {
        let mut out: BTreeMap<ParaId, Vec<BlockNumber>> =
            self.para_ids.iter().map(|p| (*p, Vec::new())).collect();
        for (_, number, events) in self.chain_events(id) {
            for e in events {
                if let RelayEvent::CandidateIncluded { para_id, .. } = e {
                    out.entry(para_id).or_default().push(number);
                }
            }
        }
        out
    }

    /// Candidates included on node `id`'s best chain: (candidate, para, block number, block).
    pub fn included_candidates(
        &self,
        id: NodeId,
    ) -> Vec<(CandidateHash, ParaId, BlockNumber, Hash)> {
        let mut out = Vec::new();
        for (hash, number, events) in self.chain_events(id) {
            for e in events {
                if let RelayEvent::CandidateIncluded { candidate, para_id, .. } = e {
                    out.push((candidate.hash(), para_id, number, hash));
                }
            }
        }
        out
    }

    /// PVF executions (all nodes) per candidate included on node `id`'s best chain.
    pub fn executions_per_candidate(&self, id: NodeId) -> f64 {
        let executions = self
            .reports()
            .iter()
            .filter(|(_, _, r)| matches!(r, ParaReport::Executed { .. }))
            .count();
        let included = self.included_candidates(id).len().max(1);
        executions as f64 / included as f64
    }

    /// For each block of node `id`'s best chain that included a candidate and was finalized:
    /// how many blocks the best chain had grown past it when node `id` finalized it.
    pub fn finality_lags(&self, id: NodeId) -> Vec<u32> {
        let Some(node) = self.sim.node(id) else { return Vec::new() };
        let mut best_at: Vec<(u64, BlockNumber)> = Vec::new();
        let mut finalized_at: Vec<(u64, BlockNumber)> = Vec::new();
        for (at, r) in node.reports() {
            match r {
                ParaReport::Relay(NodeEvent::Imported { number, .. }) => {
                    best_at.push((*at, *number))
                }
                ParaReport::Relay(NodeEvent::Finalized { number, .. }) => {
                    finalized_at.push((*at, *number))
                }
                _ => {}
            }
        }
        let highest_by =
            |t: u64| best_at.iter().filter(|(at, _)| *at <= t).map(|(_, n)| n.0).max().unwrap_or(0);
        let mut lags = Vec::new();
        for (_, _, number, _) in self.included_candidates(id) {
            if let Some((at, _)) = finalized_at.iter().find(|(_, f)| *f >= number) {
                lags.push(highest_by(*at).saturating_sub(number.0));
            }
        }
        lags
    }

    /// The invariants every scenario checks (empty: all hold):
    /// 1. no two conflicting finalized blocks;
    /// 2. a finalized block never contains a candidate that lacked `needed_approvals` approvals
    ///    or had a dispute concluded invalid when it was finalized;
    /// 3. no candidate is enacted before availability: on every honest node's best chain, the
    ///    bitfields the blocks carried cover each included candidate's core with `n − f`
    ///    validators between its backing and its inclusion;
    /// 4. a candidate a dispute concluded invalid is not included on any honest validator's best
    ///    chain, unless the block that included it was already finalized (its para is then
    ///    frozen);
    /// 5. any f + 1 chunks of included candidates (held by the validators) reconstruct data
    ///    that re-encodes to the descriptor's erasure root.
    pub fn check_invariants(&mut self) -> Vec<String> {
        let mut violations = std::mem::take(&mut self.violations);
        let reports = self.reports();
        let n = self.config.validators;
        // Invariant 1.
        let mut parent_of = BTreeMap::new();
        let mut finalized = BTreeSet::new();
        let mut finalized_time: BTreeMap<Hash, u64> = BTreeMap::new();
        let mut approvals: BTreeMap<CandidateHash, Vec<(u64, NodeId)>> = BTreeMap::new();
        let mut invalid_at: BTreeMap<CandidateHash, u64> = BTreeMap::new();
        for (id, at, r) in &reports {
            match r {
                ParaReport::Relay(NodeEvent::Imported { hash, number, parent, .. }) => {
                    parent_of.insert(*hash, (*parent, *number));
                }
                ParaReport::Relay(NodeEvent::Finalized { hash, number }) => {
                    finalized.insert((*number, *hash));
                    let t = finalized_time.entry(*hash).or_insert(*at);
                    *t = (*t).min(*at);
                }
                ParaReport::Host(HostEvent::ApprovalSigned { candidate_hash }) => {
                    approvals.entry(*candidate_hash).or_default().push((*at, *id));
                }
                ParaReport::Host(HostEvent::DisputeConcluded { candidate_hash, valid: false }) => {
                    let t = invalid_at.entry(*candidate_hash).or_insert(*at);
                    *t = (*t).min(*at);
                }
                _ => {}
            }
        }
        violations.extend(finality_conflicts(&parent_of, &finalized, self.genesis.hash()));

        let honest: Vec<NodeId> = self
            .validator_ids()
            .filter(|id| {
                self.sim.node(*id).is_some_and(|n| n.stand_in() == ValidatorStandIn::default())
            })
            .filter(|id| self.sim.status(*id) == Some(NodeStatus::Up))
            .collect();
        let Some(reference) = honest.first().copied() else { return violations };

        // Invariant 2: every candidate of a finalized block had enough approvals (signed
        // before that block was first finalized) and no concluded invalid dispute then.
        let needed = (self.config.needed_approvals as usize).min(n.saturating_sub(1));
        // The finalized time of a block is the earliest time it or a descendant was finalized.
        let fin_numbers: Vec<(BlockNumber, Hash)> = finalized.iter().copied().collect();
        let first_final = |hash: &Hash, number: BlockNumber| -> Option<u64> {
            fin_numbers
                .iter()
                .filter(|(fnum, fhash)| {
                    *fnum >= number
                        && crate::relay_net::descends_from(
                            &parent_of,
                            *fhash,
                            (number, *hash),
                            self.genesis.hash(),
                        )
                })
                .filter_map(|(_, fhash)| finalized_time.get(fhash).copied())
                .min()
        };
        for (candidate, para, number, block) in self.included_candidates(reference) {
            let Some(t) = first_final(&block, number) else { continue };
            let approved_before = approvals
                .get(&candidate)
                .map(|v| {
                    v.iter()
                        .filter(|(at, _)| *at <= t)
                        .map(|(_, id)| *id)
                        .collect::<BTreeSet<_>>()
                        .len()
                })
                .unwrap_or(0);
            if approved_before < needed {
                violations.push(format!(
                    "{para} candidate {candidate} in finalized block #{number} had {approved_before} approvals < {needed}"
                ));
            }
            if invalid_at.get(&candidate).is_some_and(|at| *at <= t) {
                violations.push(format!(
                    "{para} candidate {candidate} finalized in #{number} after a dispute concluded it invalid"
                ));
            }
        }

        for id in &honest {
            // Invariant 3.
            violations.extend(self.check_availability_before_inclusion(*id));
            // Invariant 4.
            for (candidate, para, number, block) in self.included_candidates(*id) {
                if let Some(at) = invalid_at.get(&candidate) {
                    let final_first = first_final(&block, number).is_some_and(|t| t <= *at);
                    if !final_first {
                        violations.push(format!(
                            "{id}: {para} candidate {candidate} concluded invalid yet still included in #{number}"
                        ));
                    }
                }
            }
        }
        // Invariant 5.
        violations.extend(self.check_chunks(reference));
        violations
    }

    fn check_availability_before_inclusion(&self, id: NodeId) -> Vec<String> {
        let mut violations = Vec::new();
        let Some(node) = self.sim.node(id) else { return violations };
        let n = self.config.validators;
        let threshold = supermajority_threshold(n);
        // Per core: the validators that attested availability since the candidate was backed.
        let mut attested: BTreeMap<u32, BTreeSet<ValidatorIndex>> = BTreeMap::new();
        for (hash, number, events) in self.chain_events(id) {
            if let Some(block) = node.relay().block(&hash) {
                for xt in &block.body {
                    if let RelayExtrinsic::ParaInherent(data) = xt {
                        for b in &data.bitfields {
                            for (core, bit) in b.payload.0.iter().enumerate() {
                                if *bit {
                                    attested.entry(core as u32).or_default().insert(b.validator);
                                }
                            }
                        }
                    }
                }
            }
            for e in events {
                match e {
                    RelayEvent::CandidateIncluded { candidate, core, .. } => {
                        let have = attested.get(&core.0).map_or(0, BTreeSet::len);
                        if have < threshold {
                            violations.push(format!(
                                "{id}: candidate {} enacted in #{number} with {have} < {threshold} availability votes",
                                candidate.hash()
                            ));
                        }
                        attested.remove(&core.0);
                    }
                    RelayEvent::CandidateBacked { core, .. }
                    | RelayEvent::CandidateTimedOut { core, .. }
                    | RelayEvent::CandidateDisputedInvalid { core, .. }
                    | RelayEvent::CandidateDropped { core, .. } => {
                        attested.remove(&core.0);
                    }
                    _ => {}
                }
            }
        }
        violations
    }

    /// Invariant 5 on up to 4 included candidates: collects every validator's own chunk and
    /// reconstructs from 3 random subsets of f + 1.
    fn check_chunks(&self, reference: NodeId) -> Vec<String> {
        let mut violations = Vec::new();
        let n = self.config.validators;
        let k = recovery_threshold(n);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(self.config.seed ^ 0xc4a9);
        // The last few candidates included on the reference chain, with their erasure roots.
        let included: Vec<(CandidateHash, Hash, BlockNumber)> = self
            .chain_events(reference)
            .into_iter()
            .flat_map(|(_, number, events)| {
                events.into_iter().filter_map(move |e| match e {
                    RelayEvent::CandidateIncluded { candidate, .. } => {
                        Some((candidate.hash(), candidate.descriptor.erasure_root, number))
                    }
                    _ => None,
                })
            })
            .collect();
        for (candidate, root, number) in included.iter().rev().take(4) {
            let chunks: Vec<(ValidatorIndex, Vec<u8>)> = self
                .validator_ids()
                .filter_map(|v| {
                    let host = self.sim.node(v)?.host()?;
                    let chunk = host.availability().chunk(candidate, ValidatorIndex(v.0))?;
                    Some((chunk.index, chunk.chunk))
                })
                .collect();
            if chunks.len() < k {
                // Pruned after finality or withheld: nothing to check.
                continue;
            }
            for _ in 0..3 {
                let subset: Vec<(ValidatorIndex, Vec<u8>)> =
                    chunks.choose_multiple(&mut rng, k).cloned().collect();
                if let Err(e) = erasure::reconstruct_and_verify(n, root, subset) {
                    violations.push(format!(
                        "candidate {candidate} of #{number}: f + 1 chunks do not reconstruct: {e}"
                    ));
                }
            }
        }
        violations
    }
}
