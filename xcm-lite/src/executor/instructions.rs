//! What each instruction does (Rule 7; the semantics are on [`Instruction`]'s variants).
//!
//! An instruction either succeeds or returns an error having put back into holding whatever it
//! took from there and could not place; effects of earlier instructions, and the parts of a
//! failing transfer already announced, persist (no rollback).

use super::machine::Machine;
use super::outcome::XcmEvent;
use super::traits::TrapTicket;
use super::transfers::Envelope;
use crate::asset::{Asset, AssetFilter, Assets};
use crate::error::XcmError;
use crate::instruction::{Instruction, OriginKind, QueryId, QueryResponseInfo, Response};
use crate::location::Location;

impl Machine<'_> {
    /// Runs one instruction.
    pub(super) fn process(&mut self, instruction: Instruction) -> Result<(), XcmError> {
        match instruction {
            Instruction::WithdrawAsset(assets) => self.withdraw_asset(assets),
            Instruction::ReserveAssetDeposited(assets) => self.receive(assets, Receipt::Reserve),
            Instruction::ReceiveTeleportedAsset(assets) => self.receive(assets, Receipt::Teleport),
            Instruction::QueryResponse { query_id, response, querier } => {
                self.query_response(query_id, response, querier)
            }
            Instruction::TransferReserveAsset { assets, dest, xcm } => {
                let origin = self.origin()?;
                self.transfer_reserve_asset(&origin, assets, &dest, xcm)
            }
            Instruction::Transact { origin_kind, require_weight_at_most, call } => {
                self.transact(origin_kind, require_weight_at_most, &call)
            }
            Instruction::ClearOrigin => {
                self.origin = None;
                Ok(())
            }
            Instruction::ReportError(info) => {
                let response = Response::ExecutionResult(self.error.clone());
                self.report(&info, response)
            }
            Instruction::DepositAsset { assets, beneficiary } => {
                self.deposit_asset(&assets, &beneficiary)
            }
            Instruction::DepositReserveAsset { assets, dest, xcm } => {
                let taken = self.holding.saturating_take(&assets);
                let placement = self.reserve_deposit(taken, &dest, xcm, Envelope::Inherit);
                placement.into_result(self)
            }
            Instruction::InitiateReserveWithdraw { assets, reserve, xcm } => {
                let taken = self.holding.saturating_take(&assets);
                match self.reserve_withdraw(taken, &reserve, xcm, Envelope::Inherit) {
                    Ok(()) => Ok(()),
                    Err((error, taken)) => {
                        self.keep(taken);
                        Err(error)
                    }
                }
            }
            Instruction::ReportHolding { response_info, assets } => {
                self.report_holding(&response_info, &assets)
            }
            Instruction::BuyExecution { fees, weight_limit } => {
                self.buy_execution(&fees, weight_limit)
            }
            Instruction::SetErrorHandler(xcm) => {
                self.error_handler = xcm;
                Ok(())
            }
            Instruction::SetAppendix(xcm) => {
                self.appendix = xcm;
                Ok(())
            }
            Instruction::ClaimAsset { assets, ticket } => self.claim_asset(assets, &ticket),
            Instruction::ExpectAsset(assets) => {
                if self.holding.contains(&assets) {
                    Ok(())
                } else {
                    Err(XcmError::ExpectationFalse)
                }
            }
            Instruction::SetTopic(topic) => {
                self.topic = Some(topic);
                Ok(())
            }
            Instruction::UnpaidExecution { check_origin, .. } => match check_origin {
                Some(expected) if self.origin.as_ref() != Some(&expected) => {
                    Err(XcmError::BadOrigin)
                }
                _ => Ok(()),
            },
        }
    }

    /// `WithdrawAsset`: all the assets from the origin's account, or none.
    fn withdraw_asset(&mut self, assets: Assets) -> Result<(), XcmError> {
        let origin = self.origin()?;
        self.holding.check_subsume(&assets)?;
        let mut withdrawn = 0usize;
        for asset in assets.iter() {
            if let Err(error) = self.state.withdraw(asset, &origin) {
                self.undo_withdrawals(assets.iter().take(withdrawn), &origin);
                return Err(error);
            }
            withdrawn = withdrawn.saturating_add(1);
        }
        self.keep(assets);
        Ok(())
    }

    /// Puts back what a failed `WithdrawAsset` took; what cannot go back is kept.
    fn undo_withdrawals<'b>(
        &mut self,
        withdrawn: impl Iterator<Item = &'b Asset>,
        origin: &Location,
    ) {
        for asset in withdrawn {
            if self.state.deposit(asset, origin).is_err() {
                self.keep(Assets::from(asset.clone()));
            }
        }
    }

    /// `ReserveAssetDeposited` / `ReceiveTeleportedAsset` (Rule 14): mint what a trusted
    /// origin vouches for.
    fn receive(&mut self, assets: Assets, receipt: Receipt) -> Result<(), XcmError> {
        let origin = self.origin()?;
        for asset in assets.iter() {
            match receipt {
                Receipt::Reserve if !self.parts.reserves.is_reserve(asset, &origin) => {
                    return Err(XcmError::UntrustedReserveLocation { asset: asset.id.clone() })
                }
                Receipt::Teleport if !self.parts.teleporters.is_teleporter(asset, &origin) => {
                    return Err(XcmError::UntrustedTeleportLocation { asset: asset.id.clone() })
                }
                _ => {}
            }
        }
        self.holding.subsume_assets(&assets)?;
        self.events.push(XcmEvent::AssetsReceived { origin, assets });
        Ok(())
    }

    fn query_response(
        &mut self,
        query_id: QueryId,
        response: Response,
        querier: Option<Location>,
    ) -> Result<(), XcmError> {
        let origin = self.origin()?;
        if !self.state.expecting_response(&origin, query_id, &response) {
            return Err(XcmError::UnexpectedResponse { query_id });
        }
        self.state.on_response(&origin, query_id, querier.as_ref(), response)?;
        self.events.push(XcmEvent::ResponseReceived { query_id });
        Ok(())
    }

    /// `Transact`: the declared weight was charged; the part the call did not use is given
    /// back.
    fn transact(
        &mut self,
        origin_kind: OriginKind,
        require_weight_at_most: u64,
        call: &[u8],
    ) -> Result<(), XcmError> {
        let origin = self.origin()?;
        let used = self.state.dispatch(&origin, origin_kind, call, require_weight_at_most)?;
        let unused = require_weight_at_most.saturating_sub(used);
        self.weight_used = self.weight_used.saturating_sub(unused);
        Ok(())
    }

    /// `DepositAsset`: what cannot be deposited stays in holding.
    fn deposit_asset(
        &mut self,
        filter: &AssetFilter,
        beneficiary: &Location,
    ) -> Result<(), XcmError> {
        let taken = self.holding.saturating_take(filter);
        let mut deposited = 0usize;
        let mut failure = None;
        for asset in taken.iter() {
            if let Err(error) = self.state.deposit(asset, beneficiary) {
                failure = Some(error);
                break;
            }
            deposited = deposited.saturating_add(1);
        }
        let (_, back) = taken.split_at(deposited);
        self.keep(back);
        failure.map_or(Ok(()), Err)
    }

    fn report_holding(
        &mut self,
        info: &QueryResponseInfo,
        filter: &AssetFilter,
    ) -> Result<(), XcmError> {
        let assets = self.holding.filtered(filter);
        let assets = assets.reanchored(&info.destination, self.parts.context)?;
        self.report(info, Response::Assets(assets))
    }

    /// `BuyExecution` (Rule 10).
    fn buy_execution(&mut self, fees: &Asset, weight_limit: Option<u64>) -> Result<(), XcmError> {
        let weight = weight_limit.unwrap_or(self.message_weight);
        let price = self.parts.trader.fee_for(weight, &fees.id)?;
        if price.amount > fees.amount {
            return Err(XcmError::TooExpensive { needed: price.amount, offered: fees.amount });
        }
        let held = self.holding.amount_of(&price.id);
        if held < price.amount {
            return Err(XcmError::NotHoldingFees { needed: price.amount, held });
        }
        let bought = self.weight_bought.checked_add(weight).ok_or(XcmError::Overflow)?;
        let paid = match &self.fees_paid {
            None => price.clone(),
            Some(paid) if paid.id == price.id => Asset {
                id: price.id.clone(),
                amount: paid.amount.checked_add(price.amount).ok_or(XcmError::Overflow)?,
            },
            // The trader changed its asset within one message: keep one fee asset only.
            Some(_) => return Err(XcmError::FeeAssetNotAccepted { offered: fees.id.clone() }),
        };
        self.holding.try_take(&price)?;
        self.weight_bought = bought;
        self.fees_paid = Some(paid);
        Ok(())
    }

    /// `ClaimAsset` (Rule 11): the same origin, exactly the trapped assets, the one trap.
    fn claim_asset(&mut self, assets: Assets, ticket: &Location) -> Result<(), XcmError> {
        let origin = self.origin()?;
        if !ticket.is_here() {
            return Err(XcmError::UnknownTrap);
        }
        self.holding.check_subsume(&assets)?;
        let trap_ticket = TrapTicket::new(&origin, &assets);
        self.state.claim(trap_ticket, &origin, &assets)?;
        self.keep(assets.clone());
        self.events.push(XcmEvent::AssetsClaimed { origin, assets, ticket: trap_ticket });
        Ok(())
    }
}

/// Which trust an asset receipt needs.
#[derive(Clone, Copy)]
enum Receipt {
    Reserve,
    Teleport,
}
