//! Re-anchoring and sovereign accounts.

use atoll_xcm::hashing::blake2_256;
use atoll_xcm::{sovereign_account, Junction, Location, XcmError};
use parity_scale_codec::Encode;

fn account(id: u8) -> Location {
    Location::account([id; 32])
}

/// (what, seen from `context`; target; expected).
#[test]
fn reanchoring_table() {
    let relay = Location::here();
    let para = Location::parachain(2000);
    let cases: Vec<(Location, Location, Location, Location)> = vec![
        // The relay token, sent from the relay to para 2000: the parent.
        (relay.clone(), Location::here(), Location::parachain(2000), Location::parent()),
        // Para 2000 seen from the relay, written for para 2000: itself.
        (relay.clone(), Location::parachain(2000), Location::parachain(2000), Location::here()),
        // An account under para 2000, seen from the relay, written for para 2000.
        (
            relay.clone(),
            Location::parachain(2000).pushed(Junction::AccountId32([1; 32])).unwrap(),
            Location::parachain(2000),
            account(1),
        ),
        // Para 2000's own token, sent to the relay.
        (para.clone(), Location::here(), Location::parent(), Location::parachain(2000)),
        // Para 2000's token, sent to the sibling 3000.
        (para.clone(), Location::here(), Location::sibling(3000), Location::sibling(2000)),
        // The relay token, seen from para 2000, written for the sibling 3000: still the parent.
        (para.clone(), Location::parent(), Location::sibling(3000), Location::parent()),
        // Sibling 3000's token, written for 3000 itself: its own `Here`-relative id.
        (
            para.clone(),
            Location::sibling(3000).pushed(Junction::GeneralIndex(5)).unwrap(),
            Location::sibling(3000),
            Location::new(0, [Junction::GeneralIndex(5)]).unwrap(),
        ),
        // A local account on para 2000, written for the relay and for a sibling.
        (
            para.clone(),
            account(7),
            Location::parent(),
            Location::parachain(2000).pushed(Junction::AccountId32([7; 32])).unwrap(),
        ),
        (
            para.clone(),
            account(7),
            Location::sibling(3000),
            Location::sibling(2000).pushed(Junction::AccountId32([7; 32])).unwrap(),
        ),
        // An account on the relay, seen from para 2000, written for the relay.
        (
            para.clone(),
            Location::new(1, [Junction::AccountId32([8; 32])]).unwrap(),
            Location::parent(),
            account(8),
        ),
        // Anything written for `Here` is unchanged.
        (para.clone(), Location::sibling(9), Location::here(), Location::sibling(9)),
    ];
    for (context, what, target, expected) in cases {
        assert_eq!(
            what.reanchored(&target, &context),
            Ok(expected.clone()),
            "{what:?} from {context:?} for {target:?}"
        );
    }
}

#[test]
fn reanchoring_fails_above_the_root_or_when_full() {
    let para = Location::parachain(2000);
    assert_eq!(
        Location::new(2, []).unwrap().reanchored(&Location::here(), &para),
        Err(XcmError::ReanchorFailed)
    );
    assert_eq!(
        Location::here().reanchored(&Location::new(3, []).unwrap(), &para),
        Err(XcmError::ReanchorFailed)
    );
    // Eight junctions under us cannot be written from a sibling (nine would be needed).
    let deep = Location::new(0, vec![Junction::PalletInstance(1); 8]).unwrap();
    assert_eq!(deep.reanchored(&Location::sibling(3000), &para), Err(XcmError::ReanchorFailed));
    // A context must be absolute.
    assert_eq!(
        Location::here().reanchored(&Location::here(), &Location::parent()),
        Err(XcmError::ReanchorFailed)
    );
}

#[test]
fn sovereign_accounts() {
    let mut para = b"para".to_vec();
    para.extend(2000u32.encode());
    assert_eq!(sovereign_account(&Location::parachain(2000)), blake2_256(&para));
    let mut sibl = b"sibl".to_vec();
    sibl.extend(2000u32.encode());
    assert_eq!(sovereign_account(&Location::sibling(2000)), blake2_256(&sibl));
    assert_eq!(sovereign_account(&Location::parent()), blake2_256(b"parent"));
    assert_eq!(sovereign_account(&account(3)), [3; 32]);
    // Distinct locations, distinct accounts.
    let remote = Location::sibling(2000).pushed(Junction::AccountId32([3; 32])).unwrap();
    let mut derived = b"location".to_vec();
    derived.extend(remote.encode());
    assert_eq!(sovereign_account(&remote), blake2_256(&derived));
    assert_ne!(
        sovereign_account(&Location::parachain(2000)),
        sovereign_account(&Location::sibling(2000))
    );
}
