//! The C ABI (`acd-engine-ffi`, lib `acd`) driven with arbitrary calls.
//!
//! Every `extern "C"` entry point is called with arbitrary strings (any
//! bytes up to a NUL, including invalid UTF-8 and malformed JSON), NULL
//! pointers wherever the contract allows NULL, buffers of arbitrary size,
//! arbitrary times (also backwards), and on up to two live handles. What
//! the contract forbids (dangling or freed handles, buffers shorter than
//! declared) is never passed: that would be undefined behaviour by
//! contract, not a finding.
//!
//! Properties after every call: nothing unwinds across the boundary (a
//! panic would abort, which libFuzzer reports); no call returns
//! `ACD_RESULT_PANIC` or `ACD_RESULT_POISONED` (a panic caught at the
//! boundary is still an engine bug); every live handle passes
//! `acd_engine_check_invariants`; every returned result has a name; every
//! buffer written is NUL-terminated at `out_len`, never overruns, and holds
//! UTF-8 JSON (or JSON lines); `BUFFER_TOO_SMALL` reports a length that
//! does not fit. Handles are freed at the end.

use crate::stream::{config, Family};
use acd::*;
use arbitrary::Arbitrary;
use std::ffi::{c_char, CStr, CString};
use std::mem::MaybeUninit;
use std::ptr;

/// A C string argument.
#[derive(Arbitrary, Clone, Debug)]
pub enum Text {
    /// NULL.
    Null,
    /// One of a few ids that exist in the family configurations.
    Known(u8),
    /// Arbitrary bytes (cut at the first NUL).
    Raw(Vec<u8>),
}

/// The time argument of a call.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Now {
    /// The latest time given to this handle.
    Same,
    /// That plus some milliseconds.
    Later(u16),
    /// Any time at all (often in the past: must be refused cleanly).
    Raw(u64),
}

/// An output buffer argument.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub struct Buf {
    /// Pass NULL for the buffer (the contract allows it with any length).
    pub null: bool,
    /// Capacity.
    pub len: u16,
    /// Pass NULL for `out_len`.
    pub null_out_len: bool,
}

/// Which command JSON to send.
#[derive(Arbitrary, Clone, Debug)]
pub enum CommandText {
    /// Arbitrary text.
    Raw(Text),
    /// A well-formed command of a few kinds over known ids.
    Built { kind: u8, a: u8, b: u8 },
}

/// One call into the C ABI.
#[derive(Arbitrary, Clone, Debug)]
#[allow(missing_docs)]
pub enum AbiCall {
    New {
        config: Text,
    },
    NewFamily {
        family: Family,
        slot: bool,
    },
    Load {
        snapshot: Text,
    },
    /// Save a live handle and load the snapshot into the other slot.
    SaveLoad {
        slot: bool,
        buf_extra: u8,
    },
    Free {
        slot: bool,
    },
    HandleJson {
        slot: bool,
        now: Now,
        tenant: Text,
        command: CommandText,
    },
    Logon {
        slot: bool,
        now: Now,
        tenant: Text,
        agent: Text,
        extension: Text,
    },
    Ready {
        slot: bool,
        now: Now,
        tenant: Text,
        agent: Text,
    },
    CallArrived {
        slot: bool,
        now: Now,
        tenant: Text,
        call: Text,
        group: Text,
    },
    /// Answer/alert/reject the last offer seen (or arbitrary ids/epoch).
    Offer {
        slot: bool,
        now: Now,
        what: u8,
        last: bool,
        call: Text,
        agent: Text,
        epoch: u64,
    },
    Hangup {
        slot: bool,
        now: Now,
        tenant: Text,
        call: Text,
    },
    HandleTimeout {
        slot: bool,
        now: Now,
    },
    PollTimeout {
        slot: bool,
        null_out: bool,
    },
    PollEffect {
        slot: bool,
        null_out: bool,
    },
    PollJson {
        slot: bool,
        events: bool,
        buf: Buf,
    },
    DrainJsonl {
        slot: bool,
        events: bool,
        buf: Buf,
    },
    Pending {
        slot: bool,
        null_effects: bool,
        null_events: bool,
    },
    SetEventsEnabled {
        slot: bool,
        on: bool,
    },
    AgentStatus {
        slot: bool,
        tenant: Text,
        agent: Text,
        media: Text,
        buf: Buf,
    },
    CallStatus {
        slot: bool,
        tenant: Text,
        call: Text,
        buf: Buf,
    },
    GroupStats {
        slot: bool,
        tenant: Text,
        group: Text,
        buf: Buf,
    },
    QueueLen {
        slot: bool,
        tenant: Text,
        group: Text,
        null_out: bool,
    },
    Scalars {
        slot: bool,
        null_out: bool,
    },
    Tenants {
        slot: bool,
        buf: Buf,
    },
    Snapshot {
        slot: bool,
        tenant: Text,
        buf: Buf,
    },
    Save {
        slot: bool,
        buf: Buf,
    },
    DispatchView {
        slot: bool,
        tenant: Text,
        agent: Text,
        buf: Buf,
    },
    /// Name of an arbitrary result code.
    ResultName {
        code: u32,
    },
    /// Pass NULL as the handle of a call that needs one.
    NullHandle {
        which: u8,
    },
}

