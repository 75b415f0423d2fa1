//! The load simulator behind the C ABI: `sim run` for embedders (the Python
//! package's `acd.simulate`, capacity-planning notebooks, other languages).
//!
//! `acd_sim_run` takes a scenario's TOML text (the format of `sim run`, see
//! `sim/README.md`), runs its replications and hands back an opaque
//! `acd_sim_report`; `acd_sim_report_json` copies the report out as the
//! JSON `sim run` writes to `report.json`, and `acd_sim_report_free`
//! releases it. Keeping the report in a handle lets a caller whose buffer
//! was too small ask again without simulating again.
//!
//! The functions follow the crate's conventions: one panic boundary
//! ([`crate::boundary::guard`]), result codes, a tagged handle.

use crate::boundary::{guard, Failure};
use crate::marshal::{self, OutBuf};
use crate::result::acd_result;
use acd_sim::replications::run_replications;
use acd_sim::report::Report;
use acd_sim::scenario::Scenario;
use std::ffi::{c_char, c_void};
use std::sync::Mutex;

/// Tag of a live report ("ACDSIMRP").
const LIVE: u64 = 0x4143_4453_494d_5250;
/// Tag written into a report as it is freed.
const FREED: u64 = 0xdead_acd1_dead_acd1;

/// Smallest step between two progress callbacks (0.1 % of the work).
const PROGRESS_STEP: f64 = 0.001;

/// A finished simulation's report behind an opaque pointer. Immutable:
/// it may be read from several threads at once.
#[allow(non_camel_case_types)]
pub struct acd_sim_report {
    _opaque: [u8; 0],
}

/// What an `acd_sim_report *` points to; the tag comes first.
#[repr(C)]
struct ReportHandle {
    tag: u64,
    json: String,
}

/// Progress of a simulation: `fraction` done, from 0 to 1, and the
/// caller's `user_data`. It may be called from the library's worker
/// threads (never two at once), must not call back into `acd_sim_run`,
/// and must return quickly.
#[allow(non_camel_case_types)]
pub type acd_progress_fn = Option<unsafe extern "C" fn(fraction: f64, user_data: *mut c_void)>;

/// Options of `acd_sim_run`. Zero-initialise it (`acd_sim_options o = {0};`)
/// for the defaults: the scenario's seed, one replication, one thread.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
#[allow(non_camel_case_types)]
pub struct acd_sim_options {
    /// Use `seed` instead of the scenario's own seed.
    pub override_seed: bool,
    /// Seed of the first replication (replication k uses seed + k).
    pub seed: u64,
    /// Independent replications (0 counts as 1).
    pub replications: u32,
    /// Threads running replications (0 counts as 1); figures do not
    /// depend on it.
    pub jobs: u32,
}

/// The caller's progress callback, serialised and thinned out.
struct Progress {
    callback: acd_progress_fn,
    user_data: usize,
    last: Mutex<f64>,
}

impl Progress {
    fn report(&self, fraction: f64) {
        let Some(callback) = self.callback else {
            return;
        };
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        if fraction - *last < PROGRESS_STEP && !(fraction >= 1.0 && *last < 1.0) {
            return;
        }
        *last = fraction;
        // SAFETY: the caller gave a function of this signature and promised
        // it may be called with its `user_data` until `acd_sim_run` returns.
        // The mutex guard keeps calls one at a time.
        unsafe { callback(fraction, self.user_data as *mut c_void) };
    }
}

