//! Overflow between groups of different media.
//!
//! Found by the `trace_parse` fuzz target (issue 8): an e-mail group that
//! overflows to a voice group hands its e-mail call to the voice group's
//! ready index, and the call is offered to a voice-Ready agent *on the
//! agent's e-mail channel*, which is logged out. The channel goes from
//! LoggedOut straight to Reserved, and the engine's own invariant check
//! fails ("group mail logged_on 0 but 1 agents").
//!
//! Minimal sequence: group `voice` (voice, any agent), group `mail`
//! (e-mail, overflow to group `voice`); agent a logs on (voice only) and is
//! Ready; an e-mail call arrives in `mail`. `mail` has nobody logged on, so
//! it is closed and the call overflows to `voice`, where it is
//! offered to a on a's e-mail channel.
//!
//! Expected: either configuration validation refuses an overflow (or stage
//! overflow) to a group of another media, or such a destination is treated
//! as unusable at run time (the call stays, as for a missing group); in no
//! case is a logged-out channel reserved.

use acd_engine::*;

#[test]
fn overflow_to_a_group_of_another_media_never_reserves_a_logged_out_channel() {
    let voice = GroupConfig::new("voice", &[]);
    let mut mail = GroupConfig::new("mail", &[]);
    mail.media = Media::Email;
    mail.overflow = Some(Destination::Group("voice".into()));
    let mut tenant = TenantConfig::new("t");
    tenant.groups = vec![voice, mail];
    tenant.agents = vec![AgentConfig::new("a", &[])];
    let config = EngineConfig {
        tenants: vec![tenant],
        ..EngineConfig::default()
    };
    let Ok(mut engine) = Engine::new(config) else {
        return; // refusing the configuration is one acceptable fix
    };
    let t = TenantId::new("t");
    let logon = Command::Logon {
        agent: "a".into(),
        extension: "1".into(),
        media: vec![],
    };
    engine
        .handle(Instant::from_secs(0), &t, logon)
        .expect("logon");
    let ready = Command::Ready {
        agent: "a".into(),
        media: Media::Voice,
    };
    engine
        .handle(Instant::from_secs(0), &t, ready)
        .expect("ready");
    let arrive = Command::call_arrived(CallSpec::new("m1", "mail"));
    let _ = engine.handle(Instant::from_secs(1), &t, arrive);
    assert_eq!(
        engine.agent_status(&t, &"a".into(), Media::Email),
        Ok(AgentStatus::LoggedOut),
        "a never logged on e-mail"
    );
    engine.check_invariants().expect("invariants hold");
}
