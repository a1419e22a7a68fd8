//! Every instruction: its happy path and its errors.

use atoll_xcm::executor::{TrapTicket, XcmEvent};
use atoll_xcm::testing::{ReceivedResponse, ALICE, BOB, FAILING_CALL, FEE_COLLECTOR};
use atoll_xcm::{
    sovereign_account, AssetFilter, Instruction, Junction, Location, OriginKind, QueryResponseInfo,
    Response, WildAsset, Xcm, XcmError,
};

use crate::common::*;

fn info() -> QueryResponseInfo {
    QueryResponseInfo { destination: Location::sibling(SIBLING), query_id: 42, max_weight: 1_000 }
}

#[test]
fn withdraw_then_deposit_moves_between_accounts() {
    let mut env = env();
    let outcome = env.execute(
        alice(),
        msg(vec![
            Instruction::WithdrawAsset(assets(&[(native(), 100), (sib(), 10)])),
            Instruction::DepositAsset { assets: all(), beneficiary: bob() },
        ]),
        NOW,
        LIMIT,
    );
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(outcome.weight_used, 20);
    assert_eq!(env.state.balance(&native(), &alice()), 999_900);
    assert_eq!(env.state.balance(&native(), &bob()), 100);
    assert_eq!(env.state.balance(&sib(), &bob()), 10);
    assert_eq!(outcome.events, vec![XcmEvent::Executed { topic: None }]);
    assert!(outcome.sent.is_empty());
}

#[test]
fn withdraw_is_all_or_nothing() {
    let mut env = env();
    // Enough native, not enough of the sibling's token: the native withdrawal is undone.
    let outcome = env.execute(
        alice(),
        msg(vec![Instruction::WithdrawAsset(assets(&[(native(), 100), (sib(), 5_000)]))]),
        NOW,
        LIMIT,
    );
    assert_eq!(failure(&outcome), (0, XcmError::InsufficientBalance { asset: sib() }));
    assert_eq!(env.state.balance(&native(), &alice()), 1_000_000);
    assert!(env.state.trapped.is_empty(), "nothing reached holding");
}

#[test]
fn instructions_needing_an_origin_fail_after_clear_origin() {
    let needing_origin = vec![
        Instruction::WithdrawAsset(assets(&[(native(), 1)])),
        Instruction::ReserveAssetDeposited(assets(&[(relay(), 1)])),
        Instruction::ReceiveTeleportedAsset(assets(&[(relay(), 1)])),
        Instruction::QueryResponse { query_id: 1, response: Response::Null, querier: None },
        Instruction::TransferReserveAsset {
            assets: assets(&[(native(), 1)]),
            dest: Location::sibling(OTHER),
            xcm: Xcm::new(),
        },
        Instruction::Transact {
            origin_kind: OriginKind::Native,
            require_weight_at_most: 1,
            call: vec![],
        },
        Instruction::ClaimAsset { assets: assets(&[(native(), 1)]), ticket: Location::here() },
    ];
    for instruction in needing_origin {
        let mut env = env();
        let outcome = env.execute(
            alice(),
            msg(vec![Instruction::ClearOrigin, instruction.clone()]),
            NOW,
            LIMIT,
        );
        assert_eq!(failure(&outcome), (1, XcmError::BadOrigin), "{instruction:?}");
    }
}

#[test]
fn deposit_to_a_location_without_an_account_keeps_the_assets() {
    let mut env = env();
    let outcome = env.execute(
        alice(),
        msg(vec![
            Instruction::WithdrawAsset(assets(&[(native(), 100)])),
            Instruction::DepositAsset { assets: all(), beneficiary: Location::here() },
        ]),
        NOW,
        LIMIT,
    );
    assert_eq!(failure(&outcome), (1, XcmError::LocationCannotHold));
    let trapped = assets(&[(native(), 100)]);
    let ticket = TrapTicket::new(&alice(), &trapped);
    assert!(outcome.events.contains(&XcmEvent::AssetsTrapped {
        origin: alice(),
        assets: trapped,
        ticket
    }));
    assert_eq!(env.state.total_trapped(&native()), 100);
}

