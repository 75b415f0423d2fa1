//! Personal call routing: PDN matching, personal waits and the divert ladder.

use serde::{Deserialize, Serialize};

/// Personal-call bookkeeping carried by a call.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PersonalState {
    /// The agent the call is personal to.
    pub(crate) target: Option<crate::agent::AgentIx>,
    /// Never again sent directly to the agent, only picked.
    pub(crate) direct_barred: bool,
}
