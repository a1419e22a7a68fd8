//! A node of the full parachain pipeline in the simulator: [`ParaSimNode`] is either a
//! validator (a relay node with its parachain host, whose "validate" requests the shell answers
//! with the real wasmtime PVF host, charging virtual time) or a collator (a following relay
//! node with a [`CollationGenerator`] building the para's blocks in Wasm).
//!
//! ## Shell rules (numbered; the code cites them)
//!
//! 1. Relay messages go to every node; host messages go to validators only (validator `i` of
//!    the session is node `i`; collators are the nodes after the validators).
//! 2. Each imported relay block becomes a [`RelayBlockInfo`](atoll_parachain_host::RelayBlockInfo) for the host (a validator) or a
//!    [`RelayParentView`] for the collator (if the block is the collator's new best).
//! 3. A block the node authors carries the host's para inherent for its parent.
//! 4. A validation request runs at once in the shared PVF host; its verdict is handed back
//!    after the charged virtual execution time ([`ExecutionCost`]), as a timer.
//! 5. Host `Revert` actions revert the relay fork (never below finality); finalized blocks are
//!    passed to the host.
//! 6. Byzantine stand-ins: a validator that backs anything (answers every validation of a
//!    candidate it has seen with the result its commitments claim, without executing), chunk
//!    withholders, never-showing checkers, false accusers (in the host), and the collator
//!    behaviours of [`CollatorBehaviour`].

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use atoll_collator::{CollationGenerator, CollatorBehaviour, RelayParentView};
use atoll_node_core::parachain::{collator_view, relay_block_info, SessionCache};
use atoll_node_core::{NetworkMessage, NodeAction, NodeEvent, PeerId, RelayNode};
use atoll_parachain_host::{
    ExecutionKind, HostAction, HostEvent, HostMessage, Misbehaviour, ParachainHost, Target,
    ValidationRequest, ValidationVerdict,
};
use atoll_primitives::{CandidateCommitments, CandidateHash, Hash, ParaId};
use atoll_pvf::{PvfHost, TimeoutKind, ValidationOutcome};
use atoll_relay_chain::RelayExtrinsic;
use parity_scale_codec::Encode;

use crate::node::{Ctx, NodeId, SimNode};

/// What pipeline nodes send each other. (Variants differ in size; the simulator shares each
/// sent message behind an `Arc`, so boxing would only add an allocation.)
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq, Encode)]
pub enum ParaSimMessage {
    /// A relay-chain message (blocks, votes, sync).
    Relay(NetworkMessage),
    /// A parachain-host message (collations, statements, chunks, bitfields, approvals,
    /// disputes).
    Host(HostMessage),
}

/// The virtual time a PVF execution costs (deterministic, so runs are reproducible).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExecutionCost {
    /// Fixed cost per execution, ms.
    pub base_ms: u64,
    /// Extra cost per KiB of PoV, µs.
    pub per_kib_us: u64,
}

impl Default for ExecutionCost {
    fn default() -> Self {
        ExecutionCost { base_ms: 20, per_kib_us: 50 }
    }
}

/// A validator's byzantine stand-in role (beyond the host's [`Misbehaviour`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ValidatorStandIn {
    /// Back (and approve) every candidate seen, without executing it.
    pub back_anything: bool,
    /// The host's misbehaviour (withholding, never showing, false accusing).
    pub host: Misbehaviour,
}

/// What a pipeline node reported, with the virtual time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParaReport {
    /// The relay node reported.
    Relay(NodeEvent),
    /// The parachain host reported.
    Host(HostEvent),
    /// A PVF execution ran (the shell's count).
    Executed {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// Backing or approval/dispute.
        kind: ExecutionKind,
        /// Valid?
        valid: bool,
    },
    /// The collator sent a collation.
    Collated {
        /// The para.
        para_id: ParaId,
        /// The relay parent.
        relay_parent: Hash,
    },
    /// The collator failed to build.
    CollatorError(String),
    /// The node penalised a peer (relay or parachain protocol).
    Penalized {
        /// The peer.
        peer: NodeId,
        /// Why.
        reason: String,
    },
}

enum Role {
    Validator { host: Box<ParachainHost>, stand_in: ValidatorStandIn },
    Collator { generator: Box<CollationGenerator> },
}

/// Timer ids: the relay node's, the host's, then one per pending verdict.
const RELAY_TIMER: u64 = 0;
const HOST_TIMER: u64 = 1;
const FIRST_VERDICT_TIMER: u64 = 2;

