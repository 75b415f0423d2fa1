//! Result codes: a stable numeric enum, one value per engine [`Error`]
//! variant plus the failures only a C caller can cause.
//!
//! The values are part of the ABI and never change meaning: new codes are
//! only ever added. `0..100` are FFI codes, `100..` mirror [`Error`].

use ::acd_engine::{Error, PickRefusal};
use std::ffi::{c_char, CStr};

/// What a call returned. `ACD_RESULT_OK` (0) is success; `ACD_RESULT_NONE`
/// (1) means "nothing to return" from a poll function and is not an error;
/// every other value is a failure whose text is in
/// `acd_last_error_message()`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum acd_result {
    /// Success.
    Ok = 0,
    /// Nothing pending: no effect, event or timer. Not an error.
    None = 1,
    /// A pointer argument that must not be NULL was NULL.
    NullPointer = 2,
    /// A string argument was not valid UTF-8.
    InvalidUtf8 = 3,
    /// A JSON argument did not parse, or did not describe a valid
    /// configuration or command. (A snapshot that is JSON but not a sound
    /// engine state is `Inconsistent`.)
    InvalidJson = 4,
    /// The output buffer is too small; `*out_len` holds the length needed
    /// (without the NUL). Nothing was consumed: call again with a larger
    /// buffer.
    BufferTooSmall = 5,
    /// The handle is not a live `acd_engine` (wrong type, freed, misaligned).
    BadHandle = 6,
    /// The engine panicked; the panic was caught at the ABI boundary.
    Panic = 7,
    /// An earlier call on this handle panicked; its state cannot be
    /// trusted. Free it and build a new one (e.g. from a saved snapshot).
    Poisoned = 8,
    /// A non-JSON argument had a value outside its domain (e.g. an unknown
    /// media name).
    InvalidArgument = 9,
    /// Engine state is not sound: a snapshot that is JSON but not a sound
    /// engine state (wrong shape, dangling indexes, broken invariants), or
    /// a failed `acd_engine_check_invariants`.
    Inconsistent = 10,

    /// Engine: the tenant is not hosted by this engine.
    UnknownTenant = 100,
    /// Engine: no such agent.
    UnknownAgent = 101,
    /// Engine: no such group.
    UnknownGroup = 102,
    /// Engine: no such live call.
    UnknownCall = 103,
    // 104 was `WrongTenant`: retired, ids are scoped to their tenant and
    // another tenant's id is simply unknown.
    /// Engine: a call with this id is already live.
    DuplicateCall = 105,
    /// Engine: an agent or group with this id already exists.
    Duplicate = 106,
    /// Engine: the agent's state does not allow the command.
    AgentState = 107,
    /// Engine: the call's state does not allow the command.
    CallState = 108,
    /// Engine: the call is not offered to the named agent.
    NotOfferedTo = 109,
    /// Engine: stale reservation epoch; the event was ignored.
    StaleEpoch = 110,
    /// Engine: logon refused in maintenance mode.
    Maintenance = 111,
    /// Engine: the reason code is not in the catalogue.
    UnknownReason = 112,
    /// Engine: the agent's media channel is not logged on.
    MediaNotLoggedOn = 113,
    /// Engine: the call was taken by another agent first.
    AlreadyTaken = 114,
    /// Engine: the agent lacks the privilege or skill.
    NotPermitted = 115,
    /// Engine: the object is in use and cannot be removed.
    InUse = 116,
    /// Engine: `now_ms` is earlier than the engine's time.
    TimeWentBackwards = 117,
    /// Engine: invalid configuration.
    Config = 118,
    /// Engine: the call's media differs from its group's.
    MediaMismatch = 119,
    /// Engine: pick refused, the agent has no dispatch licence.
    PickNoDispatchLicence = 120,
    /// Engine: pick refused, the call's group is not shown in dispatch.
    PickNotShownInDispatch = 121,
    /// Engine: pick refused, the agent is not skilled for the group.
    PickNotSkilled = 122,
    /// Engine: pick refused, the call is reserved for another agent.
    PickReservedForAnother = 123,
    /// Engine: pick refused, the call waits for an agent without dispatch
    /// access.
    PickWaitingForAgentWithoutDispatch = 124,
    /// Engine: `now_ms` is past the latest time the engine accepts
    /// (2^53 ms, `Instant::MAX`).
    TimeOutOfRange = 125,
}