#[test]
fn reserve_asset_deposited_needs_a_trusted_reserve() {
    let mut env = env();
    let program = |id, amount| {
        msg(vec![
            Instruction::ReserveAssetDeposited(assets(&[(id, amount)])),
            Instruction::ClearOrigin,
            Instruction::DepositAsset { assets: all(), beneficiary: bob() },
        ])
    };
    let outcome = env.execute(Location::parent(), program(relay(), 500), NOW, LIMIT);
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(env.state.balance(&relay(), &bob()), 500);
    assert_eq!(
        outcome.events[0],
        XcmEvent::AssetsReceived { origin: Location::parent(), assets: assets(&[(relay(), 500)]) }
    );
    let outcome = env.execute(Location::sibling(SIBLING), program(sib(), 5), NOW, LIMIT);
    assert_eq!(outcome.result, Ok(()));
    // The relay token from a sibling, the sibling's token from the relay: refused, nothing minted.
    let outcome = env.execute(Location::sibling(OTHER), program(relay(), 5), NOW, LIMIT);
    assert_eq!(failure(&outcome), (0, XcmError::UntrustedReserveLocation { asset: relay() }));
    let outcome = env.execute(Location::parent(), program(sib(), 5), NOW, LIMIT);
    assert_eq!(failure(&outcome), (0, XcmError::UntrustedReserveLocation { asset: sib() }));
    assert_eq!(env.state.balance(&relay(), &bob()), 500);
    assert!(env.state.trapped.is_empty());
}

#[test]
fn receive_teleported_asset_needs_a_trusted_teleporter() {
    let mut env = env();
    let program = msg(vec![
        Instruction::ReceiveTeleportedAsset(assets(&[(relay(), 70)])),
        Instruction::DepositAsset { assets: all(), beneficiary: bob() },
    ]);
    let outcome = env.execute(Location::parent(), program.clone(), NOW, LIMIT);
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(env.state.balance(&relay(), &bob()), 70);
    let outcome = env.execute(Location::sibling(SIBLING), program, NOW, LIMIT);
    assert_eq!(failure(&outcome), (0, XcmError::UntrustedTeleportLocation { asset: relay() }));
}

#[test]
fn query_response_goes_to_the_handler_when_awaited() {
    let mut env = env();
    env.state.expect_query(Location::parent(), 7);
    let response = |query_id| {
        msg(vec![Instruction::QueryResponse {
            query_id,
            response: Response::Null,
            querier: Some(alice()),
        }])
    };
    // From the wrong responder, or with another id: unexpected.
    let outcome = env.execute(Location::sibling(SIBLING), response(7), NOW, LIMIT);
    assert_eq!(failure(&outcome), (0, XcmError::UnexpectedResponse { query_id: 7 }));
    let outcome = env.execute(Location::parent(), response(8), NOW, LIMIT);
    assert_eq!(failure(&outcome), (0, XcmError::UnexpectedResponse { query_id: 8 }));
    let outcome = env.execute(Location::parent(), response(7), NOW, LIMIT);
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(outcome.events[0], XcmEvent::ResponseReceived { query_id: 7 });
    assert_eq!(
        env.state.responses,
        vec![ReceivedResponse {
            origin: Location::parent(),
            query_id: 7,
            querier: Some(alice()),
            response: Response::Null,
        }]
    );
    // Taken once.
    let outcome = env.execute(Location::parent(), response(7), NOW, LIMIT);
    assert_eq!(failure(&outcome), (0, XcmError::UnexpectedResponse { query_id: 7 }));
}

#[test]
fn transfer_reserve_asset_moves_into_the_sovereign_account_and_announces() {
    let mut env = env();
    let beneficiary = Location::account(BOB);
    let outcome = env.execute(
        alice(),
        msg(vec![
            Instruction::TransferReserveAsset {
                assets: assets(&[(native(), 100)]),
                dest: Location::sibling(OTHER),
                xcm: Xcm(vec![Instruction::DepositAsset {
                    assets: all(),
                    beneficiary: beneficiary.clone(),
                }]),
            },
            Instruction::SetTopic([5; 32]),
        ]),
        NOW,
        LIMIT,
    );
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(env.state.balance(&native(), &alice()), 999_900);
    assert_eq!(env.state.balance(&native(), &Location::sibling(OTHER)), 100);
    assert_eq!(outcome.sent.len(), 1);
    let (dest, sent) = &outcome.sent[0];
    assert_eq!(dest, &Location::sibling(OTHER));
    assert_eq!(
        programme(sent),
        &[
            Instruction::ReserveAssetDeposited(assets(&[(
                atoll_xcm::AssetId(Location::sibling(OUR_PARA)),
                100
            )])),
            Instruction::ClearOrigin,
            Instruction::DepositAsset { assets: all(), beneficiary },
            Instruction::SetTopic([5; 32]),
        ]
    );
    assert_eq!(
        outcome.events[0],
        XcmEvent::MessageSent { dest: Location::sibling(OTHER), topic: Some([5; 32]) }
    );
}

