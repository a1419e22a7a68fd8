//! The JSON form of a [`Genesis`] (the `runtimeGenesis` patch): Polkadot-like pallet sections,
//! SS58 accounts, `0x` hex for heads and code, amounts as numbers (decimal strings above 2^64).
//!
//! ```json
//! { "configuration": { "config": { "slot_duration_ms": 6000, ... } },
//!   "session": { "validators": [["5Grw…", 1000000000000000]] },
//!   "balances": { "balances": [["5Grw…", 1000000000000000000]] },
//!   "paras": [{ "id": 1000, "head": "0x…", "code": "0x…" }],
//!   "hrmpChannels": [],
//!   "sudo": { "key": "5Grw…" } }
//! ```

use atoll_primitives::ss58;
use atoll_primitives::{HeadData, ParaId, ValidationCode};
use serde_json::{json, Value};

use super::json::{amount, at, hex_value, At};
use super::SpecError;
use crate::balances::Perbill;
use crate::config::HostConfiguration;
use crate::extrinsic::AccountId;
use crate::genesis::{Genesis, GenesisChannel, GenesisPara};

/// A configuration as JSON (snake_case keys, as Polkadot's `configuration.config`).
pub(crate) fn config_to_json(c: &HostConfiguration) -> Value {
    json!({
        "slot_duration_ms": c.slot_duration_ms,
        "session_length": c.session_length,
        "primary_probability": [c.primary_probability.0, c.primary_probability.1],
        "validators_per_group": c.validators_per_group,
        "minimum_backing_votes": c.minimum_backing_votes,
        "group_rotation_frequency": c.group_rotation_frequency,
        "needed_approvals": c.needed_approvals,
        "no_show_slots": c.no_show_slots,
        "max_code_size": c.max_code_size,
        "max_head_data_size": c.max_head_data_size,
        "max_pov_size": c.max_pov_size,
        "validation_upgrade_delay": c.validation_upgrade_delay,
        "code_retention_period": c.code_retention_period,
        "para_deposit": amount(c.para_deposit),
        "availability_timeout": c.availability_timeout,
        "max_relay_parent_age": c.max_relay_parent_age,
        "relay_vrf_modulo_samples": c.relay_vrf_modulo_samples,
        "n_delay_tranches": c.n_delay_tranches,
        "tranche_duration_ms": c.tranche_duration_ms,
        "dispute_period": c.dispute_period,
        "slash_backers": c.slash_backers.0,
        "slash_approvers": c.slash_approvers.0,
    })
}

/// Reads a configuration; every field is required.
pub(crate) fn config_from_json(v: At<'_>) -> Result<HostConfiguration, SpecError> {
    let mut o = v.obj()?;
    macro_rules! field {
        ($key:literal, $read:ident) => {{
            let (value, path) = o.req($key)?;
            at(value, &path).$read()?
        }};
    }
    let primary_probability = {
        let (value, path) = o.req("primary_probability")?;
        let (pa, a, pb, b) = at(value, &path).pair()?;
        (at(a, &pa).u32()?, at(b, &pb).u32()?)
    };
    let config = HostConfiguration {
        slot_duration_ms: field!("slot_duration_ms", u64),
        session_length: field!("session_length", u32),
        primary_probability,
        validators_per_group: field!("validators_per_group", u32),
        minimum_backing_votes: field!("minimum_backing_votes", u32),
        group_rotation_frequency: field!("group_rotation_frequency", u32),
        needed_approvals: field!("needed_approvals", u32),
        no_show_slots: field!("no_show_slots", u32),
        max_code_size: field!("max_code_size", u32),
        max_head_data_size: field!("max_head_data_size", u32),
        max_pov_size: field!("max_pov_size", u32),
        validation_upgrade_delay: field!("validation_upgrade_delay", u32),
        code_retention_period: field!("code_retention_period", u32),
        para_deposit: field!("para_deposit", u128),
        availability_timeout: field!("availability_timeout", u32),
        max_relay_parent_age: field!("max_relay_parent_age", u32),
        relay_vrf_modulo_samples: field!("relay_vrf_modulo_samples", u32),
        n_delay_tranches: field!("n_delay_tranches", u32),
        tranche_duration_ms: field!("tranche_duration_ms", u64),
        dispute_period: field!("dispute_period", u32),
        slash_backers: Perbill(field!("slash_backers", u32)),
        slash_approvers: Perbill(field!("slash_approvers", u32)),
    };
    o.finish()?;
    Ok(config)
}

fn accounts_to_json(list: &[(AccountId, u128)], prefix: u16) -> Value {
    Value::Array(
        list.iter().map(|(who, amt)| json!([ss58::encode(who, prefix), amount(*amt)])).collect(),
    )
}

fn accounts_from_json(v: At<'_>) -> Result<Vec<(AccountId, u128)>, SpecError> {
    v.array()?
        .into_iter()
        .map(|(path, item)| {
            let (pa, a, pb, b) = at(item, &path).pair()?;
            Ok((at(a, &pa).account()?, at(b, &pb).u128()?))
        })
        .collect()
}

