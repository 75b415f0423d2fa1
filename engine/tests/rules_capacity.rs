//! Rule tests for capacity per agent (SPEC ): several contacts of a
//! media at once, the cross-media rules (budget with costs, exclusive
//! pairs), the least-loaded strategy, per-contact ring and clerical rules,
//! deferred Not Ready and logoff, and the agent's load in its status.

mod common;

use acd_engine::*;
use common::*;
use std::collections::BTreeMap;

fn chat_group(id: &str) -> GroupConfig {
    let mut g = group(id, &["chat"]);
    g.media = Media::Chat;
    g
}

fn voice_group(id: &str) -> GroupConfig {
    group(id, &["voice"])
}

fn capacity(per_media: &[(Media, u16)]) -> CapacityConfig {
    CapacityConfig {
        per_media: per_media.iter().copied().collect::<BTreeMap<_, _>>(),
        ..CapacityConfig::default()
    }
}

/// Budget 100 (Azure style): voice costs 100, a chat 20.
fn budget_100(chats: u16) -> CapacityConfig {
    CapacityConfig {
        budget: Some(100),
        cost: [(Media::Voice, 100), (Media::Chat, 20)]
            .into_iter()
            .collect(),
        ..capacity(&[(Media::Chat, chats)])
    }
}

fn agent_with(id: &str, cap: CapacityConfig) -> AgentConfig {
    let mut a = agent(id, &[("chat", 5), ("voice", 5)]);
    a.capacity = Some(cap);
    a
}

/// Logs `agent` on to `media` and makes each Ready.
fn on(h: &mut Harness, secs: u64, agent: &str, media: &[Media]) {
    h.at(
        secs,
        Command::Logon {
            agent: agent.into(),
            extension: format!("ext-{agent}").into(),
            media: media.to_vec(),
        },
    )
    .expect("logon");
    for &m in media {
        h.at(
            secs,
            Command::Ready {
                agent: agent.into(),
                media: m,
            },
        )
        .expect("ready");
    }
}

fn load(h: &Harness, agent: &str) -> AgentLoad {
    h.engine
        .agent_load(&h.tenant, &agent.into())
        .expect("known agent")
}

fn contacts(h: &Harness, agent: &str, media: Media) -> Vec<AgentStatus> {
    h.engine
        .agent_contacts(&h.tenant, &agent.into(), media)
        .expect("known agent")
}

fn chats(h: &Harness, agent: &str) -> u16 {
    load(h, agent)
        .contacts
        .get(&Media::Chat)
        .copied()
        .unwrap_or(0)
}

/// Offers `call` and returns the agent and epoch, or panics.
fn offered(h: &mut Harness, secs: u64, call: &str, g: &str) -> (String, Epoch) {
    h.arrive(secs, call, g);
    h.offered_to(call)
        .unwrap_or_else(|| panic!("{call} not offered"))
}

fn queued(h: &Harness, call: &str) -> bool {
    matches!(
        h.engine.call_status(&h.tenant, &call.into()),
        Ok(CallStatus::Queued { .. })
    )
}

#[test]
fn r10_3_chat_capacity_3_takes_three_chats_at_once_not_a_fourth() {
    let mut h = Harness::new(
        vec![chat_group("chat")],
        vec![agent_with("a", capacity(&[(Media::Chat, 3)]))],
    );
    on(&mut h, 1, "a", &[Media::Chat]);
    let mut epochs = Vec::new();
    for (i, call) in ["c1", "c2", "c3"].into_iter().enumerate() {
        let (who, e) = offered(&mut h, 2 + i as u64, call, "chat");
        assert_eq!(who, "a");
        epochs.push(e);
    }
    assert_eq!(chats(&h, "a"), 3);
    h.arrive(6, "c4", "chat");
    assert!(h.offers().is_empty(), "a full agent gets no fourth chat");
    assert!(queued(&h, "c4"));
    for (call, e) in ["c1", "c2", "c3"].into_iter().zip(&epochs) {
        h.answer(7, call, "a", *e);
    }
    // A contact ends: the agent has room again and takes the waiting chat.
    h.hangup(8, "c2");
    assert_eq!(h.offered_to("c4").map(|o| o.0), Some("a".into()));
    assert_eq!(chats(&h, "a"), 3);
}

#[test]
fn r10_3_an_agent_gaining_room_takes_waiting_chats_repeatedly() {
    let mut h = Harness::new(
        vec![chat_group("chat")],
        vec![agent_with("a", capacity(&[(Media::Chat, 3)]))],
    );
    h.arrive(1, "c1", "chat");
    h.arrive(2, "c2", "chat");
    h.arrive(3, "c3", "chat");
    h.arrive(4, "c4", "chat");
    on(&mut h, 5, "a", &[Media::Chat]);
    let offered: Vec<String> = h.offers().into_iter().map(|o| o.0).collect();
    assert_eq!(offered, ["c1", "c2", "c3"], "in line order, up to capacity");
    assert!(queued(&h, "c4"));
}