/// Runs a simulation of the scenario in `scenario_toml` (the TOML text
/// `sim run` reads) and stores its report in `*out`; on failure `*out` is
/// left untouched. `options` may be NULL for the defaults; `progress` may
/// be NULL; `user_data` is passed to it unchanged.
///
/// Returns `ACD_RESULT_INVALID_ARGUMENT` for a scenario that does not parse
/// or is invalid (the message names the line), `ACD_RESULT_CONFIG` when the
/// engine refuses the configuration it describes. Free the report with
/// `acd_sim_report_free`. Blocks the calling thread until the simulation
/// ends.
///
/// # Safety
/// `scenario_toml` must be NULL or a NUL-terminated string; `options` NULL
/// or a valid `acd_sim_options`; `out` NULL or valid for writing a pointer;
/// `progress`, when given, must be safe to call from any thread with
/// `user_data` until this function returns.
#[no_mangle]
pub unsafe extern "C" fn acd_sim_run(
    scenario_toml: *const c_char,
    options: *const acd_sim_options,
    progress: acd_progress_fn,
    user_data: *mut c_void,
    out: *mut *mut acd_sim_report,
) -> acd_result {
    guard(|| {
        marshal::check_out(out, "out")?;
        // SAFETY: the caller's contract.
        let text = unsafe { marshal::text(scenario_toml, "scenario_toml") }?;
        // SAFETY: NULL or a valid struct, by contract.
        let options = unsafe { options.as_ref() }.copied().unwrap_or(DEFAULTS);
        let progress = Progress {
            callback: progress,
            user_data: user_data as usize,
            last: Mutex::new(-1.0),
        };
        let json = simulate(text, &options, &progress)?;
        let handle = Box::new(ReportHandle { tag: LIVE, json });
        // SAFETY: checked non-NULL above.
        unsafe { marshal::put(out, Box::into_raw(handle).cast(), "out") }?;
        Ok(acd_result::Ok)
    })
}

const DEFAULTS: acd_sim_options = acd_sim_options {
    override_seed: false,
    seed: 0,
    replications: 1,
    jobs: 1,
};

/// Parses, runs and reports, as `sim run` does, without files.
fn simulate(text: &str, options: &acd_sim_options, progress: &Progress) -> Result<String, Failure> {
    let scenario = Scenario::parse(text)
        .map_err(|e| Failure::new(acd_result::InvalidArgument, format!("scenario: {e}")))?;
    let seed = if options.override_seed {
        options.seed
    } else {
        scenario.seed
    };
    let report_progress = |f: f64| progress.report(f);
    let runs = run_replications(
        &scenario,
        seed,
        options.replications.max(1),
        options.jobs.max(1),
        None,
        &report_progress,
    )
    .map_err(|e| Failure::new(acd_result::Config, format!("simulation: {e}")))?;
    let report = Report::build("scenario", &scenario, &runs);
    serde_json::to_string(&report)
        .map_err(|e| Failure::new(acd_result::Inconsistent, format!("report: {e}")))
}

/// Checks `ptr` and borrows the report behind it.
///
/// # Safety
/// `ptr` must be NULL or a pointer from `acd_sim_run`.
unsafe fn borrow<'a>(ptr: *const acd_sim_report) -> Result<&'a ReportHandle, Failure> {
    let ptr = ptr.cast::<ReportHandle>();
    if ptr.is_null() {
        return Err(marshal::null("report"));
    }
    if !ptr.is_aligned() {
        return Err(bad_report("misaligned pointer"));
    }
    // SAFETY: non-null, aligned; only the leading tag is read first.
    match unsafe { ptr.cast::<u64>().read() } {
        // SAFETY: the tag says this is a live report we allocated.
        LIVE => Ok(unsafe { &*ptr }),
        FREED => Err(bad_report("report already freed")),
        _ => Err(bad_report("not an acd_sim_report handle")),
    }
}

fn bad_report(why: &str) -> Failure {
    Failure::new(acd_result::BadHandle, format!("bad report handle: {why}"))
}

/// Copies the report as JSON (the `report.json` of `sim run`) into `buf`.
/// Buffers follow the usual rule: `ACD_RESULT_BUFFER_TOO_SMALL` stores the
/// length needed in `*out_len`, and the call can be repeated.
///
/// # Safety
/// `report` must be a handle from `acd_sim_run`; `buf` valid for `buf_len`
/// bytes (NULL when `buf_len` is 0); `out_len` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn acd_sim_report_json(
    report: *const acd_sim_report,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> acd_result {
    guard(|| {
        // SAFETY: the caller's contract.
        let handle = unsafe { borrow(report) }?;
        let out = OutBuf::new(buf, buf_len, out_len)?;
        // SAFETY: checked by `OutBuf::new`; writable by contract.
        unsafe { out.write(&handle.json) }?;
        Ok(acd_result::Ok)
    })
}

