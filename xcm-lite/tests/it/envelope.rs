//! The envelope: expiry, refunds (local and remote), acknowledgements, inheritance by
//! forwarded messages.

use atoll_xcm::executor::{AllowKnownQueryResponses, TrapTicket, XcmEvent, ACK_QUERY_ID};
use atoll_xcm::testing::{TestEnv, ALICE, BOB};
use atoll_xcm::{
    Ack, AckOutcome, AssetId, Instruction, Junction, Location, Response, VersionedXcm, Xcm,
    XcmError,
};

use crate::common::*;

const TOPIC: [u8; 32] = [0x70; 32];

/// What a reserve (the relay chain) sends us for a transfer to Bob.
fn incoming_transfer(amount: u128) -> Vec<Instruction> {
    vec![
        Instruction::ReserveAssetDeposited(assets(&[(relay(), amount)])),
        Instruction::ClearOrigin,
        Instruction::BuyExecution { fees: asset(relay(), amount), weight_limit: None },
        Instruction::DepositAsset { assets: all(), beneficiary: bob() },
        Instruction::SetTopic(TOPIC),
    ]
}

#[test]
fn an_expired_message_only_receives_its_assets_and_refunds_them() {
    let mut env = env();
    let message = msg(incoming_transfer(500)).with_deadline(50).with_refund_to(alice());
    let outcome = env.execute(Location::parent(), message, NOW, LIMIT);
    assert_eq!(failure(&outcome), (1, XcmError::Expired { deadline: 50, now: NOW }));
    assert_eq!(outcome.weight_used, 10, "only the receipt ran");
    assert_eq!(env.state.balance(&relay(), &bob()), 0);
    assert_eq!(env.state.balance(&relay(), &alice()), 1_000_500);
    assert_eq!(
        outcome.events,
        vec![
            XcmEvent::AssetsReceived {
                origin: Location::parent(),
                assets: assets(&[(relay(), 500)])
            },
            XcmEvent::AssetsRefunded { to: alice(), assets: assets(&[(relay(), 500)]) },
            XcmEvent::Expired { deadline: 50, now: NOW },
        ]
    );
}

#[test]
fn an_expired_message_without_refund_location_traps_and_skips_everything_else() {
    let mut env = env();
    let mut instructions = incoming_transfer(500);
    instructions.insert(
        1,
        Instruction::SetAppendix(Xcm(vec![Instruction::ReportError(
            atoll_xcm::QueryResponseInfo {
                destination: Location::parent(),
                query_id: 1,
                max_weight: 0,
            },
        )])),
    );
    let outcome = env.execute(Location::parent(), msg(instructions).with_deadline(99), NOW, LIMIT);
    assert_eq!(failure(&outcome).1, XcmError::Expired { deadline: 99, now: NOW });
    assert!(outcome.sent.is_empty(), "no appendix, no report");
    assert_eq!(env.state.total_trapped(&relay()), 500);
    assert!(matches!(last_event(&outcome), XcmEvent::Expired { deadline: 99, now: NOW }));
}

#[test]
fn a_deadline_equal_to_now_is_not_expired() {
    let mut env = env();
    let outcome =
        env.execute(Location::parent(), msg(incoming_transfer(500)).with_deadline(NOW), NOW, LIMIT);
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(env.state.balance(&relay(), &bob()), 500 - 50);
}

#[test]
fn leftovers_go_to_a_local_refund_location() {
    let mut env = env();
    let message = msg(vec![
        Instruction::WithdrawAsset(assets(&[(native(), 100)])),
        Instruction::ExpectAsset(assets(&[(native(), 1_000)])),
    ])
    .with_refund_to(bob());
    let outcome = env.execute(alice(), message, NOW, LIMIT);
    assert_eq!(failure(&outcome), (1, XcmError::ExpectationFalse));
    assert_eq!(env.state.balance(&native(), &bob()), 100);
    assert!(env.state.trapped.is_empty());
    assert!(outcome
        .events
        .contains(&XcmEvent::AssetsRefunded { to: bob(), assets: assets(&[(native(), 100)]) }));
}

