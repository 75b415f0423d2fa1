//! End to end from other runtimes: a C program compiled with the system
//! `cc` against `include/acd.h` (linked once to the shared and once to the
//! static library) and a Python ctypes script each route a call through
//! the built library and must print `PASS`.
//!
//! Cargo builds the cdylib and staticlib next to the rlib it links into
//! this test (in the same `deps/` directory as the test executable), so
//! they are always fresh; no nested `cargo build` is needed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The directory holding the `libacd` artefacts of this build.
fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let deps = exe.parent().expect("deps directory").to_path_buf();
    for dir in [deps.clone(), deps.parent().unwrap_or(&deps).to_path_buf()] {
        if dir.join(shared_lib_name()).exists() {
            return dir;
        }
    }
    panic!("{} not found next to {}", shared_lib_name(), exe.display());
}

fn shared_lib_name() -> &'static str {
    if cfg!(target_os = "macos") {
        "libacd.dylib"
    } else {
        "libacd.so"
    }
}

fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("acd-ffi");
    std::fs::create_dir_all(&dir).expect("create test output dir");
    dir
}

fn run(cmd: &mut Command) -> Output {
    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("could not start {cmd:?}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{cmd:?} failed ({})\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status
    );
    output
}

/// Compiles tests/c/route_call.c with strict warnings and the given link
/// arguments.
fn compile_c(exe: &Path, link: &[&str]) {
    let mut cc = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()));
    cc.args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-g"])
        .arg("-I")
        .arg(crate_dir().join("include"))
        .arg(crate_dir().join("tests/c/route_call.c"))
        .arg("-o")
        .arg(exe)
        .args(link);
    run(&mut cc);
}

fn assert_routed(output: &Output) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("offer: call c1 -> agent alice at 2001"),
        "{stdout}"
    );
    assert!(stdout.contains("\"answered\":1"), "{stdout}");
    assert!(stdout.trim_end().ends_with("PASS"), "{stdout}");
}

#[test]
fn c_program_routes_a_call_through_the_shared_library() {
    let lib = lib_dir();
    let exe = out_dir().join("route_call_shared");
    let rpath = format!("-Wl,-rpath,{}", lib.display());
    let libdir = format!("-L{}", lib.display());
    compile_c(&exe, &[&libdir, "-lacd", &rpath]);
    // Cargo's LD_LIBRARY_PATH for tests also lists `target/debug`, where a
    // `cargo build` leaves its own, possibly older, `libacd.so`; it would
    // win over the run path. Load the library of this build.
    assert_routed(&run(Command::new(&exe).env("LD_LIBRARY_PATH", &lib)));
}

#[test]
#[cfg(target_os = "linux")]
fn c_program_routes_a_call_through_the_static_library() {
    let lib = lib_dir().join("libacd.a");
    let exe = out_dir().join("route_call_static");
    let lib = lib.to_str().expect("UTF-8 path");
    // The system libraries Rust's std needs on Linux (`rustc --print
    // native-static-libs`).
    compile_c(
        &exe,
        &[
            lib,
            "-lgcc_s",
            "-lutil",
            "-lrt",
            "-lpthread",
            "-lm",
            "-ldl",
            "-lc",
        ],
    );
    assert_routed(&run(&mut Command::new(&exe)));
}

#[test]
fn python_ctypes_routes_a_call() {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let output = run(Command::new(python)
        .arg(crate_dir().join("tests/python/route_call.py"))
        .arg(lib_dir().join(shared_lib_name())));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("offer: c1 -> alice at 2001"), "{stdout}");
    assert!(stdout.trim_end().ends_with("PASS"), "{stdout}");
}

#[test]
fn readme_c_example_compiles_and_routes() {
    let lib = lib_dir();
    let exe = out_dir().join("embed");
    let mut cc = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()));
    cc.args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"])
        .arg("-I")
        .arg(crate_dir().join("include"))
        .arg(crate_dir().join("examples/embed.c"))
        .arg("-o")
        .arg(&exe)
        .arg(format!("-L{}", lib.display()))
        .arg("-lacd")
        .arg(format!("-Wl,-rpath,{}", lib.display()));
    run(&mut cc);
    let stdout = String::from_utf8_lossy(&run(&mut Command::new(&exe)).stdout).to_string();
    assert!(
        stdout.starts_with("ring alice at 2001 for c1\n"),
        "{stdout}"
    );
    assert!(stdout.contains("\"answered\":1"), "{stdout}");
}

#[test]
fn readme_python_example_routes() {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let output = run(Command::new(python)
        .arg(crate_dir().join("examples/embed.py"))
        .arg(lib_dir().join(shared_lib_name())));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "ring alice at 2001 for c1\n"
    );
}

#[test]
fn readme_shows_the_tested_examples_verbatim() {
    // The top-level README shows the Python package; the crate's README
    // keeps the bare ctypes example. Both show the C program.
    let cases = [
        ("README.md", ["examples/embed.c", "examples/embed.py"]),
        (
            "../README.md",
            ["examples/embed.c", "python/examples/quickstart.py"],
        ),
    ];
    for (readme, examples) in cases {
        let readme_path = crate_dir().join(readme);
        let text = std::fs::read_to_string(&readme_path).expect("README.md");
        for example in examples {
            let code = std::fs::read_to_string(crate_dir().join(example)).expect(example);
            assert!(
                text.contains(&code),
                "{} must contain {example} verbatim (it is the tested copy)",
                readme_path.display()
            );
        }
    }
}
