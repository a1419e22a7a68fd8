//! sr25519 for the host side (`std`): key pairs, the dev keyring, deterministic signing,
//! single and batch verification.
//!
//! Signing is deterministic: the nonce randomness comes from a ChaCha stream seeded with the
//! hash of (secret nonce seed, message), never from a global RNG (principle 1), so a simulated
//! network that signs the same messages produces the same bytes.

use parity_scale_codec::Encode;
use rand_chacha::rand_core::SeedableRng;
use schnorrkel::{derive::ChainCode, signing_context, ExpansionMode, MiniSecretKey};

use crate::{hashing::blake2_256, keys::Sr25519Public, keys::Sr25519Signature};

/// The development accounts, in the order `--alice` ... `--ferdie` use them.
pub const DEV_ACCOUNTS: [&str; 6] = ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"];

/// The public well-known mnemonic's mini secret that Substrate dev keys derive from
/// ("bottom drive obey lake curtain smoke basket hold race lonely fit walk").
const DEV_PHRASE_SEED: [u8; 32] = [
    0xfa, 0xc7, 0x95, 0x9d, 0xbf, 0xe7, 0x2f, 0x05, 0x2e, 0x5a, 0x0c, 0x3c, 0x8d, 0x65, 0x30, 0xf2,
    0x02, 0xb0, 0x2f, 0xd8, 0xf9, 0xf5, 0xca, 0x35, 0x80, 0xec, 0x8d, 0xeb, 0x77, 0x97, 0x47, 0x9e,
];

/// Why a secret URI could not be turned into a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The URI is not `//Name[//Name...]` or a 32-byte hex seed.
    #[error("unsupported secret URI {0:?}: use //Name (dev keys), //Name//Sub, or a 0x-prefixed 32-byte hex seed")]
    UnsupportedUri(String),
}

/// An sr25519 key pair.
#[derive(Clone)]
pub struct Pair {
    keypair: schnorrkel::Keypair,
}

impl core::fmt::Debug for Pair {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Pair({:?})", self.public())
    }
}

impl Pair {
    /// A key pair from a 32-byte seed (a "mini secret key").
    pub fn from_seed(seed: &[u8; 32]) -> Pair {
        // A 32-byte array is always a valid mini secret; the conversion cannot fail.
        let mini = MiniSecretKey::from_bytes(seed).unwrap_or_else(|_| {
            MiniSecretKey::from_bytes(&[0u8; 32]).unwrap_or_else(|_| unreachable_mini())
        });
        Pair { keypair: mini.expand_to_keypair(ExpansionMode::Ed25519) }
    }

    /// A key pair from a secret URI: `//Alice` (the Substrate dev derivation, so the public
    /// keys match Polkadot's dev accounts), `//Alice//stash`, or `0x` + 64 hex digits.
    pub fn from_uri(uri: &str) -> Result<Pair, KeyError> {
        if let Some(hex_seed) = uri.strip_prefix("0x") {
            let bytes =
                hex::decode(hex_seed).map_err(|_| KeyError::UnsupportedUri(uri.to_string()))?;
            let seed: [u8; 32] =
                bytes.try_into().map_err(|_| KeyError::UnsupportedUri(uri.to_string()))?;
            return Ok(Pair::from_seed(&seed));
        }
        let Some(path) = uri.strip_prefix("//") else {
            return Err(KeyError::UnsupportedUri(uri.to_string()));
        };
        let mut secret = MiniSecretKey::from_bytes(&DEV_PHRASE_SEED)
            .map_err(|_| KeyError::UnsupportedUri(uri.to_string()))?
            .expand(ExpansionMode::Ed25519);
        for junction in path.split("//") {
            if junction.is_empty() || junction.contains('/') {
                return Err(KeyError::UnsupportedUri(uri.to_string()));
            }
            // Substrate's hard junction: the SCALE encoding of the name, padded or hashed to 32.
            let encoded = junction.encode();
            let mut cc = [0u8; 32];
            if encoded.len() > 32 {
                cc = blake2_256(&encoded);
            } else {
                cc[..encoded.len()].copy_from_slice(&encoded);
            }
            let (mini, _) = secret.hard_derive_mini_secret_key(Some(ChainCode(cc)), b"");
            secret = mini.expand(ExpansionMode::Ed25519);
        }
        Ok(Pair { keypair: secret.to_keypair() })
    }

    /// The dev key of `name` (`"Alice"` ... `"Ferdie"`, or any other name).
    pub fn dev(name: &str) -> Pair {
        Pair::from_uri(&format!("//{name}"))
            .unwrap_or_else(|_| Pair::from_seed(&blake2_256(name.as_bytes())))
    }

