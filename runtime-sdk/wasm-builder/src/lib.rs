//! # atoll-wasm-builder
//!
//! Builds a runtime crate to `wasm32-unknown-unknown` from that crate's own `build.rs`, so that
//! a plain `cargo build` or `cargo test` of the workspace produces every runtime's Wasm with no
//! manual step. The runtime crate then embeds the blob:
//!
//! ```ignore
//! // build.rs
//! fn main() { atoll_wasm_builder::build_current_package(); }
//! // lib.rs
//! #[cfg(feature = "std")]
//! pub const WASM_BINARY: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/runtime.wasm"));
//! ```
//!
//! ## Rules (numbered; the code cites them)
//!
//! 1. Inside the nested build itself (`ATOLL_WASM_BUILDER_NESTED` set) and when
//!    `ATOLL_SKIP_WASM_BUILD` (or `SKIP_WASM_BUILD`) is set, write an empty blob and stop: the
//!    first avoids recursion, the second is the escape hatch for `cargo check`/clippy/IDE runs.
//! 2. Make sure the `wasm32-unknown-unknown` target is installed for the toolchain in use;
//!    install it with `rustup target add` if not, and fail with a clear message if that fails.
//! 3. Run `cargo rustc -p <crate> --lib --crate-type cdylib --target wasm32-unknown-unknown
//!    --profile wasm-runtime --no-default-features` with its **own target directory** (sharing
//!    the outer one deadlocks on cargo's lock) and without the host's `RUSTFLAGS`,
//!    `CARGO_ENCODED_RUSTFLAGS`, `CARGO_PROFILE_*` overrides or workspace wrappers (they are for
//!    the host, and break or slow the Wasm build).
//! 4. Copy the `.wasm` to `$OUT_DIR/runtime.wasm`; on failure print the nested cargo's output
//!    (it is otherwise invisible) and fail the build script.
//! 5. Ask cargo to re-run when the runtime, the SDK or the primitives change.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const WASM_TARGET: &str = "wasm32-unknown-unknown";
const PROFILE: &str = "wasm-runtime";
const NESTED_ENV: &str = "ATOLL_WASM_BUILDER_NESTED";
const SKIP_ENVS: [&str; 2] = ["ATOLL_SKIP_WASM_BUILD", "SKIP_WASM_BUILD"];

/// Why the Wasm build failed.
#[derive(Debug)]
pub enum BuildError {
    /// A required environment variable that cargo sets for build scripts is missing.
    MissingEnv(&'static str),
    /// No workspace `Cargo.toml` above the runtime crate.
    NoWorkspace(PathBuf),
    /// The wasm32 target is missing and could not be installed.
    TargetMissing(String),
    /// The nested cargo failed.
    NestedCargo {
        /// The command line.
        command: String,
        /// What it printed.
        output: String,
    },
    /// Reading or writing a file failed.
    Io(String),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::MissingEnv(v) => write!(f, "environment variable {v} is not set (is this a build script?)"),
            BuildError::NoWorkspace(p) => write!(f, "no workspace Cargo.toml above {}", p.display()),
            BuildError::TargetMissing(msg) => write!(
                f,
                "the {WASM_TARGET} target is not installed and `rustup target add {WASM_TARGET}` failed: {msg}\n\
                 install it by hand with: rustup target add {WASM_TARGET}"
            ),
            BuildError::NestedCargo { command, output } => {
                write!(f, "building the Wasm runtime failed.\ncommand: {command}\n{output}")
            }
            BuildError::Io(msg) => write!(f, "{msg}"),
        }
    }
}