/// A pipeline node driven by the simulator.
pub struct ParaSimNode {
    relay: RelayNode,
    role: Role,
    pvf: Arc<PvfHost>,
    cost: ExecutionCost,
    validators: u32,
    sessions: SessionCache,
    verdicts: BTreeMap<u64, (ValidationRequest, ValidationVerdict)>,
    next_verdict_timer: u64,
    host_wakes: BTreeSet<u64>,
    seen_commitments: BTreeMap<CandidateHash, CandidateCommitments>,
    reports: Vec<(u64, ParaReport)>,
}

impl ParaSimNode {
    /// A validator.
    pub fn validator(
        relay: RelayNode,
        host: ParachainHost,
        pvf: Arc<PvfHost>,
        cost: ExecutionCost,
        validators: u32,
    ) -> Self {
        let mut relay = relay;
        relay.set_voting_rule(Arc::new(host.finality_gate()));
        Self::with_role(
            relay,
            Role::Validator { host: Box::new(host), stand_in: ValidatorStandIn::default() },
            pvf,
            cost,
            validators,
        )
    }

    /// A collator.
    pub fn collator(
        relay: RelayNode,
        generator: CollationGenerator,
        pvf: Arc<PvfHost>,
        validators: u32,
    ) -> Self {
        Self::with_role(
            relay,
            Role::Collator { generator: Box::new(generator) },
            pvf,
            ExecutionCost::default(),
            validators,
        )
    }

    fn with_role(
        relay: RelayNode,
        role: Role,
        pvf: Arc<PvfHost>,
        cost: ExecutionCost,
        validators: u32,
    ) -> Self {
        ParaSimNode {
            relay,
            role,
            pvf,
            cost,
            validators,
            sessions: SessionCache::default(),
            verdicts: BTreeMap::new(),
            next_verdict_timer: FIRST_VERDICT_TIMER,
            host_wakes: BTreeSet::new(),
            seen_commitments: BTreeMap::new(),
            reports: Vec::new(),
        }
    }

    /// The relay node.
    pub fn relay(&self) -> &RelayNode {
        &self.relay
    }

    /// The parachain host, if a validator.
    pub fn host(&self) -> Option<&ParachainHost> {
        match &self.role {
            Role::Validator { host, .. } => Some(host),
            Role::Collator { .. } => None,
        }
    }

    /// The collation generator, if a collator.
    pub fn generator(&self) -> Option<&CollationGenerator> {
        match &self.role {
            Role::Collator { generator } => Some(generator),
            Role::Validator { .. } => None,
        }
    }

    /// The collation generator, mutably (to submit transactions), if a collator.
    pub fn generator_mut(&mut self) -> Option<&mut CollationGenerator> {
        match &mut self.role {
            Role::Collator { generator } => Some(generator),
            Role::Validator { .. } => None,
        }
    }

    /// Everything it reported.
    pub fn reports(&self) -> &[(u64, ParaReport)] {
        &self.reports
    }

    /// Its stand-in role (the default for honest validators and collators).
    pub fn stand_in(&self) -> ValidatorStandIn {
        match &self.role {
            Role::Validator { stand_in, .. } => *stand_in,
            Role::Collator { .. } => ValidatorStandIn::default(),
        }
    }

    /// Makes a validator a byzantine stand-in.
    pub fn set_stand_in(&mut self, stand_in: ValidatorStandIn) {
        if let Role::Validator { host, stand_in: current } = &mut self.role {
            host.set_misbehaviour(stand_in.host);
            *current = stand_in;
        }
    }

    /// Makes a collator a byzantine stand-in.
    pub fn set_collator_behaviour(&mut self, behaviour: CollatorBehaviour) {
        if let Role::Collator { generator } = &mut self.role {
            generator.set_behaviour(behaviour);
        }
    }

    fn apply_relay(&mut self, ctx: &mut Ctx<'_, ParaSimMessage>, actions: Vec<NodeAction>) {
        let now = ctx.now_ms();
        for action in actions {
            match action {
                NodeAction::Send(peer, msg) => {
                    ctx.send(NodeId(peer.0 as u32), ParaSimMessage::Relay(msg))
                }
                NodeAction::Broadcast(msg) => ctx.broadcast(ParaSimMessage::Relay(msg)),
                NodeAction::WakeAt(at) => ctx.set_timer(at, RELAY_TIMER),
                NodeAction::Persist(batch) => ctx.store().write_batch(batch),
                NodeAction::Flush => ctx.store().flush(),
                NodeAction::Penalize { peer, reason } => self
                    .reports
                    .push((now, ParaReport::Penalized { peer: NodeId(peer.0 as u32), reason })),
                NodeAction::Event(event) => {
                    match &event {
                        NodeEvent::Imported { hash, .. } => self.on_imported(ctx, *hash),
                        NodeEvent::Finalized { hash, number } => {
                            ctx.note((b"finalized", *hash, *number));
                            if let Role::Validator { host, .. } = &mut self.role {
                                host.on_finalized(*hash, *number);
                            }
                        }
                        _ => {}
                    }
                    self.reports.push((now, ParaReport::Relay(event)));
                }
            }
        }
    }

