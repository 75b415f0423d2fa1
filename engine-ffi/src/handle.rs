//! The opaque `acd_engine` handle: creation from a JSON configuration,
//! destruction, and the checked borrow every other function goes through.
//!
//! A handle starts with a magic tag. Every call checks the pointer for
//! NULL, alignment and the tag before touching anything else, so NULL,
//! pointers to other kinds of object and (while the memory has not been
//! reused) freed handles are reported as `ACD_RESULT_BAD_HANDLE`. No C
//! library can detect every dangling or forged pointer: reading the tag of
//! an arbitrary address is itself undefined behaviour. The check is a
//! safety net, not a licence to pass garbage.

use crate::boundary::{guard, guard_value, Failure, Outcome};
use crate::marshal::{self, OutBuf};
use crate::result::acd_result;
use ::acd_engine::{Engine, EngineConfig};
use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

/// Tag of a live handle ("ACDENGIN").
const LIVE: u64 = 0x4143_4445_4e47_494e;
/// Tag written into a handle as it is freed.
const FREED: u64 = 0xdead_acd0_dead_acd0;

/// An ACD engine behind an opaque pointer. C sees only
/// `typedef struct acd_engine acd_engine;`; the memory behind the pointer
/// is a private, tagged record (`Handle`).
///
/// Thread safety: a handle is *not* internally synchronised. It must not
/// be used from two threads at the same time; it may be moved between
/// threads (used by one thread, then by another, with the caller's own
/// synchronisation in between). Independent handles may be used in
/// parallel freely.
#[allow(non_camel_case_types)]
pub struct acd_engine {
    _opaque: [u8; 0],
}

/// What an `acd_engine *` points to. `repr(C)` puts the tag first, so the
/// check reads only the first eight bytes of whatever the caller passed.
#[repr(C)]
pub(crate) struct Handle {
    tag: u64,
    /// An earlier call panicked inside the engine.
    poisoned: bool,
    /// The engine, which also holds the outputs not yet handed to C.
    pub(crate) engine: Engine,
    /// Strings the last typed effect (`acd_effect`) points into.
    pub(crate) effect_strings: Vec<CString>,
}

impl Handle {
    fn boxed(engine: Engine) -> Box<Handle> {
        Box::new(Handle {
            tag: LIVE,
            poisoned: false,
            engine,
            effect_strings: Vec::new(),
        })
    }

    /// Hands the handle to C.
    fn into_raw(self: Box<Handle>) -> *mut acd_engine {
        Box::into_raw(self).cast()
    }
}

/// Checks `ptr` and borrows the handle behind it.
///
/// # Safety
/// `ptr` must be NULL or a pointer obtained from `acd_engine_new` /
/// `acd_engine_load_json`; see the module docs for what is detected.
unsafe fn borrow<'a>(ptr: *mut acd_engine) -> Result<&'a mut Handle, Failure> {
    let ptr = ptr.cast::<Handle>();
    if ptr.is_null() {
        return Err(marshal::null("engine"));
    }
    if !ptr.is_aligned() {
        return Err(bad_handle("misaligned pointer"));
    }
    // SAFETY: non-null and aligned; the caller promises it came from us.
    // Only the first eight bytes (the tag, first in the repr(C) layout)
    // are read before any reference is formed.
    let tag = unsafe { ptr.cast::<u64>().read() };
    if tag != LIVE {
        let why = if tag == FREED {
            "handle already freed"
        } else {
            "not an acd_engine handle"
        };
        return Err(bad_handle(why));
    }
    // SAFETY: the tag says this is a live handle we allocated.
    let handle = unsafe { &mut *ptr };
    if handle.poisoned {
        return Err(Failure::new(
            acd_result::Poisoned,
            "an earlier call panicked inside this engine; free it and build a new one",
        ));
    }
    Ok(handle)
}

fn bad_handle(why: &str) -> Failure {
    Failure::new(acd_result::BadHandle, format!("bad engine handle: {why}"))
}

