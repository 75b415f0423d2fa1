"""acd.simulate: `sim run` through the C ABI, checked against Erlang C."""

import pytest

import acd

# An M/M/c queue: Poisson arrivals, exponential handle times, no abandons,
# one group served by its own agents: the textbook Erlang C system.
ERLANG_C = """
seed = 11
duration_s = 14400
warmup_s = 1800

[[groups]]
id = "support"
skills = ["support"]
service_level_s = 20

[[arrivals]]
group = "support"
per_hour = 200
handle = { dist = "exponential", mean_s = 180 }

[[agents]]
count = 12
skills = { support = 5 }
"""


def test_simulation_matches_erlang_c():
    seen = []
    report = acd.simulate(ERLANG_C, replications=4, jobs=2, progress=seen.append)
    assert report["replications"] == 4
    assert report["engine_errors"] == 0
    group = report["groups"][0]
    erlang = group["erlang"]
    assert erlang["model"] == "C"
    # 10 Erlangs on 12 agents: P(wait) ~ 0.45, SL(20 s) ~ 0.78 by Erlang C.
    tolerance = 3 * group["ci95"]["service_level"] + 0.03
    assert abs(group["service_level"] - erlang["service_level"]) < tolerance, (group, erlang)
    assert abs(group["prob_wait"] - erlang["prob_wait"]) < 3 * group["ci95"]["prob_wait"] + 0.03
    assert abs(group["mean_occupancy"] - erlang["mean_occupancy"]) < 0.03
    assert seen and seen[-1] == 1.0
    assert all(a <= b for a, b in zip(seen, seen[1:]))


def test_same_seed_same_report_figures():
    a = acd.simulate(ERLANG_C, seed=5, replications=1)
    b = acd.simulate(ERLANG_C, seed=5, replications=1, jobs=1)
    assert a["seed"] == 5
    assert a["groups"][0]["service_level"] == b["groups"][0]["service_level"]
    assert a["calls"] == b["calls"]


def test_scenario_from_a_file(tmp_path):
    path = tmp_path / "day.toml"
    path.write_text(ERLANG_C.replace("duration_s = 14400", "duration_s = 1800"))
    report = acd.simulate(path)
    assert report["duration_s"] == 1800
    assert acd.simulate(str(path))["calls"] == report["calls"]


def test_bad_scenarios_raise_clear_errors():
    with pytest.raises(acd.InvalidArgumentError, match="line 1"):
        acd.simulate('duration_s = "soon"\n')
    with pytest.raises(acd.InvalidArgumentError):
        acd.simulate("this is not toml\n")
    with pytest.raises(TypeError):
        acd.simulate(42)
    with pytest.raises(ValueError):
        acd.simulate(ERLANG_C, replications=0)
    with pytest.raises(TypeError):
        acd.simulate(ERLANG_C, progress="yes")


def test_groups_frame_with_or_without_pandas():
    report = acd.simulate(ERLANG_C.replace("14400", "1800"))
    try:
        import pandas as pd
    except ModuleNotFoundError:
        with pytest.raises(ImportError, match="pip install pandas"):
            acd.groups_frame(report)
        return
    frame = acd.groups_frame(report)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.index) == ["support"]
