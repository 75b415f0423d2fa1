//! Getting the engine's outputs out: effects (instructions for the
//! telephony side) and events (the call-detail/agent-state record, R-8.1),
//! one at a time or all at once, as JSON in caller-owned buffers, plus a
//! typed `acd_effect` view for C callers that do not want to parse JSON.
//!
//! Nothing is lost to a small buffer: a call that returns
//! `ACD_RESULT_BUFFER_TOO_SMALL` consumes nothing and reports the length
//! needed, so the caller can grow its buffer and call again.

use crate::boundary::{Failure, Outcome};
use crate::handle::{acd_engine, with_engine, with_text_out};
use crate::marshal::{self, to_json, OutBuf};
use crate::result::acd_result;
use ::acd_engine::{Cause, Effect, Engine};
use serde::Serialize;
use std::ffi::{c_char, CString};
use std::ptr;

/// Hands the oldest pending output (`peek`) to C as JSON and takes it
/// (`take`) only when it was written.
///
/// # Safety
/// `out` must describe a writable buffer (see [`OutBuf::write`]).
unsafe fn poll_one<T: Serialize>(
    engine: &mut Engine,
    out: OutBuf,
    peek: fn(&Engine) -> Option<&T>,
    take: fn(&mut Engine) -> Option<T>,
) -> Outcome {
    let Some(front) = peek(engine) else {
        return Ok(acd_result::None);
    };
    // SAFETY: forwarded contract.
    unsafe { out.json(front) }?;
    take(engine);
    Ok(acd_result::Ok)
}

/// Hands every output of `pending` to C as JSON lines (each followed by
/// `\n`); the caller takes them from the engine once this succeeded, so
/// that it is all or nothing.
///
/// # Safety
/// As for [`poll_one`].
unsafe fn write_lines<'e, T: Serialize + 'e>(
    pending: impl Iterator<Item = &'e T>,
    out: OutBuf,
) -> Result<(), Failure> {
    let mut lines = String::new();
    for item in pending {
        lines.push_str(&to_json(item)?);
        lines.push('\n');
    }
    // SAFETY: forwarded contract.
    unsafe { out.write(&lines) }
}

/// Writes the oldest pending effect as one JSON object, e.g.
/// `{"effect":"offer","tenant":"acme","call":"c1","agent":"alice",...}`,
/// NUL-terminated, into `buf` (capacity `buf_len` bytes), stores its
/// length (without the NUL) in `*out_len`, and removes it from the queue.
///
/// Returns `ACD_RESULT_NONE` when no effect is pending, and
/// `ACD_RESULT_BUFFER_TOO_SMALL` (with the length in `*out_len`, nothing
/// consumed) when the text plus its NUL does not fit. `buf` may be NULL
/// when `buf_len` is 0, to ask for the size.
///
/// # Safety
/// `engine` must be a handle from this library; `buf` must be NULL or
/// writable for `buf_len` bytes; `out_len` must be NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_poll_effect_json(
    engine: *mut acd_engine,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> acd_result {
    // SAFETY: the caller's contract, forwarded.
    unsafe {
        with_text_out(engine, buf, buf_len, out_len, |e, out| {
            poll_one(e, out, Engine::peek_effect, Engine::poll_effect)
        })
    }
}

/// Like `acd_engine_poll_effect_json`, for the oldest pending event, e.g.
/// `{"at":2000,"tenant":"acme","event":"call_queued",...}`.
///
/// # Safety
/// As for `acd_engine_poll_effect_json`.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_poll_event_json(
    engine: *mut acd_engine,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> acd_result {
    // SAFETY: the caller's contract, forwarded.
    unsafe {
        with_text_out(engine, buf, buf_len, out_len, |e, out| {
            poll_one(e, out, Engine::peek_event, Engine::poll_event)
        })
    }
}

/// Writes every pending effect as JSON lines (one object per line, each
/// ending in `\n`), NUL-terminated, and empties the queue. With nothing
/// pending it writes `""` and returns `ACD_RESULT_OK` with `*out_len` 0.
/// All or nothing: when the text does not fit, returns
/// `ACD_RESULT_BUFFER_TOO_SMALL` with the length needed and consumes
/// nothing.
///
/// # Safety
/// As for `acd_engine_poll_effect_json`.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_drain_effects_jsonl(
    engine: *mut acd_engine,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> acd_result {
    // SAFETY: the caller's contract, forwarded.
    unsafe {
        with_text_out(engine, buf, buf_len, out_len, |e, out| {
            write_lines(e.pending_effects(), out)?;
            e.drain_effects().for_each(drop);
            Ok(acd_result::Ok)
        })
    }
}

