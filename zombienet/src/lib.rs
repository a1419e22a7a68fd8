//! # zombienet
//!
//! Atoll's test-network spawner, in the manner of Polkadot's zombienet: a network is defined in
//! TOML (a subset of zombienet's format), spawned as native processes of `atoll-relay` and
//! `atoll-collator` on this machine, declared ready stage by stage, tested with a `.zndsl`
//! file or from Rust, and torn down leaving no process behind.
//!
//! ## Bird's-eye view, in the order things are used
//!
//! - [`config`]: the definition. [`config::load`] parses a TOML file (every error at once,
//!   each with its key path; `{{ENV_VAR}}` templating), [`config::NetworkBuilder`] builds
//!   one in Rust; both yield a checked [`config::NetworkConfig`].
//! - [`spawn`]: the native provider. [`spawn::spawn`] resolves the binaries ([`binaries`]),
//!   reserves ports ([`ports`]), writes the relay chain spec with the paras and HRMP channels in
//!   genesis ([`chain_spec`]), starts every node in its own process group ([`process`]),
//!   writes `network.json` ([`descriptor`]) and waits for the readiness stages
//!   ([`readiness`]) while showing progress ([`progress`]).
//! - [`network`]: the handle. [`network::Network`] owns the processes (dropping it stops
//!   them all) and gives each [`network::NetworkNode`]: RPC, metrics, logs, heights, para
//!   heads, pause/resume/restart/kill and `wait_*` helpers.
//! - [`dsl`]: the test language, and [`runner`], which runs a parsed test on a network.
//! - [`signals`]: Ctrl-C and SIGTERM become a flag that every wait checks, so the handle is
//!   dropped and the network stopped.
//!
//! ## Teardown guarantees
//!
//! 1. Dropping an owned [`network::Network`] (end of a test, a failed assertion, a panic that
//!    unwinds) stops every process: SIGTERM to each process group, SIGKILL after 3 s.
//! 2. Ctrl-C or SIGTERM to the `zombienet` binary sets the stop flag; the command returns and
//!    the network is dropped (rule 1).
//! 3. If zombienet dies without unwinding (SIGKILL, abort), the kernel kills each node: it was
//!    started with a parent-death signal. The network must then be owned by the thread that
//!    spawned it (the thread's exit counts as the parent's death).
//! 4. `--keep` ([`spawn::SpawnOptions::keep`]) opts out of 1–3: the network runs on, and
//!    `zombienet down network.json` stops it.
//!
//! ## Example (Rust)
//!
//! ```no_run
//! use std::time::Duration;
//! use zombienet::config::{NetworkBuilder, Stage};
//! use zombienet::spawn::{spawn, SpawnOptions};
//!
//! let config = NetworkBuilder::new()
//!     .validator("alice")
//!     .validator("bob")
//!     .parachain(2000, |p| p.collator("collator-2000"))
//!     .wait_for(Stage::ParaHeadsAdvancing)
//!     .build()
//!     .map_err(|e| e.to_string())?;
//! let network = spawn(&config, &SpawnOptions::default()).map_err(|e| e.to_string())?;
//! let alice = network.node("alice").map_err(|e| e.to_string())?;
//! alice.wait_finalized_height(3, Duration::from_secs(30)).map_err(|e| e.to_string())?;
//! # Ok::<(), String>(())
//! ```

pub mod binaries;
pub mod chain_spec;
pub mod config;
pub mod descriptor;
pub mod dsl;
pub mod network;
pub mod ports;
pub mod process;
pub mod progress;
pub mod readiness;
pub mod runner;
pub mod signals;
pub mod spawn;

pub use config::{NetworkBuilder, NetworkConfig, Stage};
pub use network::{Network, NetworkNode, NodeError, Role};
pub use spawn::{spawn, SpawnError, SpawnOptions};
