//! Call progress reported by the telephony side: alerting, answer, reject,
//! hold, hang-up, and the end of a call with
//! its clerical time.

use crate::agent::{AgentIx, CallIx, ChanState, GroupIx, TenantIx};
use crate::call::CallState;
use crate::capacity::Lane;
use crate::command::Epoch;
use crate::config::Media;
use crate::engine::Core;
use crate::error::Error;
use crate::ids::{AgentId, CallId};
use crate::output::{Cause, EventKind};
use crate::timers::Timer;

impl Core {
    /// Checks that `epoch` is the live reservation of `agent` for `call`
    /// . Events for older reservations are stale and ignored.
    pub(crate) fn check_offer(
        &self,
        t: TenantIx,
        call: &CallId,
        agent: &AgentId,
        epoch: Epoch,
        command: &'static str,
    ) -> Result<(CallIx, AgentIx), Error> {
        let c = self.call_ix(t, call)?;
        let a = self.agent_ix(t, agent)?;
        let CallState::Offered { offers, .. } = &self.calls[c].state else {
            return Err(self.epoch_or_state_error(c, epoch, command));
        };
        match offers.iter().find(|o| o.0 == a) {
            Some(&(_, e)) if e == epoch => Ok((c, a)),
            Some(&(_, e)) => Err(Error::StaleEpoch {
                got: epoch,
                current: Some(e),
            }),
            None if self.was_issued(epoch) => Err(Error::StaleEpoch {
                got: epoch,
                current: offers.first().map(|o| o.1),
            }),
            None => Err(Error::NotOfferedTo {
                call: call.clone(),
                agent: agent.clone(),
            }),
        }
    }

    /// Whether the engine ever handed out `epoch`: an event carrying one
    /// that is no longer live is stale, not malformed.
    pub(crate) fn was_issued(&self, epoch: Epoch) -> bool {
        epoch > 0 && epoch < self.next_epoch
    }

    pub(crate) fn alerting(
        &mut self,
        t: TenantIx,
        call: &CallId,
        agent: &AgentId,
        epoch: Epoch,
    ) -> Result<(), Error> {
        let (c, a) = self.check_offer(t, call, agent, epoch, "alerting")?;
        let media = self.calls[c].media;
        let l = self.agents[a].lane_of(media, c);
        if !matches!(self.agents[a].lane(l).state, ChanState::Reserved { .. }) {
            return Err(self.agent_state_error(a, media, "alerting"));
        }
        self.move_channel(a, l, ChanState::Alerting { call: c, epoch });
        self.emit_agent_state(a, l, Cause::Command);
        Ok(())
    }

    pub(crate) fn answered(
        &mut self,
        t: TenantIx,
        call: &CallId,
        agent: &AgentId,
        epoch: Epoch,
    ) -> Result<(), Error> {
        let (c, a) = self.check_offer(t, call, agent, epoch, "answer")?;
        let media = self.calls[c].media;
        let CallState::Offered { offers, .. } = self.calls[c].state.clone() else {
            return Ok(());
        };
        self.set_state(c, CallState::Detached);
        let now = self.now;
        self.calls[c].report.offer_ended(now);
        self.count_answer(c, a);
        let l = self.agents[a].lane_of(media, c);
        self.set_state(c, CallState::Connected { agent: a, epoch });
        self.move_channel(a, l, ChanState::Talking { call: c, epoch });
        self.agents[a].lane_mut(l).last_call = Some(self.calls[c].id.clone());
        if !self.calls[c].private {
            self.agents[a].answered += 1;
        }
        self.emit_agent_state(a, l, Cause::Answered);
        for &(other, e) in offers.iter().filter(|o| o.0 != a) {
            self.stop_ringing(c, other, e, Cause::Answered);
            let lane = self.agents[other].lane_of(media, c);
            self.release_channel(other, lane, Cause::Answered, false);
        }
        Ok(())
    }

    /// Starts the call's talk time and, on its first answer only, counts
    /// it answered for its group. Every answer is recorded, the
    /// transfer target's too.
    fn count_answer(&mut self, c: CallIx, a: AgentIx) {
        let now = self.now;
        let call = &mut self.calls[c];
        call.report.segment_since = Some(now);
        let after_transfer = call.answered();
        let wait = now.millis_since(call.entered);
        let (g, t) = (call.group, call.tenant);
        if !after_transfer {
            call.report.answered_at = Some(now);
            self.changes.group(g);
            let group = &mut self.groups[g];
            let sl_ms = u64::from(group.config.service_level_s) * 1000;
            let s = &mut group.stats;
            s.answered += 1;
            s.answered_wait_ms = s.answered_wait_ms.saturating_add(wait);
            s.longest_wait_ms = s.longest_wait_ms.max(wait);
            if wait <= sl_ms {
                s.answered_within_sl += 1;
            }
        }
        self.emit_with(t, |core| EventKind::CallAnswered {
            call: core.calls[c].id.clone(),
            group: core.groups[g].id.clone(),
            agent: core.agents[a].id.clone(),
            wait_ms: wait,
            after_transfer,
        });
    }

