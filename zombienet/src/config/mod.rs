//! Network definitions: the zombienet-compatible TOML subset ([`parse`]), `{{ENV_VAR}}`
//! templating ([`template`]), the checks every definition passes ([`validate`]), and a builder
//! for networks written in Rust ([`builder`]). Every error is collected, each with its key path.

pub mod builder;
pub mod error;
pub mod model;
pub mod parse;
pub mod template;
pub mod validate;

pub use builder::{
    NetworkBuilder, NodeBuilder, ParachainBuilder, DEFAULT_LOCAL_IP, DEFAULT_NODE_BALANCE,
    DEFAULT_SPAWN_TIMEOUT,
};
pub use error::{ConfigError, ConfigErrors};
pub use model::*;
pub use parse::{load, parse_str, Parsed};
