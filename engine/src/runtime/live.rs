//! The live supervisor view and Prometheus exposition (cargo feature `live`).
//!
//! A small read-only HTTP server (axum, on its own thread with a
//! single-threaded tokio runtime) serves:
//!
//! - `GET /` — the live view: per group the queue with waiting times, service
//!   level now and today, the longest waiting call, agents by state with
//!   their state duration and reason. The page opens `GET /events` and
//!   redraws on every frame pushed; it never polls.
//! - `GET /events` — server-sent events: one `frame` event (a JSON
//!   [`LiveFrame`] list, one per shard) at connect and after every published
//!   snapshot (coalesced: a slow browser gets the latest frame, never a
//!   backlog).
//! - `GET /frames.json` — the latest frames, once.
//! - `GET /metrics` — Prometheus text exposition of everything reported
//!   through the `metrics` facade, when a recorder handle is given.
//!
//! It shows ids, states and counts — no configuration, credentials or
//! caller data beyond call ids — and binds where it is told: use a loopback
//! address (`127.0.0.1:…`, the default of `acd-live`). Stopping never
//! waits for browsers: open connections are dropped.
//!
//! Entry point for a process hosting shards (the runtime's embedders, the
//! replicated node): build an [`Observer`], instrument every shard with it
//! before starting them, then
//!
//! ```no_run
//! # use acd_engine::runtime::{live, observe::Observer};
//! let observer = Observer::new(std::time::Duration::from_secs(900));
//! // ... observer.instrument(ix, shard_config) for every shard, Runtime::start ...
//! let prometheus = live::install_prometheus().expect("no other metrics recorder");
//! let server = live::LiveServer::start(
//!     "127.0.0.1:9464".parse().unwrap(),
//!     Some(&observer),
//!     Some(prometheus),
//! )
//! .expect("bind");
//! println!("live view on http://{}/", server.local_addr());
//! server.stop();
//! ```

use super::observe::{LiveFrame, Observer};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::sync::{oneshot, watch};
use tokio_stream::wrappers::WatchStream;
use tokio_stream::{Stream, StreamExt};

/// The page, with its script and styles inline.
const PAGE: &str = include_str!("live_page.html");

/// Every shard's latest frame, as the page receives it.
type Frames = Arc<Vec<Arc<LiveFrame>>>;

/// Installs the Prometheus recorder as the process's `metrics` recorder and
/// returns the handle that renders it (give it to [`LiveServer::start`]).
/// Fails when another recorder is installed already.
pub fn install_prometheus() -> Result<PrometheusHandle, String> {
    PrometheusBuilder::new()
        .install_recorder()
        .map_err(|e| e.to_string())
}

/// What the handlers share.
#[derive(Clone)]
struct AppState {
    frames: watch::Receiver<Frames>,
    prometheus: Option<PrometheusHandle>,
}

/// A running server; [`LiveServer::stop`] (or drop) ends it.
#[derive(Debug)]
pub struct LiveServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl LiveServer {
    /// Binds `addr` and serves the live view of `observer`'s shards (when
    /// given) and `/metrics` from `prometheus` (when given). Port 0 picks a
    /// free port: see [`LiveServer::local_addr`].
    pub fn start(
        addr: SocketAddr,
        observer: Option<&Observer>,
        prometheus: Option<PrometheusHandle>,
    ) -> std::io::Result<LiveServer> {
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let (frames_tx, frames_rx) = watch::channel(Frames::default());
        let mut router = Router::new();
        if let Some(observer) = observer {
            let latest: BTreeMap<usize, Arc<LiveFrame>> = observer
                .frames()
                .into_iter()
                .map(|f| (f.shard, f))
                .collect();
            frames_tx.send_replace(Arc::new(latest.values().cloned().collect()));
            let latest = Mutex::new(latest);
            observer.subscribe(Box::new(move |frame| {
                // Called on a writer thread: never blocks, keeps the latest.
                let mut latest = latest.lock();
                latest.insert(frame.shard, Arc::clone(frame));
                frames_tx.send_replace(Arc::new(latest.values().cloned().collect()));
            }));
            router = router
                .route("/", get(page))
                .route("/events", get(events))
                .route("/frames.json", get(frames_json));
        }
        if prometheus.is_some() {
            router = router.route("/metrics", get(metrics));
        }
        let app = router.with_state(AppState {
            frames: frames_rx,
            prometheus,
        });
        let (stop, stopped) = oneshot::channel();
        let thread = std::thread::Builder::new()
            .name("acd-live".into())
            .spawn(move || serve(listener, app, stopped))?;
        Ok(LiveServer {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops serving and joins the server thread; open connections are
    /// dropped, not waited for.
    pub fn stop(mut self) {
        self.shut();
    }

    fn shut(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for LiveServer {
    fn drop(&mut self) {
        self.shut();
    }
}

/// The server thread: runs until `stopped` fires, then drops every task.
fn serve(listener: std::net::TcpListener, app: Router, stopped: oneshot::Receiver<()>) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
    else {
        return;
    };
    rt.block_on(async move {
        let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
            return;
        };
        tokio::select! {
            _ = axum::serve(listener, app) => {}
            _ = stopped => {}
        }
    });
    rt.shutdown_timeout(Duration::from_millis(200));
}

async fn page() -> Html<&'static str> {
    Html(PAGE)
}

fn frames_text(frames: &Frames) -> String {
    serde_json::to_string(&**frames).unwrap_or_else(|_| "[]".into())
}

async fn frames_json(State(state): State<AppState>) -> Response {
    let body = frames_text(&state.frames.borrow());
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn events(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stream = WatchStream::new(state.frames)
        .map(|frames| Ok(Event::default().event("frame").data(frames_text(&frames))));
    Sse::new(stream).keep_alive(KeepAlive::default())
}

async fn metrics(State(state): State<AppState>) -> Response {
    match state.prometheus {
        Some(handle) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            handle.render(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
