//! Agent presence: logon, logoff, Ready and Not Ready,
//! and the moves every path shares: entering Ready (which matches a waiting
//! call at once, R-3.2), entering Not Ready, logging a channel off.

use crate::agent::{AfterCall, AgentIx, ChanState, GroupIx, PendingLogoff, TenantIx};
use crate::capacity::Lane;
use crate::config::{Media, RoutingType};
use crate::engine::Core;
use crate::error::Error;
use crate::ids::{AgentId, Extension, ReasonCode};
use crate::output::{Cause, EventKind};

impl Core {
    pub(crate) fn logon(
        &mut self,
        t: TenantIx,
        agent: &AgentId,
        extension: Extension,
        media: &[Media],
    ) -> Result<(), Error> {
        let a = self.agent_ix(t, agent)?;
        if self.tenants[t].config.maintenance {
            return Err(Error::Maintenance(self.tenants[t].id.clone()));
        }
        if self.agents[a].is_logged_on() {
            let chan = self.agents[a]
                .channels
                .iter()
                .find(|c| c.state.is_logged_on());
            return Err(Error::AgentState {
                agent: agent.clone(),
                media: Media::Voice,
                state: chan.map_or(crate::StateName::LoggedOut, |c| c.state.name()),
                command: "logon",
            });
        }
        let reason = self.tenants[t].config.logon_reason.clone();
        let now = self.now;
        let ag = &mut self.agents[a];
        ag.extension = Some(extension.clone());
        ag.logon_at = now;
        ag.busy_ms = 0;
        ag.answered = 0;
        ag.pending_logoff = None;
        self.emit(
            t,
            EventKind::AgentLoggedOn {
                agent: agent.clone(),
                extension,
            },
        );
        let media: &[Media] = if media.is_empty() {
            &[Media::Voice]
        } else {
            media
        };
        self.open_lanes(a, media);
        for &m in media {
            if self.agents[a].chan(m).state.is_logged_on() {
                continue; // listed twice
            }
            self.adjust_logged_on(a, m, true);
            for l in self.agents[a].lanes(m) {
                self.set_not_ready(a, l, reason.clone(), Cause::Command);
            }
        }
        Ok(())
    }

    pub(crate) fn logoff(
        &mut self,
        t: TenantIx,
        agent: &AgentId,
        reason: Option<ReasonCode>,
    ) -> Result<(), Error> {
        let a = self.agent_ix(t, agent)?;
        if let Some(r) = &reason {
            self.check_reason(a, r, crate::ReasonKind::SignOut)?;
        }
        if !self.agents[a].is_logged_on() {
            return Err(self.agent_state_error(a, Media::Voice, "logoff"));
        }
        if self.agents[a].is_connected() {
            // deferred until the call ends.
            self.agents[a].pending_logoff = Some(Box::new(PendingLogoff { reason }));
            if self.agents[a].is_multi() {
                // No new contact from now on.
                self.capacity_changed(a);
            }
            return Ok(());
        }
        if self.agents[a].is_multi() {
            // Other lanes with room must not take the withdrawn calls back.
            self.agents[a].pending_logoff = Some(Box::new(PendingLogoff {
                reason: reason.clone(),
            }));
            self.capacity_changed(a);
        }
        // Withdraw any offer still ringing: the call goes back to its place.
        let ringing: smallvec::SmallVec<[_; 4]> = self.agents[a]
            .all_lanes()
            .filter_map(|(_, ch)| ch.state.reservation())
            .collect();
        for (c, _) in ringing {
            self.withdraw_offer_from(c, a, Cause::Command);
        }
        self.log_off_now(a, reason, Cause::Command);
        Ok(())
    }