/// Like `acd_engine_drain_effects_jsonl`, for events.
///
/// # Safety
/// As for `acd_engine_poll_effect_json`.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_drain_events_jsonl(
    engine: *mut acd_engine,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> acd_result {
    // SAFETY: the caller's contract, forwarded.
    unsafe {
        with_text_out(engine, buf, buf_len, out_len, |e, out| {
            write_lines(e.pending_events(), out)?;
            e.drain_events().for_each(drop);
            Ok(acd_result::Ok)
        })
    }
}

/// Stores the number of pending effects and events. Either pointer may be
/// NULL when that count is not wanted.
///
/// # Safety
/// `engine` must be a handle from this library; each pointer must be NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_pending(
    engine: *mut acd_engine,
    effects: *mut usize,
    events: *mut usize,
) -> acd_result {
    // SAFETY: the caller's contract, forwarded.
    unsafe {
        with_engine(engine, |h| {
            if !effects.is_null() {
                effects.write(h.engine.pending_effects().len());
            }
            if !events.is_null() {
                events.write(h.engine.pending_events().len());
            }
            Ok(acd_result::Ok)
        })
    }
}

/// Switches event recording on or off (on by default). Switching it off
/// also discards pending events. Effects are always produced.
///
/// # Safety
/// `engine` must be a handle from this library.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_set_events_enabled(
    engine: *mut acd_engine,
    on: bool,
) -> acd_result {
    // SAFETY: the caller's contract, forwarded.
    unsafe {
        with_engine(engine, |h| {
            h.engine.set_events_enabled(on);
            Ok(acd_result::Ok)
        })
    }
}

/// Kinds of `acd_effect`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum acd_effect_kind {
    /// Ring `agent` at `extension` with `call`; report back with
    /// alerting/answered/rejected carrying `epoch`.
    Offer = 1,
    /// Stop ringing `agent` with `call`.
    StopRinging = 2,
    /// Send `call` to the external number `destination`; when `has_epoch`,
    /// report the outcome with a `divert_result` command.
    Divert = 3,
    /// Disconnect `call`.
    ClearCall = 4,
}

/// A typed view of one effect. String fields that do not apply to the
/// kind are NULL. The strings are owned by the engine handle and stay
/// valid until the next `acd_engine_poll_effect` or `acd_engine_free` on
/// that handle; copy them to keep them longer.
#[repr(C)]
#[allow(non_camel_case_types)]
pub struct acd_effect {
    /// What to do.
    pub kind: acd_effect_kind,
    /// Tenant.
    pub tenant: *const c_char,
    /// The call.
    pub call: *const c_char,
    /// The agent (offer, stop ringing); else NULL.
    pub agent: *const c_char,
    /// The agent's extension (offer); else NULL.
    pub extension: *const c_char,
    /// The service group (offer); else NULL.
    pub group: *const c_char,
    /// The number to divert to (divert); else NULL.
    pub destination: *const c_char,
    /// Why, as a snake_case name (`"no_answer"`, ...); NULL for an offer.
    pub cause: *const c_char,
    /// Reservation or divert epoch; valid when `has_epoch`.
    pub epoch: u64,
    /// Whether `epoch` is set (always for offer and stop ringing).
    pub has_epoch: bool,
    /// Ring-time supervision deadline, engine milliseconds (offer); else 0.
    pub deadline_ms: u64,
}

/// A typed effect: owned C copies of its strings and the view pointing
/// into them. The pointers stay valid when `strings` is moved, because a
/// `CString` keeps its bytes on the heap.
struct TypedEffect {
    strings: Vec<CString>,
    view: acd_effect,
}

fn cause_name(cause: Cause) -> Result<String, Failure> {
    match serde_json::to_value(cause) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        _ => Err(Failure::new(acd_result::InvalidJson, "cause has no name")),
    }
}