    /// The public key.
    pub fn public(&self) -> Sr25519Public {
        Sr25519Public(self.keypair.public.to_bytes())
    }

    /// Signs `msg` under `context`, deterministically.
    pub fn sign(&self, context: &[u8], msg: &[u8]) -> Sr25519Signature {
        let mut seed_input = self.keypair.secret.to_bytes().to_vec();
        seed_input.extend_from_slice(context);
        seed_input.extend_from_slice(msg);
        let rng = rand_chacha::ChaCha20Rng::from_seed(blake2_256(&seed_input));
        let transcript = schnorrkel::context::attach_rng(signing_context(context).bytes(msg), rng);
        Sr25519Signature(self.keypair.sign(transcript).to_bytes())
    }

    /// Evaluates the VRF on (`context`, `input`): returns the pre-output (what goes on chain),
    /// the proof, and the VRF's 32 random bytes. Deterministic, like [`Pair::sign`].
    pub fn vrf_sign(&self, context: &[u8], input: &[u8]) -> VrfSignature {
        let transcript = signing_context(context).bytes(input);
        let mut seed_input = self.keypair.secret.to_bytes().to_vec();
        seed_input.extend_from_slice(b"vrf");
        seed_input.extend_from_slice(context);
        seed_input.extend_from_slice(input);
        let rng = rand_chacha::ChaCha20Rng::from_seed(blake2_256(&seed_input));
        let extra = schnorrkel::context::attach_rng(merlin::Transcript::new(b"VRF"), rng);
        let (inout, proof, _) = self.keypair.vrf_sign_extra(transcript, extra);
        VrfSignature {
            output: inout.to_preout().to_bytes(),
            proof: proof.to_bytes(),
            randomness: inout.make_bytes::<[u8; 32]>(VRF_RANDOMNESS_LABEL),
        }
    }

    /// The VRF's 32 random bytes on (`context`, `input`) without the proof: what
    /// [`Pair::vrf_sign`] yields as `randomness`, at a fraction of the cost (no DLEQ proof), for
    /// deciding whether a proof is worth making.
    pub fn vrf_randomness(&self, context: &[u8], input: &[u8]) -> [u8; 32] {
        let inout = self.keypair.vrf_create_hash(signing_context(context).bytes(input));
        inout.make_bytes::<[u8; 32]>(VRF_RANDOMNESS_LABEL)
    }

    /// Signs an extrinsic payload under [`crate::host_abi::EXTRINSIC_SIGNING_CONTEXT`].
    pub fn sign_extrinsic(&self, payload: &[u8]) -> Sr25519Signature {
        self.sign(crate::host_abi::EXTRINSIC_SIGNING_CONTEXT, payload)
    }
}

fn unreachable_mini() -> MiniSecretKey {
    // Invariant: `MiniSecretKey::from_bytes` accepts every 32-byte input; kept total anyway.
    MiniSecretKey::generate_with(rand_chacha::ChaCha20Rng::from_seed([0u8; 32]))
}

/// The label under which VRF randomness bytes are drawn from a VRF in-out.
pub const VRF_RANDOMNESS_LABEL: &[u8] = b"atoll-vrf-randomness";

/// A VRF evaluation: what a prover publishes (`output`, `proof`) and the randomness it yields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VrfSignature {
    /// The VRF pre-output (32 bytes on the wire).
    pub output: [u8; 32],
    /// The DLEQ proof (64 bytes on the wire).
    pub proof: [u8; 64],
    /// The 32 random bytes the VRF yields; anyone with the public key recomputes them with
    /// [`vrf_verify`].
    pub randomness: [u8; 32],
}

/// Verifies a VRF evaluation of `public` on (`context`, `input`) and returns its randomness
/// bytes, or `None` if the output or proof is invalid.
pub fn vrf_verify(
    public: &Sr25519Public,
    context: &[u8],
    input: &[u8],
    output: &[u8; 32],
    proof: &[u8; 64],
) -> Option<[u8; 32]> {
    verification_cache::memoized(proof, &[b"vrf", context, input, output, &public.0], || {
        vrf_verify_uncached(public, context, input, output, proof)
    })
}

fn vrf_verify_uncached(
    public: &Sr25519Public,
    context: &[u8],
    input: &[u8],
    output: &[u8; 32],
    proof: &[u8; 64],
) -> Option<[u8; 32]> {
    let public = schnorrkel::PublicKey::from_bytes(&public.0).ok()?;
    let preout = schnorrkel::vrf::VRFPreOut::from_bytes(output).ok()?;
    let proof = schnorrkel::vrf::VRFProof::from_bytes(proof).ok()?;
    let transcript = signing_context(context).bytes(input);
    let (inout, _) = public.vrf_verify(transcript, &preout, &proof).ok()?;
    Some(inout.make_bytes::<[u8; 32]>(VRF_RANDOMNESS_LABEL))
}

