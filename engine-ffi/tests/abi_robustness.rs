//! Property tests across the C ABI: arbitrary text in place of JSON, and
//! random command sequences (including stale epochs, unknown ids and wrong
//! tenants), never panic, never poison the handle, and leave the engine
//! consistent. Every result is one of the documented codes.

use acd::*;
use proptest::prelude::*;
use std::ffi::{c_char, CStr, CString};
use std::ptr;

const CONFIG: &str = r#"{"tenants":[
  {"id":"acme","groups":[
     {"id":"support","clerical_s":2,"ring_time_s":10,"skills":[{"skill":"support","min_level":1}]},
     {"id":"sales","strategy":"round_robin","max_queue_len":2,"overflow":{"group":"support"},"skills":[{"skill":"sales","min_level":3}]}],
   "agents":[{"id":"alice","skills":{"support":5,"sales":4}},
             {"id":"bob","skills":{"support":2}},
             {"id":"carol","skills":{"sales":9}}]},
  {"id":"globex","groups":[{"id":"help"}],"agents":[{"id":"dave","skills":{"help":1}}]}]}"#;

fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', "")).unwrap()
}

fn assert_documented(rc: acd_result) {
    let name = unsafe { CStr::from_ptr(acd_result_name(rc as u32)) };
    assert_ne!(name.to_str().unwrap(), "ACD_RESULT_UNKNOWN_CODE");
    assert_ne!(rc, acd_result::Panic, "{}", last_error());
    assert_ne!(rc, acd_result::Poisoned);
}

fn last_error() -> String {
    unsafe { CStr::from_ptr(acd_last_error_message()) }
        .to_string_lossy()
        .into_owned()
}

