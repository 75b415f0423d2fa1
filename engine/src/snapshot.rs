//! The engine's saved state and its schema versions.
//!
//! A snapshot is the engine's whole state as JSON, wrapped in an envelope
//! that names its schema: `{"schema": 2, "engine": {...}}`. The schema is a
//! version of its own, not the crate's: the engine's internal records may
//! be reorganised freely as long as every schema listed here still loads.
//!
//! | schema | written by | layout |
//! |---|---|---|
//! | 1 | f037059 and before | the bare state object, no envelope |
//! | 2 | this version | the envelope around the state |
//!
//! Loading a schema this build does not know is a typed error
//! ([`SnapshotError::UnknownSchema`]), never a guess. A state that parses
//! but whose indexes or invariants do not hold is refused as well
//! ([`SnapshotError::Inconsistent`]): a snapshot never makes a later call
//! panic. `engine/tests/fixtures/` keeps one snapshot of every schema, and
//! `engine/tests/snapshot_format.rs` loads each of them.

use crate::engine::{Core, Engine};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// The schema this build writes.
pub const SNAPSHOT_SCHEMA: u64 = 2;

/// The oldest schema this build still loads.
pub const OLDEST_SNAPSHOT_SCHEMA: u64 = 1;

/// Why a snapshot could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// The text is not JSON, or not a snapshot envelope.
    #[error("not an engine snapshot: {0}")]
    Malformed(String),
    /// The snapshot names a schema this build cannot read.
    #[error(
        "snapshot schema {found} is not supported (this build reads {OLDEST_SNAPSHOT_SCHEMA} to {SNAPSHOT_SCHEMA})"
    )]
    UnknownSchema {
        /// The schema named in the snapshot.
        found: u64,
    },
    /// The state does not fit the schema, or its records contradict each
    /// other (dangling indexes, broken invariants).
    #[error("inconsistent snapshot: {0}")]
    Inconsistent(String),
}

impl Engine {
    /// The engine's state as a snapshot of schema [`SNAPSHOT_SCHEMA`]
    /// . Undelivered effects and events are part of it.
    pub fn to_snapshot_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(self)
    }

    /// Loads a snapshot of any schema from [`OLDEST_SNAPSHOT_SCHEMA`] to
    /// [`SNAPSHOT_SCHEMA`].
    pub fn from_snapshot_json(bytes: &[u8]) -> Result<Engine, SnapshotError> {
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| SnapshotError::Malformed(e.to_string()))?;
        Engine::from_snapshot_value(value)
    }

    /// Loads a snapshot already parsed as JSON (see
    /// [`Engine::from_snapshot_json`]).
    pub fn from_snapshot_value(value: Value) -> Result<Engine, SnapshotError> {
        let state = current_state(value)?;
        let core =
            Core::deserialize(state).map_err(|e| SnapshotError::Inconsistent(e.to_string()))?;
        Engine::from_core(core).map_err(SnapshotError::Inconsistent)
    }

    /// Checks a loaded state and rebuilds what is derived from it.
    fn from_core(mut core: Core) -> Result<Engine, String> {
        core.drop_config_copies();
        core.check_structure()?;
        core.rebuild_lookup();
        core.check_invariants()
            .map_err(|e| format!("inconsistent state: {e}"))?;
        Ok(Engine { core })
    }
}

/// The state object of a snapshot, migrated to the current schema.
fn current_state(value: Value) -> Result<Value, SnapshotError> {
    let Value::Object(mut map) = value else {
        return Err(SnapshotError::Malformed("not a JSON object".into()));
    };
    let schema = match map.get("schema") {
        // Schema 1 had no envelope: the object is the state itself.
        None => return Ok(Value::Object(map)),
        Some(v) => v.as_u64().ok_or_else(|| {
            SnapshotError::Malformed(format!("`schema` is not a version number: {v}"))
        })?,
    };
    if !(OLDEST_SNAPSHOT_SCHEMA..=SNAPSHOT_SCHEMA).contains(&schema) {
        return Err(SnapshotError::UnknownSchema { found: schema });
    }
    map.remove("engine")
        .ok_or_else(|| SnapshotError::Malformed("no `engine` in the envelope".into()))
}

/// The envelope as written.
#[derive(Serialize)]
struct Envelope<'a> {
    schema: u64,
    engine: &'a Core,
}

impl Serialize for Engine {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Envelope {
            schema: SNAPSHOT_SCHEMA,
            engine: &self.core,
        }
        .serialize(s)
    }
}

/// Loading goes through [`Engine::from_snapshot_value`]: every schema is
/// accepted, and a state whose indexes or invariants do not hold is a
/// deserialization error, never a panic.
impl<'de> Deserialize<'de> for Engine {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        Engine::from_snapshot_value(value).map_err(D::Error::custom)
    }
}
