//! `acd-live`: a runtime shard under a seeded demo workload, with the live
//! supervisor view and Prometheus metrics (cargo feature `live`).
//!
//! ```text
//! cargo run -p acd-engine --features live --bin acd-live -- \
//!     --live 127.0.0.1:8080 --metrics 127.0.0.1:9464 --seed 7 --seconds 120
//! ```
//!
//! Calls arrive at random (seeded) into two groups; a simulated telephony
//! side answers offers after a few seconds and hangs up later. Open
//! `http://127.0.0.1:8080/` for the live view and scrape
//! `http://127.0.0.1:9464/metrics`. Stops after `--seconds`.

use acd_engine::runtime::live::{install_prometheus, LiveServer};
use acd_engine::runtime::observe::Observer;
use acd_engine::runtime::{Output, Runtime, RuntimeHandle, ShardConfig};
use acd_engine::*;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant as WallClock};

/// Command-line options.
struct Options {
    live: SocketAddr,
    metrics: Option<SocketAddr>,
    seed: u64,
    seconds: u64,
}

fn parse() -> Result<Options, String> {
    let mut options = Options {
        live: SocketAddr::from(([127, 0, 0, 1], 8080)),
        metrics: None,
        seed: 7,
        seconds: 300,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let bad = |e: &dyn std::fmt::Display| format!("{flag} {value}: {e}");
        match flag.as_str() {
            "--live" => options.live = value.parse().map_err(|e| bad(&e))?,
            "--metrics" => options.metrics = Some(value.parse().map_err(|e| bad(&e))?),
            "--seed" => options.seed = value.parse().map_err(|e| bad(&e))?,
            "--seconds" => options.seconds = value.parse().map_err(|e| bad(&e))?,
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(options)
}

/// A tiny seeded generator (xorshift64*), enough for a demo workload.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn config() -> EngineConfig {
    let mut tenant = TenantConfig::new("acme");
    for group in ["support", "sales"] {
        let mut g = GroupConfig::new(group, &[group]);
        g.ring_time_s = 15;
        tenant.groups.push(g);
    }
    for k in 0..8 {
        let skills: &[(&str, u8)] = if k % 3 == 0 {
            &[("support", 5), ("sales", 3)]
        } else if k % 3 == 1 {
            &[("support", 4)]
        } else {
            &[("sales", 6)]
        };
        tenant
            .agents
            .push(AgentConfig::new(format!("agent-{k}").as_str(), skills));
    }
    EngineConfig {
        tenants: vec![tenant],
        ..Default::default()
    }
}

fn main() -> ExitCode {
    let options = match parse() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("acd-live: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("acd-live: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: &Options) -> Result<(), String> {
    let engine = Engine::new(config()).map_err(|e| e.to_string())?;
    let observer = Observer::new(Duration::from_secs(900));
    let (offers_tx, offers) = mpsc::channel();
    let shard = observer.instrument(
        0,
        ShardConfig::new(engine, move |output| {
            if let Output::Effect(Effect::Offer {
                call, agent, epoch, ..
            }) = output
            {
                let _ = offers_tx.send((call, agent, epoch));
            }
        }),
    );
    let runtime = Runtime::start(vec![shard]).map_err(|e| e.to_string())?;
    let prometheus = install_prometheus()?;
    let same = options.metrics.is_none_or(|m| m == options.live);
    let live = LiveServer::start(
        options.live,
        Some(&observer),
        same.then(|| prometheus.clone()),
    )
    .map_err(|e| format!("{}: {e}", options.live))?;
    let metrics = match options.metrics.filter(|_| !same) {
        Some(addr) => Some(
            LiveServer::start(addr, None, Some(prometheus)).map_err(|e| format!("{addr}: {e}"))?,
        ),
        None => None,
    };
    println!("live view on http://{}/", live.local_addr());
    if let Some(m) = &metrics {
        println!("metrics on http://{}/metrics", m.local_addr());
    }
    drive(&runtime.handle(), offers, options)?;
    live.stop();
    if let Some(m) = metrics {
        m.stop();
    }
    runtime.shutdown().map_err(|e| e.to_string())?;
    Ok(())
}

/// Logs agents on, then feeds calls and answers offers until time is up.
fn drive(
    rt: &RuntimeHandle,
    offers: mpsc::Receiver<(CallId, AgentId, Epoch)>,
    options: &Options,
) -> Result<(), String> {
    let acme = TenantId::new("acme");
    let mut dice = Dice(options.seed | 1);
    for k in 0..8 {
        let agent = AgentId::new(format!("agent-{k}").as_str());
        let logon = Command::Logon {
            agent: agent.clone(),
            extension: format!("20{k:02}").into(),
            media: vec![],
        };
        rt.call(&acme, logon).map_err(|e| e.to_string())?;
        if k != 7 {
            let ready = Command::Ready {
                agent,
                media: Media::Voice,
            };
            rt.call(&acme, ready).map_err(|e| e.to_string())?;
        }
    }
    let end = WallClock::now() + Duration::from_secs(options.seconds);
    let mut hangups: Vec<(WallClock, CallId)> = Vec::new();
    let mut next_call = 0u64;
    while WallClock::now() < end {
        if dice.below(3) == 0 {
            next_call += 1;
            let group = if dice.below(2) == 0 {
                "support"
            } else {
                "sales"
            };
            let spec = CallSpec::new(format!("call-{next_call}").as_str(), group);
            let _ = rt.submit(&acme, Command::call_arrived(spec));
        }
        while let Ok((call, agent, epoch)) = offers.try_recv() {
            let _ = rt.submit(
                &acme,
                Command::Answered {
                    call: call.clone(),
                    agent,
                    epoch,
                },
            );
            let talk = Duration::from_secs(5 + dice.below(20));
            hangups.push((WallClock::now() + talk, call));
        }
        let now = WallClock::now();
        for (_, call) in hangups.iter().filter(|(at, _)| *at <= now) {
            let _ = rt.submit(&acme, Command::Hangup { call: call.clone() });
        }
        hangups.retain(|(at, _)| *at > now);
        std::thread::sleep(Duration::from_millis(400));
    }
    Ok(())
}
