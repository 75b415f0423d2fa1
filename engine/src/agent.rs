//! The agent record: one per agent, shared by every group it serves.
//!
//! An agent has one [`Channel`] per media, each with its own state machine
//! . The voice channel is the main one. What the agent asked for during
//! a call (Not Ready, log off) is kept in [`AfterCall`] and applied when the
//! call ends.

use crate::arena::SlabIndex;
use crate::command::Epoch;
use crate::config::{AgentConfig, Media};
use crate::ids::{AgentId, CallId, ReasonCode};
use crate::skills::SkillSet;
use crate::time::Instant;
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

crate::arena::slab_index!(
    /// Slab index of an agent.
    AgentIx
);
crate::arena::slab_index!(
    /// Slab index of a call.
    CallIx
);
crate::arena::slab_index!(
    /// Slab index of a group.
    GroupIx
);
crate::arena::slab_index!(
    /// Slab index of a ready pool.
    PoolIx
);
crate::arena::slab_index!(
    /// Index of a tenant.
    TenantIx
);

/// State of one agent channel. Calls are held by slab index; the
/// call record is never removed while an agent state names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum ChanState {
    LoggedOut,
    NotReady {
        reason: ReasonCode,
    },
    Ready,
    Reserved {
        call: CallIx,
        epoch: Epoch,
    },
    Alerting {
        call: CallIx,
        epoch: Epoch,
    },
    Talking {
        call: CallIx,
        epoch: Epoch,
    },
    Hold {
        call: CallIx,
        epoch: Epoch,
    },
    Clerical {
        until: Instant,
        token: u64,
        /// The group whose handled figures counted this clerical time
        /// until `until`: ended early, the unspent rest is taken back
        /// (R-8.2 AHT counts the clerical time spent).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<GroupIx>,
    },
    CallWaiting {
        call: CallIx,
        until: Instant,
        epoch: Epoch,
    },
    Callback {
        call: CallIx,
        epoch: Epoch,
    },
}

/// Names of agent states, for errors and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateName {
    /// Not logged on.
    LoggedOut,
    /// Not Ready.
    NotReady,
    /// Ready.
    Ready,
    /// Reserved for a call.
    Reserved,
    /// Ringing.
    Alerting,
    /// On a call.
    Talking,
    /// Call on hold.
    Hold,
    /// Wrap-up.
    Clerical,
    /// Waiting for an authenticating caller.
    CallWaiting,
    /// Authenticated caller back.
    Callback,
}

impl ChanState {
    pub(crate) fn name(&self) -> StateName {
        match self {
            ChanState::LoggedOut => StateName::LoggedOut,
            ChanState::NotReady { .. } => StateName::NotReady,
            ChanState::Ready => StateName::Ready,
            ChanState::Reserved { .. } => StateName::Reserved,
            ChanState::Alerting { .. } => StateName::Alerting,
            ChanState::Talking { .. } => StateName::Talking,
            ChanState::Hold { .. } => StateName::Hold,
            ChanState::Clerical { .. } => StateName::Clerical,
            ChanState::CallWaiting { .. } => StateName::CallWaiting,
            ChanState::Callback { .. } => StateName::Callback,
        }
    }

    /// The call this state holds a reservation for, with its epoch.
    pub(crate) fn reservation(&self) -> Option<(CallIx, Epoch)> {
        match *self {
            ChanState::Reserved { call, epoch }
            | ChanState::Alerting { call, epoch }
            | ChanState::Talking { call, epoch }
            | ChanState::Hold { call, epoch }
            | ChanState::CallWaiting { call, epoch, .. }
            | ChanState::Callback { call, epoch } => Some((call, epoch)),
            _ => None,
        }
    }

    /// Offered but not yet answered.
    pub(crate) fn is_ringing(&self) -> bool {
        matches!(
            self,
            ChanState::Reserved { .. } | ChanState::Alerting { .. }
        )
    }

