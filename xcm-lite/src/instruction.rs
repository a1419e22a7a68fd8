//! Instructions: the operations of an xcm-lite programme, and the small types they carry.
//!
//! Codec indices follow XCM's (v3 to v5) numbering for the instructions xcm-lite keeps, so a
//! hex dump reads the same to someone who knows XCM; the format as a whole is xcm-lite's own
//! and not wire-compatible with XCM. Each variant's documentation says what the executor does
//! with it and cites the rule of the crate documentation it follows.

use alloc::vec::Vec;

use parity_scale_codec::{Decode, Encode};

use crate::asset::{Asset, AssetFilter, Assets};
use crate::error::XcmError;
use crate::location::Location;
use crate::message::Xcm;

/// Correlates a response with the query that asked for it. Chosen by the querier, unique among
/// its own open queries; the responder copies it back unchanged.
pub type QueryId = u64;

/// A 32-byte correlation id, chosen by the sender of a message (`SetTopic`). Sent messages,
/// events and acknowledgements carry it, so the sender can follow a message across chains.
pub type Topic = [u8; 32];

/// One operation of an xcm-lite programme.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Instruction {
    /// Withdraws the assets from the origin's account into holding. Needs an origin.
    #[codec(index = 0)]
    WithdrawAsset(Assets),
    /// The origin says it now holds these assets for us (it is their reserve) in our sovereign
    /// account there: mints them into holding. Needs an origin that `IsReserve` trusts for
    /// every asset (Rule 14).
    #[codec(index = 1)]
    ReserveAssetDeposited(Assets),
    /// The origin says it burnt these assets to send them here: mints them into holding. Needs
    /// an origin that `IsTeleporter` trusts for every asset.
    #[codec(index = 2)]
    ReceiveTeleportedAsset(Assets),
    /// An answer to a query we sent, or an acknowledgement (`Response::Ack`): handed to the
    /// `ResponseHandler`, which must be awaiting it. Needs an origin (the responder).
    #[codec(index = 3)]
    QueryResponse {
        /// The query answered (0 for acknowledgements, which are matched by topic).
        #[codec(compact)]
        query_id: QueryId,
        /// The answer.
        response: Response,
        /// Who asked, as the responder saw it (the origin of the reporting message).
        querier: Option<Location>,
    },
    /// Moves the assets from the origin's account into `dest`'s sovereign account here, and
    /// sends `dest` the message `ReserveAssetDeposited(assets), ClearOrigin, xcm` (Rule 14).
    #[codec(index = 5)]
    TransferReserveAsset {
        /// What to move (from the origin's account).
        assets: Assets,
        /// The destination chain, relative to us.
        dest: Location,
        /// What the destination runs after receiving them.
        xcm: Xcm,
    },
    /// Dispatches an encoded runtime call with an origin derived from the message's origin.
    /// The runtime decodes and runs it (`TransactDispatcher`) within the declared weight.
    #[codec(index = 6)]
    Transact {
        /// How to derive the call's origin.
        origin_kind: OriginKind,
        /// The most weight the call may use; weighed up front, the unused part is not charged.
        #[codec(compact)]
        require_weight_at_most: u64,
        /// The runtime's SCALE-encoded call.
        call: Vec<u8>,
    },
    /// Drops the origin: later instructions run with no authority.
    #[codec(index = 10)]
    ClearOrigin,
    /// Sends the error register to `destination` as
    /// `QueryResponse(Response::ExecutionResult)`. Put in the appendix, it reports both
    /// success and failure (Rule 9).
    #[codec(index = 12)]
    ReportError(QueryResponseInfo),
    /// Takes the filtered assets from holding and deposits them to `beneficiary` here. Assets
    /// that cannot be deposited stay in holding.
    #[codec(index = 13)]
    DepositAsset {
        /// Which assets of holding.
        assets: AssetFilter,
        /// Who receives them, relative to us.
        beneficiary: Location,
    },
    /// Takes the filtered assets from holding into `dest`'s sovereign account here, and sends
    /// `dest` the message `ReserveAssetDeposited(assets), ClearOrigin, xcm` (Rule 14).
    #[codec(index = 14)]
    DepositReserveAsset {
        /// Which assets of holding.
        assets: AssetFilter,
        /// The destination chain, relative to us.
        dest: Location,
        /// What the destination runs after receiving them.
        xcm: Xcm,
    },
    /// Takes the filtered assets from holding and burns them (they are derivatives of the
    /// reserve's), and sends `reserve` the message `WithdrawAsset(assets), ClearOrigin, xcm`:
    /// the reserve withdraws them from our sovereign account there (Rule 14).
    #[codec(index = 16)]
    InitiateReserveWithdraw {
        /// Which assets of holding.
        assets: AssetFilter,
        /// The assets' reserve chain, relative to us.
        reserve: Location,
        /// What the reserve runs after withdrawing them.
        xcm: Xcm,
    },
    /// Sends the filtered part of holding (without taking it) to `destination` as
    /// `QueryResponse(Response::Assets)`.
    #[codec(index = 18)]
    ReportHolding {
        /// Where and how to report.
        response_info: QueryResponseInfo,
        /// Which assets of holding to report.
        assets: AssetFilter,
    },
    /// Buys execution weight with assets from holding (Rule 10).
    #[codec(index = 19)]
    BuyExecution {
        /// The fee asset and the most of it to pay.
        fees: Asset,
        /// The weight to buy; `None` buys the message's whole weight.
        weight_limit: Option<u64>,
    },
    /// Sets the error handler: the programme that replaces the rest of this one on an error
    /// (Rule 8).
    #[codec(index = 21)]
    SetErrorHandler(Xcm),
    /// Sets the appendix: the programme that runs after this one, success or not (Rule 9).
    #[codec(index = 22)]
    SetAppendix(Xcm),
    /// Takes back assets trapped earlier for this origin, exactly as trapped (Rule 11).
    #[codec(index = 24)]
    ClaimAsset {
        /// The trapped assets, exactly.
        assets: Assets,
        /// Which trap: xcm-lite keeps one, named `Here`.
        ticket: Location,
    },
    /// Fails with `ExpectationFalse` unless holding contains these assets.
    #[codec(index = 29)]
    ExpectAsset(Assets),
    /// Sets the topic register (Rule 5).
    #[codec(index = 44)]
    SetTopic(Topic),
    /// Asks for free execution; the barrier decides. Fails with `BadOrigin` if `check_origin`
    /// is set and is not the origin.
    #[codec(index = 47)]
    UnpaidExecution {
        /// The weight the sender expects the message to need at most.
        weight_limit: Option<u64>,
        /// The origin the sender expects the message to run with.
        check_origin: Option<Location>,
    },
}

