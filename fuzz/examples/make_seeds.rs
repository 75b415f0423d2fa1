//! Writes the committed seed corpora under `fuzz/seeds/`: every family
//! configuration as JSON and as TOML (config_parse), a short valid trace
//! per family with and without its config line plus the engine's golden
//! traces (trace_parse), and the simulator's example scenario
//! (scenario_parse), and a realistic long day per family as a command
//! stream (engine_commands). Run from `fuzz/`:
//! `cargo +nightly run --example make_seeds`.

use acd_engine::*;
use acd_fuzz::stream::{config, run, Family, Op, Script, Who};
use arbitrary::{Arbitrary, Unstructured};
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
    engine_command_seeds()?;
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
                Command::call_arrived(CallSpec::new(id.as_str(), g.id.clone())),
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

/// Long `engine_commands` inputs that reach deep states: a realistic day
/// per family (every agent logs on and goes Ready; hundreds of calls
/// arrive, ring, are answered, held, transferred and hung up while time
/// passes; save/reload in the middle; for `TwoTenants` both tenants; then
/// a leap to just before the end of time, more calls, and commands past
/// it). `arbitrary` owns the byte encoding, so `encode` writes it the way
/// arbitrary 1.x reads it, and every seed is decoded back and compared
/// with the intended stream before it is written.
fn engine_command_seeds() -> Result<(), Box<dyn std::error::Error>> {
    let dir = "seeds/engine_commands";
    fs::create_dir_all(dir)?;
    for (k, family) in FAMILIES.into_iter().enumerate() {
        for calls in [60u8, 200] {
            let ops = day_ops(family, calls);
            let mut e = Enc(Vec::new());
            e.variant(k as u32, FAMILIES.len() as u32);
            e.0.extend(7u64.to_le_bytes()); // seed
            e.0.extend([0u8; 4]); // no strategy overrides
            for op in &ops {
                e.0.push(1); // keep going
                encode(op, &mut e);
            }
            let script = Script::arbitrary_take_rest(Unstructured::new(&e.0))?;
            if format!("{:?}", script.ops) != format!("{ops:?}") {
                return Err(format!("{family:?}: seed does not decode to its stream").into());
            }
            let trace = run(&script).map_err(|err| format!("{family:?} seed fails: {err}"))?;
            let count = |needle: &str| trace.iter().filter(|l| l.contains(needle)).count();
            println!(
                "{family:?}-day-{calls}: {} ops, {} bytes, {} answered, {} ended, {} refused past the end",
                ops.len(),
                e.0.len(),
                count("Answered {") ,
                count("CallEnded"),
                count("TimeOutOfRange"),
            );
            fs::write(format!("{dir}/{family:?}-day-{calls}.bin"), &e.0)?;
        }
    }
    Ok(())
}

/// The ops of one seeded day.
fn day_ops(family: Family, calls: u8) -> Vec<Op> {
    let (agents, groups) = match family {
        Family::Automatic => (4, 3),
        Family::Personal => (6, 2),
        Family::TwoTenants => (6, 2),
        Family::Tiny => (2, 1),
    };
    let tenants: &[u8] = match family {
        Family::TwoTenants => &[0, 1],
        _ => &[0],
    };
    let mut ops = Vec::new();
    for &t in tenants {
        ops.push(Op::Tenant { t });
        for agent in 0..agents {
            ops.push(Op::Logon { agent, media: 1 });
            ops.push(Op::Ready { agent, media: 0 });
        }
    }
    let day = |ops: &mut Vec<Op>, first: u8, n: u8| {
        for k in first..first.saturating_add(n) {
            let call = k % 16;
            ops.push(Op::Tenant {
                t: tenants[usize::from(k) % tenants.len()],
            });
            ops.push(Op::Arrive {
                call,
                group: k % groups,
                priority: None,
                media: None,
                dnis: None,
                preferred: None,
                lang_fr: false,
                prefer: None,
            });
            ops.push(Op::Advance { ms: 700 });
            ops.push(Op::Alerting {
                call,
                who: Who::Offered(0),
            });
            ops.push(Op::Answer {
                call,
                who: Who::Offered(0),
            });
            if k % 7 == 3 {
                ops.push(Op::Hold { call });
                ops.push(Op::AdvanceLong { s: 20 });
                ops.push(Op::Retrieve { call });
            }
            if k % 11 == 5 {
                ops.push(Op::Transfer {
                    call,
                    agent: k % agents,
                });
            }
            ops.push(Op::AdvanceLong {
                s: 30 + u16::from(k % 5) * 20,
            });
            // Every third call is still talking when the next arrive.
            if k % 3 != 0 {
                ops.push(Op::Hangup { call });
            }
            ops.push(Op::Hangup {
                call: (k + 13) % 16,
            });
            if k % 50 == 25 {
                ops.push(Op::Restore);
            }
            if k % 40 == 17 {
                ops.push(Op::NotReady {
                    agent: k % agents,
                    reason: 0,
                    media: 0,
                });
                ops.push(Op::AdvanceLong { s: 300 });
                ops.push(Op::Ready {
                    agent: k % agents,
                    media: 0,
                });
            }
        }
    };
    day(&mut ops, 0, calls);
    // The end of time: deadlines and statistics at the limit.
    ops.push(Op::Leap { back: 3600 });
    day(&mut ops, calls, 20);
    ops.push(Op::Leap { back: 0 });
    ops.push(Op::BeyondEnd { by: 1 });
    ops.push(Op::Arrive {
        call: 0,
        group: 0,
        priority: None,
        media: None,
        dnis: None,
        preferred: None,
        lang_fr: false,
        prefer: None,
    });
    ops.push(Op::BeyondEnd { by: u16::MAX });
    ops
}