/// Builds the typed view of `effect`; fails (consuming nothing) when a
/// string holds a NUL byte and so cannot be a C string.
fn typed(effect: &Effect) -> Result<TypedEffect, Failure> {
    let mut strings = Vec::new();
    let mut keep = |s: &str, what: &str| -> Result<*const c_char, Failure> {
        let c = CString::new(s).map_err(|_| {
            Failure::new(
                acd_result::InvalidArgument,
                format!("effect {what} contains NUL; use acd_engine_poll_effect_json"),
            )
        })?;
        let p = c.as_ptr();
        strings.push(c);
        Ok(p)
    };
    let mut v = acd_effect {
        kind: acd_effect_kind::Offer,
        tenant: ptr::null(),
        call: ptr::null(),
        agent: ptr::null(),
        extension: ptr::null(),
        group: ptr::null(),
        destination: ptr::null(),
        cause: ptr::null(),
        epoch: 0,
        has_epoch: false,
        deadline_ms: 0,
    };
    let epoch = match effect {
        Effect::Offer {
            tenant,
            call,
            agent,
            extension,
            group,
            epoch,
            deadline,
            ..
        } => {
            (v.tenant, v.call) = (
                keep(tenant.as_str(), "tenant")?,
                keep(call.as_str(), "call")?,
            );
            v.agent = keep(agent.as_str(), "agent")?;
            v.extension = keep(extension.as_str(), "extension")?;
            v.group = keep(group.as_str(), "group")?;
            v.deadline_ms = deadline.as_millis();
            Some(*epoch)
        }
        Effect::StopRinging {
            tenant,
            call,
            agent,
            epoch,
            cause,
        } => {
            v.kind = acd_effect_kind::StopRinging;
            (v.tenant, v.call) = (
                keep(tenant.as_str(), "tenant")?,
                keep(call.as_str(), "call")?,
            );
            v.agent = keep(agent.as_str(), "agent")?;
            v.cause = keep(&cause_name(*cause)?, "cause")?;
            Some(*epoch)
        }
        Effect::Divert {
            tenant,
            call,
            destination,
            epoch,
            cause,
            ..
        } => {
            v.kind = acd_effect_kind::Divert;
            (v.tenant, v.call) = (
                keep(tenant.as_str(), "tenant")?,
                keep(call.as_str(), "call")?,
            );
            v.destination = keep(destination, "destination")?;
            v.cause = keep(&cause_name(*cause)?, "cause")?;
            *epoch
        }
        Effect::ClearCall {
            tenant,
            call,
            cause,
        } => {
            v.kind = acd_effect_kind::ClearCall;
            (v.tenant, v.call) = (
                keep(tenant.as_str(), "tenant")?,
                keep(call.as_str(), "call")?,
            );
            v.cause = keep(&cause_name(*cause)?, "cause")?;
            None
        }
    };
    (v.epoch, v.has_epoch) = (epoch.unwrap_or(0), epoch.is_some());
    Ok(TypedEffect { strings, view: v })
}