    /// Rule 2.
    fn on_imported(&mut self, ctx: &mut Ctx<'_, ParaSimMessage>, hash: Hash) {
        let now = ctx.now_ms();
        let (Some(block), Some(header)) = (self.relay.block(&hash), self.relay.header(&hash))
        else {
            return;
        };
        match &mut self.role {
            Role::Validator { host, .. } => {
                match relay_block_info(self.relay.db(), header, block, &mut self.sessions) {
                    Ok(info) => {
                        let actions = host.on_relay_block(info, now);
                        self.apply_host(ctx, actions);
                    }
                    Err(e) => tracing::warn!(target: "sim", %hash, error = %e, "no block info"),
                }
            }
            Role::Collator { generator } => {
                if self.relay.best().0 != hash {
                    return;
                }
                let para = generator.para_id();
                let view: RelayParentView =
                    match collator_view(self.relay.db(), header, para, &mut self.sessions) {
                        Ok(Some(v)) => v,
                        Ok(None) => return,
                        Err(e) => {
                            self.reports.push((now, ParaReport::CollatorError(e.to_string())));
                            return;
                        }
                    };
                match generator.on_relay_parent(&view) {
                    Ok(messages) => {
                        if !messages.is_empty() {
                            self.reports.push((
                                now,
                                ParaReport::Collated { para_id: para, relay_parent: hash },
                            ));
                        }
                        // One multicast per distinct collation (an equivocating collator has two).
                        let mut batches: Vec<(Vec<NodeId>, HostMessage)> = Vec::new();
                        for (validator, msg) in messages {
                            match batches.iter_mut().find(|(_, m)| *m == msg) {
                                Some((to, _)) => to.push(NodeId(validator.0)),
                                None => batches.push((vec![NodeId(validator.0)], msg)),
                            }
                        }
                        for (to, msg) in batches {
                            ctx.multicast(to, ParaSimMessage::Host(msg));
                        }
                    }
                    Err(e) => self.reports.push((now, ParaReport::CollatorError(e.to_string()))),
                }
            }
        }
    }

    fn apply_host(&mut self, ctx: &mut Ctx<'_, ParaSimMessage>, actions: Vec<HostAction>) {
        let now = ctx.now_ms();
        let me = ctx.me();
        for action in actions {
            match action {
                // Rule 1.
                HostAction::Send(Target::Validator(v), msg) => {
                    ctx.send(NodeId(v.0), ParaSimMessage::Host(msg))
                }
                HostAction::Send(Target::Peer(p), msg) => {
                    ctx.send(NodeId(p.0 as u32), ParaSimMessage::Host(msg))
                }
                HostAction::Broadcast(msg) => {
                    let to = (0..self.validators).map(NodeId).filter(|v| *v != me).collect();
                    ctx.multicast(to, ParaSimMessage::Host(msg));
                }
                HostAction::Validate(request) => self.validate(ctx, request),
                HostAction::WakeAt(at) => {
                    if at > now && self.host_wakes.insert(at) {
                        ctx.set_timer(at, HOST_TIMER);
                    }
                }
                HostAction::Penalize { peer, reason } => self
                    .reports
                    .push((now, ParaReport::Penalized { peer: NodeId(peer.0 as u32), reason })),
                // Rule 5.
                HostAction::Revert { block } => {
                    let (_, actions) = self.relay.revert(&block, now);
                    self.apply_relay(ctx, actions);
                }
                // The router turns every `Check` into recovery and `Validate`; none reach here.
                HostAction::Check(_) => {}
                HostAction::Event(event) => self.reports.push((now, ParaReport::Host(event))),
            }
        }
    }

    /// Rules 4 and 6.
    fn validate(&mut self, ctx: &mut Ctx<'_, ParaSimMessage>, request: ValidationRequest) {
        let now = ctx.now_ms();
        let candidate_hash = request.candidate.hash();
        let back_anything =
            matches!(&self.role, Role::Validator { stand_in, .. } if stand_in.back_anything);
        let verdict = match (back_anything, self.seen_commitments.get(&candidate_hash)) {
            (true, Some(c)) => ValidationVerdict::Valid(c.clone().into()),
            _ => self.execute(&request),
        };
        self.reports.push((
            now,
            ParaReport::Executed {
                candidate_hash,
                kind: request.kind,
                valid: matches!(verdict, ValidationVerdict::Valid(_)),
            },
        ));
        let pov_kib = request.pov.block_data.0.len() as u64 / 1024;
        let cost = self.cost.base_ms + pov_kib * self.cost.per_kib_us / 1000;
        let timer = self.next_verdict_timer;
        self.next_verdict_timer += 1;
        self.verdicts.insert(timer, (request, verdict));
        ctx.set_timer(now + cost, timer);
    }

