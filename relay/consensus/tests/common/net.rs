//! A deterministic in-test network of finality voters: virtual time in 10 ms steps, every
//! voter ticked every step, votes delivered after a fixed delay (plus seeded jitter), voters
//! that can be silent (their sends are dropped), offline (nothing in or out), crashed and
//! restored, or replaced by byzantine stand-ins that sign different votes for different peers.
//!
//! Invariants checked on every output: no two conflicting blocks are finalized (by anyone), every
//! justification verifies, and no honest voter ever signs two different votes for one set,
//! round and stage.

use std::collections::{BTreeMap, BTreeSet};

use atoll_consensus::finality::{
    sign_vote, verify_justification, FinalityAction, FinalityConfig, FinalityVoter, LocalVoter,
    VoteError, VoterSet, VoterSnapshot,
};
use atoll_primitives::{
    crypto::Pair,
    relay::{Justification, RelayHeader, SignedVote, Vote, VoteEquivocation, VoteStage},
    BlockNumber, Hash, SessionIndex, ValidatorIndex,
};
use rand::Rng;
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};

use super::{genesis, id};

/// The virtual time step.
pub const STEP_MS: u64 = 10;

/// A byzantine stand-in: for every (round, stage) it hears of, it signs one vote per group and
/// sends it to that group only.
#[derive(Clone, Debug)]
pub struct Byzantine {
    /// (members, target) per group.
    pub groups: Vec<(Vec<usize>, (Hash, BlockNumber))>,
    answered: BTreeSet<(u64, VoteStage)>,
}

impl Byzantine {
    /// A stand-in voting `target` towards each group's members.
    pub fn new(groups: Vec<(Vec<usize>, (Hash, BlockNumber))>) -> Self {
        Byzantine { groups, answered: BTreeSet::new() }
    }
}

/// The network.
pub struct Net {
    /// Virtual time.
    pub now: u64,
    /// The voters' timing.
    pub config: FinalityConfig,
    /// Keys by voter index.
    pub pairs: Vec<Pair>,
    /// The voter set.
    pub set: VoterSet,
    /// Honest voters (`None`: crashed, or byzantine).
    pub voters: Vec<Option<FinalityVoter>>,
    /// Delivery delay.
    pub delay_ms: u64,
    /// Extra delay drawn uniformly from `0..=jitter_ms` per message.
    pub jitter_ms: u64,
    rng: ChaCha20Rng,
    queue: BTreeMap<(u64, u64), (usize, SignedVote)>,
    seq: u64,
    /// Voters whose sends are dropped.
    pub silent: BTreeSet<usize>,
    /// Voters cut off entirely (not ticked either).
    pub offline: BTreeSet<usize>,
    /// Byzantine stand-ins.
    pub byzantine: BTreeMap<usize, Byzantine>,
    /// Every header ever created (the ground truth for ancestry).
    pub headers: BTreeMap<Hash, RelayHeader>,
    /// The canonical tip that [`Net::grow`] extends.
    pub tip: RelayHeader,
    /// Each voter's best block.
    pub bests: Vec<Option<(Hash, BlockNumber)>>,
    /// Finalized blocks, per voter, in order.
    pub finalized: Vec<Vec<(Hash, BlockNumber)>>,
    /// Every justification produced.
    pub justifications: Vec<Justification>,
    /// Equivocation reports: (reporter, evidence).
    pub equivocations: Vec<(usize, VoteEquivocation)>,
    /// The last snapshot each voter asked to persist.
    pub snapshots: Vec<Option<VoterSnapshot>>,
    /// Set hand-overs: (voter, new set id, base).
    pub set_changes: Vec<(usize, SessionIndex, (Hash, BlockNumber))>,
    /// Every vote an honest voter broadcast: (voter, vote).
    pub broadcasts: Vec<(usize, SignedVote)>,
    /// Every action of every voter, in order (for determinism checks).
    pub log: Vec<(u64, usize, FinalityAction)>,
    /// Votes refused: (receiver, error).
    pub refused: Vec<(usize, VoteError)>,
    signed: BTreeMap<(SessionIndex, u64, VoteStage, ValidatorIndex), Vote>,
}

impl Net {
    /// `n` honest voters of set 0 on top of genesis, all voting.
    pub fn new(n: usize, config: FinalityConfig, delay_ms: u64) -> Self {
        Net::with_keys(super::pairs(n), 0, genesis(), config, delay_ms)
    }

