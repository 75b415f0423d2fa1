//! Moving data across the boundary: C strings in, caller-owned buffers and
//! out-parameters out. Every check that turns a bad pointer or bad text
//! into a result code lives here.

use crate::boundary::{Failure, Outcome};
use crate::result::acd_result;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::ffi::{c_char, CStr};

/// Borrows a NUL-terminated UTF-8 string argument named `what`.
///
/// # Safety
/// `ptr` must be NULL or point to a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn text<'a>(ptr: *const c_char, what: &str) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(null(what));
    }
    // SAFETY: non-null and, by the caller's contract, NUL-terminated.
    let raw = unsafe { CStr::from_ptr(ptr) };
    raw.to_str().map_err(|e| {
        Failure::new(
            acd_result::InvalidUtf8,
            format!("{what} is not valid UTF-8: {e}"),
        )
    })
}

/// Reads a NUL-terminated UTF-8 string argument named `what` as an id
/// (`TenantId`, `AgentId`, ...).
///
/// # Safety
/// As for [`text`].
pub(crate) unsafe fn id<T: for<'s> From<&'s str>>(
    ptr: *const c_char,
    what: &str,
) -> Result<T, Failure> {
    // SAFETY: forwarded contract.
    unsafe { text(ptr, what) }.map(T::from)
}

/// Parses a JSON string argument named `what` into `T`.
///
/// # Safety
/// As for [`text`].
pub(crate) unsafe fn json<T: DeserializeOwned>(
    ptr: *const c_char,
    what: &str,
) -> Result<T, Failure> {
    // SAFETY: forwarded contract.
    let raw = unsafe { text(ptr, what) }?;
    serde_json::from_str(raw)
        .map_err(|e| Failure::new(acd_result::InvalidJson, format!("{what}: {e}")))
}

/// Encodes a value as one line of JSON (no newline).
pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, Failure> {
    serde_json::to_string(value).map_err(|e| {
        Failure::new(
            acd_result::InvalidJson,
            format!("could not encode as JSON: {e}"),
        )
    })
}

/// The failure for a NULL argument named `what`.
pub(crate) fn null(what: &str) -> Failure {
    Failure::new(acd_result::NullPointer, format!("{what} is NULL"))
}

/// Stores `value` through the out-parameter `out` named `what`.
///
/// # Safety
/// `out` must be NULL or valid for a write of `T`.
pub(crate) unsafe fn put<T>(out: *mut T, value: T, what: &str) -> Result<(), Failure> {
    if out.is_null() {
        return Err(null(what));
    }
    // SAFETY: non-null and writable by the caller's contract.
    unsafe { out.write(value) };
    Ok(())
}

/// Checks that `out` may be written before any work is done, so that a
/// NULL out-parameter never loses a consumed value.
pub(crate) fn check_out<T>(out: *mut T, what: &str) -> Result<(), Failure> {
    if out.is_null() {
        Err(null(what))
    } else {
        Ok(())
    }
}

/// Where text output goes: a caller-owned buffer and its capacity, and the
/// out-parameter that receives the text's length.
#[derive(Clone, Copy)]
pub(crate) struct OutBuf {
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
}

impl OutBuf {
    /// Validates the pointers. `buf` may be NULL only when `cap` is 0
    /// (a size query).
    pub(crate) fn new(
        buf: *mut c_char,
        cap: usize,
        out_len: *mut usize,
    ) -> Result<OutBuf, Failure> {
        check_out(out_len, "out_len")?;
        if buf.is_null() && cap > 0 {
            return Err(null("buf"));
        }
        Ok(OutBuf { buf, cap, out_len })
    }

    /// Whether `len` bytes of text plus a NUL fit.
    pub(crate) fn fits(&self, len: usize) -> bool {
        len < self.cap
    }

    /// Writes `text` and a NUL terminator and stores its length (without
    /// the NUL) in `*out_len`. When it does not fit, writes nothing to the
    /// buffer, still stores the length, and fails with BUFFER_TOO_SMALL.
    ///
    /// # Safety
    /// `buf` must be valid for `cap` bytes of writes and `out_len` for a
    /// write of `usize` (checked non-NULL by [`OutBuf::new`]).
    pub(crate) unsafe fn write(&self, text: &str) -> Result<(), Failure> {
        // SAFETY: checked non-NULL in `new`; writable by contract.
        unsafe { self.out_len.write(text.len()) };
        if !self.fits(text.len()) {
            return Err(Failure::new(
                acd_result::BufferTooSmall,
                format!(
                    "buffer of {} bytes is too small: {} bytes needed (text plus NUL)",
                    self.cap,
                    text.len() + 1
                ),
            ));
        }
        // SAFETY: `text.len() + 1 <= cap`, so both the copy and the NUL
        // stay inside the caller's buffer; the regions cannot overlap
        // because `text` is owned by Rust.
        unsafe {
            std::ptr::copy_nonoverlapping(text.as_ptr(), self.buf.cast::<u8>(), text.len());
            self.buf.add(text.len()).write(0);
        }
        Ok(())
    }

    /// Writes `value` as JSON (see [`OutBuf::write`]): the answer of every
    /// function that returns one structured value.
    ///
    /// # Safety
    /// As for [`OutBuf::write`].
    pub(crate) unsafe fn json<T: Serialize + ?Sized>(&self, value: &T) -> Outcome {
        // SAFETY: forwarded contract.
        unsafe { self.write(&to_json(value)?) }?;
        Ok(acd_result::Ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ptr;

    #[test]
    fn null_and_bad_utf8_are_codes() {
        let e = unsafe { text(ptr::null(), "tenant") }.unwrap_err();
        assert_eq!(e.code, acd_result::NullPointer);
        assert_eq!(e.message, "tenant is NULL");
        let bad = [0xffu8, 0xfe, 0];
        let e = unsafe { text(bad.as_ptr().cast(), "agent") }.unwrap_err();
        assert_eq!(e.code, acd_result::InvalidUtf8);
    }

    #[test]
    fn a_buffer_one_byte_short_is_refused_untouched() {
        let mut buf = [b'x' as c_char; 5];
        let mut len = 0usize;
        let out = OutBuf::new(buf.as_mut_ptr(), buf.len(), &mut len).unwrap();
        let e = unsafe { out.write("hello") }.unwrap_err();
        assert_eq!(e.code, acd_result::BufferTooSmall);
        assert_eq!(len, 5);
        assert!(buf.iter().all(|&b| b == b'x' as c_char));
        let mut buf = [0 as c_char; 6];
        let out = OutBuf::new(buf.as_mut_ptr(), buf.len(), &mut len).unwrap();
        unsafe { out.write("hello") }.unwrap();
        let got = unsafe { CStr::from_ptr(buf.as_ptr()) };
        assert_eq!(got.to_str().unwrap(), "hello");
    }

    #[test]
    fn size_query_with_null_buffer() {
        let mut len = 0usize;
        let out = OutBuf::new(ptr::null_mut(), 0, &mut len).unwrap();
        let e = unsafe { out.write("abc") }.unwrap_err();
        assert_eq!(e.code, acd_result::BufferTooSmall);
        assert_eq!(len, 3);
        let e = OutBuf::new(ptr::null_mut(), 4, &mut len).err().unwrap();
        assert_eq!(e.code, acd_result::NullPointer);
        let mut b = [0 as c_char; 4];
        let e = OutBuf::new(b.as_mut_ptr(), 4, ptr::null_mut())
            .err()
            .unwrap();
        assert_eq!(e.code, acd_result::NullPointer);
    }
}
