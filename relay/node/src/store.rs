//! The node's database: one sled tree, written in atomic batches, every value checksummed
//! (rules 1–3 of the crate docs).
//!
//! A value on disk is `crc32(payload)` (4 bytes, little endian) followed by the payload. Opening
//! reads every pair back and checks it: a value whose checksum fails, or a database made for
//! another chain, is refused with the key that failed. Nothing is ever deleted to "repair" a
//! database; the operator decides (restore a backup, or `purge-chain`).

use std::path::{Path, PathBuf};

use atoll_primitives::Hash;

/// Stored pairs: (key, value), checksums removed.
pub type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

/// Key of the genesis hash the database was made for.
pub const GENESIS_KEY: &[u8] = b"meta/genesis";

/// Why the database cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// sled failed (I/O, or its own log does not recover).
    #[error("database at {path}: {reason}")]
    Sled {
        /// The database directory.
        path: PathBuf,
        /// sled's error.
        reason: String,
    },
    /// A value does not match its checksum: the node refuses to run on it.
    #[error(
        "database at {path} is corrupt: the value at key {key} fails its checksum; refusing to \
         start on bad state (restore a backup, or delete it with `purge-chain`)"
    )]
    Checksum {
        /// The database directory.
        path: PathBuf,
        /// The key (printable prefix, then hex).
        key: String,
    },
    /// The database belongs to another chain.
    #[error(
        "database at {path} was made for the chain with genesis {found}, not {expected}; use \
         another --base-path or `purge-chain`"
    )]
    OtherChain {
        /// The database directory.
        path: PathBuf,
        /// Genesis hash recorded in the database.
        found: String,
        /// Genesis hash of the chain being started.
        expected: Hash,
    },
}

/// A key for messages: its printable prefix up to the first non-printable byte, then hex.
pub fn printable_key(key: &[u8]) -> String {
    let split = key.iter().position(|b| !b.is_ascii_graphic()).unwrap_or(key.len());
    let (text, rest) = key.split_at(split);
    let mut out = String::from_utf8_lossy(text).into_owned();
    if !rest.is_empty() {
        out.push_str("0x");
        out.push_str(&hex::encode(rest));
    }
    out
}

fn seal(payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(payload.len() + 4);
    v.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    v.extend_from_slice(payload);
    v
}

fn unseal(value: &[u8]) -> Option<&[u8]> {
    let (sum, payload) = value.split_at_checked(4)?;
    let sum = u32::from_le_bytes(sum.try_into().ok()?);
    (crc32fast::hash(payload) == sum).then_some(payload)
}

/// The node's database.
pub struct Store {
    path: PathBuf,
    db: sled::Db,
}

impl Store {
    /// Opens (or creates) the database at `path` for the chain with `genesis`, checking every
    /// value (rule 3). Returns the store and every pair in it (checksums removed).
    pub fn open(path: &Path, genesis: Hash) -> Result<(Store, Pairs), StoreError> {
        let sled_err =
            |e: sled::Error| StoreError::Sled { path: path.to_path_buf(), reason: e.to_string() };
        std::fs::create_dir_all(path).map_err(|e| StoreError::Sled {
            path: path.to_path_buf(),
            reason: format!("cannot create the directory: {e}"),
        })?;
        let db = sled::Config::new().path(path).open().map_err(sled_err)?;
        let store = Store { path: path.to_path_buf(), db };
        let mut pairs = Vec::new();
        for item in store.db.iter() {
            let (key, value) = item.map_err(sled_err)?;
            let Some(payload) = unseal(&value) else {
                return Err(StoreError::Checksum {
                    path: path.to_path_buf(),
                    key: printable_key(&key),
                });
            };
            pairs.push((key.to_vec(), payload.to_vec()));
        }
        match pairs.iter().find(|(k, _)| k == GENESIS_KEY) {
            Some((_, found)) if found.as_slice() != &genesis.0[..] => {
                return Err(StoreError::OtherChain {
                    path: path.to_path_buf(),
                    found: format!("0x{}", hex::encode(found)),
                    expected: genesis,
                })
            }
            Some(_) => {}
            None => {
                store
                    .write_batch(vec![(GENESIS_KEY.to_vec(), Some(genesis.as_bytes().to_vec()))])?;
                store.flush()?;
            }
        }
        pairs.retain(|(k, _)| k != GENESIS_KEY);
        Ok((store, pairs))
    }

