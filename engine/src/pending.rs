#![allow(unused_variables, dead_code)]
use crate::engine::Core;
use crate::*;
impl Core {
    pub(crate) fn logon(
        &mut self,
        t: usize,
        a: &AgentId,
        e: String,
        m: &[Media],
    ) -> Result<(), Error> {
        Ok(())
    }
    pub(crate) fn logoff(
        &mut self,
        t: usize,
        a: &AgentId,
        r: Option<ReasonCode>,
    ) -> Result<(), Error> {
        Ok(())
    }
    pub(crate) fn ready(&mut self, t: usize, a: &AgentId, m: Media) -> Result<(), Error> {
        Ok(())
    }
    pub(crate) fn not_ready(
        &mut self,
        t: usize,
        a: &AgentId,
        r: ReasonCode,
        m: Media,
    ) -> Result<(), Error> {
        Ok(())
    }
    pub(crate) fn call_arrived(&mut self, t: usize, s: CallSpec) -> Result<(), Error> {
        Ok(())
    }
    pub(crate) fn alerting(
        &mut self,
        t: usize,
        c: &CallId,
        a: &AgentId,
        e: Epoch,
    ) -> Result<(), Error> {
        Ok(())
    }
    pub(crate) fn answered(
        &mut self,
        t: usize,
        c: &CallId,
        a: &AgentId,
        e: Epoch,
    ) -> Result<(), Error> {
        Ok(())
    }
    pub(crate) fn rejected(
        &mut self,
        t: usize,
        c: &CallId,
        a: &AgentId,
        e: Epoch,
    ) -> Result<(), Error> {
        Ok(())
    }
    pub(crate) fn hold(&mut self, t: usize, c: &CallId, on: bool) -> Result<(), Error> {
        Ok(())
    }
    pub(crate) fn hangup(&mut self, t: usize, c: &CallId) -> Result<(), Error> {
        Ok(())
    }
    pub(crate) fn pick(&mut self, t: usize, a: &AgentId, c: &CallId) -> Result<(), Error> {
        Ok(())
    }
    pub(crate) fn transfer(&mut self, t: usize, c: &CallId, a: &AgentId) -> Result<(), Error> {
        Ok(())
    }
    pub(crate) fn divert_result(
        &mut self,
        t: usize,
        c: &CallId,
        e: Epoch,
        ok: bool,
    ) -> Result<(), Error> {
        Ok(())
    }
    pub(crate) fn auth_divert(&mut self, t: usize, c: &CallId) -> Result<(), Error> {
        Ok(())
    }
    pub(crate) fn call_returned(&mut self, t: usize, c: &CallId) -> Result<(), Error> {
        Ok(())
    }
    pub(crate) fn add_agent(&mut self, t: usize, a: AgentConfig) -> Result<(), Error> {
        Ok(())
    }
    pub(crate) fn remove_agent(&mut self, t: usize, a: &AgentId) -> Result<(), Error> {
        Ok(())
    }
    pub(crate) fn set_skills(
        &mut self,
        t: usize,
        a: &AgentId,
        s: std::collections::BTreeMap<SkillId, u8>,
    ) -> Result<(), Error> {
        Ok(())
    }
    pub(crate) fn upsert_group(&mut self, t: usize, g: GroupConfig) -> Result<(), Error> {
        Ok(())
    }
    pub(crate) fn remove_group(&mut self, t: usize, g: &GroupId) -> Result<(), Error> {
        Ok(())
    }
    pub(crate) fn insert_group(&mut self, t: usize, g: GroupConfig) {}
    pub(crate) fn insert_agent(&mut self, t: usize, a: AgentConfig) {}
    pub(crate) fn fire_timers(&mut self, now: Instant) {}
    pub(crate) fn next_deadline(&mut self) -> Option<Instant> {
        None
    }
    pub(crate) fn check_invariants(&self) -> Result<(), String> {
        Ok(())
    }
}