/// The pool `Text::Known` picks from.
const KNOWN: [&str; 16] = [
    "t", "u", "a0", "a1", "a2", "a3", "a4", "c0", "c1", "c2", "g0", "g1", "g2", "g3", "voice",
    "email",
];

/// A C string argument, owning its storage.
struct CArg(Option<CString>);

impl CArg {
    fn new(t: &Text) -> Self {
        CArg(match t {
            Text::Null => None,
            Text::Known(n) => CString::new(KNOWN[usize::from(*n) % KNOWN.len()]).ok(),
            Text::Raw(bytes) => {
                let cut = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
                CString::new(&bytes[..cut]).ok()
            }
        })
    }

    fn from_str(s: &str) -> Self {
        CArg(CString::new(s).ok())
    }

    fn ptr(&self) -> *const c_char {
        self.0.as_ref().map_or(ptr::null(), |c| c.as_ptr())
    }
}

/// A live handle and the latest time given to it.
struct Slot {
    engine: *mut acd_engine,
    now: u64,
}

/// Runs a sequence of calls; `Err` describes the first broken property.
pub fn run(calls: &[AbiCall]) -> Result<(), String> {
    let mut abi = Abi {
        slots: [None, None],
        last_offer: None,
    };
    let r = calls.iter().enumerate().try_for_each(|(i, c)| {
        abi.call(c).map_err(|e| format!("call {i} {c:?}: {e}"))?;
        abi.check()
            .map_err(|e| format!("after call {i} {c:?}: {e}"))
    });
    abi.free_all();
    r
}

struct Abi {
    slots: [Option<Slot>; 2],
    /// (call, agent, epoch) of the last offer taken with acd_engine_poll_effect.
    last_offer: Option<(CString, CString, u64)>,
}

fn slot_ix(slot: bool) -> usize {
    usize::from(slot)
}

/// A result code must be neither a panic nor a poisoned handle, and must
/// have a name.
fn ok_code(r: acd_result) -> Result<acd_result, String> {
    let name = acd_result_name(r as u32);
    if name.is_null() {
        return Err(format!("result {r:?} has no name"));
    }
    if matches!(r, acd_result::Panic | acd_result::Poisoned) {
        // SAFETY: the library returns a NUL-terminated thread-local string.
        let msg = unsafe { CStr::from_ptr(acd_last_error_message()) };
        return Err(format!("{r:?}: {}", msg.to_string_lossy()));
    }
    Ok(r)
}

