//! `zombienet`: spawn a multi-chain test network from a TOML definition, run a `.zndsl` test
//! on one, attach to a running one, or stop a kept one.
//!
//! Exit codes: 0 success, 1 a network or test failure, 2 an invalid definition, test file or
//! command line.

// The binary's loops read the clock for their status lines.
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};

/// `println!` that ignores a closed stdout (`zombienet spawn | head` must not panic).
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

/// `eprintln!` that ignores a closed stderr.
macro_rules! tell {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}
use zombienet::config::{self, Stage};
use zombienet::network::Network;
use zombienet::runner::{self, RunOptions};
use zombienet::spawn::{spawn, SpawnOptions};

/// Spawn and test Atoll networks (relay validators and parachain collators) on this machine.
#[derive(Parser)]
#[command(name = "zombienet", version)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

/// The stages `--wait-for` accepts.
#[derive(Clone, Copy, ValueEnum)]
enum WaitFor {
    /// Every process alive.
    ProcessUp,
    /// Every node answering RPC.
    Rpc,
    /// Every relay node importing blocks.
    Blocks,
    /// Finality advancing on every relay node.
    Finality,
    /// Every para's head advancing and finalized by its collators.
    ParaHeads,
}

impl From<WaitFor> for Stage {
    fn from(w: WaitFor) -> Stage {
        match w {
            WaitFor::ProcessUp => Stage::ProcessUp,
            WaitFor::Rpc => Stage::RpcAnswering,
            WaitFor::Blocks => Stage::BlocksImporting,
            WaitFor::Finality => Stage::FinalityAdvancing,
            WaitFor::ParaHeads => Stage::ParaHeadsAdvancing,
        }
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// Spawn the network a TOML file defines and follow it until Ctrl-C, which stops every
    /// process.
    Spawn {
        /// The network definition (zombienet's TOML format).
        network: PathBuf,
        /// The network's directory (new or empty; default: a new temporary one).
        #[arg(long, short = 'd')]
        dir: Option<PathBuf>,
        /// Leave the network running and exit once it is ready (stop it with `zombienet down`).
        #[arg(long)]
        keep: bool,
        /// The last readiness stage to wait for (default: the definition's, `para-heads`).
        #[arg(long, value_enum)]
        wait_for: Option<WaitFor>,
    },
    /// Run a `.zndsl` test: spawn its network (or use a running one), run every line, tear
    /// down.
    Test {
        /// The test file.
        test: PathBuf,
        /// Run on this running network (its `network.json`) instead of spawning one.
        #[arg(long)]
        network: Option<PathBuf>,
        /// The network's directory (new or empty; default: a new temporary one).
        #[arg(long, short = 'd')]
        dir: Option<PathBuf>,
        /// Leave the network running after the test.
        #[arg(long)]
        keep: bool,
    },
    /// Show a running network (from its `network.json`) and follow it until Ctrl-C; the
    /// network keeps running.
    Attach {
        /// The network's `network.json`.
        descriptor: PathBuf,
        /// Print the table and the status once, then exit.
        #[arg(long)]
        once: bool,
    },
    /// Stop every process of a kept network.
    Down {
        /// The network's `network.json`.
        descriptor: PathBuf,
    },
    /// Check a network definition without starting anything.
    Check {
        /// The network definition.
        network: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Cmd::Spawn { network, dir, keep, wait_for } => {
            cmd_spawn(&network, dir, keep, wait_for.map(Stage::from))
        }
        Cmd::Test { test, network, dir, keep } => cmd_test(&test, network, dir, keep),
        Cmd::Attach { descriptor, once } => cmd_attach(&descriptor, once),
        Cmd::Down { descriptor } => cmd_down(&descriptor),
        Cmd::Check { network } => match load(&network) {
            Ok(c) => {
                say!(
                    "{}: {} relay nodes, {} paras, {} HRMP channels: ok",
                    network.display(),
                    c.relaychain.nodes.len(),
                    c.parachains.len(),
                    c.hrmp_channels.len()
                );
                ExitCode::SUCCESS
            }
            Err(code) => code,
        },
    }
}

/// Loads and checks a definition, printing warnings; errors are printed and become exit 2.
fn load(path: &Path) -> Result<config::NetworkConfig, ExitCode> {
    match config::load(path) {
        Ok(parsed) => {
            for w in &parsed.warnings {
                tell!("warning: {}: {w}", path.display());
            }
            Ok(parsed.config)
        }
        Err(errors) => {
            tell!("{}: {errors}", path.display());
            Err(ExitCode::from(2))
        }
    }
}

/// Builds Atoll's binaries when run through cargo (`ZOMBIENET_BUILD=always|missing|never`;
/// default `always` under `cargo run`, `missing` otherwise).
fn ensure_binaries() -> Result<(), ExitCode> {
    let policy = std::env::var("ZOMBIENET_BUILD").unwrap_or_else(|_| {
        if std::env::var_os("CARGO").is_some() { "always" } else { "missing" }.into()
    });
    let result = match policy.as_str() {
        "never" => Ok(()),
        "missing" => zombienet::binaries::build_workspace_binaries(true),
        _ => zombienet::binaries::build_workspace_binaries(false),
    };
    result.map_err(|e| {
        tell!("error: {e}");
        ExitCode::from(1)
    })
}

fn stop_flag() -> Arc<AtomicBool> {
    zombienet::signals::stop_flag().unwrap_or_else(|| {
        tell!("warning: cannot install the Ctrl-C handler");
        Arc::new(AtomicBool::new(false))
    })
}

fn spawn_network(
    config: &config::NetworkConfig,
    dir: Option<PathBuf>,
    keep: bool,
    wait_for: Option<Stage>,
    stop: &Arc<AtomicBool>,
) -> Result<Network, ExitCode> {
    let opts = SpawnOptions { dir, keep, wait_for, show_progress: true, stop: Some(stop.clone()) };
    let started = Instant::now();
    tell!(
        "spawning {} relay nodes and {} collators ...",
        config.relaychain.nodes.len(),
        config.parachains.iter().map(|p| p.collators.len()).sum::<usize>()
    );
    match spawn(config, &opts) {
        Ok(network) => {
            say!("\n{}", network.table());
            say!("network is ready in {:.1} s", started.elapsed().as_secs_f64());
            Ok(network)
        }
        Err(e) => {
            tell!("error: {e}");
            match e {
                // Nothing was created or started: the definition or the machine is at fault.
                zombienet::SpawnError::Preflight(_) => Err(ExitCode::from(2)),
                zombienet::SpawnError::Stage { .. } | zombienet::SpawnError::Interrupted => {
                    tell!("every process was stopped; logs are kept in the network directory");
                    Err(ExitCode::from(1))
                }
                _ => Err(ExitCode::from(1)),
            }
        }
    }
}

fn cmd_spawn(path: &Path, dir: Option<PathBuf>, keep: bool, wait_for: Option<Stage>) -> ExitCode {
    let config = match load(path) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Err(code) = ensure_binaries() {
        return code;
    }
    let stop = stop_flag();
    let user_dir = dir.is_some() || config.settings.base_dir.is_some();
    let mut network = match spawn_network(&config, dir, keep, wait_for, &stop) {
        Ok(n) => n,
        Err(code) => return code,
    };
    if keep {
        say!(
            "the network keeps running; stop it with: zombienet down {}",
            network.descriptor_path().display()
        );
        return ExitCode::SUCCESS;
    }
    say!("Ctrl-C stops every process");
    let code = follow(&mut network, &stop, true);
    finish(network, user_dir, code)
}

/// Prints a status line every 10 s until the stop flag; with `owned`, a node that exits ends
/// it with a failure.
fn follow(network: &mut Network, stop: &AtomicBool, owned: bool) -> ExitCode {
    let mut last = None::<Instant>;
    while !stop.load(Ordering::SeqCst) {
        if last.is_none_or(|t| t.elapsed() >= Duration::from_secs(10)) {
            say!("{}", network.status_line());
            last = Some(Instant::now());
        }
        if owned {
            for i in 0..network.nodes().len() {
                let Some(node) = network.node_at_mut(i) else { continue };
                if !node.is_running() {
                    let code = node.exit_code();
                    tell!(
                        "error: node {} exited ({}); last lines of {}:\n{}",
                        node.name(),
                        code.map(|c| format!("code {c}")).unwrap_or_else(|| "stopped".into()),
                        node.log_path().display(),
                        node.log_tail(zombienet::readiness::TAIL_LINES)
                    );
                    return ExitCode::from(1);
                }
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    ExitCode::SUCCESS
}

/// Stops the network; removes its temporary directory after a success (a directory the user
/// chose, or one holding the logs of a failure, stays).
fn finish(network: Network, keep_dir: bool, code: ExitCode) -> ExitCode {
    let dir = network.dir().to_path_buf();
    let n = network.pids().len();
    tell!("stopping {n} processes ...");
    drop(network);
    if code == ExitCode::SUCCESS && !keep_dir {
        let _ = std::fs::remove_dir_all(&dir);
        tell!("stopped; removed {}", dir.display());
    } else {
        tell!("stopped; logs and data are in {}", dir.display());
    }
    code
}

fn cmd_test(path: &Path, attach: Option<PathBuf>, dir: Option<PathBuf>, keep: bool) -> ExitCode {
    let test = match zombienet::dsl::parse_file(path) {
        Ok(t) => t,
        Err(errors) => {
            tell!("{}: {errors}", path.display());
            return ExitCode::from(2);
        }
    };
    let stop = stop_flag();
    if let Some(descriptor) = attach {
        let mut network = match zombienet::descriptor::attach(&descriptor) {
            Ok(n) => n,
            Err(e) => {
                tell!("error: {e}");
                return ExitCode::from(2);
            }
        };
        return run_test(&mut network, &test, &stop);
    }
    let definition = path.parent().unwrap_or(Path::new(".")).join(&test.network);
    let config = match load(&definition) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Err(code) = ensure_binaries() {
        return code;
    }
    let user_dir = dir.is_some() || config.settings.base_dir.is_some();
    let mut network = match spawn_network(&config, dir, keep, None, &stop) {
        Ok(n) => n,
        Err(code) => return code,
    };
    let code = run_test(&mut network, &test, &stop);
    if keep {
        say!(
            "the network keeps running; stop it with: zombienet down {}",
            network.descriptor_path().display()
        );
        return code;
    }
    finish(network, user_dir, code)
}

fn run_test(
    network: &mut Network,
    test: &zombienet::dsl::TestFile,
    stop: &Arc<AtomicBool>,
) -> ExitCode {
    if let Some(d) = &test.description {
        say!("test: {d}");
    }
    let report = runner::run(network, test, &RunOptions { print: true, stop: Some(stop.clone()) });
    let passed = report.steps.iter().filter(|s| s.passed).count();
    match report.failure() {
        None if report.passed() => {
            say!("{passed} steps passed");
            ExitCode::SUCCESS
        }
        Some(f) => {
            say!(
                "test failed at line {}: {}\n  observed: {}\n  ({passed} passed, {} not run)",
                f.line,
                f.text,
                f.detail,
                report.skipped
            );
            for node in network.nodes() {
                say!(
                    "--- the last {} lines of {}'s log ({}) ---\n{}",
                    zombienet::readiness::TAIL_LINES,
                    node.name(),
                    node.log_path().display(),
                    node.log_tail(zombienet::readiness::TAIL_LINES)
                );
            }
            ExitCode::from(1)
        }
        None => ExitCode::from(1),
    }
}

fn cmd_attach(path: &Path, once: bool) -> ExitCode {
    let mut network = match zombienet::descriptor::attach(path) {
        Ok(n) => n,
        Err(e) => {
            tell!("error: {e}");
            return ExitCode::from(2);
        }
    };
    say!("{}", network.table());
    let mut down = 0;
    for i in 0..network.nodes().len() {
        let Some(node) = network.node_at_mut(i) else { continue };
        let state = if !node.is_running() {
            down += 1;
            "not running"
        } else if node.is_up() {
            "up"
        } else {
            "running, RPC not answering"
        };
        say!("{:<18} {state}", node.name());
    }
    if once {
        say!("{}", network.status_line());
        return if down == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) };
    }
    let stop = stop_flag();
    follow(&mut network, &stop, false)
}

fn cmd_down(path: &Path) -> ExitCode {
    let mut network = match zombienet::descriptor::attach(path) {
        Ok(n) => n,
        Err(e) => {
            tell!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let n = network.pids().len();
    network.stop();
    say!("stopped {n} processes of {}", network.dir().display());
    ExitCode::SUCCESS
}
