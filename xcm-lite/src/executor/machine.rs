//! The register machine: its registers and its main loop (Rules 6 to 9 and 13).

use alloc::vec::Vec;

use super::outcome::{InstructionFailure, Outcome, XcmEvent};
use super::traits::{IsReserve, IsTeleporter, Trader, Weigher, XcmState};
use crate::asset::{Asset, Assets};
use crate::error::XcmError;
use crate::instruction::Topic;
use crate::location::Location;
use crate::message::{Message, Xcm};
use crate::versioned::VersionedXcm;

/// The policies, borrowed from the configuration for one execution.
pub(super) struct Parts<'a> {
    /// Our absolute location.
    pub(super) context: &'a Location,
    pub(super) reserves: &'a dyn IsReserve,
    pub(super) teleporters: &'a dyn IsTeleporter,
    pub(super) weigher: &'a dyn Weigher,
    pub(super) trader: &'a dyn Trader,
}

/// One execution of one message: the XCVM's registers, plus what the execution produces.
pub(super) struct Machine<'a> {
    pub(super) parts: Parts<'a>,
    pub(super) state: &'a mut dyn XcmState,
    /// The origin the message arrived with: traps are kept under it (Rule 11).
    pub(super) original_origin: Location,
    /// The origin register: the authority instructions run with; `ClearOrigin` empties it.
    pub(super) origin: Option<Location>,
    /// The holding register: assets in flight, with no account during the execution.
    pub(super) holding: Assets,
    /// The error register: the last error and its instruction's index in its programme.
    pub(super) error: Option<(u32, XcmError)>,
    /// The error handler register (Rule 8).
    pub(super) error_handler: Xcm,
    /// The appendix register (Rule 9).
    pub(super) appendix: Xcm,
    /// The topic register (Rule 5).
    pub(super) topic: Option<Topic>,
    /// The message's weight, as weighed up front (Rule 3).
    pub(super) message_weight: u64,
    /// The weight of the instructions run so far.
    pub(super) weight_used: u64,
    /// The weight bought with `BuyExecution` so far (Rule 10).
    pub(super) weight_bought: u64,
    /// The fees taken from holding so far, in the trader's asset (Rule 10).
    pub(super) fees_paid: Option<Asset>,
    /// The envelope's deadline, inherited by forwarded messages (Rule 15).
    pub(super) deadline: Option<u32>,
    /// The envelope's refund location, inherited (re-anchored) by forwarded messages.
    pub(super) refund_to: Option<Location>,
    /// The relay block number the message runs at.
    pub(super) now: u32,
    /// Messages to send.
    pub(super) sent: Vec<(Location, VersionedXcm)>,
    /// Events so far.
    pub(super) events: Vec<XcmEvent>,
}

impl<'a> Machine<'a> {
    pub(super) fn new(
        parts: Parts<'a>,
        state: &'a mut dyn XcmState,
        origin: Location,
        topic: Option<Topic>,
        message_weight: u64,
        now: u32,
    ) -> Machine<'a> {
        Machine {
            parts,
            state,
            original_origin: origin.clone(),
            origin: Some(origin),
            holding: Assets::new(),
            error: None,
            error_handler: Xcm::new(),
            appendix: Xcm::new(),
            topic,
            message_weight,
            weight_used: 0,
            weight_bought: 0,
            fees_paid: None,
            deadline: None,
            refund_to: None,
            now,
            sent: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Runs a message that passed the weigher and the barrier, to its outcome.
    pub(super) fn run(mut self, message: Message) -> Outcome {
        let Message { xcm, deadline, refund_to, report_to } = message;
        self.deadline = deadline;
        self.refund_to = refund_to.clone();
        let expired = deadline.filter(|deadline| *deadline < self.now);
        match expired {
            // Rule 6: an expired message runs only its leading asset receipts.
            Some(deadline) => {
                let leading = xcm.iter().take_while(|i| i.receives_assets()).count();
                let mut receipts = xcm.0;
                receipts.truncate(leading);
                self.run_programme(Xcm(receipts));
                if self.error.is_none() {
                    let error = XcmError::Expired { deadline, now: self.now };
                    self.error = Some((index_of(leading), error));
                }
            }
            None => {
                // Rule 7: the programme.
                self.run_programme(xcm);
                // Rule 8: on error, the handler replaces the rest; its errors are not handled.
                if self.error.is_some() {
                    let handler = core::mem::take(&mut self.error_handler);
                    self.run_programme(handler);
                }
                // Rule 9: the appendix always runs, once.
                let appendix = core::mem::take(&mut self.appendix);
                self.run_programme(appendix);
            }
        }
        // Rule 10: fees for unused weight back to holding if they can be refunded, the rest to
        // the collector.
        self.settle_fees(refund_to.is_some());
        // Rule 11: leftovers to the refund location, or the trap.
        self.return_leftovers(refund_to);
        // Rule 12: the acknowledgement.
        if let Some(to) = report_to {
            self.acknowledge(to, expired);
        }
        // Rule 13: the outcome.
        self.into_outcome(expired)
    }

    /// Runs `xcm` until its end or its first error, which goes to the error register.
    fn run_programme(&mut self, xcm: Xcm) {
        for (index, instruction) in xcm.0.into_iter().enumerate() {
            let weight = match self.parts.weigher.instruction_weight(&instruction) {
                Ok(weight) => weight,
                Err(error) => {
                    self.error = Some((index_of(index), error));
                    return;
                }
            };
            // Rule 7: every instruction run is charged its own weight.
            let charged = self.weight_used.checked_add(weight).ok_or(XcmError::Overflow);
            let result = charged.and_then(|used| {
                self.weight_used = used;
                self.process(instruction)
            });
            if let Err(error) = result {
                self.error = Some((index_of(index), error));
                return;
            }
        }
    }

    /// Rule 13: the result is the error register; the last event says how it ended.
    fn into_outcome(mut self, expired: Option<u32>) -> Outcome {
        let result = match self.error.take() {
            None => Ok(()),
            Some((index, error)) => Err(InstructionFailure { index, error }),
        };
        let last = match (expired, &result) {
            (Some(deadline), _) => XcmEvent::Expired { deadline, now: self.now },
            (None, Ok(())) => XcmEvent::Executed { topic: self.topic },
            (None, Err(failure)) => XcmEvent::Failed {
                topic: self.topic,
                index: failure.index,
                error: failure.error.clone(),
            },
        };
        self.events.push(last);
        Outcome { result, weight_used: self.weight_used, sent: self.sent, events: self.events }
    }

    /// The origin register, or [`XcmError::BadOrigin`] when it is empty.
    pub(super) fn origin(&self) -> Result<Location, XcmError> {
        self.origin.clone().ok_or(XcmError::BadOrigin)
    }

    /// Puts assets that must not be lost back into holding; if holding cannot take them, traps
    /// them now; if even that fails, records their loss.
    pub(super) fn keep(&mut self, assets: Assets) {
        if assets.is_empty() {
            return;
        }
        if self.holding.subsume_assets(&assets).is_ok() {
            return;
        }
        self.trap(assets);
    }
}

/// An instruction index as the error register stores it.
fn index_of(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}
