//! Error paths of the C ABI, called as C would call them: NULL pointers,
//! invalid UTF-8, bad JSON, bad handles, too-small buffers and engine
//! refusals each come back as their documented code, never as a crash.

use acd::*;
use std::ffi::{c_char, CStr, CString};
use std::ptr;

const CONFIG: &str = r#"{"tenants":[{"id":"acme",
    "groups":[{"id":"support","skills":[{"skill":"support","min_level":1}]}],
    "agents":[{"id":"alice","skills":{"support":5}}]}]}"#;

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

fn last_error() -> String {
    unsafe { CStr::from_ptr(acd_last_error_message()) }
        .to_str()
        .unwrap()
        .to_string()
}

fn new_engine() -> *mut acd_engine {
    let mut e = ptr::null_mut();
    let rc = unsafe { acd_engine_new(c(CONFIG).as_ptr(), &mut e) };
    assert_eq!(rc, acd_result::Ok, "{}", last_error());
    assert!(!e.is_null());
    e
}

#[test]
fn new_rejects_null_arguments() {
    let mut e = ptr::null_mut();
    let rc = unsafe { acd_engine_new(ptr::null(), &mut e) };
    assert_eq!(rc, acd_result::NullPointer);
    assert_eq!(last_error(), "config_json is NULL");
    assert!(e.is_null(), "out must be untouched on failure");
    let rc = unsafe { acd_engine_new(c(CONFIG).as_ptr(), ptr::null_mut()) };
    assert_eq!(rc, acd_result::NullPointer);
    assert_eq!(last_error(), "out is NULL");
}

