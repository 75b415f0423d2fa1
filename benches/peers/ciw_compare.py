#!/usr/bin/env python3
"""Simulator vs Ciw on the same M/M/c queue.

Runs the M/M/c of benches/peers/mmc.toml (600 calls/h, exponential handle
time of mean 180 s, 33 agents, no abandonment, 2 h warm-up + 8 h measured)
in Ciw (https://pypi.org/project/Ciw/, a pure-Python discrete-event queueing
simulator) and in acd-sim (which drives the real ACD engine), several
replications each, and prints both results beside Erlang C, the wall time of
each, and the speed ratio.

Usage (from the repository root):
    pip install ciw
    python3 benches/peers/ciw_compare.py [--replications 5]

The acd-sim side is built with `cargo build --release -p acd-sim --bin sim`.
"""

import argparse
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCENARIO = os.path.join(ROOT, "benches", "peers", "mmc.toml")
PER_HOUR, AHT, AGENTS, SL_S = 600.0, 180.0, 33, 20.0
WARMUP, DURATION = 7200.0, 28800.0
# Ciw only records customers who finished service: simulate an extra hour so
# the calls that arrived near the end of the window are counted too.
DRAIN = 3600.0


def erlang_c():
    a = PER_HOUR / 3600.0 * AHT
    b = 1.0
    for k in range(1, AGENTS + 1):
        b = a * b / (k + a * b)
    c = AGENTS * b / (AGENTS - a * (1.0 - b))
    drain = (AGENTS - a) / AHT
    return {"service_level": 1 - c * math.exp(-drain * SL_S), "asa_s": c / drain, "prob_wait": c}


def run_ciw(seed):
    import ciw

    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=PER_HOUR / 3600.0)],
        service_distributions=[ciw.dists.Exponential(rate=1.0 / AHT)],
        number_of_servers=[AGENTS],
    )
    ciw.seed(seed)
    start, cpu = time.perf_counter(), time.process_time()
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(WARMUP + DURATION + DRAIN)
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu
    records = sim.get_all_records()
    measured = [r for r in records if WARMUP <= r.arrival_date < WARMUP + DURATION]
    waits = [r.waiting_time for r in measured]
    n = len(waits)
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "calls": len(records),
        "service_level": sum(w <= SL_S for w in waits) / n,
        "asa_s": sum(waits) / n,
        "prob_wait": sum(w > 0 for w in waits) / n,
    }


def run_acd_sim(replications, seed):
    subprocess.run(
        ["cargo", "build", "--quiet", "--release", "-p", "acd-sim", "--bin", "sim"],
        cwd=ROOT,
        check=True,
    )
    binary = os.path.join(ROOT, "target", "release", "sim")
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


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    try:
        import ciw  # noqa: F401
    except ImportError:
        sys.exit("Ciw is not installed: pip install ciw")

    k = args.replications
    ciw_runs = [run_ciw(args.seed + i) for i in range(k)]
    ours = run_acd_sim(k, args.seed)
    mean = lambda key: sum(r[key] for r in ciw_runs) / k  # noqa: E731
    ciw_total = {
        "wall_s": sum(r["wall_s"] for r in ciw_runs),
        "cpu_s": sum(r["cpu_s"] for r in ciw_runs),
        "calls": sum(r["calls"] for r in ciw_runs),
        "service_level": mean("service_level"),
        "asa_s": mean("asa_s"),
        "prob_wait": mean("prob_wait"),
    }
    theory = erlang_c()
    print(f"M/M/c: {PER_HOUR:.0f} calls/h, AHT {AHT:.0f} s, {AGENTS} agents, "
          f"{WARMUP:.0f} s warm-up + {DURATION:.0f} s, {k} replications")
    print(f"machine: {os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}")
    print(f"{'':10} {'calls':>8} {'wall s':>9} {'CPU s':>9} {'calls/CPU s':>12} {'SL':>7} {'ASA s':>7} {'P(wait)':>8}")
    for name, r in (("Erlang C", None), ("Ciw", ciw_total), ("acd-sim", ours)):
        if r is None:
            print(f"{name:10} {'':>8} {'':>9} {'':>9} {'':>12} {theory['service_level']:>7.3f} "
                  f"{theory['asa_s']:>7.1f} {theory['prob_wait']:>8.3f}")
            continue
        print(f"{name:10} {r['calls']:>8} {r['wall_s']:>9.3f} {r['cpu_s']:>9.3f} {r['calls'] / r['cpu_s']:>12.0f} "
              f"{r['service_level']:>7.3f} {r['asa_s']:>7.1f} {r['prob_wait']:>8.3f}")
    per_call = lambda r, key: r[key] / r["calls"]  # noqa: E731
    cpu_ratio = per_call(ciw_total, "cpu_s") / per_call(ours, "cpu_s")
    wall_ratio = per_call(ciw_total, "wall_s") / per_call(ours, "wall_s")
    print(f"acd-sim wall s is simulation only (report.json wall_s); its CPU s is the whole process "
          f"({ours['process_wall_s']:.3f} s wall incl. start-up)")
    print(f"speed ratio, CPU time per call (Ciw / acd-sim): {cpu_ratio:.0f}x")
    print(f"speed ratio, wall time per call (Ciw / acd-sim): {wall_ratio:.0f}x")


if __name__ == "__main__":
    main()