#[test]
fn unused_fees_are_refunded_only_with_a_refund_location() {
    let program = || {
        msg(vec![
            Instruction::WithdrawAsset(assets(&[(relay(), 1_000)])),
            Instruction::BuyExecution { fees: asset(relay(), 1_000), weight_limit: Some(100) },
            Instruction::DepositAsset { assets: all(), beneficiary: bob() },
        ])
    };
    let collector = Location::account(atoll_xcm::testing::FEE_COLLECTOR);
    // Bought 100, used 30: with a refund location 70 come back to it.
    let mut env = env();
    let outcome = env.execute(alice(), program().with_refund_to(alice()), NOW, LIMIT);
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(env.state.balance(&relay(), &collector), 30);
    assert_eq!(env.state.balance(&relay(), &bob()), 900);
    assert_eq!(env.state.balance(&relay(), &alice()), 1_000_000 - 1_000 + 70);
    // Without one, the collector keeps the whole price.
    let mut env = crate::common::env();
    let outcome = env.execute(alice(), program(), NOW, LIMIT);
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(env.state.balance(&relay(), &collector), 100);
    assert!(env.state.trapped.is_empty());
}

#[test]
fn leftovers_go_back_to_the_reserve_chain_by_reserve_withdrawal() {
    let mut env = env();
    // The sibling sent its token; the message fails here; the refund goes back to Bob there.
    let refund_to = remote_account(Location::sibling(SIBLING), BOB);
    let message = msg(vec![
        Instruction::ReserveAssetDeposited(assets(&[(sib(), 50)])),
        Instruction::ClearOrigin,
        Instruction::ExpectAsset(assets(&[(sib(), 1_000)])),
        Instruction::SetTopic(TOPIC),
    ])
    .with_refund_to(refund_to.clone());
    let before = env.state.total_balance(&sib());
    let outcome = env.execute(Location::sibling(SIBLING), message, NOW, LIMIT);
    assert_eq!(failure(&outcome), (2, XcmError::ExpectationFalse));
    assert_eq!(env.state.total_balance(&sib()), before, "the derivative was burnt, not deposited");
    let own = AssetId(Location::new(0, [Junction::GeneralIndex(7)]).unwrap());
    assert_eq!(
        outcome.sent,
        vec![(
            Location::sibling(SIBLING),
            msg(vec![
                Instruction::WithdrawAsset(assets(&[(own.clone(), 50)])),
                Instruction::ClearOrigin,
                Instruction::BuyExecution { fees: asset(own, 50), weight_limit: None },
                Instruction::DepositAsset { assets: all(), beneficiary: Location::account(BOB) },
                Instruction::SetTopic(TOPIC),
            ])
            .into()
        )]
    );
    assert!(outcome
        .events
        .contains(&XcmEvent::AssetsRefunded { to: refund_to, assets: assets(&[(sib(), 50)]) }));
}

#[test]
fn leftovers_of_our_own_token_go_to_a_remote_account_by_reserve_deposit() {
    let mut env = env();
    let refund_to = remote_account(Location::sibling(OTHER), BOB);
    let message = msg(vec![
        Instruction::WithdrawAsset(assets(&[(native(), 100), (relay(), 5)])),
        Instruction::ExpectAsset(assets(&[(native(), 1_000)])),
    ])
    .with_refund_to(refund_to.clone());
    let outcome = env.execute(alice(), message, NOW, LIMIT);
    assert_eq!(failure(&outcome), (1, XcmError::ExpectationFalse));
    assert_eq!(env.state.balance(&native(), &Location::sibling(OTHER)), 100);
    let ours = AssetId(Location::sibling(OUR_PARA));
    assert_eq!(
        programme(&outcome.sent[0].1),
        &[
            Instruction::ReserveAssetDeposited(assets(&[(ours.clone(), 100)])),
            Instruction::ClearOrigin,
            Instruction::BuyExecution { fees: asset(ours, 100), weight_limit: None },
            Instruction::DepositAsset { assets: all(), beneficiary: Location::account(BOB) },
        ]
    );
    assert!(envelope(&outcome.sent[0].1).has_empty_envelope(), "refunds carry no envelope");
    // The relay token's reserve is a third chain: it cannot be refunded there, so it is trapped.
    assert!(outcome
        .events
        .contains(&XcmEvent::AssetsRefunded { to: refund_to, assets: assets(&[(native(), 100)]) }));
    let trapped = assets(&[(relay(), 5)]);
    assert!(outcome.events.contains(&XcmEvent::AssetsTrapped {
        origin: alice(),
        assets: trapped.clone(),
        ticket: TrapTicket::new(&alice(), &trapped),
    }));
}

fn ack_of(outcome: &atoll_xcm::executor::Outcome) -> (Location, VersionedXcm) {
    outcome.sent.last().cloned().expect("an ack was sent")
}

