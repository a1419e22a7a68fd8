//! [`Genesis`]: what a chain starts with, and [`build_genesis`] (rule 2).

use std::collections::BTreeSet;

use atoll_primitives::relay::{PreDigest, RelayHeader, ValidatorId};
use atoll_primitives::{BlockNumber, Hash, HeadData, ParaId, Sr25519Signature, ValidationCode};
use atoll_trie::StateDb;
use parity_scale_codec::{Decode, Encode};

use crate::block::extrinsics_root;
use crate::config::{self, ConfigError, HostConfiguration};
use crate::dispatch::CallError;
use crate::error::ChainError;
use crate::extrinsic::AccountId;
use crate::inclusion;
use crate::paras::{self, ParaInfo};
use crate::scheduler;
use crate::session;
use crate::state::RelayExt;
use crate::system;
use crate::{balances, events::DispatchError};
use atoll_primitives::messaging::HrmpChannelId;

/// A para present from genesis (managed by sudo; any id, system paras below 1000 included).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct GenesisPara {
    /// Its id.
    pub id: ParaId,
    /// Its genesis head.
    pub head: HeadData,
    /// Its validation code.
    pub code: ValidationCode,
}

/// What a chain starts with. `Genesis::default()` (DESIGN.md's configuration, nothing else) is
/// the base a chain-spec patch is merged over; it is not valid alone (no validator).
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct Genesis {
    /// The configuration of session 0.
    pub config: HostConfiguration,
    /// Session 0's validators, by index, each with the stake bonded for it at genesis.
    pub validators: Vec<(ValidatorId, u128)>,
    /// Free balances.
    pub balances: Vec<(AccountId, u128)>,
    /// Paras registered at genesis.
    pub paras: Vec<GenesisPara>,
    /// The account allowed privileged calls, if any.
    pub sudo: Option<AccountId>,
    /// HRMP channels open from genesis (rule 27). Not part of the encoding (so not of session
    /// 0's randomness seed); they are in the genesis state like everything else.
    #[codec(skip)]
    pub hrmp_channels: Vec<GenesisChannel>,
}

/// An HRMP channel open from genesis, as a chain spec's `hrmpChannels` lists it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct GenesisChannel {
    /// The sending para.
    pub sender: ParaId,
    /// The receiving para.
    pub recipient: ParaId,
    /// Most messages it holds.
    pub max_capacity: u32,
    /// Largest message.
    pub max_message_size: u32,
}

/// Why a [`Genesis`] was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenesisError {
    /// The configuration failed its check.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Session 0 needs a validator.
    #[error("no validators: session 0 needs at least one")]
    NoValidators,
    /// A validator is listed twice.
    #[error("validator {0:?} is listed twice")]
    DuplicateValidator(ValidatorId),
    /// An account is listed twice in the balances.
    #[error("account {0:?} is listed twice in the balances")]
    DuplicateAccount(AccountId),
    /// A para id is listed twice.
    #[error("{0} is listed twice")]
    DuplicatePara(ParaId),
    /// A genesis HRMP channel cannot open (the reason).
    #[error("HRMP channel: {0}")]
    BadChannel(String),
    /// A para's head or code does not fit the configuration.
    #[error("{0}")]
    BadPara(DispatchError),
    /// The amounts add up to more than `u128::MAX`.
    #[error("total issuance overflows u128")]
    IssuanceOverflow,
}

impl Genesis {
    /// The checks [`build_genesis`] makes before writing anything.
    pub fn check(&self) -> Result<(), GenesisError> {
        self.config.check()?;
        if self.validators.is_empty() {
            return Err(GenesisError::NoValidators);
        }
        let mut seen = BTreeSet::new();
        if let Some((v, _)) = self.validators.iter().find(|(v, _)| !seen.insert(*v)) {
            return Err(GenesisError::DuplicateValidator(*v));
        }
        let mut seen = BTreeSet::new();
        if let Some((a, _)) = self.balances.iter().find(|(a, _)| !seen.insert(*a)) {
            return Err(GenesisError::DuplicateAccount(*a));
        }
        let mut seen = BTreeSet::new();
        for para in &self.paras {
            if !seen.insert(para.id) {
                return Err(GenesisError::DuplicatePara(para.id));
            }
            crate::paras::check_sizes(&self.config, para.id, Some(&para.head), &para.code)
                .map_err(GenesisError::BadPara)?;
        }
        let mut amounts =
            self.validators.iter().map(|(_, s)| *s).chain(self.balances.iter().map(|(_, b)| *b));
        amounts.try_fold(0u128, u128::checked_add).ok_or(GenesisError::IssuanceOverflow)?;
        Ok(())
    }

    /// Session 0's randomness: blake2-256 of this genesis' encoding.
    pub fn randomness(&self) -> [u8; 32] {
        Hash::of_encoded(self).0
    }
}

/// The genesis header of a state with root `state_root` (rule 2).
pub fn genesis_header(state_root: Hash) -> RelayHeader {
    RelayHeader {
        parent_hash: Hash::ZERO,
        number: BlockNumber(0),
        state_root,
        extrinsics_root: extrinsics_root(&[]),
        pre_digest: PreDigest::default(),
        seal: Sr25519Signature::default(),
    }
}

/// Rule 2: checks `genesis`, writes its state into `db` and returns the genesis header.
pub fn build_genesis(db: &mut StateDb, genesis: &Genesis) -> Result<RelayHeader, ChainError> {
    genesis.check()?;
    let empty = db.insert_entries(Vec::new());
    let overlay = {
        let mut ext = RelayExt::new(db, empty);
        write_genesis(&mut ext, genesis)?;
        ext.into_overlay()?
    };
    let entries = overlay.into_changes().filter_map(|(k, v)| v.map(|v| (k, v)));
    let root = db.insert_entries(entries);
    Ok(genesis_header(root))
}

fn write_genesis(ext: &mut RelayExt<'_>, genesis: &Genesis) -> Result<(), ChainError> {
    let internal = |e: CallError| match e {
        CallError::Internal(e) => e,
        CallError::Failed(_) => ChainError::Genesis(GenesisError::IssuanceOverflow),
    };
    config::ACTIVE.put(ext, &genesis.config);
    let validators: Vec<ValidatorId> = genesis.validators.iter().map(|(v, _)| *v).collect();
    session::init_genesis(ext, &validators, genesis.randomness());
    for (who, stake) in &genesis.validators {
        balances::mint(ext, who, 0, *stake).map_err(internal)?;
    }
    for (who, free) in &genesis.balances {
        balances::mint(ext, who, *free, 0).map_err(internal)?;
    }
    for para in &genesis.paras {
        let info = ParaInfo { manager: None, deposit: 0 };
        paras::insert_para(ext, para.id, &info, &para.head, &para.code)?;
    }
    if let Some(sudo) = &genesis.sudo {
        system::SUDO_KEY.put(ext, sudo);
    }
    for c in &genesis.hrmp_channels {
        let channel = HrmpChannelId { sender: c.sender, recipient: c.recipient };
        crate::messaging::hrmp::open_genesis(ext, channel, c.max_capacity, c.max_message_size)?
            .map_err(|e| ChainError::Genesis(GenesisError::BadChannel(e.to_string())))?;
    }
    // Rule 17: session 0's groups, for the cores of the genesis paras; it starts at block 1.
    scheduler::on_new_session(ext, &genesis.config, BlockNumber(1))?;
    inclusion::init_genesis(ext);
    ext.check()
}
