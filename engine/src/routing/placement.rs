//! Placing a detached call: the best Ready agent of its
//! tier at once, or its place in the queue; offers with one ring timer per
//! round, and what happens when a round ends unanswered.

use super::filing::Filings;
use crate::agent::{AgentIx, CallIx};
use crate::call::CallState;
use crate::config::{RoutingType, Strategy};
use crate::engine::Core;
use crate::output::{Cause, Effect, EventKind};
use crate::timers::Timer;
use smallvec::SmallVec;

impl Core {
    /// A detached call takes the best Ready agent of its tier at once, or
    /// waits in its queue. Ring-all offers to every one.
    pub(crate) fn place_call(&mut self, c: CallIx) {
        let agents = self.agents_for(c);
        if agents.is_empty() {
            self.enqueue(c);
        } else {
            self.offer(c, &agents);
        }
    }

    /// The Ready agents a detached call would be offered to now, by its
    /// group's strategy (none: it would wait in the queue).
    pub(crate) fn agents_for(&mut self, c: CallIx) -> SmallVec<[AgentIx; 4]> {
        let g = self.calls[c].group;
        let group = &self.groups[g];
        // A call's copied stages may outnumber a group's tiers after a change.
        let tier = self.calls[c].tier.min(group.top_tier());
        self.calls[c].tier = tier;
        if self.calls[c].preferred_until.is_some() && self.preferred_all_gone(c) {
            self.calls[c].preferred_until = None;
        }
        let group = &self.groups[g];
        let p = group.pool;
        let reserve = group.config.reserve.is_some();
        let qir = self.ix.policy.qir.contains_key(&group.tenant);
        if self.calls[c].preferred_until.is_some() {
            // only a preferred agent, in preference order.
            self.preferred_ready(c, tier).into_iter().collect()
        } else if group.has_filter() {
            // candidates from the index, filtered per call.
            self.filtered_agents(c, g, tier)
        } else {
            match group.config.strategy {
                Strategy::RingAll => self
                    .ready
                    .all(p, tier, &Filings(&self.agents))
                    .into_iter()
                    .filter(|&a| !self.held_back(a, g))
                    .collect(),
                // Threshold reservation: pass over held-back agents.
                _ if reserve => self.free_agent_for(g, tier).into_iter().collect(),
                // Queue-and-idleness ratio: the pool furthest above
                // its idleness share.
                _ if qir => self.qir_agent(g, tier).flatten().into_iter().collect(),
                Strategy::Random if self.ready.live_count(p, tier) > 0 => {
                    let draw = self.rng.next_u64();
                    self.ready.pick_random(p, tier, draw).into_iter().collect()
                }
                _ => self.first_ready(p, tier).into_iter().collect(),
            }
        }
    }

    /// A detached call takes its place in its group's queue, at its tier.
    fn enqueue(&mut self, c: CallIx) {
        let (g, tier, key) = (self.calls[c].group, self.calls[c].tier, self.calls[c].key());
        self.groups[g].queues[tier as usize].insert(key, c);
        self.set_state(c, CallState::Queued);
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
            let epoch = self.new_epoch();
            self.groups[g].take_turn(a);
            let l = self.agents[a].idle_lane(media);
            self.move_channel(a, l, crate::agent::ChanState::Reserved { call: c, epoch });
            offers.push((a, epoch));
            self.effect(Effect::Offer {
                tenant: self.tenants[t].id.clone(),
                call: self.calls[c].id.clone(),
                agent: self.agents[a].id.clone(),
                extension: self.agents[a].extension.clone().unwrap_or_default(),
                group: self.groups[g].id.clone(),
                epoch,
                deadline,
                ani: self.calls[c].ani.clone(),
                data: self.calls[c].data.clone(),
            });
            self.emit_with(t, |core| EventKind::CallOffered {
                call: core.calls[c].id.clone(),
                group: core.groups[g].id.clone(),
                agent: core.agents[a].id.clone(),
                epoch,
            });
            self.emit_agent_state(a, l, Cause::Offer);
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
        let now = self.now;
        self.calls[c].report.offer_ended(now);
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
        if self.calls[c].private {
            // a private call is never queued again: it is cleared.
            let t = self.calls[c].tenant;
            let kind = EventKind::CallCleared {
                call: self.calls[c].id.clone(),
                group: self.groups[g].id.clone(),
                cause,
            };
            self.emit(t, kind);
            self.remove_call(c);
            return;
        }
        let manual = &self.groups[g].config;
        if manual.routing == RoutingType::Manual || manual.personal_calls {
            self.personal_no_answer(c);
            return;
        }
        // An overflow falls due while the call rang; an answered call back
        // from an unanswered transfer stays its group's and is
        // queued again like any returned call.
        if let Some((dest, why)) = self.calls[c].overflow_due.take() {
            if !self.calls[c].answered() {
                self.overflow(c, dest, why);
                return;
            }
        }
        self.emit_queued(c, cause);
        self.place_call(c);
    }

    /// Records that call `c` (re)joined its group's queue, with its calling
    /// number and attached data.
    pub(crate) fn emit_queued(&mut self, c: CallIx, cause: Cause) {
        self.emit_with(self.calls[c].tenant, |core| {
            let call = &core.calls[c];
            EventKind::CallQueued {
                call: call.id.clone(),
                group: core.groups[call.group].id.clone(),
                priority: call.priority,
                cause,
                ani: call.ani.clone(),
                data: call.data.clone(),
            }
        });
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
        // a private call (completed on transfer) is not the
        // group's: no group no-answer, and its target is not forced Not
        // Ready (R-6.1 is for service-group calls): it is released to what
        // it was to do after the offer (Ready, or the Not Ready it asked for).
        let private = self.calls[c].private;
        let mut released: SmallVec<[(AgentIx, crate::capacity::Lane); 1]> = SmallVec::new();
        for &(a, epoch) in &failed {
            self.stop_ringing(c, a, epoch, cause);
            if !private {
                self.groups[g].stats.no_answer += 1;
                self.changes.group(g);
            }
            self.emit_with(t, |core| EventKind::CallNoAnswer {
                call: core.calls[c].id.clone(),
                group: core.groups[g].id.clone(),
                agent: core.agents[a].id.clone(),
                cause,
            });
            let l = self.agents[a].lane_of(media, c);
            if private {
                released.push((a, l));
                continue;
            }
            self.set_not_ready(a, l, reason.clone(), cause);
            if self.agents[a].is_multi() {
                // for the agent, not only this contact.
                for other in self.agents[a].lanes(media) {
                    if other != l {
                        self.lane_not_ready(a, other, reason.clone(), cause);
                    }
                }
            }
        }
        if empty {
            self.requeue(c, cause);
        }
        for (a, l) in released {
            self.release_channel(a, l, cause, false);
        }
    }

    /// Forgets a call that has left the engine.
    pub(crate) fn remove_call(&mut self, c: CallIx) {
        let call = &self.calls[c];
        self.ix.calls.remove(call.tenant, call.id.as_str(), c);
        self.calls.delete(c);
    }
}
