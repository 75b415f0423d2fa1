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

use crate::agent::{AgentIx, ChanState, GroupIx};
use crate::capacity::Lane;
use crate::config::Media;
use crate::engine::Core;

impl Core {
    /// Moves lane `l` of agent `a` (a media channel, or one contact of an
    /// agent under a capacity, R-10.3) to `to`.
    pub(crate) fn move_channel(&mut self, a: AgentIx, l: Lane, to: ChanState) {
        let agent = &self.agents[a];
        let (multi, media) = (agent.is_multi(), agent.lane_media(l));
        if !multi && matches!(agent.lane(l).state, ChanState::Ready) {
            self.index_remove(a, media);
        }
        let now = self.now;
        // Clerical ended before its time: the rest was not spent.
        if let ChanState::Clerical {
            until,
            group: Some(g),
            ..
        } = self.agents[a].lane(l).state
        {
            self.take_back_clerical(g, until.millis_since(now));
        }
        let agent = &mut self.agents[a];
        let lane = agent.lane_mut(l);
        let closed = match to {
            ChanState::LoggedOut | ChanState::NotReady { .. } | ChanState::Ready => {
                lane.busy_since.take()
            }
            _ => {
                lane.busy_since.get_or_insert(now);
                None
            }
        };
        lane.state = to;
        // A busy period (reserved .. free again) closes: occupancy.
        if let Some(since) = closed {
            agent.close_busy(since, now);
        }
        self.changes.agent(a);
        self.sync_ready_status(a, media);
        if multi {
            self.capacity_changed(a);
        }
    }

    /// Counts the channel in or out of `ready_status` of the groups it
    /// serves when its Ready status changed. Called after every
    /// change of a channel's state or of what it does after its call.
    pub(crate) fn sync_ready_status(&mut self, a: AgentIx, media: Media) {
        let agent = &mut self.agents[a];
        let now = agent.media_ready_status(media);
        if now == agent.chan(media).counted_ready {
            return;
        }
        agent.chan_mut(media).counted_ready = now;
        for served in &agent.served {
            let group = &mut self.groups[served.group()];
            if group.config.media == media {
                group.ready_status = if now {
                    group.ready_status + 1
                } else {
                    group.ready_status.saturating_sub(1)
                };
            }
        }
    }

    /// Recounts `ready_status` of groups from their agents' channels, and
    /// marks every channel counted: after the served groups of agents
    /// changed, and when a snapshot is loaded.
    pub(crate) fn recount_ready_status(&mut self, groups: impl IntoIterator<Item = GroupIx>) {
        for g in groups {
            let (media, t) = (self.groups[g].config.media, self.groups[g].tenant);
            let n = self.tenants[t]
                .agents
                .iter()
                .filter(|&&a| {
                    let agent = &self.agents[a];
                    agent.served(g).is_some() && agent.media_ready_status(media)
                })
                .count() as u32;
            self.groups[g].ready_status = n;
        }
        let agents: Vec<AgentIx> = self.agents.iter().map(|(a, _)| a).collect();
        for a in agents {
            for m in Media::ALL {
                let now = self.agents[a].media_ready_status(m);
                // Written only when it changes: an unused channel is shared.
                if self.agents[a].chan(m).counted_ready != now {
                    self.agents[a].chan_mut(m).counted_ready = now;
                }
            }
        }
    }
}