impl Abi {
    fn now(&mut self, slot: bool, now: Now) -> u64 {
        let Some(s) = &mut self.slots[slot_ix(slot)] else {
            return 0;
        };
        let t = match now {
            Now::Same => s.now,
            Now::Later(ms) => s.now.saturating_add(u64::from(ms)),
            Now::Raw(t) => t,
        };
        s.now = s.now.max(t);
        t
    }

    fn handle(&self, slot: bool) -> *mut acd_engine {
        self.slots[slot_ix(slot)]
            .as_ref()
            .map_or(ptr::null_mut(), |s| s.engine)
    }

    /// Puts a new handle in a slot (freeing what was there).
    fn install(&mut self, slot: bool, engine: *mut acd_engine) {
        self.free(slot);
        let mut now = 0;
        // SAFETY: `engine` is a fresh live handle from acd_engine_new/load.
        unsafe { acd_engine_now(engine, &mut now) };
        self.slots[slot_ix(slot)] = Some(Slot { engine, now });
    }

    fn free(&mut self, slot: bool) {
        if let Some(s) = self.slots[slot_ix(slot)].take() {
            // SAFETY: a live handle, freed once.
            unsafe { acd_engine_free(s.engine) };
        }
    }

    fn free_all(&mut self) {
        self.free(false);
        self.free(true);
    }

    fn free_slot(&self) -> bool {
        self.slots[0].is_some()
    }

    fn check(&self) -> Result<(), String> {
        for s in self.slots.iter().flatten() {
            // SAFETY: a live handle.
            let r = ok_code(unsafe { acd_engine_check_invariants(s.engine) })?;
            if r != acd_result::Ok {
                // SAFETY: as in ok_code.
                let msg = unsafe { CStr::from_ptr(acd_last_error_message()) };
                return Err(format!("invariants: {r:?} {}", msg.to_string_lossy()));
            }
        }
        Ok(())
    }

