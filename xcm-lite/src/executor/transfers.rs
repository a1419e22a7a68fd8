//! Reserve transfers and the messages the executor sends (Rules 14 and 15).

use alloc::vec::Vec;

use parity_scale_codec::Encode;

use super::machine::Machine;
use super::outcome::XcmEvent;
use crate::asset::{Asset, Assets};
use crate::decode::MAX_MESSAGE_SIZE;
use crate::error::XcmError;
use crate::instruction::{Instruction, QueryResponseInfo, Response};
use crate::location::Location;
use crate::message::{Message, Xcm, MAX_INSTRUCTIONS};
use crate::versioned::VersionedXcm;

/// The envelope of a forwarded message (Rule 15).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Envelope {
    /// The message's deadline, and its refund location re-anchored for the destination.
    Inherit,
    /// Nothing (refunds, reports, acknowledgements: no further refunds or reports).
    Empty,
}

/// How far a reserve deposit got.
pub(super) struct Placement {
    /// Deposited into the destination's sovereign account, and announced to it.
    pub(super) placed: Assets,
    /// Not deposited: to go back where it came from.
    pub(super) unplaced: Assets,
    /// Why not everything was placed.
    pub(super) error: Option<XcmError>,
}

impl Placement {
    /// For an instruction: unplaced assets back to holding, and the error.
    pub(super) fn into_result(self, machine: &mut Machine<'_>) -> Result<(), XcmError> {
        machine.keep(self.unplaced);
        self.error.map_or(Ok(()), Err)
    }
}