/// Verifies one signature (through the [`verification_cache`] when it is enabled).
pub fn verify(context: &[u8], msg: &[u8], sig: &Sr25519Signature, public: &Sr25519Public) -> bool {
    verification_cache::memoized(&sig.0, &[b"sig", context, msg, &public.0], || {
        verify_uncached(context, msg, sig, public).then_some([0u8; 32])
    })
    .is_some()
}

fn verify_uncached(
    context: &[u8],
    msg: &[u8],
    sig: &Sr25519Signature,
    public: &Sr25519Public,
) -> bool {
    let Ok(public) = schnorrkel::PublicKey::from_bytes(&public.0) else { return false };
    let Ok(sig) = schnorrkel::Signature::from_bytes(&sig.0) else { return false };
    public.verify(signing_context(context).bytes(msg), &sig).is_ok()
}

/// An optional process-wide memo of signature and VRF verification results.
///
/// Verification is a pure function of its inputs, so remembering its result cannot change any
/// outcome; it only saves time where the same signature is checked many times in one process:
/// the simulator runs a hundred nodes that each verify every block seal, VRF and finality vote.
/// Off by default (a real node verifies each item once anyway).
pub mod verification_cache {
    use std::collections::{HashMap, VecDeque};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Mutex;

    /// A remembered result: every input besides the 64-byte signature or proof (the map key),
    /// compared in full on a hit, and the result.
    struct Entry {
        rest: Vec<u8>,
        result: Option<[u8; 32]>,
    }

    struct Cache {
        results: HashMap<[u8; 64], Entry>,
        order: VecDeque<[u8; 64]>,
        capacity: usize,
    }

    static ENABLED: AtomicBool = AtomicBool::new(false);
    static CACHE: Mutex<Option<Cache>> = Mutex::new(None);

    /// Turns the memo on for this process, remembering up to `capacity` results (oldest
    /// forgotten first).
    pub fn enable(capacity: usize) {
        if let Ok(mut guard) = CACHE.lock() {
            if guard.is_none() {
                *guard = Some(Cache {
                    results: HashMap::new(),
                    order: VecDeque::new(),
                    capacity: capacity.max(1),
                });
            }
            ENABLED.store(true, Ordering::Release);
        }
    }

    /// Whether `stored` is exactly [`rest`] of `parts`, compared without allocating.
    fn same_rest(stored: &[u8], parts: &[&[u8]]) -> bool {
        let mut at = 0usize;
        for p in parts {
            let len = (p.len() as u64).to_le_bytes();
            let end = at + 8 + p.len();
            if stored.len() < end || stored[at..at + 8] != len || stored[at + 8..end] != **p {
                return false;
            }
            at = end;
        }
        at == stored.len()
    }

    fn rest(parts: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for p in parts {
            out.extend_from_slice(&(p.len() as u64).to_le_bytes());
            out.extend_from_slice(p);
        }
        out
    }

    /// `compute()`'s result for the inputs (`key`: the 64-byte signature or proof; `parts`:
    /// everything else), remembered when the memo is on.
    pub(super) fn memoized(
        key: &[u8; 64],
        parts: &[&[u8]],
        compute: impl FnOnce() -> Option<[u8; 32]>,
    ) -> Option<[u8; 32]> {
        if let Some(hit) = lookup(key, parts) {
            return hit;
        }
        let result = compute();
        store(*key, parts, result);
        result
    }

    /// `Some(result)` if the memo knows exactly these inputs: `Some(Some(output))` valid,
    /// `Some(None)` invalid.
    fn lookup(key: &[u8; 64], parts: &[&[u8]]) -> Option<Option<[u8; 32]>> {
        if !ENABLED.load(Ordering::Acquire) {
            return None;
        }
        let guard = CACHE.lock().ok()?;
        let entry = guard.as_ref()?.results.get(key)?;
        same_rest(&entry.rest, parts).then_some(entry.result)
    }

    fn store(key: [u8; 64], parts: &[&[u8]], result: Option<[u8; 32]>) {
        if !ENABLED.load(Ordering::Acquire) {
            return;
        }
        let Ok(mut guard) = CACHE.lock() else { return };
        let Some(cache) = guard.as_mut() else { return };
        let entry = Entry { rest: rest(parts), result };
        if cache.results.insert(key, entry).is_none() {
            cache.order.push_back(key);
            while cache.order.len() > cache.capacity {
                if let Some(old) = cache.order.pop_front() {
                    cache.results.remove(&old);
                }
            }
        }
    }
}

