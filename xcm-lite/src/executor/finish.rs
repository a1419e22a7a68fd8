//! The end of a message: fees (Rule 10), leftovers (Rule 11), the acknowledgement (Rule 12).

use super::machine::Machine;
use super::outcome::XcmEvent;
use super::traits::TrapTicket;
use super::transfers::Envelope;
use crate::asset::{Asset, AssetFilter, Assets, WildAsset};
use crate::instruction::{Ack, AckOutcome, Instruction, QueryId, Response};
use crate::location::Location;
use crate::message::Xcm;

/// The query id acknowledgements carry; they are matched by topic, not by query id.
pub const ACK_QUERY_ID: QueryId = 0;

impl Machine<'_> {
    /// Rule 10: with a refund location, the price of the weight bought but not used goes back
    /// to holding (and on to the refund location with the other leftovers); the rest of the
    /// fees goes to the trader's collector (or, if that deposit fails, back to holding).
    pub(super) fn settle_fees(&mut self, refundable: bool) {
        let Some(paid) = self.fees_paid.take() else { return };
        let unused = self.weight_bought.saturating_sub(self.weight_used);
        let refund = match self.parts.trader.fee_for(unused, &paid.id) {
            Ok(price) if refundable && price.id == paid.id => price.amount.min(paid.amount),
            _ => 0,
        };
        let mut collected = paid.amount.saturating_sub(refund);
        if refund > 0
            && self.holding.subsume(Asset { id: paid.id.clone(), amount: refund }).is_err()
        {
            collected = paid.amount;
        }
        if collected > 0 {
            let fee = Asset { id: paid.id, amount: collected };
            let collector = self.parts.trader.fee_collector().clone();
            if self.state.deposit(&fee, &collector).is_err() {
                self.keep(Assets::from(fee));
            }
        }
    }

    /// Rule 11: what is left in holding goes to the refund location if there is one (what
    /// cannot go there is trapped), else to the trap.
    pub(super) fn return_leftovers(&mut self, refund_to: Option<Location>) {
        let leftovers = self.holding.take_all();
        if leftovers.is_empty() {
            return;
        }
        match refund_to {
            Some(to) => self.refund(&to, leftovers),
            None => self.trap(leftovers),
        }
    }

    /// Returns `assets` to `to`; traps what cannot be returned.
    ///
    /// A local account gets a deposit. An account on another chain gets them by the reserve
    /// rules (Rule 14), with that chain as destination and the programme
    /// `BuyExecution(first asset, unlimited), DepositAsset(All, account)`: assets we are the
    /// reserve of (their home is here) by a reserve deposit, assets whose home is that chain by
    /// a reserve withdrawal. Assets whose home is a third chain are not returned.
    fn refund(&mut self, to: &Location, assets: Assets) {
        let (chain, beneficiary) = to.split_chain();
        if chain.is_here() {
            let (refunded, failed) =
                assets.partition(|asset| self.state.deposit(asset, to).is_ok());
            self.refunded(to, [refunded]);
            self.trap(failed);
            return;
        }
        let (ours, rest) = assets.partition(|asset| home_chain(asset).is_here());
        let (theirs, third) = rest.partition(|asset| home_chain(asset) == chain);
        let mut refunded = [Assets::new(), Assets::new()];
        let mut failed = [third, Assets::new(), Assets::new()];
        if !ours.is_empty() {
            let xcm = self.refund_programme(&ours, &chain, &beneficiary);
            let placement = self.reserve_deposit(ours, &chain, xcm, Envelope::Empty);
            refunded[0] = placement.placed;
            failed[1] = placement.unplaced;
        }
        if !theirs.is_empty() {
            let xcm = self.refund_programme(&theirs, &chain, &beneficiary);
            match self.reserve_withdraw(theirs.clone(), &chain, xcm, Envelope::Empty) {
                Ok(()) => refunded[1] = theirs,
                Err((_, back)) => failed[2] = back,
            }
        }
        self.refunded(to, refunded);
        self.trap_all(failed);
    }

    /// Records refunded parts (of one collection) as one event.
    fn refunded<const N: usize>(&mut self, to: &Location, parts: [Assets; N]) {
        for assets in merge(parts) {
            self.events.push(XcmEvent::AssetsRefunded { to: to.clone(), assets });
        }
    }

    /// Traps parts (of one collection) under one ticket.
    fn trap_all<const N: usize>(&mut self, parts: [Assets; N]) {
        for assets in merge(parts) {
            self.trap(assets);
        }
    }

    /// `BuyExecution(first asset, unlimited), DepositAsset(All, beneficiary)`, written for
    /// `chain`. If the fee asset cannot be re-anchored, the transfer itself will fail on the
    /// same asset, so any placeholder does.
    fn refund_programme(&self, assets: &Assets, chain: &Location, beneficiary: &Location) -> Xcm {
        let fees = assets
            .iter()
            .next()
            .and_then(|first| {
                let id = first.id.reanchored(chain, self.parts.context).ok()?;
                Some(Asset { id, amount: first.amount })
            })
            .unwrap_or_else(|| Asset::new(Location::here(), 0));
        Xcm(alloc::vec![
            Instruction::BuyExecution { fees, weight_limit: None },
            Instruction::DepositAsset {
                assets: AssetFilter::Wild(WildAsset::All),
                beneficiary: beneficiary.clone(),
            },
        ])
    }

    /// Rule 11: traps `assets` under the message's original origin, with ticket
    /// blake2-256(origin, assets). If the trap fails, the loss is recorded.
    pub(super) fn trap(&mut self, assets: Assets) {
        if assets.is_empty() {
            return;
        }
        let origin = self.original_origin.clone();
        let ticket = TrapTicket::new(&origin, &assets);
        match self.state.trap(ticket, &origin, &assets) {
            Ok(()) => self.events.push(XcmEvent::AssetsTrapped { origin, assets, ticket }),
            Err(error) => self.events.push(XcmEvent::AssetsLost { assets, error }),
        }
    }

    /// Rule 12: sends `QueryResponse(Ack { topic, outcome })` to `to`.
    pub(super) fn acknowledge(&mut self, to: Location, expired: Option<u32>) {
        let outcome = match (expired, &self.error) {
            (Some(deadline), _) => AckOutcome::Expired { deadline },
            (None, None) => AckOutcome::Complete,
            (None, Some((index, error))) => {
                AckOutcome::Failed { index: *index, error: error.clone() }
            }
        };
        let response = Response::Ack(Ack { topic: self.topic, outcome });
        let instruction =
            Instruction::QueryResponse { query_id: ACK_QUERY_ID, response, querier: None };
        // An ack is two small instructions: it always fits the receiver's limits. Should it
        // not, no ack is sent and the outcome's events still tell what happened.
        if let Ok(message) = self.notification(instruction) {
            self.events.push(XcmEvent::AckSent { to: to.clone(), topic: self.topic });
            self.sent.push((to, message));
        }
    }
}

/// The chain an asset lives in: its home, and its reserve.
fn home_chain(asset: &Asset) -> Location {
    asset.id.0.split_chain().0
}

/// Disjoint parts of one collection, merged into one (as they always can be). Should a merge
/// fail, the part is kept apart: nothing is dropped. Empty parts are left out.
fn merge<const N: usize>(parts: [Assets; N]) -> alloc::vec::Vec<Assets> {
    let mut merged = Assets::new();
    let mut apart = alloc::vec::Vec::new();
    for part in parts {
        if merged.subsume_assets(&part).is_err() {
            apart.push(part);
        }
    }
    apart.push(merged);
    apart.retain(|assets| !assets.is_empty());
    apart
}
