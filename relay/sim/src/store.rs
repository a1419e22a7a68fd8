//! A node's storage in the simulator: durable pairs, plus writes buffered until `flush`
//! (rule 4: a crash loses what was not flushed).

use std::collections::BTreeMap;

/// In-memory storage that can lose unflushed writes.
#[derive(Clone, Debug, Default)]
pub struct SimStore {
    durable: BTreeMap<Vec<u8>, Vec<u8>>,
    pending: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    flushes: u64,
}

impl SimStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value at `key`, pending writes included.
    pub fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        for (k, v) in self.pending.iter().rev() {
            if k == key {
                return v.clone();
            }
        }
        self.durable.get(key).cloned()
    }

    /// Every durable-or-pending pair whose key starts with `prefix`, in key order.
    pub fn scan_prefix(&self, prefix: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut view: BTreeMap<Vec<u8>, Option<Vec<u8>>> = self
            .durable
            .range(prefix.to_vec()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), Some(v.clone())))
            .collect();
        for (k, v) in &self.pending {
            if k.starts_with(prefix) {
                view.insert(k.clone(), v.clone());
            }
        }
        view.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))).collect()
    }

    /// Buffers a batch of writes (`None` deletes), applied atomically at the next flush.
    pub fn write_batch(&mut self, batch: impl IntoIterator<Item = (Vec<u8>, Option<Vec<u8>>)>) {
        self.pending.extend(batch);
    }

    /// Makes every buffered write durable.
    pub fn flush(&mut self) {
        for (k, v) in self.pending.drain(..) {
            match v {
                Some(v) => {
                    self.durable.insert(k, v);
                }
                None => {
                    self.durable.remove(&k);
                }
            }
        }
        self.flushes += 1;
    }

    /// Rule 4: drops the buffered writes, as a crash would.
    pub fn lose_unflushed(&mut self) -> usize {
        let lost = self.pending.len();
        self.pending.clear();
        lost
    }

    /// How many flushes happened.
    pub fn flushes(&self) -> u64 {
        self.flushes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crash_loses_exactly_the_unflushed_writes() {
        let mut s = SimStore::new();
        s.write_batch([(b"a".to_vec(), Some(b"1".to_vec()))]);
        s.flush();
        s.write_batch([(b"b".to_vec(), Some(b"2".to_vec())), (b"a".to_vec(), None)]);
        assert_eq!(s.get(b"a"), None);
        assert_eq!(s.get(b"b"), Some(b"2".to_vec()));
        assert_eq!(s.lose_unflushed(), 2);
        assert_eq!(s.get(b"a"), Some(b"1".to_vec()));
        assert_eq!(s.get(b"b"), None);
        assert_eq!(s.scan_prefix(b""), vec![(b"a".to_vec(), b"1".to_vec())]);
    }
}
