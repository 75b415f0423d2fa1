//! Read-only questions about the engine (agent, call and group state,
//! statistics, tenant snapshots) and saving its whole state for a restart
//! . Structured answers are JSON in caller-owned buffers, with the
//! same BUFFER_TOO_SMALL protocol as the output functions; every one of
//! them is a call of `handle::with_text_out` and `OutBuf::json`.

use crate::boundary::Failure;
use crate::handle::{acd_engine, with_engine, with_text_out};
use crate::marshal;
use crate::result::acd_result;
use ::acd_engine::{Media, TenantId};
use serde_json::Value;
use std::ffi::c_char;
/// Parses a media name (`"voice"`, `"email"`, ...); NULL means voice.
///
/// # Safety
/// `media` must be NULL or a NUL-terminated string.
unsafe fn media(media: *const c_char) -> Result<Media, Failure> {
    if media.is_null() {
        return Ok(Media::Voice);
    }
    // SAFETY: forwarded contract.
    let name = unsafe { marshal::text(media, "media") }?;
    serde_json::from_value(Value::String(name.to_string())).map_err(|_| {
        Failure::new(
            acd_result::InvalidArgument,
            format!("unknown media {name:?} (voice, email, chat, sms, callback)"),
        )
    })
}

/// Writes the state of `tenant`'s agent `agent`'s `media` channel (NULL =
/// voice) as JSON with the agent's load per media, e.g.
/// `{"state":"talking","call":"c1","epoch":3,"load":{"contacts":{"voice":1},"limits":{"voice":1}}}`. Ids
/// are scoped to their tenant: another tenant's agent is
/// `ACD_RESULT_UNKNOWN_AGENT`, like one that does not exist.
///
/// # Safety
/// `engine` must be a handle from this library; strings NULL or
/// NUL-terminated; `buf`/`out_len` as for `acd_engine_poll_effect_json`.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_agent_status_json(
    engine: *mut acd_engine,
    tenant: *const c_char,
    agent: *const c_char,
    media_name: *const c_char,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> acd_result {
    // SAFETY: the caller's contract, forwarded.
    unsafe {
        with_text_out(engine, buf, buf_len, out_len, |e, out| {
            let (tenant, agent) = (marshal::id(tenant, "tenant")?, marshal::id(agent, "agent")?);
            out.json(&e.agent_status_with_load(&tenant, &agent, media(media_name)?)?)
        })
    }
}

/// Writes where `tenant`'s live call `call` is, as JSON.
///
/// # Safety
/// As for `acd_engine_agent_status_json`.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_call_status_json(
    engine: *mut acd_engine,
    tenant: *const c_char,
    call: *const c_char,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> acd_result {
    // SAFETY: the caller's contract, forwarded.
    unsafe {
        with_text_out(engine, buf, buf_len, out_len, |e, out| {
            let (tenant, call) = (marshal::id(tenant, "tenant")?, marshal::id(call, "call")?);
            out.json(&e.call_status(&tenant, &call)?)
        })
    }
}

/// Writes the dispatch queues of `tenant` as `agent` sees them, a
/// JSON array of `{"call","group","priority","waiting_ms","reserved_for",
/// "can_pick"}`; `can_pick` false marks read-only entries. An agent
/// without dispatch access gets `ACD_RESULT_NOT_PERMITTED`.
///
/// # Safety
/// As for `acd_engine_agent_status_json`.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_dispatch_view_json(
    engine: *mut acd_engine,
    tenant: *const c_char,
    agent: *const c_char,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> acd_result {
    // SAFETY: the caller's contract, forwarded.
    unsafe {
        with_text_out(engine, buf, buf_len, out_len, |e, out| {
            let (tenant, agent) = (marshal::id(tenant, "tenant")?, marshal::id(agent, "agent")?);
            out.json(&e.dispatch_view(&tenant, &agent)?)
        })
    }
}

/// Writes the counters of `tenant`'s service group `group` as JSON, e.g.
/// `{"offered":1,"answered":1,...}`.
///
/// # Safety
/// As for `acd_engine_agent_status_json`.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_group_stats_json(
    engine: *mut acd_engine,
    tenant: *const c_char,
    group: *const c_char,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> acd_result {
    // SAFETY: the caller's contract, forwarded.
    unsafe {
        with_text_out(engine, buf, buf_len, out_len, |e, out| {
            let (tenant, group) = (marshal::id(tenant, "tenant")?, marshal::id(group, "group")?);
            out.json(&e.group_stats(&tenant, &group)?)
        })
    }
}

