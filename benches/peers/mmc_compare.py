#!/usr/bin/env python3
"""acd-sim vs Python simulators (Ciw, SimPy) and the bare floor on one M/M/c.

Runs the M/M/c of benches/peers/mmc.toml (600 calls/h, exponential handle
time of mean 180 s, 33 agents, no abandonment, 2 h warm-up + 8 h measured)
in the chosen peers, several replications each:

- Ciw (https://pypi.org/project/Ciw/), a pure-Python discrete-event
  queueing-network library: the model is declared, Ciw runs it;
- SimPy (https://pypi.org/project/simpy/), a process-based discrete-event
  framework: the textbook model of an arrival process and a 33-server
  `Resource`, written here;

and in acd-sim (which drives the real ACD engine), and prints them beside
Erlang C with the CPU time per simulated call and the speed ratios. With
`--floor` it also runs the criterion bench `mmc_floor` (a bare Rust event
loop on the same scenario, the physical limit, and acd-sim's `run_once`)
and puts every row beside the floor.

Usage (from the repository root; the peers in a venv under target/):
    python3 -m venv target/peers-venv
    target/peers-venv/bin/pip install ciw simpy
    target/peers-venv/bin/python benches/peers/mmc_compare.py \\
        [--replications 5] [--peers ciw,simpy] [--floor]

The acd-sim side is built with `cargo build --release -p acd-sim --bin sim`.
"""

import argparse
import importlib
import importlib.metadata
import json
import math
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
SCENARIO = os.path.join(ROOT, "benches", "peers", "mmc.toml")
PER_HOUR, AHT, AGENTS, SL_S = 600.0, 180.0, 33, 20.0
WARMUP, DURATION = 7200.0, 28800.0
# Ciw only records customers who finished service: both Python peers
# simulate an extra hour so that the calls that arrived near the end of the
# window are counted too.
DRAIN = 3600.0


def erlang_c():
    a = PER_HOUR / 3600.0 * AHT
    b = 1.0
    for k in range(1, AGENTS + 1):
        b = a * b / (k + a * b)
    c = AGENTS * b / (AGENTS - a * (1.0 - b))
    drain = (AGENTS - a) / AHT
    return {"service_level": 1 - c * math.exp(-drain * SL_S), "asa_s": c / drain, "prob_wait": c}


def wait_stats(waits):
    """SL, ASA and P(wait) of the waits of the calls that arrived in the window."""
    n = len(waits)
    return {
        "service_level": sum(w <= SL_S for w in waits) / n,
        "asa_s": sum(waits) / n,
        "prob_wait": sum(w > 0 for w in waits) / n,
    }


def timed(simulate):
    """Runs `simulate()` -> (calls, waits); adds its wall and CPU time."""
    start, cpu = time.perf_counter(), time.process_time()
    calls, waits = simulate()
    result = {"wall_s": time.perf_counter() - start, "cpu_s": time.process_time() - cpu}
    result["calls"] = calls
    result.update(wait_stats(waits))
    return result


def run_ciw(seed):
    import ciw

    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=PER_HOUR / 3600.0)],
        service_distributions=[ciw.dists.Exponential(rate=1.0 / AHT)],
        number_of_servers=[AGENTS],
    )

    def simulate():
        ciw.seed(seed)
        sim = ciw.Simulation(network)
        sim.simulate_until_max_time(WARMUP + DURATION + DRAIN)
        records = sim.get_all_records()
        waits = [r.waiting_time for r in records if WARMUP <= r.arrival_date < WARMUP + DURATION]
        return len(records), waits

    return timed(simulate)


def run_simpy(seed):
    import simpy

    def simulate():
        rng = random.Random(seed)
        env = simpy.Environment()
        agents = simpy.Resource(env, capacity=AGENTS)
        waits = []
        calls = 0

        def call(arrived):
            with agents.request() as answered:
                yield answered
                if WARMUP <= arrived < WARMUP + DURATION:
                    waits.append(env.now - arrived)
                yield env.timeout(rng.expovariate(1.0 / AHT))

        def arrivals():
            nonlocal calls
            while True:
                yield env.timeout(rng.expovariate(PER_HOUR / 3600.0))
                calls += 1
                env.process(call(env.now))

        env.process(arrivals())
        env.run(until=WARMUP + DURATION + DRAIN)
        return calls, waits

    return timed(simulate)


PEERS = {"ciw": ("Ciw", run_ciw), "simpy": ("SimPy", run_simpy)}


def run_peer(module, replications, seed):
    """Sums (times, calls) and averages (statistics) over the replications."""
    _, run = PEERS[module]
    runs = [run(seed + i) for i in range(replications)]
    total = {key: sum(r[key] for r in runs) for key in ("wall_s", "cpu_s", "calls")}
    for key in ("service_level", "asa_s", "prob_wait"):
        total[key] = sum(r[key] for r in runs) / replications
    return total


