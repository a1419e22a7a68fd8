//! Control flow and policies: error handler and appendix, barriers, the weight limit, dry run,
//! quote, and failures of the environment.

use atoll_xcm::executor::{
    AllowKnownQueryResponses, AllowTopLevelPaidExecution, AllowUnpaidExecutionFrom,
    AssetTransactor, AssetTrap, Barrier, ResponseHandler, TransactDispatcher, TrapTicket, XcmEvent,
};
use atoll_xcm::testing::{InMemoryState, TestEnv, FAILING_CALL};
use atoll_xcm::{
    Asset, Assets, Instruction, Location, Message, OriginKind, Response, VersionedXcm, Xcm,
    XcmError,
};

use crate::common::*;

/// A `Transact` whose call is `[tag]`: the dispatcher's log shows which ran, in order.
fn mark(tag: u8) -> Instruction {
    Instruction::Transact {
        origin_kind: OriginKind::Native,
        require_weight_at_most: 0,
        call: vec![tag],
    }
}

fn fail() -> Instruction {
    Instruction::ExpectAsset(assets(&[(native(), 1)]))
}

fn run(instructions: Vec<Instruction>) -> (atoll_xcm::executor::Outcome, Vec<u8>) {
    let mut env = env();
    let outcome = env.execute(alice(), msg(instructions), NOW, LIMIT);
    let marks = env.state.calls.iter().map(|call| call.call[0]).collect();
    (outcome, marks)
}

#[test]
fn the_handler_replaces_the_rest_and_the_appendix_always_runs() {
    let handler = Instruction::SetErrorHandler(Xcm(vec![mark(2)]));
    let appendix = Instruction::SetAppendix(Xcm(vec![mark(3)]));
    // Failure: main up to the error, then the handler, then the appendix.
    let (outcome, marks) = run(vec![handler.clone(), appendix.clone(), mark(1), fail(), mark(9)]);
    assert_eq!(marks, [1, 2, 3]);
    assert_eq!(failure(&outcome), (3, XcmError::ExpectationFalse), "the error register stays");
    // Success: no handler, the appendix.
    let (outcome, marks) = run(vec![handler, appendix.clone(), mark(1)]);
    assert_eq!(marks, [1, 3]);
    assert_eq!(outcome.result, Ok(()));
    // An error in the handler stops it and is not handled again; the appendix still runs.
    let nested = Instruction::SetErrorHandler(Xcm(vec![
        Instruction::SetErrorHandler(Xcm(vec![mark(8)])),
        Instruction::Transact {
            origin_kind: OriginKind::Native,
            require_weight_at_most: 0,
            call: vec![FAILING_CALL, 4],
        },
        mark(5),
    ]));
    let (outcome, marks) = run(vec![nested, appendix, fail()]);
    assert_eq!(marks, [FAILING_CALL, 3]);
    assert_eq!(failure(&outcome), (1, XcmError::DispatchFailed { code: 4 }));
    // An error in the appendix stops it and overwrites the error register.
    let (outcome, marks) = run(vec![Instruction::SetAppendix(Xcm(vec![fail(), mark(6)])), mark(1)]);
    assert_eq!(marks, [1]);
    assert_eq!(failure(&outcome), (0, XcmError::ExpectationFalse));
    // An appendix set in the appendix never runs.
    let (_, marks) = run(vec![Instruction::SetAppendix(Xcm(vec![
        Instruction::SetAppendix(Xcm(vec![mark(7)])),
        mark(6),
    ]))]);
    assert_eq!(marks, [6]);
}

#[test]
fn effects_before_an_error_persist() {
    let mut env = env();
    let outcome = env.execute(
        alice(),
        msg(vec![
            Instruction::WithdrawAsset(assets(&[(native(), 100)])),
            Instruction::DepositAsset { assets: all(), beneficiary: bob() },
            fail(),
        ]),
        NOW,
        LIMIT,
    );
    assert_eq!(failure(&outcome), (2, XcmError::ExpectationFalse));
    assert_eq!(env.state.balance(&native(), &bob()), 100);
}