    /// Connected to a call (talking, hold, or the authentication states).
    pub(crate) fn is_connected(&self) -> bool {
        matches!(
            self,
            ChanState::Talking { .. }
                | ChanState::Hold { .. }
                | ChanState::CallWaiting { .. }
                | ChanState::Callback { .. }
        )
    }

    pub(crate) fn is_logged_on(&self) -> bool {
        !matches!(self, ChanState::LoggedOut)
    }
}

/// What to do when the current call (or clerical) ends.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum AfterCall {
    /// Become Ready.
    #[default]
    Ready,
    /// Become Not Ready with this reason.
    NotReady(ReasonCode),
}

/// A logoff asked for during a call, applied when it ends. A struct
/// rather than `Option<Option<_>>`, whose `Some(None)` JSON cannot tell
/// from `None`: a snapshot must keep a reason-less pending logoff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PendingLogoff {
    /// The sign-out reason, if one was given.
    pub(crate) reason: Option<ReasonCode>,
}

/// An instant or none, in eight bytes (`Option<Instant>` takes sixteen):
/// `u64::MAX` stands for none, an instant the engine never accepts
/// ([`Instant::MAX`] is 2^53). Saved as an `Option<Instant>`.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Option<Instant>", into = "Option<Instant>")]
pub(crate) struct MaybeInstant(u64);

impl MaybeInstant {
    /// No instant.
    pub(crate) const NONE: MaybeInstant = MaybeInstant(u64::MAX);

    pub(crate) fn get(self) -> Option<Instant> {
        (self != Self::NONE).then_some(Instant(self.0))
    }

    pub(crate) fn is_some(self) -> bool {
        self != Self::NONE
    }

    /// Sets `now` unless an instant is already set.
    pub(crate) fn get_or_insert(&mut self, now: Instant) {
        if *self == Self::NONE {
            self.0 = now.0;
        }
    }

    /// The instant, leaving none.
    pub(crate) fn take(&mut self) -> Option<Instant> {
        std::mem::replace(self, Self::NONE).get()
    }
}

impl TryFrom<Option<Instant>> for MaybeInstant {
    type Error = &'static str;
    fn try_from(t: Option<Instant>) -> Result<Self, Self::Error> {
        match t {
            None => Ok(Self::NONE),
            Some(Instant(u64::MAX)) => Err("instant out of range"),
            Some(t) => Ok(MaybeInstant(t.0)),
        }
    }
}

impl From<MaybeInstant> for Option<Instant> {
    fn from(t: MaybeInstant) -> Self {
        t.get()
    }
}

impl std::fmt::Debug for MaybeInstant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

/// One media channel of an agent.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Channel {
    pub(crate) state: ChanState,
    /// Applied when the call or clerical ends.
    pub(crate) after_call: AfterCall,
    /// Set while the channel is busy (reserved .. end of clerical).
    pub(crate) busy_since: MaybeInstant,
    /// Start of the current idle period, for longest-idle.
    pub(crate) idle_since: Instant,
    /// The call the channel last answered: what a wrap-up reason set in
    /// Clerical refers to.
    #[serde(default)]
    pub(crate) last_call: Option<CallId>,
    /// Whether the channel is counted in its groups' `ready_status`
    /// (derived; rebuilt when a snapshot is loaded).
    #[serde(skip)]
    pub(crate) counted_ready: bool,
    /// Filing stamp of a main channel ([`crate::ready_index`], read
    /// through [`Agent::stamp`]): moves on each time the media is taken
    /// out of the ready index, which turns every entry filed under the old
    /// stamp stale at once. Not saved: the index is rebuilt on load under
    /// the stamps the agent starts with. (Kept here, in the padding after
    /// `counted_ready`, rather than as five stamps in the agent record.)
    #[serde(skip)]
    pub(crate) stamp: crate::ready_index::Stamp,
}

impl Channel {
    /// Logged on with Ready *status* (R-1.3): Ready, or busy (on a call, in
    /// clerical, ...) and going back to Ready afterwards. Being on a call
    /// does not take the status away; Not Ready and logged out do.
    pub(crate) fn has_ready_status(&self) -> bool {
        match self.state {
            ChanState::LoggedOut | ChanState::NotReady { .. } => false,
            ChanState::Ready => true,
            _ => self.after_call == AfterCall::Ready,
        }
    }
}