/// A genesis as the JSON patch; addresses under `prefix`.
pub(crate) fn genesis_to_json(g: &Genesis, prefix: u16, hrmp_channels: &[Value]) -> Value {
    let paras: Vec<Value> = g
        .paras
        .iter()
        .map(
            |p| json!({ "id": p.id.0, "head": hex_value(&p.head.0), "code": hex_value(&p.code.0) }),
        )
        .collect();
    json!({
        "configuration": { "config": config_to_json(&g.config) },
        "session": { "validators": accounts_to_json(&g.validators, prefix) },
        "balances": { "balances": accounts_to_json(&g.balances, prefix) },
        "paras": paras,
        "hrmpChannels": hrmp_channels,
        "sudo": { "key": g.sudo.map(|k| ss58::encode(&k, prefix)) },
    })
}

/// Reads a genesis (after the patch was merged over the defaults); every section is required.
pub(crate) fn genesis_from_json(v: At<'_>) -> Result<(Genesis, Vec<Value>), SpecError> {
    let mut o = v.obj()?;
    let config = {
        let (value, path) = o.req("configuration")?;
        let mut section = at(value, &path).obj()?;
        let (value, path) = section.req("config")?;
        let config = config_from_json(at(value, &path))?;
        section.finish()?;
        config
    };
    let validators = {
        let (value, path) = o.req("session")?;
        let mut section = at(value, &path).obj()?;
        let (value, path) = section.req("validators")?;
        let validators = accounts_from_json(at(value, &path))?;
        section.finish()?;
        validators
    };
    let balances = {
        let (value, path) = o.req("balances")?;
        let mut section = at(value, &path).obj()?;
        let (value, path) = section.req("balances")?;
        let balances = accounts_from_json(at(value, &path))?;
        section.finish()?;
        balances
    };
    let paras = {
        let (value, path) = o.req("paras")?;
        let mut paras = Vec::new();
        for (path, item) in at(value, &path).array()? {
            let mut p = at(item, &path).obj()?;
            let (id, id_path) = p.req("id")?;
            let (head, head_path) = p.req("head")?;
            let (code, code_path) = p.req("code")?;
            paras.push(GenesisPara {
                id: ParaId(at(id, &id_path).u32()?),
                head: HeadData(at(head, &head_path).hex()?),
                code: ValidationCode(at(code, &code_path).hex()?),
            });
            p.finish()?;
        }
        paras
    };
    let (hrmp_channels, channels) = {
        let (value, path) = o.req("hrmpChannels")?;
        let items = at(value, &path).array()?;
        let mut channels = Vec::with_capacity(items.len());
        for (item_path, item) in &items {
            channels.push(channel_from_json(at(item, item_path))?);
        }
        (items.into_iter().map(|(_, v)| v.clone()).collect::<Vec<_>>(), channels)
    };
    let sudo = {
        let (value, path) = o.req("sudo")?;
        let mut section = at(value, &path).obj()?;
        let (key, key_path) = section.req("key")?;
        let key = if key.is_null() { None } else { Some(at(key, &key_path).account()?) };
        section.finish()?;
        key
    };
    o.finish()?;
    let genesis = Genesis { config, validators, balances, paras, sudo, hrmp_channels: channels };
    Ok((genesis, hrmp_channels))
}

/// One `hrmpChannels` item: Polkadot's `[sender, recipient, max_capacity, max_message_size]`,
/// or an object with those keys (snake_case or camelCase).
fn channel_from_json(v: At<'_>) -> Result<GenesisChannel, SpecError> {
    if let Ok(items) = v.array() {
        if items.len() != 4 {
            return Err(SpecError::BadNumber {
                path: v.path.to_string(),
                reason: format!(
                    "a channel is [sender, recipient, max_capacity, max_message_size], got {} items",
                    items.len()
                ),
            });
        }
        let n = |i: usize| at(items[i].1, &items[i].0).u32();
        return Ok(GenesisChannel {
            sender: ParaId(n(0)?),
            recipient: ParaId(n(1)?),
            max_capacity: n(2)?,
            max_message_size: n(3)?,
        });
    }
    let mut o = v.obj()?;
    let mut field = |snake: &'static str, camel: &'static str| -> Result<u32, SpecError> {
        match o.opt(snake).or_else(|| o.opt(camel)) {
            Some((value, path)) => at(value, &path).u32(),
            None => o.req(snake).map(|_| 0),
        }
    };
    let channel = GenesisChannel {
        sender: ParaId(field("sender", "sender")?),
        recipient: ParaId(field("recipient", "recipient")?),
        max_capacity: field("max_capacity", "maxCapacity")?,
        max_message_size: field("max_message_size", "maxMessageSize")?,
    };
    o.finish()?;
    Ok(channel)
}
