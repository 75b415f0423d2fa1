//! Personal call routing: calls to an agent's personal directory
//! number, or to an agent named by the caller's script, in a group with
//! `personal_calls` (manual routing).
//!
//! * idle agent (Ready or Not Ready): the call rings at once;
//! * busy agent: the call waits in the dispatch queue reserved for the agent
//!   for the group's personal max wait, and rings as soon as the agent is
//!   free; then it is open to every skilled agent or, for an
//!   agent without dispatch access, deflected;
//! * agent logged out: divert to the personal default destination;
//! * no agent identified: the dispatch queue, open to all;
//! * unanswered: the dispatch queue, or for an agent without
//!   dispatch access the divert ladder.
//!
//! The divert ladder (personal default destination, then the system default
//! destination, then the dispatch queue) runs on [`crate::Effect::Divert`]
//! effects whose outcome the embedder reports with
//! [`crate::Command::DivertResult`].

use crate::agent::{AfterCall, AgentIx, CallIx, ChanState, TenantIx};
use crate::call::{CallState, DivertStep};
use crate::command::Epoch;
use crate::engine::Core;
use crate::error::Error;
use crate::ids::CallId;
use crate::output::{Cause, Effect, EventKind};
use crate::timers::Timer;
use serde::{Deserialize, Serialize};

/// Personal-call bookkeeping carried by a call.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PersonalState {
    /// The agent the call is personal to.
    pub(crate) target: Option<AgentIx>,
    /// The current offer rings the target directly (not a pick or transfer).
    pub(crate) direct: bool,
    /// Never again sent directly to the agent, only picked.
    pub(crate) direct_barred: bool,
    /// Token of the live personal-wait timer; 0 = none.
    pub(crate) token: u64,
}

impl Core {
    /// A call entering a manual group: personal routing when the group has
    /// `personal_calls`, else the dispatch queue.
    pub(crate) fn route_personal(&mut self, c: CallIx) {
        let g = self.calls[c].group;
        let target = if self.groups[g].config.personal_calls {
            self.personal_target(c)
        } else {
            None
        };
        match target {
            None => self.park(c, None, Cause::Arrival),
            Some(a) => {
                self.calls[c].personal.target = Some(a);
                self.route_to_target(c, a);
            }
        }
    }

    /// the agent named by the script, else the one whose PDN was dialled.
    fn personal_target(&self, c: CallIx) -> Option<AgentIx> {
        let call = &self.calls[c];
        if let Some(id) = &call.preferred_agent {
            return self.ix.agents.get(&self.agents, call.tenant, id.as_str());
        }
        let dnis = call.dnis.as_ref()?;
        self.ix.pdns.get(&(call.tenant, dnis.clone())).copied()
    }

    fn route_to_target(&mut self, c: CallIx, a: AgentIx) {
        let (agent, media) = (&self.agents[a], self.calls[c].media);
        match agent.lane(agent.idle_lane(media)).state {
            ChanState::LoggedOut => self.start_ladder(c, false),
            ChanState::Ready | ChanState::NotReady { .. } if agent.room_for(media) => {
                self.offer_personal(c, a)
            }
            _ => self.wait_for_agent(c, a),
        }
    }

    /// Rings the agent whether Ready or Not Ready; a Not Ready
    /// agent returns to Not Ready afterwards. Without dispatch access the
    /// ring timeout is the personal max wait.
    pub(crate) fn offer_personal(&mut self, c: CallIx, a: AgentIx) {
        let media = self.calls[c].media;
        self.keep_not_ready(a, media);
        let group = &self.groups[self.calls[c].group].config;
        let ring_ms = if self.agents[a].config().dispatch_access {
            match group.ring_time_s {
                0 => self.max_reservation_ms,
                s => u64::from(s) * 1000,
            }
        } else {
            u64::from(group.personal_max_wait_s) * 1000
        };
        self.calls[c].personal.direct = true;
        self.offer_for(c, &[a], ring_ms);
    }

    /// An agent taking a call while Not Ready goes back to Not Ready after it.
    pub(crate) fn keep_not_ready(&mut self, a: AgentIx, media: crate::Media) {
        let l = self.agents[a].idle_lane(media);
        let ch = self.agents[a].lane_mut(l);
        if let ChanState::NotReady { reason } = &ch.state {
            ch.after_call = AfterCall::NotReady(reason.clone());
        }
    }

