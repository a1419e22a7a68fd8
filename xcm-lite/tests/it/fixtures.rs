//! Fixed, hand-written values of every encoded type: the conformance hashes pin their
//! encodings, the round-trip tests use them too.

use atoll_xcm::executor::{InstructionFailure, Outcome, TrapTicket, XcmEvent};
use atoll_xcm::{
    Ack, AckOutcome, AssetFilter, Instruction, Junction, Location, Message, OriginKind,
    QueryResponseInfo, Response, VersionedXcm, WildAsset, Xcm, XcmError,
};

use crate::common::{asset, assets, native, relay, sib};

/// `../Parachain(2000)/PalletInstance(50)/GeneralIndex(1984)/AccountId32(0x11..)`.
pub fn location() -> Location {
    Location::new(
        1,
        [
            Junction::Parachain(2000),
            Junction::PalletInstance(50),
            Junction::GeneralIndex(1984),
            Junction::AccountId32([0x11; 32]),
        ],
    )
    .unwrap()
}

/// Three assets of three kinds.
pub fn asset_collection() -> atoll_xcm::Assets {
    assets(&[(native(), 1), (relay(), 10_000_000_000), (sib(), u128::MAX)])
}

/// A report destination.
pub fn response_info() -> QueryResponseInfo {
    QueryResponseInfo { destination: Location::sibling(2000), query_id: 42, max_weight: 5_000 }
}

/// Every instruction once, in codec-index order.
pub fn every_instruction() -> Vec<Instruction> {
    let inner = Xcm(vec![Instruction::ClearOrigin]);
    vec![
        Instruction::WithdrawAsset(asset_collection()),
        Instruction::ReserveAssetDeposited(assets(&[(relay(), 7)])),
        Instruction::ReceiveTeleportedAsset(assets(&[(relay(), 8)])),
        Instruction::QueryResponse {
            query_id: 9,
            response: Response::ExecutionResult(Some((
                3,
                XcmError::TooExpensive { needed: 2, offered: 1 },
            ))),
            querier: Some(Location::parent()),
        },
        Instruction::TransferReserveAsset {
            assets: assets(&[(native(), 5)]),
            dest: Location::sibling(3000),
            xcm: inner.clone(),
        },
        Instruction::Transact {
            origin_kind: OriginKind::SovereignAccount,
            require_weight_at_most: 1_000,
            call: vec![1, 2, 3],
        },
        Instruction::ClearOrigin,
        Instruction::ReportError(response_info()),
        Instruction::DepositAsset {
            assets: AssetFilter::Wild(WildAsset::All),
            beneficiary: location(),
        },
        Instruction::DepositReserveAsset {
            assets: AssetFilter::Wild(WildAsset::AllOf(native())),
            dest: Location::parent(),
            xcm: inner.clone(),
        },
        Instruction::InitiateReserveWithdraw {
            assets: AssetFilter::Wild(WildAsset::AllCounted(2)),
            reserve: Location::parent(),
            xcm: inner.clone(),
        },
        Instruction::ReportHolding {
            response_info: response_info(),
            assets: AssetFilter::Definite(assets(&[(relay(), 1)])),
        },
        Instruction::BuyExecution { fees: asset(relay(), 100), weight_limit: Some(100) },
        Instruction::SetErrorHandler(inner.clone()),
        Instruction::SetAppendix(inner),
        Instruction::ClaimAsset { assets: assets(&[(relay(), 3)]), ticket: Location::here() },
        Instruction::ExpectAsset(assets(&[(sib(), 4)])),
        Instruction::SetTopic([0x77; 32]),
        Instruction::UnpaidExecution { weight_limit: None, check_origin: Some(Location::parent()) },
    ]
}

/// A message with a full envelope.
pub fn message() -> Message {
    Message {
        xcm: Xcm(every_instruction()),
        deadline: Some(1_234),
        refund_to: Some(location()),
        report_to: Some(Location::parent()),
    }
}