impl acd_result {
    /// The code for an engine error. Exhaustive on purpose: a new engine
    /// error variant does not compile until it has its own code.
    pub fn of_engine(error: &Error) -> acd_result {
        match error {
            Error::UnknownTenant(_) => acd_result::UnknownTenant,
            Error::UnknownAgent(_) => acd_result::UnknownAgent,
            Error::UnknownGroup(_) => acd_result::UnknownGroup,
            Error::UnknownCall(_) => acd_result::UnknownCall,
            Error::DuplicateCall(_) => acd_result::DuplicateCall,
            Error::Duplicate { .. } => acd_result::Duplicate,
            Error::AgentState { .. } => acd_result::AgentState,
            Error::CallState { .. } => acd_result::CallState,
            Error::NotOfferedTo { .. } => acd_result::NotOfferedTo,
            Error::StaleEpoch { .. } => acd_result::StaleEpoch,
            Error::Maintenance(_) => acd_result::Maintenance,
            Error::UnknownReason(_) => acd_result::UnknownReason,
            Error::MediaNotLoggedOn { .. } => acd_result::MediaNotLoggedOn,
            Error::AlreadyTaken(_) => acd_result::AlreadyTaken,
            Error::NotPermitted { .. } => acd_result::NotPermitted,
            Error::InUse { .. } => acd_result::InUse,
            Error::TimeWentBackwards { .. } => acd_result::TimeWentBackwards,
            Error::TimeOutOfRange { .. } => acd_result::TimeOutOfRange,
            Error::Config(_) => acd_result::Config,
            Error::MediaMismatch { .. } => acd_result::MediaMismatch,
            Error::PickRefused { why, .. } => match why {
                PickRefusal::NoDispatchLicence => acd_result::PickNoDispatchLicence,
                PickRefusal::NotShownInDispatch => acd_result::PickNotShownInDispatch,
                PickRefusal::NotSkilled => acd_result::PickNotSkilled,
                PickRefusal::ReservedForAnother => acd_result::PickReservedForAnother,
                PickRefusal::WaitingForAgentWithoutDispatch => {
                    acd_result::PickWaitingForAgentWithoutDispatch
                }
            },
        }
    }

    /// The code's C name, NUL-terminated.
    pub fn name(self) -> &'static CStr {
        match self {
            acd_result::Ok => c"ACD_RESULT_OK",
            acd_result::None => c"ACD_RESULT_NONE",
            acd_result::NullPointer => c"ACD_RESULT_NULL_POINTER",
            acd_result::InvalidUtf8 => c"ACD_RESULT_INVALID_UTF8",
            acd_result::InvalidJson => c"ACD_RESULT_INVALID_JSON",
            acd_result::BufferTooSmall => c"ACD_RESULT_BUFFER_TOO_SMALL",
            acd_result::BadHandle => c"ACD_RESULT_BAD_HANDLE",
            acd_result::Panic => c"ACD_RESULT_PANIC",
            acd_result::Poisoned => c"ACD_RESULT_POISONED",
            acd_result::InvalidArgument => c"ACD_RESULT_INVALID_ARGUMENT",
            acd_result::Inconsistent => c"ACD_RESULT_INCONSISTENT",
            acd_result::UnknownTenant => c"ACD_RESULT_UNKNOWN_TENANT",
            acd_result::UnknownAgent => c"ACD_RESULT_UNKNOWN_AGENT",
            acd_result::UnknownGroup => c"ACD_RESULT_UNKNOWN_GROUP",
            acd_result::UnknownCall => c"ACD_RESULT_UNKNOWN_CALL",
            acd_result::DuplicateCall => c"ACD_RESULT_DUPLICATE_CALL",
            acd_result::Duplicate => c"ACD_RESULT_DUPLICATE",
            acd_result::AgentState => c"ACD_RESULT_AGENT_STATE",
            acd_result::CallState => c"ACD_RESULT_CALL_STATE",
            acd_result::NotOfferedTo => c"ACD_RESULT_NOT_OFFERED_TO",
            acd_result::StaleEpoch => c"ACD_RESULT_STALE_EPOCH",
            acd_result::Maintenance => c"ACD_RESULT_MAINTENANCE",
            acd_result::UnknownReason => c"ACD_RESULT_UNKNOWN_REASON",
            acd_result::MediaNotLoggedOn => c"ACD_RESULT_MEDIA_NOT_LOGGED_ON",
            acd_result::AlreadyTaken => c"ACD_RESULT_ALREADY_TAKEN",
            acd_result::NotPermitted => c"ACD_RESULT_NOT_PERMITTED",
            acd_result::InUse => c"ACD_RESULT_IN_USE",
            acd_result::TimeWentBackwards => c"ACD_RESULT_TIME_WENT_BACKWARDS",
            acd_result::Config => c"ACD_RESULT_CONFIG",
            acd_result::MediaMismatch => c"ACD_RESULT_MEDIA_MISMATCH",
            acd_result::PickNoDispatchLicence => c"ACD_RESULT_PICK_NO_DISPATCH_LICENCE",
            acd_result::PickNotShownInDispatch => c"ACD_RESULT_PICK_NOT_SHOWN_IN_DISPATCH",
            acd_result::PickNotSkilled => c"ACD_RESULT_PICK_NOT_SKILLED",
            acd_result::PickReservedForAnother => c"ACD_RESULT_PICK_RESERVED_FOR_ANOTHER",
            acd_result::PickWaitingForAgentWithoutDispatch => {
                c"ACD_RESULT_PICK_WAITING_FOR_AGENT_WITHOUT_DISPATCH"
            }
            acd_result::TimeOutOfRange => c"ACD_RESULT_TIME_OUT_OF_RANGE",
        }
    }

    /// The code for a raw value, if it is one.
    pub fn from_u32(code: u32) -> Option<acd_result> {
        ALL_CODES.into_iter().find(|r| *r as u32 == code)
    }
}

