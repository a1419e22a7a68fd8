//! The on-disk artifact cache (Step 3).
//!
//! An artifact is a compiled module (`Module::serialize`) for one code hash and one compilation
//! key: the hash of the [`ExecutorParams`] fields that affect compilation together with the
//! engine's `precompile_compatibility_hash`. Its file, named `<code hash hex>-<key hex>.artifact`,
//! holds [`MAGIC`], the 32-byte blake2b-256 checksum of the payload, then the payload. Files are
//! written to a temporary name and renamed, so a reader never sees half a file.
//!
//! Loading verifies the magic and the checksum before `Module::deserialize`. Any failure
//! (truncated, corrupt, foreign, from another engine) is logged, the file is deleted and the
//! caller recompiles; a cache that cannot be written is a warning, never a failed validation.

use std::fs;
use std::hash::{Hash as _, Hasher};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use atoll_primitives::{blake2_256, ValidationCodeHash};
use blake2::digest::{consts::U32, Digest};
use wasmtime::{Engine, Module};

use crate::config::ExecutorParams;

/// The first bytes of every artifact file; the trailing digit is the format version.
pub const MAGIC: &[u8; 16] = b"atoll-pvf-art-v1";

/// The length of the checksum after [`MAGIC`].
const CHECKSUM_LEN: usize = 32;

/// The file extension of artifacts.
const EXTENSION: &str = "artifact";

/// Why an artifact file was refused or not written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArtifactError {
    /// The file is shorter than the magic and checksum.
    #[error("artifact file of {len} bytes is truncated (header is {header} bytes)")]
    Truncated {
        /// The file's length.
        len: usize,
        /// The header's length.
        header: usize,
    },
    /// The file does not start with [`MAGIC`].
    #[error("artifact file has foreign magic bytes {found}")]
    BadMagic {
        /// The hex of the first bytes found.
        found: String,
    },
    /// The payload does not match its checksum.
    #[error("artifact checksum mismatch: header says {expected}, payload hashes to {actual}")]
    ChecksumMismatch {
        /// The hex of the stored checksum.
        expected: String,
        /// The hex of the payload's hash.
        actual: String,
    },
    /// wasmtime refused the payload (for example compiled by another engine configuration).
    #[error("wasmtime refused the artifact: {0}")]
    Deserialize(String),
    /// wasmtime could not serialize a module.
    #[error("serializing the module failed: {0}")]
    Serialize(String),
    /// A file system operation failed.
    #[error("{op} {path}: {error}")]
    Io {
        /// The operation.
        op: &'static str,
        /// The file or directory.
        path: String,
        /// The operating system's error.
        error: String,
    },
}

/// An artifact file's bytes for a serialized module `payload`: magic, checksum, payload.
pub fn encode_artifact(payload: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(MAGIC.len() + CHECKSUM_LEN + payload.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&blake2_256(payload));
    bytes.extend_from_slice(payload);
    bytes
}

/// The payload of an artifact file, after checking its magic and checksum.
pub fn decode_artifact(bytes: &[u8]) -> Result<&[u8], ArtifactError> {
    let header = MAGIC.len() + CHECKSUM_LEN;
    if bytes.len() < header {
        return Err(ArtifactError::Truncated { len: bytes.len(), header });
    }
    let (magic, rest) = bytes.split_at(MAGIC.len());
    if magic != MAGIC {
        return Err(ArtifactError::BadMagic { found: hex::encode(magic) });
    }
    let (checksum, payload) = rest.split_at(CHECKSUM_LEN);
    let actual = blake2_256(payload);
    if checksum != actual {
        return Err(ArtifactError::ChecksumMismatch {
            expected: hex::encode(checksum),
            actual: hex::encode(actual),
        });
    }
    Ok(payload)
}

/// A [`Hasher`] feeding blake2b-256, to turn the engine's compatibility `Hash` into stable bytes.
struct Blake2Hasher(blake2::Blake2b<U32>);

impl Hasher for Blake2Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    fn finish(&self) -> u64 {
        let digest = self.0.clone().finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_le_bytes(first)
    }
}

/// The compilation key of Step 3: blake2b-256 of the artifact format, the compilation-relevant
/// executor params and the engine's precompile compatibility hash.
pub(crate) fn compilation_key(engine: &Engine, params: &ExecutorParams) -> [u8; 32] {
    let mut hasher = Blake2Hasher(blake2::Blake2b::<U32>::new());
    hasher.write(MAGIC);
    hasher.write(&params.compilation_key_bytes());
    engine.precompile_compatibility_hash().hash(&mut hasher);
    hasher.0.finalize().into()
}

