//! Helpers of the parachain tests: a chain of ten validators whose keys come from fixed seeds,
//! two paras, and candidates, backing votes, bitfields and dispute statements signed with those
//! keys. With n = 10, f = 3: availability and dispute conclusions need 7; groups have 2
//! members (5 groups rotating over 2 cores every 5 blocks).

use atoll_primitives::candidate::CandidateDescriptor;
use atoll_primitives::crypto::Pair;
use atoll_primitives::parachain::{
    AvailabilityBitfield, BackedCandidate, CompactStatement, DisputeStatement, ParaInherentData,
    SignedAvailabilityBitfield, SigningContext, ValidityAttestation, BACKING_SIGNING_CONTEXT,
};
use atoll_primitives::relay::Slot;
use atoll_primitives::{
    CandidateCommitments, CandidateHash, CommittedCandidateReceipt, GroupIndex, Hash, HeadData,
    ParaId, SessionIndex, Sr25519Signature, ValidationCode, ValidatorIndex,
};
use atoll_relay_chain::chain_spec::{DEV_BALANCE, DEV_STAKE};
use atoll_relay_chain::testing::{author_block, DevChain};
use atoll_relay_chain::{
    queries, sanitize_para_inherent, BlockError, Genesis, GenesisPara, HostConfiguration,
    ParaInherentError, RelayBlock, RelayEvent, RelayExtrinsic,
};

use super::{dev, import_copy, with_body, FIRST_SLOT};

/// The system para (core 0).
pub const PARA_A: ParaId = ParaId(100);
/// A public para (core 1).
pub const PARA_B: ParaId = ParaId(2000);
/// The number of validators.
pub const N: u32 = 10;
/// The largest head in these tests' configuration.
pub const MAX_HEAD: u32 = 64;

/// Validator `i`'s key (index `i` in every session of these tests).
pub fn validator_key(i: u32) -> Pair {
    Pair::from_seed(&[u8::try_from(i).unwrap() + 1; 32])
}

/// The collator's key.
pub fn collator_key() -> Pair {
    Pair::from_seed(&[0xc0; 32])
}

/// Ten validators with `DEV_STAKE` each, test-network numbers with heads of at most 64
/// bytes, paras 100 and 2000, Alice funded and sudo.
pub fn para_genesis() -> Genesis {
    Genesis {
        config: HostConfiguration {
            max_head_data_size: MAX_HEAD,
            ..HostConfiguration::test_network()
        },
        validators: (0..N).map(|i| (validator_key(i).public(), DEV_STAKE)).collect(),
        balances: vec![(dev("Alice").public(), DEV_BALANCE)],
        paras: vec![
            GenesisPara {
                id: PARA_A,
                head: HeadData(vec![0xa0]),
                code: ValidationCode(b"\0asm para a".to_vec()),
            },
            GenesisPara {
                id: PARA_B,
                head: HeadData(vec![0xb0]),
                code: ValidationCode(b"\0asm para b".to_vec()),
            },
        ],
        sudo: Some(dev("Alice").public()),
        hrmp_channels: Vec::new(),
    }
}

/// `i` as a validator index.
pub fn v(i: u32) -> ValidatorIndex {
    ValidatorIndex(i)
}

/// A chain of [`para_genesis`], authored by validator 0 one slot after another.
#[derive(Clone)]
pub struct ParaChain {
    /// The chain.
    pub chain: DevChain,
    /// The genesis.
    pub genesis: Genesis,
    /// The slot of the next block.
    pub slot: u64,
    /// Every block produced.
    pub blocks: Vec<RelayBlock>,
}

impl ParaChain {
    /// A chain at genesis.
    pub fn new() -> ParaChain {
        let genesis = para_genesis();
        let chain = DevChain::new(&genesis).unwrap();
        ParaChain { chain, genesis, slot: FIRST_SLOT, blocks: Vec::new() }
    }

    /// The head's state root.
    pub fn root(&self) -> Hash {
        self.chain.root()
    }

    /// The head's hash.
    pub fn head_hash(&self) -> Hash {
        self.chain.head.hash()
    }

    /// The head's session.
    pub fn session(&self) -> SessionIndex {
        queries::session_index(&self.chain.db, &self.root()).unwrap()
    }

    /// Authors the next block from `xts` (by validator 0) and makes it the head.
    pub fn produce_with(
        &mut self,
        xts: Vec<RelayExtrinsic>,
    ) -> (RelayBlock, Vec<(RelayExtrinsic, BlockError)>) {
        let chain = &mut self.chain;
        let (mut block, refused) =
            author_block(&mut chain.db, &chain.head, Slot(self.slot), &validator_key(0), xts)
                .unwrap();
        // Unsealed is fine: the chain does not check seals.
        block.header.seal = Sr25519Signature::default();
        chain.head = block.header.clone();
        self.slot += 1;
        self.blocks.push(block.clone());
        (block, refused)
    }

    /// Authors the next block with the para inherent `data` and returns what it kept.
    pub fn produce(&mut self, data: ParaInherentData) -> ParaInherentData {
        let (block, refused) = self.produce_with(vec![RelayExtrinsic::ParaInherent(data)]);
        assert!(refused.is_empty(), "refused: {refused:?}");
        match &block.body[0] {
            RelayExtrinsic::ParaInherent(kept) => kept.clone(),
            other => panic!("the inherent comes first, found {other:?}"),
        }
    }