#[test]
fn transfer_reserve_asset_errors_move_nothing() {
    let mut env = env();
    let transfer = |amount, dest| {
        msg(vec![Instruction::TransferReserveAsset {
            assets: assets(&[(native(), amount)]),
            dest,
            xcm: Xcm::new(),
        }])
    };
    let outcome = env.execute(alice(), transfer(2_000_000, Location::sibling(OTHER)), NOW, LIMIT);
    assert_eq!(failure(&outcome), (0, XcmError::InsufficientBalance { asset: native() }));
    let outcome = env.execute(alice(), transfer(1, Location::new(3, []).unwrap()), NOW, LIMIT);
    assert_eq!(failure(&outcome), (0, XcmError::ReanchorFailed));
    assert!(outcome.sent.is_empty());
    assert_eq!(env.state.balance(&native(), &alice()), 1_000_000);
    assert!(env.sent.is_empty());
}

#[test]
fn transact_dispatches_and_charges_what_the_call_used() {
    let mut env = env();
    env.state.call_weight = 5;
    let transact = |origin_kind, call: Vec<u8>| {
        msg(vec![Instruction::Transact { origin_kind, require_weight_at_most: 50, call }])
    };
    let outcome =
        env.execute(alice(), transact(OriginKind::SovereignAccount, vec![1, 2]), NOW, LIMIT);
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(outcome.weight_used, 10 + 5);
    assert_eq!(env.state.calls.len(), 1);
    assert_eq!(env.state.calls[0].call, vec![1, 2]);
    assert_eq!(env.state.calls[0].origin, alice());
    let outcome =
        env.execute(alice(), transact(OriginKind::Native, vec![FAILING_CALL, 9]), NOW, LIMIT);
    assert_eq!(failure(&outcome), (0, XcmError::DispatchFailed { code: 9 }));
    let outcome = env.execute(alice(), transact(OriginKind::Superuser, vec![1]), NOW, LIMIT);
    assert_eq!(failure(&outcome), (0, XcmError::OriginKindNotAllowed));
    let outcome =
        env.execute(Location::parent(), transact(OriginKind::Superuser, vec![1]), NOW, LIMIT);
    assert_eq!(outcome.result, Ok(()));
}

#[test]
fn report_error_sends_the_error_register() {
    let mut env = env();
    let appendix = Instruction::SetAppendix(Xcm(vec![Instruction::ReportError(info())]));
    let outcome = env.execute(
        alice(),
        msg(vec![appendix.clone(), Instruction::WithdrawAsset(assets(&[(native(), 2_000_000)]))]),
        NOW,
        LIMIT,
    );
    assert_eq!(failure(&outcome), (1, XcmError::InsufficientBalance { asset: native() }));
    let querier = remote_account(Location::sibling(OUR_PARA), ALICE);
    assert_eq!(
        outcome.sent,
        vec![(
            Location::sibling(SIBLING),
            msg(vec![Instruction::QueryResponse {
                query_id: 42,
                response: Response::ExecutionResult(Some((
                    1,
                    XcmError::InsufficientBalance { asset: native() }
                ))),
                querier: Some(querier),
            }])
            .into()
        )]
    );
    // On success the register is empty.
    let outcome = env.execute(alice(), msg(vec![appendix]), NOW, LIMIT);
    assert_eq!(outcome.result, Ok(()));
    assert!(matches!(
        programme(&outcome.sent[0].1),
        [Instruction::QueryResponse { response: Response::ExecutionResult(None), .. }]
    ));
}

#[test]
fn deposit_reserve_asset_moves_holding_into_the_sovereign_account() {
    let mut env = env();
    let outcome = env.execute(
        alice(),
        msg(vec![
            Instruction::WithdrawAsset(assets(&[(native(), 100)])),
            Instruction::DepositReserveAsset {
                assets: all(),
                dest: Location::sibling(OTHER),
                xcm: Xcm(vec![Instruction::DepositAsset { assets: all(), beneficiary: bob() }]),
            },
        ]),
        NOW,
        LIMIT,
    );
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(env.state.balance(&native(), &Location::sibling(OTHER)), 100);
    let sovereign = Location::account(sovereign_account(&Location::sibling(OTHER)));
    assert_eq!(env.state.balance(&native(), &sovereign), 100);
    assert_eq!(
        programme(&outcome.sent[0].1)[0],
        Instruction::ReserveAssetDeposited(assets(&[(
            atoll_xcm::AssetId(Location::sibling(OUR_PARA)),
            100
        )]))
    );
    // A destination that cannot be written: the assets stay in holding (and are trapped).
    let outcome = env.execute(
        alice(),
        msg(vec![
            Instruction::WithdrawAsset(assets(&[(native(), 100)])),
            Instruction::DepositReserveAsset {
                assets: all(),
                dest: Location::new(4, []).unwrap(),
                xcm: Xcm::new(),
            },
        ]),
        NOW,
        LIMIT,
    );
    assert_eq!(failure(&outcome), (1, XcmError::ReanchorFailed));
    assert!(outcome.sent.is_empty());
    assert_eq!(env.state.total_trapped(&native()), 100);
}

