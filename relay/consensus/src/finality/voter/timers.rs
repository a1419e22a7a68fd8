//! Step 17 and the timers: re-broadcasting our votes while stalled, and when to wake up.

use super::*;

impl FinalityVoter {
    pub(super) fn rebroadcast(&mut self, actions: &mut Vec<FinalityAction>) {
        let Some(index) = self.local.as_ref().map(|l| l.index) else { return };
        if self.now_ms < self.next_rebroadcast_ms {
            return;
        }
        for stage in [VoteStage::Prevote, VoteStage::Precommit] {
            if let Some(v) = self.previous.vote_of(index, stage) {
                actions.push(FinalityAction::Broadcast(v.clone()));
            }
        }
        for v in self.current.prevoted.iter().chain(self.current.precommitted.iter()) {
            actions.push(FinalityAction::Broadcast(v.clone()));
        }
        self.next_rebroadcast_ms = self.now_ms.saturating_add(self.config.rebroadcast_interval_ms);
    }

    pub(super) fn schedule_wake(&mut self, actions: &mut Vec<FinalityAction>) {
        if self.local.is_none() {
            return;
        }
        let start = self.current.started_ms;
        let d = self.config.round_duration_ms;
        let deadlines = [
            Some(self.next_rebroadcast_ms),
            self.current.prevoted.is_none().then(|| start.saturating_add(d)),
            self.current.precommitted.is_none().then(|| start.saturating_add(d.saturating_mul(2))),
            self.current.completed_with.is_some().then(|| self.next_round_at()),
        ];
        let next = deadlines.into_iter().flatten().filter(|t| *t > self.now_ms).min();
        if let Some(at) = next {
            if self.last_wake != Some(at) {
                self.last_wake = Some(at);
                actions.push(FinalityAction::WakeAt(at));
            }
        }
    }
}
