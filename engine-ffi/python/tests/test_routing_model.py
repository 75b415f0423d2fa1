"""The routing model (SPEC R-10.1-R-10.5) through the C ABI: attributes and
expressions in the JSON configuration, call data and preferred agents on
`call_arrived`, and typed errors for a bad expression."""

import pytest

import acd

CONFIG = {
    "tenants": [
        {
            "id": "acme",
            "attributes": {"languages": "string_list", "rating": "number"},
            "groups": [
                {
                    "id": "support",
                    "skills": [{"skill": "s"}],
                    "expression": "call.lang in languages",
                    "order_by": ["rating desc"],
                }
            ],
            "agents": [
                {"id": "fr1", "skills": {"s": 5}, "attributes": {"languages": ["fr"], "rating": 3}},
                {"id": "fr2", "skills": {"s": 5}, "attributes": {"languages": ["fr"], "rating": 5}},
                {"id": "en1", "skills": {"s": 5}, "attributes": {"languages": ["en"], "rating": 4}},
            ],
        }
    ]
}


def login_all(engine):
    for n, agent in enumerate(("fr1", "fr2", "en1")):
        engine.handle(1000, "acme", {"type": "logon", "agent": agent, "extension": f"20{n}"})
        engine.handle(1000, "acme", {"type": "ready", "agent": agent})


def offered(engine):
    return [(fx["call"], fx["agent"]) for fx in engine.effects() if fx["effect"] == "offer"]


def test_r10_1_r10_2_call_data_and_attributes_choose_the_agent():
    with acd.Engine(CONFIG) as engine:
        login_all(engine)
        engine.handle(2000, "acme", {"type": "call_arrived", "id": "c1", "group": "support",
                                     "data": {"lang": "fr"}})
        engine.handle(2000, "acme", {"type": "call_arrived", "id": "c2", "group": "support",
                                     "data": {"lang": "en"}})
        # fr2 outranks fr1 by rating; en1 is the only English speaker.
        assert offered(engine) == [("c1", "fr2"), ("c2", "en1")]


def test_r10_5_preferred_agents_wait_for_their_timeout():
    with acd.Engine(CONFIG) as engine:
        login_all(engine)
        engine.handle(2000, "acme", {"type": "call_arrived", "id": "c1", "group": "support",
                                     "data": {"lang": "fr"}})
        assert offered(engine) == [("c1", "fr2")]
        engine.handle(3000, "acme", {"type": "call_arrived", "id": "c2", "group": "support",
                                     "data": {"lang": "fr"},
                                     "preferred_agents": [{"agent": "fr2"}],
                                     "preferred_timeout_s": 5})
        # fr1 is Ready and speaks French, but c2 waits for fr2 until t=8 s.
        assert offered(engine) == []
        assert engine.poll_timeout() == 8000
        engine.handle_timeout(8000)
        assert offered(engine) == [("c2", "fr1")]


def test_r10_1_a_bad_expression_is_a_config_error_naming_the_column():
    bad = {"tenants": [dict(CONFIG["tenants"][0])]}
    bad["tenants"][0]["groups"] = [
        {"id": "g", "skills": [{"skill": "s"}], "expression": "rating >= \"high\""}
    ]
    with pytest.raises(acd.ConfigError) as info:
        acd.Engine(bad)
    assert "column" in str(info.value) and "expression" in str(info.value)


def test_r10_5_an_unknown_preferred_agent_is_refused_and_changes_nothing():
    with acd.Engine(CONFIG) as engine:
        before = engine.save()
        with pytest.raises(acd.UnknownAgentError):
            engine.handle(1000, "acme", {"type": "call_arrived", "id": "c1", "group": "support",
                                         "preferred_agents": [{"agent": "ghost"}]})
        assert engine.save() == before
