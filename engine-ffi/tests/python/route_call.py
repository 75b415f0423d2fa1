#!/usr/bin/env python3
"""Routes one call end to end through libacd from Python (ctypes).

Usage: route_call.py PATH/TO/libacd.so

logon -> ready -> call arrives -> offer effect -> answered -> hangup ->
clerical timer, then checks statistics, events and error codes. Prints
"PASS" and exits 0 on success. Run by engine-ffi/tests/c_abi.rs.
"""
import ctypes as C
import json
import sys

OK, NONE, INVALID_JSON, BUFFER_TOO_SMALL, STALE_EPOCH = 0, 1, 4, 5, 110


class Acd:
    """A thin wrapper: one engine handle, JSON in and out."""

    def __init__(self, lib_path, config):
        lib = C.CDLL(lib_path)
        u64, sz, cp = C.c_uint64, C.c_size_t, C.c_char_p
        eng = C.c_void_p
        lib.acd_engine_new.argtypes = [cp, C.POINTER(eng)]
        lib.acd_engine_free.argtypes = [eng]
        lib.acd_engine_free.restype = None
        lib.acd_engine_handle_json.argtypes = [eng, u64, cp, cp]
        lib.acd_engine_handle_timeout.argtypes = [eng, u64]
        lib.acd_engine_poll_timeout.argtypes = [eng, C.POINTER(u64)]
        for name in ("acd_engine_poll_effect_json", "acd_engine_drain_events_jsonl"):
            getattr(lib, name).argtypes = [eng, C.c_char_p, sz, C.POINTER(sz)]
        lib.acd_engine_group_stats_json.argtypes = [eng, cp, cp, C.c_char_p, sz, C.POINTER(sz)]
        lib.acd_last_error_message.restype = cp
        lib.acd_last_error_message.argtypes = []
        lib.acd_result_name.restype = cp
        lib.acd_result_name.argtypes = [C.c_uint32]
        for f in (lib.acd_engine_new, lib.acd_engine_handle_json, lib.acd_engine_handle_timeout,
                  lib.acd_engine_poll_timeout, lib.acd_engine_poll_effect_json,
                  lib.acd_engine_drain_events_jsonl, lib.acd_engine_group_stats_json):
            f.restype = C.c_uint32
        self.lib = lib
        self.engine = eng()
        rc = lib.acd_engine_new(json.dumps(config).encode(), C.byref(self.engine))
        self.check(rc)

    def close(self):
        self.lib.acd_engine_free(self.engine)
        self.engine = None

    def error(self):
        return self.lib.acd_last_error_message().decode()

    def check(self, rc, want=OK):
        if rc != want:
            name = self.lib.acd_result_name(rc).decode()
            raise AssertionError(f"got {name} ({rc}), want {want}: {self.error()}")

    def handle(self, now_ms, tenant, command):
        """Applies a command (a dict); returns the result code."""
        return self.lib.acd_engine_handle_json(
            self.engine, now_ms, tenant.encode(), json.dumps(command).encode())

    def text(self, fn, *args):
        """Calls a (buf, len, &out_len) function, growing the buffer on
        BUFFER_TOO_SMALL. Returns None for ACD_RESULT_NONE."""
        size = 16  # deliberately small: exercises the retry protocol
        while True:
            buf = C.create_string_buffer(size)
            n = C.c_size_t(0)
            rc = fn(self.engine, *args, buf, size, C.byref(n))
            if rc == BUFFER_TOO_SMALL:
                size = n.value + 1
                continue
            if rc == NONE:
                return None
            self.check(rc)
            return buf.value.decode()

    def poll_effect(self):
        raw = self.text(self.lib.acd_engine_poll_effect_json)
        return None if raw is None else json.loads(raw)

    def poll_timeout(self):
        at = C.c_uint64(0)
        rc = self.lib.acd_engine_poll_timeout(self.engine, C.byref(at))
        return None if rc == NONE else at.value


def main(lib_path):
    config = {"tenants": [{
        "id": "acme",
        "groups": [{"id": "support", "clerical_s": 5,
                    "skills": [{"skill": "support", "min_level": 1}]}],
        "agents": [{"id": "alice", "skills": {"support": 5}}],
    }]}
    acd = Acd(lib_path, config)
    t = "acme"

    # Error codes cross the boundary as numbers with a message.
    acd.check(acd.handle(0, t, {"type": "no_such_command"}), INVALID_JSON)
    assert "no_such_command" in acd.error(), acd.error()

    acd.check(acd.handle(1000, t, {"type": "logon", "agent": "alice", "extension": "2001"}))
    acd.check(acd.handle(2000, t, {"type": "ready", "agent": "alice"}))
    acd.check(acd.handle(3000, t, {"type": "call_arrived", "id": "c1", "group": "support"}))

    offer = acd.poll_effect()
    assert offer is not None and offer["effect"] == "offer", offer
    assert (offer["call"], offer["agent"], offer["extension"]) == ("c1", "alice", "2001"), offer
    print(f"offer: {offer['call']} -> {offer['agent']} at {offer['extension']} "
          f"(epoch {offer['epoch']})")
    assert acd.poll_effect() is None

    answered = {"type": "answered", "call": "c1", "agent": "alice", "epoch": offer["epoch"]}
    stale = dict(answered, epoch=offer["epoch"] + 1)
    acd.check(acd.handle(4000, t, stale), STALE_EPOCH)
    acd.check(acd.handle(4000, t, answered))
    acd.check(acd.handle(34000, t, {"type": "hangup", "call": "c1"}))

    # Clerical ends on a timer.
    deadline = acd.poll_timeout()
    assert deadline == 39000, deadline
    acd.check(acd.lib.acd_engine_handle_timeout(acd.engine, deadline))
    assert acd.poll_timeout() is None

    stats = json.loads(acd.text(acd.lib.acd_engine_group_stats_json, b"acme", b"support"))
    assert (stats["offered"], stats["answered"], stats["talk_ms"]) == (1, 1, 30000), stats
    print("stats:", stats)

    events = [json.loads(line) for line in
              acd.text(acd.lib.acd_engine_drain_events_jsonl).splitlines()]
    kinds = [e["event"] for e in events]
    for want in ("agent_logged_on", "call_offered", "call_answered", "call_ended"):
        assert want in kinds, kinds
    print("events:", len(events))

    acd.close()
    print("PASS")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
