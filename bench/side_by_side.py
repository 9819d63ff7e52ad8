#!/usr/bin/env python3
"""Side-by-side benchmark: `ansinh classify` against the peers of ../shared/bench, same files, one run.

    python3 bench/side_by_side.py --sizes 1000000 5000000 [--runs 3] [--data /work/bench-data]

Generates the data with ../shared/bench/gen.py when missing, runs the reference once and checks every
implementation's output against it with check.py, then reports the median wall time of the whole process
(read, classify, aggregate, write) over --runs runs, and ansinh's ratio to the fastest peer.
Needs: pip install numpy pyarrow polars duckdb pandas; cargo build --release.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "bench")
ANSINH = os.environ.get("ANSINH_BIN", os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "ansinh"))


def run(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 5_000_000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--data", default="/tmp/ansinh-bench")
    a = ap.parse_args()
    rows = []
    for n in a.sizes:
        d = os.path.join(a.data, f"h{n}")
        if not os.path.exists(os.path.join(d, "members.parquet")):
            subprocess.run([sys.executable, os.path.join(SHARED, "gen.py"), "--households", str(n), "--seed", "42",
                            "--out", d, "--no-csv"], check=True, stdout=subprocess.DEVNULL)
        ref = os.path.join(d, "ref")
        if not os.path.exists(os.path.join(ref, "province.parquet")):
            subprocess.run([sys.executable, os.path.join(SHARED, "reference.py"), "--data", d, "--out", ref],
                           check=True, stdout=subprocess.DEVNULL)
        impls = {
            "ansinh": lambda out: [ANSINH, "classify", "--standard", "bench-2022", "--households",
                                   os.path.join(d, "households.parquet"), "--members",
                                   os.path.join(d, "members.parquet"), "--out", out],
            "polars": lambda out: [sys.executable, os.path.join(SHARED, "peer_polars.py"), "--data", d, "--out", out],
            "duckdb": lambda out: [sys.executable, os.path.join(SHARED, "peer_duckdb.py"), "--data", d, "--out", out],
        }
        times = {k: [] for k in impls}
        for r in range(a.runs):
            for name, cmd in impls.items():  # interleaved, so machine noise hits every peer alike
                out = os.path.join(d, f"out-{name}")
                times[name].append(run(cmd(out)))
                if r == 0:
                    subprocess.run([sys.executable, os.path.join(SHARED, "check.py"), ref, out], check=True)
        med = {k: statistics.median(v) for k, v in times.items()}
        best_peer = min(med["polars"], med["duckdb"])
        rows.append((n, med, med["ansinh"] / best_peer))
    print(f"\n| households | ansinh | Polars | DuckDB | ansinh / fastest peer |")
    print("|---:|---:|---:|---:|---:|")
    for n, med, ratio in rows:
        print(f"| {n:,} | {med['ansinh']:.2f} | {med['polars']:.2f} | {med['duckdb']:.2f} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