    /// Voters with `pairs` of set `set_id`, with `base` as finalized block.
    pub fn with_keys(
        pairs: Vec<Pair>,
        set_id: u32,
        base: RelayHeader,
        config: FinalityConfig,
        delay_ms: u64,
    ) -> Self {
        let set = super::voter_set(set_id, &pairs);
        let n = pairs.len();
        let voters = (0..n)
            .map(|i| {
                let local = LocalVoter { index: ValidatorIndex(i as u32), pair: pairs[i].clone() };
                Some(
                    FinalityVoter::new(config, set.clone(), Some(local), id(&base), 0)
                        .expect("voter"),
                )
            })
            .collect();
        Net {
            now: 0,
            config,
            pairs,
            set,
            voters,
            delay_ms,
            jitter_ms: 0,
            rng: ChaCha20Rng::seed_from_u64(0),
            queue: BTreeMap::new(),
            seq: 0,
            silent: BTreeSet::new(),
            offline: BTreeSet::new(),
            byzantine: BTreeMap::new(),
            headers: BTreeMap::from([(base.hash(), base.clone())]),
            tip: base,
            bests: vec![None; n],
            finalized: vec![Vec::new(); n],
            justifications: Vec::new(),
            equivocations: Vec::new(),
            snapshots: vec![None; n],
            set_changes: Vec::new(),
            broadcasts: Vec::new(),
            log: Vec::new(),
            refused: Vec::new(),
            signed: BTreeMap::new(),
        }
    }

    /// Seeds the jitter.
    pub fn with_jitter(mut self, seed: u64, jitter_ms: u64) -> Self {
        self.rng = ChaCha20Rng::seed_from_u64(seed);
        self.jitter_ms = jitter_ms;
        self
    }

    /// Replaces voter `i` by a byzantine stand-in.
    pub fn make_byzantine(&mut self, i: usize, byzantine: Byzantine) {
        self.voters[i] = None;
        self.byzantine.insert(i, byzantine);
    }

    fn reachable(&self, i: usize) -> bool {
        self.voters[i].is_some() && !self.offline.contains(&i)
    }

    /// Imports `header` into voters `to` (those reachable), making it their best block when
    /// it is higher than their current one.
    pub fn import(&mut self, header: &RelayHeader, to: &[usize]) {
        self.headers.insert(header.hash(), header.clone());
        for &i in to {
            if !self.reachable(i) {
                continue;
            }
            let now = self.now;
            let actions = self.voters[i].as_mut().map(|v| v.on_block_imported(header, now));
            self.handle(i, actions.unwrap_or_default());
            if self.bests[i].is_none_or(|(_, n)| header.number > n) {
                self.set_best(i, id(header));
            }
        }
    }

    /// Imports `header` into every reachable voter.
    pub fn import_all(&mut self, header: &RelayHeader) {
        let all: Vec<usize> = (0..self.voters.len()).collect();
        self.import(header, &all);
    }

    /// Sets voter `i`'s best block.
    pub fn set_best(&mut self, i: usize, best: (Hash, BlockNumber)) {
        self.bests[i] = Some(best);
        let now = self.now;
        let actions = self.voters[i].as_mut().map(|v| v.best_block_changed(best.0, best.1, now));
        self.handle(i, actions.unwrap_or_default());
    }

    /// Feeds voter `i` every known header (parents first) and its best block again: what a
    /// node does for a voter that was away or restarted.
    pub fn refeed(&mut self, i: usize) {
        let mut headers: Vec<RelayHeader> = self.headers.values().cloned().collect();
        headers.sort_by_key(|h| (h.number, h.hash()));
        for header in headers {
            let now = self.now;
            let actions = self.voters[i].as_mut().map(|v| v.on_block_imported(&header, now));
            self.handle(i, actions.unwrap_or_default());
        }
        let best = self.bests[i].unwrap_or_else(|| id(&self.tip));
        self.set_best(i, best);
    }

    /// Extends the canonical tip by one block and imports it everywhere.
    pub fn grow(&mut self) {
        let next = super::child(&self.tip, 0);
        self.tip = next.clone();
        self.import_all(&next);
    }

    /// Advances time by one step: delivers due votes, ticks every reachable voter.
    pub fn step(&mut self) {
        self.now += STEP_MS;
        while let Some((&key, _)) = self.queue.first_key_value() {
            if key.0 > self.now {
                break;
            }
            if let Some((to, vote)) = self.queue.remove(&key) {
                self.deliver(to, vote);
            }
        }
        for i in 0..self.voters.len() {
            if !self.reachable(i) {
                continue;
            }
            let now = self.now;
            let actions = self.voters[i].as_mut().map(|v| v.on_tick(now));
            self.handle(i, actions.unwrap_or_default());
        }
    }

    /// Runs until `until_ms`, growing the canonical chain every `block_every_ms` (0: never).
    pub fn run(&mut self, until_ms: u64, block_every_ms: u64) {
        while self.now < until_ms {
            if block_every_ms > 0 && self.now.is_multiple_of(block_every_ms) {
                self.grow();
            }
            self.step();
        }
    }

    fn send(&mut self, from: usize, to: usize, vote: SignedVote) {
        if self.silent.contains(&from) || self.offline.contains(&from) {
            return;
        }
        let jitter = if self.jitter_ms > 0 { self.rng.gen_range(0..=self.jitter_ms) } else { 0 };
        self.seq += 1;
        self.queue.insert((self.now + self.delay_ms + jitter, self.seq), (to, vote));
    }

    fn deliver(&mut self, to: usize, vote: SignedVote) {
        if self.offline.contains(&to) {
            return;
        }
        if self.byzantine.contains_key(&to) {
            self.byzantine_reacts(to, &vote);
            return;
        }
        let now = self.now;
        let Some(voter) = self.voters[to].as_mut() else { return };
        match voter.on_vote(vote, now) {
            Ok(actions) => self.handle(to, actions),
            Err(e) => self.refused.push((to, e)),
        }
    }

