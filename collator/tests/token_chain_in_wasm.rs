//! The foundation end to end: the collator core builds token-chain blocks by running the
//! runtime in Wasm, and `atoll-pvf` validates every PoV in Wasm as a backer would. Tampered
//! PoVs are `Invalid` with a specific reason (never `Internal`, never a host panic).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests stop loudly.

use std::sync::Arc;

use atoll_collator::{Collation, CollatorConfig, ParaNode};
use atoll_primitives::crypto::{Pair, DEV_ACCOUNTS};
use atoll_primitives::{BlockData, BlockNumber, Hash, ParaId, ValidationCode, ValidationParams};
use atoll_pvf::{
    ExecutorParams, InvalidReason, PvfConfig, PvfHost, TimeoutKind, ValidationOutcome,
};
use atoll_runtime_sdk::testing::{sign_extrinsic, validate_block_native};
use atoll_runtime_sdk::{ParachainBlockData, SignedExtrinsic};
use parity_scale_codec::{Decode, Encode};
use token_chain::{balances, Balance, Call, Genesis, TokenChain};

const PARA: ParaId = ParaId(1000);
const INITIAL: Balance = 1_000_000;

struct Setup {
    pvf: Arc<PvfHost>,
    code: ValidationCode,
    node: ParaNode,
    pairs: Vec<Pair>,
    nonces: Vec<u64>,
    _cache: tempfile::TempDir,
}

fn setup() -> Setup {
    assert!(!token_chain::WASM_BINARY.is_empty(), "the token-chain Wasm was not built");
    let cache = tempfile::tempdir().expect("temp dir");
    let pvf = Arc::new(
        PvfHost::new(PvfConfig {
            cache_dir: cache.path().into(),
            params: ExecutorParams::default(),
        })
        .expect("pvf host"),
    );
    let code = ValidationCode(token_chain::WASM_BINARY.to_vec());
    let node = ParaNode::genesis(
        CollatorConfig::new(PARA),
        pvf.clone(),
        code.clone(),
        &Genesis::dev(INITIAL).encode(),
    )
    .expect("genesis in wasm");
    let pairs: Vec<Pair> = DEV_ACCOUNTS.iter().map(|n| Pair::dev(n)).collect();
    let nonces = vec![0; pairs.len()];
    Setup { pvf, code, node, pairs, nonces, _cache: cache }
}

impl Setup {
    /// Submits `n` transfers round-robin over the dev accounts; returns each account's expected
    /// balance change.
    fn submit_transfers(&mut self, n: usize, seed: u64) -> Vec<i128> {
        let mut delta = vec![0i128; self.pairs.len()];
        for i in 0..n as u64 {
            let from = ((i + seed) % self.pairs.len() as u64) as usize;
            let to = (from + 1 + (i as usize % (self.pairs.len() - 1))) % self.pairs.len();
            let amount = 1 + ((i * 7 + seed) % 50) as Balance;
            let call = Call::Transfer { dest: self.pairs[to].public(), amount };
            let xt = sign_extrinsic(&self.pairs[from], PARA, self.nonces[from], call);
            self.nonces[from] += 1;
            self.node.submit(xt).expect("pool accepts");
            delta[from] -= amount as i128;
            delta[to] += amount as i128;
        }
        delta
    }

    fn build(&mut self, relay_parent: u32) -> Collation {
        self.node.build_block(BlockNumber(relay_parent), Hash([7; 32])).expect("block builds")
    }

    fn validate(&self, params: &ValidationParams) -> ValidationOutcome {
        self.pvf.validate(&self.code, params, TimeoutKind::Backing)
    }

    fn balance(&self, i: usize) -> Balance {
        self.node
            .storage_map(&balances::FREE, &self.pairs[i].public())
            .expect("state readable")
            .unwrap_or_default()
    }
}