impl Instruction {
    /// Whether the instruction brings assets into holding from outside the programme
    /// (`WithdrawAsset`, `ReserveAssetDeposited`, `ReceiveTeleportedAsset`): the part of an
    /// expired message that still runs (Rule 6).
    pub fn receives_assets(&self) -> bool {
        matches!(
            self,
            Instruction::WithdrawAsset(_)
                | Instruction::ReserveAssetDeposited(_)
                | Instruction::ReceiveTeleportedAsset(_)
        )
    }

    /// The programmes nested in the instruction that run here (the error handler or appendix
    /// it sets). The `xcm` of a transfer runs at its destination and is not listed.
    pub fn local_programme(&self) -> Option<&Xcm> {
        match self {
            Instruction::SetErrorHandler(xcm) | Instruction::SetAppendix(xcm) => Some(xcm),
            _ => None,
        }
    }

    /// All programmes nested in the instruction, local or sent elsewhere.
    pub fn nested_programmes(&self) -> Option<&Xcm> {
        match self {
            Instruction::SetErrorHandler(xcm)
            | Instruction::SetAppendix(xcm)
            | Instruction::TransferReserveAsset { xcm, .. }
            | Instruction::DepositReserveAsset { xcm, .. }
            | Instruction::InitiateReserveWithdraw { xcm, .. } => Some(xcm),
            _ => None,
        }
    }
}

/// An answer carried by `QueryResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Response {
    /// No information.
    #[codec(index = 0)]
    Null,
    /// Assets (from `ReportHolding`), written from the querier's point of view.
    #[codec(index = 1)]
    Assets(Assets),
    /// The error register (from `ReportError`): `None` if no error happened, else the index of
    /// the failing instruction in its programme and the error.
    #[codec(index = 2)]
    ExecutionResult(Option<(u32, XcmError)>),
    /// An acknowledgement of a whole message, sent because its envelope asked (`report_to`).
    #[codec(index = 3)]
    Ack(Ack),
}

/// How a message that asked for an acknowledgement ended (Rule 12).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Ack {
    /// The message's topic, to correlate the ack with the message.
    pub topic: Option<Topic>,
    /// How it ended.
    pub outcome: AckOutcome,
}

/// How an acknowledged message ended.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum AckOutcome {
    /// Every instruction ran without error (the appendix included).
    #[codec(index = 0)]
    Complete,
    /// The error register at the end: the failing instruction's index in its programme (the
    /// main programme, the error handler or the appendix) and the error.
    #[codec(index = 1)]
    Failed {
        /// The instruction's index in its programme.
        index: u32,
        /// The error.
        error: XcmError,
    },
    /// The message arrived after its deadline: only its asset receipts ran.
    #[codec(index = 2)]
    Expired {
        /// The deadline it carried (a relay-chain block number).
        deadline: u32,
    },
}

/// Where and how to send a report (`ReportError`, `ReportHolding`).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct QueryResponseInfo {
    /// Where to send the `QueryResponse`, relative to the reporting chain.
    pub destination: Location,
    /// The id the querier will recognise.
    #[codec(compact)]
    pub query_id: QueryId,
    /// The most weight the querier means to spend handling the response. The reporting chain
    /// does not use it; it stays with the querier's own bookkeeping.
    #[codec(compact)]
    pub max_weight: u64,
}

/// How `Transact` derives the call's origin from the message's origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode)]
pub enum OriginKind {
    /// The origin's native meaning here (a local account's own signed origin, say).
    #[codec(index = 0)]
    Native,
    /// The origin's sovereign account here, as a signed origin.
    #[codec(index = 1)]
    SovereignAccount,
    /// Root: only for origins the runtime trusts with everything (its relay chain, say).
    #[codec(index = 2)]
    Superuser,
    /// A dedicated "XCM origin" carrying the location, for calls that check it themselves.
    #[codec(index = 3)]
    Xcm,
}