    pub(crate) fn ready(
        &mut self,
        t: TenantIx,
        agent: &AgentId,
        media: Media,
    ) -> Result<(), Error> {
        let a = self.agent_ix(t, agent)?;
        if self.agents[a].is_multi() {
            return self.ready_lanes(a, media);
        }
        match self.agents[a].chan(media).state {
            ChanState::NotReady { .. } | ChanState::Clerical { .. } => {
                self.agents[a].chan_mut(media).after_call = AfterCall::Ready;
                self.set_ready(a, Lane::main(media), Cause::Command, true);
                Ok(())
            }
            ChanState::Ready => Ok(()),
            _ => Err(self.agent_state_error(a, media, "ready")),
        }
    }

    /// Ready for an agent under a capacity: idle lanes become
    /// Ready, busy ones after their contact. Refused like a single channel
    /// when no lane is idle.
    fn ready_lanes(&mut self, a: AgentIx, media: Media) -> Result<(), Error> {
        let lanes = self.agents[a].lanes(media);
        let idle = |s: &ChanState| {
            matches!(
                s,
                ChanState::NotReady { .. } | ChanState::Clerical { .. } | ChanState::Ready
            )
        };
        if !lanes.iter().any(|&l| idle(&self.agents[a].lane(l).state)) {
            return Err(self.agent_state_error(a, media, "ready"));
        }
        for l in lanes {
            self.agents[a].lane_mut(l).after_call = AfterCall::Ready;
            match self.agents[a].lane(l).state {
                ChanState::NotReady { .. } | ChanState::Clerical { .. } => {
                    self.set_ready(a, l, Cause::Command, true)
                }
                _ => self.sync_ready_status(a, media),
            }
        }
        Ok(())
    }

    pub(crate) fn not_ready(
        &mut self,
        t: TenantIx,
        agent: &AgentId,
        reason: ReasonCode,
        media: Media,
    ) -> Result<(), Error> {
        let a = self.agent_ix(t, agent)?;
        self.check_reason(a, &reason, crate::ReasonKind::NotReady)?;
        if !self.agents[a].chan(media).state.is_logged_on() {
            return Err(self.agent_state_error(a, media, "not_ready"));
        }
        for l in self.agents[a].lanes(media) {
            self.lane_not_ready(a, l, reason.clone(), Cause::Command);
        }
        Ok(())
    }

    /// Not Ready for one lane: at once when it is idle or in clerical,
    /// else when its call ends.
    pub(crate) fn lane_not_ready(&mut self, a: AgentIx, l: Lane, reason: ReasonCode, cause: Cause) {
        match self.agents[a].lane(l).state {
            ChanState::LoggedOut => {}
            ChanState::Ready | ChanState::NotReady { .. } | ChanState::Clerical { .. } => {
                self.set_not_ready(a, l, reason, cause)
            }
            // requested during the call, applied at its end.
            _ => {
                self.agents[a].lane_mut(l).after_call = AfterCall::NotReady(reason);
                let media = self.agents[a].lane_media(l);
                self.sync_ready_status(a, media);
            }
        }
    }

    /// The channel becomes Ready and at once takes the best waiting call of
    /// the groups it serves, if any. `fresh_idle` restarts the
    /// agent's idle time (false when an offer was merely withdrawn).
    pub(crate) fn set_ready(&mut self, a: AgentIx, l: Lane, cause: Cause, fresh_idle: bool) {
        let now = self.now;
        if fresh_idle {
            self.agents[a].lane_mut(l).idle_since = now;
        }
        self.move_channel(a, l, ChanState::Ready);
        self.emit_agent_state(a, l, cause);
        let media = self.agents[a].lane_media(l);
        if self.offer_waiting_personal(a, media) {
            return;
        }
        if self.agents[a].is_multi() {
            // Matched at the end of the step, with room.
            return;
        }
        if let Some(c) = self.best_call_for(a, media) {
            self.unqueue(c);
            self.offer(c, &[a]);
        } else {
            self.index_insert(a, media);
        }
    }

    /// The channel becomes Not Ready with `reason` (leaving the ready index
    /// or clerical).
    pub(crate) fn set_not_ready(&mut self, a: AgentIx, l: Lane, reason: ReasonCode, cause: Cause) {
        self.move_channel(a, l, ChanState::NotReady { reason });
        self.agents[a].lane_mut(l).after_call = AfterCall::Ready;
        self.emit_agent_state(a, l, cause);
        let media = self.agents[a].lane_media(l);
        // a personal call reaches an idle agent even when Not Ready.
        self.offer_waiting_personal(a, media);
    }