    fn execute(&self, request: &ValidationRequest) -> ValidationVerdict {
        let descriptor = &request.candidate.descriptor;
        let Some(parent) = self.relay.header(&descriptor.relay_parent) else {
            return ValidationVerdict::Internal(format!(
                "relay parent {} unknown",
                descriptor.relay_parent
            ));
        };
        let params = request.validation_params();
        let kind = match request.kind {
            ExecutionKind::Backing => TimeoutKind::Backing,
            ExecutionKind::Approval => TimeoutKind::Approval,
        };
        let load = || match atoll_relay_chain::code_by_hash(
            self.relay.db(),
            &parent.state_root,
            &descriptor.validation_code_hash,
        ) {
            Ok(Some(code)) => Ok(code),
            Ok(None) => Err("not in the relay parent's state".to_string()),
            Err(e) => Err(e.to_string()),
        };
        match self.pvf.validate_by_hash(descriptor.validation_code_hash, load, &params, kind) {
            ValidationOutcome::Valid(result) => ValidationVerdict::Valid(result),
            ValidationOutcome::Invalid(reason) => ValidationVerdict::Invalid(reason.to_string()),
            ValidationOutcome::Internal(e) => ValidationVerdict::Internal(e.to_string()),
        }
    }

    /// Rule 6: what a "back anything" validator learns about candidates it may be asked to
    /// vouch for.
    fn snoop(&mut self, msg: &HostMessage) {
        let committed = match msg {
            HostMessage::Collation { candidate, .. } => Some(candidate),
            HostMessage::Statement { statement, .. } => match &statement.statement {
                atoll_primitives::parachain::Statement::Seconded(c) => Some(c),
                atoll_primitives::parachain::Statement::Valid(_) => None,
            },
            _ => None,
        };
        if let Some(c) = committed {
            if self.seen_commitments.len() > 4_096 {
                self.seen_commitments.pop_first();
            }
            self.seen_commitments.insert(c.hash(), c.commitments.clone());
        }
    }
}

impl SimNode for ParaSimNode {
    type Message = ParaSimMessage;

    fn on_start(&mut self, ctx: &mut Ctx<'_, ParaSimMessage>) {
        let actions = self.relay.on_start(ctx.now_ms());
        self.apply_relay(ctx, actions);
    }

    fn on_message(
        &mut self,
        ctx: &mut Ctx<'_, ParaSimMessage>,
        from: NodeId,
        msg: &ParaSimMessage,
    ) {
        let now = ctx.now_ms();
        match msg {
            ParaSimMessage::Relay(m) => {
                let actions = self.relay.on_message(now, PeerId(from.0 as u64), m.clone());
                self.apply_relay(ctx, actions);
            }
            ParaSimMessage::Host(m) => {
                if matches!(&self.role, Role::Validator { stand_in, .. } if stand_in.back_anything)
                {
                    self.snoop(m);
                }
                if let Role::Validator { host, .. } = &mut self.role {
                    let peer = atoll_parachain_host::PeerId(from.0 as u64);
                    let actions = host.on_message(peer, m.clone(), now);
                    self.apply_host(ctx, actions);
                }
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, ParaSimMessage>, timer: u64) {
        let now = ctx.now_ms();
        match timer {
            RELAY_TIMER => {
                // Rule 3.
                let actions = match &self.role {
                    Role::Validator { host, .. } => self.relay.on_tick_with(now, |parent| {
                        let data = host.para_inherent(parent.hash());
                        vec![RelayExtrinsic::ParaInherent(data)]
                    }),
                    Role::Collator { .. } => self.relay.on_tick(now),
                };
                self.apply_relay(ctx, actions);
            }
            HOST_TIMER => {
                self.host_wakes = self.host_wakes.split_off(&(now + 1));
                if let Role::Validator { host, .. } = &mut self.role {
                    let actions = host.on_tick(now);
                    self.apply_host(ctx, actions);
                }
            }
            id => {
                let Some((request, verdict)) = self.verdicts.remove(&id) else { return };
                if let Role::Validator { host, .. } = &mut self.role {
                    let actions = host.on_validation_result(&request, verdict, now);
                    self.apply_host(ctx, actions);
                }
            }
        }
    }
}