/// Runs `message` through `barrier` in a fresh environment, checking that a refusal left
/// everything untouched.
fn through<B: Barrier + Clone>(
    barrier: B,
    origin: Location,
    message: Message,
) -> Result<(), XcmError> {
    let mut env = env().with_barrier(barrier);
    env.state.expect_query(Location::parent(), 3);
    let before = env.state.clone();
    let outcome = env.execute(origin, message, NOW, LIMIT);
    if let Err(failure) = &outcome.result {
        if failure.error.is_refusal() {
            assert_eq!(failure.index, 0);
            assert_eq!(env.state, before, "a refused message changes nothing");
            assert!(outcome.sent.is_empty());
            assert_eq!(outcome.weight_used, 0);
            assert_eq!(outcome.events.len(), 1);
            return Err(failure.error.clone());
        }
    }
    Ok(())
}

fn paid(weight_limit: Option<u64>) -> Message {
    msg(vec![
        Instruction::ReserveAssetDeposited(assets(&[(relay(), 500)])),
        Instruction::ClearOrigin,
        Instruction::BuyExecution { fees: asset(relay(), 500), weight_limit },
        Instruction::DepositAsset { assets: all(), beneficiary: bob() },
    ])
}

#[test]
fn paid_execution_barrier() {
    let parent = Location::parent;
    assert_eq!(through(AllowTopLevelPaidExecution, parent(), paid(None)), Ok(()));
    assert_eq!(through(AllowTopLevelPaidExecution, parent(), paid(Some(40))), Ok(()));
    assert_eq!(
        through(AllowTopLevelPaidExecution, parent(), paid(Some(39))),
        Err(XcmError::WeightNotCovered { bought: 39, needed: 40 })
    );
    let unpaid = msg(vec![Instruction::DepositAsset { assets: all(), beneficiary: bob() }]);
    assert_eq!(through(AllowTopLevelPaidExecution, parent(), unpaid), Err(XcmError::NotPaidFor));
    let no_buy =
        msg(vec![Instruction::WithdrawAsset(assets(&[(relay(), 1)])), Instruction::ClearOrigin]);
    assert_eq!(through(AllowTopLevelPaidExecution, alice(), no_buy), Err(XcmError::NotPaidFor));
}

#[test]
fn unpaid_execution_barrier() {
    let barrier = AllowUnpaidExecutionFrom(vec![Location::parent()]);
    let unpaid = |limit| {
        msg(vec![
            Instruction::UnpaidExecution { weight_limit: limit, check_origin: None },
            Instruction::ClearOrigin,
        ])
    };
    assert_eq!(through(barrier.clone(), Location::parent(), unpaid(None)), Ok(()));
    assert_eq!(through(barrier.clone(), Location::parent(), unpaid(Some(20))), Ok(()));
    assert_eq!(
        through(barrier.clone(), Location::parent(), unpaid(Some(5))),
        Err(XcmError::WeightNotCovered { bought: 5, needed: 20 })
    );
    assert_eq!(
        through(barrier, Location::sibling(SIBLING), unpaid(None)),
        Err(XcmError::OriginNotAllowed)
    );
}

#[test]
fn known_query_responses_barrier_and_composition() {
    let response = |query_id| {
        msg(vec![Instruction::QueryResponse { query_id, response: Response::Null, querier: None }])
    };
    let parent = Location::parent;
    assert_eq!(through(AllowKnownQueryResponses, parent(), response(3)), Ok(()));
    assert_eq!(
        through(AllowKnownQueryResponses, parent(), response(4)),
        Err(XcmError::NotAnAwaitedResponse)
    );
    let mut with_more = response(3);
    with_more.xcm.0.push(Instruction::ClearOrigin);
    assert_eq!(
        through(AllowKnownQueryResponses, parent(), with_more),
        Err(XcmError::NotAnAwaitedResponse)
    );
    // Composition: any member allows; a refusal gives the first member's reason.
    let both = (AllowTopLevelPaidExecution, AllowKnownQueryResponses);
    assert_eq!(through(both, parent(), response(3)), Ok(()));
    assert_eq!(through(both, parent(), paid(None)), Ok(()));
    assert_eq!(through(both, parent(), response(4)), Err(XcmError::NotPaidFor));
    let either = (AllowKnownQueryResponses, AllowTopLevelPaidExecution);
    assert_eq!(through(either, parent(), paid(None)), Ok(()));
    assert_eq!(through(either, parent(), response(4)), Err(XcmError::NotAnAwaitedResponse));
    let three = (
        AllowKnownQueryResponses,
        AllowUnpaidExecutionFrom(vec![alice()]),
        AllowTopLevelPaidExecution,
    );
    assert_eq!(through(three, alice(), response(9)), Ok(()));
}