    pub(crate) fn rejected(
        &mut self,
        t: TenantIx,
        call: &CallId,
        agent: &AgentId,
        epoch: Epoch,
    ) -> Result<(), Error> {
        let (c, a) = self.check_offer(t, call, agent, epoch, "reject")?;
        self.no_answer(c, Some(a), Cause::Rejected);
        Ok(())
    }

    /// Hold (`on`) or retrieve the connected call.
    pub(crate) fn hold(&mut self, t: TenantIx, call: &CallId, on: bool) -> Result<(), Error> {
        let c = self.call_ix(t, call)?;
        let command = if on { "hold" } else { "retrieve" };
        let CallState::Connected { agent: a, epoch } = self.calls[c].state else {
            return Err(Error::CallState {
                call: call.clone(),
                state: self.calls[c].state.name(),
                command,
            });
        };
        let media = self.calls[c].media;
        let l = self.agents[a].lane_of(media, c);
        let next = match (&self.agents[a].lane(l).state, on) {
            // A call back from authentication is carried on like any
            // other: it may be held too, and is retrieved talking.
            (ChanState::Talking { .. } | ChanState::Callback { .. }, true) => {
                ChanState::Hold { call: c, epoch }
            }
            (ChanState::Hold { .. }, false) => ChanState::Talking { call: c, epoch },
            _ => return Err(self.agent_state_error(a, media, command)),
        };
        self.close_segment(c, a);
        self.calls[c].report.segment_since = Some(self.now);
        self.move_channel(a, l, next);
        self.emit_agent_state(a, l, Cause::Command);
        Ok(())
    }

    /// Adds the running talk or hold segment of the call to its report.
    pub(crate) fn close_segment(&mut self, c: CallIx, a: AgentIx) {
        let now = self.now;
        let media = self.calls[c].media;
        let l = self.agents[a].lane_of(media, c);
        let on_hold = matches!(self.agents[a].lane(l).state, ChanState::Hold { .. });
        let report = &mut self.calls[c].report;
        if let Some(since) = report.segment_since.take() {
            let ms = now.millis_since(since);
            if on_hold {
                report.hold_ms = report.hold_ms.saturating_add(ms);
            } else {
                report.talk_ms = report.talk_ms.saturating_add(ms);
            }
        }
    }

    pub(crate) fn hangup(&mut self, t: TenantIx, call: &CallId) -> Result<(), Error> {
        let c = self.call_ix(t, call)?;
        match self.calls[c].state.clone() {
            CallState::Queued => self.unqueue(c),
            CallState::Offered { offers, .. } => {
                let media = self.calls[c].media;
                let lanes: smallvec::SmallVec<[(AgentIx, Lane); 4]> = offers
                    .iter()
                    .map(|&(a, _)| (a, self.agents[a].lane_of(media, c)))
                    .collect();
                for &(a, e) in &offers {
                    self.stop_ringing(c, a, e, Cause::CallerHangup);
                }
                self.set_state(c, CallState::Detached);
                self.finish_unconnected(c);
                for (a, l) in lanes {
                    self.release_channel(a, l, Cause::CallerHangup, false);
                }
                return Ok(());
            }
            CallState::Connected { agent, .. } => {
                self.end_call(c, agent);
                return Ok(());
            }
            CallState::Parked { .. } => self.unpark(c),
            CallState::Diverting { .. } | CallState::Detached => {
                self.set_state(c, CallState::Detached)
            }
        }
        self.finish_unconnected(c);
        Ok(())
    }

    /// A detached call whose caller hung up while no agent was connected:
    /// an abandon, or for a call answered before (then transferred)
    /// the end of a handled call.
    fn finish_unconnected(&mut self, c: CallIx) {
        if self.calls[c].answered() {
            self.count_handled(c, None, false);
            self.remove_call(c);
        } else {
            self.abandon(c);
        }
    }

    /// The caller hung up before answer: counted, then forgotten.
    fn abandon(&mut self, c: CallIx) {
        let call = &self.calls[c];
        let wait = self.now.millis_since(call.entered);
        let (g, t) = (call.group, call.tenant);
        self.changes.group(g);
        let s = &mut self.groups[g].stats;
        s.abandoned += 1;
        s.abandoned_wait_ms = s.abandoned_wait_ms.saturating_add(wait);
        s.longest_wait_ms = s.longest_wait_ms.max(wait);
        self.emit_with(t, |core| EventKind::CallAbandoned {
            call: core.calls[c].id.clone(),
            group: core.groups[g].id.clone(),
            wait_ms: wait,
        });
        self.remove_call(c);
    }