/// Takes the oldest pending effect as a typed `acd_effect` and returns
/// `ACD_RESULT_OK`, or returns `ACD_RESULT_NONE` when none is pending.
/// See `acd_effect` for how long its strings live. An effect whose text
/// contains a NUL byte cannot be shown as C strings: it is left queued and
/// `ACD_RESULT_INVALID_ARGUMENT` is returned; take it with
/// `acd_engine_poll_effect_json`.
///
/// # Safety
/// `engine` must be a handle from this library; `out` must be NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_poll_effect(
    engine: *mut acd_engine,
    out: *mut acd_effect,
) -> acd_result {
    // SAFETY: the caller's contract, forwarded.
    unsafe {
        with_engine(engine, |h| {
            marshal::check_out(out, "out")?;
            let Some(front) = h.engine.peek_effect() else {
                return Ok(acd_result::None);
            };
            let TypedEffect { strings, view } = typed(front)?;
            h.engine.poll_effect();
            h.effect_strings = strings;
            marshal::put(out, view, "out")?;
            Ok(acd_result::Ok)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::{acd_engine_handle_json, acd_engine_handle_timeout};
    use crate::handle::acd_engine_free;
    use crate::handle::tests::{engine_with, inner};
    use std::ffi::CStr;

    /// Tenant `acme`: `alice` (extension 2001) serves `support`; `sales`
    /// has no agent and diverts a call that waited 10 s to a number.
    const CONFIG: &str = r#"{"tenants":[{"id":"acme","groups":[
        {"id":"support","ring_time_s":30},
        {"id":"sales","max_wait_s":10,"overflow":{"number":"+44 20 7946 0000"}}],
        "agents":[{"id":"alice","skills":{"support":5,"sales":5}}]}]}"#;

    /// Applies the JSON command `command` for `acme` at `now_ms`.
    fn run(e: *mut acd_engine, now_ms: u64, command: &str) {
        let command = CString::new(command).unwrap();
        let rc = unsafe { acd_engine_handle_json(e, now_ms, c"acme".as_ptr(), command.as_ptr()) };
        assert_eq!(rc, acd_result::Ok, "{command:?}");
    }

    /// An engine whose only pending effect offers `call` to alice; events
    /// taken.
    fn offering(call: &str) -> *mut acd_engine {
        let e = engine_with(CONFIG);
        run(
            e,
            0,
            r#"{"type":"logon","agent":"alice","extension":"2001"}"#,
        );
        run(e, 0, r#"{"type":"ready","agent":"alice"}"#);
        let call = serde_json::to_string(call).unwrap();
        let arrive = format!(r#"{{"type":"call_arrived","id":{call},"group":"support"}}"#);
        run(e, 1_000, &arrive);
        unsafe { inner(e).engine.drain_events().for_each(drop) };
        e
    }

    /// `offering("c1")`, then `c2` queued in `sales` and diverted after 10 s
    /// of waiting (R-3.8): two pending effects, offer then divert.
    fn offering_and_diverting() -> *mut acd_engine {
        let e = offering("c1");
        run(
            e,
            2_000,
            r#"{"type":"call_arrived","id":"c2","group":"sales"}"#,
        );
        unsafe { acd_engine_handle_timeout(e, 12_000) };
        e
    }

    fn pending(e: *mut acd_engine) -> Vec<Effect> {
        unsafe { inner(e).engine.pending_effects().cloned().collect() }
    }

    fn text(buf: &[c_char]) -> &str {
        unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap()
    }

    #[test]
    fn a_small_buffer_consumes_nothing_and_reports_the_length() {
        let e = offering("c1");
        let want = to_json(&pending(e)[0]).unwrap();
        let mut small = [0 as c_char; 16];
        let mut len = 0usize;
        let rc =
            unsafe { acd_engine_poll_effect_json(e, small.as_mut_ptr(), small.len(), &mut len) };
        assert_eq!(rc, acd_result::BufferTooSmall);
        assert_eq!(len, want.len());
        assert_eq!(pending(e).len(), 1, "nothing consumed");
        let mut big = vec![0 as c_char; len + 1];
        let rc = unsafe { acd_engine_poll_effect_json(e, big.as_mut_ptr(), big.len(), &mut len) };
        assert_eq!(rc, acd_result::Ok);
        assert_eq!(text(&big), want);
        assert!(want.starts_with(r#"{"effect":"offer","tenant":"acme","call":"c1""#));
        let rc = unsafe { acd_engine_poll_effect_json(e, big.as_mut_ptr(), big.len(), &mut len) };
        assert_eq!(rc, acd_result::None);
        unsafe { acd_engine_free(e) };
    }

    #[test]
    fn events_are_polled_oldest_first_and_only_when_written() {
        let e = engine_with(CONFIG);
        run(
            e,
            0,
            r#"{"type":"logon","agent":"alice","extension":"2001"}"#,
        );
        let want: Vec<String> = unsafe { inner(e).engine.pending_events() }
            .map(|ev| to_json(ev).unwrap())
            .collect();
        assert!(!want.is_empty());
        let mut buf = [0 as c_char; 1024];
        let mut len = 0usize;
        let rc = unsafe { acd_engine_poll_event_json(e, buf.as_mut_ptr(), 4, &mut len) };
        assert_eq!(rc, acd_result::BufferTooSmall);
        for line in &want {
            let rc =
                unsafe { acd_engine_poll_event_json(e, buf.as_mut_ptr(), buf.len(), &mut len) };
            assert_eq!(rc, acd_result::Ok);
            assert_eq!(text(&buf), line);
        }
        let rc = unsafe { acd_engine_poll_event_json(e, buf.as_mut_ptr(), buf.len(), &mut len) };
        assert_eq!(rc, acd_result::None);
        unsafe { acd_engine_free(e) };
    }

    #[test]
    fn draining_is_all_or_nothing_json_lines() {
        let e = offering_and_diverting();
        let want = pending(e);
        assert_eq!(want.len(), 2);
        let mut len = 0usize;
        let mut count = 0usize;
        let rc = unsafe { acd_engine_drain_effects_jsonl(e, ptr::null_mut(), 0, &mut len) };
        assert_eq!(rc, acd_result::BufferTooSmall);
        unsafe { acd_engine_pending(e, &mut count, ptr::null_mut()) };
        assert_eq!(count, 2, "nothing consumed");
        let mut buf = vec![0 as c_char; len + 1];
        let rc =
            unsafe { acd_engine_drain_effects_jsonl(e, buf.as_mut_ptr(), buf.len(), &mut len) };
        assert_eq!(rc, acd_result::Ok);
        let lines: Vec<&str> = text(&buf).lines().collect();
        assert_eq!(lines.len(), 2);
        let back: Vec<Effect> = lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(back, want);
        assert!(text(&buf).ends_with('\n'));
        unsafe { acd_engine_pending(e, &mut count, ptr::null_mut()) };
        assert_eq!(count, 0);
        unsafe { acd_engine_free(e) };
    }

    #[test]
    fn typed_effects_expose_the_fields_of_their_kind() {
        let e = offering_and_diverting();
        let Effect::Offer { epoch, .. } = pending(e)[0] else {
            panic!("first effect is the offer: {:?}", pending(e));
        };
        let mut out = std::mem::MaybeUninit::<acd_effect>::uninit();
        assert_eq!(
            unsafe { acd_engine_poll_effect(e, out.as_mut_ptr()) },
            acd_result::Ok
        );
        let fx = unsafe { out.assume_init_ref() };
        let s = |p: *const c_char| unsafe { CStr::from_ptr(p) }.to_str().unwrap();
        assert_eq!(fx.kind, acd_effect_kind::Offer);
        assert_eq!(
            (s(fx.call), s(fx.agent), s(fx.extension), s(fx.group)),
            ("c1", "alice", "2001", "support")
        );
        // Offered at 1 s with a ring time of 30 s.
        assert_eq!(
            (fx.epoch, fx.has_epoch, fx.deadline_ms),
            (epoch, true, 31_000)
        );
        assert!(fx.destination.is_null() && fx.cause.is_null());
        assert_eq!(
            unsafe { acd_engine_poll_effect(e, out.as_mut_ptr()) },
            acd_result::Ok
        );
        let fx = unsafe { out.assume_init_ref() };
        assert_eq!(fx.kind, acd_effect_kind::Divert);
        assert_eq!((s(fx.call), s(fx.destination)), ("c2", "+44 20 7946 0000"));
        assert_eq!(s(fx.cause), "max_wait");
        assert!(!fx.has_epoch && fx.agent.is_null());
        assert_eq!(
            unsafe { acd_engine_poll_effect(e, out.as_mut_ptr()) },
            acd_result::None
        );
        unsafe { acd_engine_free(e) };
    }

    #[test]
    fn an_effect_with_a_nul_stays_queued_for_the_json_path() {
        let e = offering("c\u{0}1");
        let mut out = std::mem::MaybeUninit::<acd_effect>::uninit();
        let rc = unsafe { acd_engine_poll_effect(e, out.as_mut_ptr()) };
        assert_eq!(rc, acd_result::InvalidArgument);
        let mut buf = [0 as c_char; 512];
        let mut len = 0usize;
        let rc = unsafe { acd_engine_poll_effect_json(e, buf.as_mut_ptr(), buf.len(), &mut len) };
        assert_eq!(rc, acd_result::Ok);
        assert!(
            text(&buf).contains(r#""call":"c\u00001""#),
            "{}",
            text(&buf)
        );
        unsafe { acd_engine_free(e) };
    }

    #[test]
    fn switching_events_off_discards_pending_events() {
        let e = offering("c1");
        run(e, 2_000, r#"{"type":"hangup","call":"c1"}"#);
        let (mut effects, mut events) = (0usize, 0usize);
        unsafe { acd_engine_pending(e, &mut effects, &mut events) };
        assert!(events > 0 && effects > 0);
        assert_eq!(
            unsafe { acd_engine_set_events_enabled(e, false) },
            acd_result::Ok
        );
        let before = effects;
        unsafe { acd_engine_pending(e, &mut effects, &mut events) };
        assert_eq!((effects, events), (before, 0));
        unsafe { acd_engine_free(e) };
    }

    #[test]
    fn a_saved_engine_keeps_undelivered_outputs() {
        let e = offering_and_diverting();
        let mut len = 0usize;
        unsafe { crate::queries::acd_engine_save_json(e, ptr::null_mut(), 0, &mut len) };
        let mut buf = vec![0 as c_char; len + 1];
        let rc = unsafe {
            crate::queries::acd_engine_save_json(e, buf.as_mut_ptr(), buf.len(), &mut len)
        };
        assert_eq!(rc, acd_result::Ok);
        let mut back = ptr::null_mut();
        let rc = unsafe { crate::handle::acd_engine_load_json(buf.as_ptr(), &mut back) };
        assert_eq!(rc, acd_result::Ok);
        assert_eq!(pending(back), pending(e));
        assert_eq!(pending(e).len(), 2);
        let events = |e| -> Vec<String> {
            unsafe { inner(e).engine.pending_events() }
                .map(|ev| to_json(ev).unwrap())
                .collect()
        };
        assert_eq!(events(back), events(e));
        unsafe {
            acd_engine_free(back);
            acd_engine_free(e);
        }
    }
}
