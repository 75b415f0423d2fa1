"""``acd.simulate``: the load simulator (``sim run``) through the C ABI
(``acd_sim_run``). The scenario is the TOML of ``sim run``; the report is
the dict ``sim run`` writes as ``report.json``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Union

from ._native import check, cstr, ffi, lib, read_text, u64

#: A scenario: TOML text, or the path of a ``.toml`` file.
Scenario = Union[str, "os.PathLike[str]"]


def _scenario_text(scenario: Scenario) -> str:
    if isinstance(scenario, os.PathLike):
        return Path(scenario).read_text(encoding="utf-8")
    if not isinstance(scenario, str):
        raise TypeError(
            f"scenario must be TOML text or a path, not {type(scenario).__name__}"
        )
    if "\n" not in scenario and scenario.endswith(".toml"):
        return Path(scenario).read_text(encoding="utf-8")
    return scenario


def _count(value: Any, what: str) -> int:
    value = u64(value, what)
    if not 1 <= value < 2**32:
        raise ValueError(f"{what} must be between 1 and 2**32 - 1, got {value}")
    return value


def simulate(
    scenario: Scenario,
    *,
    replications: int = 1,
    seed: Optional[int] = None,
    jobs: int = 1,
    progress: Optional[Callable[[float], None]] = None,
) -> Dict[str, Any]:
    """Runs ``replications`` independent replications of ``scenario`` (seed
    ``seed + k`` for replication ``k``; the scenario's own seed by default)
    on ``jobs`` threads, and returns the report as dicts: per group
    ``service_level``, ``asa_s``, ``abandon_rate``, ... with 95 % half-widths
    (``ci95``) and the Erlang C/A prediction (``erlang``) where the group is
    a textbook queue.

    ``progress(fraction)`` is called now and then with the fraction done
    (0 to 1). An invalid scenario raises :class:`acd.InvalidArgumentError`
    naming the line."""
    options = ffi.new("acd_sim_options *")
    options.replications = _count(replications, "replications")
    options.jobs = _count(jobs, "jobs")
    if seed is not None:
        options.override_seed = True
        options.seed = u64(seed, "seed")
    text = cstr(_scenario_text(scenario), "scenario")
    if progress is not None and not callable(progress):
        raise TypeError("progress must be callable")
    out = ffi.new("acd_sim_report **")
    callback = ffi.NULL
    if progress is not None:
        # Kept alive by this frame until acd_sim_run returns.
        callback = ffi.callback("acd_progress_fn", lambda f, _user: progress(f))
    check(lib.acd_sim_run(text, options, callback, ffi.NULL, out))
    report = out[0]
    try:
        body = read_text(lambda buf, n, length: lib.acd_sim_report_json(report, buf, n, length))
    finally:
        lib.acd_sim_report_free(report)
    assert body is not None
    return json.loads(body)


def groups_frame(report: Dict[str, Any]) -> Any:
    """The report's per-group figures as a pandas DataFrame (one row per
    group, interval series left out). Needs pandas; raises ImportError with
    a hint otherwise."""
    try:
        import pandas as pd
    except ModuleNotFoundError as e:  # pragma: no cover - depends on the machine
        raise ImportError("groups_frame needs pandas: pip install pandas") from e
    rows = [
        {k: v for k, v in g.items() if k not in ("intervals", "ci95", "erlang")}
        for g in report["groups"]
    ]
    return pd.DataFrame(rows).set_index("id")
