//! Property tests: random well-formed programmes, run against the in-memory environment over
//! many seeds, never panic and conserve every asset.
//!
//! # The accounting
//!
//! For every asset id (written as we, para 1000, see it), after every message:
//!
//! ```text
//! (1)  initial + minted  =  balances + trapped + burned
//! ```
//!
//! - `initial`: the sum of all balances before the first message (nothing is trapped then);
//! - `minted`: the assets that entered holding on an origin's word, the sum of the
//!   `AssetsReceived` events (`ReserveAssetDeposited`, `ReceiveTeleportedAsset`);
//! - `balances`: the sum of all balances now, fee collector and sovereign accounts included;
//! - `trapped`: the sum over the trap (each entry times its count);
//! - `burned`: the assets carried by sent messages that start with `WithdrawAsset` (reserve
//!   withdrawals, and refunds to the asset's reserve), mapped back to our ids: they left our
//!   ledger and are now a claim on our sovereign account at the reserve.
//!
//! Messages that start with `ReserveAssetDeposited` (reserve deposits and transfers, and
//! refunds of our own assets) carry no value out of the ledger: they announce assets now held
//! here in the destination's sovereign account. So, for each such destination `D` (siblings
//! 3000 and 4000, which are never origins nor beneficiaries of `DepositAsset`):
//!
//! ```text
//! (2)  sovereign(D) now  =  sovereign(D) initially + assets announced to D
//! ```
//!
//! Other messages (reports, acknowledgements) carry no assets. Sums are kept in 256 bits, so
//! amounts up to `u128::MAX` (which the programmes use now and then, to reach the overflow
//! paths) cannot overflow the accounting itself.
//!
//! Besides: every sent message decodes within the receiver's limits, the weight used stays
//! within the limit, the last event is `Executed`, `Failed` or `Expired`, no asset is ever
//! recorded lost, and a dry run gives the same outcome as the real run.

use std::collections::BTreeMap;

use atoll_xcm::executor::{Outcome, TrustedOrigins, XcmEvent};
use atoll_xcm::testing::{TestEnv, ALICE, BOB};
use atoll_xcm::{
    decode_message, Asset, AssetFilter, AssetId, Assets, Instruction, Junction, Location, Message,
    OriginKind, QueryResponseInfo, Response, VersionedXcm, WildAsset, Xcm,
};
use parity_scale_codec::Encode;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::common::{context, native, relay, sib, OTHER, SIBLING};

const CAROL: [u8; 32] = [0xCA; 32];
const FOURTH: u32 = 4000;
const SEEDS: u64 = 300;
const MESSAGES_PER_SEED: usize = 8;
const NOW: u32 = 1_000;
const LIMIT: u64 = 2_000;

/// Our pallet's token (its home is here, like the native token).
fn pallet_token() -> AssetId {
    AssetId(Location::new(0, [Junction::PalletInstance(50), Junction::GeneralIndex(1)]).unwrap())
}

fn asset_ids() -> Vec<AssetId> {
    vec![native(), relay(), sib(), pallet_token()]
}

fn origins() -> Vec<Location> {
    vec![
        Location::account(ALICE),
        Location::account(BOB),
        Location::parent(),
        Location::sibling(SIBLING),
    ]
}

/// The destinations whose sovereign accounts only reserve transfers touch (equation 2).
fn transfer_destinations() -> Vec<Location> {
    vec![Location::sibling(OTHER), Location::sibling(FOURTH)]
}

fn beneficiaries() -> Vec<Location> {
    vec![
        Location::account(ALICE),
        Location::account(BOB),
        Location::account(CAROL),
        Location::parent(),
        Location::here(), // has no account: deposits fail
    ]
}

fn setup() -> TestEnv {
    let mut env = TestEnv::new(context(), relay());
    env.config.reserves =
        TrustedOrigins(vec![(relay(), Location::parent()), (sib(), Location::sibling(SIBLING))]);
    env.config.teleporters = TrustedOrigins(vec![(relay(), Location::parent())]);
    env.config.trader.price_per_weight = 2;
    env.state.call_weight = 3;
    env.state.expect_query(Location::parent(), 1);
    for holder in origins() {
        for id in asset_ids() {
            env.state.mint(Asset::new(id, 10_000), &holder).unwrap();
        }
    }
    env
}

struct Generator<'a> {
    rng: &'a mut ChaCha8Rng,
    /// Assets trapped so far, by origin: claims sometimes name them exactly.
    traps: &'a [(Location, Assets)],
}

