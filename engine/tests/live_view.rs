//! The live supervisor view in a real browser, and the Prometheus endpoint
//! (cargo feature `live`).
//!
//! A runtime shard is driven by a seeded workload (agents logging on, some
//! Ready, one Not Ready with a reason, calls arriving, some offers answered)
//! and observed; the live server runs on a free loopback port. Headless
//! Chromium (Debian's `chromium`; set `CHROMIUM` to use another binary) loads
//! the page, which renders only what it receives over server-sent events,
//! and the test checks that the numbers in the rendered DOM match the
//! runtime's own snapshot. It also writes a screenshot
//! (`target/tmp/live-view.png`; with `ACD_UPDATE_SCREENSHOT=1` it replaces
//! `engine/assets/live-view.png`, the picture in the README).
//!
//! A missing browser fails the test with instructions; it is never skipped.

use acd_engine::runtime::live::{install_prometheus, LiveServer};
use acd_engine::runtime::observe::Observer;
use acd_engine::runtime::{Output, Runtime, RuntimeHandle, ShardConfig, ShardSnapshot};
use acd_engine::*;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::sync::mpsc;
use std::time::Duration;

const GROUPS: [&str; 2] = ["support", "sales"];

fn config() -> EngineConfig {
    let mut tenant = TenantConfig::new("acme");
    for g in GROUPS {
        tenant.groups.push(GroupConfig::new(g, &[g]));
    }
    for k in 0..6 {
        let skills: &[(&str, u8)] = if k < 3 {
            &[("support", 5)]
        } else {
            &[("sales", 5)]
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

/// A small seeded generator, so the workload is the same on every run.
fn dice(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

/// Drives the shard: 5 agents Ready, one Not Ready ("break"), 9 calls, and
/// the first offers answered. Returns the snapshot after the last command.
fn workload(
    rt: &RuntimeHandle,
    offers: &mpsc::Receiver<(CallId, AgentId, Epoch)>,
) -> ShardSnapshot {
    let acme = TenantId::new("acme");
    let call = |c: Command| rt.call(&acme, c).expect("command accepted");
    for k in 0..6 {
        let agent = AgentId::new(format!("agent-{k}").as_str());
        call(Command::Logon {
            agent: agent.clone(),
            extension: format!("20{k:02}").into(),
            media: vec![],
        });
        if k == 4 {
            call(Command::NotReady {
                agent,
                reason: "break".into(),
                media: Media::Voice,
            });
        } else {
            call(Command::Ready {
                agent,
                media: Media::Voice,
            });
        }
    }
    let mut seed = 0x5eed_u64;
    for n in 0..9 {
        let group = GROUPS[(dice(&mut seed) % 2) as usize];
        call(Command::call_arrived(CallSpec::new(
            format!("call-{n}").as_str(),
            group,
        )));
        // Runtime time is real time: spacing the calls gives distinct waits.
        std::thread::sleep(Duration::from_millis(250));
    }
    for (call_id, agent, epoch) in offers.try_iter().take(3) {
        call(Command::Answered {
            call: call_id,
            agent,
            epoch,
        });
    }
    (*rt.sync(0, Duration::from_secs(10)).expect("snapshot")).clone()
}

fn chromium() -> PathBuf {
    let candidates = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .into_iter()
        .chain(["/usr/bin/chromium", "/usr/bin/chromium-browser"].map(PathBuf::from));
    for c in candidates {
        if c.exists() {
            return c;
        }
    }
    panic!(
        "headless Chromium is needed for the live view test: `apt-get install -y chromium` \
         (.ci/run does this), or set CHROMIUM to a Chrome/Chromium binary"
    );
}

/// Runs headless Chromium on `url` with `extra` flags and returns stdout.
fn browse(url: &str, extra: &[&str]) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    let output = Process::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            "--virtual-time-budget=3000",
            "--timeout=15000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("start chromium");
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The text of the first element after `anchor` that carries `testid`.
fn value_after(dom: &str, anchor: &str, testid: &str) -> String {
    let start = dom
        .find(anchor)
        .unwrap_or_else(|| panic!("{anchor} not in the page:\n{dom}"));
    let rest = &dom[start..];
    let marker = format!("data-testid=\"{testid}\">");
    let at = rest
        .find(&marker)
        .unwrap_or_else(|| panic!("{testid} after {anchor} not found"));
    let text = &rest[at + marker.len()..];
    text[..text.find('<').expect("closing tag")].to_string()
}

fn http_get(addr: SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut body = String::new();
    stream.read_to_string(&mut body).expect("response");
    body
}

#[test]
fn the_page_shows_the_runtime_snapshot_and_metrics_are_exposed() {
    let prometheus = install_prometheus().expect("recorder");
    let engine = Engine::new(config()).expect("config");
    let observer = Observer::new(Duration::from_secs(900));
    let (tx, offers) = mpsc::channel();
    let shard = observer.instrument(
        0,
        ShardConfig::new(engine, move |out| {
            if let Output::Effect(Effect::Offer {
                call, agent, epoch, ..
            }) = out
            {
                let _ = tx.send((call, agent, epoch));
            }
        }),
    );
    let runtime = Runtime::start(vec![shard]).expect("runtime");
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    let server = LiveServer::start(loopback, Some(&observer), Some(prometheus)).expect("bind");
    let snapshot = workload(&runtime.handle(), &offers);
    // `?frames=1`: the page closes its event stream after the first frame,
    // so Chromium sees the network idle and dumps / shoots.
    let url = format!("http://{}/?frames=1", server.local_addr());

    let dom = browse(&url, &["--dump-dom"]);
    assert!(
        dom.contains("data-frames="),
        "the page drew no frame from /events:\n{dom}"
    );
    let acme = TenantId::new("acme");
    let tenant = snapshot.tenant(&acme).expect("tenant");
    let mut queued_total = 0;
    for g in GROUPS {
        let anchor = format!("data-group=\"acme/{g}\"");
        let queue = snapshot.queue_len(&acme, &g.into()).unwrap();
        queued_total += queue;
        assert_eq!(
            value_after(&dom, &anchor, "queue-len"),
            queue.to_string(),
            "{g}"
        );
        let stats = snapshot.group_stats(&acme, &g.into()).unwrap();
        assert_eq!(
            value_after(&dom, &anchor, "offered"),
            stats.offered.to_string()
        );
        assert_eq!(
            value_after(&dom, &anchor, "answered"),
            stats.answered.to_string()
        );
    }
    // Waiting calls are derived from events; their number must agree with
    // the snapshot's queue lengths.
    assert_eq!(
        dom.matches("data-testid=\"waiting-call\"").count(),
        queued_total
    );
    assert!(queued_total > 0, "the workload should leave calls waiting");
    for (agent, status) in tenant.agents() {
        let state = serde_json::to_value(status).unwrap()["state"]
            .as_str()
            .unwrap()
            .to_string();
        let anchor = format!("data-agent=\"{agent}\"");
        assert_eq!(value_after(&dom, &anchor, "agent-state"), state, "{agent}");
    }
    assert!(
        dom.contains("<td>break</td>"),
        "the Not Ready reason is shown"
    );
    let ready = tenant
        .agents()
        .filter(|(_, s)| **s == AgentStatus::Ready)
        .count();
    assert_eq!(
        value_after(&dom, "data-state=\"ready\"", "state-count"),
        ready.to_string()
    );

    let metrics = http_get(server.local_addr(), "/metrics");
    assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
    for name in [
        "acd_commands_total",
        "acd_queue_length",
        "acd_agents",
        "acd_offers_total",
        "acd_snapshot_seconds",
    ] {
        assert!(
            metrics.contains(name),
            "{name} missing from /metrics:\n{metrics}"
        );
    }
    let support_queue = snapshot.queue_len(&acme, &"support".into()).unwrap();
    let line = format!(
        "acd_queue_length{{shard=\"0\",tenant=\"acme\",group=\"support\"}} {support_queue}"
    );
    assert!(metrics.contains(&line), "{line} not in:\n{metrics}");

    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("live-view.png");
    let _ = std::fs::remove_file(&shot);
    browse(
        &url,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1100,1050",
        ],
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "screenshot looks empty"
    );
    if std::env::var_os("ACD_UPDATE_SCREENSHOT").is_some_and(|v| v == "1") {
        let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
        std::fs::create_dir_all(&assets).unwrap();
        std::fs::copy(&shot, assets.join("live-view.png")).unwrap();
    }
    server.stop();
    runtime.shutdown().expect("shutdown");
}
