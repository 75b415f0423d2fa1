//! External identifiers.
//!
//! Every object the embedder names (tenant, agent, service group, call, skill,
//! reason code, team) has its own newtype, so an agent id can never be passed
//! where a call id is expected. They wrap [`CompactString`]: ids of up to 24
//! bytes are stored inline, so cloning one into an effect or event does not
//! allocate. Inside the engine, objects are addressed by slab index; these ids
//! only cross the API boundary.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! external_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
        #[serde(transparent)]
        pub struct $name(pub CompactString);

        impl $name {
            /// Creates an id from any string-like value.
            pub fn new(id: impl AsRef<str>) -> Self {
                Self(CompactString::new(id.as_ref()))
            }

            /// The id as a string slice.
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.0.as_str())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:?}", self.0.as_str())
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self::new(s)
            }
        }

        impl From<&String> for $name {
            fn from(s: &String) -> Self {
                Self::new(s)
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(CompactString::from(s))
            }
        }
    };
}

external_id!(
    /// An isolated namespace; nothing is visible or routable across tenants.
    TenantId
);
external_id!(
    /// An agent, unique within the engine.
    AgentId
);
external_id!(
    /// The extension (station, DN) an agent is logged on at: the
    /// address the embedder rings an offer at.
    Extension
);
external_id!(
    /// A service group (queue), unique within the engine.
    GroupId
);
external_id!(
    /// A call (contact), unique among the calls the engine currently holds.
    CallId
);
external_id!(
    /// A skill; agents hold skills at levels 1..=10.
    SkillId
);
external_id!(
    /// A Not Ready, Wrap-Up or Sign-Out reason code.
    ReasonCode
);
external_id!(
    /// A team of agents; reason codes may be team-scoped.
    TeamId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_every_string_form() {
        let owned = String::from("alice");
        let from_ref: AgentId = (&owned).into();
        let from_str: AgentId = "alice".into();
        let from_owned: AgentId = owned.clone().into();
        assert_eq!(from_ref, from_str);
        assert_eq!(from_owned, AgentId::new(&owned));
        assert_eq!(CallId::from(&owned).as_str(), "alice");
    }
}