/// The shared body of every function that takes a handle: checks the
/// handle, runs `body` inside the panic boundary and poisons the handle
/// when `body` panics.
///
/// # Safety
/// As for [`borrow`].
pub(crate) unsafe fn with_engine(
    ptr: *mut acd_engine,
    body: impl FnOnce(&mut Handle) -> Outcome,
) -> acd_result {
    guard(|| {
        // SAFETY: forwarded contract.
        let handle = unsafe { borrow(ptr) }?;
        catch_unwind(AssertUnwindSafe(|| body(handle))).unwrap_or_else(|payload| {
            handle.poisoned = true;
            resume_unwind(payload)
        })
    })
}

/// The shared body of every function that answers in a caller-owned
/// buffer `(buf, buf_len, out_len)`: as [`with_engine`], then checks the
/// buffer and runs `body` with the engine and the checked buffer (which
/// `body` fills with [`OutBuf::json`] or [`OutBuf::write`]).
///
/// # Safety
/// As for [`borrow`]; `buf` must be NULL or writable for `buf_len` bytes,
/// `out_len` NULL or writable.
pub(crate) unsafe fn with_text_out(
    ptr: *mut acd_engine,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
    body: impl FnOnce(&mut Engine, OutBuf) -> Outcome,
) -> acd_result {
    // SAFETY: forwarded contract.
    unsafe {
        with_engine(ptr, |h| {
            body(&mut h.engine, OutBuf::new(buf, buf_len, out_len)?)
        })
    }
}

/// Builds an engine from a JSON `EngineConfig` and stores its handle in
/// `*out`. On failure `*out` is left untouched.
///
/// Returns `ACD_RESULT_INVALID_JSON` when the text does not parse as a
/// configuration and `ACD_RESULT_CONFIG` when it parses but is invalid.
/// Free the handle with `acd_engine_free`.
///
/// # Safety
/// `config_json` must be NULL or a NUL-terminated string; `out` must be
/// NULL or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_new(
    config_json: *const c_char,
    out: *mut *mut acd_engine,
) -> acd_result {
    guard(|| {
        marshal::check_out(out, "out")?;
        // SAFETY: the caller's contract.
        let config: EngineConfig = unsafe { marshal::json(config_json, "config_json") }?;
        let engine = Engine::new(config)?;
        // SAFETY: checked non-NULL above.
        unsafe { marshal::put(out, Handle::boxed(engine).into_raw(), "out") }?;
        Ok(acd_result::Ok)
    })
}

/// Restores an engine from a snapshot made by `acd_engine_save_json` and
/// stores its handle in `*out` (R-7.2). The snapshot is checked against
/// the engine's invariants: one that parses but is inconsistent returns
/// `ACD_RESULT_INCONSISTENT`. The check cannot prove a hand-edited or
/// corrupted snapshot sound: should the engine later panic on it, the call
/// returns `ACD_RESULT_PANIC` and the handle is poisoned, as always.
///
/// # Safety
/// As for `acd_engine_new`.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_load_json(
    snapshot_json: *const c_char,
    out: *mut *mut acd_engine,
) -> acd_result {
    guard(|| {
        marshal::check_out(out, "out")?;
        // SAFETY: the caller's contract.
        let text = unsafe { marshal::text(snapshot_json, "snapshot_json") }?;
        let engine = restore(text)?;
        // SAFETY: checked non-NULL above.
        unsafe { marshal::put(out, Handle::boxed(engine).into_raw(), "out") }?;
        Ok(acd_result::Ok)
    })
}

/// Parses a saved engine. Text that is not JSON is `InvalidJson`; JSON that
/// is not a sound engine state (wrong shape, dangling indexes, broken
/// invariants: the engine checks all of them on load) is `Inconsistent`.
fn restore(text: &str) -> Result<Engine, Failure> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Failure::new(acd_result::InvalidJson, format!("snapshot_json: {e}")))?;
    Engine::from_snapshot_value(value)
        .map_err(|e| Failure::new(acd_result::Inconsistent, format!("snapshot_json: {e}")))
}

