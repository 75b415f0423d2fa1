//! Automatic routing: calls entering groups, the ready-agent indexes,
//! matching in both directions the moment something changes, offers
//! with ring-time supervision, stages and overflow.
//!
//! A call is *detached* between leaving one place and entering the next;
//! every function that detaches a call places it again before returning.

use crate::agent::{AgentIx, CallIx, Filed, GroupIx};
use crate::call::{Call, CallReport, CallState};
use crate::command::CallSpec;
use crate::config::{Destination, Media, OpenRule, RoutingType, Strategy};
use crate::engine::Core;
use crate::error::Error;
use crate::output::{Cause, Effect, EventKind};
use crate::timers::Timer;
use smallvec::SmallVec;
use std::cmp::Reverse;

impl Core {
    pub(crate) fn call_arrived(&mut self, t: usize, spec: CallSpec) -> Result<(), Error> {
        let g = self.group_ix(t, &spec.group)?;
        if self.ix.calls.contains_key(&spec.id) {
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
        let uid = self.next_uid;
        self.next_uid += 1;
        let call = Call {
            id: spec.id.clone(),
            tenant: t,
            uid,
            group: g,
            media,
            priority: spec.priority.unwrap_or(group.config.priority),
            dnis: spec.dnis,
            preferred_agent: spec.preferred_agent,
            created: self.now,
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
            wrap_up: None,
        };
        let c = self.calls.insert(call);
        self.ix.calls.insert(spec.id, c);
        self.enter_group(c, g, Cause::Arrival);
        Ok(())
    }

    /// A detached call enters group `g`: it is counted offered, gets the
    /// group's stages and max wait, and is routed or overflowed.
    pub(crate) fn enter_group(&mut self, c: CallIx, g: GroupIx, cause: Cause) {
        let now = self.now;
        let group = &mut self.groups[g];
        group.stats.offered += 1;
        let call = &mut self.calls[c];
        call.group = g;
        call.entered = now;
        call.tier = 0;
        call.stages = group.stages.clone();
        call.next_stage = 0;
        call.overflow_due = None;
        call.max_wait_until = group
            .config
            .max_wait_s
            .map(|s| now.plus_millis(u64::from(s) * 1000));
        let (uid, t, priority) = (call.uid, call.tenant, call.priority);
        if let Some(at) = call.max_wait_until {
            self.timers.set(at, Timer::MaxWait { call: c, uid });
        }
        self.schedule_stage(c);
        let (call_id, group_id) = (self.calls[c].id.clone(), self.groups[g].id.clone());
        self.emit(
            t,
            EventKind::CallQueued {
                call: call_id,
                group: group_id,
                priority,
                cause,
            },
        );
        let group = &self.groups[g];
        if group.config.routing == RoutingType::Manual || group.config.personal_calls {
            self.route_personal(c);
            return;
        }
        // a closed group or a full queue sends the call on.
        let why = if !self.is_open(g) {
            Some(Cause::GroupClosed)
        } else if group
            .config
            .max_queue_len
            .is_some_and(|max| group.queued_count() >= max as usize)
        {
            Some(Cause::QueueFull)
        } else {
            None
        };
        match (why, &group.config.overflow) {
            (Some(cause), Some(dest)) => self.overflow(c, dest.clone(), cause),
            _ => self.place_call(c),
        }
    }

    /// Whether the group is open by its open rule.
    pub(crate) fn is_open(&self, g: GroupIx) -> bool {
        let group = &self.groups[g];
        match group.config.open_rule {
            OpenRule::LoggedOn => group.logged_on > 0,
            OpenRule::Ready => self.pools[group.pool].ready_count() > 0,
        }
    }

    /// A detached call takes the best Ready agent of its tier at once, or
    /// waits in its queue. Ring-all offers to every one.
    pub(crate) fn place_call(&mut self, c: CallIx) {
        let g = self.calls[c].group;
        let group = &self.groups[g];
        // A call's copied stages may outnumber a group's tiers after a change.
        let tier = self.calls[c].tier.min(group.top_tier());
        self.calls[c].tier = tier;
        let pool = &self.pools[group.pool];
        let ready = &pool.ready[tier as usize];
        let agents: SmallVec<[AgentIx; 4]> = match group.config.strategy {
            Strategy::RingAll => ready.iter().map(|k| k.2).collect(),
            Strategy::Random if !ready.is_empty() => {
                let draw = self.rng.next_u64();
                self.pools[self.groups[g].pool].random[tier as usize]
                    .pick(draw)
                    .into_iter()
                    .collect()
            }
            _ => ready.first().map(|k| k.2).into_iter().collect(),
        };
        if agents.is_empty() {
            let key = self.calls[c].key();
            let group = &mut self.groups[g];
            group.queues[tier as usize].insert(key, c);
            self.set_state(c, CallState::Queued);
        } else {
            self.offer(c, &agents);
        }
    }

    /// Takes a queued call out of its queue (detaching it).
    pub(crate) fn unqueue(&mut self, c: CallIx) {
        let call = &self.calls[c];
        let key = call.key();
        if self.groups[call.group].queues[call.tier as usize]
            .remove(&key)
            .is_some()
        {
            self.set_state(c, CallState::Detached);
        }
    }

    /// Offers a detached call to `agents` with the group's ring time.
    pub(crate) fn offer(&mut self, c: CallIx, agents: &[AgentIx]) {
        let group = &self.groups[self.calls[c].group];
        let ring_ms = match group.config.ring_time_s {
            0 => self.max_reservation_ms,
            s => u64::from(s) * 1000,
        };
        self.offer_for(c, agents, ring_ms);
    }

    /// Reserves each agent for the call with a fresh epoch, rings it,
    /// and supervises the round with one timer.
    pub(crate) fn offer_for(&mut self, c: CallIx, agents: &[AgentIx], ring_ms: u64) {
        let now = self.now;
        let deadline = now.plus_millis(ring_ms);
        let (g, media, t, uid) = {
            let call = &self.calls[c];
            (call.group, call.media, call.tenant, call.uid)
        };
        let mut offers = SmallVec::new();
        for &a in agents {
            self.index_remove(a, media);
            let epoch = self.new_epoch();
            let group = &mut self.groups[g];
            group.rr_counter += 1;
            let turn = group.rr_counter;
            let agent = &mut self.agents[a];
            if let Some(s) = agent.served_mut(g) {
                s.rr_turn = turn;
            }
            let ch = agent.chan_mut(media);
            ch.state = crate::agent::ChanState::Reserved { call: c, epoch };
            ch.since = now;
            ch.busy_since.get_or_insert(now);
            offers.push((a, epoch));
            self.effect(Effect::Offer {
                tenant: self.tenants[t].id.clone(),
                call: self.calls[c].id.clone(),
                agent: self.agents[a].id.clone(),
                extension: self.agents[a].extension.clone().unwrap_or_default(),
                group: self.groups[g].id.clone(),
                epoch,
                deadline,
            });
            self.emit(
                t,
                EventKind::CallOffered {
                    call: self.calls[c].id.clone(),
                    group: self.groups[g].id.clone(),
                    agent: self.agents[a].id.clone(),
                    epoch,
                },
            );
            self.emit_agent_state(a, media, Cause::Offer);
        }
        let timer = offers.first().map_or(0, |o: &(AgentIx, u64)| o.1);
        self.set_state(c, CallState::Offered { offers, timer });
        self.calls[c].report.first_alert.get_or_insert(now);
        self.timers.set(
            deadline,
            Timer::Ring {
                call: c,
                uid,
                epoch: timer,
            },
        );
    }

    /// Files a Ready channel in the ready pool of every group it serves on
    /// that media, once per pool, under the pool's strategy key.
    pub(crate) fn index_insert(&mut self, a: AgentIx, media: Media) {
        let idle = self.agents[a].chan(media).idle_since.as_millis();
        for i in 0..self.agents[a].served.len() {
            let (g, min_tier) = {
                let s = &self.agents[a].served[i];
                (s.group, s.min_tier)
            };
            let group = &self.groups[g];
            let p = group.pool;
            if group.config.media != media
                || group.config.routing != RoutingType::Automatic
                || self.agents[a].filed.iter().any(|f| f.pool == p)
            {
                continue;
            }
            let key = self.ready_key(a, g, idle);
            let pool = &mut self.pools[p];
            for tier in &mut pool.ready[min_tier as usize..] {
                tier.insert((key.0, key.1, a));
            }
            if pool.kind.strategy == Strategy::Random {
                pool.random[min_tier as usize..]
                    .iter_mut()
                    .for_each(|r| r.insert(a));
            }
            self.agents[a].filed.push(Filed {
                pool: p,
                media,
                min_tier,
                key,
            });
        }
    }

    /// Removes a channel from every ready pool it is filed in.
    pub(crate) fn index_remove(&mut self, a: AgentIx, media: Media) {
        let pools = &mut self.pools;
        self.agents[a].filed.retain(|f| {
            if f.media != media {
                return true;
            }
            let pool = &mut pools[f.pool];
            for tier in &mut pool.ready[f.min_tier as usize..] {
                tier.remove(&(f.key.0, f.key.1, a));
            }
            if pool.kind.strategy == Strategy::Random {
                pool.random[f.min_tier as usize..]
                    .iter_mut()
                    .for_each(|r| r.remove(a));
            }
            false
        });
    }

    /// The best waiting call for a channel that becomes Ready, among every
    /// group it serves: highest priority, then longest weighted wait
    /// then earliest arrival.
    pub(crate) fn best_call_for(&self, a: AgentIx, media: Media) -> Option<CallIx> {
        let now = self.now.as_millis();
        let mut best: Option<(CallScore, CallIx)> = None;
        for s in &self.agents[a].served {
            let group = &self.groups[s.group];
            if group.config.media != media || group.config.routing != RoutingType::Automatic {
                continue;
            }
            let weight = u128::from(group.config.wait_weight);
            for queue in &group.queues[s.min_tier as usize..] {
                if let Some((&(neg_prio, entered, uid), &c)) = queue.first_key_value() {
                    let wait = u128::from(now.saturating_sub(entered)) * weight;
                    let score = (-neg_prio, wait, Reverse(uid));
                    if best.as_ref().is_none_or(|(b, _)| score > *b) {
                        best = Some((score, c));
                    }
                }
            }
        }
        best.map(|(_, c)| c)
    }

    /// A detached call leaves its group for `dest`. A destination
    /// that is gone, or that the call already overflowed from, keeps the
    /// call where it is: a call is never dropped. So does a call that was
    /// answered before.
    pub(crate) fn overflow(&mut self, c: CallIx, dest: Destination, cause: Cause) {
        if self.calls[c].answered() {
            // Back in the queue after an unanswered transfer, an answered call
            // stays a call of its group: it is not overflowed, and so
            // is never counted both answered and overflowed.
            self.place_call(c);
            return;
        }
        let (g, t) = (self.calls[c].group, self.calls[c].tenant);
        let target = match &dest {
            Destination::Group(id) => match self.ix.groups.get(id) {
                Some(&g2) if self.may_overflow_to(c, g2) => Target::Group(g2),
                _ => {
                    self.place_call(c);
                    return;
                }
            },
            Destination::Number(n) => Target::Number(n.clone()),
        };
        self.groups[g].stats.overflowed += 1;
        self.emit(
            t,
            EventKind::CallOverflowed {
                call: self.calls[c].id.clone(),
                group: self.groups[g].id.clone(),
                to: dest,
                cause,
            },
        );
        match target {
            Target::Group(g2) => {
                self.calls[c].visited.push(g);
                self.enter_group(c, g2, cause);
            }
            Target::Number(destination) => {
                self.effect(Effect::Divert {
                    tenant: self.tenants[t].id.clone(),
                    call: self.calls[c].id.clone(),
                    destination,
                    epoch: None,
                    cause,
                });
                self.remove_call(c);
            }
        }
    }

    /// A group destination is usable: another live group of the same
    /// tenant and media that the call has not already overflowed from (loop
    /// guard). Validation refuses the others; this guards the rest.
    fn may_overflow_to(&self, c: CallIx, g2: GroupIx) -> bool {
        let call = &self.calls[c];
        let target = &self.groups[g2];
        g2 != call.group
            && target.tenant == call.tenant
            && target.config.media == call.media
            && !call.visited.contains(&g2)
    }

    /// Forgets a call that has left the engine.
    pub(crate) fn remove_call(&mut self, c: CallIx) {
        let call = self.calls.remove(c);
        self.ix.calls.remove(&call.id);
    }

    /// Overflows every queued call of a group that has no agent left.
    pub(crate) fn close_group(&mut self, g: GroupIx) {
        let Some(dest) = self.groups[g].config.overflow.clone() else {
            return;
        };
        let waiting: Vec<CallIx> = self.groups[g]
            .queues
            .iter()
            .flat_map(|q| q.values().copied())
            .collect();
        for c in waiting {
            self.unqueue(c);
            self.overflow(c, dest.clone(), Cause::GroupClosed);
        }
    }

    /// Takes agent `a` out of the offer round of call `c` (the agent logs
    /// off while ringing). With nobody left ringing, the call goes back to
    /// its place in the queue.
    pub(crate) fn withdraw_offer_from(&mut self, c: CallIx, a: AgentIx, cause: Cause) {
        let CallState::Offered { offers, .. } = &mut self.calls[c].state else {
            return;
        };
        let Some(pos) = offers.iter().position(|o| o.0 == a) else {
            return;
        };
        let (_, epoch) = offers.remove(pos);
        let empty = offers.is_empty();
        self.stop_ringing(c, a, epoch, cause);
        if empty {
            self.requeue(c, cause);
        }
    }

    pub(crate) fn stop_ringing(&mut self, c: CallIx, a: AgentIx, epoch: u64, cause: Cause) {
        let t = self.calls[c].tenant;
        self.effect(Effect::StopRinging {
            tenant: self.tenants[t].id.clone(),
            call: self.calls[c].id.clone(),
            agent: self.agents[a].id.clone(),
            epoch,
            cause,
        });
    }

    /// A call whose offer round ended unanswered returns to its original
    /// position, or overflows if that fell due meanwhile.
    pub(crate) fn requeue(&mut self, c: CallIx, cause: Cause) {
        let g = self.calls[c].group;
        self.set_state(c, CallState::Detached);
        let manual = &self.groups[g].config;
        if manual.routing == RoutingType::Manual || manual.personal_calls {
            self.personal_no_answer(c);
            return;
        }
        if let Some((dest, why)) = self.calls[c].overflow_due.take() {
            self.overflow(c, dest, why);
            return;
        }
        let call = &self.calls[c];
        let (t, id, priority) = (call.tenant, call.id.clone(), call.priority);
        self.emit(
            t,
            EventKind::CallQueued {
                call: id,
                group: self.groups[g].id.clone(),
                priority,
                cause,
            },
        );
        self.place_call(c);
    }

    /// Ring-time supervision expired, or the device rejected the offer:
    /// stop ringing, force the agents Not Ready, requeue the call.
    pub(crate) fn no_answer(&mut self, c: CallIx, only: Option<AgentIx>, cause: Cause) {
        let CallState::Offered { offers, .. } = &mut self.calls[c].state else {
            return;
        };
        let failed: SmallVec<[(AgentIx, u64); 1]> = match only {
            Some(a) => offers.iter().copied().filter(|o| o.0 == a).collect(),
            None => offers.clone(),
        };
        offers.retain(|o| !failed.contains(o));
        let empty = offers.is_empty();
        let (g, t, media) = (
            self.calls[c].group,
            self.calls[c].tenant,
            self.calls[c].media,
        );
        let reason = self.tenants[t].config.no_answer_reason.clone();
        for &(a, epoch) in &failed {
            self.stop_ringing(c, a, epoch, cause);
            self.groups[g].stats.no_answer += 1;
            self.emit(
                t,
                EventKind::CallNoAnswer {
                    call: self.calls[c].id.clone(),
                    group: self.groups[g].id.clone(),
                    agent: self.agents[a].id.clone(),
                    cause,
                },
            );
            self.set_not_ready(a, media, reason.clone(), cause);
        }
        if empty {
            self.requeue(c, cause);
        }
    }

    // ---- timers --------------------------------------------------------

    /// Sets the timer of the call's next stage, if any.
    pub(crate) fn schedule_stage(&mut self, c: CallIx) {
        let call = &self.calls[c];
        if let Some(stage) = call.stages.get(call.next_stage as usize) {
            let at = call.entered.plus_millis(u64::from(stage.after_s) * 1000);
            self.timers.set(
                at,
                Timer::Stage {
                    call: c,
                    uid: call.uid,
                    stage: call.next_stage,
                },
            );
        }
    }

    /// A call reached a stage: widen its eligibility or overflow it.
    pub(crate) fn on_stage(&mut self, c: CallIx, stage: u8) {
        let call = &mut self.calls[c];
        let Some(st) = call.stages.get(stage as usize).cloned() else {
            return;
        };
        call.next_stage = stage + 1;
        self.schedule_stage(c);
        if let Some(dest) = st.overflow {
            self.overflow_when_queued(c, dest, Cause::Stage);
            return;
        }
        let (g, t) = (self.calls[c].group, self.calls[c].tenant);
        let tier = (stage + 1).min(self.groups[g].top_tier());
        let queued = self.calls[c].state == CallState::Queued;
        if queued {
            self.unqueue(c);
        }
        self.calls[c].tier = tier;
        self.emit(
            t,
            EventKind::CallStage {
                call: self.calls[c].id.clone(),
                group: self.groups[g].id.clone(),
                stage: stage + 1,
            },
        );
        if queued {
            self.place_call(c);
        }
    }

    /// The call waited its group's maximum.
    pub(crate) fn on_max_wait(&mut self, c: CallIx) {
        let g = self.calls[c].group;
        if let Some(dest) = self.groups[g].config.overflow.clone() {
            self.overflow_when_queued(c, dest, Cause::MaxWait);
        }
    }

    /// Overflows a queued call now; a ringing one when its offer round ends.
    fn overflow_when_queued(&mut self, c: CallIx, dest: Destination, cause: Cause) {
        match self.calls[c].state {
            CallState::Queued => {
                self.unqueue(c);
                self.overflow(c, dest, cause);
            }
            CallState::Offered { .. } => {
                self.calls[c].overflow_due.get_or_insert((dest, cause));
            }
            _ => {}
        }
    }
}

/// How attractive a waiting call is to an agent that becomes Ready:
/// (priority, weighted wait, earlier arrival) — larger is better.
type CallScore = (i64, u128, Reverse<u64>);

/// Where an overflowing call goes, resolved.
enum Target {
    Group(GroupIx),
    Number(String),
}
