//! Golden traces: each `tests/traces/*.jsonl` timeline is replayed through
//! the engine and its output must equal `*.golden` line for line. The
//! goldens were read and checked by hand against the rules their comments
//! cite; regenerate after an intended change with
//! `UPDATE_GOLDEN=1 cargo test -p acd-engine --test traces` and review the diff.

use acd_engine::trace::{replay, Replayer};
use std::path::Path;

#[test]
fn golden_traces_replay_exactly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/traces");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "jsonl") {
            continue;
        }
        seen += 1;
        let input = std::fs::read_to_string(&path).unwrap();
        let output = replay(&input)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .join("\n")
            + "\n";
        let golden = path.with_extension("golden");
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&golden, &output).unwrap();
        }
        let expected = std::fs::read_to_string(&golden).unwrap_or_default();
        assert!(
            output == expected,
            "{} differs from {}:\n{output}",
            path.display(),
            golden.display()
        );
    }
    assert!(seen >= 2, "no traces found in {}", dir.display());
}

#[test]
fn trace_errors_name_the_line() {
    let err =
        replay("{\"at_ms\": 0, \"cmd\": {\"type\": \"ready\", \"agent\": \"a\"}}").unwrap_err();
    assert_eq!(
        (err.line, err.message.as_str()),
        (1, "no configuration before the first step")
    );
    let config = r#"{"config": {"tenants": [{"id": "t"}]}}"#;
    let err = replay(&format!(
        "{config}\n\n{{\"at_ms\": 5, \"cmd\": {{\"type\": \"jump\"}}}}"
    ))
    .unwrap_err();
    assert_eq!(err.line, 3);
    assert!(err.message.contains("jump"), "{}", err.message);
    let err = replay(&format!("{config}\n{{\"at_ms\": 5}}\n{{\"at_ms\": 4}}")).unwrap_err();
    assert_eq!(err.line, 3);
    let err = replay(r#"{"config": {"tenants": []}, "at_ms": 3}"#).unwrap_err();
    assert_eq!(err.line, 1);
}

#[test]
fn refused_commands_are_reported_not_fatal() {
    let mut r = Replayer::new();
    r.feed(r#"{"config": {"tenants": [{"id": "t", "agents": [{"id": "a"}]}]}}"#)
        .unwrap();
    let out = r
        .feed(r#"{"at_ms": 1, "cmd": {"type": "ready", "agent": "a"}}"#)
        .unwrap();
    assert_eq!(out.len(), 1);
    assert!(
        out[0].contains("\"error\"") && out[0].contains("LoggedOut"),
        "{}",
        out[0]
    );
}

const RING: &str = r#"{"config": {"tenants": [{"id": "t", "groups": [{"id": "g", "skills": [{"skill": "s"}], "ring_time_s": 10}], "agents": [{"id": "a", "skills": {"s": 1}, "dispatch_access": true}]}]}}
{"at_ms": 0, "cmd": {"type": "logon", "agent": "a", "extension": "1"}}
{"at_ms": 0, "cmd": {"type": "ready", "agent": "a"}}
{"at_ms": 1000, "cmd": {"type": "call_arrived", "id": "c", "group": "g"}}"#;

fn json(line: &str) -> serde_json::Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"))
}

#[test]
fn time_only_steps_print_a_result_line_and_timer_effects_carry_their_time() {
    // The ring timer is due at 11 s; the step lets time pass to 50 s.
    let out = replay(&format!("{RING}\n{{\"at_ms\": 50000}}")).unwrap();
    let step = out
        .iter()
        .position(|l| l == r#"{"at_ms":50000,"cmd":"time","ok":true}"#)
        .expect("result line of the time-only step");
    let stop = json(&out[step + 1]);
    assert_eq!(stop["effect"], "stop_ringing");
    assert_eq!(
        stop["at_ms"], 11000,
        "a timer's effect carries its deadline"
    );
    for line in &out {
        let v = json(line);
        assert!(v["at_ms"].is_u64(), "no at_ms: {line}");
        if let Some(at) = v.get("at") {
            assert_eq!(at, &v["at_ms"], "{line}");
        }
    }
}

#[test]
fn timers_due_before_a_command_are_printed_at_their_own_time() {
    let out = replay(&format!(
        "{RING}\n{{\"at_ms\": 20000, \"cmd\": {{\"type\": \"ready\", \"agent\": \"a\"}}}}"
    ))
    .unwrap();
    let result = out
        .iter()
        .position(|l| l.starts_with(r#"{"at_ms":20000,"cmd":"ready""#))
        .unwrap();
    // The no-answer at 11 s comes before the command's result line.
    assert!(out[..result]
        .iter()
        .any(|l| l.starts_with(r#"{"at_ms":11000,"effect":"stop_ringing""#)));
    assert!(out[result + 1..]
        .iter()
        .all(|l| l.starts_with(r#"{"at_ms":20000,"#)));
}

#[test]
fn query_lines_print_views_without_changing_state() {
    let out = replay(&format!(
        "{RING}\n\
         {{\"at_ms\": 2000, \"query\": {{\"type\": \"call_status\", \"call\": \"c\"}}}}\n\
         {{\"at_ms\": 2000, \"query\": {{\"type\": \"dispatch_view\", \"agent\": \"a\"}}}}\n\
         {{\"at_ms\": 2000, \"query\": {{\"type\": \"queue_len\", \"group\": \"g\"}}}}\n\
         {{\"at_ms\": 2000, \"query\": {{\"type\": \"agent_status\", \"agent\": \"nobody\"}}}}"
    ))
    .unwrap();
    let tail: Vec<_> = out[out.len() - 4..].iter().map(|l| json(l)).collect();
    assert_eq!(tail[0]["query"], "call_status");
    assert_eq!(tail[0]["result"]["state"], "offered");
    assert_eq!(tail[1]["result"], serde_json::json!([]));
    assert_eq!(tail[2]["result"], 0);
    assert_eq!(tail[3]["error"], "unknown agent nobody");
}

#[test]
fn restart_lines_restore_presence_by_policy_r7_1() {
    let config = r#"{"config": {"tenants": [{"id": "t", "restore": "restore", "agents": [{"id": "a"}, {"id": "b", "restore": "dont_restore"}]}]}}"#;
    let new_config =
        r#"{"tenants": [{"id": "t", "agents": [{"id": "a"}, {"id": "b", "restore": "restore"}]}]}"#;
    let steps = [
        r#"{"at_ms": 0, "cmd": {"type": "logon", "agent": "a", "extension": "1"}}"#,
        r#"{"at_ms": 0, "cmd": {"type": "logon", "agent": "b", "extension": "2"}}"#,
        r#"{"at_ms": 0, "cmd": {"type": "ready", "agent": "b"}}"#,
        r#"{"at_ms": 5000, "restart": true}"#,
    ];
    let out = replay(&format!("{config}\n{}", steps.join("\n"))).unwrap();
    let restart = out.iter().find(|l| l.contains("\"restart\"")).unwrap();
    let v = json(restart);
    assert_eq!(v["restored"], serde_json::json!(["a"]));
    assert_eq!(v["skipped"][0]["agent"], "b");
    // With a new configuration, b's own policy now restores it, Ready.
    let out = replay(&format!(
        "{config}\n{}\n{{\"at_ms\": 6000, \"restart\": {{\"config\": {new_config}}}}}\n\
         {{\"at_ms\": 6000, \"query\": {{\"type\": \"agent_status\", \"agent\": \"b\"}}}}",
        steps[..3].join("\n")
    ))
    .unwrap();
    assert_eq!(json(out.last().unwrap())["result"]["state"], "ready");
    let err = replay(&format!("{config}\n{{\"at_ms\": 1, \"restart\": false}}")).unwrap_err();
    assert_eq!(err.line, 2);
}
