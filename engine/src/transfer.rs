//! Transfers and their reporting.
//!
//! A call transferred to another agent stays a call of its service group.
//! The target rings with the group's ring-time supervision; unanswered, the
//! call goes back to the group queue at its original position and the
//! target is forced Not Ready. For reporting, the call is answered
//! once for the group; among agents only the last one counts it answered;
//! alerting time is the first agent's, talking and hold time add up over
//! all agents, and only the last agent has clerical time.

use crate::agent::{AgentIx, CallIx, ChanState, TenantIx};
use crate::call::CallState;
use crate::config::{AgentKind, Media};
use crate::engine::Core;
use crate::error::Error;
use crate::ids::{AgentId, CallId};
use crate::output::{Cause, EventKind};

impl Core {
    pub(crate) fn transfer(
        &mut self,
        t: TenantIx,
        call: &CallId,
        to: &AgentId,
    ) -> Result<(), Error> {
        let b = self.agent_ix(t, to)?;
        let c = self.call_ix(t, call)?;
        let media = self.calls[c].media;
        let target = &self.agents[b];
        if !matches!(
            target.lane(target.idle_lane(media)).state,
            ChanState::Ready | ChanState::NotReady { .. }
        ) || !target.room_for(media)
        {
            return Err(self.agent_state_error(b, media, "take a transfer"));
        }
        let state = self.calls[c].state.clone();
        let from = match &state {
            CallState::Connected { agent, .. } => {
                let from = &self.agents[*agent];
                let transferable = matches!(
                    from.lane(from.lane_of(media, c)).state,
                    ChanState::Talking { .. } | ChanState::Hold { .. } | ChanState::Callback { .. }
                );
                if !transferable {
                    return Err(self.agent_state_error(*agent, media, "transfer"));
                }
                Some(*agent)
            }
            CallState::Offered { .. } | CallState::Queued | CallState::Parked { .. } => None,
            CallState::Diverting { .. } | CallState::Detached => {
                return Err(self.call_state_error(c, "transfer"))
            }
        };
        let private = from.is_some_and(|a| self.completes_on_transfer(c, a));
        // Detach the call from where it is.
        let mut released = Vec::new();
        let lane = |core: &Self, a: AgentIx| core.agents[a].lane_of(media, c);
        match state {
            CallState::Connected { agent, .. } if private => {
                let lane = lane(self, agent);
                // completed for the group here; from now on a
                // private call of the target.
                self.close_segment(c, agent);
                self.set_state(c, CallState::Detached);
                self.count_handled(c, Some(agent), false);
                self.calls[c].private = true;
                released.push((agent, lane));
            }
            CallState::Connected { agent, .. } => {
                let lane = lane(self, agent);
                self.close_segment(c, agent);
                self.set_state(c, CallState::Detached);
                let a = &mut self.agents[agent];
                a.answered = a.answered.saturating_sub(1); // the last agent counts it
                released.push((agent, lane));
            }
            CallState::Offered { offers, .. } => {
                for &(o, e) in &offers {
                    self.stop_ringing(c, o, e, Cause::Transfer);
                    released.push((o, lane(self, o)));
                }
                self.set_state(c, CallState::Detached);
            }
            CallState::Queued => self.unqueue(c),
            _ => self.unpark(c),
        }
        let (g, tenant) = (self.calls[c].group, self.calls[c].tenant);
        self.emit(
            tenant,
            EventKind::CallTransferred {
                call: call.clone(),
                group: self.groups[g].id.clone(),
                from: from.map(|a| self.agents[a].id.clone()),
                to: to.clone(),
            },
        );
        self.calls[c].personal.direct = false;
        self.keep_not_ready(b, media);
        self.offer(c, &[b]);
        // The transferring agent has no clerical for this call.
        for (a, l) in released {
            self.release_channel(a, l, Cause::Transfer, from.is_some());
        }
        Ok(())
    }

    /// Whether connected call `c`, transferred by agent `a`, is completed
    /// on transfer and handled as a private call on the target: web
    /// callbacks and callback calls, and calls of agents the
    /// service-group transfer rules do not cover — Web and Phone agents
    /// . A call already private stays private.
    fn completes_on_transfer(&self, c: CallIx, a: AgentIx) -> bool {
        let call = &self.calls[c];
        call.private
            || call.media == Media::Callback
            || self.agents[a].config().kind != AgentKind::Application
    }
}
