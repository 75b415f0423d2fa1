//! Transfers and their reporting.
//!
//! A call transferred to another agent stays a call of its service group.
//! The target rings with the group's ring-time supervision; unanswered, the
//! call goes back to the group queue at its original position and the
//! target is forced Not Ready. For reporting, the call is answered
//! once for the group; among agents only the last one counts it answered;
//! alerting time is the first agent's, talking and hold time add up over
//! all agents, and only the last agent has clerical time.

use crate::agent::{ChanState, TenantIx};
use crate::call::CallState;
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
        if !matches!(
            self.agents[b].chan(media).state,
            ChanState::Ready | ChanState::NotReady { .. }
        ) {
            return Err(self.agent_state_error(b, media, "take a transfer"));
        }
        let state = self.calls[c].state.clone();
        let from = match &state {
            CallState::Connected { agent, .. } => {
                let transferable = matches!(
                    self.agents[*agent].chan(media).state,
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
        // Detach the call from where it is.
        let mut released = Vec::new();
        match state {
            CallState::Connected { agent, .. } => {
                self.close_segment(c, agent);
                self.set_state(c, CallState::Detached);
                let a = &mut self.agents[agent];
                a.answered = a.answered.saturating_sub(1); // the last agent counts it
                released.push(agent);
            }
            CallState::Offered { offers, .. } => {
                for &(o, e) in &offers {
                    self.stop_ringing(c, o, e, Cause::Transfer);
                    released.push(o);
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
        for a in released {
            self.release_channel(a, media, Cause::Transfer, from.is_some());
        }
        Ok(())
    }
}