    /// The database directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Rule 1: writes the pairs (`None` deletes) as one atomic batch.
    pub fn write_batch(&self, pairs: Vec<(Vec<u8>, Option<Vec<u8>>)>) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for (key, value) in pairs {
            match value {
                Some(v) => batch.insert(key, seal(&v)),
                None => batch.remove(key),
            }
        }
        self.db.apply_batch(batch).map_err(|e| self.err(e))
    }

    /// Rule 2: makes every write so far durable.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map(|_| ()).map_err(|e| self.err(e))
    }

    /// Every pair under `prefix` (checksums checked).
    pub fn scan_prefix(&self, prefix: &[u8]) -> Result<Pairs, StoreError> {
        let mut out = Vec::new();
        for item in self.db.scan_prefix(prefix) {
            let (key, value) = item.map_err(|e| self.err(e))?;
            let payload = unseal(&value).ok_or_else(|| StoreError::Checksum {
                path: self.path.clone(),
                key: printable_key(&key),
            })?;
            out.push((key.to_vec(), payload.to_vec()));
        }
        Ok(out)
    }

    /// Size of the database on disk, bytes.
    pub fn size_on_disk(&self) -> u64 {
        self.db.size_on_disk().unwrap_or(0)
    }

    fn err(&self, e: sled::Error) -> StoreError {
        StoreError::Sled { path: self.path.clone(), reason: e.to_string() }
    }
}

/// Test support: writes raw bytes (no checksum) at `key` of the database at `path`, as a disk
/// fault would leave them. For corruption tests only.
pub fn corrupt_value_for_tests(path: &Path, key: &[u8], raw: &[u8]) -> Result<(), StoreError> {
    let db = sled::Config::new()
        .path(path)
        .open()
        .map_err(|e| StoreError::Sled { path: path.to_path_buf(), reason: e.to_string() })?;
    db.insert(key, raw)
        .map_err(|e| StoreError::Sled { path: path.to_path_buf(), reason: e.to_string() })?;
    db.flush().map_err(|e| StoreError::Sled { path: path.to_path_buf(), reason: e.to_string() })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn values_round_trip_and_batches_apply_whole() {
        let dir = tempfile::tempdir().unwrap();
        let genesis = Hash([7u8; 32]);
        {
            let (store, pairs) = Store::open(dir.path(), genesis).unwrap();
            assert!(pairs.is_empty());
            store
                .write_batch(vec![
                    (b"a".to_vec(), Some(b"1".to_vec())),
                    (b"b".to_vec(), Some(vec![])),
                ])
                .unwrap();
            store.write_batch(vec![(b"b".to_vec(), None)]).unwrap();
            store.flush().unwrap();
        }
        let (_, pairs) = Store::open(dir.path(), genesis).unwrap();
        assert_eq!(pairs, vec![(b"a".to_vec(), b"1".to_vec())]);
    }

    #[test]
    fn a_corrupt_value_is_refused_with_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let genesis = Hash([7u8; 32]);
        {
            let (store, _) = Store::open(dir.path(), genesis).unwrap();
            store.write_batch(vec![(b"fin".to_vec(), Some(vec![1, 2, 3]))]).unwrap();
            store.flush().unwrap();
        }
        corrupt_value_for_tests(dir.path(), b"fin", &[9, 9, 9, 9, 1, 2, 3]).unwrap();
        let err = Store::open(dir.path(), genesis).err().unwrap();
        assert!(matches!(err, StoreError::Checksum { ref key, .. } if key == "fin"), "{err}");
        assert!(err.to_string().contains("refusing to start"));
    }

    #[test]
    fn a_database_of_another_chain_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path(), Hash([1u8; 32])).unwrap());
        let err = Store::open(dir.path(), Hash([2u8; 32])).err().unwrap();
        assert!(matches!(err, StoreError::OtherChain { .. }), "{err}");
    }
}
