//! Appending to a SCALE-encoded `Vec` in place, without decoding it: the runtime's event list
//! grows this way in every backend (the guest's overlays, the collator's building state).

use alloc::vec::Vec;
use parity_scale_codec::{Compact, Decode, Encode};

/// Appends `item` to a SCALE-encoded `Vec` in place (compact length prefix, then items). A
/// value that is not a SCALE vector is replaced by a one-item vector: the keys this is used on
/// are written only by this function.
pub fn append_to_scale_vec(value: &mut Vec<u8>, item: &[u8]) {
    let mut input = &value[..];
    let Ok(Compact(len)) = Compact::<u32>::decode(&mut input) else {
        *value = Compact(1u32).encode();
        value.extend_from_slice(item);
        return;
    };
    let old_prefix_len = value.len() - input.len();
    let new_prefix = Compact(len.saturating_add(1)).encode();
    if new_prefix.len() == old_prefix_len {
        value[..old_prefix_len].copy_from_slice(&new_prefix);
    } else {
        let mut rebuilt = new_prefix;
        rebuilt.extend_from_slice(&value[old_prefix_len..]);
        *value = rebuilt;
    }
    value.extend_from_slice(item);
}
