//! Preferred agents: a call may name agents (ordered, or scored)
//! that alone are offered it until its preferred-agent timeout. After the
//! timeout — or earlier, when the group says so and none of them is logged
//! on — it is open to every eligible agent, keeping its place in line.

use crate::agent::{AgentIx, CallIx, GroupIx, TenantIx};
use crate::call::CallState;
use crate::command::CallSpec;
use crate::engine::Core;
use crate::error::Error;
use crate::routing_model::PreferredRelease;
use crate::time::Instant;
use smallvec::SmallVec;
use std::cmp::Reverse;

/// A waiting call's place in line across groups: higher aged priority,
/// then earlier arrival, then arrival sequence; smaller first.
type LineOrder = (Reverse<i64>, Instant, u64);

impl Core {
    /// The call's preferred agents, best first: higher score, then list
    /// order. An unknown agent is an error; duplicates count once.
    pub(crate) fn preferred_agents(
        &self,
        t: TenantIx,
        spec: &CallSpec,
    ) -> Result<SmallVec<[AgentIx; 2]>, Error> {
        let mut scored: SmallVec<[(i32, usize, AgentIx); 2]> = SmallVec::new();
        for (i, p) in spec.preferred_agents.iter().enumerate() {
            let a = self.agent_ix(t, &p.agent)?;
            if !scored.iter().any(|s| s.2 == a) {
                scored.push((p.score.unwrap_or(0), i, a));
            }
        }
        scored.sort_by_key(|&(score, i, _)| (std::cmp::Reverse(score), i));
        Ok(scored.into_iter().map(|s| s.2).collect())
    }

    /// When the preferred-agent wait of a new call ends; `None` = no wait.
    pub(crate) fn preferred_deadline(
        &self,
        g: GroupIx,
        spec: &CallSpec,
        any: bool,
    ) -> Option<Instant> {
        let secs = spec
            .preferred_timeout_s
            .unwrap_or(self.groups[g].config.preferred_timeout_s);
        (any && secs > 0).then(|| self.now.plus_millis(u64::from(secs) * 1000))
    }

    /// The first preferred agent of the call that is Ready for it at its
    /// tier, if any.
    pub(crate) fn preferred_ready(&self, c: CallIx, tier: u8) -> Option<AgentIx> {
        let call = &self.calls[c];
        let g = call.group;
        call.preferred
            .iter()
            .copied()
            .find(|&a| self.is_candidate(g, tier, a, c))
    }

    /// Whether the call may leave its preferred agents before the timeout:
    /// the group allows it and none of them is logged on for its media.
    pub(crate) fn preferred_all_gone(&self, c: CallIx) -> bool {
        let call = &self.calls[c];
        self.groups[call.group].config.preferred_release == PreferredRelease::WhenLoggedOut
            && call.preferred.iter().all(|&a| {
                self.agents
                    .get(a)
                    .is_none_or(|x| !x.chan(call.media).state.is_logged_on())
            })
    }

    /// Ends the preferred-agent wait: a queued call is placed again at its
    /// place in line, now open to every eligible agent.
    pub(crate) fn release_preferred(&mut self, c: CallIx) {
        self.calls[c].preferred_until = None;
        if self.calls[c].state == CallState::Queued {
            self.unqueue(c);
            self.place_call(c);
        }
    }

    /// An agent logged off: queued calls waiting only for agents no longer
    /// logged on are released early when their group allows it.
    /// Logoffs are rare; this walks the live calls.
    ///
    /// The calls released are placed in line order — highest (aged)
    /// priority, then earliest arrival, then arrival sequence — so the
    /// first in line gets a free agent first, whatever the
    /// calls' places in the record store.
    pub(crate) fn release_preferred_of(&mut self, a: AgentIx) {
        let now = self.now;
        let mut waiting: SmallVec<[(LineOrder, CallIx); 4]> = self
            .calls
            .iter()
            .filter(|(_, call)| call.preferred_until.is_some() && call.preferred.contains(&a))
            .map(|(c, call)| {
                let order = Reverse(call.score_priority(now));
                ((order, call.queued_since(), call.uid), c)
            })
            .collect();
        waiting.sort_unstable();
        for (_, c) in waiting {
            if self.preferred_all_gone(c) {
                self.release_preferred(c);
            }
        }
    }
}