#[test]
fn messages_over_the_weight_limit_or_too_deep_are_refused() {
    let mut env = env();
    let message = msg(vec![Instruction::ClearOrigin; 5]);
    let outcome = env.execute(alice(), message.clone(), NOW, 49);
    assert_eq!(failure(&outcome), (0, XcmError::WeightLimitReached { needed: 50, limit: 49 }));
    assert_eq!(
        outcome.events,
        vec![XcmEvent::Failed {
            topic: None,
            index: 0,
            error: XcmError::WeightLimitReached { needed: 50, limit: 49 },
        }]
    );
    assert_eq!(env.execute(alice(), message, NOW, 50).result, Ok(()));
    // Built in memory, nine levels deep: refused like a decoded one would be.
    let mut xcm = Xcm(vec![Instruction::ClearOrigin]);
    for _ in 0..9 {
        xcm = Xcm(vec![Instruction::SetAppendix(xcm)]);
    }
    let outcome = env.execute(alice(), Message::new(xcm), NOW, LIMIT);
    assert_eq!(failure(&outcome), (0, XcmError::TooDeep { max: 8 }));
}

#[test]
fn weight_counts_nested_programmes_and_declared_transact_weight() {
    let env = env();
    let message: VersionedXcm = msg(vec![
        Instruction::SetErrorHandler(Xcm(vec![Instruction::ClearOrigin; 2])),
        Instruction::SetAppendix(Xcm(vec![Instruction::SetAppendix(Xcm(vec![
            Instruction::ClearOrigin,
        ]))])),
        Instruction::Transact {
            origin_kind: OriginKind::Native,
            require_weight_at_most: 1_000,
            call: vec![1],
        },
        // Runs at the destination: its programme is not weighed here.
        Instruction::DepositReserveAsset {
            assets: all(),
            dest: Location::sibling(OTHER),
            xcm: Xcm(vec![Instruction::ClearOrigin; 50]),
        },
    ])
    .into();
    // (4 top-level + 2 in the handler + 1 + 1 in the nested appendices) × 10 + 1,000 declared.
    assert_eq!(env.config.quote(&message, &relay()), Ok((1_080, asset(relay(), 1_080))));
    let v0 = VersionedXcm::V0(Xcm(vec![Instruction::ClearOrigin]));
    assert_eq!(env.config.quote(&v0, &relay()), Ok((10, asset(relay(), 10))));
    // In an asset the trader does not take: refused, naming it.
    let other = atoll_xcm::AssetId(Location::sibling(OTHER));
    assert_eq!(
        env.config.quote(&v0, &other),
        Err(XcmError::FeeAssetNotAccepted { offered: other.clone() })
    );
}

/// A message that does a bit of everything: transfer, send, trap, ack.
fn busy_message() -> Message {
    msg(vec![
        Instruction::WithdrawAsset(assets(&[(native(), 300), (relay(), 1_000)])),
        Instruction::BuyExecution { fees: asset(relay(), 1_000), weight_limit: None },
        Instruction::DepositReserveAsset {
            assets: atoll_xcm::AssetFilter::Wild(atoll_xcm::WildAsset::AllOf(native())),
            dest: Location::sibling(OTHER),
            xcm: Xcm::new(),
        },
        Instruction::SetTopic([3; 32]),
        fail(),
    ])
    .with_report_to(Location::parent())
}

