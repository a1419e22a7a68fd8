//! What a simulated node implements, and the context it acts through.

use parity_scale_codec::Encode;
use rand_chacha::ChaCha8Rng;

use crate::store::SimStore;

/// A node's id in the simulation (its index).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Encode)]
pub struct NodeId(pub u32);

impl core::fmt::Display for NodeId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "node#{}", self.0)
    }
}

/// Who a sent message goes to.
pub(crate) enum Recipients {
    /// One node.
    One(NodeId),
    /// Every other node.
    All,
    /// These nodes.
    Many(Vec<NodeId>),
}

/// A state machine driven by the simulator.
pub trait SimNode {
    /// What nodes send each other.
    type Message: Clone + Encode;

    /// Called when the node starts (at the beginning, and after each restart).
    fn on_start(&mut self, ctx: &mut Ctx<'_, Self::Message>);
    /// A message arrived.
    fn on_message(&mut self, ctx: &mut Ctx<'_, Self::Message>, from: NodeId, msg: &Self::Message);
    /// A timer set with [`Ctx::set_timer`] fired.
    fn on_timer(&mut self, ctx: &mut Ctx<'_, Self::Message>, timer: u64);
}

/// What a node sees and does while handling one event.
pub struct Ctx<'a, M> {
    pub(crate) now_ms: u64,
    pub(crate) me: NodeId,
    pub(crate) rng: &'a mut ChaCha8Rng,
    pub(crate) store: &'a mut SimStore,
    pub(crate) sends: Vec<(Recipients, M)>,
    pub(crate) timers: Vec<(u64, u64)>,
    pub(crate) notes: Vec<Vec<u8>>,
}

impl<M> Ctx<'_, M> {
    /// The current virtual time in milliseconds.
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// This node's id.
    pub fn me(&self) -> NodeId {
        self.me
    }

    /// This node's deterministic RNG (rule 2).
    pub fn rng(&mut self) -> &mut ChaCha8Rng {
        self.rng
    }

    /// This node's storage.
    pub fn store(&mut self) -> &mut SimStore {
        self.store
    }

    /// Sends `msg` to `to`.
    pub fn send(&mut self, to: NodeId, msg: M) {
        self.sends.push((Recipients::One(to), msg));
    }

    /// Sends `msg` to every other node.
    pub fn broadcast(&mut self, msg: M) {
        self.sends.push((Recipients::All, msg));
    }

    /// Sends one `msg` to each of `to` (hashed and shared once, like a broadcast).
    pub fn multicast(&mut self, to: Vec<NodeId>, msg: M) {
        self.sends.push((Recipients::Many(to), msg));
    }

    /// Fires [`SimNode::on_timer`] with `timer` at `at_ms` (immediately if in the past).
    pub fn set_timer(&mut self, at_ms: u64, timer: u64) {
        self.timers.push((at_ms, timer));
    }

    /// Records a note in the event log (a block imported, a block finalized, ...).
    pub fn note(&mut self, note: impl Encode) {
        self.notes.push(note.encode());
    }
}
