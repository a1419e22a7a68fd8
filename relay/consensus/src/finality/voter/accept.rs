//! Step 10: accepting votes from the network into the right round, within bounds.

use super::*;

impl FinalityVoter {
    pub(super) fn accept_vote(
        &mut self,
        vote: SignedVote,
        actions: &mut Vec<FinalityAction>,
    ) -> Result<(), VoteError> {
        let voter = vote.voter;
        if vote.vote.set_id != self.set.set_id() {
            return Err(VoteError::WrongSet {
                voter,
                expected: self.set.set_id(),
                got: vote.vote.set_id,
            });
        }
        let Some(offender) = self.set.get(voter).copied() else {
            return Err(VoteError::UnknownVoter { voter, set_id: self.set.set_id() });
        };
        let round = RoundNumber(vote.vote.round);
        let held = if round == self.current.tally.round() {
            Held::Current
        } else if round == self.previous.round() && round.0 > 0 {
            Held::Previous
        } else if round > self.current.tally.round() {
            Held::Future(round)
        } else {
            // A round no longer held: nothing it says can change anything.
            return Ok(());
        };
        if self.tally_mut(held).is_some_and(|t| t.holds(&vote)) {
            return Ok(());
        }
        check_vote(&vote, &self.set)?;
        if let Held::Future(round) = held {
            if !self.make_room_in_future(voter, round) {
                return Ok(());
            }
            self.future.entry(round).or_insert_with(|| RoundTally::new(round));
        }
        let tally = tally_of(&mut self.previous, &mut self.current, &mut self.future, held);
        let Some(tally) = tally else {
            return Ok(());
        };
        if let Insert::Equivocation { first, second } = tally.insert(vote, &self.chain) {
            tracing::info!(
                target: "atoll::finality",
                %voter,
                %round,
                stage = ?second.vote.stage,
                "vote equivocation"
            );
            let (first, second) = (*first, *second);
            actions.push(FinalityAction::Equivocation(VoteEquivocation {
                offender,
                first,
                second,
            }));
        }
        Ok(())
    }

    /// Step 16: each voter occupies at most [`MAX_FUTURE_ROUNDS_PER_VOTER`] future rounds; a
    /// higher round pushes out its lowest one, a lower one is dropped.
    pub(super) fn make_room_in_future(
        &mut self,
        voter: ValidatorIndex,
        round: RoundNumber,
    ) -> bool {
        let rounds: Vec<RoundNumber> = self
            .future
            .iter()
            .filter(|(_, tally)| tally.has_voter(voter))
            .map(|(r, _)| *r)
            .collect();
        if rounds.contains(&round) || rounds.len() < MAX_FUTURE_ROUNDS_PER_VOTER {
            return true;
        }
        let Some(lowest) = rounds.first().copied() else { return true };
        if round < lowest {
            return false;
        }
        if let Some(tally) = self.future.get_mut(&lowest) {
            tally.remove_voter(voter);
            if tally.is_empty() {
                self.future.remove(&lowest);
            }
        }
        true
    }

    pub(super) fn held(&self, round: RoundNumber) -> Option<Held> {
        if round == self.current.tally.round() {
            Some(Held::Current)
        } else if round == self.previous.round() {
            Some(Held::Previous)
        } else if self.future.contains_key(&round) {
            Some(Held::Future(round))
        } else {
            None
        }
    }

    pub(super) fn tally_mut(&mut self, held: Held) -> Option<&mut RoundTally> {
        tally_of(&mut self.previous, &mut self.current, &mut self.future, held)
    }

    /// After a block import: recounts only stages with pending votes.
    pub(super) fn block_added_to_all(&mut self) {
        self.previous.block_added();
        self.current.tally.block_added();
        for tally in self.future.values_mut() {
            tally.block_added();
        }
    }

    pub(super) fn invalidate_all(&mut self) {
        self.previous.invalidate();
        self.current.tally.invalidate();
        for tally in self.future.values_mut() {
            tally.invalidate();
        }
    }
}
