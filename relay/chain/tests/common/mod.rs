//! Shared helpers of the integration tests.
#![allow(dead_code)] // Each test file uses a part.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests stop loudly.

pub mod para;

use atoll_primitives::crypto::Pair;
use atoll_primitives::relay::Slot;
use atoll_primitives::{Hash, HeadData, ParaId, ValidationCode};
use atoll_relay_chain::chain_spec::testnet_genesis;
use atoll_relay_chain::testing::DevChain;
use atoll_relay_chain::{
    execute_block, extrinsics_root, queries, EventRecord, Genesis, GenesisPara, HostConfiguration,
    RelayBlock, RelayEvent, RelayExtrinsic, UNIT,
};
use atoll_trie::StateDb;

/// The first slot of every test chain: block #1's, so session 0 covers `FIRST_SLOT..+len`.
pub const FIRST_SLOT: u64 = 1_000;

/// A dev key.
pub fn dev(name: &str) -> Pair {
    Pair::dev(name)
}

/// Alice and Bob validating, every dev account funded, Alice sudo, test-network numbers but
/// short upgrade delay (3) and retention (4), and a system para 100.
pub fn genesis() -> Genesis {
    let mut genesis = testnet_genesis(&["Alice", "Bob"]);
    genesis.config = HostConfiguration {
        validation_upgrade_delay: 3,
        code_retention_period: 4,
        para_deposit: 10 * UNIT,
        ..HostConfiguration::test_network()
    };
    genesis.paras.push(GenesisPara {
        id: ParaId(100),
        head: HeadData(vec![1, 0, 0]),
        code: ValidationCode(b"\0asm system para".to_vec()),
    });
    genesis
}

/// A chain at `genesis()`.
pub fn chain() -> DevChain {
    DevChain::new(&genesis()).expect("genesis builds")
}

/// Produces a block at `slot`, asserting nothing was refused.
pub fn produce(chain: &mut DevChain, slot: u64, xts: Vec<RelayExtrinsic>) -> RelayBlock {
    let (block, refused) = chain.produce(Slot(slot), xts).expect("block authored");
    assert!(refused.is_empty(), "refused: {refused:?}");
    block
}

/// Imports `blocks` on a fresh copy of `genesis` and returns the final root.
pub fn replay(genesis: &Genesis, blocks: &[RelayBlock]) -> Hash {
    let mut fresh = DevChain::new(genesis).expect("genesis builds");
    for block in blocks {
        fresh.import(block).expect("an authored block imports");
    }
    fresh.root()
}

/// The block with another body (and the matching extrinsics root).
pub fn with_body(block: &RelayBlock, body: Vec<RelayExtrinsic>) -> RelayBlock {
    let mut header = block.header.clone();
    header.extrinsics_root = extrinsics_root(&body);
    RelayBlock { header, body }
}

/// Imports `block` on `parent` in a copy of `db`.
pub fn import_copy(
    db: &StateDb,
    parent: &atoll_primitives::relay::RelayHeader,
    block: &RelayBlock,
) -> Result<Hash, atoll_relay_chain::BlockError> {
    let mut copy = db.clone();
    execute_block(&mut copy, parent, block)
}

/// The events of the head.
pub fn events(chain: &DevChain) -> Vec<EventRecord> {
    queries::events(&chain.db, &chain.root()).expect("events readable")
}

/// The `ExtrinsicFailed` errors of the head's block.
pub fn failures(chain: &DevChain) -> Vec<atoll_relay_chain::DispatchError> {
    events(chain)
        .into_iter()
        .filter_map(|r| match r.event {
            RelayEvent::ExtrinsicFailed { error } => Some(error),
            _ => None,
        })
        .collect()
}
