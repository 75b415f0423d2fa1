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

/// Issue 17 item 7: `--per-hour -5` was "unexpected argument"; negative
/// and absurd rates are range errors now.
#[test]
fn staff_rates_out_of_range_are_range_errors() {
    for rate in ["-5", "0", "1e12"] {
        let o = sim()
            .args([
                "staff",
                "--per-hour",
                rate,
                "--aht",
                "180",
                "--target",
                "0.8/20",
            ])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{rate}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("out of range"), "{rate}: {err}");
        assert!(!err.contains("unexpected argument"), "{rate}: {err}");
    }
}

#[test]
fn compare_writes_paired_differences_for_each_policy() {
    let out = temp_dir("compare");
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/example.toml");
    let o = sim()
        .args(["compare", scenario, "--out"])
        .arg(&out)
        .args(["--policy", "longest_idle", "--policy", "top_down"])
        .args(["--replications", "2", "--seed", "3"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(
        json["policies"],
        serde_json::json!(["longest_idle", "top_down"])
    );
    let sl = &json["groups"][0]["service_level"];
    assert!(sl[0]["vs_first"].is_null());
    assert!(sl[1]["vs_first"]["half_width"].as_f64().is_some());
    // Top-down loads the first agents most: a wider occupancy spread.
    let spread = &json["occupancy_spread"];
    assert!(
        spread[1]["mean"].as_f64() > spread[0]["mean"].as_f64(),
        "{spread}"
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.matches("<svg").count() >= 2 * 4 + 2,
        "a chart per figure"
    );
    let bad = sim()
        .args(["compare", scenario, "--out"])
        .arg(&out)
        .args(["--policy", "fastest"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("fastest"));
}

#[test]
fn staff_with_a_scenario_searches_pools_and_writes_the_path() {
    let dir = temp_dir("staff-search");
    let path = dir.join("two.toml");
    std::fs::write(
        &path,
        "duration_s = 3600\nwarmup_s = 600\n[[groups]]\nid = \"a\"\nskills = [\"a\"]\n\
         [[arrivals]]\ngroup = \"a\"\nper_hour = 240\nhandle = { dist = \"exponential\", mean_s = 60 }\n\
         [[agents]]\ncount = 9\nskills = { a = 1 }\n",
    )
    .unwrap();
    let o = sim()
        .args(["staff", "--scenario"])
        .arg(&path)
        .args([
            "--target",
            "a: sl 0.8 in 20s",
            "--replications",
            "3",
            "--out",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("Erlang C start") && out.contains("confidence it is met"),
        "{out}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("staffing.json")).unwrap()).unwrap();
    assert_eq!(json["path"][0]["action"], "start");
    let bad = sim()
        .args(["staff", "--scenario"])
        .arg(&path)
        .args(["--target", "nobody: sl 0.8 in 20s"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("nobody"));
}
