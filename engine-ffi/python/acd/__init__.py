"""acd — the ACD routing engine and its load simulator from Python.

Everything goes through the engine's C ABI (``libacd``, header ``acd.h``),
loaded with cffi in ABI mode; the bindings are generated from the header by
maturin when the package is built.

>>> import acd
>>> config = {"tenants": [{"id": "acme",
...     "groups": [{"id": "support", "skills": [{"skill": "support", "min_level": 1}]}],
...     "agents": [{"id": "alice", "skills": {"support": 5}}]}]}
>>> with acd.Engine(config) as engine:
...     engine.handle(1000, "acme", {"type": "logon", "agent": "alice", "extension": "2001"})
...     engine.handle(2000, "acme", {"type": "ready", "agent": "alice"})
...     engine.handle(3000, "acme", {"type": "call_arrived", "id": "c1", "group": "support"})
...     [fx["effect"] for fx in engine.effects()]
['offer']
"""

from ._engine import ConfigSource, Engine
from ._errors import *  # noqa: F401,F403 - one exception class per result code
from ._errors import BY_CODE, AcdError, EngineClosedError
from ._native import ffi as _ffi, lib as _lib
from ._simulate import Scenario, groups_frame, simulate


def version() -> str:
    """Version of the engine library (``acd_version()``)."""
    return _ffi.string(_lib.acd_version()).decode()


__all__ = [
    "AcdError",
    "BY_CODE",
    "ConfigSource",
    "Engine",
    "EngineClosedError",
    "Scenario",
    "groups_frame",
    "simulate",
    "version",
] + [cls.__name__ for cls in BY_CODE.values()]