impl Default for Channel {
    fn default() -> Self {
        Self {
            state: ChanState::LoggedOut,
            after_call: AfterCall::Ready,
            busy_since: MaybeInstant::NONE,
            idle_since: Instant::default(),
            last_call: None,
            counted_ready: false,
            stamp: 0,
        }
    }
}

/// A channel never used since the agent was added: what every media but
/// voice is for most agents, shared instead of stored per agent.
static UNUSED: Channel = Channel {
    state: ChanState::LoggedOut,
    after_call: AfterCall::Ready,
    busy_since: MaybeInstant::NONE,
    idle_since: Instant(0),
    last_call: None,
    counted_ready: false,
    stamp: 0,
};

impl Channel {
    /// Whether the channel is as [`Channel::default`] left it.
    fn is_unused(&self) -> bool {
        self.state == UNUSED.state
            && self.after_call == UNUSED.after_call
            && !self.busy_since.is_some()
            && self.idle_since == UNUSED.idle_since
            && self.last_call.is_none()
            && !self.counted_ready
            && self.stamp == 0
    }
}

/// The five media channels of an agent, in [`Media::ALL`] order.
/// Voice is kept inline; the other four are allocated together the first
/// time one of them changes (most agents never use them). Saved as the
/// array of five it always was.
#[derive(Clone, Debug, Default)]
pub(crate) struct Channels {
    voice: Channel,
    other: Option<Box<[Channel; 4]>>,
}

impl Channels {
    /// The channel of `media`.
    pub(crate) fn get(&self, media: Media) -> &Channel {
        match media.index().checked_sub(1) {
            None => &self.voice,
            Some(i) => self.other.as_ref().map_or(&UNUSED, |o| &o[i]),
        }
    }

    /// The channel of `media`, to change.
    pub(crate) fn get_mut(&mut self, media: Media) -> &mut Channel {
        match media.index().checked_sub(1) {
            None => &mut self.voice,
            Some(i) => &mut self.other.get_or_insert_with(Box::default)[i],
        }
    }

    /// The five channels in [`Media::ALL`] order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Channel> + '_ {
        Media::ALL.iter().map(|&m| self.get(m))
    }
}

impl Serialize for Channels {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Channels {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let [voice, other @ ..] = <[Channel; 5]>::deserialize(d)?;
        let used = other.iter().any(|c| !c.is_unused());
        Ok(Channels {
            voice,
            other: used.then(|| Box::new(other)),
        })
    }
}

/// A group the agent is eligible for, from tier `min_tier` on. Its
/// round-robin turn is kept by the group ([`crate::service_group::Turns`]).
///
/// Five bytes, unpadded (the group index is kept as bytes): an agent
/// serving 50 groups keeps 50 of these. Saved as `{group, min_tier}`.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "SavedServed", into = "SavedServed")]
pub(crate) struct Served {
    group: [u8; 4],
    pub(crate) min_tier: u8,
}

impl Served {
    pub(crate) fn new(group: GroupIx, min_tier: u8) -> Self {
        let slot = u32::try_from(group.slot()).expect("group indexes are u32");
        Self {
            group: slot.to_ne_bytes(),
            min_tier,
        }
    }

    /// The group served.
    pub(crate) fn group(&self) -> GroupIx {
        GroupIx::from_slot(u32::from_ne_bytes(self.group) as usize)
    }
}

impl std::fmt::Debug for Served {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        SavedServed::from(*self).fmt(f)
    }
}

/// [`Served`] as saved and printed.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(rename = "Served")]
struct SavedServed {
    group: GroupIx,
    min_tier: u8,
}

impl From<SavedServed> for Served {
    fn from(s: SavedServed) -> Self {
        Served::new(s.group, s.min_tier)
    }
}

