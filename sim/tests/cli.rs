//! The `sim` binary end to end: run a scenario file, report errors with
//! their line, and answer staffing questions.

use std::path::PathBuf;
use std::process::Command;

fn sim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sim"))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("acd-sim-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn run_writes_json_and_html_reports() {
    let out = temp_dir("run");
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/example.toml");
    let o = sim()
        .args(["run", scenario, "--out"])
        .arg(&out)
        .args(["--seed", "7", "--quiet"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("support") && stdout.contains("sales"),
        "{stdout}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["seed"], 7);
    assert_eq!(json["groups"].as_array().unwrap().len(), 2);
    assert!(json["groups"][0]["offered"].as_u64().unwrap() > 1000);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<svg") && html.contains("support"));
}

#[test]
fn bad_scenario_names_line_and_field() {
    let dir = temp_dir("bad");
    let path = dir.join("bad.toml");
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/example.toml"
    ))
    .unwrap()
    .replacen("group = \"sales\"", "group = \"billing\"", 1);
    std::fs::write(&path, &text).unwrap();
    let line = text.lines().position(|l| l.contains("billing")).unwrap() + 1;
    let o = sim()
        .arg("run")
        .arg(&path)
        .arg("--out")
        .arg(dir.join("out"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&format!("line {line}")), "{err}");
    assert!(
        err.contains("arrivals[1].group") && err.contains("billing"),
        "{err}"
    );
}

#[test]
fn staff_recommends_agents() {
    let o = sim()
        .args([
            "staff",
            "--per-hour",
            "600",
            "--aht",
            "180",
            "--target",
            "0.8/20",
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    let line = out.lines().find(|l| l.contains("<-")).unwrap();
    assert_eq!(line.split_whitespace().next(), Some("35"), "{out}");
    let o = sim()
        .args([
            "staff",
            "--per-hour",
            "600",
            "--aht",
            "180",
            "--target",
            "2/20",
        ])
        .output()
        .unwrap();
    assert!(!o.status.success());
}
