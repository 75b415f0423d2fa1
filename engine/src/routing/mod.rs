//! Automatic routing: calls entering groups, the ready-agent indexes,
//! matching in both directions the moment something changes, offers
//! with ring-time supervision, stages and overflow.
//!
//! A call is *detached* between leaving one place and entering the next;
//! every function that detaches a call places it again before returning.
//!
//! This module takes a call into a group; `placement` finds it an agent or
//! its place in the queue and runs the offer rounds; `filing` keeps
//! Ready channels in the ready index; `overflow` sends calls on; `stages`
//! handles the stage and max-wait timers; `eligibility` applies the call
//! part of group expressions and `order_by`; `preferred`
//! restricts a call to its preferred agents until its timeout.

mod eligibility;
pub(crate) mod filing;
mod overflow;
mod placement;
mod preferred;
pub(crate) use filing::Filings;
mod stages;

use crate::agent::{CallIx, GroupIx, TenantIx};
use crate::call::{Call, CallReport, CallState};
use crate::command::CallSpec;
use crate::config::{OpenRule, RoutingType};
use crate::engine::Core;
use crate::error::Error;
use crate::output::Cause;
use crate::timers::Timer;
use smallvec::SmallVec;

impl Core {
    pub(crate) fn call_arrived(&mut self, t: TenantIx, spec: CallSpec) -> Result<(), Error> {
        let g = self.group_ix(t, &spec.group)?;
        if self
            .ix
            .calls
            .get(&self.calls, t, spec.id.as_str())
            .is_some()
        {
            return Err(Error::DuplicateCall(spec.id));
        }
        let group = &self.groups[g];
        let media = spec.media.unwrap_or(group.config.media);
        if media != group.config.media {
            return Err(Error::MediaMismatch {
                call: spec.id,
                media,
            });
        }
        if let Some(p) = &spec.preferred_agent {
            self.agent_ix(t, p)?;
        }
        let preferred = self.preferred_agents(t, &spec)?;
        let preferred_until = self.preferred_deadline(g, &spec, !preferred.is_empty());
        if spec.arrived_at.is_some_and(|at| at > self.now) {
            return Err(Error::Config(crate::config::ConfigError::new(
                format!("call {:?}", spec.id.as_str()),
                "arrived_at",
                crate::config::ConfigProblem::Invalid("later than now (R-10.4)".into()),
            )));
        }
        let uid = self.next_uid;
        self.next_uid += 1;
        let call = Call {
            id: spec.id,
            tenant: t,
            uid,
            group: g,
            media,
            priority: spec.priority.unwrap_or(group.config.priority),
            dnis: spec.dnis,
            ani: spec.ani,
            data: if spec.data.is_empty() {
                self.ix.no_data.clone()
            } else {
                std::sync::Arc::new(spec.data)
            },
            preferred_agent: spec.preferred_agent,
            entered: self.now,
            tier: 0,
            stages: group.stages.clone(),
            next_stage: 0,
            max_wait_until: None,
            overflow_due: None,
            visited: SmallVec::new(),
            state: CallState::Detached,
            personal: Default::default(),
            report: CallReport::default(),
            private: false,
            in_authentication: false,
            reserve_until: None,
            wrap_up: None,
            aging: None,
            arrival: spec.arrived_at,
            preferred,
            preferred_until,
        };
        let c = self.calls.insert(call);
        self.ix.calls.insert(&self.calls, c);
        if let Some(at) = preferred_until {
            self.timers.set(at, Timer::Preferred { call: c, uid });
        }
        self.enter_group(c, g, Cause::Arrival);
        Ok(())
    }

    /// A detached call enters group `g`: it is counted offered, gets the
    /// group's stages and max wait, and is routed or overflowed.
    pub(crate) fn enter_group(&mut self, c: CallIx, g: GroupIx, cause: Cause) {
        let now = self.now;
        self.changes.group(g);
        let group = &mut self.groups[g];
        group.stats.offered += 1;
        let call = &mut self.calls[c];
        call.group = g;
        call.entered = now;
        call.aging = group.config.aging;
        call.tier = 0;
        call.stages = group.stages.clone();
        call.next_stage = 0;
        call.overflow_due = None;
        call.max_wait_until = group
            .config
            .max_wait_s
            .map(|s| now.plus_millis(u64::from(s) * 1000));
        let uid = call.uid;
        if let Some(at) = call.max_wait_until {
            self.timers.set(at, Timer::MaxWait { call: c, uid });
        }
        self.schedule_stage(c);
        self.emit_queued(c, cause);
        let group = &self.groups[g];
        if group.config.routing == RoutingType::Manual || group.config.personal_calls {
            self.route_personal(c);
            return;
        }
        // a closed group sends the call on.
        let Some(dest) = group.config.overflow.clone() else {
            self.place_call(c);
            return;
        };
        if !self.is_open(g) {
            self.overflow(c, dest, Cause::GroupClosed);
            return;
        }
        let full = group
            .config
            .max_queue_len
            .is_some_and(|max| group.queued_count() >= max as usize);
        if !full {
            self.place_call(c);
            return;
        }
        // with: a full queue sends on only a call that would
        // have to wait in it; one a Ready agent can take is offered at once.
        let agents = self.agents_for(c);
        if agents.is_empty() {
            self.overflow(c, dest, Cause::QueueFull);
        } else {
            self.offer(c, &agents);
        }
    }

    /// Whether the group is open by its open rule.
    pub(crate) fn is_open(&self, g: GroupIx) -> bool {
        let group = &self.groups[g];
        match group.config.open_rule {
            OpenRule::LoggedOn => group.logged_on > 0,
            // Ready *status*: agents busy on a call keep it.
            OpenRule::Ready => group.ready_status > 0,
        }
    }
}