/// One step of a random session.
#[derive(Debug, Clone)]
enum Step {
    /// A command as JSON, for a tenant.
    Command(&'static str, String),
    /// Answer (or report) the most recent offer, maybe with a wrong epoch.
    ReportOffer(&'static str, u64),
    /// Jump the clock and fire timers.
    Timeout,
}

fn step() -> impl Strategy<Value = Step> {
    let agent = prop::sample::select(vec!["alice", "bob", "carol", "dave", "zed"]);
    let call = prop::sample::select(vec!["c1", "c2", "c3", "c4"]);
    let group = prop::sample::select(vec!["support", "sales", "help", "nope"]);
    let tenant = prop::sample::select(vec!["acme", "acme", "acme", "globex"]);
    let cmd = (agent, call, group, 0u64..6).prop_map(|(a, c, g, e)| {
        vec![
            format!(r#"{{"type":"logon","agent":"{a}","extension":"x{a}"}}"#),
            format!(r#"{{"type":"ready","agent":"{a}"}}"#),
            format!(r#"{{"type":"not_ready","agent":"{a}","reason":"break"}}"#),
            format!(r#"{{"type":"logoff","agent":"{a}"}}"#),
            format!(r#"{{"type":"call_arrived","id":"{c}","group":"{g}"}}"#),
            format!(r#"{{"type":"answered","call":"{c}","agent":"{a}","epoch":{e}}}"#),
            format!(r#"{{"type":"hangup","call":"{c}"}}"#),
            format!(r#"{{"type":"hold","call":"{c}"}}"#),
            format!(r#"{{"type":"retrieve","call":"{c}"}}"#),
            format!(r#"{{"type":"transfer","call":"{c}","to_agent":"{a}"}}"#),
        ]
    });
    prop_oneof![
        6 => (tenant, cmd, 0usize..10).prop_map(|(t, cmds, i)| Step::Command(t, cmds[i].clone())),
        2 => (prop::sample::select(vec!["alerting", "answered", "rejected"]), 0u64..2)
            .prop_map(|(k, skew)| Step::ReportOffer(k, skew)),
        1 => Just(Step::Timeout),
    ]
}

/// Takes every pending effect; returns the last offer's (call, agent, epoch).
fn drain_offers(e: *mut acd_engine, last: &mut Option<(String, String, u64)>) {
    let mut fx = std::mem::MaybeUninit::<acd_effect>::uninit();
    loop {
        let rc = unsafe { acd_engine_poll_effect(e, fx.as_mut_ptr()) };
        assert_documented(rc);
        if rc != acd_result::Ok {
            assert_eq!(rc, acd_result::None);
            return;
        }
        let fx = unsafe { fx.assume_init_ref() };
        if fx.kind == acd_effect_kind::Offer {
            let s = |p: *const c_char| unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string();
            *last = Some((s(fx.call), s(fx.agent), fx.epoch));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_is_never_a_crash(text in ".{0,200}", bytes in prop::collection::vec(1u8.., 0..64)) {
        let mut e = ptr::null_mut();
        let rc = unsafe { acd_engine_new(cstring(&text).as_ptr(), &mut e) };
        assert_documented(rc);
        if rc == acd_result::Ok { unsafe { acd_engine_free(e) }; }
        let raw = CString::new(bytes).unwrap();
        let rc = unsafe { acd_engine_new(raw.as_ptr(), &mut e) };
        assert_documented(rc);
        if rc == acd_result::Ok { unsafe { acd_engine_free(e) }; }

        let mut e = ptr::null_mut();
        prop_assert_eq!(unsafe { acd_engine_new(cstring(CONFIG).as_ptr(), &mut e) }, acd_result::Ok);
        let rc = unsafe { acd_engine_handle_json(e, 0, c"acme".as_ptr(), cstring(&text).as_ptr()) };
        assert_documented(rc);
        let rc = unsafe { acd_engine_handle_json(e, 0, raw.as_ptr(), c"{}".as_ptr()) };
        assert_documented(rc);
        prop_assert_eq!(unsafe { acd_engine_check_invariants(e) }, acd_result::Ok);
        unsafe { acd_engine_free(e) };
    }

    #[test]
    fn random_sessions_keep_the_engine_consistent(steps in prop::collection::vec(step(), 1..60)) {
        let mut e = ptr::null_mut();
        prop_assert_eq!(unsafe { acd_engine_new(cstring(CONFIG).as_ptr(), &mut e) }, acd_result::Ok);
        let mut now = 0u64;
        let mut offer = None;
        for step in steps {
            now += 700;
            let rc = match &step {
                Step::Command(tenant, json) => unsafe {
                    acd_engine_handle_json(e, now, cstring(tenant).as_ptr(), cstring(json).as_ptr())
                },
                Step::ReportOffer(kind, skew) => match &offer {
                    Some((call, agent, epoch)) => {
                        let json = format!(
                            r#"{{"type":"{kind}","call":"{call}","agent":"{agent}","epoch":{}}}"#,
                            epoch + skew
                        );
                        unsafe { acd_engine_handle_json(e, now, c"acme".as_ptr(), cstring(&json).as_ptr()) }
                    }
                    None => acd_result::Ok,
                },
                Step::Timeout => {
                    let mut at = 0u64;
                    let rc = unsafe { acd_engine_poll_timeout(e, &mut at) };
                    assert_documented(rc);
                    if rc == acd_result::Ok { now = now.max(at); }
                    unsafe { acd_engine_handle_timeout(e, now) }
                }
            };
            assert_documented(rc);
            drain_offers(e, &mut offer);
            let rc = unsafe { acd_engine_check_invariants(e) };
            prop_assert_eq!(rc, acd_result::Ok, "after {:?}: {}", step, last_error());
        }
        let mut len = 0usize;
        assert_documented(unsafe { acd_engine_drain_events_jsonl(e, ptr::null_mut(), 0, &mut len) });
        unsafe { acd_engine_free(e) };
    }
}

#[test]
fn separate_handles_work_in_parallel_with_per_thread_errors() {
    // The documented model: one handle per thread. Each thread sees only
    // its own last error.
    let workers: Vec<_> = ["alice", "bob"]
        .into_iter()
        .map(|agent| {
            std::thread::spawn(move || {
                let mut e = ptr::null_mut();
                assert_eq!(
                    unsafe { acd_engine_new(cstring(CONFIG).as_ptr(), &mut e) },
                    acd_result::Ok
                );
                for i in 0..200u64 {
                    let rc = unsafe {
                        acd_engine_handle_json(
                            e,
                            i,
                            c"acme".as_ptr(),
                            cstring(&format!(r#"{{"type":"ready","agent":"{agent}"}}"#)).as_ptr(),
                        )
                    };
                    assert_eq!(rc, acd_result::AgentState);
                    assert!(last_error().contains(agent), "{}", last_error());
                }
                unsafe { acd_engine_free(e) };
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
}