/// Distinguishes the temporary files of concurrent writers in one process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// The artifact directory of one host.
#[derive(Debug)]
pub(crate) struct ArtifactCache {
    dir: PathBuf,
    key_hex: String,
}

impl ArtifactCache {
    /// The cache in `dir` for artifacts of `engine` with `params`. Creates the directory; if
    /// that fails the cache still works in the sense that every load misses and every store
    /// fails with a warning.
    pub(crate) fn new(dir: PathBuf, engine: &Engine, params: &ExecutorParams) -> ArtifactCache {
        if let Err(e) = fs::create_dir_all(&dir) {
            tracing::warn!(
                target: "pvf",
                dir = %dir.display(),
                error = %e,
                "cannot create the artifact cache directory; artifacts will only be kept in memory",
            );
        }
        ArtifactCache { dir, key_hex: hex::encode(compilation_key(engine, params)) }
    }

    /// The file of the artifact of `code_hash`.
    pub(crate) fn path_of(&self, code_hash: &ValidationCodeHash) -> PathBuf {
        self.dir.join(format!("{}-{}.{EXTENSION}", hex::encode(code_hash.0 .0), self.key_hex))
    }

    /// Loads the artifact of `code_hash`. `Ok(None)`: no file, or the cache cannot be read (a
    /// warning). `Err`: the file was refused and has been deleted (the caller recompiles and
    /// counts it).
    pub(crate) fn load(
        &self,
        engine: &Engine,
        code_hash: &ValidationCodeHash,
    ) -> Result<Option<Module>, ArtifactError> {
        let path = self.path_of(code_hash);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                // Not a bad artifact but an unusable cache (permissions, not a directory, ...):
                // a miss, with a warning; the file, if any, is left alone.
                tracing::warn!(
                    target: "pvf",
                    path = %path.display(),
                    error = %e,
                    "cannot read the artifact cache; compiling",
                );
                return Ok(None);
            }
        };
        let payload = decode_artifact(&bytes).map_err(|e| self.refuse(&path, e))?;
        #[allow(unsafe_code)]
        // SAFETY: `Module::deserialize` trusts its input to be a module serialized by a
        // compatible wasmtime; malicious bytes could run arbitrary code. We only get here with a
        // file at our own path in our own cache directory, whose payload matches the blake2b-256
        // checksum we wrote next to it, under a name that includes the engine's compatibility
        // hash: it is an artifact this host (or an earlier one with the same engine) serialized.
        // wasmtime additionally checks the engine version and configuration and refuses
        // mismatches with an error, which is handled below like any corrupt file.
        let module = unsafe { Module::deserialize(engine, payload) };
        match module {
            Ok(module) => Ok(Some(module)),
            Err(e) => Err(self.refuse(&path, ArtifactError::Deserialize(format!("{e:#}")))),
        }
    }

    /// Logs a refused artifact and deletes its file.
    fn refuse(&self, path: &Path, error: ArtifactError) -> ArtifactError {
        tracing::warn!(
            target: "pvf",
            path = %path.display(),
            %error,
            "refusing a cached artifact; deleting it and recompiling",
        );
        if let Err(e) = fs::remove_file(path) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(target: "pvf", path = %path.display(), error = %e, "cannot delete a refused artifact");
            }
        }
        error
    }

    /// Writes the artifact of `code_hash` atomically (temporary file, then rename).
    pub(crate) fn store(
        &self,
        code_hash: &ValidationCodeHash,
        module: &Module,
    ) -> Result<PathBuf, ArtifactError> {
        let payload = module.serialize().map_err(|e| ArtifactError::Serialize(format!("{e:#}")))?;
        let bytes = encode_artifact(&payload);
        let path = self.path_of(code_hash);
        let temp = self.dir.join(format!(
            ".{}.tmp-{}-{}",
            hex::encode(code_hash.0 .0),
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let written = write_synced(&temp, &bytes).and_then(|()| {
            fs::rename(&temp, &path).map_err(|e| io_error("renaming into", &path, &e))
        });
        if written.is_err() {
            // Best effort: the temporary file may not even exist.
            let _ = fs::remove_file(&temp);
        }
        written.map(|()| path)
    }
}

/// Creates `path` with `bytes` and syncs it to disk.
fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), ArtifactError> {
    let mut file = fs::File::create(path).map_err(|e| io_error("creating", path, &e))?;
    file.write_all(bytes).map_err(|e| io_error("writing", path, &e))?;
    file.sync_data().map_err(|e| io_error("syncing", path, &e))
}

fn io_error(op: &'static str, path: &Path, error: &std::io::Error) -> ArtifactError {
    ArtifactError::Io { op, path: path.display().to_string(), error: error.to_string() }
}
