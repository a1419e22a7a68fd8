//! Multi-process tests on loopback (kept few and small: CI has 2 cores): real `atoll-relay`
//! validators and `atoll-collator` collators over libp2p, sled and JSON-RPC.

use std::time::Duration;

use atoll_primitives::crypto::Pair;
use atoll_primitives::ParaId;
use atoll_relay::testnet::{
    best_number, finalized_number, header_number, para_id, wait_for, LocalNetwork, NetworkSpec,
};
use parity_scale_codec::Decode;
use serde_json::json;

fn para_finalized(net: &LocalNetwork, i: usize) -> Option<u64> {
    finalized_number(&net.collators[i])
}

/// The relay chain's record of a para's head: its number, from `paras_registered`.
fn relay_para_head_number(net: &LocalNetwork, para: u32) -> Option<u64> {
    let paras = net.validators[0].rpc("paras_registered", json!([])).ok()?;
    let head = paras.as_array()?.iter().find(|p| p["paraId"] == json!(para))?["head"]
        .as_str()?
        .to_string();
    let bytes = hex::decode(head.trim_start_matches("0x")).ok()?;
    let header = atoll_runtime_sdk::Header::decode(&mut &bytes[..]).ok()?;
    Some(header.number.0 as u64)
}

fn balance_key(who: &Pair) -> String {
    let key = token_chain::balances::FREE.storage_key(&who.public());
    format!("0x{}", hex::encode(key))
}

#[test]
fn four_validators_two_paras_include_finalize_and_serve_a_transfer() {
    let dir = tempfile::tempdir().unwrap();
    let net = LocalNetwork::start(&NetworkSpec::new(4, 2), dir.path()).unwrap();
    let fail = |what: &str, e: atoll_relay::testnet::HarnessError| -> ! {
        panic!("{what}: {e}\n{}", net.log_tails(30))
    };

    // Relay finality advances on every validator.
    for v in &net.validators {
        wait_for("relay finality on every validator", Duration::from_secs(90), || {
            finalized_number(v).filter(|n| *n >= 3)
        })
        .unwrap_or_else(|e| fail(&v.name, e));
    }
    // Both paras' heads are included and finalized.
    for i in 0..2 {
        wait_for("para head included on the relay chain", Duration::from_secs(90), || {
            relay_para_head_number(&net, para_id(i)).filter(|n| *n >= 2)
        })
        .unwrap_or_else(|e| fail("para inclusion", e));
        wait_for("para head finalized", Duration::from_secs(90), || {
            para_finalized(&net, i).filter(|n| *n >= 2)
        })
        .unwrap_or_else(|e| fail("para finality", e));
    }

    // A transfer submitted to collator 0 shows up in its state after finality.
    let (alice, ferdie) = (Pair::dev("Alice"), Pair::dev("Ferdie"));
    let c = &net.collators[0];
    let read = |at: Option<String>| -> u128 {
        let params = match at {
            Some(h) => json!([balance_key(&ferdie), h]),
            None => json!([balance_key(&ferdie)]),
        };
        let v = c.rpc("state_getStorage", params).unwrap();
        let bytes = hex::decode(v.as_str().unwrap().trim_start_matches("0x")).unwrap();
        u128::decode(&mut &bytes[..]).unwrap()
    };
    let before = read(None);
    let call = token_chain::Call::Transfer { dest: ferdie.public(), amount: 12_345 };
    let xt = atoll_runtime_sdk::testing::sign_extrinsic(&alice, ParaId(para_id(0)), 0, call);
    let hash = c.rpc("author_submitExtrinsic", json!([format!("0x{}", hex::encode(&xt))]));
    let hash = hash.unwrap_or_else(|e| fail("submit", e));
    assert!(hash.as_str().is_some_and(|h| h.starts_with("0x")), "{hash}");
    let after = wait_for("the transfer finalized in the para", Duration::from_secs(60), || {
        let fin = c.rpc("chain_getFinalizedHead", json!([])).ok()?;
        let got = read(Some(fin.as_str()?.to_string()));
        (got == before + 12_345).then_some(got)
    })
    .unwrap_or_else(|e| fail("transfer", e));
    assert_eq!(after, before + 12_345);

    // Health and metrics an operator watches.
    let (status, body) = atoll_relay::testnet::http_get(net.validators[0].rpc, "/health").unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"peers\":"), "{body}");
    let metrics = net.validators[0].metrics_text().unwrap();
    assert!(metrics.contains("substrate_block_height{"), "{metrics}");
    assert!(metrics.contains("atoll_parachain_candidates_backed_total"), "{metrics}");
    let best = best_number(&net.validators[1]).unwrap();
    assert!(best >= 3);
    let header = net.validators[1].rpc("chain_getHeader", json!([])).unwrap();
    assert!(header_number(&header).is_some());
}

