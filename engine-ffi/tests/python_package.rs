//! The Python package `acd` (`engine-ffi/python/`), built and tested the way a
//! user installs it: a virtual environment under `target/`, `pip install` of
//! the package directory (maturin builds `libacd` and the cffi bindings from
//! `acd.h`), then its pytest suite. Part of `cargo test --workspace`, so the
//! README's single test command covers the Python package too.
//!
//! Nothing is skipped: a missing `python3`, a failed install and pytest's
//! "no tests collected" (exit code 5) all fail this test. The first run needs
//! PyPI (maturin, cffi, pytest); later runs reuse the environment. The package
//! is built in its own cargo target directory (`target/python/cargo`) because
//! the outer `cargo test` still holds the workspace's build lock.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What the build and test environment needs from PyPI.
const TOOLS: &[&str] = &["maturin>=1.5,<2", "cffi>=1.15", "pytest>=7"];

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `target/python`, next to the workspace's cargo output.
fn work_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let target = tmp.parent().expect("target directory");
    target.join("python")
}

fn venv_python(venv: &Path) -> PathBuf {
    venv.join("bin").join("python")
}

fn run(what: &str, command: &mut Command) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start {command:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{text}",
        output.status
    );
    text
}

/// Creates the environment (once) with the build and test tools.
fn ensure_venv(venv: &Path) -> PathBuf {
    let python = venv_python(venv);
    if !python.exists() {
        let host = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        run(
            "creating the virtual environment",
            Command::new(host).args(["-m", "venv"]).arg(venv),
        );
    }
    run(
        "installing maturin, cffi and pytest",
        Command::new(&python)
            .args(["-m", "pip", "install", "--quiet"])
            .args(TOOLS),
    );
    python
}

#[test]
fn python_package_installs_and_its_pytest_suite_passes() {
    let work = work_dir();
    let python = ensure_venv(&work.join("venv"));
    // Debug profile: the package is tested, not benchmarked.
    run(
        "pip install ./engine-ffi/python",
        Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--no-build-isolation"])
            .args(["--force-reinstall", "--no-deps"])
            .arg(crate_dir().join("python"))
            .env("PATH", with_venv_path(&python))
            .env("MATURIN_PEP517_ARGS", "--profile dev")
            .env("CARGO_TARGET_DIR", work.join("cargo")),
    );
    // Run from the tests directory with the `pytest` entry point, so the
    // installed package is imported, not the source tree.
    let tests = crate_dir().join("python").join("tests");
    let output = Command::new(venv_pytest(&python))
        .args(["-q", "-p", "no:cacheprovider", "-r", "fEs"])
        .arg(&tests)
        .current_dir(&tests)
        .output()
        .expect("start pytest");
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    println!("{text}");
    match output.status.code() {
        Some(0) => {}
        Some(5) => panic!("pytest collected no tests in {}:\n{text}", tests.display()),
        code => panic!("pytest failed (exit {code:?}):\n{text}"),
    }
    assert!(
        text.contains(" passed") && !text.contains(" skipped"),
        "pytest must pass every test and skip none:\n{text}"
    );
}

/// `PATH` with the environment's `bin` first (the build backend runs `maturin`).
fn with_venv_path(python: &Path) -> std::ffi::OsString {
    let bin = python.parent().expect("venv bin").to_path_buf();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&rest))).expect("PATH")
}

fn venv_pytest(python: &Path) -> PathBuf {
    python.with_file_name("pytest")
}
