"""The Engine class over the C ABI: routing, typed errors, outputs, timers,
persistence, life cycle and threads."""

import json
import threading

import pytest

import acd


def ready_agents(engine, t=1000):
    for agent, ext in (("alice", "2001"), ("bob", "2002")):
        engine.handle(t, "acme", {"type": "logon", "agent": agent, "extension": ext})
        engine.handle(t, "acme", {"type": "ready", "agent": agent})


def test_a_call_is_offered_answered_and_counted(config):
    with acd.Engine(config) as engine:
        ready_agents(engine)
        engine.handle(3000, "acme", {"type": "call_arrived", "id": "c1", "group": "support"})
        offers = [fx for fx in engine.effects() if fx["effect"] == "offer"]
        assert [o["call"] for o in offers] == ["c1"]
        # longest idle: both became Ready at once; the engine picks one.
        offer = offers[0]
        engine.handle(5000, "acme", {"type": "answered", "call": "c1",
                                     "agent": offer["agent"], "epoch": offer["epoch"]})
        status = engine.agent_status("acme", offer["agent"])
        assert status["state"] == "talking"
        # the status carries the agent's load per media.
        assert status["load"]["contacts"] == {"voice": 1}
        assert status["load"]["limits"] == {"voice": 1}
        engine.handle(65000, "acme", {"type": "hangup", "call": "c1"})
        stats = engine.group_stats("acme", "support")
        assert stats["answered"] == 1 and stats["offered"] == 1
        kinds = [e["event"] for e in engine.events()]
        assert "call_answered" in kinds and "call_ended" in kinds
        assert engine.pending() == {"effects": 0, "events": 0}


@pytest.mark.parametrize(
    "command, error",
    [
        ({"type": "ready", "agent": "zed"}, acd.UnknownAgentError),
        ({"type": "hangup", "call": "nope"}, acd.UnknownCallError),
        ({"type": "call_arrived", "id": "c9", "group": "nogroup"}, acd.UnknownGroupError),
        ({"type": "ready", "agent": "alice"}, acd.AgentStateError),
        ({"type": "no_such_command"}, acd.InvalidJsonError),
        ({"type": "logon", "agent": 5, "extension": "1"}, acd.InvalidJsonError),
    ],
)
def test_refusals_raise_the_typed_error_and_change_nothing(config, command, error):
    with acd.Engine(config) as engine:
        before = engine.save()
        with pytest.raises(error) as info:
            engine.handle(1000, "acme", command)
        assert info.value.code == error.code
        assert info.value.name in str(info.value)
        assert engine.save() == before


def test_unknown_tenant_and_time_going_backwards(config):
    with acd.Engine(config) as engine:
        with pytest.raises(acd.UnknownTenantError):
            engine.handle(1000, "globex", {"type": "ready", "agent": "alice"})
        engine.handle(5000, "acme", {"type": "logon", "agent": "alice", "extension": "1"})
        with pytest.raises(acd.TimeWentBackwardsError):
            engine.handle(4000, "acme", {"type": "ready", "agent": "alice"})


def test_stale_epoch_is_refused(config):
    with acd.Engine(config) as engine:
        ready_agents(engine)
        engine.handle(2000, "acme", {"type": "call_arrived", "id": "c1", "group": "support"})
        offer = next(fx for fx in engine.effects() if fx["effect"] == "offer")
        with pytest.raises(acd.StaleEpochError):
            engine.handle(3000, "acme", {"type": "answered", "call": "c1",
                                         "agent": offer["agent"], "epoch": offer["epoch"] + 7})


def test_ring_timeout_fires_through_poll_timeout(config):
    with acd.Engine(config) as engine:
        engine.handle(0, "acme", {"type": "logon", "agent": "alice", "extension": "1"})
        engine.handle(0, "acme", {"type": "ready", "agent": "alice"})
        engine.handle(1000, "acme", {"type": "call_arrived", "id": "c1", "group": "support"})
        list(engine.effects())
        deadline = engine.poll_timeout()
        assert deadline == 21000  # ring time 20 s
        engine.handle_timeout(deadline)
        assert engine.group_stats("acme", "support")["no_answer"] == 1


def test_save_and_load_round_trip(config):
    with acd.Engine(config) as engine:
        ready_agents(engine)
        engine.handle(3000, "acme", {"type": "call_arrived", "id": "c1", "group": "support"})
        list(engine.effects())
        saved = engine.save()
        with acd.Engine.load(saved) as copy:
            assert copy.save() == saved
            assert copy.now() == engine.now() == 3000
            assert copy.live_calls() == 1
            assert copy.snapshot("acme") == engine.snapshot("acme")
            copy.check_invariants()
        with acd.Engine.load(json.loads(saved)) as from_dict:
            assert from_dict.tenants() == ["acme"]
    with pytest.raises(acd.InvalidJsonError):
        acd.Engine.load("{not json")