impl From<Served> for SavedServed {
    fn from(s: Served) -> Self {
        SavedServed {
            group: s.group(),
            min_tier: s.min_tier,
        }
    }
}

/// A ready pool a Ready channel is filed in, and under which key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Filed {
    pub(crate) pool: PoolIx,
    pub(crate) media: Media,
    pub(crate) min_tier: u8,
    pub(crate) key: (u64, u64),
}

/// Where an agent's channels are filed, live or taken back (*ghosts*, whose
/// entries may still sit, stale, in their pools; see
/// [`crate::ready_index`]): at most one entry per pool, kept in place when
/// taken back so that an offer neither shifts nor allocates. All filings of
/// a media go live and turn into ghosts together, so which are live is one
/// bit per media, read without touching the list. Saved as its live
/// filings only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FilingSlots {
    slots: SmallVec<[Filed; 1]>,
    /// Media whose filings are live, one bit each.
    live_on: u8,
    /// Media with a seat in a counted pool, one bit each: taking them out
    /// of the index has pools to tell ([`Seat::counted`]).
    counted_on: u8,
}

fn bit(media: Media) -> u8 {
    1 << media.index()
}

impl FilingSlots {
    /// The live filings.
    pub(crate) fn live(&self) -> impl Iterator<Item = &Filed> + '_ {
        self.slots.iter().filter(|f| self.is_live(f))
    }

    /// Whether filing `f` is live.
    pub(crate) fn is_live(&self, f: &Filed) -> bool {
        self.live_on & bit(f.media) != 0
    }

    /// Whether a channel on `media` is filed somewhere.
    pub(crate) fn any_live_on(&self, media: Media) -> bool {
        self.live_on & bit(media) != 0
    }

    /// The filings on `media` are live (`true`) or ghosts (`false`).
    pub(crate) fn set_live_on(&mut self, media: Media, live: bool) {
        if live {
            self.live_on |= bit(media);
        } else {
            self.live_on &= !bit(media);
        }
    }

    /// Whether the agent has a seat in a counted pool on `media`.
    pub(crate) fn counted_on(&self, media: Media) -> bool {
        self.counted_on & bit(media) != 0
    }

    /// Records the media with a seat in a counted pool.
    pub(crate) fn set_counted_seats(&mut self, seats: &[Seat]) {
        self.counted_on = seats
            .iter()
            .filter(|s| s.counted)
            .fold(0, |m, s| m | bit(s.media));
    }

    /// The entry (live or ghost) for pool `p`.
    pub(crate) fn slot_mut(&mut self, p: PoolIx) -> Option<&mut Filed> {
        self.slots.iter_mut().find(|f| f.pool == p)
    }

    /// Whether there is an entry (live or ghost) for pool `p`.
    pub(crate) fn has(&self, p: PoolIx) -> bool {
        self.slots.iter().any(|f| f.pool == p)
    }

    /// Adds an entry for a pool that has none.
    pub(crate) fn push(&mut self, f: Filed) {
        self.slots.push(f);
    }

    /// Gives back spare capacity (the list grows by doubling).
    pub(crate) fn shrink_to_fit(&mut self) {
        self.slots.shrink_to_fit();
    }

    /// The filings taken back.
    pub(crate) fn ghosts(&self) -> impl Iterator<Item = &Filed> + '_ {
        self.slots.iter().filter(|f| !self.is_live(f))
    }

    /// Keeps the live entries and the ghosts `keep` accepts.
    pub(crate) fn retain_ghosts(&mut self, mut keep: impl FnMut(&Filed) -> bool) {
        let live_on = self.live_on;
        self.slots
            .retain(|f| live_on & bit(f.media) != 0 || keep(f));
    }
}

impl Serialize for FilingSlots {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.live())
    }
}

/// The saved filings are the live ones.
impl<'de> Deserialize<'de> for FilingSlots {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let slots = SmallVec::<[Filed; 1]>::deserialize(d)?;
        let live_on = slots.iter().fold(0, |m, f| m | bit(f.media));
        Ok(FilingSlots {
            slots,
            live_on,
            counted_on: 0,
        })
    }
}

