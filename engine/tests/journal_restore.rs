//! phone agents' logon state (extension, ready status) is restored
//! after a restart, per tenant or per agent ("restore", "don't restore",
//! "restore with priority"); priority agents are restored first.

#[path = "journal_support/fixture.rs"]
mod fixture;
#[path = "journal_support/workload.rs"]
mod workload;

use acd_engine::journal::{read_presence, DurableEngine};
use acd_engine::restore::{AgentPresence, Presence, RestoreSkip};
use acd_engine::*;

const T: &str = "acme";

fn at(s: u64) -> Instant {
    Instant::from_secs(s)
}

/// A tenant with agents a1..a5 skilled for group "g" and the given policies.
fn config(tenant_policy: RestorePolicy, agent_policies: &[(&str, RestorePolicy)]) -> EngineConfig {
    let mut tenant = TenantConfig::new(T);
    tenant.restore = tenant_policy;
    tenant.groups.push(GroupConfig::new("g", &["s"]));
    for i in 1..=5 {
        let mut a = AgentConfig::new(format!("a{i}"), &[("s", 1)]);
        a.kind = AgentKind::Phone; // restore is for phone agents
        a.restore = agent_policies
            .iter()
            .find(|(id, _)| *id == a.id.as_str())
            .map(|(_, p)| *p);
        tenant.agents.push(a);
    }
    EngineConfig {
        tenants: vec![tenant],
        ..EngineConfig::default()
    }
}

fn cmd(e: &mut Engine, s: u64, c: Command) {
    e.handle(at(s), &TenantId::new(T), c).unwrap();
}

fn logon(e: &mut Engine, s: u64, agent: &str, ext: &str) {
    let c = Command::Logon {
        agent: agent.into(),
        extension: ext.into(),
        media: vec![],
    };
    cmd(e, s, c);
}

fn ready(e: &mut Engine, s: u64, agent: &str) {
    cmd(
        e,
        s,
        Command::Ready {
            agent: agent.into(),
            media: Media::Voice,
        },
    );
}

fn not_ready(e: &mut Engine, s: u64, agent: &str, reason: &str) {
    let c = Command::NotReady {
        agent: agent.into(),
        reason: reason.into(),
        media: Media::Voice,
    };
    cmd(e, s, c);
}

/// Before the restart: a1 Ready at 2001, a2 Not Ready "BREAK" at 2002,
/// a3 Ready at 2003, a4 talking and going Not Ready "LUNCH" after the call,
/// a5 logged out.
fn before_restart() -> Engine {
    let mut e = Engine::new(config(RestorePolicy::Restore, &[])).unwrap();
    logon(&mut e, 1, "a1", "2001");
    logon(&mut e, 1, "a2", "2002");
    logon(&mut e, 1, "a3", "2003");
    logon(&mut e, 1, "a4", "2004");
    not_ready(&mut e, 2, "a2", "BREAK");
    ready(&mut e, 3, "a4");
    cmd(&mut e, 4, Command::call_arrived(CallSpec::new("c1", "g")));
    let Some(Effect::Offer { agent, epoch, .. }) = e.poll_effect() else {
        panic!("no offer")
    };
    assert_eq!(agent.as_str(), "a4");
    cmd(
        &mut e,
        5,
        Command::Answered {
            call: "c1".into(),
            agent,
            epoch,
        },
    );
    not_ready(&mut e, 6, "a4", "LUNCH");
    ready(&mut e, 7, "a1");
    ready(&mut e, 7, "a3");
    e
}

fn presence_of(agent: &str, ext: &str, not_ready: Option<&str>) -> AgentPresence {
    AgentPresence {
        tenant: TenantId::new(T),
        agent: agent.into(),
        extension: ext.into(),
        not_ready: not_ready.map(ReasonCode::new),
    }
}

fn status(e: &Engine, agent: &str) -> AgentStatus {
    e.agent_status(&TenantId::new(T), &agent.into(), Media::Voice)
        .unwrap()
}

