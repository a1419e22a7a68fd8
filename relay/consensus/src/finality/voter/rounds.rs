//! Steps 12 to 14: the required block, prevoting, precommitting and moving to the next round.

use super::*;

impl FinalityVoter {
    /// The block every vote of the current round must contain (Step 12b): the previous round's
    /// estimate or the finalized block, whichever is higher. The estimate is counted against
    /// the chain view rooted at the finalized block, so it is never below it. While the
    /// previous round is not completable in the current view, the block required when the
    /// round began stands in (never the bare finalized block below it: that could let us vote
    /// for a fork that conflicts with a block finalized in the previous round). `None` while
    /// that block is not known yet: no vote until it is.
    pub(super) fn required_block(&mut self) -> Option<(Hash, BlockNumber)> {
        let n = self.set.len();
        let root = self.chain.root();
        let state = self.previous.state(&self.chain, n);
        let required = match state.estimate {
            Some(estimate) if state.completable => estimate,
            _ => self.current.required_at_start,
        };
        if required.1 <= root.1 {
            return Some(root);
        }
        match self.chain.position(&required.0, required.1) {
            Position::Descends => Some(required),
            Position::Pending => None,
            // Below or beside the finalized block: finality already moved past it.
            Position::Elsewhere => Some(root),
        }
    }

    pub(super) fn try_prevote(&mut self, actions: &mut Vec<FinalityAction>) -> bool {
        if self.local.is_none() || self.current.prevoted.is_some() {
            return false;
        }
        let n = self.set.len();
        let state = self.current.tally.state(&self.chain, n);
        // Step 12a: wait D after the round started, or until it is completable.
        let timer =
            self.now_ms >= self.current.started_ms.saturating_add(self.config.round_duration_ms);
        if !timer && !state.completable {
            return false;
        }
        let Some(required) = self.required_block() else { return false };
        let target = self.prevote_target(required);
        self.cast(VoteStage::Prevote, target, actions);
        true
    }

    /// Step 12b-d: the best chain containing `required`, restricted by the voting rule, capped
    /// at a scheduled set change.
    pub(super) fn prevote_target(&self, required: (Hash, BlockNumber)) -> (Hash, BlockNumber) {
        // Step 12b: the node's best block if it contains `required`, else our highest block that
        // does.
        let best = self
            .best
            .and_then(|(hash, _)| self.chain.link(&hash).map(|l| (hash, l.number)))
            .filter(|best| self.chain.is_descendant_or_equal(&best.0, required))
            .unwrap_or_else(|| self.chain.best_descendant(required));
        // Step 12c: the voting rule.
        let restricted = self.rule.restrict(required, best, &self.chain);
        let allowed = self.chain.is_descendant_or_equal(&restricted.0, required)
            && self.chain.is_descendant_or_equal(&best.0, restricted);
        let target = if allowed {
            restricted
        } else {
            tracing::warn!(
                target: "atoll::finality",
                returned = %restricted.0,
                "voting rule returned a block outside [required, best]; voting for the required block"
            );
            required
        };
        // Step 12d.
        self.cap_at_change(target, required)
    }

    /// Step 19: never vote beyond the set-change block (but never below `required` either).
    pub(super) fn cap_at_change(
        &self,
        target: (Hash, BlockNumber),
        required: (Hash, BlockNumber),
    ) -> (Hash, BlockNumber) {
        let Some(change) = &self.set_change else { return target };
        let beyond = change.block != target
            && self.chain.ancestor_at(&target.0, change.block.1) == Some(change.block.0);
        if !beyond {
            target
        } else if self.chain.is_descendant_or_equal(&change.block.0, required) {
            change.block
        } else {
            required
        }
    }

    // ----- Step 13: precommit -----

    pub(super) fn try_precommit(&mut self, actions: &mut Vec<FinalityAction>) -> bool {
        if self.local.is_none()
            || self.current.prevoted.is_none()
            || self.current.precommitted.is_some()
        {
            return false;
        }
        let n = self.set.len();
        let state = self.current.tally.state(&self.chain, n);
        let Some(ghost) = state.prevote_ghost else { return false };
        let Some(required) = self.required_block() else { return false };
        // Step 13a: the prevote-GHOST must contain the required block.
        if !self.chain.is_descendant_or_equal(&ghost.0, required) {
            return false;
        }
        // Step 13b: wait 2D after the round started, or until it is completable.
        let timer = self.now_ms
            >= self
                .current
                .started_ms
                .saturating_add(self.config.round_duration_ms.saturating_mul(2));
        if !timer && !state.completable {
            return false;
        }
        let target = self.cap_at_change(ghost, required);
        self.cast(VoteStage::Precommit, target, actions);
        true
    }