#[test]
fn r10_3_budget_five_chats_or_one_voice_never_both() {
    let cap = budget_100(10);
    let mut h = Harness::new(
        vec![chat_group("chat"), voice_group("voice")],
        vec![agent_with("a", cap)],
    );
    on(&mut h, 1, "a", &[Media::Voice, Media::Chat]);
    for i in 0..5 {
        let (who, _) = offered(&mut h, 2, &format!("c{i}"), "chat");
        assert_eq!(who, "a");
    }
    assert_eq!(load(&h, "a").budget_used, Some(100));
    h.arrive(3, "c5", "chat");
    assert!(queued(&h, "c5"), "a sixth chat exceeds the budget");
    h.arrive(3, "v1", "voice");
    assert!(queued(&h, "v1"), "no voice while five chats use the budget");
    // The offers lapse one by one as the chats end; the voice call needs
    // the whole budget, and it is first in no line: the chat takes the room.
    h.hangup(4, "c0");
    assert_eq!(h.offered_to("c5").map(|o| o.0), Some("a".into()));
    for i in 1..6 {
        h.hangup(5, &format!("c{i}"));
    }
    assert_eq!(h.offered_to("v1").map(|o| o.0), Some("a".into()));
    assert_eq!(load(&h, "a").budget_used, Some(100));
    h.arrive(6, "c6", "chat");
    assert!(queued(&h, "c6"), "no chat while on a voice call");
}

#[test]
fn r10_3_exclusive_voice_and_chat() {
    let mut cap = capacity(&[(Media::Chat, 3)]);
    cap.exclusive = vec![[Media::Voice, Media::Chat]];
    let mut h = Harness::new(
        vec![chat_group("chat"), voice_group("voice")],
        vec![agent_with("a", cap)],
    );
    on(&mut h, 1, "a", &[Media::Voice, Media::Chat]);
    // Taking a voice call closes chat (cross-media).
    let (_, e) = offered(&mut h, 2, "v1", "voice");
    h.arrive(3, "c1", "chat");
    assert!(queued(&h, "c1"), "no chat while handling voice");
    h.answer(4, "v1", "a", e);
    h.hangup(5, "v1");
    assert_eq!(h.offered_to("c1").map(|o| o.0), Some("a".into()));
    h.arrive(6, "v2", "voice");
    assert!(queued(&h, "v2"), "no voice while handling chat");
    offered(&mut h, 7, "c2", "chat");
    assert_eq!(chats(&h, "a"), 2);
    h.hangup(8, "c1");
    assert!(h.offers().is_empty(), "one chat left: still no voice");
    h.hangup(9, "c2");
    assert_eq!(h.offered_to("v2").map(|o| o.0), Some("a".into()));
}

#[test]
fn r10_3_least_loaded_picks_the_agent_with_fewest_contacts() {
    for (strategy, second) in [(Strategy::LeastLoaded, "b"), (Strategy::LongestIdle, "a")] {
        let mut g = chat_group("chat");
        g.strategy = strategy;
        let mut h = Harness::new(
            vec![g],
            vec![
                agent_with("a", capacity(&[(Media::Chat, 3)])),
                agent_with("b", capacity(&[(Media::Chat, 3)])),
            ],
        );
        on(&mut h, 1, "a", &[Media::Chat]);
        on(&mut h, 2, "b", &[Media::Chat]);
        assert_eq!(offered(&mut h, 3, "c1", "chat").0, "a", "{strategy:?}");
        assert_eq!(offered(&mut h, 4, "c2", "chat").0, second, "{strategy:?}");
        if strategy == Strategy::LeastLoaded {
            // 1 and 1: the longest idle; then the one with fewer again.
            assert_eq!(offered(&mut h, 5, "c3", "chat").0, "a");
            assert_eq!(offered(&mut h, 6, "c4", "chat").0, "b");
            h.hangup(7, "c1");
            assert_eq!(offered(&mut h, 8, "c5", "chat").0, "a");
        }
    }
}

