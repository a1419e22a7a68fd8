//! Version conversions: up is lossless, down only when nothing is lost.

use atoll_xcm::{Instruction, Location, Message, VersionedXcm, Xcm, XcmError, CURRENT_VERSION};

use crate::fixtures;

fn programme() -> Xcm {
    Xcm(fixtures::every_instruction())
}

#[test]
fn v0_upgrades_to_v1_with_an_empty_envelope() {
    let v0 = VersionedXcm::V0(programme());
    assert_eq!(v0.version(), 0);
    let latest = v0.clone().into_latest();
    assert_eq!(latest, Message::new(programme()));
    assert!(latest.has_empty_envelope());
    assert_eq!(v0.clone().into_version(1), Ok(VersionedXcm::V1(Message::new(programme()))));
    // And back: nothing was added that V0 cannot say.
    assert_eq!(v0.clone().into_version(1).unwrap().into_version(0), Ok(v0));
}

#[test]
fn v1_downgrades_only_with_an_empty_envelope() {
    let bare = VersionedXcm::V1(Message::new(programme()));
    assert_eq!(bare.into_version(0), Ok(VersionedXcm::V0(programme())));
    for message in [
        Message::new(programme()).with_deadline(5),
        Message::new(programme()).with_refund_to(Location::parent()),
        Message::new(programme()).with_report_to(Location::parent()),
    ] {
        assert_eq!(
            VersionedXcm::V1(message).into_version(0),
            Err(XcmError::VersionIncompatible { version: 0 })
        );
    }
}

#[test]
fn unknown_versions_are_refused() {
    assert_eq!(CURRENT_VERSION, 1);
    let message = VersionedXcm::from(Xcm(vec![Instruction::ClearOrigin]));
    assert_eq!(message.version(), CURRENT_VERSION);
    assert_eq!(message.into_version(2), Err(XcmError::VersionIncompatible { version: 2 }));
}