/// Agents logged on, with extensions, in event order.
fn logons(e: &mut Engine) -> Vec<(String, String)> {
    e.drain_events()
        .filter_map(|ev| match ev.kind {
            EventKind::AgentLoggedOn { agent, extension } => {
                Some((agent.to_string(), extension.to_string()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn presence_captures_extension_and_ready_status_of_logged_on_agents() {
    let p = before_restart().presence();
    assert_eq!(
        p.agents,
        vec![
            presence_of("a1", "2001", None),
            presence_of("a2", "2002", Some("BREAK")),
            presence_of("a3", "2003", None),
            // Busy: the status it returns to after the call.
            presence_of("a4", "2004", Some("LUNCH")),
        ]
    );
}

#[test]
fn a_deferred_logoff_is_not_restored() {
    let mut e = before_restart();
    cmd(
        &mut e,
        8,
        Command::Logoff {
            agent: "a4".into(),
            reason: None,
        },
    );
    assert!(e.presence().agents.iter().all(|p| p.agent.as_str() != "a4"));
}

#[test]
fn restore_logs_agents_on_with_extension_and_ready_status() {
    let p = before_restart().presence();
    let mut e = Engine::new(config(RestorePolicy::Restore, &[])).unwrap();
    let report = e.restore_presence(at(100), &p);
    assert_eq!(report.restored, ["a1", "a2", "a3", "a4"].map(AgentId::new));
    assert!(report.skipped.is_empty() && report.status_refused.is_empty());
    assert_eq!(status(&e, "a1"), AgentStatus::Ready);
    assert_eq!(
        status(&e, "a2"),
        AgentStatus::NotReady {
            reason: "BREAK".into()
        }
    );
    assert_eq!(status(&e, "a3"), AgentStatus::Ready);
    assert_eq!(
        status(&e, "a4"),
        AgentStatus::NotReady {
            reason: "LUNCH".into()
        }
    );
    assert_eq!(status(&e, "a5"), AgentStatus::LoggedOut);
    let exts: Vec<_> = logons(&mut e);
    assert_eq!(exts[0], ("a1".to_string(), "2001".to_string()));
    assert_eq!(exts[3], ("a4".to_string(), "2004".to_string()));
    e.check_invariants().unwrap();
    // The restored extension is the one calls are offered to.
    cmd(&mut e, 101, Command::call_arrived(CallSpec::new("c9", "g")));
    match e.poll_effect() {
        Some(Effect::Offer {
            agent, extension, ..
        }) => {
            assert_eq!((agent.as_str(), extension.as_str()), ("a1", "2001"))
        }
        other => panic!("expected an offer, got {other:?}"),
    }
}

#[test]
fn dont_restore_leaves_agents_logged_out() {
    let p = before_restart().presence();
    let mut e = Engine::new(config(RestorePolicy::DontRestore, &[])).unwrap();
    let report = e.restore_presence(at(100), &p);
    assert!(report.restored.is_empty());
    assert_eq!(report.skipped.len(), 4);
    assert!(report
        .skipped
        .iter()
        .all(|(_, why)| *why == RestoreSkip::Policy));
    for a in ["a1", "a2", "a3", "a4"] {
        assert_eq!(status(&e, a), AgentStatus::LoggedOut);
    }
    assert!(logons(&mut e).is_empty());
}

#[test]
fn an_agent_policy_overrides_the_tenant_policy() {
    let p = before_restart().presence();
    let agents = [("a1", RestorePolicy::DontRestore)];
    let mut e = Engine::new(config(RestorePolicy::Restore, &agents)).unwrap();
    let report = e.restore_presence(at(100), &p);
    assert_eq!(
        report.skipped,
        vec![(AgentId::new("a1"), RestoreSkip::Policy)]
    );
    assert_eq!(status(&e, "a1"), AgentStatus::LoggedOut);
    assert_eq!(status(&e, "a3"), AgentStatus::Ready);

    let agents = [("a3", RestorePolicy::Restore)];
    let mut e = Engine::new(config(RestorePolicy::DontRestore, &agents)).unwrap();
    let report = e.restore_presence(at(100), &p);
    assert_eq!(report.restored, vec![AgentId::new("a3")]);
    assert_eq!(status(&e, "a3"), AgentStatus::Ready);
    assert_eq!(status(&e, "a1"), AgentStatus::LoggedOut);
}

#[test]
fn priority_agents_are_restored_first() {
    let p = before_restart().presence();
    let agents = [
        ("a3", RestorePolicy::RestoreWithPriority),
        ("a4", RestorePolicy::RestoreWithPriority),
    ];
    let mut e = Engine::new(config(RestorePolicy::Restore, &agents)).unwrap();
    let report = e.restore_presence(at(100), &p);
    assert_eq!(report.restored, ["a3", "a4", "a1", "a2"].map(AgentId::new));
    let order: Vec<String> = logons(&mut e).into_iter().map(|(a, _)| a).collect();
    assert_eq!(order, ["a3", "a4", "a1", "a2"]);
}

#[test]
fn restore_events_carry_the_restore_cause() {
    let p = before_restart().presence();
    let mut e = Engine::new(config(RestorePolicy::Restore, &[])).unwrap();
    e.restore_presence(at(100), &p);
    let causes: Vec<Cause> = e
        .drain_events()
        .filter_map(|ev| match ev.kind {
            EventKind::AgentState { cause, .. } => Some(cause),
            _ => None,
        })
        .collect();
    assert!(!causes.is_empty());
    assert!(causes.iter().all(|c| *c == Cause::Restore), "{causes:?}");
}

#[test]
fn maintenance_mode_refuses_the_restore() {
    // applies to restored logons too.
    let p = before_restart().presence();
    let mut c = config(RestorePolicy::Restore, &[]);
    c.tenants[0].maintenance = true;
    let mut e = Engine::new(c).unwrap();
    let report = e.restore_presence(at(100), &p);
    assert!(report.restored.is_empty());
    assert!(matches!(
        report.skipped[0],
        (_, RestoreSkip::Refused(Error::Maintenance(_)))
    ));
    assert_eq!(status(&e, "a1"), AgentStatus::LoggedOut);
}

#[test]
fn unknown_agents_are_skipped_not_fatal() {
    let mut p = before_restart().presence();
    p.agents.insert(0, presence_of("ghost", "2999", None));
    let mut e = Engine::new(config(RestorePolicy::Restore, &[])).unwrap();
    let report = e.restore_presence(at(100), &p);
    assert!(matches!(
        report.skipped[0],
        (_, RestoreSkip::Refused(Error::UnknownAgent(_)))
    ));
    assert_eq!(report.restored.len(), 4);
}

#[test]
fn a_journal_reset_keeps_agents_logged_on_and_the_restore_is_journaled() {
    // The old journal: agents logged on through a DurableEngine.
    let old = tempfile::tempdir().unwrap();
    let opts = fixture::options(Some(3));
    let (mut d, _) =
        DurableEngine::open(old.path(), config(RestorePolicy::Restore, &[]), opts).unwrap();
    let t = TenantId::new(T);
    let logon = |a: &str, e: &str| Command::Logon {
        agent: a.into(),
        extension: e.into(),
        media: vec![],
    };
    d.handle(at(1), &t, logon("a1", "2001")).unwrap();
    d.handle(at(1), &t, logon("a2", "2002")).unwrap();
    d.handle(
        at(2),
        &t,
        Command::Ready {
            agent: "a2".into(),
            media: Media::Voice,
        },
    )
    .unwrap();
    d.handle(at(3), &t, logon("a5", "2005")).unwrap(); // after the snapshot at 3
    drop(d);
    let (presence, covered) = read_presence(old.path()).unwrap();
    assert_eq!(covered, 4);
    let want = Presence {
        agents: vec![
            presence_of("a1", "2001", Some("LOGON")),
            presence_of("a2", "2002", None),
            presence_of("a5", "2005", Some("LOGON")),
        ],
    };
    assert_eq!(presence, want);

    // A fresh journal with a new configuration (a5 no longer restored).
    let new = tempfile::tempdir().unwrap();
    let cfg = config(
        RestorePolicy::Restore,
        &[("a5", RestorePolicy::DontRestore)],
    );
    let (mut d, _) = DurableEngine::open(new.path(), cfg.clone(), opts).unwrap();
    let report = d.restore_presence(at(50), &presence).unwrap();
    assert_eq!(report.restored, ["a1", "a2"].map(AgentId::new));
    drop(d);
    let (d, _) = DurableEngine::open(new.path(), cfg, opts).unwrap();
    assert_eq!(status(d.engine(), "a2"), AgentStatus::Ready);
    assert_eq!(
        status(d.engine(), "a1"),
        AgentStatus::NotReady {
            reason: "LOGON".into()
        }
    );
    assert_eq!(status(d.engine(), "a5"), AgentStatus::LoggedOut);
}

#[test]
fn presence_survives_a_damaged_journal_tail_from_the_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let opts = fixture::options(Some(2));
    let (mut d, _) =
        DurableEngine::open(dir.path(), config(RestorePolicy::Restore, &[]), opts).unwrap();
    let t = TenantId::new(T);
    for (i, a) in ["a1", "a2", "a3", "a4"].iter().enumerate() {
        let c = Command::Logon {
            agent: (*a).into(),
            extension: format!("20{i}").into(),
            media: vec![],
        };
        d.handle(at(1), &t, c).unwrap();
    }
    drop(d); // snapshot at 4, journal empty after it
    let (mut d, _) = DurableEngine::open(
        dir.path(),
        config(RestorePolicy::Restore, &[]),
        fixture::options(None),
    )
    .unwrap();
    d.handle(
        at(2),
        &t,
        Command::Ready {
            agent: "a1".into(),
            media: Media::Voice,
        },
    )
    .unwrap();
    d.handle(
        at(3),
        &t,
        Command::Ready {
            agent: "a2".into(),
            media: Media::Voice,
        },
    )
    .unwrap();
    drop(d);
    // Damage the first record after the snapshot: recovery refuses it...
    let seg = fixture::last_segment(dir.path());
    let first = fixture::frame_offsets(&seg)[0];
    fixture::poke(&seg, first + 20, |b| b ^ 1);
    assert!(DurableEngine::open(
        dir.path(),
        config(RestorePolicy::Restore, &[]),
        fixture::options(None)
    )
    .is_err());
    // ...but the presence of the snapshot is still there to restore from.
    let (presence, covered) = read_presence(dir.path()).unwrap();
    assert_eq!(covered, 4);
    assert_eq!(presence.agents.len(), 4);
    assert!(presence.agents.iter().all(|p| p.not_ready.is_some()));
}