#[test]
fn acks_report_success_failure_and_expiry_with_the_topic() {
    let report_to = Location::parent();
    let expected_ack = |outcome| {
        msg(vec![
            Instruction::QueryResponse {
                query_id: ACK_QUERY_ID,
                response: Response::Ack(Ack { topic: Some(TOPIC), outcome }),
                querier: None,
            },
            Instruction::SetTopic(TOPIC),
        ])
    };
    // Success.
    let mut env = env();
    let outcome = env.execute(
        Location::parent(),
        msg(incoming_transfer(500)).with_report_to(report_to.clone()),
        NOW,
        LIMIT,
    );
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(ack_of(&outcome), (report_to.clone(), expected_ack(AckOutcome::Complete).into()));
    assert_eq!(
        &outcome.events[outcome.events.len() - 2..],
        &[
            XcmEvent::AckSent { to: report_to.clone(), topic: Some(TOPIC) },
            XcmEvent::Executed { topic: Some(TOPIC) },
        ]
    );
    // Failure: too little to pay for the weight (50).
    let outcome = env.execute(
        Location::parent(),
        msg(incoming_transfer(20)).with_report_to(report_to.clone()),
        NOW,
        LIMIT,
    );
    let error = XcmError::TooExpensive { needed: 50, offered: 20 };
    assert_eq!(failure(&outcome), (2, error.clone()));
    assert_eq!(
        ack_of(&outcome),
        (report_to.clone(), expected_ack(AckOutcome::Failed { index: 2, error }).into())
    );
    // Expiry.
    let outcome = env.execute(
        Location::parent(),
        msg(incoming_transfer(500)).with_report_to(report_to.clone()).with_deadline(7),
        NOW,
        LIMIT,
    );
    assert_eq!(
        ack_of(&outcome),
        (report_to, expected_ack(AckOutcome::Expired { deadline: 7 }).into())
    );
}

#[test]
fn an_ack_is_accepted_by_the_sender_as_an_awaited_response() {
    // The relay chain sent the transfer and awaits its ack; we send it; the relay runs it.
    let mut para = env();
    let outcome = para.execute(
        Location::parent(),
        msg(incoming_transfer(500)).with_report_to(Location::parent()),
        NOW,
        LIMIT,
    );
    let (_, ack) = ack_of(&outcome);
    let mut relay_chain = TestEnv::new(Location::here(), AssetId(Location::here()))
        .with_barrier(AllowKnownQueryResponses);
    let from_para = Location::parachain(OUR_PARA);
    let refused = relay_chain.execute(from_para.clone(), ack.clone(), NOW, LIMIT);
    assert_eq!(failure(&refused), (0, XcmError::NotAnAwaitedResponse));
    relay_chain.state.expect_ack(TOPIC);
    let accepted = relay_chain.execute(from_para, ack, NOW, LIMIT);
    assert_eq!(accepted.result, Ok(()));
    assert_eq!(relay_chain.state.responses.len(), 1);
    assert_eq!(
        relay_chain.state.responses[0].response,
        Response::Ack(Ack { topic: Some(TOPIC), outcome: AckOutcome::Complete })
    );
    assert!(relay_chain.state.expected_acks.is_empty());
}

#[test]
fn forwarded_messages_inherit_the_deadline_and_the_refund_location() {
    let mut env = env();
    let message = msg(vec![
        Instruction::WithdrawAsset(assets(&[(native(), 100)])),
        Instruction::DepositReserveAsset {
            assets: all(),
            dest: Location::sibling(OTHER),
            xcm: Xcm(vec![Instruction::DepositAsset { assets: all(), beneficiary: bob() }]),
        },
        Instruction::SetTopic(TOPIC),
    ])
    .with_deadline(NOW + 10)
    .with_refund_to(alice())
    .with_report_to(Location::parent());
    let outcome = env.execute(alice(), message, NOW, LIMIT);
    assert_eq!(outcome.result, Ok(()));
    let (dest, forwarded) = &outcome.sent[0];
    assert_eq!(dest, &Location::sibling(OTHER));
    let forwarded = envelope(forwarded);
    assert_eq!(forwarded.deadline, Some(NOW + 10));
    assert_eq!(forwarded.refund_to, Some(remote_account(Location::sibling(OUR_PARA), ALICE)));
    assert_eq!(forwarded.report_to, None);
    assert_eq!(forwarded.topic(), Some(TOPIC), "the topic register was set from the last SetTopic");
}
