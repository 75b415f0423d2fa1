//! Dispatch queues: calls of manual groups wait in the group's
//! dispatch queue; calls of automatic groups with `display_in_dispatch` are
//! shown from their queue. Agents with dispatch access see them; those also
//! skilled for the group and allowed to pick may pick any call for
//! immediate routing to themselves. A pick is atomic: the engine
//! has a single writer, so of two picks of one call the first wins and the
//! second gets [`Error::AlreadyTaken`].

use crate::agent::{AgentIx, CallIx, ChanState, TenantIx};
use crate::call::CallState;
use crate::config::RoutingType;
use crate::engine::Core;
use crate::error::{Error, PickRefusal};
use crate::ids::{AgentId, CallId, GroupId};
use crate::output::{Cause, EventKind};
use serde::{Deserialize, Serialize};

/// One call of a dispatch queue as one agent sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DispatchEntry {
    /// The call.
    pub call: CallId,
    /// Its group.
    pub group: GroupId,
    /// Its priority.
    pub priority: i32,
    /// Milliseconds it has waited in the group.
    pub waiting_ms: u64,
    /// The agent it is reserved for, if any.
    pub reserved_for: Option<AgentId>,
    /// Whether this agent may pick it; `false` = read-only.
    pub can_pick: bool,
}

impl Core {
    /// Parks a detached call in its group's dispatch queue.
    pub(crate) fn park(&mut self, c: CallIx, reserved_for: Option<AgentIx>, cause: Cause) {
        self.calls[c].personal.direct = false;
        self.set_state(c, CallState::Parked { reserved_for });
        let call = &self.calls[c];
        let (g, t, key) = (call.group, call.tenant, call.key());
        self.groups[g].dispatch.insert(key, c);
        let reserved = reserved_for.map(|a| self.agents[a].id.clone());
        self.emit(
            t,
            EventKind::CallParked {
                call: self.calls[c].id.clone(),
                group: self.groups[g].id.clone(),
                reserved_for: reserved,
                cause,
            },
        );
    }

    /// Takes a parked call out of the dispatch queue (detaching it); a
    /// reservation for a busy agent ends with it.
    pub(crate) fn unpark(&mut self, c: CallIx) {
        self.cancel_personal_wait(c);
        let call = &self.calls[c];
        let key = call.key();
        if self.groups[call.group].dispatch.remove(&key).is_some() {
            self.set_state(c, CallState::Detached);
        }
    }

    /// The dispatch queues of the agent's tenant as the agent sees them.
    pub(crate) fn dispatch_view(
        &self,
        t: TenantIx,
        agent: &AgentId,
    ) -> Result<Vec<DispatchEntry>, Error> {
        let a = self.agent_ix(t, agent)?;
        let ag = &self.agents[a];
        if !ag.config().dispatch_access {
            return Err(Error::NotPermitted {
                agent: agent.clone(),
                command: "view dispatch",
            });
        }
        let mut entries = Vec::new();
        for &g in &self.tenants[t].groups {
            let group = &self.groups[g];
            let calls: Vec<CallIx> = if group.config.routing == RoutingType::Manual {
                group.dispatch.values().copied().collect()
            } else if group.config.display_in_dispatch {
                let mut queued: Vec<_> = group.queues.iter().flat_map(|q| q.iter()).collect();
                queued.sort();
                queued.into_iter().map(|(_, &c)| c).collect()
            } else {
                continue;
            };
            let skilled = ag.served(g).is_some() && ag.config().can_pick;
            entries.extend(calls.into_iter().map(|c| {
                let call = &self.calls[c];
                let reserved = match call.state {
                    CallState::Parked { reserved_for } => reserved_for,
                    _ => None,
                };
                DispatchEntry {
                    call: call.id.clone(),
                    group: group.id.clone(),
                    priority: call.priority,
                    waiting_ms: self.now.millis_since(call.entered),
                    reserved_for: reserved.map(|r| self.agents[r].id.clone()),
                    can_pick: skilled && reserved.is_none_or(|r| r == a),
                }
            }));
        }
        Ok(entries)
    }

    /// An agent picks a call for immediate routing to itself.
    pub(crate) fn pick(
        &mut self,
        t: TenantIx,
        agent: &AgentId,
        call: &CallId,
    ) -> Result<(), Error> {
        let a = self.agent_ix(t, agent)?;
        let c = self.call_ix(t, call)?;
        self.check_pick(a, c)?;
        match self.calls[c].state {
            CallState::Queued => self.unqueue(c),
            _ => self.unpark(c),
        }
        let media = self.calls[c].media;
        self.keep_not_ready(a, media);
        self.offer(c, &[a]);
        Ok(())
    }

    /// Whether `a` may pick `c` now; each refusal names its reason.
    fn check_pick(&self, a: AgentIx, c: CallIx) -> Result<(), Error> {
        let ag = &self.agents[a];
        let call = &self.calls[c];
        let group = &self.groups[call.group];
        let refuse = |why| Error::PickRefused {
            agent: ag.id.clone(),
            call: call.id.clone(),
            why,
        };
        let shown = group.config.routing == RoutingType::Manual || group.config.display_in_dispatch;
        if !(ag.config().dispatch_access && ag.config().can_pick) {
            return Err(refuse(PickRefusal::NoDispatchLicence));
        }
        if !shown {
            return Err(refuse(PickRefusal::NotShownInDispatch));
        }
        if ag.served(call.group).is_none() {
            return Err(refuse(PickRefusal::NotSkilled));
        }
        match call.state {
            CallState::Parked {
                reserved_for: Some(r),
            } if r != a => {
                return Err(refuse(if self.agents[r].config().dispatch_access {
                    PickRefusal::ReservedForAnother
                } else {
                    PickRefusal::WaitingForAgentWithoutDispatch
                }))
            }
            CallState::Parked { .. } | CallState::Queued => {}
            _ => return Err(Error::AlreadyTaken(call.id.clone())),
        }
        match ag.lane(ag.idle_lane(call.media)).state {
            ChanState::Ready | ChanState::NotReady { .. } | ChanState::Clerical { .. }
                if ag.room_for(call.media) =>
            {
                Ok(())
            }
            _ => Err(self.agent_state_error(a, call.media, "pick")),
        }
    }
}