    fn call(&mut self, call: &AbiCall) -> Result<(), String> {
        // SAFETY (whole function): every pointer passed is NULL, a live
        // handle, a NUL-terminated string owned here, or a buffer owned
        // here of at least the length passed — the ABI's contract.
        unsafe {
            match call {
                AbiCall::New { config } => {
                    let text = CArg::new(config);
                    let mut out = ptr::null_mut();
                    if ok_code(acd_engine_new(text.ptr(), &mut out))? == acd_result::Ok {
                        let slot = self.free_slot();
                        self.install(slot, out);
                    }
                }
                AbiCall::NewFamily { family, slot } => {
                    let cfg = config(*family, 3, &[None; 4]);
                    let json = serde_json::to_string(&cfg).map_err(|e| e.to_string())?;
                    let text = CArg::from_str(&json);
                    let mut out = ptr::null_mut();
                    let r = ok_code(acd_engine_new(text.ptr(), &mut out))?;
                    if r != acd_result::Ok {
                        return Err(format!("valid config refused: {r:?}"));
                    }
                    self.install(*slot, out);
                }
                AbiCall::Load { snapshot } => {
                    let text = CArg::new(snapshot);
                    let mut out = ptr::null_mut();
                    if ok_code(acd_engine_load_json(text.ptr(), &mut out))? == acd_result::Ok {
                        let slot = self.free_slot();
                        self.install(slot, out);
                    }
                }
                AbiCall::SaveLoad { slot, buf_extra } => self.save_load(*slot, *buf_extra)?,
                AbiCall::Free { slot } => self.free(*slot),
                AbiCall::HandleJson {
                    slot,
                    now,
                    tenant,
                    command,
                } => {
                    let t = self.now(*slot, *now);
                    let tenant = CArg::new(tenant);
                    let cmd = match command {
                        CommandText::Raw(text) => CArg::new(text),
                        CommandText::Built { kind, a, b } => CArg::from_str(&built(*kind, *a, *b)),
                    };
                    ok_code(acd_engine_handle_json(
                        self.handle(*slot),
                        t,
                        tenant.ptr(),
                        cmd.ptr(),
                    ))?;
                }
                AbiCall::Logon {
                    slot,
                    now,
                    tenant,
                    agent,
                    extension,
                } => {
                    let t = self.now(*slot, *now);
                    let (tenant, agent, ext) =
                        (CArg::new(tenant), CArg::new(agent), CArg::new(extension));
                    ok_code(acd_engine_logon(
                        self.handle(*slot),
                        t,
                        tenant.ptr(),
                        agent.ptr(),
                        ext.ptr(),
                    ))?;
                }
                AbiCall::Ready {
                    slot,
                    now,
                    tenant,
                    agent,
                } => {
                    let t = self.now(*slot, *now);
                    let (tenant, agent) = (CArg::new(tenant), CArg::new(agent));
                    ok_code(acd_engine_ready(
                        self.handle(*slot),
                        t,
                        tenant.ptr(),
                        agent.ptr(),
                    ))?;
                }
                AbiCall::CallArrived {
                    slot,
                    now,
                    tenant,
                    call,
                    group,
                } => {
                    let t = self.now(*slot, *now);
                    let (tenant, call, group) =
                        (CArg::new(tenant), CArg::new(call), CArg::new(group));
                    ok_code(acd_engine_call_arrived(
                        self.handle(*slot),
                        t,
                        tenant.ptr(),
                        call.ptr(),
                        group.ptr(),
                    ))?;
                }
                AbiCall::Offer {
                    slot,
                    now,
                    what,
                    last,
                    call,
                    agent,
                    epoch,
                } => self.offer_reply(*slot, *now, *what, *last, call, agent, *epoch)?,
                AbiCall::Hangup {
                    slot,
                    now,
                    tenant,
                    call,
                } => {
                    let t = self.now(*slot, *now);
                    let (tenant, call) = (CArg::new(tenant), CArg::new(call));
                    ok_code(acd_engine_hangup(
                        self.handle(*slot),
                        t,
                        tenant.ptr(),
                        call.ptr(),
                    ))?;
                }
                AbiCall::HandleTimeout { slot, now } => {
                    let t = self.now(*slot, *now);
                    ok_code(acd_engine_handle_timeout(self.handle(*slot), t))?;
                }
                AbiCall::PollTimeout { slot, null_out } => {
                    let mut at = 0u64;
                    let out = if *null_out { ptr::null_mut() } else { &mut at };
                    ok_code(acd_engine_poll_timeout(self.handle(*slot), out))?;
                }
                AbiCall::PollEffect { slot, null_out } => self.poll_effect(*slot, *null_out)?,
                AbiCall::PollJson { slot, events, buf } => {
                    let h = self.handle(*slot);
                    with_buf(*buf, false, |b, n, o| {
                        if *events {
                            acd_engine_poll_event_json(h, b, n, o)
                        } else {
                            acd_engine_poll_effect_json(h, b, n, o)
                        }
                    })?;
                }
                AbiCall::DrainJsonl { slot, events, buf } => {
                    let h = self.handle(*slot);
                    with_buf(*buf, true, |b, n, o| {
                        if *events {
                            acd_engine_drain_events_jsonl(h, b, n, o)
                        } else {
                            acd_engine_drain_effects_jsonl(h, b, n, o)
                        }
                    })?;
                }
                AbiCall::Pending {
                    slot,
                    null_effects,
                    null_events,
                } => {
                    let (mut e, mut v) = (0usize, 0usize);
                    let pe = if *null_effects {
                        ptr::null_mut()
                    } else {
                        &mut e
                    };
                    let pv = if *null_events {
                        ptr::null_mut()
                    } else {
                        &mut v
                    };
                    ok_code(acd_engine_pending(self.handle(*slot), pe, pv))?;
                }
                AbiCall::SetEventsEnabled { slot, on } => {
                    ok_code(acd_engine_set_events_enabled(self.handle(*slot), *on))?;
                }
                AbiCall::AgentStatus {
                    slot,
                    tenant,
                    agent,
                    media,
                    buf,
                } => {
                    let (h, tenant) = (self.handle(*slot), CArg::new(tenant));
                    let (agent, media) = (CArg::new(agent), CArg::new(media));
                    with_buf(*buf, false, |b, n, o| {
                        let (t, a, m) = (tenant.ptr(), agent.ptr(), media.ptr());
                        acd_engine_agent_status_json(h, t, a, m, b, n, o)
                    })?;
                }
                AbiCall::CallStatus {
                    slot,
                    tenant,
                    call,
                    buf,
                } => {
                    let (h, tenant, call) =
                        (self.handle(*slot), CArg::new(tenant), CArg::new(call));
                    with_buf(*buf, false, |b, n, o| {
                        acd_engine_call_status_json(h, tenant.ptr(), call.ptr(), b, n, o)
                    })?;
                }
                AbiCall::GroupStats {
                    slot,
                    tenant,
                    group,
                    buf,
                } => {
                    let (h, tenant, group) =
                        (self.handle(*slot), CArg::new(tenant), CArg::new(group));
                    with_buf(*buf, false, |b, n, o| {
                        acd_engine_group_stats_json(h, tenant.ptr(), group.ptr(), b, n, o)
                    })?;
                }
                AbiCall::QueueLen {
                    slot,
                    tenant,
                    group,
                    null_out,
                } => {
                    let (tenant, group) = (CArg::new(tenant), CArg::new(group));
                    let mut n = 0usize;
                    let out = if *null_out { ptr::null_mut() } else { &mut n };
                    let h = self.handle(*slot);
                    ok_code(acd_engine_queue_len(h, tenant.ptr(), group.ptr(), out))?;
                }
                AbiCall::Scalars { slot, null_out } => {
                    let h = self.handle(*slot);
                    let (mut t, mut n) = (0u64, 0usize);
                    let pt = if *null_out { ptr::null_mut() } else { &mut t };
                    let pn = if *null_out { ptr::null_mut() } else { &mut n };
                    ok_code(acd_engine_now(h, pt))?;
                    ok_code(acd_engine_live_calls(h, pn))?;
                    if CStr::from_ptr(acd_version()).to_bytes().is_empty() {
                        return Err("empty version".into());
                    }
                }
                AbiCall::Tenants { slot, buf } => {
                    let h = self.handle(*slot);
                    with_buf(*buf, false, |b, n, o| acd_engine_tenants_json(h, b, n, o))?;
                }
                AbiCall::Snapshot { slot, tenant, buf } => {
                    let (h, tenant) = (self.handle(*slot), CArg::new(tenant));
                    with_buf(*buf, false, |b, n, o| {
                        acd_engine_snapshot_json(h, tenant.ptr(), b, n, o)
                    })?;
                }
                AbiCall::DispatchView {
                    slot,
                    tenant,
                    agent,
                    buf,
                } => {
                    let h = self.handle(*slot);
                    let (tenant, agent) = (CArg::new(tenant), CArg::new(agent));
                    with_buf(*buf, false, |b, n, o| {
                        acd_engine_dispatch_view_json(h, tenant.ptr(), agent.ptr(), b, n, o)
                    })?;
                }
                AbiCall::Save { slot, buf } => {
                    let h = self.handle(*slot);
                    with_buf(*buf, false, |b, n, o| acd_engine_save_json(h, b, n, o))?;
                }
                AbiCall::ResultName { code } => {
                    if acd_result_name(*code).is_null() {
                        return Err(format!("code {code} has a NULL name"));
                    }
                }
                AbiCall::NullHandle { which } => null_handle(*which)?,
            }
        }
        Ok(())
    }