    /// The agent is busy: the call waits reserved for it.
    fn wait_for_agent(&mut self, c: CallIx, a: AgentIx) {
        self.park(c, Some(a), Cause::Personal);
        let token = self.new_token();
        let call = &mut self.calls[c];
        call.personal.token = token;
        let uid = call.uid;
        let wait_s = self.groups[call.group].config.personal_max_wait_s;
        self.personal_waits.insert((a, uid), c);
        let at = self.now.plus_millis(u64::from(wait_s) * 1000);
        self.timers.set(
            at,
            Timer::PersonalWait {
                call: c,
                uid,
                token,
            },
        );
    }

    /// Ends a call's reservation for its agent, if it has one.
    pub(crate) fn cancel_personal_wait(&mut self, c: CallIx) {
        if let CallState::Parked {
            reserved_for: Some(a),
        } = self.calls[c].state
        {
            self.personal_waits.remove(&(a, self.calls[c].uid));
            self.calls[c].personal.token = 0;
        }
    }

    /// The personal max wait ran out.
    pub(crate) fn on_personal_wait(&mut self, c: CallIx) {
        let CallState::Parked {
            reserved_for: Some(a),
        } = self.calls[c].state
        else {
            return;
        };
        self.unpark(c);
        if self.agents[a].config().dispatch_access {
            self.park(c, None, Cause::PersonalWaitExpired);
        } else {
            self.start_ladder(c, true);
        }
    }

    /// The agent is free (Ready or Not Ready): the oldest personal call
    /// waiting for it rings now. Returns whether one did.
    pub(crate) fn offer_waiting_personal(&mut self, a: AgentIx, media: crate::Media) -> bool {
        let next = self
            .personal_waits
            .range((a, 0)..=(a, u64::MAX))
            .next()
            .map(|(_, &c)| c);
        match next {
            Some(c) if self.calls[c].media == media && self.agents[a].room_for(media) => {
                self.unpark(c);
                self.offer_personal(c, a);
                true
            }
            _ => false,
        }
    }

    /// The agent logged off: personal calls waiting reserved for it are
    /// now calls for an agent not logged on: to its personal
    /// default destination, failing that the dispatch queue.
    pub(crate) fn personal_agent_logged_off(&mut self, a: AgentIx) {
        let waiting: Vec<CallIx> = self
            .personal_waits
            .range((a, 0)..=(a, u64::MAX))
            .map(|(_, &c)| c)
            .collect();
        for c in waiting {
            self.unpark(c);
            self.start_ladder(c, false);
        }
    }

    /// An offer of a manual-group call ended unanswered.
    pub(crate) fn personal_no_answer(&mut self, c: CallIx) {
        let p = std::mem::take(&mut self.calls[c].personal.direct);
        let target = self.calls[c].personal.target;
        let barred = self.calls[c].personal.direct_barred;
        match target {
            Some(a) if p && !barred && !self.agents[a].config().dispatch_access => {
                self.start_ladder(c, true)
            }
            _ => self.park(c, None, Cause::NoAnswer),
        }
    }

    /// Starts the divert ladder at the personal default destination.
    fn start_ladder(&mut self, c: CallIx, then_system: bool) {
        self.try_step(c, DivertStep::PersonalDefault { then_system });
    }

    fn try_step(&mut self, c: CallIx, step: DivertStep) {
        let call = &self.calls[c];
        let destination = match step {
            DivertStep::PersonalDefault { .. } => call
                .personal
                .target
                .and_then(|a| self.agents[a].config().default_destination.clone()),
            DivertStep::SystemDefault => {
                self.tenants[call.tenant].config.default_destination.clone()
            }
        };
        match destination {
            Some(d) => self.divert(c, d, step),
            None => self.after_step_failed(c, step),
        }
    }

    /// The next rung after a divert failed or had no destination.
    fn after_step_failed(&mut self, c: CallIx, step: DivertStep) {
        match step {
            DivertStep::PersonalDefault { then_system: true } => {
                self.try_step(c, DivertStep::SystemDefault)
            }
            // the call stays in the dispatch queue.
            DivertStep::PersonalDefault { then_system: false } => {
                self.park(c, None, Cause::DivertFailed)
            }
            // the dispatch queue, never directly to the agent again.
            DivertStep::SystemDefault => {
                self.calls[c].personal.direct_barred = true;
                self.park(c, None, Cause::DivertFailed);
            }
        }
    }

