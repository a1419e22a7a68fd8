//! The collation generator (the collator's protocol side): it builds on the head the relay
//! chain records, signs a descriptor that commits to the PoV, the validation data and their
//! erasure root, addresses the assigned group, and plays its two byzantine stand-ins.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests stop loudly.

use std::collections::BTreeSet;
use std::sync::Arc;

use atoll_collator::{
    CollationGenerator, CollatorBehaviour, CollatorConfig, CollatorError, ParaNode, RelayParentView,
};
use atoll_parachain_host::{erasure, HostMessage};
use atoll_primitives::crypto::Pair;
use atoll_primitives::parachain::AvailableData;
use atoll_primitives::{
    BlockNumber, Hash, HeadData, ParaId, PersistedValidationData, ValidationCode, ValidationParams,
    ValidatorIndex,
};
use atoll_pvf::{PvfConfig, PvfHost, TimeoutKind, ValidationOutcome};
use atoll_runtime_sdk::testing::sign_extrinsic;
use parity_scale_codec::Encode;

const PARA: ParaId = ParaId(2000);
const VALIDATORS: usize = 10;

fn generator(pvf: &Arc<PvfHost>) -> CollationGenerator {
    let code = ValidationCode(token_chain::WASM_BINARY.to_vec());
    let genesis = token_chain::Genesis::dev(1_000_000).encode();
    let node = ParaNode::genesis(CollatorConfig::new(PARA), pvf.clone(), code, &genesis).unwrap();
    CollationGenerator::new(node, Pair::dev("Collator"))
}

fn view(head: HeadData, number: u32) -> RelayParentView {
    let validation_data = PersistedValidationData {
        parent_head: head.clone(),
        relay_parent_number: BlockNumber(number),
        relay_parent_storage_root: Hash([number as u8; 32]),
        max_pov_size: atoll_primitives::limits::MAX_POV_SIZE,
    };
    RelayParentView {
        hash: Hash([100 + number as u8; 32]),
        number: BlockNumber(number),
        para_head: head,
        validation_data,
        code_hash: ValidationCode(token_chain::WASM_BINARY.to_vec()).hash(),
        group: vec![ValidatorIndex(3), ValidatorIndex(7)],
        n_validators: VALIDATORS,
        frozen: false,
    }
}

/// The PVF input of a collation.
fn params_of(pov: atoll_primitives::PoV, vd: &PersistedValidationData) -> ValidationParams {
    ValidationParams {
        parent_head: vd.parent_head.clone(),
        block_data: pov.block_data,
        relay_parent_number: vd.relay_parent_number,
        relay_parent_storage_root: vd.relay_parent_storage_root,
    }
}

fn new_pvf() -> (Arc<PvfHost>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (Arc::new(PvfHost::new(PvfConfig::new(dir.path())).unwrap()), dir)
}

fn collation(
    msg: &HostMessage,
) -> (atoll_primitives::CommittedCandidateReceipt, atoll_primitives::PoV, PersistedValidationData) {
    match msg {
        HostMessage::Collation { candidate, pov, validation_data, .. } => {
            (candidate.clone(), pov.clone(), validation_data.clone())
        }
        other => panic!("not a collation: {other:?}"),
    }
}

/// An honest collation: one per relay parent, to every group member, with a descriptor that
/// is signed and commits to exactly what is sent, and a PoV that validates in Wasm.
#[test]
fn an_honest_collation_commits_to_what_it_sends_and_validates() {
    let (pvf, _dir) = new_pvf();
    let mut g = generator(&pvf);
    let head = g.node().head_data();
    let v = view(head.clone(), 5);
    let sent = g.on_relay_parent(&v).unwrap();
    let to: Vec<ValidatorIndex> = sent.iter().map(|(t, _)| *t).collect();
    assert_eq!(to, v.group);
    assert_eq!(sent[0].1, sent[1].1, "every member gets the same collation");
    let (candidate, pov, validation_data) = collation(&sent[0].1);
    let d = &candidate.descriptor;
    assert!(d.check_signature());
    assert_eq!((d.para_id, d.relay_parent), (PARA, v.hash));
    assert_eq!(d.pov_hash, pov.hash());
    assert_eq!(validation_data, v.validation_data);
    assert_eq!(d.persisted_validation_data_hash, validation_data.hash());
    assert_eq!(d.para_head, candidate.commitments.head_data.hash());
    let available = AvailableData { pov: pov.clone(), validation_data: validation_data.clone() };
    assert_eq!(d.erasure_root, erasure::erasure_root(VALIDATORS, &available).unwrap());
    assert_eq!(validation_data.parent_head, head);
    let params = params_of(pov, &validation_data);
    let code = ValidationCode(token_chain::WASM_BINARY.to_vec());
    match pvf.validate(&code, &params, TimeoutKind::Backing) {
        ValidationOutcome::Valid(result) => {
            assert_eq!(result.head_data, candidate.commitments.head_data)
        }
        other => panic!("the collation does not validate: {other:?}"),
    }
    // One collation per relay parent; none for a frozen para.
    assert!(g.on_relay_parent(&v).unwrap().is_empty());
    let mut frozen = view(candidate.commitments.head_data.clone(), 6);
    frozen.frozen = true;
    assert!(g.on_relay_parent(&frozen).unwrap().is_empty());
}

