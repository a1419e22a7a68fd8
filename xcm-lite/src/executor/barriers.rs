//! Provided [`Barrier`]s and their composition (Rule 4).
//!
//! A runtime usually combines them: `(AllowTopLevelPaidExecution, AllowKnownQueryResponses,
//! AllowUnpaidExecutionFrom(trusted))` lets a message run if any of the three allows it. A
//! refusal gives the first barrier's reason.

use alloc::vec::Vec;

use super::traits::{Barrier, ResponseHandler};
use crate::error::XcmError;
use crate::instruction::Instruction;
use crate::location::Location;
use crate::message::Message;

/// Allows a message that pays for itself: it starts with one or more asset receipts
/// (`WithdrawAsset`, `ReserveAssetDeposited`, `ReceiveTeleportedAsset`, `ClaimAsset`), then
/// any `ClearOrigin`s, then `BuyExecution` whose weight limit (`None`: all of it) covers the
/// message's weight.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AllowTopLevelPaidExecution;

impl Barrier for AllowTopLevelPaidExecution {
    fn should_execute(
        &self,
        _origin: &Location,
        message: &Message,
        weight: u64,
        _responses: &dyn ResponseHandler,
    ) -> Result<(), XcmError> {
        let mut instructions = message.xcm.iter().peekable();
        let mut receipts = 0usize;
        while instructions.next_if(|instruction| is_receipt(instruction)).is_some() {
            receipts = receipts.saturating_add(1);
        }
        if receipts == 0 {
            return Err(XcmError::NotPaidFor);
        }
        while instructions
            .next_if(|instruction| **instruction == Instruction::ClearOrigin)
            .is_some()
        {}
        match instructions.next() {
            Some(Instruction::BuyExecution { weight_limit, .. }) => covers(*weight_limit, weight),
            _ => Err(XcmError::NotPaidFor),
        }
    }
}

fn is_receipt(instruction: &Instruction) -> bool {
    instruction.receives_assets() || matches!(instruction, Instruction::ClaimAsset { .. })
}

/// `Ok` when a declared weight limit (`None`: unlimited) covers `needed`.
fn covers(limit: Option<u64>, needed: u64) -> Result<(), XcmError> {
    match limit {
        Some(bought) if bought < needed => Err(XcmError::WeightNotCovered { bought, needed }),
        _ => Ok(()),
    }
}

/// Allows any message from the listed origins without payment (the relay chain, system
/// chains). If the message starts with `UnpaidExecution`, its weight limit must cover the
/// message's weight.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowUnpaidExecutionFrom(pub Vec<Location>);

impl Barrier for AllowUnpaidExecutionFrom {
    fn should_execute(
        &self,
        origin: &Location,
        message: &Message,
        weight: u64,
        _responses: &dyn ResponseHandler,
    ) -> Result<(), XcmError> {
        if !self.0.contains(origin) {
            return Err(XcmError::OriginNotAllowed);
        }
        match message.xcm.iter().next() {
            Some(Instruction::UnpaidExecution { weight_limit, .. }) => {
                covers(*weight_limit, weight)
            }
            _ => Ok(()),
        }
    }
}

/// Allows, without payment, a message that is only an awaited `QueryResponse` (optionally
/// followed by its `SetTopic`): answers to our queries and acknowledgements of our messages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AllowKnownQueryResponses;

impl Barrier for AllowKnownQueryResponses {
    fn should_execute(
        &self,
        origin: &Location,
        message: &Message,
        _weight: u64,
        responses: &dyn ResponseHandler,
    ) -> Result<(), XcmError> {
        match message.xcm.0.as_slice() {
            [Instruction::QueryResponse { query_id, response, .. }]
            | [Instruction::QueryResponse { query_id, response, .. }, Instruction::SetTopic(_)]
                if responses.expecting_response(origin, *query_id, response) =>
            {
                Ok(())
            }
            _ => Err(XcmError::NotAnAwaitedResponse),
        }
    }
}

/// Tuples allow what any member allows, tried in order; a refusal gives the first member's
/// reason.
macro_rules! barrier_tuple {
    ($first:ident $(, $rest:ident)+) => {
        #[allow(non_snake_case)]
        impl<$first: Barrier $(, $rest: Barrier)+> Barrier for ($first, $($rest),+) {
            fn should_execute(
                &self,
                origin: &Location,
                message: &Message,
                weight: u64,
                responses: &dyn ResponseHandler,
            ) -> Result<(), XcmError> {
                let ($first, $($rest),+) = self;
                let first = match $first.should_execute(origin, message, weight, responses) {
                    Ok(()) => return Ok(()),
                    Err(error) => error,
                };
                $(
                    if $rest.should_execute(origin, message, weight, responses).is_ok() {
                        return Ok(());
                    }
                )+
                Err(first)
            }
        }
    };
}

barrier_tuple!(A, B);
barrier_tuple!(A, B, C);
barrier_tuple!(A, B, C, D);
barrier_tuple!(A, B, C, D, E);