    /// Signs, counts, persists and broadcasts our vote (Step 18: persist first).
    pub(super) fn cast(
        &mut self,
        stage: VoteStage,
        target: (Hash, BlockNumber),
        actions: &mut Vec<FinalityAction>,
    ) {
        let Some(local) = &self.local else { return };
        let vote = Vote {
            set_id: self.set.set_id(),
            round: self.current.tally.round().0,
            stage,
            target_hash: target.0,
            target_number: target.1,
        };
        let signed = sign_vote(&local.pair, local.index, vote);
        self.current.tally.insert(signed.clone(), &self.chain);
        match stage {
            VoteStage::Prevote => self.current.prevoted = Some(signed.clone()),
            VoteStage::Precommit => self.current.precommitted = Some(signed.clone()),
        }
        tracing::debug!(
            target: "atoll::finality",
            round = %self.current.tally.round(),
            ?stage,
            block = %target.0,
            number = %target.1,
            "voting"
        );
        actions.push(FinalityAction::Persist(self.snapshot()));
        actions.push(FinalityAction::Broadcast(signed));
    }

    /// Takes over any vote of ours already in the current round's tally (after a restore), so
    /// that we never sign a different one.
    pub(super) fn adopt_own_votes(&mut self) {
        let Some(index) = self.local.as_ref().map(|l| l.index) else { return };
        if let Some(v) = self.current.tally.vote_of(index, VoteStage::Prevote) {
            self.current.prevoted = Some(v.clone());
        }
        if let Some(v) = self.current.tally.vote_of(index, VoteStage::Precommit) {
            self.current.precommitted = Some(v.clone());
        }
    }

    // ----- Step 14: next round -----

    pub(super) fn try_next_round(&mut self, actions: &mut Vec<FinalityAction>) -> bool {
        let n = self.set.len();
        let state = self.current.tally.state(&self.chain, n);
        let voted = self.local.is_none() || self.current.precommitted.is_some();
        if let (true, true, Some(estimate)) = (state.completable, voted, state.estimate) {
            // The estimate of a view in which the round is completable (by the estimate lemma
            // of the safety argument, at or above anything the round finalizes), kept for the
            // start of the next round; updated while the round stays completable.
            self.current.completed_with = Some(estimate);
        }
        let Some(estimate) = self.current.completed_with else { return false };
        // Pacing (voters only: observers cast no votes).
        if self.local.is_some() && self.now_ms < self.next_round_at() {
            return false;
        }
        let next = self.current.tally.round().next();
        let tally = self.future.remove(&next).unwrap_or_else(|| RoundTally::new(next));
        let completed = std::mem::replace(
            &mut self.current,
            CurrentRound::with_tally(tally, self.now_ms, estimate),
        );
        self.enter_round(completed.tally, actions);
        true
    }

    /// Step 14: the earliest time the next round may start (pacing).
    pub(super) fn next_round_at(&self) -> u64 {
        self.current.started_ms.saturating_add(self.config.min_round_interval_ms)
    }

    /// Makes `completed` (a round that is, or was when it completed, completable) the previous
    /// round of the current one (already set up with the required block to fall back on),
    /// records the block the new round's votes must contain, and drops buffered rounds at or
    /// below the current one.
    pub(super) fn enter_round(&mut self, completed: RoundTally, actions: &mut Vec<FinalityAction>) {
        let current = self.current.tally.round();
        self.future = self.future.split_off(&current.next());
        self.previous = completed;
        let n = self.set.len();
        let state = self.previous.state(&self.chain, n);
        if let (true, Some(estimate)) = (state.completable, state.estimate) {
            self.current.required_at_start = estimate;
        }
        self.adopt_own_votes();
        self.next_rebroadcast_ms = self.now_ms.saturating_add(self.config.rebroadcast_interval_ms);
        tracing::debug!(target: "atoll::finality", round = %current, "round started");
        actions.push(FinalityAction::Persist(self.snapshot()));
    }
}
