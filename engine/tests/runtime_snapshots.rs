//! The runtime's incremental snapshots (feature `runtime`): a
//! [`SnapshotBuilder`] refreshed from the engine's change log must always
//! show exactly what a full read of the engine ([`Engine::snapshot`])
//! shows, and a snapshot once made must never change afterwards (readers
//! keep a consistent picture of one batch boundary, R-8.2) — whether the
//! builder brought its previous snapshot up to date in place (no reader
//! held it, with or without [`SnapshotBuilder::catch_up`] in between) or
//! copied the latest one (a reader held it).
//!
//! Driven by the seeded reactive workload of the journal tests (logons,
//! ready / not ready, arrivals, offers answered or rejected, hang-ups,
//! holds, transfers, agents added and removed, timers), plus groups added
//! and removed, in batches of random size.

#[path = "journal_support/workload.rs"]
mod workload;

use acd_engine::journal::{EngineStore, Record};
use acd_engine::runtime::{ShardCounters, ShardSnapshot, SnapshotBuilder};
use acd_engine::*;
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Arc;

/// Everything a snapshot shows, as plain data.
fn full_copy(snapshot: &ShardSnapshot) -> Vec<TenantSnapshot> {
    snapshot
        .tenants
        .iter()
        .map(|t| t.to_snapshot(snapshot.at))
        .collect()
}

/// What the engine itself shows.
fn engine_view(engine: &Engine) -> Vec<TenantSnapshot> {
    engine
        .tenants()
        .map(|t| engine.snapshot(t).expect("hosted tenant"))
        .collect()
}

fn apply(store: &mut EngineStore, record: Record) {
    let EngineStore::Memory(engine) = store else {
        unreachable!("the test keeps its engine in memory");
    };
    workload::apply_plain(engine, record);
}

/// Sometimes adds or removes a group (the roster changes), in between the
/// workload's records.
fn reshape_groups(store: &mut EngineStore, rng: &mut StdRng) {
    let tenant = TenantId::new(workload::TENANT);
    let now = store.engine().now();
    let command = if rng.gen_bool(0.5) {
        Command::UpsertGroup {
            group: Box::new(GroupConfig::new("extra", &["sales"])),
        }
    } else {
        Command::RemoveGroup {
            group: "extra".into(),
        }
    };
    let _ = store.handle(now, &tenant, command);
}

fn run(seed: u64, steps: usize) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut store = EngineStore::Memory(Engine::new(workload::config(seed)).expect("config"));
    let mut work = workload::Workload::resume(seed, store.engine(), 0);
    let mut builder = SnapshotBuilder::new(0, &mut store);
    // Snapshots readers still hold, with what they showed when made.
    let mut held: Vec<(Arc<ShardSnapshot>, Vec<TenantSnapshot>)> = Vec::new();
    let mut cell = builder.latest();
    let mut two_back = std::ptr::null();
    let mut reused = 0;
    let mut step = 0;
    let mut seq = 0;
    while step < steps {
        for _ in 0..rng.gen_range(1..8) {
            apply(&mut store, work.next_record());
            if rng.gen_ratio(1, 50) {
                reshape_groups(&mut store, &mut rng);
            }
            let mut effects = Vec::new();
            while let Some(effect) = store.poll_effect() {
                effects.push(effect);
            }
            work.observe(effects.into_iter());
            while store.poll_event().is_some() {}
            step += 1;
        }
        seq += 1;
        // The one before the latest is written in place unless a reader holds it.
        let reusable = (!held.iter().any(|(h, _)| Arc::as_ptr(h) == two_back)).then_some(two_back);
        // Published like the writer does: the cell lets go of the one before.
        let before = std::mem::replace(
            &mut cell,
            builder.publish(seq, &mut store, ShardCounters::default()),
        );
        two_back = Arc::as_ptr(&before);
        drop(before);
        if seq > 1 {
            reused += usize::from(reusable.is_some());
            assert_eq!(
                reusable.is_some(),
                Arc::as_ptr(&cell) == reusable.unwrap_or(std::ptr::null()),
                "seed {seed}, step {step}: the previous snapshot is reused exactly when no one holds it"
            );
        }
        let copy = full_copy(&cell);
        assert_eq!(
            copy,
            engine_view(store.engine()),
            "seed {seed}, step {step}: the refreshed snapshot differs from the engine"
        );
        if rng.gen_ratio(1, 3) {
            held.push((Arc::clone(&cell), copy));
        }
        if !held.is_empty() && (held.len() > 3 || rng.gen_ratio(1, 4)) {
            held.remove(0);
        }
        // The writer prepares the next buffer after its replies (or not at all).
        if rng.gen_bool(0.7) {
            builder.catch_up();
        }
        for (old, copy) in &held {
            assert_eq!(
                &full_copy(old),
                copy,
                "seed {seed}, step {step}: snapshot {} changed after it was made",
                old.seq
            );
        }
    }
    assert!(
        reused > 0 && reused + 1 < seq as usize,
        "seed {seed}: both ways of publishing ran ({reused} of {seq} in place)"
    );
}

#[test]
fn incremental_snapshots_match_a_full_read_after_every_batch() {
    for seed in 0..4 {
        run(seed, 3_000);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn incremental_snapshots_match_a_full_read_for_any_seed(seed in any::<u64>()) {
        run(seed, 600);
    }
}

#[test]
fn lookups_by_id_agree_with_the_listing() {
    let mut store = EngineStore::Memory(Engine::new(workload::config(7)).expect("config"));
    let mut work = workload::Workload::resume(7, store.engine(), 0);
    let mut builder = SnapshotBuilder::new(0, &mut store);
    for _ in 0..500 {
        apply(&mut store, work.next_record());
        let mut effects = Vec::new();
        while let Some(effect) = store.poll_effect() {
            effects.push(effect);
        }
        work.observe(effects.into_iter());
    }
    let snapshot = builder.publish(1, &mut store, ShardCounters::default());
    let tenant = TenantId::new(workload::TENANT);
    let view = snapshot.tenant(&tenant).expect("tenant");
    assert!(view.agent_count() > 0);
    assert_eq!(view.agents().count(), view.agent_count());
    for (agent, status) in view.agents() {
        assert_eq!(snapshot.agent_status(&tenant, agent), Some(status));
    }
    for (group, len, stats) in view.groups() {
        assert_eq!(snapshot.queue_len(&tenant, group), Some(len));
        assert_eq!(snapshot.group_stats(&tenant, group), Some(stats));
    }
    assert_eq!(snapshot.agent_status(&tenant, &"nobody".into()), None);
    assert_eq!(snapshot.queue_len(&"other".into(), &"sales".into()), None);
}