/// Releases a report. NULL is a no-op; a report freed twice is detected
/// (while its memory has not been reused), recorded as the last error and
/// otherwise ignored.
///
/// # Safety
/// `report` must be NULL or a handle from `acd_sim_run`.
#[no_mangle]
pub unsafe extern "C" fn acd_sim_report_free(report: *mut acd_sim_report) {
    guard(|| {
        if report.is_null() {
            return Ok(acd_result::Ok);
        }
        // SAFETY: the caller's contract.
        unsafe { borrow(report) }?;
        let ptr = report.cast::<ReportHandle>();
        // SAFETY: a live report we allocated; mark it, then release it.
        unsafe {
            (*ptr).tag = FREED;
            drop(Box::from_raw(ptr));
        }
        Ok(acd_result::Ok)
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CString;
    use std::ptr;

    const SCENARIO: &str = r#"
        duration_s = 1800
        [[groups]]
        id = "support"
        skills = ["support"]
        [[arrivals]]
        group = "support"
        per_hour = 60
        handle = { dist = "exponential", mean_s = 120 }
        [[agents]]
        count = 4
        skills = { support = 5 }
    "#;

    unsafe extern "C" fn count(fraction: f64, user_data: *mut c_void) {
        let seen = unsafe { &mut *user_data.cast::<Vec<f64>>() };
        seen.push(fraction);
    }

    fn run(text: &str, seen: &mut Vec<f64>) -> (acd_result, *mut acd_sim_report) {
        let text = CString::new(text).unwrap();
        let mut out = ptr::null_mut();
        let opts = acd_sim_options {
            override_seed: true,
            seed: 3,
            replications: 2,
            jobs: 2,
        };
        let user = (seen as *mut Vec<f64>).cast();
        let rc = unsafe { acd_sim_run(text.as_ptr(), &opts, Some(count), user, &mut out) };
        (rc, out)
    }

    #[test]
    fn a_run_reports_json_and_progress() {
        let mut seen = Vec::new();
        let (rc, report) = run(SCENARIO, &mut seen);
        assert_eq!(rc, acd_result::Ok);
        assert_eq!(seen.last(), Some(&1.0));
        assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
        let mut len = 0;
        let rc = unsafe { acd_sim_report_json(report, ptr::null_mut(), 0, &mut len) };
        assert_eq!(rc, acd_result::BufferTooSmall);
        let mut buf = vec![0 as c_char; len + 1];
        let rc = unsafe { acd_sim_report_json(report, buf.as_mut_ptr(), buf.len(), &mut len) };
        assert_eq!(rc, acd_result::Ok);
        let bytes: Vec<u8> = buf[..len].iter().map(|&c| c as u8).collect();
        let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(json["replications"], 2);
        assert_eq!(json["seed"], 3);
        assert_eq!(json["groups"][0]["id"], "support");
        unsafe { acd_sim_report_free(report) };
        // Freed twice: detected, harmless.
        unsafe { acd_sim_report_free(report) };
    }

    #[test]
    fn a_bad_scenario_is_a_code_and_leaves_out_alone() {
        let mut seen = Vec::new();
        let (rc, report) = run("duration_s = \"soon\"", &mut seen);
        assert_eq!(rc, acd_result::InvalidArgument);
        assert!(report.is_null());
        let mut out = ptr::null_mut();
        let rc = unsafe { acd_sim_run(ptr::null(), ptr::null(), None, ptr::null_mut(), &mut out) };
        assert_eq!(rc, acd_result::NullPointer);
        let mut len = 0;
        let rc = unsafe { acd_sim_report_json(ptr::null(), ptr::null_mut(), 0, &mut len) };
        assert_eq!(rc, acd_result::NullPointer);
    }
}
