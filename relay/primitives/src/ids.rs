//! Newtype identifiers. Each wraps a `u32` and encodes exactly as one (SCALE, 4 bytes LE), so
//! the wrapper costs nothing on the wire but keeps a `ParaId` from being passed as a core index.

use parity_scale_codec::{Decode, Encode, MaxEncodedLen};

macro_rules! id_newtype {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode,
            MaxEncodedLen,
        )]
        pub struct $name(pub u32);

        impl $name {
            /// The raw number, for indexing and arithmetic at the edges.
            pub const fn get(self) -> u32 {
                self.0
            }
        }

        impl From<u32> for $name {
            fn from(v: u32) -> Self {
                Self(v)
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}

id_newtype!(
    /// The id of a parachain, unique on its relay chain (registered ids start at 1000 by
    /// convention, as in Polkadot).
    ParaId,
    "para#"
);
id_newtype!(
    /// A validator's position in the active validator set of one session.
    ValidatorIndex,
    "validator#"
);
id_newtype!(
    /// An availability core: the relay chain's unit of parachain block space (one per para).
    CoreIndex,
    "core#"
);
id_newtype!(
    /// A backing group: the validators assigned together to one core for a rotation period.
    GroupIndex,
    "group#"
);
id_newtype!(
    /// A session: a span of relay blocks with one validator set and one configuration.
    SessionIndex,
    "session#"
);
id_newtype!(
    /// The height of a block (relay or para).
    BlockNumber,
    "#"
);

impl BlockNumber {
    /// The next height, saturating at `u32::MAX` (never reached in practice: at 1 s blocks that
    /// is 136 years).
    pub const fn next(self) -> Self {
        Self(self.0.saturating_add(1))
    }
}