/// A distinct ready pool an agent belongs in when Ready on `media`: the
/// pool of one or more automatic groups it serves (its strategy key comes
/// from the pool's kind, which those groups share). Derived from `served`
/// and the groups' pools; never saved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Seat {
    pub(crate) pool: PoolIx,
    pub(crate) media: Media,
    pub(crate) min_tier: u8,
    /// Whether the pool counts its live agents: then the agent tells it
    /// when it leaves ([`crate::ready_index`]).
    pub(crate) counted: bool,
}

/// The pools an agent belongs in ([`Agent::seats`]). The lists of an agent
/// record keep one or two entries inline: enough for an agent of one skill,
/// and no inline space wasted beside the heap buffer of one of many.
pub(crate) type Seats = SmallVec<[Seat; 1]>;

/// The one authoritative agent record.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Agent {
    pub(crate) id: AgentId,
    pub(crate) tenant: TenantIx,
    /// Settings beyond id and skills ([`Agent::config`]); `None` while all
    /// are at their defaults, as for most agents. `skills` is kept empty
    /// (the interned [`Agent::skills`] is the one copy).
    #[serde(rename = "config", default, skip_serializing_if = "Option::is_none")]
    settings: Option<Box<AgentConfig>>,
    pub(crate) skills: SkillSet,
    /// Fixed rank for the top-down strategy: position in configuration.
    pub(crate) order: u64,
    pub(crate) extension: Option<crate::ids::Extension>,
    pub(crate) channels: Channels,
    /// The groups served. Up to six sit in the record itself (16 bytes
    /// more than three): an agent becoming free reads them first, and a
    /// separate allocation was a cache miss of its own on every Ready.
    pub(crate) served: SmallVec<[Served; 6]>,
    /// Pools the agent's Ready channels are filed in, and the ghosts of
    /// filings taken back.
    pub(crate) filed: FilingSlots,
    /// Pools the agent belongs in when Ready ([`Core::refresh_seats`]).
    #[serde(skip)]
    pub(crate) seats: Seats,
    /// Log off when the current call ends. Boxed: rarely set.
    pub(crate) pending_logoff: Option<Box<PendingLogoff>>,
    pub(crate) logon_at: Instant,
    /// Busy milliseconds since logon (closed busy periods).
    pub(crate) busy_ms: u64,
    /// Calls answered since logon.
    pub(crate) answered: u64,
    /// Attribute values by slot of the tenant's declared attributes.
    #[serde(default)]
    pub(crate) attrs: Box<[Option<crate::expr::Value>]>,
    /// Extra contact lanes while logged on under a capacity that is not
    /// the default; `None` for one contact per media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) capacity: Option<Box<crate::capacity::Capacity>>,
}

impl Agent {
    pub(crate) fn new(
        id: AgentId,
        tenant: TenantIx,
        config: AgentConfig,
        skills: SkillSet,
        order: u64,
    ) -> Self {
        let mut agent = Self {
            id,
            tenant,
            settings: None,
            skills,
            order,
            extension: None,
            channels: Default::default(),
            served: SmallVec::new(),
            filed: FilingSlots::default(),
            seats: SmallVec::new(),
            pending_logoff: None,
            logon_at: Instant::default(),
            busy_ms: 0,
            answered: 0,
            attrs: Box::default(),
            capacity: None,
        };
        agent.set_config(config);
        agent
    }

    /// The agent's settings. Its `skills` are empty (see [`Agent::skills`]);
    /// read [`Agent::id`] for its id.
    pub(crate) fn config(&self) -> &AgentConfig {
        static DEFAULTS: std::sync::LazyLock<AgentConfig> =
            std::sync::LazyLock::new(|| AgentConfig::new(AgentId::new(""), &[]));
        self.settings.as_deref().unwrap_or(&DEFAULTS)
    }

