//! Stage and max-wait timers: widening a waiting call's
//! eligibility, or sending it on, when its time comes.

use crate::agent::CallIx;
use crate::call::CallState;
use crate::engine::Core;
use crate::output::{Cause, EventKind};
use crate::timers::Timer;

impl Core {
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
}