/// Frees an engine and everything it owns. NULL is a no-op. A pointer
/// that is not a live handle (including one already freed, while its
/// memory has not been reused) is left alone and reported through
/// `acd_last_error_message`; it is never freed twice. A poisoned handle
/// is freed normally.
///
/// # Safety
/// `engine` must be NULL or a handle from this library that no other
/// thread is using. It must not be used again after this call.
#[no_mangle]
pub unsafe extern "C" fn acd_engine_free(engine: *mut acd_engine) {
    guard(|| {
        if engine.is_null() {
            return Ok(acd_result::Ok);
        }
        // Poisoned handles must still be freeable, so check only the tag.
        // SAFETY: forwarded contract.
        match unsafe { borrow(engine) } {
            Ok(_) => {}
            Err(f) if f.code == acd_result::Poisoned => {}
            Err(f) => return Err(f),
        }
        // SAFETY: a live handle we allocated with Box::into_raw. Mark it
        // freed first so a double free is caught while the memory is not
        // reused.
        unsafe {
            let handle = engine.cast::<Handle>();
            (*handle).tag = FREED;
            drop(Box::from_raw(handle));
        }
        Ok(acd_result::Ok)
    });
}

/// The library's version, e.g. `"0.1.0"`. Static; never NULL.
#[no_mangle]
pub extern "C" fn acd_version() -> *const c_char {
    guard_value(c"".as_ptr(), || {
        const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
        VERSION.as_ptr().cast()
    })
}

/// Compile-time proof of the documented thread model: a handle may move
/// between threads.
const _: fn() = || {
    fn movable<T: Send>() {}
    movable::<Handle>();
};

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::ptr;

    /// A fresh engine with one tenant, one group and one agent.
    pub(crate) fn engine() -> *mut acd_engine {
        engine_with(
            r#"{"tenants":[{"id":"acme","groups":[{"id":"support"}],
                "agents":[{"id":"alice","skills":{"support":5}}]}]}"#,
        )
    }

    /// A fresh engine built from the JSON configuration `config`.
    pub(crate) fn engine_with(config: &str) -> *mut acd_engine {
        let config = CString::new(config).unwrap();
        let mut e = ptr::null_mut();
        assert_eq!(
            unsafe { acd_engine_new(config.as_ptr(), &mut e) },
            acd_result::Ok
        );
        e
    }

    /// The handle behind a pointer from [`engine`], for white-box tests.
    ///
    /// # Safety
    /// `e` must be a live handle not otherwise borrowed.
    pub(crate) unsafe fn inner<'a>(e: *mut acd_engine) -> &'a mut Handle {
        unsafe { &mut *e.cast::<Handle>() }
    }

    #[test]
    fn a_panic_inside_the_engine_poisons_the_handle() {
        let e = engine();
        let rc = unsafe { with_engine(e, |_| panic!("engine bug")) };
        assert_eq!(rc, acd_result::Panic);
        let rc = unsafe { with_engine(e, |_| Ok(acd_result::Ok)) };
        assert_eq!(rc, acd_result::Poisoned);
        // A poisoned handle is still freed (valgrind/ASan would flag a leak).
        unsafe { acd_engine_free(e) };
    }

    #[test]
    fn free_marks_the_tag_before_releasing() {
        // Checked on a handle that is never released, so that reading the
        // tag afterwards is not a use after free.
        let mut h = Handle::boxed(Engine::new(EngineConfig::default()).unwrap());
        let raw: *mut acd_engine = (&mut *h as *mut Handle).cast();
        h.tag = FREED;
        let rc = unsafe { with_engine(raw, |_| Ok(acd_result::Ok)) };
        assert_eq!(rc, acd_result::BadHandle);
        h.tag = LIVE;
        assert_eq!(
            unsafe { with_engine(raw, |_| Ok(acd_result::Ok)) },
            acd_result::Ok
        );
    }
}
