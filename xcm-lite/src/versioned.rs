//! Versions: every message on the wire starts with its version byte.
//!
//! - **V0** (codec index 0) is the bare programme, from before the envelope existed.
//! - **V1** (codec index 1) is the programme in its envelope ([`Message`]); the current one.
//!
//! A receiver turns any version into the latest ([`VersionedXcm::into_latest`]) before running
//! it; a sender writes a message down to what the destination understands
//! ([`VersionedXcm::into_version`]), which fails when something would be lost. A V2 adds a
//! variant and extends these two conversions: V0 and V1 go up to V2 losslessly, and V2 comes
//! down only when it uses nothing the older version lacks.

use parity_scale_codec::{Decode, Encode};

use crate::error::XcmError;
use crate::message::{Message, Xcm};

/// The version this crate writes and runs.
pub const CURRENT_VERSION: u8 = 1;

/// A message of any supported version, tagged by its version byte.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum VersionedXcm {
    /// The bare programme (no envelope).
    #[codec(index = 0)]
    V0(Xcm),
    /// The programme in its envelope.
    #[codec(index = 1)]
    V1(Message),
}

impl VersionedXcm {
    /// The version byte.
    pub const fn version(&self) -> u8 {
        match self {
            VersionedXcm::V0(_) => 0,
            VersionedXcm::V1(_) => 1,
        }
    }

    /// The message in the latest version. Lossless: a V0 programme gets an empty envelope.
    pub fn into_latest(self) -> Message {
        match self {
            VersionedXcm::V0(xcm) => Message::new(xcm),
            VersionedXcm::V1(message) => message,
        }
    }

    /// The message written in `version`. Going down to V0 needs an empty envelope (a deadline,
    /// refund or report location would be silently lost); an unknown version fails. Both fail
    /// with [`XcmError::VersionIncompatible`].
    pub fn into_version(self, version: u8) -> Result<VersionedXcm, XcmError> {
        match version {
            0 => {
                let message = self.into_latest();
                if message.has_empty_envelope() {
                    Ok(VersionedXcm::V0(message.xcm))
                } else {
                    Err(XcmError::VersionIncompatible { version })
                }
            }
            1 => Ok(VersionedXcm::V1(self.into_latest())),
            _ => Err(XcmError::VersionIncompatible { version }),
        }
    }
}

impl From<Message> for VersionedXcm {
    fn from(message: Message) -> Self {
        VersionedXcm::V1(message)
    }
}

impl From<Xcm> for VersionedXcm {
    /// A bare programme is written in the current version with an empty envelope.
    fn from(xcm: Xcm) -> Self {
        VersionedXcm::V1(Message::new(xcm))
    }
}
