//! The protocol's default limits (DESIGN.md, "Numbers"). Each is a chain-spec parameter later;
//! these are the defaults and the hard caps the decoders use.

/// Largest PoV accepted: 5 MiB.
pub const MAX_POV_SIZE: u32 = 5 * 1024 * 1024;
/// Largest validation code (Wasm) accepted: 3 MiB.
pub const MAX_CODE_SIZE: u32 = 3 * 1024 * 1024;
/// Largest head data: 1 MiB.
pub const MAX_HEAD_DATA_SIZE: u32 = 1024 * 1024;
/// Wasm linear memory limit of a PVF execution: 128 MiB.
pub const MAX_HEAP_BYTES: u64 = 128 * 1024 * 1024;
/// Logical Wasm stack limit, in values (as Polkadot's executor counts it).
pub const MAX_STACK_VALUES: u32 = 65_536;
/// Backing execution timeout, in milliseconds.
pub const BACKING_TIMEOUT_MS: u64 = 2_000;
/// Approval and dispute execution timeout, in milliseconds (6x backing).
pub const APPROVAL_TIMEOUT_MS: u64 = 12_000;
/// PVF compilation timeout, in milliseconds.
pub const COMPILE_TIMEOUT_MS: u64 = 60_000;
/// Largest upward (and downward) message: 50 KiB.
pub const MAX_UPWARD_MESSAGE_SIZE: u32 = 50 * 1024;
/// HRMP channel default capacity, in messages.
pub const HRMP_CHANNEL_MAX_CAPACITY: u32 = 1_000;
/// HRMP channel default total size, in bytes.
pub const HRMP_CHANNEL_MAX_TOTAL_SIZE: u32 = 100 * 1024;
/// HRMP largest message, in bytes.
pub const HRMP_MAX_MESSAGE_SIZE: u32 = 50 * 1024;
/// Validators per backing group.
pub const VALIDATORS_PER_GROUP: u32 = 5;
/// Minimum backing votes.
pub const MINIMUM_BACKING_VOTES: u32 = 2;
