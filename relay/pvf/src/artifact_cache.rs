//! The on-disk artifact cache (Step 3).
//!
//! An artifact is a compiled module (`Module::serialize`) for one code hash and one compilation
//! key: the hash of the [`ExecutorParams`] fields that affect compilation together with the
//! engine's `precompile_compatibility_hash`. Two files, named `<code hash hex>-<key hex>`:
//! `.artifact` holds exactly wasmtime's serialized module (so it can be memory-mapped by
//! `Module::deserialize_file`, ~0.1 ms for an 800 KB artifact against ~0.55 ms to deserialize
//! from a buffer), and `.artifact.sum` holds [`MAGIC`], the payload's CRC-32 and its length.
//! Both are written to temporary names, synced and renamed (payload first), so a reader never
//! sees half a file; a crash between the two renames leaves a mismatch, which is a miss.
//!
//! Loading reads the payload, verifies it against the sum file (CRC-32 guards against the
//! accidental corruption a cache suffers: truncation by a crash, flipped bits; it is ~25x faster
//! than blake2b here, and the cache directory is the node's own), then maps it. Any failure
//! (truncated, corrupt, foreign, from another engine) is logged, the file is deleted and the
//! caller recompiles; a cache that cannot be written is a warning, never a failed validation.

use std::fs;
use std::hash::{Hash as _, Hasher};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use atoll_primitives::ValidationCodeHash;
use blake2::digest::{consts::U32, Digest};
use wasmtime::{Engine, Module};

use crate::config::ExecutorParams;

/// The first bytes of every sum file; the trailing digit is the format version.
pub const MAGIC: &[u8; 16] = b"atoll-pvf-art-v2";

/// The length of a sum file: magic, CRC-32 (LE), payload length (u64 LE).
pub const SUM_LEN: usize = MAGIC.len() + 4 + 8;

/// The file extension of artifacts.
const EXTENSION: &str = "artifact";

/// Why an artifact file was refused or not written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArtifactError {
    /// The sum file is not [`SUM_LEN`] bytes long.
    #[error("artifact sum file of {len} bytes is truncated or foreign (expected {header} bytes)")]
    Truncated {
        /// The file's length.
        len: usize,
        /// The expected length.
        header: usize,
    },
    /// The sum file does not start with [`MAGIC`].
    #[error("artifact sum file has foreign magic bytes {found}")]
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

/// The sum file's bytes for a serialized module `payload`: magic, CRC-32, length.
pub fn encode_artifact(payload: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(SUM_LEN);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes
}

/// Checks `payload` against its sum file's bytes.
pub fn decode_artifact<'a>(sum: &[u8], payload: &'a [u8]) -> Result<&'a [u8], ArtifactError> {
    if sum.len() != SUM_LEN {
        return Err(ArtifactError::Truncated { len: sum.len(), header: SUM_LEN });
    }
    let (magic, rest) = sum.split_at(MAGIC.len());
    if magic != MAGIC {
        return Err(ArtifactError::BadMagic { found: hex::encode(magic) });
    }
    let expected = encode_artifact(payload);
    if rest != &expected[MAGIC.len()..] {
        return Err(ArtifactError::ChecksumMismatch {
            expected: hex::encode(rest),
            actual: hex::encode(&expected[MAGIC.len()..]),
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
        let sum_path = sum_path_of(&path);
        let sum = match fs::read(&sum_path) {
            Ok(sum) => sum,
            Err(e) => {
                return Err(self.refuse(&path, io_error("reading", &sum_path, &e)));
            }
        };
        decode_artifact(&sum, &bytes).map_err(|e| self.refuse(&path, e))?;
        #[allow(unsafe_code)]
        // SAFETY: `Module::deserialize_file` trusts the file to be a module serialized by a
        // compatible wasmtime and to stay unchanged while mapped; malicious bytes could run
        // arbitrary code. We only get here with a file at our own path in our own cache
        // directory, whose bytes we just checked against the sum we wrote beside it, under a
        // name that includes the engine's compatibility hash: it is an artifact this host (or an
        // earlier one with the same engine) serialized. Files here are only ever replaced by an
        // atomic rename, never modified in place, so the mapping sees the bytes we checked.
        // wasmtime additionally checks the engine version and configuration and refuses
        // mismatches with an error, which is handled below like any corrupt file.
        let module = unsafe { Module::deserialize_file(engine, &path) };
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
        for file in [path.to_path_buf(), sum_path_of(path)] {
            if let Err(e) = fs::remove_file(&file) {
                if e.kind() != std::io::ErrorKind::NotFound {
                    tracing::warn!(target: "pvf", path = %file.display(), error = %e, "cannot delete a refused artifact");
                }
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
        let sum = encode_artifact(&payload);
        let path = self.path_of(code_hash);
        let sum_path = sum_path_of(&path);
        let temp_of = |what: &str| {
            self.dir.join(format!(
                ".{}.{what}.tmp-{}-{}",
                hex::encode(code_hash.0 .0),
                std::process::id(),
                TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
            ))
        };
        let (temp, temp_sum) = (temp_of("artifact"), temp_of("sum"));
        let written = write_synced(&temp, &payload)
            .and_then(|()| write_synced(&temp_sum, &sum))
            .and_then(|()| {
                fs::rename(&temp, &path).map_err(|e| io_error("renaming into", &path, &e))
            })
            .and_then(|()| {
                fs::rename(&temp_sum, &sum_path)
                    .map_err(|e| io_error("renaming into", &sum_path, &e))
            });
        if written.is_err() {
            // Best effort: the temporary files may not even exist.
            let _ = fs::remove_file(&temp);
            let _ = fs::remove_file(&temp_sum);
        }
        written.map(|()| path)
    }
}

/// The sum file beside an artifact file.
fn sum_path_of(artifact: &Path) -> PathBuf {
    let mut name = artifact.as_os_str().to_owned();
    name.push(".sum");
    PathBuf::from(name)
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
