//! The checked-in C header must match what cbindgen generates from the
//! source. Regenerate it with
//! `ACD_UPDATE_HEADER=1 cargo test -p acd-engine-ffi --test header`.

use std::path::Path;

fn generate() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_config(config)
        .with_src(dir.join("src/lib.rs"))
        .generate()
        .expect("cbindgen could not generate the header")
        .write(&mut out);
    String::from_utf8(out).expect("header is UTF-8")
}

#[test]
fn checked_in_header_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/acd.h");
    let fresh = generate();
    if std::env::var_os("ACD_UPDATE_HEADER").is_some_and(|v| v == "1") {
        std::fs::write(&path, &fresh).expect("write include/acd.h");
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == fresh,
        "engine-ffi/include/acd.h is stale: run \
         `ACD_UPDATE_HEADER=1 cargo test -p acd-engine-ffi --test header` and commit it"
    );
}

#[test]
fn header_declares_every_exported_function() {
    // A guard against a cbindgen config that silently drops items: every
    // `#[no_mangle]` function in the source must appear in the header.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let header = generate();
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let mut lines = source.lines();
        while let Some(line) = lines.next() {
            if line.trim() != "#[no_mangle]" {
                continue;
            }
            let sig = lines.next().unwrap();
            let name = sig.split("fn ").nth(1).unwrap().split('(').next().unwrap();
            assert!(
                header.contains(&format!("{name}(")),
                "{name} missing from acd.h"
            );
            seen += 1;
        }
    }
    assert!(seen >= 30, "only {seen} exported functions found");
}