/// Milliseconds in [lo, hi) from a seed printed for reproduction.
fn random_ms(rng: &mut u64, lo: u64, hi: u64) -> u64 {
    *rng ^= *rng << 13;
    *rng ^= *rng >> 7;
    *rng ^= *rng << 17;
    lo + *rng % (hi - lo)
}

#[test]
fn kill_dash_nine_of_a_validator_and_a_collator_then_restart_recovers_and_finality_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut net = LocalNetwork::start(&NetworkSpec::new(4, 2), dir.path()).unwrap();
    let mut seed = atoll_relay::clock::now_ms() | 1;
    eprintln!("kill moments seed: {seed}");
    let tails = |net: &LocalNetwork| net.log_tails(40);
    wait_for("relay finality", Duration::from_secs(90), || {
        finalized_number(&net.validators[0]).filter(|n| *n >= 3)
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", tails(&net)));
    wait_for("para 2001 finalized", Duration::from_secs(90), || {
        para_finalized(&net, 1).filter(|n| *n >= 1)
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", tails(&net)));

    for round in 0..2 {
        // Kill at random moments within a slot or two: mid-import, mid-vote, mid-write.
        std::thread::sleep(Duration::from_millis(random_ms(&mut seed, 0, 2_000)));
        net.validators[3].kill9();
        std::thread::sleep(Duration::from_millis(random_ms(&mut seed, 0, 2_000)));
        net.collators[1].kill9();
        let para_before = relay_para_head_number(&net, para_id(1)).unwrap_or(0);

        // One validator of four down is within f: finality goes on without it.
        let fin_down = finalized_number(&net.validators[0]).unwrap();
        wait_for("finality while a validator is down", Duration::from_secs(60), || {
            finalized_number(&net.validators[0]).filter(|n| *n >= fin_down + 2)
        })
        .unwrap_or_else(|e| panic!("round {round}: {e}\n{}", tails(&net)));

        net.validators[3].start().unwrap();
        net.collators[1].start().unwrap();
        // Each recovers from its database, rejoins and catches up.
        let target = finalized_number(&net.validators[0]).unwrap();
        wait_for("the restarted validator catches up", Duration::from_secs(90), || {
            finalized_number(&net.validators[3]).filter(|n| *n >= target)
        })
        .unwrap_or_else(|e| panic!("round {round}: {e}\n{}", tails(&net)));
        wait_for("the restarted collator's para advances", Duration::from_secs(90), || {
            relay_para_head_number(&net, para_id(1)).filter(|n| *n >= para_before + 2)
        })
        .unwrap_or_else(|e| panic!("round {round}: {e}\n{}", tails(&net)));
        assert!(net.validators[3].log().contains("Restored"), "{}", net.validators[3].log_tail(40));
        wait_for("the restarted collator follows finality", Duration::from_secs(60), || {
            para_finalized(&net, 1).filter(|n| *n > para_before)
        })
        .unwrap_or_else(|e| panic!("round {round}: {e}\n{}", tails(&net)));
    }
    for p in net.validators.iter_mut().chain(net.collators.iter_mut()) {
        assert!(p.is_running(), "{} died:\n{}", p.name, p.log_tail(40));
        assert!(!p.log().contains("panicked"), "{} panicked:\n{}", p.name, p.log_tail(40));
    }
}

#[test]
fn a_corrupted_database_is_refused_with_a_clear_message_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let mut net = LocalNetwork::start(&NetworkSpec::new(2, 0), dir.path()).unwrap();
    wait_for("relay finality", Duration::from_secs(60), || {
        finalized_number(&net.validators[1]).filter(|n| *n >= 2)
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", net.log_tails(30)));
    net.validators[1].kill9();
    let db = dir.path().join("validator-1/chains/atoll_testnet/db");

    // A value whose checksum fails: a flipped bit on disk.
    atoll_relay::store::corrupt_value_for_tests(&db, b"fin", &[1, 2, 3, 4, 5, 6, 7, 8]).unwrap();
    net.validators[1].start().unwrap();
    let code = net.validators[1].wait_exit(Duration::from_secs(30));
    let log = net.validators[1].log();
    assert!(code.is_some_and(|c| c != 0), "the node must stop: {code:?}\n{log}");
    assert!(
        log.contains("is corrupt") && log.contains("fin") && log.contains("refusing to start"),
        "{log}"
    );
    // Nothing was deleted to "repair" it.
    let raw = sled::open(&db).unwrap().get(b"fin").unwrap().unwrap();
    assert_eq!(&raw[..], &[1, 2, 3, 4, 5, 6, 7, 8]);
}
