//! The leader lease: one key in a JetStream key-value bucket, written only
//! by compare-and-set on its revision.
//!
//! The holder rewrites the key every [`LeaseTiming::renew`]; each write
//! bumps the revision. Every other node polls the key every
//! [`LeaseTiming::check`] and remembers, on its own monotonic clock, when it
//! last saw the revision change. Once the revision has stood still for
//! [`LeaseTiming::ttl`] the lease has lapsed and a node takes it with a
//! compare-and-set on the revision it saw: of several contenders exactly one
//! succeeds. No wall clocks are compared between machines.
//!
//! The holder counts its lease as valid until `ttl` after it *sent* its last
//! successful renewal, while a contender waits `ttl` after it *saw* that
//! renewal, so a live holder gives up before anyone else takes over. The
//! lease only decides who tries to lead; safety comes from the log's
//! expected-sequence fencing (see `leader`), which holds even when a paused
//! holder wakes up believing in a lease long gone.

use async_nats::jetstream::kv::{self, CreateErrorKind, UpdateErrorKind};
use bytes::Bytes;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// The key holding a shard's lease inside its bucket.
const LEASE_KEY: &str = "leader";

/// Lease timing. The defaults put a standby in charge about 0.6 s after the
/// leader's last renewal (R-11.3's 1 s target, with room for catching up).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeaseTiming {
    /// How often the holder renews.
    pub renew: Duration,
    /// How long an unrenewed lease stays valid.
    pub ttl: Duration,
    /// How often a non-holder looks at the lease.
    pub check: Duration,
}

impl Default for LeaseTiming {
    fn default() -> Self {
        Self {
            renew: Duration::from_millis(100),
            ttl: Duration::from_millis(500),
            check: Duration::from_millis(50),
        }
    }
}

/// What a node currently knows about its shard's lease.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseView {
    /// The holder's node name, when one is known.
    pub holder: Option<String>,
    /// This node holds the lease and it has not lapsed.
    pub mine: bool,
}

/// One node's side of the lease.
pub(crate) struct Lease {
    kv: kv::Store,
    node: String,
    timing: LeaseTiming,
    /// Revision of our own last successful write, while we hold the lease.
    held: Option<Held>,
    /// The last revision seen while not holding it, and when it was first seen.
    seen: Option<(u64, Instant)>,
    holder: Option<String>,
}

#[derive(Clone, Copy, Debug)]
struct Held {
    revision: u64,
    valid_until: Instant,
}

impl Lease {
    /// The lease of the bucket `kv`, seen by `node`.
    pub(crate) fn new(kv: kv::Store, node: String, timing: LeaseTiming) -> Self {
        Self {
            kv,
            node,
            timing,
            held: None,
            seen: None,
            holder: None,
        }
    }

    /// Renews, observes or acquires, then publishes the view; forever.
    /// Ends when every receiver of `tx` is gone.
    pub(crate) async fn run(mut self, tx: watch::Sender<LeaseView>) {
        loop {
            let view = self.step().await;
            if tx.send(view).is_err() {
                return;
            }
            let pause = if self.held.is_some() {
                self.timing.renew
            } else {
                self.timing.check
            };
            tokio::time::sleep(pause).await;
        }
    }

    fn view(&self) -> LeaseView {
        let mine = self.held.is_some_and(|h| Instant::now() < h.valid_until);
        LeaseView {
            holder: if mine {
                Some(self.node.clone())
            } else {
                self.holder.clone()
            },
            mine,
        }
    }

    async fn step(&mut self) -> LeaseView {
        match self.held {
            Some(held) => self.renew(held).await,
            None => self.observe().await,
        }
        self.view()
    }

    async fn renew(&mut self, held: Held) {
        let sent = Instant::now();
        let value = Bytes::from(self.node.clone());
        match self.kv.update(LEASE_KEY, value, held.revision).await {
            Ok(revision) => {
                self.held = Some(Held {
                    revision,
                    valid_until: sent + self.timing.ttl,
                })
            }
            Err(e) if e.kind() == UpdateErrorKind::WrongLastRevision => {
                eprintln!("acd-node {}: lost the lease to another node", self.node);
                self.lose()
            }
            // Cannot reach the bucket: keep trying until the lease lapses.
            Err(e) if Instant::now() >= held.valid_until => {
                eprintln!("acd-node {}: lease lapsed, renewal failed: {e}", self.node);
                self.lose()
            }
            Err(_) => {}
        }
    }

    fn lose(&mut self) {
        self.held = None;
        self.seen = None;
        self.holder = None;
    }

    async fn observe(&mut self) {
        let entry = match self.kv.entry(LEASE_KEY).await {
            Ok(entry) => entry,
            Err(_) => return,
        };
        let Some(entry) = entry else {
            return self.acquire(None).await;
        };
        let now = Instant::now();
        match self.seen {
            Some((revision, _)) if revision == entry.revision => {}
            _ => {
                self.seen = Some((entry.revision, now));
                self.holder = Some(String::from_utf8_lossy(&entry.value).into_owned())
                    .filter(|h| !h.is_empty());
            }
        }
        let released = entry.operation != kv::Operation::Put || entry.value.is_empty();
        let lapsed = self
            .seen
            .is_some_and(|(_, at)| now.duration_since(at) >= self.timing.ttl);
        if released || lapsed {
            self.acquire(Some(entry.revision)).await;
        }
    }

    /// Compare-and-set: create the key, or replace `revision`.
    async fn acquire(&mut self, revision: Option<u64>) {
        let sent = Instant::now();
        let value = Bytes::from(self.node.clone());
        let won = match revision {
            None => match self.kv.create(LEASE_KEY, value).await {
                Ok(r) => Some(r),
                Err(e) if e.kind() == CreateErrorKind::AlreadyExists => None,
                Err(_) => None,
            },
            Some(rev) => self.kv.update(LEASE_KEY, value, rev).await.ok(),
        };
        if let Some(revision) = won {
            eprintln!(
                "acd-node {}: took the lease (revision {revision})",
                self.node
            );
            self.held = Some(Held {
                revision,
                valid_until: sent + self.timing.ttl,
            });
        }
    }
}