    /// The agent's settings as configured, id included, `skills` empty.
    pub(crate) fn config_owned(&self) -> AgentConfig {
        match &self.settings {
            Some(c) => AgentConfig::clone(c),
            None => AgentConfig::new(self.id.clone(), &[]),
        }
    }

    /// Replaces the agent's settings (`config.skills` is dropped: the
    /// interned set is the one copy). Settings all at their defaults are
    /// not stored.
    pub(crate) fn set_config(&mut self, mut config: AgentConfig) {
        config.skills.clear();
        let defaults = config == AgentConfig::new(config.id.clone(), &[]);
        self.settings = (!defaults).then(|| Box::new(config));
    }

    /// The filing stamp of `media`: entries filed under it are live.
    pub(crate) fn stamp(&self, media: Media) -> crate::ready_index::Stamp {
        self.chan(media).stamp
    }

    /// `media` is taken out of the ready index: its entries turn stale.
    /// The stamp wraps after 2^32 removals; a stale entry never lives that
    /// long (it is forgotten when the media is filed again).
    pub(crate) fn restamp(&mut self, media: Media) {
        let s = &mut self.chan_mut(media).stamp;
        *s = s.wrapping_add(1);
    }

    /// What eligibility checks read of this agent, with `call` for the
    /// call part of expressions.
    pub(crate) fn facts<'a>(
        &'a self,
        call: Option<&'a crate::call::Call>,
    ) -> crate::skills::Facts<'a> {
        crate::skills::Facts {
            skills: &self.skills,
            attrs: &self.attrs,
            call,
        }
    }

    pub(crate) fn chan(&self, media: Media) -> &Channel {
        self.channels.get(media)
    }

    pub(crate) fn chan_mut(&mut self, media: Media) -> &mut Channel {
        self.channels.get_mut(media)
    }

    pub(crate) fn is_logged_on(&self) -> bool {
        self.channels.iter().any(|c| c.state.is_logged_on())
    }

    /// Some lane other than `lane` holds a reservation.
    pub(crate) fn has_call_other_than(&self, lane: crate::capacity::Lane) -> bool {
        Media::ALL
            .iter()
            .flat_map(|&m| self.lanes(m))
            .any(|l| l != lane && self.lane(l).state.reservation().is_some())
    }

    /// A logoff asked for during a call is due when lane `l` is released
    /// no other lane holds a call — under a capacity, no other
    /// lane is connected (offers still ringing are withdrawn).
    pub(crate) fn logoff_due(&self, l: crate::capacity::Lane) -> bool {
        if self.pending_logoff.is_none() {
            return false;
        }
        if !self.is_multi() {
            return !self.has_call_other_than(l);
        }
        !Media::ALL
            .iter()
            .flat_map(|&m| self.lanes(m))
            .any(|x| x != l && self.lane(x).state.is_connected())
    }

    /// Some lane is connected to a call (R-2.3 defers logoff).
    pub(crate) fn is_connected(&self) -> bool {
        self.all_lanes().any(|(_, c)| c.state.is_connected())
    }

    pub(crate) fn served(&self, group: GroupIx) -> Option<&Served> {
        self.served.iter().find(|s| s.group() == group)
    }

    /// Occupancy in parts per million since logon, for least-occupied.
    pub(crate) fn occupancy_ppm(&self, now: Instant) -> u64 {
        let logged = now.millis_since(self.logon_at).max(1);
        (u128::from(self.busy_ms) * 1_000_000 / u128::from(logged)) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(c: &Channels) -> (serde_json::Value, Channels) {
        let json = serde_json::to_value(c).unwrap();
        (json.clone(), serde_json::from_value(json).unwrap())
    }

    #[test]
    fn unused_media_channels_are_not_stored_and_save_as_five() {
        let mut c = Channels::default();
        assert!(c.other.is_none());
        // Reading (and a no-op write avoided by the caller) allocates nothing.
        assert_eq!(c.get(Media::Chat).state, ChanState::LoggedOut);
        c.get_mut(Media::Voice).state = ChanState::Ready;
        assert!(c.other.is_none());
        let (json, back) = round_trip(&c);
        assert_eq!(json.as_array().map(Vec::len), Some(5));
        assert!(back.other.is_none());
        assert_eq!(back.get(Media::Voice).state, ChanState::Ready);

        c.get_mut(Media::Chat).idle_since = Instant::from_millis(5);
        let (json2, back) = round_trip(&c);
        assert_eq!(json2[Media::Chat.index()]["idle_since"], 5);
        assert!(back.other.is_some(), "a used channel is kept");
        assert_eq!(back.get(Media::Chat).idle_since, Instant::from_millis(5));
        assert_eq!(serde_json::to_value(&back).unwrap(), json2);
    }

    fn agent(config: AgentConfig) -> Agent {
        let id = config.id.clone();
        Agent::new(id, TenantIx(0), config, SkillSet::default(), 0)
    }

    #[test]
    fn settings_at_their_defaults_are_not_stored_but_read_back_the_same() {
        let plain = AgentConfig::new("a1", &[("sales", 5)]);
        let a = agent(plain.clone());
        assert!(a.settings.is_none());
        let expected = AgentConfig {
            skills: Default::default(),
            ..plain
        };
        assert_eq!(a.config_owned(), expected);
        assert_eq!(a.config().kind, expected.kind);
        let json = serde_json::to_value(&a).unwrap();
        assert!(json.get("config").is_none(), "defaults are not saved");
        let back: Agent = serde_json::from_value(json).unwrap();
        assert!(back.settings.is_none());

        let mut own = AgentConfig::new("p1", &[("p", 5)]);
        own.pdn = Some("5500".into());
        own.dispatch_access = true;
        let mut b = agent(own.clone());
        assert!(b.settings.is_some());
        assert!(b.config().dispatch_access);
        assert_eq!(b.config().pdn.as_deref(), Some("5500"));
        assert!(
            b.config().skills.is_empty(),
            "skills are kept once, interned"
        );
        let json = serde_json::to_value(&b).unwrap();
        assert_eq!(json["config"]["pdn"], "5500");
        let back: Agent = serde_json::from_value(json).unwrap();
        assert_eq!(back.config_owned(), b.config_owned());
        b.set_config(AgentConfig::new("p1", &[]));
        assert!(b.settings.is_none(), "back to the defaults");
    }

    #[test]
    fn a_served_group_takes_five_bytes_and_saves_as_group_and_tier() {
        assert_eq!(std::mem::size_of::<Served>(), 5);
        let s = Served::new(GroupIx::from_slot(70_000), 2);
        assert_eq!(s.group(), GroupIx::from_slot(70_000));
        let json = serde_json::to_value(s).unwrap();
        assert_eq!(json, serde_json::json!({"group": 70_000, "min_tier": 2}));
        assert_eq!(serde_json::from_value::<Served>(json).unwrap(), s);
    }

    #[test]
    fn an_optional_instant_takes_eight_bytes_and_saves_as_an_option() {
        assert_eq!(std::mem::size_of::<MaybeInstant>(), 8);
        let mut t = MaybeInstant::NONE;
        assert_eq!(serde_json::to_value(t).unwrap(), serde_json::Value::Null);
        t.get_or_insert(Instant(0));
        t.get_or_insert(Instant(9));
        assert_eq!(t.get(), Some(Instant(0)), "the first instant stays");
        assert_eq!(serde_json::to_value(t).unwrap(), 0);
        assert_eq!(serde_json::from_value::<MaybeInstant>(0.into()).unwrap(), t);
        assert_eq!(t.take(), Some(Instant(0)));
        assert_eq!((t.take(), t.is_some()), (None, false));
        let max = serde_json::Value::from(u64::MAX);
        assert!(serde_json::from_value::<MaybeInstant>(max).is_err());
    }

    #[test]
    fn a_saved_array_of_default_channels_loads_without_the_other_four() {
        let five: [Channel; 5] = Default::default();
        let back: Channels = serde_json::from_value(serde_json::to_value(&five).unwrap()).unwrap();
        assert!(back.other.is_none());
    }
}