    /// Asks the telephony side to divert the call, and waits at most the
    /// tenant's divert timeout for the outcome.
    fn divert(&mut self, c: CallIx, destination: String, step: DivertStep) {
        let epoch = self.new_epoch();
        self.set_state(
            c,
            CallState::Diverting {
                epoch,
                step,
                destination: destination.clone(),
            },
        );
        let call = &self.calls[c];
        let (t, g, uid) = (call.tenant, call.group, call.uid);
        let timeout_s = self.tenants[t].config.divert_timeout_s;
        self.timers.set(
            self.now.plus_millis(u64::from(timeout_s) * 1000),
            Timer::Divert {
                call: c,
                uid,
                epoch,
            },
        );
        self.effect(Effect::Divert {
            tenant: self.tenants[t].id.clone(),
            call: call.id.clone(),
            destination: destination.clone(),
            epoch: Some(epoch),
            cause: Cause::Personal,
            private_data: Default::default(),
        });
        self.emit(
            t,
            EventKind::CallDiverting {
                call: self.calls[c].id.clone(),
                group: self.groups[g].id.clone(),
                destination,
                epoch,
                cause: Cause::Personal,
            },
        );
    }

    /// The divert failed, or its outcome did not come in time: recorded,
    /// then the next rung of the ladder.
    fn divert_failed(&mut self, c: CallIx, cause: Cause) {
        let CallState::Diverting {
            step, destination, ..
        } = self.calls[c].state.clone()
        else {
            return;
        };
        self.set_state(c, CallState::Detached);
        let (g, t) = (self.calls[c].group, self.calls[c].tenant);
        self.emit(
            t,
            EventKind::CallDivertFailed {
                call: self.calls[c].id.clone(),
                group: self.groups[g].id.clone(),
                destination,
                cause,
            },
        );
        self.after_step_failed(c, step);
    }

    /// No divert outcome within the tenant's divert timeout: the
    /// divert counts as failed; a late outcome is stale.
    pub(crate) fn on_divert_timeout(&mut self, c: CallIx) {
        self.divert_failed(c, Cause::DivertTimeout);
    }

    /// The embedder reports the outcome of a divert.
    pub(crate) fn divert_result(
        &mut self,
        t: TenantIx,
        call: &CallId,
        epoch: Epoch,
        ok: bool,
    ) -> Result<(), Error> {
        let c = self.call_ix(t, call)?;
        let CallState::Diverting {
            epoch: current,
            destination,
            ..
        } = self.calls[c].state.clone()
        else {
            return Err(self.epoch_or_state_error(c, epoch, "divert_result"));
        };
        if current != epoch {
            return Err(Error::StaleEpoch {
                got: epoch,
                current: Some(current),
            });
        }
        if !ok {
            self.divert_failed(c, Cause::DivertFailed);
            return Ok(());
        }
        self.set_state(c, CallState::Detached);
        let (g, t) = (self.calls[c].group, self.calls[c].tenant);
        let wait = self.now.millis_since(self.calls[c].entered);
        let s = &mut self.groups[g].stats;
        s.deflected += 1;
        // the wait before the deflection was a wait in this group.
        s.longest_wait_ms = s.longest_wait_ms.max(wait);
        self.changes.group(g);
        self.emit(
            t,
            EventKind::CallDeflected {
                call: call.clone(),
                group: self.groups[g].id.clone(),
                destination,
                cause: Cause::Personal,
            },
        );
        self.remove_call(c);
        Ok(())
    }

    /// A stale epoch when the engine issued it, else a wrong-state error.
    pub(crate) fn epoch_or_state_error(
        &self,
        c: CallIx,
        epoch: Epoch,
        command: &'static str,
    ) -> Error {
        if self.was_issued(epoch) {
            Error::StaleEpoch {
                got: epoch,
                current: None,
            }
        } else {
            self.call_state_error(c, command)
        }
    }

    pub(crate) fn call_state_error(&self, c: CallIx, command: &'static str) -> Error {
        Error::CallState {
            call: self.calls[c].id.clone(),
            state: self.calls[c].state.name(),
            command,
        }
    }
}