/// Both versions.
pub fn versioned() -> Vec<VersionedXcm> {
    vec![VersionedXcm::V0(Xcm(every_instruction())), VersionedXcm::V1(message())]
}

/// Every response kind.
pub fn responses() -> Vec<Response> {
    vec![
        Response::Null,
        Response::Assets(asset_collection()),
        Response::ExecutionResult(None),
        Response::ExecutionResult(Some((1, XcmError::BadOrigin))),
        Response::Ack(Ack { topic: Some([0x55; 32]), outcome: AckOutcome::Complete }),
        Response::Ack(Ack {
            topic: None,
            outcome: AckOutcome::Failed { index: 2, error: XcmError::UnknownClaim },
        }),
        Response::Ack(Ack {
            topic: Some([0x66; 32]),
            outcome: AckOutcome::Expired { deadline: 9 },
        }),
    ]
}

/// Every error variant.
pub fn errors() -> Vec<XcmError> {
    vec![
        XcmError::Overflow,
        XcmError::TooManyJunctions { max: 8 },
        XcmError::TooManyAssets { max: 20 },
        XcmError::ReanchorFailed,
        XcmError::BadOrigin,
        XcmError::UntrustedReserveLocation { asset: relay() },
        XcmError::UntrustedTeleportLocation { asset: relay() },
        XcmError::InsufficientBalance { asset: native() },
        XcmError::NotHoldingAsset { asset: sib(), needed: 2, held: 1 },
        XcmError::NotHoldingFees { needed: 2, held: 1 },
        XcmError::FeeAssetNotAccepted { offered: native() },
        XcmError::TooExpensive { needed: 2, offered: 1 },
        XcmError::UnknownClaim,
        XcmError::ExpectationFalse,
        XcmError::UnexpectedResponse { query_id: 3 },
        XcmError::DispatchFailed { code: 4 },
        XcmError::OriginKindNotAllowed,
        XcmError::WeightLimitReached { needed: 2, limit: 1 },
        XcmError::NotPaidFor,
        XcmError::WeightNotCovered { bought: 1, needed: 2 },
        XcmError::OriginNotAllowed,
        XcmError::NotAnAwaitedResponse,
        XcmError::Expired { deadline: 1, now: 2 },
        XcmError::VersionIncompatible { version: 7 },
        XcmError::TooDeep { max: 8 },
        XcmError::MessageTooLarge { size: 2, max: 1 },
        XcmError::UnknownTrap,
        XcmError::LocationCannotHold,
        XcmError::Environment { code: 5 },
    ]
}

/// An outcome with every event kind.
pub fn outcome() -> Outcome {
    let topic = Some([0x99; 32]);
    let ticket = TrapTicket([0x33; 32]);
    Outcome {
        result: Err(InstructionFailure { index: 2, error: XcmError::ExpectationFalse }),
        weight_used: 70,
        sent: vec![(
            Location::parent(),
            VersionedXcm::V1(Message::new(Xcm(vec![Instruction::ClearOrigin]))),
        )],
        events: vec![
            XcmEvent::AssetsReceived { origin: Location::parent(), assets: asset_collection() },
            XcmEvent::ResponseReceived { query_id: 1 },
            XcmEvent::MessageSent { dest: Location::parent(), topic },
            XcmEvent::AssetsClaimed { origin: location(), assets: asset_collection(), ticket },
            XcmEvent::AssetsRefunded { to: location(), assets: asset_collection() },
            XcmEvent::AssetsTrapped { origin: location(), assets: asset_collection(), ticket },
            XcmEvent::AssetsLost { assets: asset_collection(), error: XcmError::Overflow },
            XcmEvent::AckSent { to: Location::parent(), topic },
            XcmEvent::Executed { topic },
            XcmEvent::Expired { deadline: 1, now: 2 },
            XcmEvent::Failed { topic, index: 2, error: XcmError::ExpectationFalse },
        ],
    }
}
