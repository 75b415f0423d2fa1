//! Capacity per agent: several contacts of one media at once, and
//! the cross-media rules (a budget with a cost per media, exclusive pairs).
//!
//! Each contact an agent handles has its own *lane*: a [`Channel`] with the
//! state machine of R-2.1 (its own reservation and epoch, ring timer and
//! clerical time). Lane `m` of every agent is its main channel of media
//! `m`; an agent whose capacity is not the default gets, when it logs on, a
//! [`Capacity`] record with `limit(m) - 1` extra lanes per media it logs
//! on, and loses it when it logs off (a capacity change therefore applies
//! from the next logon). An agent with the default capacity — one contact
//! per media, no budget, nothing exclusive — has no such record and takes
//! exactly the single-channel paths.
//!
//! What the agent asks for (Ready, Not Ready, log off) applies to every
//! lane of the media: idle lanes at once, busy ones when their contact ends
//! . The *load* of a media is the number of its lanes busy
//! with a contact (reserved .. end of clerical). An agent is filed in the
//! ready index of a media, once, while it has a Ready lane there and
//! [`CapacityConfig::has_room`] holds for its load. Every lane change of
//! such an agent unfiles the media that lost their room or whose key moved
//! (least-loaded, longest idle) and marks the agent; at the end of the step
//! [`Core::settle_capacity`] gives each media of a marked agent with room
//! the best waiting call, repeatedly, or files it.

use crate::agent::{Agent, AgentIx, CallIx, ChanState, Channel};
use crate::config::Media;
use crate::engine::Core;
use crate::routing_model::CapacityConfig;
use crate::time::Instant;
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

/// The extra lanes of a logged-on agent whose capacity is not the
/// default, and the rules they follow.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Capacity {
    /// The capacity in force since logon.
    pub(crate) config: CapacityConfig,
    /// Lanes beyond the main channel of each media.
    pub(crate) lanes: Vec<ExtraLane>,
}

/// One extra lane: a channel of `media`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct ExtraLane {
    pub(crate) media: Media,
    pub(crate) chan: Channel,
}

/// Index of a lane of an agent: `0..5` the main channel of each media,
/// `5..` the extra lanes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Lane(u16);

impl Lane {
    /// The main channel of `media`.
    pub(crate) const fn main(media: Media) -> Lane {
        Lane(media.index() as u16)
    }

    fn extra(i: usize) -> Option<usize> {
        i.checked_sub(Media::ALL.len())
    }
}

/// Contacts per media.
pub(crate) type Load = [u16; 5];

/// The load of an agent as reported by [`crate::Engine::agent_load`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentLoad {
    /// Contacts the agent handles per media (reserved .. end of clerical);
    /// media without any are left out.
    pub contacts: std::collections::BTreeMap<Media, u16>,
    /// Most contacts per media at once, for the media the agent is logged on.
    pub limits: std::collections::BTreeMap<Media, u16>,
    /// Budget used by the contacts, when the capacity has a budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_used: Option<u32>,
    /// The budget, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<u32>,
}

/// The status of an agent's media with the agent's load, as the C ABI and
/// the Python package report it: the fields of
/// [`crate::AgentStatus`] plus `load`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentStatusWithLoad {
    /// The media's status (that of its first busy contact).
    #[serde(flatten)]
    pub status: crate::AgentStatus,
    /// Contacts per media, limits, budget.
    pub load: AgentLoad,
}

impl Agent {
    /// The channel of lane `l`.
    pub(crate) fn lane(&self, l: Lane) -> &Channel {
        match Lane::extra(usize::from(l.0)) {
            None => self.chan(Media::ALL[usize::from(l.0)]),
            Some(i) => &self.extra_lanes()[i].chan,
        }
    }

    /// The channel of lane `l`, to change.
    pub(crate) fn lane_mut(&mut self, l: Lane) -> &mut Channel {
        match Lane::extra(usize::from(l.0)) {
            None => self.chan_mut(Media::ALL[usize::from(l.0)]),
            Some(i) => match self.capacity.as_mut() {
                Some(cap) => &mut cap.lanes[i].chan,
                None => unreachable!("extra lane {i} of an agent without capacity"),
            },
        }
    }

    fn extra_lanes(&self) -> &[ExtraLane] {
        self.capacity.as_ref().map_or(&[], |c| &c.lanes)
    }

    /// The media of lane `l`.
    pub(crate) fn lane_media(&self, l: Lane) -> Media {
        match Lane::extra(usize::from(l.0)) {
            None => Media::ALL[usize::from(l.0)],
            Some(i) => self.extra_lanes()[i].media,
        }
    }

    /// The lanes of `media`, main first.
    pub(crate) fn lanes(&self, media: Media) -> SmallVec<[Lane; 4]> {
        let mut out = SmallVec::new();
        out.push(Lane::main(media));
        let Some(cap) = &self.capacity else {
            return out;
        };
        for (i, x) in cap.lanes.iter().enumerate() {
            if x.media == media {
                out.push(Lane((Media::ALL.len() + i) as u16));
            }
        }
        out
    }