/// Stores the number of calls waiting in `tenant`'s group `group`'s queue.
///
/// # Safety
/// `engine` must be a handle from this library; `tenant` and `group` NULL
/// or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_queue_len(
    engine: *mut acd_engine,
    tenant: *const c_char,
    group: *const c_char,
    out: *mut usize,
) -> acd_result {
    // SAFETY: the caller's contract, forwarded.
    unsafe {
        with_engine(engine, |h| {
            marshal::check_out(out, "out")?;
            let (tenant, group) = (marshal::id(tenant, "tenant")?, marshal::id(group, "group")?);
            marshal::put(out, h.engine.queue_len(&tenant, &group)?, "out")?;
            Ok(acd_result::Ok)
        })
    }
}

/// Stores the engine's time: the latest `now_ms` it was given.
///
/// # Safety
/// `engine` must be a handle from this library; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_now(engine: *mut acd_engine, out: *mut u64) -> acd_result {
    // SAFETY: the caller's contract, forwarded.
    unsafe {
        with_engine(engine, |h| {
            marshal::put(out, h.engine.now().as_millis(), "out")?;
            Ok(acd_result::Ok)
        })
    }
}

/// Stores the number of live calls the engine holds (queued, ringing,
/// connected, parked or diverting).
///
/// # Safety
/// `engine` must be a handle from this library; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_live_calls(
    engine: *mut acd_engine,
    out: *mut usize,
) -> acd_result {
    // SAFETY: the caller's contract, forwarded.
    unsafe {
        with_engine(engine, |h| {
            marshal::put(out, h.engine.live_calls(), "out")?;
            Ok(acd_result::Ok)
        })
    }
}

/// Writes the ids of the tenants the engine hosts as a JSON array of
/// strings, e.g. `["acme","globex"]`.
///
/// # Safety
/// `engine` must be a handle from this library; `buf`/`out_len` as for
/// `acd_engine_poll_effect_json`.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_tenants_json(
    engine: *mut acd_engine,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> acd_result {
    // SAFETY: the caller's contract, forwarded.
    unsafe {
        with_text_out(engine, buf, buf_len, out_len, |e, out| {
            out.json(&e.tenants().collect::<Vec<&TenantId>>())
        })
    }
}

/// Writes a read-only picture of one tenant (agents' voice state, groups,
/// queue lengths, counters) as JSON.
///
/// # Safety
/// As for `acd_engine_agent_status_json`.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_snapshot_json(
    engine: *mut acd_engine,
    tenant: *const c_char,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> acd_result {
    // SAFETY: the caller's contract, forwarded.
    unsafe {
        with_text_out(engine, buf, buf_len, out_len, |e, out| {
            out.json(&e.snapshot(&marshal::id(tenant, "tenant")?)?)
        })
    }
}

/// Checks every internal invariant of the engine: `ACD_RESULT_OK`, or
/// `ACD_RESULT_INCONSISTENT` with the first broken one in
/// `acd_last_error_message`. For tests and debugging; O(engine size).
///
/// # Safety
/// `engine` must be a handle from this library.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_check_invariants(engine: *mut acd_engine) -> acd_result {
    // SAFETY: the caller's contract, forwarded.
    unsafe {
        with_engine(engine, |h| {
            h.engine
                .check_invariants()
                .map_err(|why| Failure::new(acd_result::Inconsistent, why))?;
            Ok(acd_result::Ok)
        })
    }
}

/// Writes the engine's whole state (configuration, agents, queued calls,
/// timers, statistics and undelivered outputs) as JSON, for
/// `acd_engine_load_json` after a restart. The text is a snapshot
/// envelope naming its schema (`{"schema": N, "engine": ...}`); a build
/// loads every schema from `OLDEST_SNAPSHOT_SCHEMA` to `SNAPSHOT_SCHEMA` of
/// `acd_engine`, and refuses an unknown one as `ACD_RESULT_INCONSISTENT`.
///
/// # Safety
/// `engine` must be a handle from this library; `buf`/`out_len` as for
/// `acd_engine_poll_effect_json`.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_save_json(
    engine: *mut acd_engine,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> acd_result {
    // SAFETY: the caller's contract, forwarded.
    unsafe { with_text_out(engine, buf, buf_len, out_len, |e, out| out.json(e)) }
}