impl Generator<'_> {
    fn amount(&mut self) -> u128 {
        match self.rng.gen_range(0..40) {
            0 => u128::MAX,
            1 => 0,
            _ => self.rng.gen_range(1..3_000),
        }
    }

    fn assets(&mut self) -> Assets {
        let count = self.rng.gen_range(1..=3);
        let mut ids = asset_ids();
        ids.shuffle(self.rng);
        let entries: Vec<Asset> =
            ids.into_iter().take(count).map(|id| Asset::new(id, self.amount())).collect();
        Assets::from_assets(entries).unwrap()
    }

    fn filter(&mut self) -> AssetFilter {
        match self.rng.gen_range(0..4) {
            0 => AssetFilter::Wild(WildAsset::All),
            1 => AssetFilter::Wild(WildAsset::AllOf(asset_ids().choose(self.rng).unwrap().clone())),
            2 => AssetFilter::Wild(WildAsset::AllCounted(self.rng.gen_range(0..3))),
            _ => AssetFilter::Definite(self.assets()),
        }
    }

    fn pick(&mut self, pool: Vec<Location>) -> Location {
        pool.choose(self.rng).unwrap().clone()
    }

    fn reserve(&mut self) -> Location {
        self.pick(vec![
            Location::parent(),
            Location::sibling(SIBLING),
            Location::new(3, []).unwrap(),
        ])
    }

    fn info(&mut self) -> QueryResponseInfo {
        let destination = self.pick(vec![Location::parent(), Location::sibling(SIBLING)]);
        QueryResponseInfo { destination, query_id: self.rng.gen_range(0..3), max_weight: 10 }
    }

    fn programme(&mut self, depth: u32) -> Xcm {
        let len = self.rng.gen_range(1..=if depth == 0 { 10 } else { 3 });
        Xcm((0..len).map(|_| self.instruction(depth)).collect())
    }

    fn instruction(&mut self, depth: u32) -> Instruction {
        let kinds = if depth < 2 { 19 } else { 17 };
        match self.rng.gen_range(0..kinds) {
            0 => Instruction::WithdrawAsset(self.assets()),
            1 => Instruction::ReserveAssetDeposited(self.assets()),
            2 => Instruction::ReceiveTeleportedAsset(self.assets()),
            3 => Instruction::QueryResponse {
                query_id: self.rng.gen_range(0..3),
                response: Response::Null,
                querier: None,
            },
            4 => Instruction::TransferReserveAsset {
                assets: self.assets(),
                dest: self.pick(transfer_destinations()),
                xcm: Xcm(vec![Instruction::ClearOrigin]),
            },
            5 => Instruction::Transact {
                origin_kind: OriginKind::SovereignAccount,
                require_weight_at_most: self.rng.gen_range(0..20),
                call: vec![self.rng.gen_range(0..=255), 1],
            },
            6 => Instruction::ClearOrigin,
            7 => Instruction::ReportError(self.info()),
            8 | 9 => Instruction::DepositAsset {
                assets: self.filter(),
                beneficiary: self.pick(beneficiaries()),
            },
            10 => Instruction::DepositReserveAsset {
                assets: self.filter(),
                dest: self.pick(transfer_destinations()),
                xcm: Xcm::new(),
            },
            11 => Instruction::InitiateReserveWithdraw {
                assets: self.filter(),
                reserve: self.reserve(),
                xcm: Xcm::new(),
            },
            12 => Instruction::ReportHolding { response_info: self.info(), assets: self.filter() },
            13 => Instruction::BuyExecution {
                fees: Asset::new(self.pick_id(), self.amount()),
                weight_limit: if self.rng.gen() { None } else { Some(self.rng.gen_range(0..300)) },
            },
            14 => match self.traps.choose(self.rng) {
                Some((_, assets)) if self.rng.gen_bool(0.7) => {
                    Instruction::ClaimAsset { assets: assets.clone(), ticket: Location::here() }
                }
                _ => Instruction::ClaimAsset { assets: self.assets(), ticket: Location::here() },
            },
            15 => Instruction::ExpectAsset(self.assets()),
            16 => Instruction::SetTopic([self.rng.gen(); 32]),
            17 => Instruction::SetErrorHandler(self.programme(depth + 1)),
            _ => Instruction::SetAppendix(self.programme(depth + 1)),
        }
    }

    fn pick_id(&mut self) -> AssetId {
        asset_ids().choose(self.rng).unwrap().clone()
    }

    fn message(&mut self) -> (Location, Message) {
        let mut origin = self.pick(origins());
        let mut xcm = self.programme(0);
        // Sometimes start like a real transfer, so receipts and fees succeed more often.
        if self.rng.gen_bool(0.3) {
            origin = Location::parent();
            let mut head = vec![
                Instruction::ReserveAssetDeposited(Assets::from(Asset::new(relay(), 2_000))),
                Instruction::BuyExecution { fees: Asset::new(relay(), 2_000), weight_limit: None },
            ];
            head.append(&mut xcm.0);
            xcm = Xcm(head);
        }
        // Sometimes claim what this origin trapped before.
        if let Some((trapper, assets)) =
            self.traps.choose(self.rng).filter(|_| self.rng.gen_bool(0.2))
        {
            origin = trapper.clone();
            xcm.0.insert(
                0,
                Instruction::ClaimAsset { assets: assets.clone(), ticket: Location::here() },
            );
        }
        let mut message = Message::new(xcm);
        if self.rng.gen_bool(0.3) {
            message.deadline = Some(NOW - 5 + self.rng.gen_range(0..10));
        }
        if self.rng.gen_bool(0.4) {
            message.refund_to = Some(self.pick(vec![
                Location::account(ALICE),
                Location::here(),
                Location::sibling(OTHER).pushed(Junction::AccountId32(BOB)).unwrap(),
                Location::sibling(SIBLING).pushed(Junction::AccountId32(BOB)).unwrap(),
            ]));
        }
        if self.rng.gen_bool(0.3) {
            message.report_to = Some(Location::parent());
        }
        (origin, message)
    }
}