    /// Forgets group `g` in the clerical states that counted their time in
    /// it: the group is being removed.
    pub(crate) fn forget_clerical_group(&mut self, g: crate::agent::GroupIx) {
        let n = Media::ALL.len() + self.extra_lanes().len();
        for l in (0..n).map(|i| Lane(i as u16)) {
            if let ChanState::Clerical { group, .. } = &mut self.lane_mut(l).state {
                if *group == Some(g) {
                    *group = None;
                }
            }
        }
    }

    /// Every channel of the agent, main ones first, with its media.
    pub(crate) fn all_lanes(&self) -> impl Iterator<Item = (Media, &Channel)> + '_ {
        Media::ALL
            .iter()
            .zip(self.channels.iter())
            .map(|(&m, c)| (m, c))
            .chain(self.extra_lanes().iter().map(|x| (x.media, &x.chan)))
    }

    /// Start of the earliest busy period still open on any lane.
    pub(crate) fn busy_from(&self) -> Option<Instant> {
        self.all_lanes()
            .filter_map(|(_, ch)| ch.busy_since.get())
            .min()
    }

    /// A lane's busy period `since .. now` closed: adds to the agent's busy
    /// time the part no other lane still covers, so that concurrent
    /// contacts count once (R-8.2 occupancy, R-10.3). The rest, from the
    /// earliest open period on, is added when the lane that covers it
    /// closes; together that is the union of the busy periods.
    pub(crate) fn close_busy(&mut self, since: Instant, now: Instant) {
        let covered_from = self.busy_from().map_or(now, |m| m.min(now));
        self.busy_ms = self
            .busy_ms
            .saturating_add(covered_from.millis_since(since));
    }

    /// Whether the agent has lanes beyond one per media, or cross-media
    /// rules: then filing follows [`CapacityConfig::has_room`].
    pub(crate) fn is_multi(&self) -> bool {
        self.capacity.is_some()
    }

    /// The lane holding a reservation for call `c` of `media` (the main
    /// channel when none does).
    pub(crate) fn lane_of(&self, media: Media, c: CallIx) -> Lane {
        if self.capacity.is_none() {
            return Lane::main(media);
        }
        self.find_lane(media, |ch| {
            ch.state.reservation().is_some_and(|(x, _)| x == c)
        })
        .unwrap_or(Lane::main(media))
    }

    /// The lane of `media` in clerical under `token`, if any.
    pub(crate) fn lane_of_token(&self, media: Media, token: u64) -> Option<Lane> {
        self.find_lane(
            media,
            |ch| matches!(ch.state, ChanState::Clerical { token: t, .. } if t == token),
        )
    }

    fn find_lane(&self, media: Media, f: impl Fn(&Channel) -> bool) -> Option<Lane> {
        self.lanes(media).into_iter().find(|&l| f(self.lane(l)))
    }

    /// The lane a new contact of `media` takes: a Ready one, else a Not
    /// Ready one (personal calls, R-4.2), else one in clerical (a pick,
    /// ), else the main channel.
    pub(crate) fn idle_lane(&self, media: Media) -> Lane {
        if self.capacity.is_none() {
            return Lane::main(media);
        }
        self.find_lane(media, |ch| ch.state == ChanState::Ready)
            .or_else(|| self.find_lane(media, |ch| matches!(ch.state, ChanState::NotReady { .. })))
            .or_else(|| self.find_lane(media, |ch| matches!(ch.state, ChanState::Clerical { .. })))
            .unwrap_or(Lane::main(media))
    }

    /// The lane that stands for the media in its status: the first one
    /// busy with a contact or in clerical, else the main channel.
    pub(crate) fn status_lane(&self, media: Media) -> Lane {
        if self.capacity.is_none() {
            return Lane::main(media);
        }
        self.find_lane(media, |ch| {
            ch.state.reservation().is_some() || matches!(ch.state, ChanState::Clerical { .. })
        })
        .unwrap_or(Lane::main(media))
    }

    /// Contacts per media: lanes busy from reservation to the end of
    /// clerical.
    pub(crate) fn load(&self) -> Load {
        let mut load = [0u16; 5];
        for (m, ch) in self.all_lanes() {
            if ch.busy_since.is_some() {
                load[m.index()] += 1;
            }
        }
        load
    }

    /// Whether the agent may be offered a contact of `media` through the
    /// ready index: it has a Ready lane there and, under a capacity, room
    /// for one more contact.
    pub(crate) fn can_file(&self, media: Media) -> bool {
        match &self.capacity {
            None => self.chan(media).state == ChanState::Ready,
            Some(cap) => {
                self.pending_logoff.is_none()
                    && cap.config.has_room(&self.load(), media)
                    && self
                        .find_lane(media, |ch| ch.state == ChanState::Ready)
                        .is_some()
            }
        }
    }

    /// Whether the capacity leaves room for one more contact of `media`
    /// (always, without a capacity: the caller checks the channel).
    pub(crate) fn room_for(&self, media: Media) -> bool {
        self.capacity
            .as_ref()
            .is_none_or(|cap| cap.config.has_room(&self.load(), media))
    }

    /// Ready *status* of the media: some lane has it.
    pub(crate) fn media_ready_status(&self, media: Media) -> bool {
        if self.capacity.is_none() {
            return self.chan(media).has_ready_status();
        }
        self.lanes(media)
            .into_iter()
            .any(|l| self.lane(l).has_ready_status())
    }

    /// Start of the idle period the media is filed under: that of its
    /// longest-idle Ready lane (the main channel's without capacity).
    pub(crate) fn media_idle_since(&self, media: Media) -> Instant {
        if self.capacity.is_none() {
            return self.chan(media).idle_since;
        }
        let ready = self
            .lanes(media)
            .into_iter()
            .map(|l| self.lane(l))
            .filter(|ch| ch.state == ChanState::Ready)
            .map(|ch| ch.idle_since)
            .min();
        ready.unwrap_or(self.chan(media).idle_since)
    }
}

