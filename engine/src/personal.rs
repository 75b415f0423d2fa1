//! Personal call routing and the dispatch queue of manual groups.
//!
//! Calls of a manual or personal-calls group are not offered by strategy:
//! they are parked in the group's dispatch queue to be picked. (The full
//! R-4 rule set — PDN matching, personal waits, the divert ladder — and
//! picks, transfers and authentication are built on this by the personal
//! routing work.)

use crate::agent::CallIx;
use crate::call::CallState;
use crate::command::Epoch;
use crate::engine::Core;
use crate::error::Error;
use crate::ids::{AgentId, CallId};
use crate::output::{Cause, EventKind};
use serde::{Deserialize, Serialize};

/// Personal-call bookkeeping carried by a call.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PersonalState {
    /// The agent the call is personal to.
    pub(crate) target: Option<crate::agent::AgentIx>,
    /// Never again sent directly to the agent, only picked.
    pub(crate) direct_barred: bool,
    /// Token of the live personal-wait timer.
    pub(crate) token: u64,
}

impl Core {
    /// A call entering a manual/personal group is parked for picking.
    pub(crate) fn route_personal(&mut self, c: CallIx) {
        self.park(c, None, Cause::Arrival);
    }

    /// An unanswered personal or manual offer goes to the dispatch queue.
    pub(crate) fn personal_no_answer(&mut self, c: CallIx) {
        self.park(c, None, Cause::NoAnswer);
    }

    /// Parks a detached call in its group's dispatch queue.
    pub(crate) fn park(
        &mut self,
        c: CallIx,
        reserved_for: Option<crate::agent::AgentIx>,
        cause: Cause,
    ) {
        let call = &mut self.calls[c];
        call.state = CallState::Parked { reserved_for };
        let (g, t, key) = (call.group, call.tenant, call.key());
        let group = &mut self.groups[g];
        group.dispatch.insert(key, c);
        group.stats.parked += 1;
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

    /// Takes a parked call out of the dispatch queue (detaching it).
    pub(crate) fn unpark(&mut self, c: CallIx) {
        let call = &self.calls[c];
        let key = call.key();
        let group = &mut self.groups[call.group];
        if group.dispatch.remove(&key).is_some() {
            group.stats.parked -= 1;
        }
    }

    pub(crate) fn on_personal_wait(&mut self, _c: CallIx) {}

    pub(crate) fn on_reserve_expired(&mut self, _c: CallIx) {}

    pub(crate) fn pick(&mut self, t: usize, agent: &AgentId, call: &CallId) -> Result<(), Error> {
        self.agent_ix(t, agent)?;
        self.call_ix(t, call)?;
        Err(Error::NotPermitted {
            agent: agent.clone(),
            command: "pick",
        })
    }

    pub(crate) fn transfer(&mut self, t: usize, call: &CallId, to: &AgentId) -> Result<(), Error> {
        self.agent_ix(t, to)?;
        let c = self.call_ix(t, call)?;
        Err(self.call_state_error(c, "transfer"))
    }

    pub(crate) fn divert_result(
        &mut self,
        t: usize,
        call: &CallId,
        _epoch: Epoch,
        _ok: bool,
    ) -> Result<(), Error> {
        let c = self.call_ix(t, call)?;
        Err(self.call_state_error(c, "divert_result"))
    }

    pub(crate) fn auth_divert(&mut self, t: usize, call: &CallId) -> Result<(), Error> {
        let c = self.call_ix(t, call)?;
        Err(self.call_state_error(c, "auth_divert"))
    }

    pub(crate) fn call_returned(&mut self, t: usize, call: &CallId) -> Result<(), Error> {
        let c = self.call_ix(t, call)?;
        Err(self.call_state_error(c, "call_returned"))
    }

    pub(crate) fn call_state_error(&self, c: CallIx, command: &'static str) -> Error {
        Error::CallState {
            call: self.calls[c].id.clone(),
            state: self.calls[c].state.name(),
            command,
        }
    }
}