#[test]
fn new_rejects_invalid_utf8_bad_json_and_invalid_config() {
    let mut e = ptr::null_mut();
    let bad_utf8: [u8; 4] = [b'{', 0xC3, b'}', 0];
    let rc = unsafe { acd_engine_new(bad_utf8.as_ptr().cast(), &mut e) };
    assert_eq!(rc, acd_result::InvalidUtf8);
    let rc = unsafe { acd_engine_new(c("{not json").as_ptr(), &mut e) };
    assert_eq!(rc, acd_result::InvalidJson);
    assert!(last_error().starts_with("config_json:"), "{}", last_error());
    let rc = unsafe { acd_engine_new(c(r#"{"tenants":[],"bogus":1}"#).as_ptr(), &mut e) };
    assert_eq!(rc, acd_result::InvalidJson, "unknown fields are refused");
    // Parses, but breaks R-2.4 (a reservation must have a deadline).
    let rc = unsafe { acd_engine_new(c(r#"{"max_reservation_ms":0}"#).as_ptr(), &mut e) };
    assert_eq!(rc, acd_result::Config);
    assert!(
        last_error().contains("max_reservation_ms"),
        "{}",
        last_error()
    );
    assert!(e.is_null());
}

#[test]
fn null_handle_is_reported_everywhere() {
    let e: *mut acd_engine = ptr::null_mut();
    let t = c("acme");
    let mut len = 0usize;
    let mut buf = [0 as c_char; 64];
    let mut deadline = 0u64;
    unsafe {
        assert_eq!(
            acd_engine_handle_json(e, 0, t.as_ptr(), c("{}").as_ptr()),
            acd_result::NullPointer
        );
        assert_eq!(
            acd_engine_ready(e, 0, t.as_ptr(), t.as_ptr()),
            acd_result::NullPointer
        );
        assert_eq!(acd_engine_handle_timeout(e, 0), acd_result::NullPointer);
        assert_eq!(
            acd_engine_poll_timeout(e, &mut deadline),
            acd_result::NullPointer
        );
        assert_eq!(
            acd_engine_poll_effect_json(e, buf.as_mut_ptr(), buf.len(), &mut len),
            acd_result::NullPointer
        );
        assert_eq!(last_error(), "engine is NULL");
        acd_engine_free(e); // a no-op
    }
}

#[test]
fn a_pointer_to_something_else_is_a_bad_handle() {
    // Eight u64 words of zeros: aligned, readable, but no live tag.
    let mut fake = [0u64; 8];
    let e = fake.as_mut_ptr().cast::<acd_engine>();
    let rc = unsafe { acd_engine_handle_timeout(e, 0) };
    assert_eq!(rc, acd_result::BadHandle);
    assert!(
        last_error().contains("not an acd_engine handle"),
        "{}",
        last_error()
    );
    unsafe { acd_engine_free(e) }; // refused, not freed: `fake` is on the stack
    assert_eq!(last_error(), "bad engine handle: not an acd_engine handle");
    // Misaligned pointer.
    let odd = unsafe { fake.as_mut_ptr().cast::<u8>().add(1) }.cast::<acd_engine>();
    assert_eq!(
        unsafe { acd_engine_handle_timeout(odd, 0) },
        acd_result::BadHandle
    );
    assert!(last_error().contains("misaligned"));
}

#[test]
fn command_arguments_are_checked() {
    let e = new_engine();
    let t = c("acme");
    unsafe {
        assert_eq!(
            acd_engine_handle_json(e, 0, t.as_ptr(), ptr::null()),
            acd_result::NullPointer
        );
        assert_eq!(
            acd_engine_handle_json(e, 0, ptr::null(), c("{}").as_ptr()),
            acd_result::NullPointer
        );
        assert_eq!(last_error(), "tenant is NULL");
        let cmd = c(r#"{"type":"teleport","agent":"alice"}"#);
        assert_eq!(
            acd_engine_handle_json(e, 0, t.as_ptr(), cmd.as_ptr()),
            acd_result::InvalidJson
        );
        let bad: [u8; 3] = [b'a', 0xFF, 0];
        assert_eq!(
            acd_engine_logon(e, 0, t.as_ptr(), bad.as_ptr().cast(), c("2001").as_ptr()),
            acd_result::InvalidUtf8
        );
        assert_eq!(
            last_error(),
            "agent is not valid UTF-8: invalid utf-8 sequence of 1 bytes from index 1"
        );
        assert_eq!(
            acd_engine_logon(e, 0, t.as_ptr(), c("alice").as_ptr(), ptr::null()),
            acd_result::NullPointer
        );
        acd_engine_free(e);
    }
}

#[test]
fn engine_refusals_keep_their_own_codes() {
    let e = new_engine();
    let ready = c(r#"{"type":"ready","agent":"alice"}"#);
    unsafe {
        // R-1.1: an unknown tenant is refused before anything happens.
        assert_eq!(
            acd_engine_handle_json(e, 0, c("globex").as_ptr(), ready.as_ptr()),
            acd_result::UnknownTenant
        );
        assert_eq!(last_error(), "unknown tenant globex");
        assert_eq!(acd_engine_handle_timeout(e, 5_000), acd_result::Ok);
        assert_eq!(last_error(), "", "success clears the last error");
        assert_eq!(
            acd_engine_handle_json(e, 1_000, c("acme").as_ptr(), ready.as_ptr()),
            acd_result::TimeWentBackwards
        );
        let mut now = 0u64;
        assert_eq!(acd_engine_now(e, &mut now), acd_result::Ok);
        assert_eq!(now, 5_000);
        let mut n = 0usize;
        assert_eq!(
            acd_engine_queue_len(e, c("acme").as_ptr(), c("nope").as_ptr(), &mut n),
            acd_result::UnknownGroup
        );
        assert_eq!(
            acd_engine_queue_len(e, c("acme").as_ptr(), c("support").as_ptr(), &mut n),
            acd_result::Ok
        );
        assert_eq!(n, 0);
        assert_eq!(acd_engine_live_calls(e, &mut n), acd_result::Ok);
        assert_eq!(n, 0);
        assert_eq!(
            acd_engine_live_calls(e, ptr::null_mut()),
            acd_result::NullPointer
        );
        let mut buf = [0 as c_char; 32];
        let mut len = 0usize;
        assert_eq!(
            acd_engine_tenants_json(e, buf.as_mut_ptr(), buf.len(), &mut len),
            acd_result::Ok
        );
        assert_eq!(
            CStr::from_ptr(buf.as_ptr()).to_str().unwrap(),
            r#"["acme"]"#
        );
        acd_engine_free(e);
    }
}

#[test]
fn query_buffers_and_media_names_are_checked() {
    let e = new_engine();
    let (acme, alice) = (c("acme"), c("alice"));
    let mut buf = [0 as c_char; 256];
    let mut len = 0usize;
    unsafe {
        let rc = acd_engine_agent_status_json(
            e,
            acme.as_ptr(),
            alice.as_ptr(),
            c("fax").as_ptr(),
            buf.as_mut_ptr(),
            buf.len(),
            &mut len,
        );
        assert_eq!(rc, acd_result::InvalidArgument);
        assert!(last_error().contains("unknown media \"fax\""));
        let rc = acd_engine_agent_status_json(
            e,
            acme.as_ptr(),
            alice.as_ptr(),
            ptr::null(),
            buf.as_mut_ptr(),
            buf.len(),
            &mut len,
        );
        assert_eq!(rc, acd_result::Ok, "{}", last_error());
        let text = CStr::from_ptr(buf.as_ptr()).to_str().unwrap();
        // The state, and the agent's load per media (R-10.3).
        assert_eq!(
            text,
            r#"{"state":"logged_out","load":{"contacts":{},"limits":{}}}"#
        );
        assert_eq!(len, text.len());
        // Too small by one byte (no room for the NUL): refused, length reported.
        let rc = acd_engine_agent_status_json(
            e,
            acme.as_ptr(),
            alice.as_ptr(),
            ptr::null(),
            buf.as_mut_ptr(),
            text.len(),
            &mut len,
        );
        assert_eq!(rc, acd_result::BufferTooSmall);
        assert_eq!(len, text.len());
        // Size query.
        let rc = acd_engine_group_stats_json(
            e,
            acme.as_ptr(),
            c("support").as_ptr(),
            ptr::null_mut(),
            0,
            &mut len,
        );
        assert_eq!(rc, acd_result::BufferTooSmall);
        assert!(len > 10);
        let rc = acd_engine_group_stats_json(
            e,
            acme.as_ptr(),
            c("support").as_ptr(),
            buf.as_mut_ptr(),
            buf.len(),
            ptr::null_mut(),
        );
        assert_eq!(rc, acd_result::NullPointer);
        acd_engine_free(e);
    }
}

#[test]
fn empty_queues_and_timers_say_none() {
    let e = new_engine();
    let mut buf = [0 as c_char; 64];
    let mut len = 99usize;
    let mut deadline = 7u64;
    unsafe {
        assert_eq!(
            acd_engine_poll_effect_json(e, buf.as_mut_ptr(), buf.len(), &mut len),
            acd_result::None
        );
        assert_eq!(
            acd_engine_poll_event_json(e, buf.as_mut_ptr(), buf.len(), &mut len),
            acd_result::None
        );
        let mut effect = std::mem::MaybeUninit::<acd_effect>::uninit();
        assert_eq!(
            acd_engine_poll_effect(e, effect.as_mut_ptr()),
            acd_result::None
        );
        assert_eq!(
            acd_engine_poll_effect(e, ptr::null_mut()),
            acd_result::NullPointer
        );
        assert_eq!(acd_engine_poll_timeout(e, &mut deadline), acd_result::None);
        assert_eq!(deadline, 7, "untouched when no timer is pending");
        assert_eq!(
            acd_engine_poll_timeout(e, ptr::null_mut()),
            acd_result::NullPointer
        );
        // Draining nothing writes an empty string.
        assert_eq!(
            acd_engine_drain_events_jsonl(e, buf.as_mut_ptr(), buf.len(), &mut len),
            acd_result::Ok
        );
        assert_eq!(len, 0);
        assert_eq!(buf[0], 0);
        acd_engine_free(e);
    }
}

#[test]
fn save_and_load_round_trip_and_bad_snapshots_are_refused() {
    let e = new_engine();
    let mut len = 0usize;
    unsafe {
        assert_eq!(
            acd_engine_save_json(e, ptr::null_mut(), 0, &mut len),
            acd_result::BufferTooSmall
        );
        let mut buf = vec![0 as c_char; len + 1];
        assert_eq!(
            acd_engine_save_json(e, buf.as_mut_ptr(), buf.len(), &mut len),
            acd_result::Ok
        );
        let mut back = ptr::null_mut();
        assert_eq!(
            acd_engine_load_json(buf.as_ptr(), &mut back),
            acd_result::Ok,
            "{}",
            last_error()
        );
        assert_eq!(acd_engine_check_invariants(back), acd_result::Ok);
        let mut n = 1usize;
        assert_eq!(
            acd_engine_queue_len(back, c("acme").as_ptr(), c("support").as_ptr(), &mut n),
            acd_result::Ok
        );
        assert_eq!(n, 0);
        acd_engine_free(back);
        let mut none = ptr::null_mut();
        assert_eq!(
            acd_engine_load_json(c("{\"agents\":").as_ptr(), &mut none),
            acd_result::InvalidJson,
            "not JSON"
        );
        assert_eq!(
            acd_engine_load_json(c("[1,2]").as_ptr(), &mut none),
            acd_result::Inconsistent,
            "JSON, but not an engine state"
        );
        assert!(none.is_null());
        acd_engine_free(e);
    }
}

#[test]
fn result_names_cover_the_codes() {
    let name = |code: acd_result| {
        unsafe { CStr::from_ptr(acd_result_name(code as u32)) }
            .to_str()
            .unwrap()
    };
    assert_eq!(
        name(acd_result::BufferTooSmall),
        "ACD_RESULT_BUFFER_TOO_SMALL"
    );
    assert_eq!(name(acd_result::StaleEpoch), "ACD_RESULT_STALE_EPOCH");
    let version = unsafe { CStr::from_ptr(acd_version()) }.to_str().unwrap();
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
}

#[test]
fn a_corrupted_snapshot_is_inconsistent_not_a_panic() {
    let e = new_engine();
    let mut len = 0usize;
    let saved = unsafe {
        acd_engine_logon(
            e,
            1,
            c("acme").as_ptr(),
            c("alice").as_ptr(),
            c("2001").as_ptr(),
        );
        acd_engine_save_json(e, ptr::null_mut(), 0, &mut len);
        let mut buf = vec![0 as c_char; len + 1];
        assert_eq!(
            acd_engine_save_json(e, buf.as_mut_ptr(), buf.len(), &mut len),
            acd_result::Ok
        );
        acd_engine_free(e);
        CStr::from_ptr(buf.as_ptr()).to_str().unwrap().to_string()
    };
    // Point the tenant's group list at a group slot that does not exist.
    let mut state: serde_json::Value = serde_json::from_str(&saved).unwrap();
    let groups = state
        .pointer_mut("/engine/tenants/0/groups/0")
        .expect("saved layout has engine/tenants/0/groups/0");
    *groups = serde_json::json!(7);
    let mut back = ptr::null_mut();
    let text = c(&state.to_string());
    let rc = unsafe { acd_engine_load_json(text.as_ptr(), &mut back) };
    assert_eq!(rc, acd_result::Inconsistent, "{}", last_error());
    assert!(back.is_null());
}

#[test]
fn dispatch_view_is_json_or_not_permitted() {
    let e = new_engine();
    let mut buf = [0 as c_char; 256];
    let mut len = 0usize;
    unsafe {
        // alice has no dispatch access (R-5.1).
        let rc = acd_engine_dispatch_view_json(
            e,
            c("acme").as_ptr(),
            c("alice").as_ptr(),
            buf.as_mut_ptr(),
            buf.len(),
            &mut len,
        );
        assert_eq!(rc, acd_result::NotPermitted, "{}", last_error());
        let picker = r#"{"type":"add_agent","agent":{"id":"pat","skills":{"support":2},"dispatch_access":true,"can_pick":true}}"#;
        let rc = acd_engine_handle_json(e, 1, c("acme").as_ptr(), c(picker).as_ptr());
        assert_eq!(rc, acd_result::Ok, "{}", last_error());
        let rc = acd_engine_dispatch_view_json(
            e,
            c("acme").as_ptr(),
            c("pat").as_ptr(),
            buf.as_mut_ptr(),
            buf.len(),
            &mut len,
        );
        assert_eq!(rc, acd_result::Ok, "{}", last_error());
        let text = CStr::from_ptr(buf.as_ptr()).to_str().unwrap();
        assert_eq!(
            text, "[]",
            "support is automatic without display_in_dispatch"
        );
        let rc = acd_engine_dispatch_view_json(
            e,
            ptr::null(),
            c("pat").as_ptr(),
            buf.as_mut_ptr(),
            buf.len(),
            &mut len,
        );
        assert_eq!(rc, acd_result::NullPointer);
        acd_engine_free(e);
    }
}