    /// Logs every channel off and closes groups left without agents.
    pub(crate) fn log_off_now(&mut self, a: AgentIx, reason: Option<ReasonCode>, cause: Cause) {
        for m in Media::ALL {
            if !self.agents[a].chan(m).state.is_logged_on() {
                continue;
            }
            for l in self.agents[a].lanes(m) {
                self.move_channel(a, l, ChanState::LoggedOut);
                self.agents[a].lane_mut(l).after_call = AfterCall::Ready;
                self.emit_agent_state(a, l, cause);
            }
            self.adjust_logged_on(a, m, false);
        }
        self.release_preferred_of(a);
        // calls waiting for the agent no longer wait for it.
        self.personal_agent_logged_off(a);
        let ag = &mut self.agents[a];
        ag.capacity = None;
        ag.pending_logoff = None;
        ag.extension = None;
        let (t, id) = (ag.tenant, ag.id.clone());
        self.emit(
            t,
            EventKind::AgentLoggedOff {
                agent: id,
                reason,
                cause,
            },
        );
    }

    /// After a call, or its offer, leaves a channel: log off if that was
    /// asked for, else apply the after-call request.
    pub(crate) fn release_channel(&mut self, a: AgentIx, l: Lane, cause: Cause, fresh_idle: bool) {
        if self.agents[a].logoff_due(l) {
            let reason = self.agents[a].pending_logoff.clone().and_then(|p| p.reason);
            // Under a capacity, offers still ringing on other lanes.
            let ag = &self.agents[a];
            let ringing: smallvec::SmallVec<[_; 4]> = Media::ALL
                .iter()
                .flat_map(|&m| ag.lanes(m))
                .filter(|&x| x != l && ag.lane(x).state.is_ringing())
                .filter_map(|x| ag.lane(x).state.reservation())
                .collect();
            for (c, _) in ringing {
                self.withdraw_offer_from(c, a, Cause::Deferred);
            }
            self.log_off_now(a, reason, Cause::Deferred);
            return;
        }
        match std::mem::take(&mut self.agents[a].lane_mut(l).after_call) {
            AfterCall::Ready => self.set_ready(a, l, cause, fresh_idle),
            AfterCall::NotReady(reason) => self.set_not_ready(a, l, reason, Cause::Deferred),
        }
    }

    /// Counts the agent in or out of `logged_on` of every group it serves
    /// on `media`; a group left with nobody overflows its queue.
    pub(crate) fn adjust_logged_on(&mut self, a: AgentIx, media: Media, on: bool) {
        let served: smallvec::SmallVec<[GroupIx; 8]> =
            self.agents[a].served.iter().map(|s| s.group()).collect();
        for g in served {
            let group = &mut self.groups[g];
            if group.config.media != media {
                continue;
            }
            if on {
                group.logged_on += 1;
            } else {
                group.logged_on = group.logged_on.saturating_sub(1);
                if group.logged_on == 0 && group.config.routing == RoutingType::Automatic {
                    self.close_group(g);
                }
            }
        }
    }

    pub(crate) fn emit_agent_state(&mut self, a: AgentIx, l: Lane, cause: Cause) {
        if !self.events_enabled {
            return;
        }
        let status = self.status_of_lane(a, l);
        let media = self.agents[a].lane_media(l);
        let (t, agent) = (self.agents[a].tenant, self.agents[a].id.clone());
        self.emit(
            t,
            EventKind::AgentState {
                agent,
                media,
                status,
                cause,
            },
        );
    }

    pub(crate) fn agent_state_error(
        &self,
        a: AgentIx,
        media: Media,
        command: &'static str,
    ) -> Error {
        Error::AgentState {
            agent: self.agents[a].id.clone(),
            media,
            state: self.agents[a].chan(media).state.name(),
            command,
        }
    }
}
