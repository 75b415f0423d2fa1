//! Customer authentication: the agent sends the
//! caller to the tenant's authentication number and waits for the call to
//! come back, for at most the group's `max_reserve_s` (default 120 s).
//!
//! * The divert goes to exactly the tenant's *number to call for
//!   authentication* (a command naming another number is refused); with
//!   *send DN from agent* the agent's extension travels in the divert's
//!   private data as `agent_dn`. Sending the call away records the
//!   call-detail events *Parked* and *Call Deflected to other Destination*
//!
//! * An Agent-application or Web agent waits in CallWaiting (busy, no new
//!   voice calls); the call back in time is its Callback and it carries on;
//!   when the timer runs out the call is cleared and the agent goes to
//!   Clerical if the group has it, else becomes available.
//! * A Phone agent stays Talking while the caller is away; a return call
//!   not back in time is treated as a disconnected call and the agent is
//!   available for the next call at once.
//! * The results the call comes back with are merged into its attached
//!   data.

use crate::agent::{AgentIx, CallIx, ChanState, TenantIx};
use crate::call::CallState;
use crate::command::{CallData, Epoch};
use crate::config::{AgentKind, Media};
use crate::engine::Core;
use crate::error::Error;
use crate::ids::CallId;
use crate::output::{Cause, Effect, EventKind};
use crate::timers::Timer;

/// Key of the agent's extension in an authentication divert's private data.
pub const AGENT_DN_KEY: &str = "agent_dn";

impl Core {
    pub(crate) fn auth_divert(
        &mut self,
        t: TenantIx,
        call: &CallId,
        destination: Option<String>,
    ) -> Result<(), Error> {
        let c = self.call_ix(t, call)?;
        let CallState::Connected { agent: a, epoch } = self.calls[c].state else {
            return Err(self.call_state_error(c, "auth_divert"));
        };
        let media = self.calls[c].media;
        let phone = self.agents[a].config().kind == AgentKind::Phone;
        let l = self.agents[a].lane_of(media, c);
        let able = match self.agents[a].lane(l).state {
            ChanState::Callback { .. } => true,
            ChanState::Talking { .. } => !self.caller_away(c),
            _ => false,
        };
        if !able {
            return Err(self.agent_state_error(a, media, "auth_divert"));
        }
        let destination = self.auth_destination(t, destination)?;
        let reserve_s = self.groups[self.calls[c].group].config.max_reserve_s;
        let until = self.now.plus_millis(u64::from(reserve_s) * 1000);
        self.calls[c].in_authentication = true;
        self.calls[c].reserve_until = Some(until);
        if !phone {
            self.close_segment(c, a);
            let waiting = ChanState::CallWaiting {
                call: c,
                until,
                epoch,
            };
            self.move_channel(a, l, waiting);
        }
        let uid = self.calls[c].uid;
        self.timers.set(
            until,
            Timer::Reserve {
                call: c,
                uid,
                epoch,
            },
        );
        self.send_to_authentication(c, a, destination);
        if !phone {
            self.emit_agent_state(a, l, Cause::Authentication);
        }
        Ok(())
    }

    /// Where an authentication divert goes: the tenant's number when it has
    /// one (another number is refused), else the one the command names.
    fn auth_destination(
        &self,
        t: TenantIx,
        asked: Option<String>,
    ) -> Result<Option<String>, Error> {
        match (&self.tenants[t].config.auth_number, asked) {
            (Some(number), Some(asked)) if *number != asked => Err(Error::AuthNumber {
                asked,
                configured: number.clone(),
            }),
            (Some(number), _) => Ok(Some(number.clone())),
            (None, asked) => Ok(asked),
        }
    }

    /// The divert effect and the call-detail events *Parked* and *Call
    /// Deflected to other Destination* (R-9.5). Without a known number the
    /// embedder diverts on its own and the deflection names no number.
    fn send_to_authentication(&mut self, c: CallIx, a: AgentIx, destination: Option<String>) {
        let (t, g) = (self.calls[c].tenant, self.calls[c].group);
        let mut private_data = CallData::new();
        if self.tenants[t].config.send_dn_from_agent {
            let dn = self.agents[a].extension.clone().unwrap_or_default();
            private_data.insert(AGENT_DN_KEY.to_string(), dn.to_string());
        }
        if let Some(number) = &destination {
            self.effect(Effect::Divert {
                tenant: self.tenants[t].id.clone(),
                call: self.calls[c].id.clone(),
                destination: number.clone(),
                epoch: None,
                cause: Cause::Authentication,
                private_data,
            });
        }
        let (call, group) = (self.calls[c].id.clone(), self.groups[g].id.clone());
        self.emit(
            t,
            EventKind::CallParked {
                call: call.clone(),
                group: group.clone(),
                reserved_for: Some(self.agents[a].id.clone()),
                cause: Cause::Authentication,
            },
        );
        self.emit(
            t,
            EventKind::CallDeflected {
                call,
                group,
                destination: destination.unwrap_or_default(),
                cause: Cause::Authentication,
            },
        );
    }

    /// Whether the caller of connected call `c` is away in authentication.
    /// (A CallWaiting agent also says so: snapshots from before the call
    /// carried the flag.)
    pub(crate) fn caller_away(&self, c: CallIx) -> bool {
        let call = &self.calls[c];
        call.in_authentication
            || matches!(call.state, CallState::Connected { agent, .. }
                if matches!(self.agents[agent].lane(self.agents[agent].lane_of(call.media, c)).state, ChanState::CallWaiting { .. }))
    }

    pub(crate) fn call_returned(
        &mut self,
        t: TenantIx,
        call: &CallId,
        data: CallData,
    ) -> Result<(), Error> {
        let c = self.call_ix(t, call)?;
        let CallState::Connected { agent: a, epoch } = self.calls[c].state else {
            return Err(self.call_state_error(c, "call_returned"));
        };
        let media = self.calls[c].media;
        if !self.caller_away(c) {
            return Err(self.agent_state_error(a, media, "call_returned"));
        }
        self.calls[c].in_authentication = false;
        if !data.is_empty() {
            std::sync::Arc::make_mut(&mut self.calls[c].data).extend(data);
        }
        let l = self.agents[a].lane_of(media, c);
        if matches!(self.agents[a].lane(l).state, ChanState::CallWaiting { .. }) {
            self.back_as_callback(c, a, media, epoch);
        }
        Ok(())
    }

    /// The agent sees the returned call as its Callback.
    fn back_as_callback(&mut self, c: CallIx, a: AgentIx, media: Media, epoch: Epoch) {
        let l = self.agents[a].lane_of(media, c);
        self.move_channel(a, l, ChanState::Callback { call: c, epoch });
        self.calls[c].report.segment_since = Some(self.now);
        self.emit_agent_state(a, l, Cause::Authentication);
    }

    /// The reserve timer ran out while the caller was away.
    pub(crate) fn on_reserve_expired(&mut self, c: CallIx) {
        let CallState::Connected { agent: a, .. } = self.calls[c].state else {
            return;
        };
        let (g, t) = (self.calls[c].group, self.calls[c].tenant);
        self.calls[c].in_authentication = false;
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
        if self.agents[a].config().kind == AgentKind::Phone {
            // a disconnected call; the agent takes the next one now.
            self.end_call_without_clerical(c, a);
        } else {
            self.end_call(c, a);
        }
    }
}
