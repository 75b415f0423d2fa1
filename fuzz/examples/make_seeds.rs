//! Writes the committed seed corpora under `fuzz/seeds/`: every family
//! configuration as JSON and as TOML (config_parse), a short valid trace
//! per family with and without its config line plus the engine's golden
//! traces (trace_parse), and the simulator's example scenario
//! (scenario_parse). Run from `fuzz/`:
//! `cargo +nightly run --example make_seeds`.

use acd_engine::*;
use acd_fuzz::stream::{config, Family};
use std::fs;

const FAMILIES: [Family; 4] = [
    Family::Automatic,
    Family::Personal,
    Family::TwoTenants,
    Family::Tiny,
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    fs::create_dir_all("seeds/config_parse")?;
    fs::create_dir_all("seeds/trace_parse")?;
    for (n, family) in FAMILIES.into_iter().enumerate() {
        let cfg = config(family, 1, &[None; 4]);
        let mut json = vec![0u8];
        json.extend(serde_json::to_string_pretty(&cfg)?.bytes());
        fs::write(format!("seeds/config_parse/{family:?}.json"), json)?;
        let mut toml_doc = vec![1u8];
        toml_doc.extend(toml::to_string(&cfg)?.bytes());
        fs::write(format!("seeds/config_parse/{family:?}.toml"), toml_doc)?;
        let mut trace = vec![n as u8];
        for line in day(&cfg) {
            trace.extend(line.bytes());
            trace.push(b'\n');
        }
        fs::write(format!("seeds/trace_parse/{family:?}.jsonl"), &trace)?;
        // Self-contained: the configuration as the first line.
        let mut own = vec![n as u8];
        own.extend(serde_json::json!({ "config": cfg }).to_string().bytes());
        own.push(b'\n');
        own.extend(&trace[1..]);
        fs::write(format!("seeds/trace_parse/{family:?}-config.jsonl"), own)?;
    }
    // The simulator's example scenario (the 10k-agent day is too big a seed).
    fs::create_dir_all("seeds/scenario_parse")?;
    fs::copy(
        "../sim/scenarios/example.toml",
        "seeds/scenario_parse/example.toml",
    )?;
    // The golden traces of the engine's own trace tests.
    for entry in fs::read_dir("../engine/tests/traces")? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "jsonl") {
            let mut bytes = vec![0u8];
            bytes.extend(fs::read(&path)?);
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            fs::write(
                format!("seeds/trace_parse/{}", name.unwrap_or_default()),
                bytes,
            )?;
        }
    }
    Ok(())
}

/// Every agent logs on and is Ready, a call arrives in each group, is
/// answered (epoch 1.. in offer order is a guess the fuzzer will refine)
/// and hung up.
fn day(cfg: &EngineConfig) -> Vec<String> {
    let mut lines = Vec::new();
    let mut at = 0u64;
    let mut push = |at: u64, tenant: &TenantId, cmd: Command| {
        let line = serde_json::json!({ "at_ms": at, "tenant": tenant, "cmd": cmd });
        lines.push(line.to_string());
    };
    for t in &cfg.tenants {
        for a in &t.agents {
            let logon = Command::Logon {
                agent: a.id.clone(),
                extension: "2000".into(),
                media: vec![],
            };
            push(at, &t.id, logon);
            let ready = Command::Ready {
                agent: a.id.clone(),
                media: Media::Voice,
            };
            push(at, &t.id, ready);
        }
        for (i, g) in t.groups.iter().enumerate() {
            at += 1000;
            let id = format!("c{i}");
            push(
                at,
                &t.id,
                Command::CallArrived(CallSpec::new(id.as_str(), g.id.clone())),
            );
            let answer = Command::Answered {
                call: id.as_str().into(),
                agent: t.agents[i % t.agents.len()].id.clone(),
                epoch: i as u64 + 1,
            };
            push(at + 2000, &t.id, answer);
            push(
                at + 9000,
                &t.id,
                Command::Hangup {
                    call: id.as_str().into(),
                },
            );
        }
    }
    lines
}
