//! Replays the committed inputs through the same drivers the fuzz targets
//! use: the seed corpora (`seeds/<target>/`) and every crash or
//! interesting input found so far (`regressions/<target>/`). Run from
//! `fuzz/`: `cargo +nightly test`.

use acd_fuzz::{c_abi, config_input, stream, trace_input};
use arbitrary::{Arbitrary, Unstructured};
use std::path::Path;

/// The inputs of one target: seeds and regressions.
fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in ["seeds", "regressions"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir).join(target);
        let Ok(entries) = std::fs::read_dir(&path) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let bytes = std::fs::read(entry.path()).expect("readable input");
            out.push((format!("{dir}/{target}/{name}"), bytes));
        }
    }
    out
}

/// What libfuzzer-sys does with the bytes of a typed target.
fn script(bytes: &[u8]) -> Option<stream::Script> {
    stream::Script::arbitrary_take_rest(Unstructured::new(bytes)).ok()
}

#[test]
fn engine_commands_inputs_pass() {
    let all = inputs("engine_commands");
    assert!(all.len() >= 8, "long seed streams present (make_seeds)");
    for (name, bytes) in all {
        let s = script(&bytes).unwrap_or_else(|| panic!("{name}: does not decode"));
        if name.starts_with("seeds/") {
            assert!(
                s.ops.len() > 500,
                "{name}: a long stream, {} ops",
                s.ops.len()
            );
        }
        stream::run_twice(&s).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

/// The journal driver's I/O faults (issue 17): fsyncs or writes failing
/// from various points, every-command and group-commit fsync; a restart
/// must hold exactly what the callers were told.
#[test]
fn journal_io_faults_keep_what_callers_were_told() {
    use acd_fuzz::journal_input::{check, Damage};
    for after in [0u8, 1, 4, 9, 30] {
        for writes in [false, true] {
            for batched in [false, true] {
                let fault = Damage::IoFault {
                    after,
                    writes,
                    batched,
                };
                check(std::slice::from_ref(&fault)).unwrap_or_else(|e| panic!("{fault:?}: {e}"));
            }
        }
    }
}

#[test]
fn config_parse_inputs_pass() {
    let all = inputs("config_parse");
    assert!(all.len() >= 8, "seed configs present");
    for (name, bytes) in all {
        config_input::check(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn trace_parse_inputs_pass() {
    let all = inputs("trace_parse");
    assert!(all.len() >= 4, "seed traces present");
    for (name, bytes) in all {
        trace_input::check(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

/// The checks have teeth: the invariant check that every driver step runs
/// (and that loading a snapshot runs) notices a corrupted gauge.
#[test]
fn drivers_detect_problems() {
    use acd_engine::*;
    let cfg = stream::config(stream::Family::Tiny, 0, &[None; 4]);
    let mut engine = Engine::new(cfg).expect("family config valid");
    let t = TenantId::new("t");
    let logon = Command::Logon {
        agent: "a0".into(),
        extension: "1".into(),
        media: vec![],
    };
    engine
        .handle(Instant::from_millis(0), &t, logon)
        .expect("logon");
    let mut value = serde_json::to_value(&engine).expect("serializes");
    // Claim three calls wait in a group whose queue is empty (found by
    // shape, so the test does not depend on the snapshot's layout).
    assert!(
        set_queued_gauge(&mut value, 3),
        "a group's stats in the snapshot"
    );
    let broken = serde_json::from_value::<Engine>(value);
    assert!(broken.is_err(), "corruption noticed by the invariant check");
}

#[test]
fn c_abi_inputs_pass() {
    for (name, bytes) in inputs("c_abi") {
        let calls = Vec::<c_abi::AbiCall>::arbitrary_take_rest(Unstructured::new(&bytes));
        if let Ok(calls) = calls {
            c_abi::run(&calls).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}

/// A whole call through the C ABI with every check on: configure, log
/// on, ready, call, take the offer, answer it, save/load, drain, hang up.
#[test]
fn c_abi_call_flow_passes_the_checks() {
    use c_abi::{AbiCall as C, Buf, CommandText, Now, Text};
    let known = |n: u8| Text::Known(n);
    let buf = Buf {
        null: false,
        len: 4096,
        null_out_len: false,
    };
    let calls = vec![
        C::NewFamily {
            family: stream::Family::Tiny,
            slot: false,
        },
        C::Logon {
            slot: false,
            now: Now::Later(10),
            tenant: known(0),
            agent: known(2),
            extension: Text::Raw(b"2001".to_vec()),
        },
        C::Ready {
            slot: false,
            now: Now::Same,
            tenant: known(0),
            agent: known(2),
        },
        C::CallArrived {
            slot: false,
            now: Now::Later(1000),
            tenant: known(0),
            call: known(7),
            group: known(10),
        },
        C::PollEffect {
            slot: false,
            null_out: false,
        },
        C::Offer {
            slot: false,
            now: Now::Later(500),
            what: 0,
            last: true,
            call: Text::Null,
            agent: Text::Null,
            epoch: 0,
        },
        C::SaveLoad {
            slot: false,
            buf_extra: 3,
        },
        C::DrainJsonl {
            slot: false,
            events: true,
            buf,
        },
        C::HandleJson {
            slot: true,
            now: Now::Later(20_000),
            tenant: known(0),
            command: CommandText::Built {
                kind: 3,
                a: 0,
                b: 0,
            },
        },
        C::CallStatus {
            slot: true,
            tenant: known(0),
            call: known(7),
            buf,
        },
        C::HandleTimeout {
            slot: true,
            now: Now::Raw(0),
        },
    ];
    c_abi::run(&calls).expect("the call flow keeps every property");
}

/// Regression (fixed on main by eccdf38): a deferred logoff without a
/// reason was lost across a snapshot; the save/reload twin
/// check of `engine_commands` reports it. Same sequence as
/// `engine/tests/snapshot_load.rs::deferred_logoff_survives_a_snapshot`.
#[test]
fn deferred_logoff_survives_reload() {
    use stream::{Op, Script, Who};
    let script = Script {
        family: stream::Family::Tiny,
        seed: 0,
        strategies: [None; 4],
        ops: vec![
            Op::Logon { agent: 0, media: 0 },
            Op::Ready { agent: 0, media: 0 },
            Op::Arrive {
                call: 0,
                group: 0,
                priority: None,
                media: None,
                dnis: None,
                preferred: None,
                lang_fr: false,
                prefer: None,
            },
            Op::Answer {
                call: 0,
                who: Who::Offered(0),
            },
            Op::Logoff {
                agent: 0,
                reason: None,
            },
            Op::Restore,
            Op::Hangup { call: 0 },
        ],
    };
    stream::run(&script).expect("reloaded engine behaves as the original");
}

#[test]
fn journal_recovery_inputs_pass() {
    use acd_fuzz::journal_input::{check, Damage};
    for (name, bytes) in inputs("journal_recovery") {
        if let Ok(d) = Vec::<Damage>::arbitrary_take_rest(Unstructured::new(&bytes)) {
            check(&d).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
    // No damage, and every cut of the last segment, recover.
    check(&[]).expect("an intact journal recovers");
    let files = acd_fuzz::journal_input::baseline_files();
    let (last, (_, size)) = files
        .iter()
        .enumerate()
        .rfind(|(_, (n, _))| n.starts_with("journal-"))
        .expect("the baseline has a segment");
    assert!(*size > 100, "the segment holds records: {files:?}");
    for len in 0..=*size as u32 {
        let cut = Damage::Truncate {
            file: last as u8,
            len,
        };
        check(&[cut]).unwrap_or_else(|e| panic!("cut at {len}: {e}"));
    }
}

#[test]
fn scenario_parse_inputs_pass() {
    let all = inputs("scenario_parse");
    assert!(!all.is_empty(), "seed scenario present");
    for (name, bytes) in all {
        acd_fuzz::scenario_input::check(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

/// Sets the first `stats.queued` gauge found in a snapshot.
fn set_queued_gauge(v: &mut serde_json::Value, n: u64) -> bool {
    match v {
        serde_json::Value::Object(map) => {
            if let Some(q) = map.get_mut("stats").and_then(|s| s.get_mut("queued")) {
                *q = serde_json::json!(n);
                return true;
            }
            map.values_mut().any(|x| set_queued_gauge(x, n))
        }
        serde_json::Value::Array(items) => items.iter_mut().any(|x| set_queued_gauge(x, n)),
        _ => false,
    }
}