/// A 256-bit unsigned sum (high, low), enough for any number of `u128` additions here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Sum(u128, u128);

impl Sum {
    fn add(&mut self, amount: u128) {
        let (low, carry) = self.1.overflowing_add(amount);
        self.1 = low;
        self.0 += u128::from(carry);
    }

    fn add_sum(&mut self, other: Sum) {
        self.add(other.1);
        self.0 += other.0;
    }
}

/// The exact sum of all balances of `id`.
fn balances(env: &TestEnv, id: &AssetId) -> Sum {
    let mut sum = Sum::default();
    for ((asset, _), amount) in &env.state.balances {
        if asset == id {
            sum.add(*amount);
        }
    }
    sum
}

/// The exact sum of `id` over the trap.
fn trapped(env: &TestEnv, id: &AssetId) -> Sum {
    let mut sum = Sum::default();
    for trap in env.state.trapped.values() {
        for _ in 0..trap.count {
            sum.add(trap.assets.amount_of(id));
        }
    }
    sum
}

/// Sums per asset id.
type Sums = BTreeMap<AssetId, Sum>;

fn add_assets(sums: &mut Sums, assets: &Assets) {
    for asset in assets.iter() {
        sums.entry(asset.id.clone()).or_default().add(asset.amount);
    }
}

/// The assets of a sent message's first instruction, mapped back to our ids.
fn carried(dest: &Location, instruction: &Instruction) -> Assets {
    let assets = match instruction {
        Instruction::WithdrawAsset(assets) | Instruction::ReserveAssetDeposited(assets) => assets,
        _ => return Assets::new(),
    };
    let back: BTreeMap<AssetId, AssetId> = asset_ids()
        .into_iter()
        .filter_map(|id| Some((id.reanchored(dest, &context()).ok()?, id)))
        .collect();
    let entries = assets.iter().map(|asset| {
        let id = back.get(&asset.id).cloned().expect("a sent asset is one of ours, re-anchored");
        Asset::new(id, asset.amount)
    });
    Assets::from_assets(entries).unwrap()
}

struct Ledger {
    initial: Sums,
    minted: Sums,
    burned: Sums,
    sovereign_initial: BTreeMap<(Location, AssetId), u128>,
    announced: BTreeMap<(Location, AssetId), Sum>,
}

impl Ledger {
    fn new(env: &TestEnv) -> Ledger {
        let mut initial = Sums::new();
        let mut sovereign_initial = BTreeMap::new();
        for id in asset_ids() {
            initial.insert(id.clone(), balances(env, &id));
            for dest in transfer_destinations() {
                sovereign_initial.insert((dest.clone(), id.clone()), env.state.balance(&id, &dest));
            }
        }
        Ledger {
            initial,
            minted: Sums::new(),
            burned: Sums::new(),
            sovereign_initial,
            announced: BTreeMap::new(),
        }
    }

