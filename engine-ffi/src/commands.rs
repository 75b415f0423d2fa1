//! Feeding the engine: every command as JSON through one entry point,
//! typed shortcuts for the hot path of a call, and the timer functions.
//!
//! All times are milliseconds since an epoch the embedder chooses (the
//! engine's `Instant`). Every command fires the timers due at or before its
//! `now_ms` first, exactly as `acd_engine_handle_timeout` would.

use crate::handle::{acd_engine, with_engine, Handle};
use crate::marshal;
use crate::result::acd_result;
use ::acd_engine::{CallSpec, Command, Epoch, Instant, Media, TenantId};
use std::ffi::c_char;

/// Applies `command` for `tenant` and reports the engine's verdict.
fn apply(h: &mut Handle, now_ms: u64, tenant: &str, command: Command) -> crate::boundary::Outcome {
    h.engine.handle(
        Instant::from_millis(now_ms),
        &TenantId::new(tenant),
        command,
    )?;
    Ok(acd_result::Ok)
}

/// Applies any engine command, given as JSON, e.g.
/// `{"type":"logon","agent":"a1","extension":"2001"}` or
/// `{"type":"call_arrived","id":"c1","group":"support"}`. The command
/// names and fields are those of the Rust `Command` enum (snake case).
///
/// Returns `ACD_RESULT_INVALID_JSON` for text that is not a command, or
/// the engine's own code when it refuses the command (which then changes
/// nothing).
///
/// # Safety
/// `engine` must be a handle from this library; `tenant` and
/// `command_json` must be NULL or NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_handle_json(
    engine: *mut acd_engine,
    now_ms: u64,
    tenant: *const c_char,
    command_json: *const c_char,
) -> acd_result {
    // SAFETY: the caller's contract, forwarded.
    unsafe {
        with_engine(engine, |h| {
            let tenant = marshal::text(tenant, "tenant")?;
            let command: Command = marshal::json(command_json, "command_json")?;
            apply(h, now_ms, tenant, command)
        })
    }
}

/// Logs `agent` on at `extension` (voice only); it starts Not Ready.
///
/// # Safety
/// `engine` must be a handle from this library; the strings must be NULL
/// or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_logon(
    engine: *mut acd_engine,
    now_ms: u64,
    tenant: *const c_char,
    agent: *const c_char,
    extension: *const c_char,
) -> acd_result {
    // SAFETY: the caller's contract, forwarded.
    unsafe {
        with_engine(engine, |h| {
            let command = Command::Logon {
                agent: marshal::text(agent, "agent")?.into(),
                extension: marshal::text(extension, "extension")?.into(),
                media: Vec::new(),
            };
            apply(h, now_ms, marshal::text(tenant, "tenant")?, command)
        })
    }
}

/// Makes `agent`'s voice channel Ready; a waiting call may be
/// offered at once.
///
/// # Safety
/// As for `acd_engine_logon`.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_ready(
    engine: *mut acd_engine,
    now_ms: u64,
    tenant: *const c_char,
    agent: *const c_char,
) -> acd_result {
    // SAFETY: the caller's contract, forwarded.
    unsafe {
        with_engine(engine, |h| {
            let command = Command::Ready {
                agent: marshal::text(agent, "agent")?.into(),
                media: Media::Voice,
            };
            apply(h, now_ms, marshal::text(tenant, "tenant")?, command)
        })
    }
}

/// A call `call` arrives in service group `group` with default priority
/// and no attached data. Use `acd_engine_handle_json` for the
/// other `call_arrived` fields.
///
/// # Safety
/// As for `acd_engine_logon`.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_call_arrived(
    engine: *mut acd_engine,
    now_ms: u64,
    tenant: *const c_char,
    call: *const c_char,
    group: *const c_char,
) -> acd_result {
    // SAFETY: the caller's contract, forwarded.
    unsafe {
        with_engine(engine, |h| {
            let spec = CallSpec::new(marshal::text(call, "call")?, marshal::text(group, "group")?);
            apply(
                h,
                now_ms,
                marshal::text(tenant, "tenant")?,
                Command::call_arrived(spec),
            )
        })
    }
}

/// The kinds of offer report, for [`offer_report`].
#[derive(Clone, Copy)]
enum OfferReport {
    Alerting,
    Answered,
    Rejected,
}