#[test]
fn initiate_reserve_withdraw_burns_and_tells_the_reserve() {
    let mut env = env();
    let before = env.state.total_balance(&relay());
    let beneficiary = remote_account(Location::parachain(OUR_PARA), BOB);
    let outcome = env.execute(
        alice(),
        msg(vec![
            Instruction::WithdrawAsset(assets(&[(relay(), 100)])),
            Instruction::InitiateReserveWithdraw {
                assets: AssetFilter::Wild(WildAsset::AllOf(relay())),
                reserve: Location::parent(),
                xcm: Xcm(vec![Instruction::DepositAsset {
                    assets: all(),
                    beneficiary: beneficiary.clone(),
                }]),
            },
        ]),
        NOW,
        LIMIT,
    );
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(env.state.total_balance(&relay()), before - 100, "burnt here");
    assert_eq!(
        outcome.sent,
        vec![(
            Location::parent(),
            msg(vec![
                Instruction::WithdrawAsset(assets(&[(atoll_xcm::AssetId(Location::here()), 100)])),
                Instruction::ClearOrigin,
                Instruction::DepositAsset { assets: all(), beneficiary },
            ])
            .into()
        )]
    );
    // A reserve that cannot be written: nothing is burnt.
    let outcome = env.execute(
        alice(),
        msg(vec![
            Instruction::WithdrawAsset(assets(&[(relay(), 100)])),
            Instruction::InitiateReserveWithdraw {
                assets: all(),
                reserve: Location::new(5, []).unwrap(),
                xcm: Xcm::new(),
            },
        ]),
        NOW,
        LIMIT,
    );
    assert_eq!(failure(&outcome), (1, XcmError::ReanchorFailed));
    assert_eq!(env.state.total_trapped(&relay()), 100);
}

#[test]
fn report_holding_reports_without_taking() {
    let mut env = env();
    let outcome = env.execute(
        alice(),
        msg(vec![
            Instruction::WithdrawAsset(assets(&[(relay(), 100), (sib(), 10)])),
            Instruction::ReportHolding {
                response_info: info(),
                assets: AssetFilter::Wild(WildAsset::AllOf(sib())),
            },
            Instruction::DepositAsset { assets: all(), beneficiary: bob() },
        ]),
        NOW,
        LIMIT,
    );
    assert_eq!(outcome.result, Ok(()));
    // The sibling's token, written for the sibling itself.
    let own = atoll_xcm::AssetId(Location::new(0, [Junction::GeneralIndex(7)]).unwrap());
    assert!(matches!(
        programme(&outcome.sent[0].1),
        [Instruction::QueryResponse { query_id: 42, response: Response::Assets(reported), .. }]
            if *reported == assets(&[(own, 10)])
    ));
    assert_eq!(env.state.balance(&sib(), &bob()), 10);
    assert_eq!(env.state.balance(&relay(), &bob()), 100);
}

#[test]
fn buy_execution_pays_the_collector() {
    let mut env = env();
    let outcome = env.execute(
        alice(),
        msg(vec![
            Instruction::WithdrawAsset(assets(&[(relay(), 1_000)])),
            Instruction::BuyExecution { fees: asset(relay(), 1_000), weight_limit: None },
            Instruction::DepositAsset { assets: all(), beneficiary: alice() },
        ]),
        NOW,
        LIMIT,
    );
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(env.state.balance(&relay(), &Location::account(FEE_COLLECTOR)), 30);
    assert_eq!(env.state.balance(&relay(), &alice()), 1_000_000 - 30);
}

