//! What a relay block carries: [`RelayExtrinsic`]s — signed transactions of [`RelayCall`]s,
//! unsigned equivocation evidence and the para inherent.

use atoll_primitives::crypto::{self, Pair};
use atoll_primitives::host_abi::EXTRINSIC_SIGNING_CONTEXT;
use atoll_primitives::parachain::ParaInherentData;
use atoll_primitives::relay::{AuthorEquivocation, ValidatorId, VoteEquivocation};
use atoll_primitives::{Hash, HeadData, ParaId, Sr25519Public, Sr25519Signature, ValidationCode};
use parity_scale_codec::{Decode, Encode};

use crate::config::HostConfiguration;

/// An account: an sr25519 public key.
pub type AccountId = Sr25519Public;

/// One item of a relay block's body.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum RelayExtrinsic {
    /// A call signed by an account (rule 8).
    #[codec(index = 0)]
    Signed(SignedTransaction),
    /// Evidence that an author sealed two headers for one slot (rule 14). Boxed: two headers
    /// are far larger than the other variants (the encoding is the same as unboxed).
    #[codec(index = 1)]
    ReportAuthorEquivocation(Box<AuthorEquivocation>),
    /// Evidence that a voter signed two votes for one round and stage (rule 14).
    #[codec(index = 2)]
    ReportVoteEquivocation(VoteEquivocation),
    /// The parachain host's data (rule 19): dispute statements, availability bitfields and
    /// backed candidates. Unsigned, at most one per block, and only as its first extrinsic.
    #[codec(index = 3)]
    ParaInherent(ParaInherentData),
}

/// A call with its signer, nonce and signature.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct SignedTransaction {
    /// The account that signed.
    pub signer: AccountId,
    /// The signer's nonce: the number of its transactions included before this one.
    pub nonce: u64,
    /// What to do.
    pub call: RelayCall,
    /// sr25519 over [`signing_payload`] with `EXTRINSIC_SIGNING_CONTEXT`.
    pub signature: Sr25519Signature,
}

impl SignedTransaction {
    /// `call` signed by `pair` with `nonce` for the chain of `genesis_hash`.
    pub fn new(pair: &Pair, genesis_hash: Hash, nonce: u64, call: RelayCall) -> Self {
        let signature = pair.sign_extrinsic(&signing_payload(genesis_hash, nonce, &call));
        SignedTransaction { signer: pair.public(), nonce, call, signature }
    }

    /// Whether the signature is the signer's over this transaction on the chain of
    /// `genesis_hash`.
    pub fn verify(&self, genesis_hash: Hash) -> bool {
        crypto::verify(
            EXTRINSIC_SIGNING_CONTEXT,
            &signing_payload(genesis_hash, self.nonce, &self.call),
            &self.signature,
            &self.signer,
        )
    }
}

/// The bytes a relay transaction's signer signs: `(b"atoll-relay-tx", genesis_hash, nonce,
/// call)` SCALE-encoded. The genesis hash keeps a transaction from replaying on another chain.
pub fn signing_payload(genesis_hash: Hash, nonce: u64, call: &RelayCall) -> Vec<u8> {
    (b"atoll-relay-tx", genesis_hash, nonce, call).encode()
}

/// The calls of the relay chain (rule 9).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum RelayCall {
    /// Moves `amount` of the caller's free balance to `dest`.
    #[codec(index = 0)]
    Transfer {
        /// The receiver.
        dest: AccountId,
        /// How much.
        amount: u128,
    },
    /// Moves `amount` of free balance into the caller's bonded stake.
    #[codec(index = 1)]
    Bond {
        /// How much.
        amount: u128,
    },
    /// Moves `amount` of bonded stake back to free balance (no unbonding period yet).
    #[codec(index = 2)]
    Unbond {
        /// How much.
        amount: u128,
    },
    /// Registers a para (rule 10); the caller becomes its manager and pays the deposit.
    #[codec(index = 3)]
    RegisterPara {
        /// Its id, ≥ 1000 and free.
        id: ParaId,
        /// Its genesis head.
        genesis_head: HeadData,
        /// Its validation code.
        code: ValidationCode,
    },
    /// Removes a para (rule 12); its manager or sudo.
    #[codec(index = 4)]
    DeregisterPara {
        /// The para.
        id: ParaId,
    },
    /// Schedules new validation code (rule 11); the para's manager or sudo.
    #[codec(index = 5)]
    ScheduleCodeUpgrade {
        /// The para.
        id: ParaId,
        /// The new code.
        code: ValidationCode,
    },
    /// Sudo: the validator set of the next session (rule 13).
    #[codec(index = 6)]
    SetValidators {
        /// The new set, in index order.
        validators: Vec<ValidatorId>,
    },
    /// Sudo: the configuration of the next session (rule 13).
    #[codec(index = 7)]
    SetConfig(HostConfiguration),
    /// Sudo: sets a para's head, unfreezes it and frees its core (rule 25).
    #[codec(index = 8)]
    ForceSetHead {
        /// The para.
        para: ParaId,
        /// Its new head.
        head: HeadData,
    },
    /// Asks to open the channel `sender → recipient` (rule 27); the sender's manager or sudo.
    #[codec(index = 9)]
    HrmpInitOpenChannel {
        /// The sending para.
        sender: ParaId,
        /// The receiving para.
        recipient: ParaId,
        /// Most messages the channel holds.
        max_capacity: u32,
        /// Largest message.
        max_message_size: u32,
    },
    /// Accepts a request to open `sender → recipient`, which opens it (rule 27); the
    /// recipient's manager or sudo.
    #[codec(index = 10)]
    HrmpAcceptOpenChannel {
        /// The sending para.
        sender: ParaId,
        /// The receiving para.
        recipient: ParaId,
    },
    /// Closes `sender → recipient` (rule 27); either side's manager or sudo.
    #[codec(index = 11)]
    HrmpCloseChannel {
        /// The sending para.
        sender: ParaId,
        /// The receiving para.
        recipient: ParaId,
    },
    /// Sudo: queues a downward message (xcm-lite by convention) for a para (rule 26).
    #[codec(index = 12)]
    SendDownward {
        /// The para.
        para: ParaId,
        /// The message.
        message: Vec<u8>,
    },
}
