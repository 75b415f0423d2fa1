//! The `acd-replay` binary as a user runs it: output on stdout, errors on
//! stderr naming the file and the trace line.

use std::path::PathBuf;
use std::process::Command;

fn write_trace(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("acd-replay-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn replay(path: &PathBuf) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_acd-replay"))
        .arg(path)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const CONFIG: &str = r#"{"config": {"tenants": [{"id": "t", "agents": [{"id": "a"}]}]}}"#;

#[test]
fn invalid_utf8_names_the_file_and_line() {
    let mut bytes = format!("{CONFIG}\n{{\"at_ms\": 1}}\n").into_bytes();
    bytes.extend_from_slice(
        b"{\"at_ms\": 2, \"cmd\": {\"type\": \"ready\", \"agent\": \"\xff\"}}\n",
    );
    let path = write_trace("bad_utf8.jsonl", &bytes);
    let (ok, stdout, stderr) = replay(&path);
    assert!(!ok);
    assert!(
        stderr.contains(&format!("{}: line 3: not valid UTF-8", path.display())),
        "{stderr}"
    );
    // The lines before it were replayed.
    assert!(
        stdout.contains(r#"{"at_ms":1,"cmd":"time","ok":true}"#),
        "{stdout}"
    );
}

#[test]
fn trace_errors_name_the_file_and_line() {
    let path = write_trace(
        "bad_line.jsonl",
        format!("{CONFIG}\n# comment\n{{\"at_ms\": 1, \"cmd\": {{\"type\": \"jump\"}}}}\n")
            .as_bytes(),
    );
    let (ok, _, stderr) = replay(&path);
    assert!(!ok);
    assert!(
        stderr.contains(&format!("{}: line 3: ", path.display())),
        "{stderr}"
    );
}
