//! Programmes ([`Xcm`]) and the envelope around them ([`Message`]).
//!
//! The envelope is what users of XCM miss (research notes, Part G): an optional deadline in
//! relay-chain blocks (every chain of the network shares the relay chain's block numbers, so a
//! deadline means the same everywhere), a location where leftover assets are returned instead
//! of being trapped, and a location to acknowledge the message to, correlated by its topic.

use alloc::vec::Vec;

use parity_scale_codec::{Compact, Decode, Encode, Input};

use crate::instruction::{Instruction, Topic};
use crate::location::Location;

/// The most instructions one programme may have (each nested programme counts on its own).
pub const MAX_INSTRUCTIONS: usize = 100;

/// The deepest programmes may nest: the top-level programme is at depth 0, a handler set in it
/// at depth 1, and so on. `SetErrorHandler`, `SetAppendix` and the `xcm` of transfers nest.
pub const MAX_XCM_DEPTH: u32 = 8;

/// The codec's description when a decoded programme has more than [`MAX_INSTRUCTIONS`].
pub(crate) const TOO_MANY_INSTRUCTIONS: &str = "xcm-lite limit: too many instructions";

/// A programme: instructions run in order by the executor.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode)]
pub struct Xcm(pub Vec<Instruction>);

impl Xcm {
    /// The empty programme.
    pub const fn new() -> Xcm {
        Xcm(Vec::new())
    }

    /// How many instructions (nested programmes not counted).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no instruction.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The instructions.
    pub fn iter(&self) -> core::slice::Iter<'_, Instruction> {
        self.0.iter()
    }

    /// The operand of the last top-level `SetTopic`, if any: the programme's topic.
    pub fn topic(&self) -> Option<Topic> {
        self.0.iter().rev().find_map(|instruction| match instruction {
            Instruction::SetTopic(topic) => Some(*topic),
            _ => None,
        })
    }

    /// How deep programmes nest inside this one (0 when nothing is nested). Computed without
    /// recursion, so any programme built in memory can be measured.
    pub fn depth(&self) -> u32 {
        let mut deepest = 0u32;
        let mut stack: Vec<(&Xcm, u32)> = alloc::vec![(self, 0)];
        while let Some((xcm, depth)) = stack.pop() {
            deepest = deepest.max(depth);
            for nested in xcm.iter().filter_map(Instruction::nested_programmes) {
                stack.push((nested, depth.saturating_add(1)));
            }
        }
        deepest
    }
}

impl From<Vec<Instruction>> for Xcm {
    fn from(instructions: Vec<Instruction>) -> Self {
        Xcm(instructions)
    }
}

impl Decode for Xcm {
    /// Decodes a programme, refusing a length prefix over [`MAX_INSTRUCTIONS`] before
    /// allocating. Each programme is one level of the codec's depth limit (`DecodeLimit`).
    fn decode<I: Input>(input: &mut I) -> Result<Self, parity_scale_codec::Error> {
        input.descend_ref()?;
        let Compact(len) = Compact::<u32>::decode(input)?;
        if len as usize > MAX_INSTRUCTIONS {
            return Err(TOO_MANY_INSTRUCTIONS.into());
        }
        let mut instructions = Vec::with_capacity(len as usize);
        for _ in 0..len {
            instructions.push(Instruction::decode(input)?);
        }
        input.ascend_ref();
        Ok(Xcm(instructions))
    }
}

/// A programme in its envelope: the unit a transport carries (as a [`VersionedXcm`]).
///
/// [`VersionedXcm`]: crate::VersionedXcm
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct Message {
    /// The programme.
    pub xcm: Xcm,
    /// The last relay-chain block at which the message may still run in full. Later, it is
    /// *expired*: only its leading asset receipts run (Rule 6).
    pub deadline: Option<u32>,
    /// Where leftover assets go at the end instead of the trap (Rule 11), relative to the
    /// receiver: a local account, or an account on another chain.
    pub refund_to: Option<Location>,
    /// Where to send an acknowledgement of the outcome (Rule 12), relative to the receiver.
    pub report_to: Option<Location>,
}

impl Message {
    /// `xcm` in an empty envelope.
    pub fn new(xcm: impl Into<Xcm>) -> Message {
        Message { xcm: xcm.into(), deadline: None, refund_to: None, report_to: None }
    }

    /// With a deadline (a relay-chain block number).
    pub fn with_deadline(mut self, deadline: u32) -> Message {
        self.deadline = Some(deadline);
        self
    }

    /// With a refund location for leftover assets.
    pub fn with_refund_to(mut self, refund_to: Location) -> Message {
        self.refund_to = Some(refund_to);
        self
    }

    /// With a location to acknowledge the message to.
    pub fn with_report_to(mut self, report_to: Location) -> Message {
        self.report_to = Some(report_to);
        self
    }

    /// Whether the envelope carries nothing (the message can be written as a bare programme).
    pub fn has_empty_envelope(&self) -> bool {
        self.deadline.is_none() && self.refund_to.is_none() && self.report_to.is_none()
    }

    /// Whether the message is expired at relay block `now`: its deadline is below `now`.
    pub fn is_expired(&self, now: u32) -> bool {
        self.deadline.is_some_and(|deadline| deadline < now)
    }

    /// The message's topic: its programme's last top-level `SetTopic` (Rule 5).
    pub fn topic(&self) -> Option<Topic> {
        self.xcm.topic()
    }
}
