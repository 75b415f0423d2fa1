//! The ABI boundary: every `extern "C"` function runs its body through
//! [`guard`] (or [`guard_value`]), which catches panics, turns failures
//! into result codes and records the last error message for
//! `acd_last_error_message`.
//!
//! The last error is thread-local: a message describes the last call made
//! *on the calling thread*, so two threads with their own handles never see
//! each other's errors.

use crate::result::acd_result;
use std::any::Any;
use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A failed call: the code returned to C and the message kept for
/// `acd_last_error_message`.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) code: acd_result,
    pub(crate) message: String,
}

impl Failure {
    /// A failure with a code and message.
    pub(crate) fn new(code: acd_result, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }
}

impl From<::acd_engine::Error> for Failure {
    fn from(error: ::acd_engine::Error) -> Failure {
        Failure::new(acd_result::of_engine(&error), error.to_string())
    }
}

/// What a guarded body returns: a success code (`Ok` or `None`) or a failure.
pub(crate) type Outcome = Result<acd_result, Failure>;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

fn set_last_error(message: &str) {
    // Messages may quote ids that came from JSON and could hold "\u0000".
    let clean = message.replace('\0', "\u{FFFD}");
    let text = CString::new(clean).unwrap_or_default();
    LAST_ERROR.with(|slot| *slot.borrow_mut() = text);
}

fn clear_last_error() {
    LAST_ERROR.with(|slot| {
        let mut slot = slot.borrow_mut();
        if !slot.as_bytes().is_empty() {
            *slot = CString::default();
        }
    });
}

/// Describes a caught panic from its payload.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    let detail = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_string());
    format!("panic caught at the C ABI boundary: {detail}")
}

/// Runs `body`, catching panics. Success clears the thread's last error;
/// failure or panic records it. Returns the code for C.
pub(crate) fn guard(body: impl FnOnce() -> Outcome) -> acd_result {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(code)) => {
            clear_last_error();
            code
        }
        Ok(Err(failure)) => {
            set_last_error(&failure.message);
            failure.code
        }
        Err(payload) => {
            set_last_error(&panic_message(payload.as_ref()));
            acd_result::Panic
        }
    }
}

/// Runs `body` for a function that returns a plain value, not a code;
/// a panic yields `fallback` (and is recorded as the last error).
pub(crate) fn guard_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(payload) => {
            set_last_error(&panic_message(payload.as_ref()));
            fallback
        }
    }
}

/// The message of the last failed call on this thread, or `""` when the
/// last call succeeded. Never NULL.
///
/// The pointer stays valid until the next `acd_*` call on the same thread;
/// copy the text if you need it longer. Do not free it.
#[no_mangle]
pub extern "C" fn acd_last_error_message() -> *const c_char {
    guard_value(c"".as_ptr(), || {
        LAST_ERROR.with(|slot| slot.borrow().as_ptr())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn last() -> String {
        unsafe { CStr::from_ptr(acd_last_error_message()) }
            .to_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn a_panic_becomes_a_code_and_a_message() {
        let code = guard(|| panic!("boom {}", 42));
        assert_eq!(code, acd_result::Panic);
        assert!(last().contains("boom 42"), "{}", last());
    }

    #[test]
    fn success_clears_the_last_error() {
        assert_eq!(
            guard(|| Err(Failure::new(acd_result::InvalidJson, "bad"))),
            acd_result::InvalidJson
        );
        assert_eq!(last(), "bad");
        assert_eq!(guard(|| Ok(acd_result::Ok)), acd_result::Ok);
        assert_eq!(last(), "");
    }

    #[test]
    fn nul_in_a_message_does_not_lose_it() {
        guard(|| Err(Failure::new(acd_result::UnknownAgent, "agent a\0b")));
        assert_eq!(last(), "agent a\u{FFFD}b");
    }

    #[test]
    fn guard_value_falls_back_on_panic() {
        let v = guard_value(7, || -> i32 { panic!("nope") });
        assert_eq!(v, 7);
        assert!(last().contains("nope"));
    }

    #[test]
    fn engine_errors_keep_their_text() {
        let f = Failure::from(acd_engine::Error::UnknownAgent("zed".into()));
        assert_eq!(f.code, acd_result::UnknownAgent);
        assert_eq!(f.message, "unknown agent zed");
    }
}
