"""``acd.Engine``: the sans-IO routing engine, driven from Python through the
C ABI. Commands and outputs are plain dicts, in the JSON shapes of the ABI
(``acd_engine_handle_json``, ``acd_engine_poll_effect_json``...)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Union

from . import _native
from ._errors import EngineClosedError
from ._native import check, cstr, ffi, lib, read_text, u64

#: What ``Engine`` accepts as configuration: a dict (the JSON form of
#: ``EngineConfig``), a path to a ``.json`` or ``.toml`` file, or JSON text.
ConfigSource = Union[Mapping[str, Any], str, "os.PathLike[str]"]


def _config_text(config: ConfigSource) -> str:
    if isinstance(config, Mapping):
        return _dumps(config, "config")
    if isinstance(config, os.PathLike) or (
        isinstance(config, str) and not config.lstrip().startswith("{")
    ):
        return _dumps(_read_config_file(Path(config)), "config")
    if isinstance(config, str):
        return config
    raise TypeError(
        f"config must be a dict, a path or JSON text, not {type(config).__name__}"
    )


def _read_config_file(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".toml":
        try:
            import tomllib  # Python 3.11+
        except ModuleNotFoundError:  # pragma: no cover - older Pythons
            import tomli as tomllib  # type: ignore[no-redef]
        return tomllib.loads(text)
    return json.loads(text)


def _dumps(value: Any, what: str) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{what} is not JSON-serialisable: {e}") from None


class Engine:
    """One ACD engine (one ``acd_engine *`` handle).

    Time is milliseconds since an epoch you choose, never decreasing. Every
    failing call raises the :class:`acd.AcdError` subclass named after its
    result code and changes nothing. Close it with :meth:`close` or a
    ``with`` block; the finalizer frees it otherwise. Calls on one engine are
    serialised by a lock, so it may be shared between threads (the C handle
    itself is not synchronised); separate engines run in parallel.
    """

    def __init__(self, config: ConfigSource, *, events: bool = True) -> None:
        self._lock = threading.Lock()
        self._ptr: Any = ffi.NULL
        text = _config_text(config)
        out = ffi.new("acd_engine **")
        check(lib.acd_engine_new(cstr(text, "config"), out))
        self._ptr = out[0]
        if not events:
            self.set_events_enabled(False)

    @classmethod
    def load(cls, saved: Union[str, bytes, Mapping[str, Any]]) -> "Engine":
        """Restores an engine saved with :meth:`save` (R-7.2)."""
        if isinstance(saved, bytes):
            saved = saved.decode("utf-8")
        text = saved if isinstance(saved, str) else _dumps(saved, "saved")
        out = ffi.new("acd_engine **")
        check(lib.acd_engine_load_json(cstr(text, "saved"), out))
        engine = cls.__new__(cls)
        engine._lock = threading.Lock()
        engine._ptr = out[0]
        return engine

    # -- life cycle -------------------------------------------------------

    def close(self) -> None:
        """Frees the engine. Closing again is harmless."""
        lock = getattr(self, "_lock", None)
        if lock is None:
            return
        with lock:
            ptr, self._ptr = self._ptr, ffi.NULL
            if ptr != ffi.NULL:
                lib.acd_engine_free(ptr)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._ptr == ffi.NULL

    def __enter__(self) -> "Engine":
        self._live()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()

    def _live(self) -> Any:
        if self._ptr == ffi.NULL:
            raise EngineClosedError("the engine is closed")
        return self._ptr

    def _call(self, fn: Any, *args: Any) -> int:
        with self._lock:
            return check(fn(self._live(), *args))

    def _text(self, fn: Any, *args: Any) -> Optional[str]:
        with self._lock:
            ptr = self._live()
            return read_text(lambda buf, n, out: fn(ptr, *args, buf, n, out))

    def _json(self, fn: Any, *args: Any) -> Any:
        text = self._text(fn, *args)
        return None if text is None else json.loads(text)

    # -- commands ---------------------------------------------------------

    def handle(self, now_ms: int, tenant: str, command: Mapping[str, Any]) -> None:
        """Applies one command (a dict tagged by ``type``: ``logon``,
        ``ready``, ``call_arrived``, ``answered``, ``hangup`` ...) at
        ``now_ms`` for ``tenant``. Raises the typed error on refusal."""
        if not isinstance(command, Mapping):
            raise TypeError(f"command must be a dict, not {type(command).__name__}")
        self._call(
            lib.acd_engine_handle_json,
            u64(now_ms, "now_ms"),
            cstr(tenant, "tenant"),
            cstr(_dumps(command, "command"), "command"),
        )

    def poll_timeout(self) -> Optional[int]:
        """When the engine next needs :meth:`handle_timeout` (ms), or None."""
        out = ffi.new("uint64_t *")
        code = self._call(lib.acd_engine_poll_timeout, out)
        return None if code == _native.NONE else int(out[0])

    def handle_timeout(self, now_ms: int) -> None:
        """Fires every timer due at ``now_ms``."""
        self._call(lib.acd_engine_handle_timeout, u64(now_ms, "now_ms"))

    # -- outputs ----------------------------------------------------------

    def effects(self) -> Iterator[Dict[str, Any]]:
        """Takes pending effects (``{"effect": "offer", ...}``), oldest first.
        Lazy: each step takes one; effects produced meanwhile follow."""
        while True:
            effect = self._json(lib.acd_engine_poll_effect_json)
            if effect is None:
                return
            yield effect

    def events(self) -> Iterator[Dict[str, Any]]:
        """Takes pending events (R-8.1 records, ``{"event": ...}``), oldest first."""
        while True:
            event = self._json(lib.acd_engine_poll_event_json)
            if event is None:
                return
            yield event

    def pending(self) -> Dict[str, int]:
        """Counts of effects and events not yet taken."""
        effects, events = ffi.new("size_t *"), ffi.new("size_t *")
        self._call(lib.acd_engine_pending, effects, events)
        return {"effects": int(effects[0]), "events": int(events[0])}

    def set_events_enabled(self, on: bool) -> None:
        """Turns event recording on or off (effects are always produced)."""
        self._call(lib.acd_engine_set_events_enabled, bool(on))

    # -- queries ----------------------------------------------------------

    def agent_status(self, tenant: str, agent: str, media: str = "voice") -> Dict[str, Any]:
        """State of one of ``tenant``'s agent channels with the agent's load per
        media (``{"state": "ready", "load": {"contacts": {}, "limits": {"voice": 1}}}``, R-10.3)."""
        return self._json(
            lib.acd_engine_agent_status_json,
            cstr(tenant, "tenant"),
            cstr(agent, "agent"),
            cstr(media, "media"),
        )

    def call_status(self, tenant: str, call: str) -> Dict[str, Any]:
        """State of one of ``tenant``'s live calls."""
        return self._json(
            lib.acd_engine_call_status_json, cstr(tenant, "tenant"), cstr(call, "call")
        )

    def group_stats(self, tenant: str, group: str) -> Dict[str, Any]:
        """Statistics of one of ``tenant``'s groups (R-8.2)."""
        return self._json(
            lib.acd_engine_group_stats_json, cstr(tenant, "tenant"), cstr(group, "group")
        )

    def dispatch_view(self, tenant: str, agent: str) -> Any:
        """The dispatch queue as ``agent`` sees it (R-5)."""
        return self._json(
            lib.acd_engine_dispatch_view_json, cstr(tenant, "tenant"), cstr(agent, "agent")
        )

    def snapshot(self, tenant: str) -> Dict[str, Any]:
        """Agents, queue depths and statistics of one tenant."""
        return self._json(lib.acd_engine_snapshot_json, cstr(tenant, "tenant"))

    def tenants(self) -> List[str]:
        """Ids of the tenants this engine hosts."""
        return self._json(lib.acd_engine_tenants_json)

    def queue_len(self, tenant: str, group: str) -> int:
        """Calls waiting in ``tenant``'s group ``group``'s queue."""
        out = ffi.new("size_t *")
        self._call(lib.acd_engine_queue_len, cstr(tenant, "tenant"), cstr(group, "group"), out)
        return int(out[0])

    def live_calls(self) -> int:
        """Calls the engine is tracking."""
        out = ffi.new("size_t *")
        self._call(lib.acd_engine_live_calls, out)
        return int(out[0])

    def now(self) -> int:
        """The engine's time, ms."""
        out = ffi.new("uint64_t *")
        self._call(lib.acd_engine_now, out)
        return int(out[0])

    def check_invariants(self) -> None:
        """Raises :class:`acd.InconsistentError` if an invariant is broken."""
        self._call(lib.acd_engine_check_invariants)

    # -- persistence ------------------------------------------------------

    def save(self) -> str:
        """The engine's whole state as JSON text, for :meth:`Engine.load`."""
        text = self._text(lib.acd_engine_save_json)
        assert text is not None
        return text

    def __repr__(self) -> str:
        return "<acd.Engine closed>" if self.closed else f"<acd.Engine now={self.now()}>"