    fn record(&mut self, outcome: &Outcome) {
        for event in &outcome.events {
            if let XcmEvent::AssetsReceived { assets, .. } = event {
                add_assets(&mut self.minted, assets);
            }
        }
        for (dest, sent) in &outcome.sent {
            let message = sent.clone().into_latest();
            let Some(first) = message.xcm.0.first() else { continue };
            let assets = carried(dest, first);
            match first {
                Instruction::WithdrawAsset(_) => add_assets(&mut self.burned, &assets),
                Instruction::ReserveAssetDeposited(_) => {
                    for asset in assets.iter() {
                        self.announced
                            .entry((dest.clone(), asset.id.clone()))
                            .or_default()
                            .add(asset.amount);
                    }
                }
                _ => {}
            }
        }
    }

    fn check(&self, env: &TestEnv, context: &str) {
        for id in asset_ids() {
            let mut left = self.initial.get(&id).copied().unwrap_or_default();
            left.add_sum(self.minted.get(&id).copied().unwrap_or_default());
            let mut right = balances(env, &id);
            right.add_sum(trapped(env, &id));
            right.add_sum(self.burned.get(&id).copied().unwrap_or_default());
            assert_eq!(left, right, "{context}: equation (1) for {id:?}");
            for dest in transfer_destinations() {
                let key = (dest.clone(), id.clone());
                let mut expected = Sum::default();
                expected.add(self.sovereign_initial[&key]);
                expected.add(self.announced.get(&key).map_or(0, |sum| sum.1));
                let mut now = Sum::default();
                now.add(env.state.balance(&id, &dest));
                assert_eq!(now, expected, "{context}: equation (2) for {id:?} at {dest:?}");
            }
        }
    }
}

fn check_outcome(outcome: &Outcome, context: &str) {
    assert!(outcome.weight_used <= LIMIT, "{context}");
    assert!(
        matches!(
            outcome.events.last(),
            Some(XcmEvent::Executed { .. } | XcmEvent::Failed { .. } | XcmEvent::Expired { .. })
        ),
        "{context}: {:?}",
        outcome.events
    );
    for event in &outcome.events {
        assert!(!matches!(event, XcmEvent::AssetsLost { .. }), "{context}: {event:?}");
    }
    for (_, sent) in &outcome.sent {
        assert_eq!(
            decode_message(&sent.encode()).as_ref(),
            Ok(sent),
            "{context}: undecodable send"
        );
    }
}

#[test]
fn random_programmes_never_panic_and_conserve_assets() {
    let mut executed = 0usize;
    let mut outcomes = [0usize; 3]; // complete, failed, expired
    let mut claims = 0usize;
    for seed in 0..SEEDS {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut env = setup();
        let mut ledger = Ledger::new(&env);
        let mut traps: Vec<(Location, Assets)> = Vec::new();
        for index in 0..MESSAGES_PER_SEED {
            let (origin, message) = Generator { rng: &mut rng, traps: &traps }.message();
            let context = format!("seed {seed}, message {index}: {origin:?} {message:?}");
            let versioned = VersionedXcm::V1(message);
            let dry = env.dry_run(origin.clone(), versioned.clone(), NOW, LIMIT);
            let outcome = env.execute(origin, versioned, NOW, LIMIT);
            assert_eq!(dry, outcome, "{context}: the dry run differs");
            check_outcome(&outcome, &context);
            ledger.record(&outcome);
            ledger.check(&env, &context);
            for event in &outcome.events {
                match event {
                    XcmEvent::AssetsTrapped { origin, assets, .. } => {
                        traps.push((origin.clone(), assets.clone()))
                    }
                    XcmEvent::AssetsClaimed { .. } => claims += 1,
                    _ => {}
                }
            }
            executed += 1;
            match outcome.events.last() {
                Some(XcmEvent::Executed { .. }) => outcomes[0] += 1,
                Some(XcmEvent::Failed { .. }) => outcomes[1] += 1,
                _ => outcomes[2] += 1,
            }
        }
    }
    assert_eq!(executed, SEEDS as usize * MESSAGES_PER_SEED);
    // The generator reaches every ending, and claims succeed now and then.
    assert!(outcomes.iter().all(|count| *count > 10), "{outcomes:?}");
    assert!(claims > 0, "no claim ever succeeded");
}
