//! atoll-xcm's integration tests, in one test binary (one link).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod codec;
mod common;
mod conformance;
mod control;
mod decode;
mod envelope;
mod fixtures;
mod instructions;
mod properties;
mod reanchor;
mod versions;