/// The collator builds on the head the relay chain names: a candidate that never got included
/// leaves its head behind, and the next block builds on the recorded head again. A head it
/// never built is refused.
#[test]
fn builds_on_the_recorded_head_and_refuses_an_unknown_one() {
    let (pvf, _dir) = new_pvf();
    let mut g = generator(&pvf);
    let genesis_head = g.node().head_data();
    let first = collation(&g.on_relay_parent(&view(genesis_head.clone(), 1)).unwrap()[0].1).0;
    // Relay block 2 still records the genesis head (the first candidate was not included).
    let again = collation(&g.on_relay_parent(&view(genesis_head.clone(), 2)).unwrap()[0].1);
    assert_eq!(again.2.parent_head, genesis_head);
    assert_eq!(again.0.commitments.head_data, first.commitments.head_data);
    let unknown = HeadData(vec![1, 2, 3]);
    match g.on_relay_parent(&view(unknown, 3)) {
        Err(CollatorError::UnknownParentHead { para, .. }) => assert_eq!(para, PARA),
        other => panic!("expected UnknownParentHead, got {other:?}"),
    }
}

/// The stand-ins: an equivocating collator sends two different candidates (one per half of
/// the group); an invalid-PoV collator sends a PoV that does not execute only to its
/// colluders.
#[test]
fn byzantine_collators_equivocate_or_send_an_invalid_pov_to_colluders() {
    let (pvf, _dir) = new_pvf();
    let mut g = generator(&pvf);
    g.set_behaviour(CollatorBehaviour::EquivocatingPoVs);
    let alice = Pair::dev("Alice");
    let xt = sign_extrinsic(
        &alice,
        PARA,
        0,
        token_chain::Call::Transfer { dest: Pair::dev("Bob").public(), amount: 5 },
    );
    g.node_mut().submit(xt).unwrap();
    let sent = g.on_relay_parent(&view(g.node().head_data(), 1)).unwrap();
    let hashes: BTreeSet<_> = sent.iter().map(|(_, m)| collation(m).0.hash()).collect();
    assert_eq!(hashes.len(), 2, "two different candidates for one relay parent");

    let (pvf2, _dir2) = new_pvf();
    let mut g = generator(&pvf2);
    let colluders: BTreeSet<ValidatorIndex> = [ValidatorIndex(3), ValidatorIndex(7)].into();
    g.set_behaviour(CollatorBehaviour::InvalidPoVTo { colluders });
    let head = g.node().head_data();
    let v = view(head.clone(), 1);
    let (candidate, pov, vd) = collation(&g.on_relay_parent(&v).unwrap()[0].1);
    assert!(candidate.descriptor.check_signature());
    assert_eq!(vd.parent_head, head);
    let params = params_of(pov, &vd);
    let code = ValidationCode(token_chain::WASM_BINARY.to_vec());
    assert!(matches!(
        pvf2.validate(&code, &params, TimeoutKind::Backing),
        ValidationOutcome::Invalid(_)
    ));
    // To an honest group it behaves.
    let mut honest_group = view(g.node().head_data(), 2);
    honest_group.group = vec![ValidatorIndex(1), ValidatorIndex(2)];
    let (candidate, pov, vd) = collation(&g.on_relay_parent(&honest_group).unwrap()[0].1);
    let params = params_of(pov, &vd);
    match pvf2.validate(&code, &params, TimeoutKind::Backing) {
        ValidationOutcome::Valid(r) => assert_eq!(r.head_data, candidate.commitments.head_data),
        other => panic!("{other:?}"),
    }
}