def run_acd_sim(replications, seed):
    subprocess.run(
        ["cargo", "build", "--quiet", "--release", "-p", "acd-sim", "--bin", "sim"],
        cwd=ROOT,
        check=True,
    )
    binary = os.path.join(TARGET, "release", "sim")
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(
            [binary, "run", SCENARIO, "--out", out, "--seed", str(seed),
             "--replications", str(replications), "--quiet"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        process_wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # CPU time of the whole sim process (start-up and report writing
        # included); robust when other jobs share the machine.
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        with open(os.path.join(out, "report.json")) as f:
            report = json.load(f)
    g = report["groups"][0]
    return {
        "wall_s": report["wall_s"],
        "process_wall_s": process_wall,
        "cpu_s": cpu,
        "calls": report["calls"],
        "service_level": g["service_level"],
        "asa_s": g["asa_s"],
        "prob_wait": g["prob_wait"],
    }


def run_floor():
    """Runs the criterion bench `mmc_floor`; returns {name: ns per call}
    (median time of one run / calls in one run) for its two functions."""
    subprocess.run(
        ["cargo", "bench", "--quiet", "-p", "acd-benches", "--bench", "mmc_floor"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    per_call = {}
    for name in ("bare_event_loop", "acd_sim"):
        base = os.path.join(TARGET, "criterion", "mmc", name, "new")
        with open(os.path.join(base, "estimates.json")) as f:
            median_ns = json.load(f)["median"]["point_estimate"]
        with open(os.path.join(base, "benchmark.json")) as f:
            calls = json.load(f)["throughput"]["Elements"]
        per_call[name] = median_ns / calls
    return per_call


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def version(module):
    try:
        return importlib.metadata.version(module)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def print_table(rows, theory, floor_ns):
    print(f"{'':14} {'calls':>8} {'wall s':>9} {'CPU s':>9} {'CPU µs/call':>12} "
          f"{'x floor':>8} {'SL':>7} {'ASA s':>7} {'P(wait)':>8}")
    print(f"{'Erlang C':14} {'':>8} {'':>9} {'':>9} {'':>12} {'':>8} "
          f"{theory['service_level']:>7.3f} {theory['asa_s']:>7.1f} {theory['prob_wait']:>8.3f}")
    for name, r in rows:
        us = r["cpu_s"] / r["calls"] * 1e6
        ratio = f"{us * 1e3 / floor_ns:>8.0f}" if floor_ns else f"{'':>8}"
        print(f"{name:14} {r['calls']:>8} {r['wall_s']:>9.3f} {r['cpu_s']:>9.3f} {us:>12.3f} "
              f"{ratio} {r['service_level']:>7.3f} {r['asa_s']:>7.1f} {r['prob_wait']:>8.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--peers", default="ciw,simpy",
                        help="comma-separated Python peers to run: ciw, simpy (default both)")
    parser.add_argument("--floor", action="store_true",
                        help="also run the criterion bench mmc_floor (the bare Rust loop)")
    args = parser.parse_args()
    peers = [p for p in args.peers.split(",") if p]
    for peer in peers:
        if peer not in PEERS:
            sys.exit(f"unknown peer {peer!r}: choose from {', '.join(PEERS)}")
        try:
            importlib.import_module(peer)
        except ImportError:
            sys.exit(f"{PEERS[peer][0]} is not installed: pip install {peer}")

    k = args.replications
    rows = [(f"{PEERS[p][0]} {version(p)}", run_peer(p, k, args.seed)) for p in peers]
    ours = run_acd_sim(k, args.seed)
    rows.append(("acd-sim", ours))
    floor = run_floor() if args.floor else None
    floor_ns = floor["bare_event_loop"] if floor else None

    print(f"M/M/c: {PER_HOUR:.0f} calls/h, AHT {AHT:.0f} s, {AGENTS} agents, "
          f"{WARMUP:.0f} s warm-up + {DURATION:.0f} s, {k} replications")
    print(f"machine: {os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print_table(rows, erlang_c(), floor_ns)
    print(f"acd-sim wall s is simulation only (report.json wall_s); its CPU s is the whole process "
          f"({ours['process_wall_s']:.3f} s wall incl. start-up)")
    per_call = lambda r: r["cpu_s"] / r["calls"]  # noqa: E731
    for name, r in rows[:-1]:
        print(f"speed ratio, CPU time per call ({name} / acd-sim): {per_call(r) / per_call(ours):.0f}x")
    if floor:
        print(f"floor (criterion median, one run of the scenario): bare event loop "
              f"{floor_ns:.1f} ns/call, acd-sim run_once {floor['acd_sim']:.1f} ns/call "
              f"= {floor['acd_sim'] / floor_ns:.1f}x the floor")


if __name__ == "__main__":
    main()
