//! Phone-agent automatic logon after a restart.
//!
//! When an engine restarts without its journal (a new configuration, a
//! deliberately reset or unusable journal), phone agents need not log on
//! again by hand: [`Engine::presence`] captures who was logged on where
//! (extension, ready or not-ready with its reason), and
//! [`Engine::restore_presence`] logs them back on in a fresh engine,
//! following each agent's restore policy in the *new* configuration (the
//! agent's own, else its tenant's): `restore`, `dont_restore`, or
//! `restore_with_priority` — priority agents are restored first, so they
//! also become idle first. Calls are not part of presence: a restart with
//! the journal is what keeps calls.
//!
//! The restore goes through the ordinary commands (logon, then ready or
//! not-ready), so every rule applies (maintenance mode refuses it, R-2.5);
//! the agent-state events it produces carry [`Cause::Restore`].

use crate::agent::{AfterCall, ChanState};
use crate::command::Command;
use crate::config::{AgentKind, Media, RestorePolicy};
use crate::engine::Engine;
use crate::error::Error;
use crate::ids::{AgentId, Extension, ReasonCode, TenantId};
use crate::output::{Cause, EventKind};
use crate::time::Instant;
use serde::{Deserialize, Serialize};

/// One phone agent's logon state (voice channel).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentPresence {
    /// The agent's tenant.
    pub tenant: TenantId,
    /// The agent.
    pub agent: AgentId,
    /// The extension it was logged on at.
    pub extension: Extension,
    /// `None` = Ready (or busy, returning to Ready after the call);
    /// `Some(reason)` = Not Ready with that reason (now or after the call).
    pub not_ready: Option<ReasonCode>,
}

/// The logon state of every logged-on phone agent of an engine.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presence {
    /// Agents, by tenant and then configuration order.
    pub agents: Vec<AgentPresence>,
}

/// Why an agent of a [`Presence`] was not restored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RestoreSkip {
    /// Its restore policy is `dont_restore`.
    Policy,
    /// Not a phone agent: automatic logon restore is for phone agents
    /// the others log on again from their application.
    NotPhoneAgent,
    /// The engine refused the logon (unknown agent or tenant, maintenance
    /// mode, already logged on, ...).
    Refused(Error),
}

/// What [`Engine::restore_presence`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RestoreReport {
    /// Agents logged back on, in the order they were restored.
    pub restored: Vec<AgentId>,
    /// Agents restored as logged on, whose ready status could not be set
    /// (e.g. a not-ready reason no longer in the catalogue): they stay Not
    /// Ready with the tenant's logon reason.
    pub status_refused: Vec<(AgentId, Error)>,
    /// Agents left logged out.
    pub skipped: Vec<(AgentId, RestoreSkip)>,
}

impl Engine {
    /// Captures the logon state of every logged-on phone agent.
    /// Agents whose logoff is pending at the end of their call are left out.
    pub fn presence(&self) -> Presence {
        let core = &self.core;
        let mut agents = Vec::new();
        for tenant in &core.tenants {
            let mut ixs: Vec<_> = tenant.agents.iter().copied().collect();
            ixs.sort_by_key(|&a| core.agents[a].order);
            for a in ixs {
                let agent = &core.agents[a];
                let chan = agent.chan(Media::Voice);
                let not_ready = match &chan.state {
                    ChanState::LoggedOut => continue,
                    _ if agent.pending_logoff.is_some() => continue,
                    ChanState::Ready => None,
                    ChanState::NotReady { reason } => Some(reason.clone()),
                    _ => match &chan.after_call {
                        AfterCall::Ready => None,
                        AfterCall::NotReady(reason) => Some(reason.clone()),
                    },
                };
                agents.push(AgentPresence {
                    tenant: tenant.id.clone(),
                    agent: agent.id.clone(),
                    extension: agent.extension.clone().unwrap_or_default(),
                    not_ready,
                });
            }
        }
        Presence { agents }
    }

    /// Logs the agents of `presence` back on at `now`: first those
    /// whose policy is `restore_with_priority`, then those with `restore`,
    /// each with its extension and its ready / not-ready status; agents with
    /// `dont_restore` stay logged out, and so do agents that are not phone
    /// agents.
    pub fn restore_presence(&mut self, now: Instant, presence: &Presence) -> RestoreReport {
        let mut report = RestoreReport::default();
        let mut first = Vec::new();
        let mut then = Vec::new();
        for p in &presence.agents {
            match self.restore_policy(&p.tenant, &p.agent) {
                Ok(_) if !self.is_phone_agent(&p.tenant, &p.agent) => report
                    .skipped
                    .push((p.agent.clone(), RestoreSkip::NotPhoneAgent)),
                Ok(RestorePolicy::RestoreWithPriority) => first.push(p),
                Ok(RestorePolicy::Restore) => then.push(p),
                Ok(RestorePolicy::DontRestore) => {
                    report.skipped.push((p.agent.clone(), RestoreSkip::Policy))
                }
                Err(e) => report
                    .skipped
                    .push((p.agent.clone(), RestoreSkip::Refused(e))),
            }
        }
        for p in first.into_iter().chain(then) {
            let events_before = self.core.events.len();
            self.restore_one(now, p, &mut report);
            self.mark_restored(events_before);
        }
        report
    }

    /// Whether the agent is a phone agent in the engine's configuration.
    fn is_phone_agent(&self, tenant: &TenantId, agent: &AgentId) -> bool {
        let t = self.core.tenant_ix(tenant);
        t.and_then(|t| self.core.agent_ix(t, agent))
            .is_ok_and(|a| self.core.agents[a].config().kind == AgentKind::Phone)
    }

    /// The agent's restore policy: its own, else its tenant's.
    fn restore_policy(&self, tenant: &TenantId, agent: &AgentId) -> Result<RestorePolicy, Error> {
        let t = self.core.tenant_ix(tenant)?;
        let a = self.core.agent_ix(t, agent)?;
        let own = self.core.agents[a].config().restore;
        Ok(own.unwrap_or(self.core.tenants[t].config.restore))
    }

    fn restore_one(&mut self, now: Instant, p: &AgentPresence, report: &mut RestoreReport) {
        let logon = Command::Logon {
            agent: p.agent.clone(),
            extension: p.extension.clone(),
            media: vec![Media::Voice],
        };
        if let Err(e) = self.handle(now, &p.tenant, logon) {
            report
                .skipped
                .push((p.agent.clone(), RestoreSkip::Refused(e)));
            return;
        }
        report.restored.push(p.agent.clone());
        let status = match &p.not_ready {
            None => Command::Ready {
                agent: p.agent.clone(),
                media: Media::Voice,
            },
            Some(reason) => Command::NotReady {
                agent: p.agent.clone(),
                reason: reason.clone(),
                media: Media::Voice,
            },
        };
        if let Err(e) = self.handle(now, &p.tenant, status) {
            report.status_refused.push((p.agent.clone(), e));
        }
    }

    /// Gives the agent-state events emitted since `from` the cause `Restore`.
    fn mark_restored(&mut self, from: usize) {
        for event in self.core.events.range_mut(from..) {
            if let EventKind::AgentState { cause, .. } = &mut event.kind {
                if *cause == Cause::Command {
                    *cause = Cause::Restore;
                }
            }
        }
    }
}