#[test]
fn dry_run_equals_the_real_run_and_changes_nothing() {
    let mut env = env();
    let before = env.clone();
    let dry = env.dry_run(alice(), busy_message(), NOW, LIMIT);
    assert_eq!(env, before, "state, sends and events untouched");
    let real = env.execute(alice(), busy_message(), NOW, LIMIT);
    assert_eq!(dry, real);
    assert_ne!(env.state, before.state);
    assert_eq!(real.sent.len(), 2, "the transfer and the ack");
    assert!(!env.state.trapped.is_empty());
    // The configuration's dry run, on a state directly.
    let again = env.config.dry_run(&env.state, alice(), busy_message().into(), NOW, LIMIT);
    assert_eq!(again.result, real.result);
}

#[test]
fn fresh_test_env_defaults() {
    let env = TestEnv::new(Location::here(), atoll_xcm::AssetId(Location::here()));
    assert!(env.state.balances.is_empty());
    assert!(env.config.reserves.0.is_empty());
}

/// The in-memory state, with deposits failing as if storage broke, and optionally a broken
/// trap.
#[derive(Clone)]
struct Broken {
    inner: InMemoryState,
    trap_works: bool,
}

const STORAGE_DOWN: XcmError = XcmError::Environment { code: 7 };

impl AssetTransactor for Broken {
    fn withdraw(&mut self, asset: &Asset, from: &Location) -> Result<(), XcmError> {
        self.inner.withdraw(asset, from)
    }
    fn deposit(&mut self, _: &Asset, _: &Location) -> Result<(), XcmError> {
        Err(STORAGE_DOWN)
    }
}

impl TransactDispatcher for Broken {
    fn dispatch(&mut self, o: &Location, k: OriginKind, c: &[u8], w: u64) -> Result<u64, XcmError> {
        self.inner.dispatch(o, k, c, w)
    }
}

impl ResponseHandler for Broken {
    fn expecting_response(&self, o: &Location, q: u64, r: &Response) -> bool {
        self.inner.expecting_response(o, q, r)
    }
    fn on_response(
        &mut self,
        o: &Location,
        q: u64,
        by: Option<&Location>,
        r: Response,
    ) -> Result<(), XcmError> {
        self.inner.on_response(o, q, by, r)
    }
}

impl AssetTrap for Broken {
    fn trap(&mut self, t: TrapTicket, o: &Location, a: &Assets) -> Result<(), XcmError> {
        if self.trap_works {
            self.inner.trap(t, o, a)
        } else {
            Err(STORAGE_DOWN)
        }
    }
    fn claim(&mut self, t: TrapTicket, o: &Location, a: &Assets) -> Result<(), XcmError> {
        self.inner.claim(t, o, a)
    }
}

#[test]
fn environment_failures_are_told_apart_and_keep_the_assets() {
    let env = env();
    let message: VersionedXcm = msg(vec![
        Instruction::WithdrawAsset(assets(&[(native(), 100)])),
        Instruction::DepositAsset { assets: all(), beneficiary: bob() },
    ])
    .into();
    let mut state = Broken { inner: env.state.clone(), trap_works: true };
    let outcome = env.config.execute(&mut state, alice(), message.clone(), NOW, LIMIT);
    let (index, error) = failure(&outcome);
    assert_eq!((index, &error), (1, &STORAGE_DOWN));
    assert!(error.is_environment_failure());
    assert!(!XcmError::ExpectationFalse.is_environment_failure());
    assert_eq!(state.inner.total_trapped(&native()), 100, "kept in the trap, not lost");
    // With the trap broken too, the loss is at least recorded.
    let mut state = Broken { inner: env.state.clone(), trap_works: false };
    let outcome = env.config.execute(&mut state, alice(), message, NOW, LIMIT);
    assert!(outcome.events.contains(&XcmEvent::AssetsLost {
        assets: assets(&[(native(), 100)]),
        error: STORAGE_DOWN,
    }));
}