impl Machine<'_> {
    /// Rule 14, `DepositReserveAsset` and remote refunds: `assets` (out of holding) into
    /// `dest`'s sovereign account here, announced to `dest` as
    /// `ReserveAssetDeposited(assets re-anchored), ClearOrigin, xcm`. The message is checked
    /// before anything moves; if a deposit fails, the assets deposited before it are still
    /// announced and the rest is returned unplaced.
    pub(super) fn reserve_deposit(
        &mut self,
        assets: Assets,
        dest: &Location,
        xcm: Xcm,
        envelope: Envelope,
    ) -> Placement {
        let prepared = self.reanchor_each(&assets, dest).and_then(|remote| {
            let all = Assets::from_assets(remote.iter().cloned())?;
            let message =
                self.forward(dest, Instruction::ReserveAssetDeposited(all), xcm.clone(), envelope)?;
            Ok((remote, message))
        });
        let (remote, message) = match prepared {
            Ok(prepared) => prepared,
            Err(error) => {
                return Placement { placed: Assets::new(), unplaced: assets, error: Some(error) }
            }
        };
        let mut deposited = 0usize;
        let mut error = None;
        for asset in assets.iter() {
            if let Err(failure) = self.state.deposit(asset, dest) {
                error = Some(failure);
                break;
            }
            deposited = deposited.saturating_add(1);
        }
        let (placed, unplaced) = assets.split_at(deposited);
        if deposited == remote.len() {
            self.send(dest.clone(), message);
        } else if deposited > 0 {
            self.announce_part(dest, &remote, &placed, xcm, envelope);
        }
        Placement { placed, unplaced, error }
    }

    /// Rule 14, `TransferReserveAsset`: `assets` from `from`'s account into `dest`'s sovereign
    /// account here, announced to `dest`. The message is checked before anything moves; an
    /// asset withdrawn but not deposited goes to holding; what was deposited is announced.
    pub(super) fn transfer_reserve_asset(
        &mut self,
        from: &Location,
        assets: Assets,
        dest: &Location,
        xcm: Xcm,
    ) -> Result<(), XcmError> {
        let remote = self.reanchor_each(&assets, dest)?;
        let all = Assets::from_assets(remote.iter().cloned())?;
        let message = self.forward(
            dest,
            Instruction::ReserveAssetDeposited(all),
            xcm.clone(),
            Envelope::Inherit,
        )?;
        let mut moved = 0usize;
        let mut error = None;
        for asset in assets.iter() {
            if let Err(failure) = self.state.withdraw(asset, from) {
                error = Some(failure);
                break;
            }
            if let Err(failure) = self.state.deposit(asset, dest) {
                self.keep(Assets::from(asset.clone()));
                error = Some(failure);
                break;
            }
            moved = moved.saturating_add(1);
        }
        let (placed, _) = assets.split_at(moved);
        if moved == remote.len() {
            self.send(dest.clone(), message);
        } else if moved > 0 {
            self.announce_part(dest, &remote, &placed, xcm, Envelope::Inherit);
        }
        error.map_or(Ok(()), Err)
    }

    /// Rule 14, `InitiateReserveWithdraw` and remote refunds: burns `assets` (out of holding;
    /// they are derivatives of the reserve's) and tells `reserve` to
    /// `WithdrawAsset(assets re-anchored), ClearOrigin, xcm` from our sovereign account there.
    /// All or nothing: on error the assets are handed back.
    pub(super) fn reserve_withdraw(
        &mut self,
        assets: Assets,
        reserve: &Location,
        xcm: Xcm,
        envelope: Envelope,
    ) -> Result<(), (XcmError, Assets)> {
        let prepared = assets.reanchored(reserve, self.parts.context).and_then(|remote| {
            self.forward(reserve, Instruction::WithdrawAsset(remote), xcm, envelope)
        });
        match prepared {
            // The burn: the assets leave holding and no account receives them.
            Ok(message) => {
                self.send(reserve.clone(), message);
                Ok(())
            }
            Err(error) => Err((error, assets)),
        }
    }

    /// Sends a `QueryResponse` for `ReportError` / `ReportHolding`.
    pub(super) fn report(
        &mut self,
        info: &QueryResponseInfo,
        response: Response,
    ) -> Result<(), XcmError> {
        let querier = self
            .origin
            .as_ref()
            .and_then(|origin| origin.reanchored(&info.destination, self.parts.context).ok());
        let instruction = Instruction::QueryResponse { query_id: info.query_id, response, querier };
        let message = self.notification(instruction)?;
        self.send(info.destination.clone(), message);
        Ok(())
    }

    /// A one-instruction message (a response or an acknowledgement) with the topic, in an
    /// empty envelope.
    pub(super) fn notification(&self, instruction: Instruction) -> Result<VersionedXcm, XcmError> {
        let mut instructions = alloc::vec![instruction];
        if let Some(topic) = self.topic {
            instructions.push(Instruction::SetTopic(topic));
        }
        checked(Message::new(Xcm(instructions)))
    }

    /// Rule 15: `head, ClearOrigin, xcm, SetTopic(topic)` for `dest`, within the receiver's
    /// decoding limits. `SetTopic` is appended when there is a topic and `xcm` does not already
    /// end with one.
    pub(super) fn forward(
        &self,
        dest: &Location,
        head: Instruction,
        xcm: Xcm,
        envelope: Envelope,
    ) -> Result<VersionedXcm, XcmError> {
        let mut instructions = Vec::with_capacity(xcm.len().saturating_add(3));
        instructions.push(head);
        instructions.push(Instruction::ClearOrigin);
        instructions.extend(xcm.0);
        if let Some(topic) = self.topic {
            if !matches!(instructions.last(), Some(Instruction::SetTopic(_))) {
                instructions.push(Instruction::SetTopic(topic));
            }
        }
        let mut message = Message::new(Xcm(instructions));
        if envelope == Envelope::Inherit {
            message.deadline = self.deadline;
            message.refund_to = self
                .refund_to
                .as_ref()
                .and_then(|refund_to| refund_to.reanchored(dest, self.parts.context).ok());
        }
        checked(message)
    }

    /// Queues a message for the transport.
    pub(super) fn send(&mut self, dest: Location, message: VersionedXcm) {
        self.events.push(XcmEvent::MessageSent { dest: dest.clone(), topic: self.topic });
        self.sent.push((dest, message));
    }

    /// Every asset re-anchored for `dest`, in the same order.
    fn reanchor_each(&self, assets: &Assets, dest: &Location) -> Result<Vec<Asset>, XcmError> {
        assets
            .iter()
            .map(|asset| {
                Ok(Asset {
                    id: asset.id.reanchored(dest, self.parts.context)?,
                    amount: asset.amount,
                })
            })
            .collect()
    }

    /// Announces the first `placed.len()` assets of a reserve deposit that stopped part way.
    /// The message is smaller than the full one that was checked, so it fits; should it not,
    /// the placed assets are recorded as lost (they sit unannounced in `dest`'s account).
    fn announce_part(
        &mut self,
        dest: &Location,
        remote: &[Asset],
        placed: &Assets,
        xcm: Xcm,
        envelope: Envelope,
    ) {
        let announced =
            Assets::from_assets(remote.iter().take(placed.len()).cloned()).and_then(|part| {
                self.forward(dest, Instruction::ReserveAssetDeposited(part), xcm, envelope)
            });
        match announced {
            Ok(message) => self.send(dest.clone(), message),
            Err(error) => self.events.push(XcmEvent::AssetsLost { assets: placed.clone(), error }),
        }
    }
}

/// `message` in the current version, if its receiver will decode it: at most
/// [`MAX_INSTRUCTIONS`] at the top level and [`MAX_MESSAGE_SIZE`] bytes.
fn checked(message: Message) -> Result<VersionedXcm, XcmError> {
    let instructions = message.xcm.len();
    if instructions > MAX_INSTRUCTIONS {
        return Err(XcmError::MessageTooLarge {
            size: u32::try_from(instructions).unwrap_or(u32::MAX),
            max: MAX_INSTRUCTIONS as u32,
        });
    }
    let message = VersionedXcm::V1(message);
    let size = message.encoded_size();
    if size > MAX_MESSAGE_SIZE {
        return Err(XcmError::MessageTooLarge {
            size: u32::try_from(size).unwrap_or(u32::MAX),
            max: MAX_MESSAGE_SIZE as u32,
        });
    }
    Ok(message)
}
