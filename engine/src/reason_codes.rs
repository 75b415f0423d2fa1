//! Reason codes as an agent sees them, and wrap-up reasons.
//!
//! A tenant keeps three catalogues — Not Ready, Wrap-Up and Sign-Out — of
//! codes that are global or scoped to a team. A catalogue may hold any
//! number of codes; an agent is shown the ones that apply to it (the
//! global codes and its team's) in configuration order — a phone agent at
//! most [`MAX_REASON_CODES`] of them, as its phone lists them, and can
//! choose only from those ([`Engine::reason_codes`]).
//!
//! A code given with a command is checked against the catalogue it belongs
//! to; an empty catalogue accepts any code. An agent that finishes a call,
//! or is in Clerical after it, may set a wrap-up reason
//! ([`crate::Command::WrapUp`]): it is recorded on the call's record (the
//! `call_ended` event of a call still connected) and on the agent's
//! `agent_wrap_up` event.

use crate::agent::{AgentIx, ChanState, TenantIx};
use crate::config::{AgentKind, Media, ReasonCodeConfig, MAX_REASON_CODES};
use crate::engine::{Core, Engine};
use crate::error::Error;
use crate::ids::{AgentId, ReasonCode, TenantId};
use crate::output::EventKind;
use serde::{Deserialize, Serialize};

/// One of a tenant's reason-code catalogues.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonKind {
    /// Not Ready reasons.
    NotReady,
    /// Wrap-Up reasons.
    WrapUp,
    /// Sign-Out reasons.
    SignOut,
}

impl Engine {
    /// The codes of one catalogue that apply to `agent` — global ones and
    /// its team's — in configuration order: what the agent is shown. A
    /// phone agent is shown at most [`MAX_REASON_CODES`] of them;
    /// a desktop (Agent application or Web Agent) agent all of them.
    pub fn reason_codes(
        &self,
        tenant: &TenantId,
        agent: &AgentId,
        kind: ReasonKind,
    ) -> Result<Vec<ReasonCodeConfig>, Error> {
        let t = self.core.tenant_ix(tenant)?;
        let a = self.core.agent_ix(t, agent)?;
        Ok(self
            .core
            .applicable_codes(a, kind)
            .take(self.core.shown_codes(a))
            .cloned()
            .collect())
    }
}

impl Core {
    /// The codes of catalogue `kind` that apply to agent `a`, in
    /// configuration order.
    pub(crate) fn applicable_codes(
        &self,
        a: AgentIx,
        kind: ReasonKind,
    ) -> impl Iterator<Item = &ReasonCodeConfig> + '_ {
        let agent = &self.agents[a];
        let cat = &self.tenants[agent.tenant].config.reason_codes;
        let codes = match kind {
            ReasonKind::NotReady => &cat.not_ready,
            ReasonKind::WrapUp => &cat.wrap_up,
            ReasonKind::SignOut => &cat.sign_out,
        };
        let team = agent.config().team.as_ref();
        codes
            .iter()
            .filter(move |c| c.team.is_none() || c.team.as_ref() == team)
    }

    /// Checks `reason` against catalogue `kind` for agent `a`. An empty
    /// catalogue accepts any code; the tenant's no-answer reason is always
    /// a valid Not Ready reason.
    pub(crate) fn check_reason(
        &self,
        a: AgentIx,
        reason: &ReasonCode,
        kind: ReasonKind,
    ) -> Result<(), Error> {
        let tenant = &self.tenants[self.agents[a].tenant].config;
        let cat = &tenant.reason_codes;
        let empty = match kind {
            ReasonKind::NotReady => cat.not_ready.is_empty(),
            ReasonKind::WrapUp => cat.wrap_up.is_empty(),
            ReasonKind::SignOut => cat.sign_out.is_empty(),
        };
        let known = empty
            || (kind == ReasonKind::NotReady && reason == &tenant.no_answer_reason)
            || self
                .applicable_codes(a, kind)
                .take(self.shown_codes(a))
                .any(|c| &c.code == reason);
        if known {
            Ok(())
        } else {
            Err(Error::UnknownReason(reason.clone()))
        }
    }

    /// How many applicable codes of a catalogue agent `a` is shown and can
    /// choose from: a phone agent at most [`MAX_REASON_CODES`],
    /// other agents every one.
    pub(crate) fn shown_codes(&self, a: AgentIx) -> usize {
        match self.agents[a].config().kind {
            AgentKind::Phone => MAX_REASON_CODES,
            AgentKind::Application | AgentKind::Web => usize::MAX,
        }
    }

    /// The agent sets a wrap-up reason for the call it is finishing, or for
    /// the call it is in Clerical after.
    pub(crate) fn wrap_up(
        &mut self,
        t: TenantIx,
        agent: &AgentId,
        reason: ReasonCode,
        media: Media,
    ) -> Result<(), Error> {
        let a = self.agent_ix(t, agent)?;
        self.check_reason(a, &reason, ReasonKind::WrapUp)?;
        let chan = self.agents[a].lane(self.agents[a].status_lane(media));
        let call = match chan.state {
            ChanState::Talking { call, .. }
            | ChanState::Hold { call, .. }
            | ChanState::Callback { call, .. }
            | ChanState::CallWaiting { call, .. } => {
                self.calls[call].wrap_up = Some(reason.clone());
                Some(self.calls[call].id.clone())
            }
            ChanState::Clerical { .. } => chan.last_call.clone(),
            _ => return Err(self.agent_state_error(a, media, "wrap_up")),
        };
        self.emit(
            t,
            EventKind::AgentWrapUp {
                agent: agent.clone(),
                media,
                call,
                reason,
            },
        );
        Ok(())
    }
}
