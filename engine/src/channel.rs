//! Agent channel transitions: the one place a channel's state
//! changes.
//!
//! [`Core::move_channel`] keeps what is derived from a channel's state in
//! step with it: a channel leaving Ready leaves the ready pools, a busy
//! period (reserved .. end of clerical) opens with the first reservation
//! and closes when the channel is free again (occupancy, R-3.3). Filing a
//! channel that *enters* Ready is left to [`Core::set_ready`], which first
//! offers it the best waiting call; the agent-state event is left to
//! the caller, which knows its cause and where in its step it belongs.

use crate::agent::{AgentIx, ChanState};
use crate::config::Media;
use crate::engine::Core;

impl Core {
    /// Moves channel `media` of agent `a` to `to`.
    pub(crate) fn move_channel(&mut self, a: AgentIx, media: Media, to: ChanState) {
        if self.agents[a].chan(media).state == ChanState::Ready {
            self.index_remove(a, media);
        }
        match to {
            ChanState::LoggedOut | ChanState::NotReady { .. } | ChanState::Ready => {
                self.leave_busy(a, media)
            }
            _ => {
                let now = self.now;
                self.agents[a].chan_mut(media).busy_since.get_or_insert(now);
            }
        }
        self.agents[a].chan_mut(media).state = to;
    }

    /// Closes a busy period of the channel, for occupancy.
    fn leave_busy(&mut self, a: AgentIx, media: Media) {
        let now = self.now;
        let ag = &mut self.agents[a];
        if let Some(since) = ag.chan_mut(media).busy_since.take() {
            ag.busy_ms = ag.busy_ms.saturating_add(now.millis_since(since));
        }
    }
}