    fn byzantine_reacts(&mut self, b: usize, heard: &SignedVote) {
        let key = (heard.vote.round, heard.vote.stage);
        let Some(byz) = self.byzantine.get_mut(&b) else { return };
        if !byz.answered.insert(key) {
            return;
        }
        let groups = byz.groups.clone();
        for (members, target) in groups {
            let vote = Vote {
                set_id: self.set.set_id(),
                round: heard.vote.round,
                stage: heard.vote.stage,
                target_hash: target.0,
                target_number: target.1,
            };
            let signed = sign_vote(&self.pairs[b], ValidatorIndex(b as u32), vote);
            for m in members {
                self.send(b, m, signed.clone());
            }
        }
    }

    /// Carries out voter `from`'s actions and checks the invariants.
    pub fn handle(&mut self, from: usize, actions: Vec<FinalityAction>) {
        for action in actions {
            self.log.push((self.now, from, action.clone()));
            match action {
                FinalityAction::Broadcast(vote) => {
                    let key = (vote.vote.set_id, vote.vote.round, vote.vote.stage, vote.voter);
                    if let Some(previous) = self.signed.get(&key) {
                        assert_eq!(
                            previous, &vote.vote,
                            "honest voter {from} signed two different votes for {key:?}"
                        );
                    }
                    self.signed.insert(key, vote.vote.clone());
                    self.broadcasts.push((from, vote.clone()));
                    for to in 0..self.pairs.len() {
                        if to != from {
                            self.send(from, to, vote.clone());
                        }
                    }
                }
                FinalityAction::Finalized { hash, number, justification } => {
                    let set = self.voters[from]
                        .as_ref()
                        .map(|v| v.voter_set().clone())
                        .unwrap_or_else(|| self.set.clone());
                    verify_justification(&justification, &set)
                        .unwrap_or_else(|e| panic!("voter {from} made a bad justification: {e}"));
                    let covers = justification.target_hash == hash
                        || self.is_ancestor_or_equal((hash, number), justification.target_hash);
                    assert!(covers, "the justification proves {hash} final");
                    self.check_no_conflict((hash, number));
                    self.finalized[from].push((hash, number));
                    self.justifications.push(justification);
                }
                FinalityAction::Equivocation(evidence) => self.equivocations.push((from, evidence)),
                FinalityAction::Persist(snapshot) => self.snapshots[from] = Some(snapshot),
                FinalityAction::SetChanged { new_set_id, base, .. } => {
                    self.set_changes.push((from, new_set_id, base))
                }
                FinalityAction::WakeAt(at) => assert!(at > self.now, "wake-up in the past"),
            }
        }
    }

    /// Whether `ancestor` is `descendant` or one of its ancestors, by the ground truth.
    pub fn is_ancestor_or_equal(&self, ancestor: (Hash, BlockNumber), descendant: Hash) -> bool {
        let mut current = descendant;
        loop {
            if current == ancestor.0 {
                return true;
            }
            match self.headers.get(&current) {
                Some(h) if h.number > ancestor.1 => current = h.parent_hash,
                _ => return false,
            }
        }
    }

    fn check_no_conflict(&self, block: (Hash, BlockNumber)) {
        for (voter, log) in self.finalized.iter().enumerate() {
            for other in log {
                let comparable = self.is_ancestor_or_equal(*other, block.0)
                    || self.is_ancestor_or_equal(block, other.0);
                assert!(
                    comparable,
                    "conflicting finality: {block:?} and {other:?} (finalized by voter {voter})"
                );
            }
        }
    }

    /// The highest block voter `i` finalized (genesis number 0 if none).
    pub fn finalized_number(&self, i: usize) -> u32 {
        self.finalized[i].last().map_or(0, |(_, n)| n.0)
    }

    /// The lowest finalized number among honest, existing voters in `among`.
    pub fn min_finalized(&self, among: &[usize]) -> u32 {
        among.iter().map(|&i| self.finalized_number(i)).min().unwrap_or(0)
    }

    /// Crashes voter `i` (its state is lost; the last persisted snapshot stays).
    pub fn crash(&mut self, i: usize) {
        self.voters[i] = None;
    }

    /// Restarts voter `i` from its last persisted snapshot and feeds it the chain again.
    pub fn restore(&mut self, i: usize) {
        let snapshot = self.snapshots[i].clone().expect("a persisted snapshot");
        let local = LocalVoter { index: ValidatorIndex(i as u32), pair: self.pairs[i].clone() };
        let voter =
            FinalityVoter::restore(self.config, self.set.clone(), Some(local), snapshot, self.now)
                .expect("restore");
        self.voters[i] = Some(voter);
        self.refeed(i);
    }

    /// All honest voter indices.
    pub fn honest(&self) -> Vec<usize> {
        (0..self.pairs.len()).filter(|i| !self.byzantine.contains_key(i)).collect()
    }
}
