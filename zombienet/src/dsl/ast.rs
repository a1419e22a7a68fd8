//! The parsed form of a `.zndsl` test file: a header and one step per line.

use std::path::PathBuf;
use std::time::Duration;

/// A parsed test file.
#[derive(Clone, Debug, PartialEq)]
pub struct TestFile {
    /// `Description:` header, if any.
    pub description: Option<String>,
    /// `Network:` header: the network definition, as written (relative to the test file).
    pub network: PathBuf,
    /// The steps, in file order.
    pub steps: Vec<Step>,
}

/// One line of the test.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// 1-based line number in the file.
    pub line: usize,
    /// The line as written (trimmed), for messages.
    pub text: String,
    /// What to do.
    pub kind: StepKind,
}

/// What a step does.
#[derive(Clone, Debug, PartialEq)]
pub enum StepKind {
    /// `<node>: <assertion> [within N seconds]`.
    Assert {
        /// The node (or group) name before the colon.
        node: String,
        /// What must hold.
        assertion: Assertion,
        /// `within N seconds|secs|s`: keep checking until it holds or this passes (None:
        /// the runner's default, 10 s, as zombienet's).
        within: Option<Duration>,
    },
    /// `<node>: <command>`.
    Command {
        /// The node (or group) name before the colon.
        node: String,
        /// What to do to it.
        command: NodeCommand,
    },
    /// `sleep N seconds`.
    Sleep(Duration),
}

/// A comparison with a number: `is 4`, `is at least 10`, `< 3`, ...
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Comparison {
    /// The operator.
    pub op: CmpOp,
    /// The right-hand side.
    pub value: f64,
}

impl Comparison {
    /// Whether `observed` satisfies it.
    pub fn holds(&self, observed: f64) -> bool {
        match self.op {
            CmpOp::Eq => observed == self.value,
            CmpOp::Ne => observed != self.value,
            CmpOp::Lt => observed < self.value,
            CmpOp::Le => observed <= self.value,
            CmpOp::Gt => observed > self.value,
            CmpOp::Ge => observed >= self.value,
        }
    }
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    /// `==`, `=`, `equals`, `is`, `is equal to`.
    Eq,
    /// `!=`, `is not`.
    Ne,
    /// `<`, `is lower than`, `lower than`, `is less than`.
    Lt,
    /// `<=`, `is at most`, `at most`.
    Le,
    /// `>`, `is greater than`, `greater than`.
    Gt,
    /// `>=`, `is at least`, `at least`.
    Ge,
}

/// Which relay height.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeightKind {
    /// `best block`, `block height`, `blockheight`, `height`.
    Best,
    /// `finalised height`, `finalized height`, `finalised block`, `finalized block`.
    Finalized,
}

/// How a log line is matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogPattern {
    /// `matches "<regex>"` or `matches regex "<regex>"`.
    Regex(String),
    /// `matches glob "<glob>"` (`*` any run of characters, `?` one character).
    Glob(String),
    /// `contains "<text>"`.
    Contains(String),
}

/// What an assertion checks.
#[derive(Clone, Debug, PartialEq)]
pub enum Assertion {
    /// `is up`: the node's RPC answers.
    IsUp,
    /// `is down`: the node's process is not running (stopped or killed).
    IsDown,
    /// `best block is at least 5`, `finalised height is at least 2`, and the same after
    /// `reports` (`reports block height is at least 10`): read over RPC.
    Height {
        /// Best or finalized.
        kind: HeightKind,
        /// The comparison.
        cmp: Comparison,
    },
    /// `parachain 2000 is registered`: the id is in the relay chain's registered paras.
    ParaRegistered {
        /// The para id.
        para: u32,
    },
    /// `parachain 2000 block height is at least 3`: the para head the relay chain records
    /// (included), decoded to its block number.
    ParaHeight {
        /// The para id.
        para: u32,
        /// The comparison.
        cmp: Comparison,
    },
    /// `reports <metric> is 4`: a Prometheus sample. `metric` is the name, optionally with
    /// labels (`name{label="v"}`); the aliases `peers count`/`peers` are already resolved
    /// to `substrate_sub_libp2p_peers_count`.
    Metric {
        /// The metric name with optional `{label="value",...}` selector.
        metric: String,
        /// The comparison.
        cmp: Comparison,
    },
    /// `log line matches glob "*Imported #1*"` / `log line contains "x"` /
    /// `log line matches "re"`: at least one line of the node's log matches.
    LogLine {
        /// How lines are matched.
        pattern: LogPattern,
    },
    /// `count of log lines containing "error" is 0` (also `matching "re"`,
    /// `matching glob "g"`): the number of matching lines compared.
    LogCount {
        /// How lines are matched.
        pattern: LogPattern,
        /// The comparison.
        cmp: Comparison,
    },
    /// `balance of //Bob is at least 1000` (on a collator: the para's token balance at its
    /// best head; on a relay node: the relay balance).
    Balance {
        /// The account: a secret URI (`//Bob`) or an SS58 address.
        account: String,
        /// The comparison.
        cmp: Comparison,
    },
}

/// A command on a node.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeCommand {
    /// `pause`: SIGSTOP.
    Pause,
    /// `resume`: SIGCONT.
    Resume,
    /// `restart [after N seconds]`: stop, wait, start again with the same arguments and data.
    Restart {
        /// Time between stop and start.
        after: Option<Duration>,
    },
    /// `kill`: SIGKILL, not restarted.
    Kill,
    /// `transfer 1000 from //Alice to //Bob`: sign and submit a balance transfer through the
    /// node's RPC (collators: the para's token; relay nodes: the relay token).
    Transfer {
        /// Planck (or the para token's smallest unit).
        amount: u128,
        /// The signer: a secret URI.
        from: String,
        /// The recipient: a secret URI or an SS58 address.
        to: String,
    },
}
