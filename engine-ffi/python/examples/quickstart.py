import acd

config = {"tenants": [{"id": "acme",
                       "groups": [{"id": "support", "skills": [{"skill": "support", "min_level": 1}]}],
                       "agents": [{"id": "alice", "skills": {"support": 5}}]}]}

with acd.Engine(config) as engine:  # or acd.Engine("engine.toml"), freed at the end
    engine.handle(1000, "acme", {"type": "logon", "agent": "alice", "extension": "2001"})
    engine.handle(2000, "acme", {"type": "ready", "agent": "alice"})
    engine.handle(3000, "acme", {"type": "call_arrived", "id": "c1", "group": "support"})
    for fx in engine.effects():
        if fx["effect"] == "offer":
            print(f"ring {fx['agent']} at {fx['extension']} for {fx['call']}")
            engine.handle(5000, "acme", {"type": "answered", "call": fx["call"],
                                         "agent": fx["agent"], "epoch": fx["epoch"]})
    try:
        engine.handle(6000, "acme", {"type": "ready", "agent": "bob"})
    except acd.UnknownAgentError as e:  # one exception class per result code
        print(e.name)
    engine.handle(65000, "acme", {"type": "hangup", "call": "c1"})
    print(engine.group_stats("acme", "support")["answered"])
    saved = engine.save()  # the whole state as JSON

with acd.Engine.load(saved) as restored:
    print(restored.now())

report = acd.simulate("sim/scenarios/example.toml", replications=2)  # `sim run`, as dicts
print(report["groups"][0]["id"], "service level", round(report["groups"][0]["service_level"], 2))
