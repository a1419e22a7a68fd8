//! `cargo bench -p atoll-pvf`: `validate_block` of a 1,000-transfer token-chain block, in Wasm
//! (wasmtime, epoch interruption on) against the same runtime compiled natively, side by side
//! in one run; compilation against loading the cached artifact; and the block's signature
//! checks against a native batch verification of the same 1,000 signatures.
//!
//! Prints a table and the headline figures as `BENCH <name> <value> <unit>` lines.

#![allow(clippy::disallowed_methods)] // A benchmark measures wall-clock time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Bench setup: fail loudly.
#![allow(missing_docs)]

use std::time::{Duration, Instant};

use atoll_primitives::crypto::{verify_batch, Pair};
use atoll_primitives::host_abi::EXTRINSIC_SIGNING_CONTEXT;
use atoll_primitives::{blake2_256, BlockNumber, ParaId, ValidationCode, ValidationParams};
use atoll_pvf::{ExecutorParams, PvfConfig, PvfHost, TimeoutKind, ValidationOutcome};
use atoll_runtime_sdk::testing::{validate_block_native, NativeChain};
use atoll_runtime_sdk::{signing_payload, ParachainBlockData, SignedExtrinsic};
use parity_scale_codec::Decode;
use token_chain::{Call, Genesis, TokenChain};

const TRANSFERS: usize = 1_000;
const RUNS: usize = 30;
const PARA: ParaId = ParaId(1000);

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn host(dir: &std::path::Path) -> PvfHost {
    PvfHost::new(PvfConfig { cache_dir: dir.into(), params: ExecutorParams::default() })
        .expect("pvf host")
}

fn main() {
    assert!(!token_chain::WASM_BINARY.is_empty(), "token-chain Wasm missing");
    let code = ValidationCode(token_chain::WASM_BINARY.to_vec());

    // A block of 1,000 transfers between 1,000 distinct funded accounts.
    let pairs: Vec<Pair> =
        (0..TRANSFERS as u32).map(|i| Pair::from_seed(&blake2_256(&i.to_le_bytes()))).collect();
    let genesis = Genesis { balances: pairs.iter().map(|p| (p.public(), 1_000_000)).collect() };
    let mut chain = NativeChain::<TokenChain>::new(PARA, genesis);
    let xts: Vec<Vec<u8>> = (0..TRANSFERS)
        .map(|i| {
            let dest = pairs[(i + 1) % TRANSFERS].public();
            chain.sign(&pairs[i], 0, Call::Transfer { dest, amount: 1 + i as u128 })
        })
        .collect();
    let built = chain.build_block(xts, BlockNumber(1));
    assert!(built.refused.is_empty());
    let params: ValidationParams = built.validation_params();
    let pov_kib = params.block_data.0.len() as f64 / 1024.0;

    // Compile: fresh hosts over empty cache directories.
    let mut compile = Vec::new();
    for _ in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let h = host(dir.path());
        let t = Instant::now();
        h.prepare(&code).expect("prepares");
        compile.push(t.elapsed());
    }
    // Load: fresh hosts over a warm cache directory.
    let warm = tempfile::tempdir().unwrap();
    host(warm.path()).prepare(&code).expect("prepares");
    let mut load = Vec::new();
    let mut prepare_total = Vec::new();
    for _ in 0..10 {
        let h = host(warm.path());
        let t = Instant::now();
        let artifact = h.prepare(&code).expect("loads");
        prepare_total.push(t.elapsed());
        // Read + checksum + map + interface check: the artifact load itself.
        load.push(artifact.preparation_time());
        assert_eq!(h.stats().compilations, 0, "a warm cache must not compile");
    }

    // Wasm vs native, interleaved so both see the same machine state.
    let h = host(warm.path());
    let expected = validate_block_native::<TokenChain>(&params).expect("native valid");
    let mut wasm = Vec::new();
    let mut wasm_total = Vec::new();
    let mut native = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let (outcome, times) = h.validate_timed(&code, &params, TimeoutKind::Backing);
        wasm_total.push(t.elapsed());
        match outcome {
            ValidationOutcome::Valid(r) => assert_eq!(r, expected),
            other => panic!("wasm: {other:?}"),
        }
        wasm.push(times.execute);
        let t = Instant::now();
        let r = validate_block_native::<TokenChain>(&params).expect("native valid");
        native.push(t.elapsed());
        assert_eq!(r, expected);
    }

    // The block's signature checks alone, natively, as one batch.
    let data = ParachainBlockData::decode(&mut &params.block_data.0[..]).unwrap();
    let items: Vec<_> = data
        .block
        .extrinsics
        .iter()
        .map(|b| {
            let xt = SignedExtrinsic::<Call>::decode(&mut &b[..]).unwrap();
            (xt.signer, signing_payload(PARA, xt.nonce, &xt.call), xt.signature)
        })
        .collect();
    let mut batch = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        assert!(verify_batch(EXTRINSIC_SIGNING_CONTEXT, &items));
        batch.push(t.elapsed());
    }

    let (compile, load, prepare_total, wasm, wasm_total, native, batch) = (
        median(compile),
        median(load),
        median(prepare_total),
        median(wasm),
        median(wasm_total),
        median(native),
        median(batch),
    );
    let ratio = wasm.as_secs_f64() / native.as_secs_f64();
    println!("validate_block of a {TRANSFERS}-transfer token-chain block (PoV {pov_kib:.1} KiB), medians of {RUNS} runs");
    println!("{:<44} {:>10}", "what", "ms");
    println!("{:<44} {:>10.3}", "wasm execute (epoch interruption on)", ms(wasm));
    println!("{:<44} {:>10.3}", "wasm prepare+instantiate+execute (warm)", ms(wasm_total));
    println!("{:<44} {:>10.3}", "native (same runtime, same PoV)", ms(native));
    println!("{:<44} {:>10.3}", "native batch verify of the 1,000 signatures", ms(batch));
    println!("{:<44} {:>10.3}", "compile (fresh cache)", ms(compile));
    println!("{:<44} {:>10.3}", "load artifact from disk cache", ms(load));
    println!("{:<44} {:>10.3}", "prepare on a new host (code hash + load)", ms(prepare_total));
    println!(
        "wasm / native: {ratio:.3}x; block / batch verify: {:.2}x",
        wasm.as_secs_f64() / batch.as_secs_f64()
    );
    println!("BENCH pvf.wasm_over_native {ratio:.3} ratio");
    println!("BENCH pvf.compile_ms {:.2} ms", ms(compile));
    println!("BENCH pvf.artifact_load_ms {:.3} ms", ms(load));
    println!("BENCH pvf.block_1000_transfers_ms {:.3} ms", ms(wasm));
    println!(
        "BENCH pvf.block_over_batch_verify {:.3} ratio",
        wasm.as_secs_f64() / batch.as_secs_f64()
    );
}
