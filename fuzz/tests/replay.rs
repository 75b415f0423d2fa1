//! Replays the committed inputs through the same drivers the fuzz targets
//! use: the seed corpora (`seeds/<target>/`) and every crash or
//! interesting input found so far (`regressions/<target>/`). Run from
//! `fuzz/`: `cargo +nightly test`.

use acd_fuzz::{config_input, stream, trace_input};
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
    for (name, bytes) in inputs("engine_commands") {
        if let Some(s) = script(&bytes) {
            stream::run_twice(&s).unwrap_or_else(|e| panic!("{name}: {e}"));
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
    // Claim three calls wait in a group whose queue is empty.
    value["groups"]["0"]["stats"]["queued"] = serde_json::json!(3);
    let broken = serde_json::from_value::<Engine>(value);
    assert!(broken.is_err(), "corruption noticed by the invariant check");
}
