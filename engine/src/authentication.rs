//! Customer authentication: the agent sends the caller to an
//! authentication service and stays reserved — CallWaiting, busy, no new
//! voice calls — for at most the group's `max_reserve_s` (default 120 s).
//! When the caller comes back in time the agent sees the call as Callback
//! and carries on; when the timer runs out the call is cleared and the
//! agent goes to clerical if the group has it, else becomes available.

use crate::agent::{CallIx, ChanState, TenantIx};
use crate::call::CallState;
use crate::engine::Core;
use crate::error::Error;
use crate::ids::CallId;
use crate::output::{Cause, Effect, EventKind};
use crate::timers::Timer;

impl Core {
    pub(crate) fn auth_divert(&mut self, t: TenantIx, call: &CallId) -> Result<(), Error> {
        let c = self.call_ix(t, call)?;
        let CallState::Connected { agent: a, epoch } = self.calls[c].state else {
            return Err(self.call_state_error(c, "auth_divert"));
        };
        let media = self.calls[c].media;
        if !matches!(
            self.agents[a].chan(media).state,
            ChanState::Talking { .. } | ChanState::Callback { .. }
        ) {
            return Err(self.agent_state_error(a, media, "auth_divert"));
        }
        self.close_segment(c, a);
        let reserve_s = self.groups[self.calls[c].group].config.max_reserve_s;
        let until = self.now.plus_millis(u64::from(reserve_s) * 1000);
        let waiting = ChanState::CallWaiting {
            call: c,
            until,
            epoch,
        };
        self.move_channel(a, media, waiting);
        let uid = self.calls[c].uid;
        self.timers.set(
            until,
            Timer::Reserve {
                call: c,
                uid,
                epoch,
            },
        );
        self.emit_agent_state(a, media, Cause::Authentication);
        Ok(())
    }

    pub(crate) fn call_returned(&mut self, t: TenantIx, call: &CallId) -> Result<(), Error> {
        let c = self.call_ix(t, call)?;
        let CallState::Connected { agent: a, epoch } = self.calls[c].state else {
            return Err(self.call_state_error(c, "call_returned"));
        };
        let media = self.calls[c].media;
        if !matches!(
            self.agents[a].chan(media).state,
            ChanState::CallWaiting { .. }
        ) {
            return Err(self.agent_state_error(a, media, "call_returned"));
        }
        self.move_channel(a, media, ChanState::Callback { call: c, epoch });
        self.calls[c].report.segment_since = Some(self.now);
        self.emit_agent_state(a, media, Cause::Authentication);
        Ok(())
    }

    /// The reserve timer ran out while the caller was away.
    pub(crate) fn on_reserve_expired(&mut self, c: CallIx) {
        let CallState::Connected { agent: a, .. } = self.calls[c].state else {
            return;
        };
        let (g, t) = (self.calls[c].group, self.calls[c].tenant);
        self.effect(Effect::ClearCall {
            tenant: self.tenants[t].id.clone(),
            call: self.calls[c].id.clone(),
            cause: Cause::ReserveExpired,
        });
        self.emit(
            t,
            EventKind::CallCleared {
                call: self.calls[c].id.clone(),
                group: self.groups[g].id.clone(),
                cause: Cause::ReserveExpired,
            },
        );
        self.end_call(c, a);
    }
}