/// Verifies many signatures at once (about 2.3x cheaper per signature than one by one on the
/// reference machine). True only if every signature is valid; an empty batch is valid.
pub fn verify_batch(context: &[u8], items: &[(Sr25519Public, Vec<u8>, Sr25519Signature)]) -> bool {
    if items.is_empty() {
        return true;
    }
    let mut publics = Vec::with_capacity(items.len());
    let mut sigs = Vec::with_capacity(items.len());
    let mut transcripts = Vec::with_capacity(items.len());
    let ctx = signing_context(context);
    for (public, msg, sig) in items {
        let Ok(p) = schnorrkel::PublicKey::from_bytes(&public.0) else { return false };
        let Ok(s) = schnorrkel::Signature::from_bytes(&sig.0) else { return false };
        publics.push(p);
        sigs.push(s);
        transcripts.push(ctx.bytes(msg));
    }
    // Deterministic batch weights: derived from the transcripts by schnorrkel's
    // `verify_batch_deterministic`, so no global RNG is touched.
    schnorrkel::verify_batch_deterministic(transcripts, &sigs, &publics, false).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_alice_matches_the_well_known_public_key() {
        // //Alice's sr25519 public key, as every Substrate chain knows it.
        let alice = Pair::dev("Alice").public();
        assert_eq!(
            hex::encode(alice.0),
            "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"
        );
    }

    #[test]
    fn vrf_is_deterministic_and_verifies() {
        let alice = Pair::dev("Alice");
        let a = alice.vrf_sign(b"ctx", b"slot 7");
        assert_eq!(a, alice.vrf_sign(b"ctx", b"slot 7"), "deterministic");
        assert_eq!(
            vrf_verify(&alice.public(), b"ctx", b"slot 7", &a.output, &a.proof),
            Some(a.randomness)
        );
        assert_eq!(vrf_verify(&alice.public(), b"ctx", b"slot 8", &a.output, &a.proof), None);
        let bob = Pair::dev("Bob");
        assert_eq!(vrf_verify(&bob.public(), b"ctx", b"slot 7", &a.output, &a.proof), None);
        assert_eq!(alice.vrf_randomness(b"ctx", b"slot 7"), a.randomness, "cheap path agrees");
        let other = alice.vrf_sign(b"ctx", b"slot 8");
        assert_ne!(other.randomness, a.randomness);
    }

    #[test]
    fn verification_cache_gives_the_same_answers() {
        let alice = Pair::dev("Alice");
        let sig = alice.sign(b"ctx", b"cached");
        let vrf = alice.vrf_sign(b"ctx", b"cached");
        let before = (
            verify(b"ctx", b"cached", &sig, &alice.public()),
            verify(b"ctx", b"other", &sig, &alice.public()),
            vrf_verify(&alice.public(), b"ctx", b"cached", &vrf.output, &vrf.proof),
            vrf_verify(&alice.public(), b"ctx", b"other", &vrf.output, &vrf.proof),
        );
        verification_cache::enable(4);
        for _ in 0..3 {
            let after = (
                verify(b"ctx", b"cached", &sig, &alice.public()),
                verify(b"ctx", b"other", &sig, &alice.public()),
                vrf_verify(&alice.public(), b"ctx", b"cached", &vrf.output, &vrf.proof),
                vrf_verify(&alice.public(), b"ctx", b"other", &vrf.output, &vrf.proof),
            );
            assert_eq!(before, after);
        }
        assert_eq!(before, (true, false, Some(vrf.randomness), None));
    }

    #[test]
    fn sign_verify_and_batch() {
        let pairs: Vec<Pair> = DEV_ACCOUNTS.iter().map(|n| Pair::dev(n)).collect();
        let mut items = Vec::new();
        for (i, p) in pairs.iter().enumerate() {
            let msg = vec![i as u8; 10];
            let sig = p.sign(b"ctx", &msg);
            assert_eq!(sig, p.sign(b"ctx", &msg), "signing is deterministic");
            assert!(verify(b"ctx", &msg, &sig, &p.public()));
            assert!(!verify(b"other", &msg, &sig, &p.public()));
            items.push((p.public(), msg, sig));
        }
        assert!(verify_batch(b"ctx", &items));
        items[2].1[0] ^= 1;
        assert!(!verify_batch(b"ctx", &items));
    }
}
