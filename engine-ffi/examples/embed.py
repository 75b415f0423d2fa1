import ctypes, json, sys

acd = ctypes.CDLL(sys.argv[1] if len(sys.argv) > 1 else "libacd.so")
acd.acd_engine_new.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
acd.acd_engine_handle_json.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_char_p, ctypes.c_char_p]
acd.acd_engine_poll_effect_json.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t,
                                            ctypes.POINTER(ctypes.c_size_t)]
acd.acd_engine_free.argtypes = [ctypes.c_void_p]
acd.acd_last_error_message.restype = ctypes.c_char_p

config = {"tenants": [{"id": "acme",
                       "groups": [{"id": "support", "skills": [{"skill": "support", "min_level": 1}]}],
                       "agents": [{"id": "alice", "skills": {"support": 5}}]}]}
engine = ctypes.c_void_p()
if acd.acd_engine_new(json.dumps(config).encode(), ctypes.byref(engine)) != 0:
    sys.exit(acd.acd_last_error_message().decode())

def send(now_ms, command):
    rc = acd.acd_engine_handle_json(engine, now_ms, b"acme", json.dumps(command).encode())
    if rc != 0:
        raise RuntimeError(f"code {rc}: {acd.acd_last_error_message().decode()}")

def effects():
    buf, n = ctypes.create_string_buffer(4096), ctypes.c_size_t()
    while acd.acd_engine_poll_effect_json(engine, buf, len(buf), ctypes.byref(n)) == 0:
        yield json.loads(buf.value)

send(1000, {"type": "logon", "agent": "alice", "extension": "2001"})
send(2000, {"type": "ready", "agent": "alice"})
send(3000, {"type": "call_arrived", "id": "c1", "group": "support"})
for fx in effects():
    if fx["effect"] == "offer":
        print(f"ring {fx['agent']} at {fx['extension']} for {fx['call']}")
        send(5000, {"type": "answered", "call": fx["call"], "agent": fx["agent"], "epoch": fx["epoch"]})
send(65000, {"type": "hangup", "call": "c1"})
acd.acd_engine_free(engine)