def test_config_from_json_and_toml_files(config, tmp_path):
    path = tmp_path / "engine.json"
    path.write_text(json.dumps(config))
    with acd.Engine(path) as engine:
        assert engine.tenants() == ["acme"]
    toml = tmp_path / "engine.toml"
    toml.write_text(
        '[[tenants]]\nid = "acme"\n'
        '[[tenants.groups]]\nid = "support"\nskills = [{ skill = "support", min_level = 1 }]\n'
        '[[tenants.agents]]\nid = "alice"\nskills = { support = 5 }\n'
    )
    with acd.Engine(str(toml)) as engine:
        assert engine.queue_len("acme", "support") == 0
    with acd.Engine(json.dumps(config)) as engine:
        assert engine.tenants() == ["acme"]


def test_closing_twice_is_harmless_and_a_closed_engine_says_so(config):
    engine = acd.Engine(config)
    engine.close()
    engine.close()
    assert engine.closed
    with pytest.raises(acd.EngineClosedError):
        engine.handle(1, "acme", {"type": "ready", "agent": "alice"})
    with pytest.raises(acd.EngineClosedError):
        list(engine.effects())
    with pytest.raises(acd.EngineClosedError):
        engine.save()


def test_context_manager_on_a_closed_engine_raises(config):
    engine = acd.Engine(config)
    engine.close()
    with pytest.raises(acd.EngineClosedError):
        with engine:
            pass


def test_finalizer_frees_without_error(config):
    for _ in range(50):
        engine = acd.Engine(config)
        engine.handle(1, "acme", {"type": "logon", "agent": "alice", "extension": "1"})
        del engine


@pytest.mark.parametrize(
    "config, error",
    [
        ({"tenants": "nope"}, acd.InvalidJsonError),
        ({"tenants": [{"id": "a", "agents": [{"id": "x", "skills": {"s": 5}}],
                       "groups": [{"id": "g", "skills": [{"skill": "s", "min_level": 1}]},
                                  {"id": "g", "skills": [{"skill": "s", "min_level": 1}]}]}]},
         acd.AcdError),
        ({"tenants": [{"id": object()}]}, TypeError),
        ([1, 2], TypeError),
        (42, TypeError),
    ],
)
def test_malformed_configs_raise(config, error):
    with pytest.raises(error):
        acd.Engine(config)


def test_wrong_python_types_raise_before_reaching_c(config):
    with acd.Engine(config) as engine:
        with pytest.raises(TypeError):
            engine.handle("soon", "acme", {"type": "ready", "agent": "alice"})
        with pytest.raises(ValueError):
            engine.handle(-1, "acme", {"type": "ready", "agent": "alice"})
        with pytest.raises(TypeError):
            engine.handle(1, b"acme", {"type": "ready", "agent": "alice"})
        with pytest.raises(TypeError):
            engine.handle(1, "acme", "ready alice")
        with pytest.raises(ValueError):
            engine.handle(1, "ac\0me", {"type": "ready", "agent": "alice"})
        with pytest.raises(acd.InvalidArgumentError):
            engine.agent_status("acme", "alice", media="pigeon")
        engine.check_invariants()


def test_version_comes_from_the_library():
    assert acd.version().count(".") == 2


def test_every_result_code_of_the_header_has_an_exception():
    names = {n for n in dir(acd._lib) if n.startswith("ACD_RESULT_")}
    failing = names - {"ACD_RESULT_OK", "ACD_RESULT_NONE"}
    assert failing, "no result codes found in the bindings"
    for name in failing:
        code = getattr(acd._lib, name)
        assert acd.BY_CODE[code].name == name


def test_separate_engines_run_in_parallel_threads(config):
    results = {}

    def work(k):
        with acd.Engine(config) as engine:
            ready_agents(engine)
            for i in range(200):
                engine.handle(2000 + i, "acme", {"type": "call_arrived", "id": f"c{i}", "group": "support"})
                engine.handle(2000 + i, "acme", {"type": "hangup", "call": f"c{i}"})
            list(engine.effects())
            results[k] = engine.group_stats("acme", "support")["offered"]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {k: 200 for k in range(4)}


def test_one_engine_shared_by_two_threads_is_serialised(config):
    # The C handle is not synchronised; the Python object serialises calls.
    with acd.Engine(config) as engine:
        ready_agents(engine)
        clock = iter(range(2000, 10**6))
        clock_lock = threading.Lock()
        errors = []

        def work(prefix):
            try:
                for i in range(300):
                    with clock_lock:
                        now = next(clock)
                        engine.handle(now, "acme", {"type": "call_arrived", "id": f"{prefix}{i}", "group": "support"})
                        engine.handle(now, "acme", {"type": "hangup", "call": f"{prefix}{i}"})
                    engine.pending()
                    engine.snapshot("acme")
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=work, args=(p,)) for p in "ab"]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert engine.group_stats("acme", "support")["offered"] == 600
        engine.check_invariants()
