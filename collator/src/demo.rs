//! The local demo: blocks of the token chain full of signed transfers between the dev
//! accounts, each built by the collator core in Wasm and its PoV validated by `atoll-pvf` as a
//! backer would, one line per block.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use atoll_primitives::crypto::{Pair, DEV_ACCOUNTS};
use atoll_primitives::{BlockNumber, Hash, ParaId, ValidationCode};
use atoll_pvf::{ExecutorParams, PvfConfig, PvfHost, TimeoutKind, ValidationOutcome};
use atoll_runtime_sdk::testing::sign_extrinsic;
use parity_scale_codec::Encode;
use token_chain::{balances, Balance, Call, Genesis};

use crate::{CollatorConfig, CollatorError, ParaNode};

/// Settings of the demo.
#[derive(Clone, Debug)]
pub struct DemoConfig {
    /// Blocks to build.
    pub blocks: u32,
    /// Transfers per block.
    pub transfers_per_block: u32,
    /// The PVF artifact cache directory.
    pub cache_dir: PathBuf,
    /// The para id.
    pub para_id: ParaId,
}

/// One built and validated block.
#[derive(Clone, Debug)]
pub struct DemoBlock {
    /// Its number.
    pub number: BlockNumber,
    /// Its hash (of the head data).
    pub head_hash: Hash,
    /// Transfers included.
    pub transfers: usize,
    /// Encoded PoV size in bytes.
    pub pov_bytes: usize,
    /// Time to build, in milliseconds.
    pub build_ms: f64,
    /// Time to validate in Wasm (preparation excluded), in milliseconds.
    pub validate_ms: f64,
}

/// Why the demo stopped.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The runtime was built without Wasm (`ATOLL_SKIP_WASM_BUILD`).
    #[error("token-chain was built without its Wasm runtime (ATOLL_SKIP_WASM_BUILD is set); rebuild without it")]
    NoWasm,
    /// The PVF host could not start.
    #[error("PVF host: {0}")]
    Pvf(String),
    /// The collator failed.
    #[error(transparent)]
    Collator(#[from] CollatorError),
    /// A PoV did not validate.
    #[error("block {number}: validation said {outcome}")]
    NotValid {
        /// The block.
        number: BlockNumber,
        /// What the PVF host said.
        outcome: String,
    },
    /// The validated head differs from the collator's.
    #[error("block {number}: validated head {validated} differs from the collator's {built}")]
    HeadMismatch {
        /// The block.
        number: BlockNumber,
        /// From validation.
        validated: Hash,
        /// From the collator.
        built: Hash,
    },
}

/// Runs the demo, calling `on_block` after each block. Returns the final balances.
#[allow(clippy::disallowed_methods)] // Shell: wall-clock timing of the demo's own steps.
pub fn run(
    config: &DemoConfig,
    mut on_block: impl FnMut(&DemoBlock),
) -> Result<BTreeMap<String, Balance>, DemoError> {
    if token_chain::WASM_BINARY.is_empty() {
        return Err(DemoError::NoWasm);
    }
    let pvf = Arc::new(
        PvfHost::new(PvfConfig {
            cache_dir: config.cache_dir.clone(),
            params: ExecutorParams::default(),
        })
        .map_err(|e| DemoError::Pvf(e.to_string()))?,
    );
    let code = ValidationCode(token_chain::WASM_BINARY.to_vec());
    let pairs: Vec<Pair> = DEV_ACCOUNTS.iter().map(|n| Pair::dev(n)).collect();
    let initial: Balance = 1_000_000_000;
    let genesis = Genesis::dev(initial);
    let mut collator_config = CollatorConfig::new(config.para_id);
    collator_config.max_extrinsics_per_block = config.transfers_per_block as usize;
    let mut node =
        ParaNode::genesis(collator_config, pvf.clone(), code.clone(), &genesis.encode())?;

    let mut nonces = vec![0u64; pairs.len()];
    let mut sent = 0u64;
    for _ in 0..config.blocks {
        for _ in 0..config.transfers_per_block {
            let from = (sent % pairs.len() as u64) as usize;
            let to =
                (from + 1 + (sent / pairs.len() as u64) as usize % (pairs.len() - 1)) % pairs.len();
            let call =
                Call::Transfer { dest: pairs[to].public(), amount: 1 + (sent % 10) as Balance };
            let xt = sign_extrinsic(&pairs[from], config.para_id, nonces[from], call);
            nonces[from] += 1;
            sent += 1;
            if let Err(e) = node.submit(xt) {
                tracing::warn!(target: "demo", %e, "pool refused a transfer");
            }
        }
        let relay_parent = BlockNumber(node.head().number.0 + 1);
        let started = Instant::now();
        let collation = node.build_block(relay_parent, Hash::ZERO)?;
        let build_ms = started.elapsed().as_secs_f64() * 1e3;

        let (outcome, times) =
            pvf.validate_timed(&code, &collation.validation_params(), TimeoutKind::Backing);
        let number = collation.block.header.number;
        let result = match outcome {
            ValidationOutcome::Valid(r) => r,
            other => return Err(DemoError::NotValid { number, outcome: format!("{other:?}") }),
        };
        if result.head_data != *collation.head_data() {
            return Err(DemoError::HeadMismatch {
                number,
                validated: result.head_data.hash(),
                built: collation.head_data().hash(),
            });
        }
        on_block(&DemoBlock {
            number,
            head_hash: collation.head_data().hash(),
            transfers: collation.block.extrinsics.len(),
            pov_bytes: collation.pov.encode().len(),
            build_ms,
            validate_ms: times.execute.as_secs_f64() * 1e3,
        });
    }

    let mut balances_out = BTreeMap::new();
    for (name, pair) in DEV_ACCOUNTS.iter().zip(&pairs) {
        let b = node.storage_map(&balances::FREE, &pair.public())?.unwrap_or_default();
        balances_out.insert((*name).to_string(), b);
    }
    Ok(balances_out)
}
