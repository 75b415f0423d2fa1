//! The runtime's async face (feature `async-runtime`): commands awaited as
//! futures and outputs read as a `Stream`, from one tokio thread.

use acd_engine::runtime::{CallError, Output, Runtime, ShardConfig};
use acd_engine::*;
use futures_util::StreamExt;

fn engine() -> Engine {
    let mut tenant = TenantConfig::new("acme");
    tenant
        .groups
        .push(GroupConfig::new("support", &["support"]));
    tenant
        .agents
        .push(AgentConfig::new("alice", &[("support", 5)]));
    Engine::new(EngineConfig {
        tenants: vec![tenant],
        ..Default::default()
    })
    .unwrap()
}

#[test]
fn commands_are_futures_and_outputs_a_stream() {
    let (shard, mut outputs) = ShardConfig::with_stream(engine(), 16);
    let runtime = Runtime::start(vec![shard]).unwrap();
    let rt = runtime.handle();
    let acme = TenantId::new("acme");
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    tokio.block_on(async {
        let logon = Command::Logon {
            agent: "alice".into(),
            extension: "2001".into(),
            media: vec![],
        };
        rt.call_async(&acme, logon).await.unwrap();
        rt.call_async(
            &acme,
            Command::Ready {
                agent: "alice".into(),
                media: Media::Voice,
            },
        )
        .await
        .unwrap();
        // Several commands in flight at once, awaited together.
        let arrival = rt
            .submit_async(&acme, Command::call_arrived(CallSpec::new("c1", "support")))
            .unwrap();
        let refused = rt
            .submit_async(
                &acme,
                Command::Ready {
                    agent: "bob".into(),
                    media: Media::Voice,
                },
            )
            .unwrap();
        let (arrival, refused) = futures_util::future::join(arrival, refused).await;
        arrival.unwrap();
        assert!(matches!(
            refused,
            Err(CallError::Engine(Error::UnknownAgent(_)))
        ));
        // The offer comes out of the stream, between the events.
        let mut offer = None;
        while offer.is_none() {
            match outputs.next().await {
                Some(Output::Effect(Effect::Offer { agent, epoch, .. })) => {
                    offer = Some((agent, epoch))
                }
                Some(_) => {}
                None => panic!("the stream ended before the offer"),
            }
        }
        let (agent, epoch) = offer.unwrap();
        assert_eq!(agent.as_str(), "alice");
        rt.call_async(
            &acme,
            Command::Answered {
                call: "c1".into(),
                agent,
                epoch,
            },
        )
        .await
        .unwrap();
    });
    let engines = runtime.shutdown().unwrap();
    assert_eq!(
        engines[0]
            .engine()
            .group_stats(&"acme".into(), &"support".into())
            .unwrap()
            .answered,
        1
    );
    // After shutdown the stream drains and ends.
    tokio.block_on(async { while outputs.next().await.is_some() {} });
    // A shut-down runtime refuses at the door.
    assert!(rt
        .submit_async(&TenantId::new("acme"), Command::SetMaintenance { on: true })
        .is_err());
}
