//! Snapshots of a replicated shard in the JetStream object store, and
//! purging the log behind them.
//!
//! Every `snapshot_every` log messages the leader serializes its engine
//! (the same serde state the journal's snapshots hold) together with the
//! stream sequence it covers, uploads it as the object `state`, and only
//! then purges the stream up to that sequence. A node that starts, or a
//! follower that finds the messages it needs purged, loads the snapshot and
//! follows the tail after it.

use super::log::Replica;
use crate::engine::Engine;
use async_nats::jetstream::object_store::{GetErrorKind, ObjectStore};
use async_nats::jetstream::stream::Stream;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;

/// The object holding a shard's latest snapshot.
const OBJECT: &str = "state";

/// The stored form: the engine after applying messages `..=seq`.
#[derive(Serialize, Deserialize)]
struct Stored<E> {
    seq: u64,
    engine: E,
}

/// Serializes `engine` as the snapshot covering messages `..=seq`.
pub(crate) fn encode(seq: u64, engine: &Engine) -> Result<Vec<u8>, String> {
    serde_json::to_vec(&Stored { seq, engine }).map_err(|e| e.to_string())
}

/// Uploads a snapshot, then purges the stream's messages it covers.
pub(crate) async fn store(
    store: &ObjectStore,
    stream: &Stream,
    seq: u64,
    bytes: Vec<u8>,
) -> Result<(), String> {
    store
        .put(OBJECT, &mut bytes.as_slice())
        .await
        .map_err(|e| format!("snapshot upload: {e}"))?;
    // `sequence(n)` purges every message below n.
    stream
        .purge()
        .sequence(seq + 1)
        .await
        .map_err(|e| format!("purge: {e}"))?;
    Ok(())
}

/// The latest snapshot as a replica, or `None` when there is none yet.
pub(crate) async fn load(store: &ObjectStore) -> Result<Option<Replica>, String> {
    let mut object = match store.get(OBJECT).await {
        Ok(object) => object,
        Err(e) if e.kind() == GetErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("snapshot download: {e}")),
    };
    let mut bytes = Vec::new();
    object
        .read_to_end(&mut bytes)
        .await
        .map_err(|e| format!("snapshot download: {e}"))?;
    let stored: Stored<Engine> =
        serde_json::from_slice(&bytes).map_err(|e| format!("snapshot: {e}"))?;
    Ok(Some(Replica::from_snapshot(stored.engine, stored.seq)))
}