fn invalid_reason(outcome: ValidationOutcome) -> InvalidReason {
    match outcome {
        ValidationOutcome::Invalid(reason) => reason,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn panic_message(outcome: ValidationOutcome) -> String {
    match invalid_reason(outcome) {
        InvalidReason::RuntimePanic(msg) => msg,
        other => panic!("expected a runtime panic with a message, got {other:?}"),
    }
}

fn with_block_data(
    params: &ValidationParams,
    f: impl FnOnce(&mut ParachainBlockData),
) -> ValidationParams {
    let mut data = ParachainBlockData::decode(&mut &params.block_data.0[..]).expect("decodes");
    f(&mut data);
    ValidationParams { block_data: BlockData(data.encode()), ..params.clone() }
}

/// Ten consecutive blocks of 100 signed transfers each, built in Wasm by the collator core and
/// validated in Wasm by `atoll-pvf`: every validated head equals the collator's, native
/// validation agrees, and the balances are exactly the expected ones.
#[test]
fn ten_blocks_of_100_transfers_build_and_validate_in_wasm() {
    let mut s = setup();
    let mut expected: Vec<i128> = vec![INITIAL as i128; s.pairs.len()];
    for block in 0..10u32 {
        let delta = s.submit_transfers(100, block as u64);
        let collation = s.build(block + 1);
        assert_eq!(collation.block.extrinsics.len(), 100, "block {block}: {:?}", collation.refused);
        assert!(collation.refused.is_empty());
        let params = collation.validation_params();
        match s.validate(&params) {
            ValidationOutcome::Valid(result) => {
                assert_eq!(&result.head_data, collation.head_data(), "block {block}: head");
                assert!(collation.commitments.matches(&result), "block {block}: commitments");
            }
            other => panic!("block {block}: expected Valid, got {other:?}"),
        }
        let native = validate_block_native::<TokenChain>(&params).expect("native agrees");
        assert_eq!(&native.head_data, collation.head_data());
        for (e, d) in expected.iter_mut().zip(delta) {
            *e += d;
        }
    }
    assert_eq!(s.node.head().number, BlockNumber(10));
    for (i, e) in expected.iter().enumerate() {
        assert_eq!(s.balance(i) as i128, *e, "balance of {}", DEV_ACCOUNTS[i]);
    }
    assert_eq!(expected.iter().sum::<i128>(), INITIAL as i128 * 6, "supply conserved");
    let stats = s.pvf.stats();
    assert_eq!(stats.compilations, 1, "compiled once per code hash: {stats:?}");
}

/// Every kind of tampering is `Invalid` with its own reason, the untampered PoV stays valid
/// after each, and nothing is `Internal`.
#[test]
fn tampered_povs_are_invalid_with_a_specific_reason() {
    let mut s = setup();
    s.submit_transfers(20, 0);
    let collation = s.build(1);
    let good = collation.validation_params();
    assert!(s.validate(&good).is_valid());

    // A changed transfer (amount edited, signature left as it was).
    let changed = with_block_data(&good, |d| {
        let mut xt: SignedExtrinsic<Call> =
            Decode::decode(&mut &d.block.extrinsics[3][..]).expect("extrinsic");
        let Call::Transfer { amount, .. } = &mut xt.call;
        *amount += 1_000;
        d.block.extrinsics[3] = xt.encode();
    });
    let msg = panic_message(s.validate(&changed));
    assert!(msg.contains("bad signature"), "{msg}");

    // A changed transfer, properly re-signed by its sender: the header's roots no longer match.
    let resigned = with_block_data(&good, |d| {
        let xt: SignedExtrinsic<Call> =
            Decode::decode(&mut &d.block.extrinsics[3][..]).expect("extrinsic");
        let signer = s.pairs.iter().find(|p| p.public() == xt.signer).expect("dev signer");
        let Call::Transfer { dest, amount } = xt.call;
        d.block.extrinsics[3] =
            sign_extrinsic(signer, PARA, xt.nonce, Call::Transfer { dest, amount: amount + 1 });
    });
    let msg = panic_message(s.validate(&resigned));
    assert!(msg.contains("extrinsics root mismatch"), "{msg}");

    // A bad signature.
    let bad_sig = with_block_data(&good, |d| {
        let xt = &mut d.block.extrinsics[0];
        let last = xt.len() - 1;
        xt[last] ^= 0x01;
    });
    let msg = panic_message(s.validate(&bad_sig));
    assert!(msg.contains("bad signature"), "{msg}");

    // A removed proof node (each one in turn would do; take the middle one).
    let removed = with_block_data(&good, |d| {
        let mid = d.proof.len() / 2;
        d.proof.remove_node(mid);
    });
    let msg = panic_message(s.validate(&removed));
    assert!(msg.contains("storage proof"), "{msg}");

    // A wrong parent head.
    let mut wrong_parent = good.clone();
    wrong_parent.parent_head.0[0] ^= 0x01;
    let msg = panic_message(s.validate(&wrong_parent));
    assert!(msg.contains("parent head mismatch"), "{msg}");

    // Trailing bytes after the block data.
    let mut trailing = good.clone();
    trailing.block_data.0.push(0);
    let msg = panic_message(s.validate(&trailing));
    assert!(msg.contains("PoV does not decode") && msg.contains("trailing"), "{msg}");

    // A PoV above the size limit is refused before execution.
    let max = s.pvf.params().max_pov_size as usize;
    let mut oversize = good.clone();
    oversize.block_data.0.resize(max + 1, 0);
    assert!(matches!(
        invalid_reason(s.validate(&oversize)),
        InvalidReason::PoVTooLarge { size, .. } if size == max + 1
    ));

    // The host stays usable and the honest PoV is still valid.
    assert!(s.validate(&good).is_valid());
}

/// Every single proof node removed in turn gives `Invalid`, never `Internal` or a panic.
#[test]
fn removing_any_proof_node_is_invalid() {
    let mut s = setup();
    s.submit_transfers(6, 1);
    let good = s.build(1).validation_params();
    let data = ParachainBlockData::decode(&mut &good.block_data.0[..]).expect("decodes");
    for i in 0..data.proof.len() {
        let tampered = with_block_data(&good, |d| {
            d.proof.remove_node(i);
        });
        let outcome = s.validate(&tampered);
        assert!(
            matches!(outcome, ValidationOutcome::Invalid(InvalidReason::RuntimePanic(_))),
            "node {i}: {outcome:?}"
        );
    }
}

/// A second host over the same artifact cache validates without compiling.
#[test]
fn second_host_reuses_the_compiled_artifact() {
    let mut s = setup();
    s.submit_transfers(3, 0);
    let params = s.build(1).validation_params();
    let second = PvfHost::new(PvfConfig {
        cache_dir: s._cache.path().into(),
        params: ExecutorParams::default(),
    })
    .expect("second host");
    assert!(second.validate(&s.code, &params, TimeoutKind::Approval).is_valid());
    let stats = second.stats();
    assert_eq!(stats.compilations, 0, "{stats:?}");
    assert_eq!(stats.disk_cache_hits, 1, "{stats:?}");
}
