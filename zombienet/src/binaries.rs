//! Finding the node binaries a definition names, and building Atoll's own with cargo.
//!
//! A command with a `/` is a path (relative to the definition's directory). A bare name is
//! looked up next to the running executable first (a workspace build puts `zombienet`,
//! `atoll-relay` and `atoll-collator` in the same `target/<profile>/`), then in `PATH`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Atoll's node binaries: (package, binary).
pub const WORKSPACE_BINARIES: [(&str, &str); 2] =
    [("atoll-relay", "atoll-relay"), ("atoll-collator", "atoll-collator")];

/// The directory of the running executable (`target/<profile>/` for a workspace build, also
/// when running from `target/<profile>/deps/` as tests and benches do).
pub fn executable_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let mut dir = exe.parent()?.to_path_buf();
    if dir.ends_with("deps") {
        dir.pop();
    }
    Some(dir)
}

/// Resolves `command` to an executable file, or says where it looked.
pub fn resolve_command(command: &str, definition_dir: &Path) -> Result<PathBuf, String> {
    if command.contains('/') {
        let path = definition_dir.join(command);
        return if is_executable(&path) {
            Ok(path)
        } else {
            Err(format!("command `{command}`: {} is not an executable file", path.display()))
        };
    }
    let mut looked = Vec::new();
    if let Some(dir) = executable_dir() {
        let path = dir.join(command);
        if is_executable(&path) {
            return Ok(path);
        }
        looked.push(dir.display().to_string());
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let path = dir.join(command);
            if is_executable(&path) {
                return Ok(path);
            }
        }
    }
    looked.push("PATH".into());
    let hint = match WORKSPACE_BINARIES.iter().find(|(_, bin)| *bin == command) {
        Some((package, _)) => format!("; build it with `cargo build --release -p {package}`"),
        None => String::new(),
    };
    Err(format!("command `{command}` not found (looked in {}){hint}", looked.join(", ")))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Builds Atoll's node binaries into the running executable's target directory with cargo
/// (same profile), when that directory is a cargo target directory. With `only_missing`
/// nothing runs if they are all there. Cargo's own output goes to the terminal.
pub fn build_workspace_binaries(only_missing: bool) -> Result<(), String> {
    let Some(dir) = executable_dir() else { return Ok(()) };
    let Some(target) = dir.parent().filter(|t| t.join("CACHEDIR.TAG").exists()) else {
        // Not a cargo build: the binaries come from PATH.
        return Ok(());
    };
    if only_missing && WORKSPACE_BINARIES.iter().all(|(_, bin)| dir.join(bin).exists()) {
        return Ok(());
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(&cargo);
    cmd.arg("build");
    for (package, bin) in WORKSPACE_BINARIES {
        cmd.args(["-p", package, "--bin", bin]);
    }
    if dir.ends_with("release") {
        cmd.arg("--release");
    }
    cmd.env("CARGO_TARGET_DIR", target);
    // The workspace is the target directory's parent when the target directory is the default.
    if let Some(root) = target.parent().filter(|r| r.join("Cargo.toml").exists()) {
        cmd.current_dir(root);
    }
    let status = cmd.status().map_err(|e| format!("cannot run {cargo}: {e}"))?;
    if !status.success() {
        return Err(format!("building {} with cargo failed ({status})", binaries_list()));
    }
    Ok(())
}

fn binaries_list() -> String {
    WORKSPACE_BINARIES.iter().map(|(_, b)| *b).collect::<Vec<_>>().join(" and ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_command_says_where_it_looked() {
        let err = resolve_command("no-such-binary-xyz", Path::new("/")).unwrap_err();
        assert!(err.contains("not found") && err.contains("PATH"), "{err}");
        let err = resolve_command("./bin/nothing", Path::new("/tmp")).unwrap_err();
        assert!(err.contains("/tmp/./bin/nothing"), "{err}");
    }

    #[test]
    fn a_command_in_path_is_found() {
        assert!(resolve_command("sh", Path::new("/")).is_ok());
    }
}
