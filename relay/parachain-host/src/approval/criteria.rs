//! Rules 1 to 3 of approval voting: the two VRF criteria that assign checkers, making a
//! certificate when we trigger, and checking the certificates of others.

use std::collections::BTreeMap;

use atoll_primitives::crypto::{vrf_verify, Pair};
use atoll_primitives::parachain::{AssignmentCert, AssignmentKind, ASSIGNMENT_VRF_CONTEXT};
use atoll_primitives::{CoreIndex, Sr25519Public, ValidatorIndex};
use parity_scale_codec::Encode;

use super::ApprovalError;
use crate::view::SessionInfo;

/// Rule 1: the VRF input of modulo sample `sample`: `(story, b"modulo", sample)`, SCALE.
pub(super) fn modulo_input(story: &[u8; 32], sample: u32) -> Vec<u8> {
    (story, b"modulo", sample).encode()
}

/// Rule 2: the VRF input of the delay criterion of `core`: `(story, b"delay", core)`, SCALE.
pub(super) fn delay_input(story: &[u8; 32], core: CoreIndex) -> Vec<u8> {
    (story, b"delay", core).encode()
}

/// The VRF input of a certificate's kind.
pub(super) fn input_of(story: &[u8; 32], kind: &AssignmentKind) -> Vec<u8> {
    match kind {
        AssignmentKind::RelayVrfModulo { sample } => modulo_input(story, *sample),
        AssignmentKind::RelayVrfDelay { core } => delay_input(story, *core),
    }
}

/// The first four bytes of VRF randomness as a little-endian `u32`.
fn u32_of(randomness: &[u8; 32]) -> u32 {
    u32::from_le_bytes([randomness[0], randomness[1], randomness[2], randomness[3]])
}

/// Rule 1: the core a modulo sample picks (`None` without cores).
pub(super) fn modulo_core(randomness: &[u8; 32], n_cores: u32) -> Option<CoreIndex> {
    (n_cores > 0).then(|| CoreIndex(u32_of(randomness) % n_cores))
}

/// Rule 2: the tranche a delay VRF gives (`n_delay_tranches` of 0 counts as 1).
pub(super) fn delay_tranche(randomness: &[u8; 32], n_delay_tranches: u32) -> u32 {
    u32_of(randomness) % n_delay_tranches.max(1)
}

/// One candidate of a block as the criteria see it.
pub(super) struct CriteriaCandidate<'a> {
    /// The core it was included from.
    pub core: CoreIndex,
    /// Its backing group's members, who get no assignment.
    pub backers: &'a [ValidatorIndex],
}

/// Our assignment to one candidate: the criterion and the tranche it gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Criterion {
    /// The criterion (the certificate's kind).
    pub kind: AssignmentKind,
    /// The tranche.
    pub tranche: u32,
}

/// Rules 1 to 3: our assignment (if any) to each candidate of a block, in candidate order,
/// decided with the cheap VRF randomness (no proof is made here).
pub(super) fn our_assignments(
    pair: &Pair,
    us: ValidatorIndex,
    story: &[u8; 32],
    session: &SessionInfo,
    candidates: &[CriteriaCandidate<'_>],
) -> Vec<Option<Criterion>> {
    let mut out: Vec<Option<Criterion>> = vec![None; candidates.len()];
    // Rule 1: tranche 0 by modulo samples; the first sample that hits a core counts.
    for sample in 0..session.relay_vrf_modulo_samples {
        let randomness = pair.vrf_randomness(ASSIGNMENT_VRF_CONTEXT, &modulo_input(story, sample));
        let Some(core) = modulo_core(&randomness, session.n_cores) else { break };
        for (i, c) in candidates.iter().enumerate() {
            if c.core == core && !c.backers.contains(&us) && out[i].is_none() {
                out[i] =
                    Some(Criterion { kind: AssignmentKind::RelayVrfModulo { sample }, tranche: 0 });
            }
        }
    }
    // Rule 2: a delay tranche per candidate's core (one VRF per distinct core).
    let mut by_core: BTreeMap<CoreIndex, u32> = BTreeMap::new();
    for (i, c) in candidates.iter().enumerate() {
        if c.backers.contains(&us) {
            continue; // Rule 3: backers do not check.
        }
        let tranche = *by_core.entry(c.core).or_insert_with(|| {
            let randomness =
                pair.vrf_randomness(ASSIGNMENT_VRF_CONTEXT, &delay_input(story, c.core));
            delay_tranche(&randomness, session.n_delay_tranches)
        });
        // Rule 2: the tranche is the minimum over the criteria (modulo wins ties).
        if out[i].is_none_or(|current| tranche < current.tranche) {
            out[i] =
                Some(Criterion { kind: AssignmentKind::RelayVrfDelay { core: c.core }, tranche });
        }
    }
    out
}

/// Rule 5: the certificate proving a criterion (the expensive VRF with its proof).
pub(super) fn make_cert(pair: &Pair, story: &[u8; 32], kind: AssignmentKind) -> AssignmentCert {
    let vrf = pair.vrf_sign(ASSIGNMENT_VRF_CONTEXT, &input_of(story, &kind));
    AssignmentCert { kind, vrf_output: vrf.output, vrf_proof: vrf.proof }
}

/// Rule 7: checks that `cert` proves `validator` (with key `public`) is assigned, in `tranche`,
/// to the candidate on `core` of a block with approval story `story`.
pub(super) fn check_cert(
    public: &Sr25519Public,
    validator: ValidatorIndex,
    story: &[u8; 32],
    session: &SessionInfo,
    core: CoreIndex,
    cert: &AssignmentCert,
    tranche: u32,
) -> Result<(), ApprovalError> {
    let input = input_of(story, &cert.kind);
    match cert.kind {
        AssignmentKind::RelayVrfModulo { sample } => {
            if sample >= session.relay_vrf_modulo_samples {
                return Err(ApprovalError::SampleOutOfRange {
                    validator,
                    sample,
                    samples: session.relay_vrf_modulo_samples,
                });
            }
            let randomness = verify_cert(public, &input, cert, validator)?;
            let picked = modulo_core(&randomness, session.n_cores);
            if picked != Some(core) {
                return Err(ApprovalError::WrongCore { validator, claimed: core, picked });
            }
            if tranche != 0 {
                return Err(ApprovalError::WrongTranche {
                    validator,
                    claimed: tranche,
                    expected: 0,
                });
            }
        }
        AssignmentKind::RelayVrfDelay { core: claimed } => {
            if claimed != core {
                return Err(ApprovalError::WrongCore { validator, claimed, picked: Some(core) });
            }
            let randomness = verify_cert(public, &input, cert, validator)?;
            let expected = delay_tranche(&randomness, session.n_delay_tranches);
            if tranche != expected {
                return Err(ApprovalError::WrongTranche { validator, claimed: tranche, expected });
            }
        }
    }
    Ok(())
}

/// The randomness of `cert`'s VRF by `public` on `input`, or `BadVrf`.
fn verify_cert(
    public: &Sr25519Public,
    input: &[u8],
    cert: &AssignmentCert,
    validator: ValidatorIndex,
) -> Result<[u8; 32], ApprovalError> {
    vrf_verify(public, ASSIGNMENT_VRF_CONTEXT, input, &cert.vrf_output, &cert.vrf_proof)
        .ok_or(ApprovalError::BadVrf { validator })
}