impl Core {
    /// The capacity agent `a` works under: its own, else its tenant's.
    pub(crate) fn capacity_config(&self, a: AgentIx) -> &CapacityConfig {
        let agent = &self.agents[a];
        agent
            .config()
            .capacity
            .as_ref()
            .unwrap_or(&self.tenants[agent.tenant].config.capacity)
    }

    /// At logon: gives an agent whose capacity is not the default its
    /// extra lanes on `media` (logged out; the caller logs them on).
    pub(crate) fn open_lanes(&mut self, a: AgentIx, media: &[Media]) {
        let config = self.capacity_config(a).clone();
        if config.is_single() {
            self.agents[a].capacity = None;
            return;
        }
        let mut lanes = Vec::new();
        for &m in media {
            if lanes.iter().any(|x: &ExtraLane| x.media == m) {
                continue; // listed twice
            }
            for _ in 1..config.limit(m) {
                lanes.push(ExtraLane {
                    media: m,
                    chan: Channel::default(),
                });
            }
        }
        self.agents[a].capacity = Some(Box::new(Capacity { config, lanes }));
    }

    /// After a lane of an agent under a capacity changed: takes out of the
    /// ready index the media that lost their room or whose key moved, and
    /// marks the agent for [`Core::settle_capacity`].
    pub(crate) fn capacity_changed(&mut self, a: AgentIx) {
        for m in Media::ALL {
            let agent = &self.agents[a];
            if !agent.filed.any_live_on(m) {
                continue;
            }
            if !agent.can_file(m) || self.filing_moved(a, m) {
                self.index_remove(a, m);
            }
        }
        if !self.ix.capacity_dirty.contains(&a) {
            self.ix.capacity_dirty.push(a);
        }
    }

    /// Whether a filed media would now be filed under other keys.
    fn filing_moved(&self, a: AgentIx, media: Media) -> bool {
        let agent = &self.agents[a];
        let idle = agent.media_idle_since(media).as_millis();
        agent.seats.iter().filter(|s| s.media == media).any(|s| {
            let key = self.ready_key(a, s.pool, idle);
            !agent.filed.live().any(|f| f.pool == s.pool && f.key == key)
        })
    }

    /// Matches every agent marked by [`Core::capacity_changed`] in this
    /// step: each media with room takes the best waiting call, again while
    /// room is left, and is filed when none waits. Each
    /// offer takes a Ready lane, so it ends.
    pub(crate) fn settle_capacity(&mut self) {
        loop {
            let batch = std::mem::take(&mut self.ix.capacity_dirty);
            if batch.is_empty() {
                return;
            }
            for a in batch {
                if self.agents.contains(a) {
                    for m in Media::ALL {
                        self.fill_room(a, m);
                    }
                }
            }
        }
    }

    /// Offers media `m` of agent `a` the best waiting call while it has
    /// room, then files it.
    fn fill_room(&mut self, a: AgentIx, m: Media) {
        loop {
            let agent = &self.agents[a];
            if !agent.can_file(m) || agent.filed.any_live_on(m) {
                return;
            }
            if self.offer_waiting_personal(a, m) {
                continue;
            }
            match self.best_call_for(a, m) {
                Some(c) => {
                    self.unqueue(c);
                    self.offer(c, &[a]);
                }
                None => {
                    self.index_insert(a, m);
                    return;
                }
            }
        }
    }

    /// The load of agent `a`.
    pub(crate) fn load_of(&self, a: AgentIx) -> AgentLoad {
        let agent = &self.agents[a];
        let config = self.capacity_config(a);
        let load = agent.load();
        let mut out = AgentLoad::default();
        for m in Media::ALL {
            if load[m.index()] > 0 {
                out.contacts.insert(m, load[m.index()]);
            }
            if agent.chan(m).state.is_logged_on() {
                let limit = agent.capacity.as_ref().map_or(1, |c| c.config.limit(m));
                out.limits.insert(m, limit);
            }
        }
        let config = agent.capacity.as_ref().map_or(config, |c| &c.config);
        if let Some(b) = config.budget {
            out.budget = Some(b);
            let used = config.budget_used(&load);
            out.budget_used = Some(used.min(u64::from(u32::MAX)) as u32);
        }
        out
    }
}