/// Bytes as arbitrary 1.x reads them: integers little-endian, `bool` the
/// low bit of a byte, `Option` a bool then the value, enum variants a u32
/// scaled to the variant count.
struct Enc(Vec<u8>);

impl Enc {
    fn variant(&mut self, index: u32, count: u32) {
        // Decoded as (d * count) >> 32: the smallest d landing on `index`.
        let d = ((u64::from(index) << 32) + u64::from(count) - 1) / u64::from(count);
        self.0.extend((d as u32).to_le_bytes());
    }

    fn u16(&mut self, v: u16) {
        self.0.extend(v.to_le_bytes());
    }

    fn opt(&mut self, v: Option<u8>) {
        match v {
            Some(x) => self.0.extend([1, x]),
            None => self.0.push(0),
        }
    }

    fn who(&mut self, who: Who) {
        match who {
            Who::Offered(n) => {
                self.variant(0, 2);
                self.0.push(n);
            }
            Who::Stale { agent, epoch } => {
                self.variant(1, 2);
                self.0.extend([agent, epoch]);
            }
        }
    }
}

/// Number of `Op` variants, and the index of each one `day_ops` uses (in
/// declaration order).
const OPS: u32 = 29;

fn encode(op: &Op, e: &mut Enc) {
    match *op {
        Op::Logon { agent, media } => {
            e.variant(0, OPS);
            e.0.extend([agent, media]);
        }
        Op::Ready { agent, media } => {
            e.variant(2, OPS);
            e.0.extend([agent, media]);
        }
        Op::NotReady {
            agent,
            reason,
            media,
        } => {
            e.variant(3, OPS);
            e.0.extend([agent, reason, media]);
        }
        Op::Arrive {
            call,
            group,
            priority,
            media,
            dnis,
            preferred,
            lang_fr,
            prefer,
        } => {
            e.variant(4, OPS);
            e.0.extend([call, group]);
            e.opt(priority.map(|p| p as u8));
            for o in [media, dnis, preferred] {
                e.opt(o);
            }
            e.0.push(u8::from(lang_fr));
            e.opt(prefer);
        }
        Op::Alerting { call, who } => {
            e.variant(5, OPS);
            e.0.push(call);
            e.who(who);
        }
        Op::Answer { call, who } => {
            e.variant(6, OPS);
            e.0.push(call);
            e.who(who);
        }
        Op::Hold { call } => {
            e.variant(8, OPS);
            e.0.push(call);
        }
        Op::Retrieve { call } => {
            e.variant(9, OPS);
            e.0.push(call);
        }
        Op::Hangup { call } => {
            e.variant(10, OPS);
            e.0.push(call);
        }
        Op::Transfer { call, agent } => {
            e.variant(12, OPS);
            e.0.extend([call, agent]);
        }
        Op::Advance { ms } => {
            e.variant(22, OPS);
            e.u16(ms);
        }
        Op::AdvanceLong { s } => {
            e.variant(23, OPS);
            e.u16(s);
        }
        Op::Leap { back } => {
            e.variant(24, OPS);
            e.u16(back);
        }
        Op::BeyondEnd { by } => {
            e.variant(25, OPS);
            e.u16(by);
        }
        Op::Tenant { t } => {
            e.variant(26, OPS);
            e.0.push(t);
        }
        Op::Restore => e.variant(27, OPS),
        ref other => unreachable!("day_ops does not use {other:?}"),
    }
}