/// Every code, in value order.
const ALL_CODES: [acd_result; 36] = [
    acd_result::Ok,
    acd_result::None,
    acd_result::NullPointer,
    acd_result::InvalidUtf8,
    acd_result::InvalidJson,
    acd_result::BufferTooSmall,
    acd_result::BadHandle,
    acd_result::Panic,
    acd_result::Poisoned,
    acd_result::InvalidArgument,
    acd_result::Inconsistent,
    acd_result::UnknownTenant,
    acd_result::UnknownAgent,
    acd_result::UnknownGroup,
    acd_result::UnknownCall,
    acd_result::DuplicateCall,
    acd_result::Duplicate,
    acd_result::AgentState,
    acd_result::CallState,
    acd_result::NotOfferedTo,
    acd_result::StaleEpoch,
    acd_result::Maintenance,
    acd_result::UnknownReason,
    acd_result::MediaNotLoggedOn,
    acd_result::AlreadyTaken,
    acd_result::NotPermitted,
    acd_result::InUse,
    acd_result::TimeWentBackwards,
    acd_result::Config,
    acd_result::MediaMismatch,
    acd_result::PickNoDispatchLicence,
    acd_result::PickNotShownInDispatch,
    acd_result::PickNotSkilled,
    acd_result::PickReservedForAnother,
    acd_result::PickWaitingForAgentWithoutDispatch,
    acd_result::TimeOutOfRange,
];

/// The C name of a result code (`"ACD_RESULT_OK"`, ...), or
/// `"ACD_RESULT_UNKNOWN_CODE"` for a value that is not a code. Never NULL;
/// the string is static.
#[no_mangle]
pub extern "C" fn acd_result_name(code: u32) -> *const c_char {
    crate::boundary::guard_value(c"ACD_RESULT_UNKNOWN_CODE".as_ptr(), || {
        acd_result::from_u32(code)
            .map(|r| r.name())
            .unwrap_or(c"ACD_RESULT_UNKNOWN_CODE")
            .as_ptr()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_round_trip() {
        let values: HashSet<u32> = ALL_CODES.iter().map(|r| *r as u32).collect();
        assert_eq!(values.len(), ALL_CODES.len());
        for r in ALL_CODES {
            assert_eq!(acd_result::from_u32(r as u32), Some(r));
        }
        assert_eq!(acd_result::from_u32(99), None);
    }

    #[test]
    fn names_match_the_header_spelling() {
        // cbindgen writes variants as ACD_RESULT_<SCREAMING_SNAKE>; the
        // names returned at run time must be the same identifiers.
        let header = include_str!("../include/acd.h");
        for r in ALL_CODES {
            let name = r.name().to_str().unwrap();
            assert!(
                header.contains(&format!("{name} = {}", r as u32)),
                "{name} = {} not in acd.h",
                r as u32
            );
        }
    }

    #[test]
    fn every_pick_refusal_has_its_own_code() {
        use ::acd_engine::{AgentId, CallId};
        let whys = [
            PickRefusal::NoDispatchLicence,
            PickRefusal::NotShownInDispatch,
            PickRefusal::NotSkilled,
            PickRefusal::ReservedForAnother,
            PickRefusal::WaitingForAgentWithoutDispatch,
        ];
        let mut codes: HashSet<u32> = whys
            .iter()
            .map(|&why| {
                acd_result::of_engine(&Error::PickRefused {
                    agent: AgentId::new("a"),
                    call: CallId::new("c"),
                    why,
                }) as u32
            })
            .collect();
        codes.insert(acd_result::of_engine(&Error::AlreadyTaken(CallId::new("c"))) as u32);
        assert_eq!(
            codes.len(),
            whys.len() + 1,
            "R-5.1/R-5.2 refusals share a code"
        );
    }

    #[test]
    fn unknown_code_has_a_name() {
        let name = unsafe { CStr::from_ptr(acd_result_name(4242)) };
        assert_eq!(name.to_str().unwrap(), "ACD_RESULT_UNKNOWN_CODE");
        let ok = unsafe { CStr::from_ptr(acd_result_name(0)) };
        assert_eq!(ok.to_str().unwrap(), "ACD_RESULT_OK");
    }
}
