//! Running counters per service group.
//!
//! Counters are cumulative since the group was created; gauges (`queued`,
//! `ringing`, `connected`, `parked`) are current. Per-interval figures are
//! the difference of two snapshots taken at the interval's edges. Every call
//! that entered a group is in exactly one bucket:
//! `offered = answered + abandoned + overflowed + queued + ringing + parked + diverted`,
//! where `answered` counts calls answered for the group (R-6.2: once, for the last agent).

use serde::{Deserialize, Serialize};

/// Counters of one service group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupStats {
    /// Calls that entered the group.
    pub offered: u64,
    /// Calls answered.
    pub answered: u64,
    /// Calls whose caller hung up before answer.
    pub abandoned: u64,
    /// Calls that left for the overflow destination.
    pub overflowed: u64,
    /// Calls deflected to a personal or system default destination.
    pub deflected: u64,
    /// Calls waiting in the queue now.
    pub queued: u64,
    /// Calls ringing at an agent now.
    pub ringing: u64,
    /// Calls parked in the dispatch queue now.
    pub parked: u64,
    /// Calls awaiting a divert outcome now.
    pub diverting: u64,
    /// Answered calls still live now (talking, or in a transfer).
    pub connected: u64,
    /// Answered within the service-level threshold.
    pub answered_within_sl: u64,
    /// Sum of waits of answered calls, ms (ASA = this / answered).
    pub answered_wait_ms: u64,
    /// Sum of waits of abandoned calls, ms.
    pub abandoned_wait_ms: u64,
    /// Longest wait of any call in the group, ms: answered, abandoned,
    /// overflowed or deflected; [`crate::Engine::group_stats`]
    /// adds the calls still waiting.
    pub longest_wait_ms: u64,
    /// Offers not answered in time or rejected.
    pub no_answer: u64,
    /// Calls that ended after answer.
    pub handled: u64,
    /// Alerting time of handled calls, ms: how long each rang at the first
    /// agent it was offered to.
    #[serde(default)]
    pub alerting_ms: u64,
    /// Servicing (talking) time of handled calls, ms, summed over every
    /// agent that talked to the caller.
    pub talk_ms: u64,
    /// Hold time of handled calls, ms, summed over every agent.
    pub hold_ms: u64,
    /// Clerical time of handled calls, ms (R-6.2: last agent's only):
    /// counted in full when the call ends, the unspent rest taken back when
    /// the agent ends clerical early (Ready, Not Ready, a pick) or logs off
    /// instead (R-8.2: AHT counts the clerical time spent).
    pub clerical_ms: u64,
}

impl GroupStats {
    /// Service level: answered within threshold / offered.
    pub fn service_level(&self) -> f64 {
        ratio(self.answered_within_sl, self.offered)
    }

    /// Average speed of answer, ms.
    pub fn asa_ms(&self) -> f64 {
        ratio(self.answered_wait_ms, self.answered)
    }

    /// Average handle time (talk + hold + clerical), ms.
    pub fn aht_ms(&self) -> f64 {
        ratio(self.talk_ms + self.hold_ms + self.clerical_ms, self.handled)
    }

    /// Unanswered calls in the group now.
    pub fn live(&self) -> u64 {
        self.queued + self.ringing + self.parked + self.diverting
    }

    /// Whether every offered call is accounted for exactly once.
    pub fn balanced(&self) -> bool {
        self.offered
            == self.answered + self.abandoned + self.overflowed + self.deflected + self.live()
    }
}

fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

/// Counters of one agent since its logon. `answered`
/// counts calls this agent was the last to answer: an agent who transferred
/// a call away can have 0 answered and busy time all the same.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentStats {
    /// Calls answered and kept (not transferred on).
    pub answered: u64,
    /// Time busy (reserved, ringing, talking, on hold, waiting, clerical),
    /// ms: time with at least one contact, so concurrent contacts
    /// or media count once.
    pub busy_ms: u64,
    /// Time logged on, ms (0 when logged out).
    pub logged_on_ms: u64,
    /// Occupancy: busy time / logged-on time, 0..=1.
    pub occupancy: f64,
}

impl crate::Engine {
    /// An agent's counters since its logon, up to the engine's time
    ///
    pub fn agent_stats(
        &self,
        tenant: &crate::TenantId,
        agent: &crate::AgentId,
    ) -> Result<AgentStats, crate::Error> {
        let core = &self.core;
        let t = core.tenant_ix(tenant)?;
        let a = core.agent_ix(t, agent)?;
        let ag = &core.agents[a];
        let now = core.now;
        // Busy time counts once however many contacts overlap (R-8.2,
        // the periods closed, then the one still open.
        let open = ag.busy_from().map_or(0, |from| now.millis_since(from));
        let busy_ms = ag.busy_ms + open;
        let logged_on_ms = if ag.is_logged_on() {
            now.millis_since(ag.logon_at)
        } else {
            0
        };
        Ok(AgentStats {
            answered: ag.answered,
            busy_ms,
            logged_on_ms,
            occupancy: ratio(busy_ms, logged_on_ms),
        })
    }
}
