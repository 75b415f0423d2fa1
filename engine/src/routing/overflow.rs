//! Overflow: a call leaving its group for another group or a
//! number, with the loop guard that keeps a call from being dropped.

use crate::agent::{CallIx, GroupIx};
use crate::call::CallState;
use crate::config::Destination;
use crate::engine::Core;
use crate::output::{Cause, Effect, EventKind};

impl Core {
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
            Destination::Group(id) => match self.group_ix(t, id) {
                Ok(g2) if self.may_overflow_to(c, g2) => Target::Group(g2),
                _ => {
                    self.place_call(c);
                    return;
                }
            },
            Destination::Number(n) => Target::Number(n.clone()),
        };
        let wait = self.now.millis_since(self.calls[c].entered);
        let s = &mut self.groups[g].stats;
        s.overflowed += 1;
        // the wait before overflowing out was a wait in this group.
        s.longest_wait_ms = s.longest_wait_ms.max(wait);
        self.changes.group(g);
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
                // A new group is a new line: an earlier arrival given by
                // the embedder counted in the first group only.
                self.calls[c].arrival = None;
                self.enter_group(c, g2, cause);
            }
            Target::Number(destination) => {
                self.effect(Effect::Divert {
                    tenant: self.tenants[t].id.clone(),
                    call: self.calls[c].id.clone(),
                    destination,
                    epoch: None,
                    cause,
                    private_data: Default::default(),
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

    /// Overflows a queued call now; a ringing one when its offer round ends.
    pub(crate) fn overflow_when_queued(&mut self, c: CallIx, dest: Destination, cause: Cause) {
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

/// Where an overflowing call goes, resolved.
enum Target {
    Group(GroupIx),
    Number(String),
}
