//! The names the network speaks: gossip [`Topic`]s and request-response [`Protocol`]s, each
//! with its wire name and (for protocols) its size bounds.

use std::fmt;

const KIB: usize = 1024;
const MIB: usize = 1024 * 1024;

/// A gossip topic. On the wire it is namespaced by
/// [`NetworkConfig::protocol_prefix`](crate::NetworkConfig::protocol_prefix):
/// `"<prefix>/<name>/1"`, e.g. `"/atoll/local_testnet/blocks/1"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    /// Block announcements.
    Blocks,
    /// Finality votes and justifications.
    Finality,
    /// Backing statements.
    Statements,
    /// Availability bitfields.
    Bitfields,
    /// Approval assignments and votes.
    Approvals,
    /// Dispute statements.
    Disputes,
    /// Authority discovery records.
    Authorities,
}

impl Topic {
    /// Every topic; a node subscribes to all of them at start (rule 4 of the crate docs).
    pub const ALL: [Topic; 7] = [
        Topic::Blocks,
        Topic::Finality,
        Topic::Statements,
        Topic::Bitfields,
        Topic::Approvals,
        Topic::Disputes,
        Topic::Authorities,
    ];

    /// The short name, the middle part of the wire name.
    pub fn name(self) -> &'static str {
        match self {
            Topic::Blocks => "blocks",
            Topic::Finality => "finality",
            Topic::Statements => "statements",
            Topic::Bitfields => "bitfields",
            Topic::Approvals => "approvals",
            Topic::Disputes => "disputes",
            Topic::Authorities => "authorities",
        }
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A request-response protocol. On the wire it is `"<prefix>/<name>/1"`; each has its own bound
/// on request and response sizes, checked before anything is allocated (rule 1 of the crate docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    /// Block sync: small request, large response.
    Sync,
    /// Proof-of-validity fetch: small request, large response.
    Pov,
    /// Availability chunk fetch: small request, large response.
    Chunk,
    /// Collation submission: large request, small response.
    Collation,
    /// Direct message to a peer: large request, small acknowledgement.
    Direct,
}

impl Protocol {
    /// Every protocol; a node serves all of them.
    pub const ALL: [Protocol; 5] =
        [Protocol::Sync, Protocol::Pov, Protocol::Chunk, Protocol::Collation, Protocol::Direct];

    /// The short name, the middle part of the wire name: `"sync"`, `"pov"`, ...
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Sync => "sync",
            Protocol::Pov => "pov",
            Protocol::Chunk => "chunk",
            Protocol::Collation => "collation",
            Protocol::Direct => "direct",
        }
    }

    /// The largest request payload (without the 4-byte length prefix), in bytes.
    pub fn max_request_size(self) -> usize {
        match self {
            Protocol::Sync | Protocol::Pov | Protocol::Chunk => 4 * KIB,
            Protocol::Collation | Protocol::Direct => 16 * MIB,
        }
    }

    /// The largest response payload (without the 4-byte length prefix), in bytes.
    pub fn max_response_size(self) -> usize {
        match self {
            Protocol::Sync => 64 * MIB,
            Protocol::Pov | Protocol::Chunk => 16 * MIB,
            Protocol::Collation | Protocol::Direct => 4 * KIB,
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The full wire name `"<prefix>/<name>/1"` of a topic or protocol (or of an internal one).
pub(crate) fn wire_name(prefix: &str, name: &str) -> String {
    format!("{prefix}/{name}/1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct_and_bounds_fit_a_u32_prefix() {
        let mut names: Vec<_> = Topic::ALL.iter().map(|t| t.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Topic::ALL.len());
        let mut names: Vec<_> = Protocol::ALL.iter().map(|p| p.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Protocol::ALL.len());
        for p in Protocol::ALL {
            assert!(u32::try_from(p.max_request_size()).is_ok());
            assert!(u32::try_from(p.max_response_size()).is_ok());
        }
        assert_eq!(wire_name("/atoll/x", Topic::Blocks.name()), "/atoll/x/blocks/1");
    }
}