    /// Authors `n` blocks with empty inherents.
    pub fn skip(&mut self, n: u32) {
        for _ in 0..n {
            self.produce(ParaInherentData::default());
        }
    }

    /// The events of the head.
    pub fn events(&self) -> Vec<RelayEvent> {
        queries::events(&self.chain.db, &self.root())
            .unwrap()
            .into_iter()
            .map(|r| r.event)
            .collect()
    }

    /// `para`'s candidate with `head` on the head block as relay parent, as a collator would
    /// build it; `tamper` changes it before the collator signs.
    pub fn candidate(
        &self,
        para: ParaId,
        head: Vec<u8>,
        tamper: impl FnOnce(&mut CommittedCandidateReceipt),
    ) -> CommittedCandidateReceipt {
        let (db, root) = (&self.chain.db, self.root());
        let pvd = queries::persisted_validation_data(db, &root, para).unwrap().unwrap();
        let code = queries::para_code_hash(db, &root, para).unwrap().unwrap();
        let head = HeadData(head);
        let mut candidate = CommittedCandidateReceipt {
            descriptor: CandidateDescriptor {
                para_id: para,
                relay_parent: self.head_hash(),
                persisted_validation_data_hash: pvd.hash(),
                pov_hash: Hash::of(b"pov"),
                erasure_root: Hash::of(b"erasure root"),
                para_head: head.hash(),
                validation_code_hash: code,
                ..Default::default()
            },
            commitments: CandidateCommitments {
                head_data: head,
                hrmp_watermark: pvd.relay_parent_number,
                ..Default::default()
            },
        };
        tamper(&mut candidate);
        candidate.descriptor.sign(&collator_key());
        candidate
    }

    /// The group that backs `para`'s candidates on the head block, and its members.
    pub fn group_for(&self, para: ParaId) -> (GroupIndex, Vec<ValidatorIndex>) {
        let (db, root) = (&self.chain.db, self.root());
        let core = queries::availability_cores(db, &root)
            .unwrap()
            .into_iter()
            .find(|c| c.para_id == para)
            .unwrap();
        let groups = queries::validator_groups(db, &root).unwrap();
        (core.next_group, groups[core.next_group.0 as usize].clone())
    }

    /// `candidate` with votes of `voters` in this order: the first seconds, the others say
    /// valid, in the current session with the candidate's relay parent.
    pub fn back(
        &self,
        candidate: &CommittedCandidateReceipt,
        voters: &[ValidatorIndex],
    ) -> BackedCandidate {
        let hash = candidate.hash();
        let context = SigningContext {
            session: self.session(),
            parent_hash: candidate.descriptor.relay_parent,
        };
        let votes = voters
            .iter()
            .enumerate()
            .map(|(i, voter)| {
                let compact = if i == 0 {
                    CompactStatement::Seconded(hash)
                } else {
                    CompactStatement::Valid(hash)
                };
                let signature = validator_key(voter.0)
                    .sign(BACKING_SIGNING_CONTEXT, &compact.signing_payload(&context));
                let attestation = if i == 0 {
                    ValidityAttestation::Implicit(signature)
                } else {
                    ValidityAttestation::Explicit(signature)
                };
                (*voter, attestation)
            })
            .collect();
        BackedCandidate { candidate: candidate.clone(), votes }
    }

    /// `para`'s candidate with `head`, backed by its whole group.
    pub fn backed(&self, para: ParaId, head: Vec<u8>) -> BackedCandidate {
        let candidate = self.candidate(para, head, |_| {});
        self.back(&candidate, &self.group_for(para).1)
    }

    /// Bitfields of `voters` for the next block, each with `bits`.
    pub fn bitfields(
        &self,
        voters: &[ValidatorIndex],
        bits: &[bool],
    ) -> Vec<SignedAvailabilityBitfield> {
        let context = SigningContext { session: self.session(), parent_hash: self.head_hash() };
        voters
            .iter()
            .map(|voter| {
                SignedAvailabilityBitfield::sign(
                    &validator_key(voter.0),
                    AvailabilityBitfield(bits.to_vec()),
                    &context,
                    *voter,
                )
            })
            .collect()
    }

    /// What an author keeps of `data` on the head, and the error importing a block with all
    /// of `data` gives (which must be a para inherent error). Checks that `build_block` and
    /// `sanitize_para_inherent` keep the same.
    pub fn rejected(&self, data: ParaInherentData) -> (ParaInherentData, ParaInherentError) {
        let mut author = self.clone();
        let kept = author.produce(data.clone());
        let sanitized =
            sanitize_para_inherent(&self.chain.db, &self.chain.head, Slot(self.slot), &data)
                .unwrap();
        assert_eq!(sanitized, kept, "sanitize and build_block agree");
        let block = author.blocks.last().unwrap();
        let forged = with_body(block, vec![RelayExtrinsic::ParaInherent(data)]);
        match import_copy(&self.chain.db, &self.chain.head, &forged) {
            Err(BlockError::ParaInherent { index: 0, error }) => (kept, error),
            other => panic!("expected an invalid para inherent, got {other:?}"),
        }
    }
}

/// Validator `voter`'s signed `statement` about `candidate` of `session`.
pub fn dispute_vote(
    voter: ValidatorIndex,
    statement: DisputeStatement,
    candidate: CandidateHash,
    session: SessionIndex,
) -> (DisputeStatement, ValidatorIndex, Sr25519Signature) {
    let (context, payload) = statement.signing_payload(candidate, session);
    (statement, voter, validator_key(voter.0).sign(context, &payload))
}