/// Shared body of the three reports about an offer (R-2.2: each carries
/// the offer's epoch).
///
/// # Safety
/// As for `acd_engine_logon`.
unsafe fn offer_report(
    engine: *mut acd_engine,
    now_ms: u64,
    tenant: *const c_char,
    call: *const c_char,
    agent: *const c_char,
    epoch: Epoch,
    report: OfferReport,
) -> acd_result {
    // SAFETY: the caller's contract, forwarded.
    unsafe {
        with_engine(engine, |h| {
            let call = marshal::text(call, "call")?.into();
            let agent = marshal::text(agent, "agent")?.into();
            let command = match report {
                OfferReport::Alerting => Command::Alerting { call, agent, epoch },
                OfferReport::Answered => Command::Answered { call, agent, epoch },
                OfferReport::Rejected => Command::Rejected { call, agent, epoch },
            };
            apply(h, now_ms, marshal::text(tenant, "tenant")?, command)
        })
    }
}

/// The offered agent's phone is ringing. `epoch` is the offer's.
///
/// # Safety
/// As for `acd_engine_logon`.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_alerting(
    engine: *mut acd_engine,
    now_ms: u64,
    tenant: *const c_char,
    call: *const c_char,
    agent: *const c_char,
    epoch: u64,
) -> acd_result {
    // SAFETY: forwarded.
    unsafe {
        offer_report(
            engine,
            now_ms,
            tenant,
            call,
            agent,
            epoch,
            OfferReport::Alerting,
        )
    }
}

/// The agent answered the offered call. `epoch` is the offer's; a stale
/// one returns `ACD_RESULT_STALE_EPOCH` and changes nothing.
///
/// # Safety
/// As for `acd_engine_logon`.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_answered(
    engine: *mut acd_engine,
    now_ms: u64,
    tenant: *const c_char,
    call: *const c_char,
    agent: *const c_char,
    epoch: u64,
) -> acd_result {
    // SAFETY: forwarded.
    unsafe {
        offer_report(
            engine,
            now_ms,
            tenant,
            call,
            agent,
            epoch,
            OfferReport::Answered,
        )
    }
}

/// The agent's device refused the offer; handled like a ring timeout.
///
/// # Safety
/// As for `acd_engine_logon`.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_rejected(
    engine: *mut acd_engine,
    now_ms: u64,
    tenant: *const c_char,
    call: *const c_char,
    agent: *const c_char,
    epoch: u64,
) -> acd_result {
    // SAFETY: forwarded.
    unsafe {
        offer_report(
            engine,
            now_ms,
            tenant,
            call,
            agent,
            epoch,
            OfferReport::Rejected,
        )
    }
}

/// Either side hung up: an abandon while queued or ringing; the end
/// of a connected call, after which the agent enters clerical.
///
/// # Safety
/// As for `acd_engine_logon`.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_hangup(
    engine: *mut acd_engine,
    now_ms: u64,
    tenant: *const c_char,
    call: *const c_char,
) -> acd_result {
    // SAFETY: the caller's contract, forwarded.
    unsafe {
        with_engine(engine, |h| {
            let command = Command::Hangup {
                call: marshal::text(call, "call")?.into(),
            };
            apply(h, now_ms, marshal::text(tenant, "tenant")?, command)
        })
    }
}

/// Fires every timer due at or before `now_ms` (ring-time supervision,
/// clerical end, stage changes, ...). A `now_ms` earlier than the engine's
/// time is ignored.
///
/// # Safety
/// `engine` must be a handle from this library.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_handle_timeout(
    engine: *mut acd_engine,
    now_ms: u64,
) -> acd_result {
    // SAFETY: the caller's contract, forwarded.
    unsafe {
        with_engine(engine, |h| {
            h.engine.handle_timeout(Instant::from_millis(now_ms));
            Ok(acd_result::Ok)
        })
    }
}

/// Stores in `*deadline_ms` when `acd_engine_handle_timeout` must next be
/// called and returns `ACD_RESULT_OK`; returns `ACD_RESULT_NONE` (leaving
/// `*deadline_ms` untouched) when no timer is pending.
///
/// # Safety
/// `engine` must be a handle from this library; `deadline_ms` must be NULL
/// or valid for writing a `uint64_t`.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_poll_timeout(
    engine: *mut acd_engine,
    deadline_ms: *mut u64,
) -> acd_result {
    // SAFETY: the caller's contract, forwarded.
    unsafe {
        with_engine(engine, |h| {
            marshal::check_out(deadline_ms, "deadline_ms")?;
            match h.engine.poll_timeout() {
                Some(at) => {
                    marshal::put(deadline_ms, at.as_millis(), "deadline_ms")?;
                    Ok(acd_result::Ok)
                }
                None => Ok(acd_result::None),
            }
        })
    }
}
