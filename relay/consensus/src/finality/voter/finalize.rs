//! Steps 15, 16 and 19: finalizing from any held round, catching up with a completable
//! future round, and handing over to the next voter set.

use super::*;

impl FinalityVoter {
    pub(super) fn try_finalize(&mut self, actions: &mut Vec<FinalityAction>) -> bool {
        let n = self.set.len();
        let t = self.set.threshold();
        let root = self.chain.root();
        let chain = &self.chain;
        let mut best: Option<((Hash, BlockNumber), Held)> = None;
        let mut consider = |tally: &mut RoundTally, h: Held| {
            if tally.voters_in(VoteStage::Precommit) < t {
                return;
            }
            if let Some(ghost) = tally.state(chain, n).precommit_ghost {
                if ghost != root && best.is_none_or(|(b, _)| ghost.1 > b.1) {
                    best = Some((ghost, h));
                }
            }
        };
        consider(&mut self.previous, Held::Previous);
        consider(&mut self.current.tally, Held::Current);
        for (round, tally) in &mut self.future {
            consider(tally, Held::Future(*round));
        }
        let Some((ghost, h)) = best else { return false };
        let target = self.clip_to_change(ghost);
        let tally = tally_of(&mut self.previous, &mut self.current, &mut self.future, h);
        let Some(tally) = tally else { return false };
        let justification = build_justification(tally, &self.chain, self.set.set_id(), target);
        self.finalize_to(target, justification, actions)
    }

    /// Step 19: a block beyond the set-change block on its chain is cut back to it.
    pub(super) fn clip_to_change(&self, target: (Hash, BlockNumber)) -> (Hash, BlockNumber) {
        match &self.set_change {
            Some(change)
                if change.block != target
                    && self.chain.ancestor_at(&target.0, change.block.1)
                        == Some(change.block.0) =>
            {
                change.block
            }
            _ => target,
        }
    }

    /// Moves the finalized block to `target` (a descendant of it) and emits `Finalized`, the
    /// hand-over if due, and the snapshot. Returns whether finality moved.
    pub(super) fn finalize_to(
        &mut self,
        target: (Hash, BlockNumber),
        justification: Justification,
        actions: &mut Vec<FinalityAction>,
    ) -> bool {
        if !self.chain.finalize(target) {
            // Invariant: callers only pass known descendants of the finalized block.
            tracing::error!(
                target: "atoll::finality",
                block = %target.0,
                "refusing to finalize a block that does not descend from the finalized block"
            );
            return false;
        }
        self.invalidate_all();
        self.next_rebroadcast_ms = self.now_ms.saturating_add(self.config.rebroadcast_interval_ms);
        tracing::debug!(
            target: "atoll::finality",
            block = %target.0,
            number = %target.1,
            round = justification.round,
            "finalized"
        );
        actions.push(FinalityAction::Finalized { hash: target.0, number: target.1, justification });
        // Step 19: hand over at the change block; forget a change on a fork finality left.
        if let Some(change) = &self.set_change {
            if change.block == target {
                self.hand_over(target, actions);
            } else if self.chain.position(&change.block.0, change.block.1) == Position::Elsewhere {
                tracing::debug!(
                    target: "atoll::finality",
                    change = %change.block.0,
                    "scheduled set change is on a fork that finality abandoned"
                );
                self.set_change = None;
            }
        }
        actions.push(FinalityAction::Persist(self.snapshot()));
        true
    }

    pub(super) fn hand_over(
        &mut self,
        base: (Hash, BlockNumber),
        actions: &mut Vec<FinalityAction>,
    ) {
        if let Some(change) = &self.set_change {
            actions.push(FinalityAction::SetChanged {
                new_set_id: change.new_set_id,
                new_voters: change.new_voters.clone(),
                base,
            });
            self.finished = true;
        }
    }

    // ----- Step 16: catch-up -----

    pub(super) fn try_catch_up(&mut self, actions: &mut Vec<FinalityAction>) -> bool {
        let n = self.set.len();
        let t = self.set.threshold();
        if self.future.is_empty() {
            return false;
        }
        let rounds: Vec<RoundNumber> = self.future.keys().rev().copied().collect();
        for round in rounds {
            let Some(tally) = self.future.get_mut(&round) else { continue };
            if tally.voters_in(VoteStage::Prevote) < t || tally.voters_in(VoteStage::Precommit) < t
            {
                continue;
            }
            if !tally.state(&self.chain, n).completable {
                continue;
            }
            let Some(completed) = self.future.remove(&round) else { continue };
            let next = round.next();
            let tally = self.future.remove(&next).unwrap_or_else(|| RoundTally::new(next));
            self.current = CurrentRound::with_tally(tally, self.now_ms, self.chain.root());
            tracing::debug!(target: "atoll::finality", %round, "caught up with a completable round");
            self.enter_round(completed, actions);
            return true;
        }
        false
    }
}
