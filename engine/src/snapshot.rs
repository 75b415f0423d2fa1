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
        core.rebuild_ready_index();
        core.rebuild_lookup();
        let groups: Vec<_> = core.groups.iter().map(|(g, _)| g).collect();
        core.recount_ready_status(groups);
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
        None => return Ok(move_turns_to_groups(Value::Object(map))),
        Some(v) => v.as_u64().ok_or_else(|| {
            SnapshotError::Malformed(format!("`schema` is not a version number: {v}"))
        })?,
    };
    if !(OLDEST_SNAPSHOT_SCHEMA..=SNAPSHOT_SCHEMA).contains(&schema) {
        return Err(SnapshotError::UnknownSchema { found: schema });
    }
    map.remove("engine")
        .map(move_turns_to_groups)
        .ok_or_else(|| SnapshotError::Malformed("no `engine` in the envelope".into()))
}

/// Round-robin turns were kept in each agent's served list (`rr_turn`)
/// until they moved to their group (`turns`, [`crate::service_group::Turns`]):
/// moves any found, in place. A state without them is left as it is.
fn move_turns_to_groups(mut state: Value) -> Value {
    let mut moved: Vec<(usize, usize, u64)> = Vec::new();
    if let Some(slots) = state
        .pointer_mut("/agents/slots")
        .and_then(Value::as_array_mut)
    {
        for (a, slot) in slots.iter_mut().enumerate() {
            let Some(served) = slot
                .pointer_mut("/Full/served")
                .and_then(Value::as_array_mut)
            else {
                continue;
            };
            for s in served.iter_mut().filter_map(Value::as_object_mut) {
                let turn = s.remove("rr_turn").and_then(|t| t.as_u64());
                let group = s.get("group").and_then(Value::as_u64);
                if let (Some(turn @ 1..), Some(g)) = (turn, group) {
                    moved.push((g as usize, a, turn));
                }
            }
        }
    }
    let groups = state
        .pointer_mut("/groups/slots")
        .and_then(Value::as_array_mut);
    if let Some(groups) = groups {
        for (g, a, turn) in moved {
            let Some(group) = groups
                .get_mut(g)
                .and_then(|s| s.pointer_mut("/Full"))
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            let turns = group
                .entry("turns")
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Some(turns) = turns.as_array_mut() {
                turns.push(serde_json::json!([a, turn]));
            }
        }
    }
    state
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

#[cfg(test)]
mod tests {
    use super::move_turns_to_groups;
    use serde_json::json;

    /// Turns saved in the agents' served lists move to their groups; a
    /// turn of 0 (never offered) is no entry; nothing else changes.
    #[test]
    fn served_turns_move_to_their_groups() {
        let state = json!({
            "agents": {"slots": [
                {"Full": {"served": [{"group": 1, "min_tier": 0, "rr_turn": 7},
                                     {"group": 0, "min_tier": 1, "rr_turn": 0}]}},
                {"Free": {"next": null}},
                {"Full": {"served": [{"group": 1, "min_tier": 0, "rr_turn": 9}]}}
            ]},
            "groups": {"slots": [{"Full": {"id": "a"}}, {"Full": {"id": "b"}}]}
        });
        let moved = move_turns_to_groups(state);
        assert_eq!(
            moved,
            json!({
                "agents": {"slots": [
                    {"Full": {"served": [{"group": 1, "min_tier": 0},
                                         {"group": 0, "min_tier": 1}]}},
                    {"Free": {"next": null}},
                    {"Full": {"served": [{"group": 1, "min_tier": 0}]}}
                ]},
                "groups": {"slots": [
                    {"Full": {"id": "a"}},
                    {"Full": {"id": "b", "turns": [[0, 7], [2, 9]]}}
                ]}
            })
        );
        // A current state is left as it is.
        assert_eq!(move_turns_to_groups(moved.clone()), moved);
    }
}