    /// Saves slot `slot` and loads the snapshot into the other slot; the
    /// copy must save to the same text.
    fn save_load(&mut self, slot: bool, extra: u8) -> Result<(), String> {
        let h = self.handle(slot);
        if h.is_null() {
            return Ok(());
        }
        let first = save(h, extra)?;
        let text = CString::new(first.clone()).map_err(|e| e.to_string())?;
        let mut out = ptr::null_mut();
        // SAFETY: NUL-terminated text owned here; `out` writable.
        let r = ok_code(unsafe { acd_engine_load_json(text.as_ptr(), &mut out) })?;
        if r != acd_result::Ok {
            return Err(format!("own snapshot refused: {r:?}"));
        }
        self.install(!slot, out);
        let second = save(out, extra)?;
        if first != second {
            return Err("snapshot round trip changed the engine".into());
        }
        Ok(())
    }

    fn poll_effect(&mut self, slot: bool, null_out: bool) -> Result<(), String> {
        let mut effect = MaybeUninit::<acd_effect>::uninit();
        let out = if null_out {
            ptr::null_mut()
        } else {
            effect.as_mut_ptr()
        };
        // SAFETY: live handle or NULL; `out` NULL or writable.
        let r = ok_code(unsafe { acd_engine_poll_effect(self.handle(slot), out) })?;
        if r == acd_result::Ok && !null_out {
            // SAFETY: OK means the library wrote the effect.
            let e = unsafe { effect.assume_init() };
            // SAFETY: strings are NULL or valid until the next poll on the handle.
            let text =
                |p: *const c_char| unsafe { (!p.is_null()).then(|| CStr::from_ptr(p).to_owned()) };
            if e.tenant.is_null() || e.call.is_null() {
                return Err("effect without tenant or call".into());
            }
            if let (acd_effect_kind::Offer, Some(call), Some(agent)) =
                (e.kind, text(e.call), text(e.agent))
            {
                self.last_offer = Some((call, agent, e.epoch));
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn offer_reply(
        &mut self,
        slot: bool,
        now: Now,
        what: u8,
        last: bool,
        call: &Text,
        agent: &Text,
        epoch: u64,
    ) -> Result<(), String> {
        let t = self.now(slot, now);
        let tenant = CArg::from_str("t");
        let (call, agent, epoch) = match (&self.last_offer, last) {
            (Some((c, a, e)), true) => (CArg(Some(c.clone())), CArg(Some(a.clone())), *e),
            _ => (CArg::new(call), CArg::new(agent), epoch),
        };
        let h = self.handle(slot);
        let f = match what % 3 {
            0 => acd_engine_answered,
            1 => acd_engine_alerting,
            _ => acd_engine_rejected,
        };
        // SAFETY: live handle or NULL; strings NULL or NUL-terminated.
        ok_code(unsafe { f(h, t, tenant.ptr(), call.ptr(), agent.ptr(), epoch) })?;
        Ok(())
    }
}

/// Saves an engine through the two-call size protocol.
fn save(h: *mut acd_engine, extra: u8) -> Result<String, String> {
    let mut len = 0usize;
    // SAFETY: live handle; NULL buffer with length 0 asks for the size.
    let r = ok_code(unsafe { acd_engine_save_json(h, ptr::null_mut(), 0, &mut len) })?;
    if r != acd_result::BufferTooSmall {
        return Err(format!("size query gave {r:?}"));
    }
    let mut buf = vec![0u8; len + 1 + usize::from(extra)];
    // SAFETY: `buf` holds `buf.len()` writable bytes.
    let r =
        ok_code(unsafe { acd_engine_save_json(h, buf.as_mut_ptr().cast(), buf.len(), &mut len) })?;
    if r != acd_result::Ok {
        return Err(format!("save into a buffer of the asked size gave {r:?}"));
    }
    check_written(&buf, len, false)?;
    String::from_utf8(buf[..len].to_vec()).map_err(|e| e.to_string())
}

/// Calls `f` with a buffer as described by `spec` and checks what it wrote.
fn with_buf(
    spec: Buf,
    lines: bool,
    f: impl FnOnce(*mut c_char, usize, *mut usize) -> acd_result,
) -> Result<acd_result, String> {
    let cap = usize::from(spec.len);
    // One guard byte past the declared capacity catches overruns.
    let mut storage = vec![0xA5u8; cap + 1];
    let buf = if spec.null {
        ptr::null_mut()
    } else {
        storage.as_mut_ptr().cast()
    };
    let mut out_len = usize::MAX;
    let pl = if spec.null_out_len {
        ptr::null_mut()
    } else {
        &mut out_len
    };
    let r = ok_code(f(buf, cap, pl))?;
    if storage[cap] != 0xA5 {
        return Err(format!("wrote past a {cap}-byte buffer"));
    }
    if spec.null_out_len {
        return Ok(r);
    }
    match r {
        acd_result::Ok if !spec.null => check_written(&storage[..cap], out_len, lines)?,
        acd_result::BufferTooSmall if !spec.null && out_len < cap => {
            return Err(format!(
                "buffer too small, yet {out_len} + NUL fits in {cap}"
            ));
        }
        _ => {}
    }
    Ok(r)
}

/// `buf[..len]` is UTF-8 JSON (or JSON lines) and `buf[len]` is NUL.
fn check_written(buf: &[u8], len: usize, lines: bool) -> Result<(), String> {
    if len >= buf.len() || buf[len] != 0 {
        return Err(format!(
            "no NUL at out_len {len} in a {}-byte buffer",
            buf.len()
        ));
    }
    let text = std::str::from_utf8(&buf[..len]).map_err(|e| format!("not UTF-8: {e}"))?;
    let docs: Vec<&str> = if lines {
        text.lines().collect()
    } else {
        vec![text]
    };
    for doc in docs {
        serde_json::from_str::<serde_json::Value>(doc)
            .map_err(|e| format!("not JSON ({e}): {doc:?}"))?;
    }
    Ok(())
}

/// Entry points given a NULL handle must refuse cleanly.
fn null_handle(which: u8) -> Result<(), String> {
    let h = ptr::null_mut();
    let s = CArg::from_str("x");
    let mut n = 0usize;
    let mut t = 0u64;
    // SAFETY: NULL handles are allowed by the contract (refused).
    let r = unsafe {
        match which % 8 {
            0 => acd_engine_handle_json(h, 0, s.ptr(), s.ptr()),
            1 => acd_engine_ready(h, 0, s.ptr(), s.ptr()),
            2 => acd_engine_handle_timeout(h, 0),
            3 => acd_engine_poll_timeout(h, &mut t),
            4 => acd_engine_poll_effect(h, ptr::null_mut()),
            5 => acd_engine_live_calls(h, &mut n),
            6 => acd_engine_check_invariants(h),
            _ => acd_engine_set_events_enabled(h, true),
        }
    };
    match ok_code(r)? {
        acd_result::Ok | acd_result::None => Err(format!("NULL handle accepted: {r:?}")),
        _ => Ok(()),
    }
}

/// A well-formed command over the family ids.
fn built(kind: u8, a: u8, b: u8) -> String {
    let agent = format!("a{}", a % 8);
    let call = format!("c{}", b % 4);
    let group = format!("g{}", a % 4);
    let v = match kind % 8 {
        0 => serde_json::json!({"type":"logon","agent":agent,"extension":"200"}),
        1 => serde_json::json!({"type":"ready","agent":agent}),
        2 => serde_json::json!({"type":"call_arrived","id":call,"group":group,"priority":b}),
        3 => serde_json::json!({"type":"hangup","call":call}),
        4 => serde_json::json!({"type":"not_ready","agent":agent,"reason":"BREAK"}),
        5 => serde_json::json!({"type":"pick","agent":agent,"call":call}),
        6 => serde_json::json!({"type":"transfer","call":call,"to_agent":agent}),
        _ => serde_json::json!({"type":"logoff","agent":agent}),
    };
    v.to_string()
}