    /// A connected call ends: count it, then the last agent's clerical
    ///
    pub(crate) fn end_call(&mut self, c: CallIx, a: AgentIx) {
        self.finish_call(c, a, true);
    }

    /// A connected call ends and its agent is available at once, with no
    /// clerical (R-9.3: a phone agent's return call that did not come back).
    pub(crate) fn end_call_without_clerical(&mut self, c: CallIx, a: AgentIx) {
        self.finish_call(c, a, false);
    }

    fn finish_call(&mut self, c: CallIx, a: AgentIx, clerical: bool) {
        self.close_segment(c, a);
        let l = self.agents[a].lane_of(self.calls[c].media, c);
        let g = self.calls[c].group;
        self.set_state(c, CallState::Detached);
        let clerical_ms = self.count_handled(c, Some(a), clerical);
        self.remove_call(c);
        self.after_call_work(a, l, clerical_ms, g);
    }

    /// Adds an answered call that ended to its group's handled figures and
    /// records it; returns the clerical time of the last agent, if any.
    pub(crate) fn count_handled(
        &mut self,
        c: CallIx,
        last: Option<AgentIx>,
        clerical: bool,
    ) -> u64 {
        let call = &self.calls[c];
        let (g, t, private) = (call.group, call.tenant, call.private);
        let (talk_ms, hold_ms) = (call.report.talk_ms, call.report.hold_ms);
        self.changes.group(g);
        let group = &mut self.groups[g];
        // A private call has no group clerical and no group figures.
        let clerical_ms = match last {
            Some(_) if clerical && !private => u64::from(group.config.clerical_s) * 1000,
            _ => 0,
        };
        let alerting_ms = call.report.first_alert_ms.unwrap_or(0);
        if !private {
            let s = &mut group.stats;
            s.handled += 1;
            s.alerting_ms = s.alerting_ms.saturating_add(alerting_ms);
            s.talk_ms = s.talk_ms.saturating_add(talk_ms);
            s.hold_ms = s.hold_ms.saturating_add(hold_ms);
            s.clerical_ms = s.clerical_ms.saturating_add(clerical_ms);
        }
        self.emit_with(t, |core| EventKind::CallEnded {
            call: core.calls[c].id.clone(),
            group: core.groups[g].id.clone(),
            agent: last.map(|a| core.agents[a].id.clone()),
            talk_ms,
            hold_ms,
            wrap_up: core.calls[c].wrap_up.clone(),
        });
        clerical_ms
    }

    /// After a call: log off if asked, else clerical for the
    /// group's clerical time, else Ready or Not Ready as requested.
    /// `clerical_ms` was counted in group `g`'s handled figures: an agent
    /// logging off now spends none of it, and it is taken back.
    pub(crate) fn after_call_work(&mut self, a: AgentIx, l: Lane, clerical_ms: u64, g: GroupIx) {
        if clerical_ms == 0 || self.agents[a].logoff_due(l) {
            self.take_back_clerical(g, clerical_ms);
            self.release_channel(a, l, Cause::CallEnded, true);
            return;
        }
        let until = self.now.plus_millis(clerical_ms);
        let token = self.new_token();
        let media = self.agents[a].lane_media(l);
        let group = Some(g);
        self.move_channel(
            a,
            l,
            ChanState::Clerical {
                until,
                token,
                group,
            },
        );
        self.timers.set(
            until,
            Timer::Clerical {
                agent: a,
                media,
                token,
            },
        );
        self.emit_agent_state(a, l, Cause::CallEnded);
    }

    /// Clerical time counted in group `g`'s handled figures but not spent
    /// (ended early, or never begun): taken back, so that the AHT counts
    /// the clerical time actually spent.
    pub(crate) fn take_back_clerical(&mut self, g: GroupIx, unspent_ms: u64) {
        if unspent_ms == 0 || !self.groups.contains(g) {
            return;
        }
        let s = &mut self.groups[g].stats;
        s.clerical_ms = s.clerical_ms.saturating_sub(unspent_ms);
        self.changes.group(g);
    }

    /// Clerical time `token` of a lane of `media` is over.
    pub(crate) fn on_clerical_end(&mut self, a: AgentIx, media: Media, token: u64) {
        if let Some(l) = self.agents[a].lane_of_token(media, token) {
            self.release_channel(a, l, Cause::ClericalEnded, true);
        }
    }
}