#[test]
fn buy_execution_errors_leave_holding_as_it_was() {
    let cases = [
        // The price (30) is over the offered maximum.
        (asset(relay(), 5), XcmError::TooExpensive { needed: 30, offered: 5 }),
        // Not the trader's asset.
        (asset(native(), 1_000), XcmError::FeeAssetNotAccepted { offered: native() }),
    ];
    for (fees, error) in cases {
        let mut env = env();
        let outcome = env.execute(
            alice(),
            msg(vec![
                Instruction::WithdrawAsset(assets(&[(relay(), 1_000)])),
                Instruction::BuyExecution { fees, weight_limit: None },
                Instruction::DepositAsset { assets: all(), beneficiary: alice() },
            ]),
            NOW,
            LIMIT,
        );
        assert_eq!(failure(&outcome), (1, error));
        assert_eq!(env.state.total_trapped(&relay()), 1_000, "the whole amount is trapped");
        assert_eq!(env.state.balance(&relay(), &Location::account(FEE_COLLECTOR)), 0);
    }
    // Holding has less than the price.
    let mut env = env();
    let outcome = env.execute(
        alice(),
        msg(vec![
            Instruction::WithdrawAsset(assets(&[(relay(), 10)])),
            Instruction::BuyExecution { fees: asset(relay(), 1_000), weight_limit: None },
        ]),
        NOW,
        LIMIT,
    );
    assert_eq!(failure(&outcome), (1, XcmError::NotHoldingFees { needed: 20, held: 10 }));
}

#[test]
fn claim_asset_needs_the_same_origin_and_exact_assets() {
    let mut env = env();
    // Trap 100 of the native token under Alice.
    let outcome = env.execute(
        alice(),
        msg(vec![
            Instruction::WithdrawAsset(assets(&[(native(), 100)])),
            Instruction::ExpectAsset(assets(&[(native(), 1_000)])),
        ]),
        NOW,
        LIMIT,
    );
    assert_eq!(failure(&outcome), (1, XcmError::ExpectationFalse));
    let trapped = assets(&[(native(), 100)]);
    let ticket = TrapTicket::new(&alice(), &trapped);
    assert_eq!(
        outcome.events[0],
        XcmEvent::AssetsTrapped { origin: alice(), assets: trapped.clone(), ticket }
    );
    let claim = |amount, ticket: Location| {
        msg(vec![
            Instruction::ClaimAsset { assets: assets(&[(native(), amount)]), ticket },
            Instruction::DepositAsset { assets: all(), beneficiary: alice() },
        ])
    };
    let outcome = env.execute(bob(), claim(100, Location::here()), NOW, LIMIT);
    assert_eq!(failure(&outcome), (0, XcmError::UnknownClaim), "another origin");
    let outcome = env.execute(alice(), claim(99, Location::here()), NOW, LIMIT);
    assert_eq!(failure(&outcome), (0, XcmError::UnknownClaim), "other assets");
    let outcome = env.execute(alice(), claim(100, Location::parent()), NOW, LIMIT);
    assert_eq!(failure(&outcome), (0, XcmError::UnknownTrap), "another trap");
    let outcome = env.execute(alice(), claim(100, Location::here()), NOW, LIMIT);
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(
        outcome.events[0],
        XcmEvent::AssetsClaimed { origin: alice(), assets: trapped, ticket }
    );
    assert_eq!(env.state.balance(&native(), &alice()), 1_000_000);
    assert!(env.state.trapped.is_empty());
    let outcome = env.execute(alice(), claim(100, Location::here()), NOW, LIMIT);
    assert_eq!(failure(&outcome), (0, XcmError::UnknownClaim), "claimed once");
}

#[test]
fn expect_asset_checks_holding() {
    let mut env = env();
    let outcome = env.execute(
        alice(),
        msg(vec![
            Instruction::WithdrawAsset(assets(&[(native(), 100)])),
            Instruction::ExpectAsset(assets(&[(native(), 100)])),
            Instruction::ExpectAsset(assets(&[(native(), 101)])),
        ]),
        NOW,
        LIMIT,
    );
    assert_eq!(failure(&outcome), (2, XcmError::ExpectationFalse));
}

#[test]
fn set_topic_and_unpaid_execution() {
    let mut env = env();
    let outcome = env.execute(
        Location::parent(),
        msg(vec![
            Instruction::UnpaidExecution {
                weight_limit: None,
                check_origin: Some(Location::parent()),
            },
            Instruction::SetTopic([1; 32]),
            Instruction::SetTopic([2; 32]),
        ]),
        NOW,
        LIMIT,
    );
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(outcome.events, vec![XcmEvent::Executed { topic: Some([2; 32]) }]);
    let outcome = env.execute(
        alice(),
        msg(vec![Instruction::UnpaidExecution {
            weight_limit: None,
            check_origin: Some(Location::parent()),
        }]),
        NOW,
        LIMIT,
    );
    assert_eq!(failure(&outcome), (0, XcmError::BadOrigin));
}