/// Builds the crate whose build script calls this, writing `$OUT_DIR/runtime.wasm`. On failure
/// prints the reason and exits the build script with status 1.
pub fn build_current_package() {
    if let Err(e) = try_build_current_package() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// [`build_current_package`] returning the error instead of exiting.
#[allow(clippy::disallowed_methods)] // Build tool, not protocol code: times the nested build.
pub fn try_build_current_package() -> Result<(), BuildError> {
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").ok_or(BuildError::MissingEnv("OUT_DIR"))?);
    let manifest_dir = PathBuf::from(
        env::var_os("CARGO_MANIFEST_DIR").ok_or(BuildError::MissingEnv("CARGO_MANIFEST_DIR"))?,
    );
    let package =
        env::var("CARGO_PKG_NAME").map_err(|_| BuildError::MissingEnv("CARGO_PKG_NAME"))?;
    let out_file = out_dir.join("runtime.wasm");

    println!("cargo:rerun-if-env-changed={NESTED_ENV}");
    for var in SKIP_ENVS {
        println!("cargo:rerun-if-env-changed={var}");
    }
    // Rule 1.
    if env::var_os(NESTED_ENV).is_some() {
        return write_file(&out_file, &[]);
    }
    if SKIP_ENVS.iter().any(|v| env::var_os(v).is_some()) {
        println!("cargo:warning={package}: Wasm build skipped (ATOLL_SKIP_WASM_BUILD); WASM_BINARY is empty");
        return write_file(&out_file, &[]);
    }

    let workspace = find_workspace_root(&manifest_dir)?;
    // Rule 5.
    for watched in [
        manifest_dir.join("src"),
        manifest_dir.join("Cargo.toml"),
        workspace.join("Cargo.toml"),
        workspace.join("Cargo.lock"),
        workspace.join("relay/primitives/src"),
        workspace.join("relay/primitives/Cargo.toml"),
        workspace.join("runtime-sdk/src"),
        workspace.join("runtime-sdk/Cargo.toml"),
        workspace.join("runtime-sdk/trie/src"),
        workspace.join("runtime-sdk/trie/Cargo.toml"),
        workspace.join("xcm-lite/src"),
    ] {
        if watched.exists() {
            println!("cargo:rerun-if-changed={}", watched.display());
        }
    }

    // Rule 2.
    ensure_wasm_target(&workspace)?;

    // Rule 3.
    let nested_target = nested_target_dir(&out_dir, &workspace);
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(&cargo);
    cmd.current_dir(&workspace)
        .args(["rustc", "--manifest-path"])
        .arg(workspace.join("Cargo.toml"))
        .args(["-p", &package, "--lib", "--crate-type", "cdylib", "--target", WASM_TARGET])
        .args(["--profile", PROFILE, "--no-default-features", "--quiet"])
        .env(NESTED_ENV, "1");
    for (key, _) in env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        if key.starts_with("CARGO_PROFILE_")
            || key.starts_with("CARGO_FEATURE_")
            || matches!(
                key,
                "RUSTFLAGS"
                    | "CARGO_ENCODED_RUSTFLAGS"
                    | "CARGO_BUILD_RUSTFLAGS"
                    | "RUSTC_WORKSPACE_WRAPPER"
                    | "CARGO_TARGET_DIR"
                    | "CARGO_BUILD_TARGET"
            )
        {
            cmd.env_remove(key);
        }
    }
    // Rule 3: its own target directory (set after the loop, which drops the outer one).
    cmd.env("CARGO_TARGET_DIR", &nested_target);
    let command_line = format!("{cmd:?}");
    let started = Instant::now();
    let output = cmd.output().map_err(|e| BuildError::NestedCargo {
        command: command_line.clone(),
        output: format!("could not start {cargo}: {e}"),
    })?;
    if !output.status.success() {
        return Err(BuildError::NestedCargo {
            command: command_line,
            output: format!(
                "--- stdout ---\n{}\n--- stderr ---\n{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        });
    }

    // Rule 4.
    let built = nested_target
        .join(WASM_TARGET)
        .join(PROFILE)
        .join(format!("{}.wasm", package.replace('-', "_")));
    let bytes = std::fs::read(&built)
        .map_err(|e| BuildError::Io(format!("reading {}: {e}", built.display())))?;
    write_file(&out_file, &bytes)?;
    let secs = started.elapsed().as_secs_f64();
    if secs > 5.0 {
        println!(
            "cargo:warning={package}: built Wasm runtime ({} bytes) in {secs:.1} s",
            bytes.len()
        );
    }
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), BuildError> {
    std::fs::write(path, bytes)
        .map_err(|e| BuildError::Io(format!("writing {}: {e}", path.display())))
}

fn find_workspace_root(start: &Path) -> Result<PathBuf, BuildError> {
    for dir in start.ancestors() {
        let manifest = dir.join("Cargo.toml");
        if let Ok(text) = std::fs::read_to_string(&manifest) {
            if text.lines().any(|l| l.trim() == "[workspace]") {
                return Ok(dir.to_path_buf());
            }
        }
    }
    Err(BuildError::NoWorkspace(start.to_path_buf()))
}

/// `<outer target dir>/wasm-runtimes`: found from `OUT_DIR` (`<target>/<profile>/build/<pkg>/out`).
fn nested_target_dir(out_dir: &Path, workspace: &Path) -> PathBuf {
    let outer = out_dir
        .ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "build"))
        .and_then(|build| build.parent())
        .and_then(|profile| profile.parent())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| workspace.join("target"));
    outer.join("wasm-runtimes")
}

/// Rule 2: the target's standard library is in the sysroot, or rustup installs it.
fn ensure_wasm_target(workspace: &Path) -> Result<(), BuildError> {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if let Some(sysroot) = &sysroot {
        if sysroot.join("lib/rustlib").join(WASM_TARGET).exists() {
            return Ok(());
        }
    }
    println!("cargo:warning=installing the {WASM_TARGET} target with rustup (needed to build the runtimes)");
    let mut cmd = Command::new("rustup");
    cmd.current_dir(workspace).args(["target", "add", WASM_TARGET]);
    if let Ok(toolchain) = env::var("RUSTUP_TOOLCHAIN") {
        cmd.args(["--toolchain", &toolchain]);
    }
    match cmd.output() {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(BuildError::TargetMissing(String::from_utf8_lossy(&o.stderr).into_owned())),
        Err(e) => Err(BuildError::TargetMissing(format!("could not run rustup: {e}"))),
    }
}