#[test]
fn r10_3_stale_epochs_of_one_contact_do_not_touch_the_others() {
    let mut h = Harness::new(
        vec![chat_group("chat")],
        vec![agent_with("a", capacity(&[(Media::Chat, 2)]))],
    );
    on(&mut h, 1, "a", &[Media::Chat]);
    let (_, e1) = offered(&mut h, 2, "c1", "chat");
    let (_, e2) = offered(&mut h, 3, "c2", "chat");
    assert_ne!(e1, e2, "each contact has its own reservation epoch (R-2.2)");
    let wrong = h.at(
        4,
        Command::Answered {
            call: "c2".into(),
            agent: "a".into(),
            epoch: e1,
        },
    );
    assert!(matches!(wrong, Err(Error::StaleEpoch { .. })), "{wrong:?}");
    assert_eq!(
        contacts(&h, "a", Media::Chat),
        [
            AgentStatus::Reserved {
                call: "c1".into(),
                epoch: e1
            },
            AgentStatus::Reserved {
                call: "c2".into(),
                epoch: e2
            },
        ]
    );
    h.answer(5, "c1", "a", e1);
    let contacts = contacts(&h, "a", Media::Chat);
    assert!(matches!(&contacts[0], AgentStatus::Talking { call, .. } if call.as_str() == "c1"));
    assert!(matches!(&contacts[1], AgentStatus::Reserved { call, .. } if call.as_str() == "c2"));
}

#[test]
fn r10_3_each_contact_has_its_own_ring_timeout_and_clerical() {
    let mut g = chat_group("chat");
    g.ring_time_s = 10;
    g.clerical_s = 30;
    let mut h = Harness::new(
        vec![g],
        vec![agent_with("a", capacity(&[(Media::Chat, 3)]))],
    );
    on(&mut h, 1, "a", &[Media::Chat]);
    let (_, e1) = offered(&mut h, 2, "c1", "chat");
    let (_, _e2) = offered(&mut h, 6, "c2", "chat");
    h.answer(7, "c1", "a", e1);
    h.tick(12);
    assert!(!queued(&h, "c1"), "c1 answered: its ring timer is moot");
    assert_eq!(chats(&h, "a"), 2);
    // c2 rang from 6 s: its own timer ends at 16 s.
    h.tick(16);
    assert!(
        h.has_event(|k| matches!(k, EventKind::CallNoAnswer { call, .. } if call.as_str() == "c2"))
    );
    assert!(queued(&h, "c2"));
    // makes the agent Not Ready on chat; the talking contact goes on.
    let now = contacts(&h, "a", Media::Chat);
    assert!(matches!(&now[0], AgentStatus::Talking { call, .. } if call.as_str() == "c1"));
    assert!(now[1..]
        .iter()
        .all(|s| matches!(s, AgentStatus::NotReady { .. })));
    h.at(
        17,
        Command::Ready {
            agent: "a".into(),
            media: Media::Chat,
        },
    )
    .unwrap();
    // Ready again: the other lanes take c2 while c1 is still talked.
    let (who, e2) = h.offered_to("c2").expect("c2 offered again");
    assert_eq!(who, "a");
    h.answer(18, "c2", "a", e2);
    // c1 ends: clerical for that contact only, with its own timer.
    h.hangup(20, "c1");
    let now = contacts(&h, "a", Media::Chat);
    assert!(matches!(now[0], AgentStatus::Clerical { until } if until == Instant::from_secs(50)));
    // A lane in clerical does not stop the others.
    let (_, e3) = offered(&mut h, 21, "c3", "chat");
    h.answer(22, "c3", "a", e3);
    h.tick(49);
    assert!(matches!(
        contacts(&h, "a", Media::Chat)[0],
        AgentStatus::Clerical { .. }
    ));
    h.tick(50);
    assert_eq!(contacts(&h, "a", Media::Chat)[0], AgentStatus::Ready);
}

#[test]
fn r10_3_not_ready_and_logoff_wait_for_the_last_contact() {
    let mut h = Harness::new(
        vec![chat_group("chat")],
        vec![agent_with("a", capacity(&[(Media::Chat, 3)]))],
    );
    on(&mut h, 1, "a", &[Media::Chat]);
    let (_, e1) = offered(&mut h, 2, "c1", "chat");
    let (_, e2) = offered(&mut h, 2, "c2", "chat");
    h.answer(3, "c1", "a", e1);
    h.answer(3, "c2", "a", e2);
    h.at(
        4,
        Command::NotReady {
            agent: "a".into(),
            reason: "break".into(),
            media: Media::Chat,
        },
    )
    .unwrap();
    h.arrive(5, "c3", "chat");
    assert!(queued(&h, "c3"), "Not Ready asked: no new contact");
    h.hangup(6, "c1");
    assert_eq!(chats(&h, "a"), 1);
    assert!(queued(&h, "c3"));
    h.hangup(7, "c2");
    assert!(contacts(&h, "a", Media::Chat)
        .iter()
        .all(|s| matches!(s, AgentStatus::NotReady { reason } if reason.as_str() == "break")));
    // Logoff while two chats are connected: after the last one.
    h.at(
        8,
        Command::Ready {
            agent: "a".into(),
            media: Media::Chat,
        },
    )
    .unwrap();
    assert_eq!(h.offered_to("c3").map(|o| o.0), Some("a".into()));
    let e3 = h.offered_to("c3").unwrap().1;
    h.answer(9, "c3", "a", e3);
    let (_, e4) = offered(&mut h, 9, "c4", "chat");
    h.answer(9, "c4", "a", e4);
    h.at(
        10,
        Command::Logoff {
            agent: "a".into(),
            reason: None,
        },
    )
    .unwrap();
    h.arrive(10, "c5", "chat");
    assert!(queued(&h, "c5"), "logoff asked: no new contact");
    h.hangup(11, "c3");
    assert!(!h.has_event(|k| matches!(k, EventKind::AgentLoggedOff { .. })));
    h.hangup(12, "c4");
    assert!(h.has_event(|k| matches!(k, EventKind::AgentLoggedOff { .. })));
    assert_eq!(load(&h, "a"), AgentLoad::default());
}

#[test]
fn r10_3_agent_status_shows_the_load_per_media() {
    let cap = budget_100(5);
    let mut h = Harness::new(
        vec![chat_group("chat"), voice_group("voice")],
        vec![agent_with("a", cap), agent("b", &[("voice", 1)])],
    );
    on(&mut h, 1, "a", &[Media::Voice, Media::Chat]);
    on(&mut h, 1, "b", &[Media::Voice]);
    offered(&mut h, 2, "c1", "chat");
    offered(&mut h, 2, "c2", "chat");
    let l = load(&h, "a");
    assert_eq!(l.contacts, [(Media::Chat, 2)].into_iter().collect());
    assert_eq!(
        l.limits,
        [(Media::Voice, 1), (Media::Chat, 5)].into_iter().collect()
    );
    assert_eq!((l.budget_used, l.budget), (Some(40), Some(100)));
    let json = serde_json::to_value(&l).unwrap();
    assert_eq!(json["contacts"]["chat"], 2);
    // The media's status is that of its first busy contact.
    let status = h
        .engine
        .agent_status(&h.tenant, &"a".into(), Media::Chat)
        .unwrap();
    assert!(matches!(status, AgentStatus::Reserved { call, .. } if call.as_str() == "c1"));
    // Without a capacity: one contact per media, no budget.
    let (_, e) = offered(&mut h, 3, "v1", "voice");
    h.answer(3, "v1", "b", e);
    let l = load(&h, "b");
    assert_eq!(l.contacts, [(Media::Voice, 1)].into_iter().collect());
    assert_eq!(l.limits, [(Media::Voice, 1)].into_iter().collect());
    assert_eq!(l.budget, None);
    assert_eq!(contacts(&h, "b", Media::Voice).len(), 1);
}

#[test]
fn r10_3_a_ring_all_group_rings_agents_with_room() {
    let mut g = chat_group("chat");
    g.strategy = Strategy::RingAll;
    let mut h = Harness::new(
        vec![g],
        vec![
            agent_with("a", capacity(&[(Media::Chat, 2)])),
            agent_with("b", capacity(&[(Media::Chat, 1)])),
        ],
    );
    on(&mut h, 1, "a", &[Media::Chat]);
    on(&mut h, 1, "b", &[Media::Chat]);
    h.arrive(2, "c1", "chat");
    assert_eq!(h.offers().len(), 2);
    let (_, ea) = h
        .offers()
        .into_iter()
        .find(|o| o.1 == "a")
        .map(|o| (o.0, o.2))
        .unwrap();
    h.answer(3, "c1", "a", ea);
    // b was released by the answer; a still has room: both ring again.
    h.arrive(4, "c2", "chat");
    let mut who: Vec<String> = h.offers().into_iter().map(|o| o.1).collect();
    who.sort();
    assert_eq!(who, ["a", "b"]);
}

#[test]
fn r10_3_contacts_survive_a_snapshot() {
    let mut g = chat_group("chat");
    g.clerical_s = 10;
    let mut h = Harness::new(
        vec![g],
        vec![agent_with("a", capacity(&[(Media::Chat, 3)]))],
    );
    on(&mut h, 1, "a", &[Media::Chat]);
    let (_, e1) = offered(&mut h, 2, "c1", "chat");
    offered(&mut h, 2, "c2", "chat");
    h.answer(3, "c1", "a", e1);
    h.hangup(4, "c1");
    let before = contacts(&h, "a", Media::Chat);
    let bytes = h.engine.to_snapshot_json().unwrap();
    h.engine = Engine::from_snapshot_json(&bytes).expect("a snapshot with contact lanes loads");
    h.engine.check_invariants().unwrap();
    assert_eq!(contacts(&h, "a", Media::Chat), before);
    // Still filed with room; its clerical timer still fires.
    assert_eq!(offered(&mut h, 5, "c3", "chat").0, "a");
    h.tick(14);
    assert!(matches!(
        contacts(&h, "a", Media::Chat)[0],
        AgentStatus::Ready
    ));
}
