#!/usr/bin/env python3
"""Times mir_eval's match_events against pocket's matcher on identical onset lists.

For each size it writes a reference list and an estimate list (human-like: a 16th-note grid at
120 BPM, 5 % of notes missed, the rest jittered by a triangular +-30 ms around a 5 ms drag, 5 %
extra hits) as .txt files with nanosecond decimals into a temporary directory. mir_eval reads
them with mir_eval.io.load_events and only match_events is timed; pocket reads them with the
`match_onsets` example, which times only the matching. The match counts must be identical.

Usage:
    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install -r benches/requirements.txt
    cargo build --release --example match_onsets
    /tmp/venv/bin/python benches/mir_eval_compare.py [--sizes 1000 10000 100000]
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time

import mir_eval

WINDOW = "0.05"
GRID_NS = 125_000_000


def human_like(size, seed):
    """Reference and estimate times in integer nanoseconds."""
    rng = random.Random(seed)
    notes = [i * GRID_NS for i in range(size)]
    hits = []
    for n in notes:
        if rng.randrange(100) < 5:
            continue
        jitter = rng.randint(-15_000_000, 15_000_000) + rng.randint(-15_000_000, 15_000_000)
        hits.append(n + 5_000_000 + jitter)
        if rng.randrange(100) < 5:
            hits.append(n + rng.randrange(GRID_NS))
    hits.sort()
    return notes, hits


def write(path, times_ns):
    with open(path, "w") as f:
        for t in times_ns:
            f.write(f"{t // 1_000_000_000}.{t % 1_000_000_000:09d}\n")


def time_mir_eval(ref, est, repeats):
    best = float("inf")
    count = None
    for _ in range(repeats):
        start = time.perf_counter()
        count = len(mir_eval.util.match_events(ref, est, float(WINDOW)))
        best = min(best, time.perf_counter() - start)
    return count, best


def time_pocket(binary, ref_path, est_path, repeats):
    out = subprocess.run(
        [binary, ref_path, est_path, WINDOW, str(repeats)],
        check=True, capture_output=True, text=True,
    ).stdout
    fields = dict(kv.split("=") for kv in out.split())
    return int(fields["matches"]), float(fields["ns_per_event"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument(
        "--binary",
        default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "examples", "match_onsets"),
    )
    args = parser.parse_args()
    print(f"mir_eval {mir_eval.__version__}, Python {sys.version.split()[0]}, window {WINDOW} s")
    print(f"{'events':>8} {'matches':>8} {'mir_eval ns/event':>18} {'pocket ns/event':>16} {'ratio':>9}")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            notes, hits = human_like(size, seed=size)
            ref_path = os.path.join(tmp, f"ref{size}.txt")
            est_path = os.path.join(tmp, f"est{size}.txt")
            write(ref_path, notes)
            write(est_path, hits)
            ref = mir_eval.io.load_events(ref_path)
            est = mir_eval.io.load_events(est_path)
            mir_count, mir_s = time_mir_eval(ref, est, repeats=3 if size <= 10_000 else 1)
            repeats = max(10, 10_000_000 // size)
            pocket_count, pocket_ns = time_pocket(args.binary, ref_path, est_path, repeats)
            mir_ns = mir_s * 1e9 / size
            same = "" if mir_count == pocket_count else f"  COUNT MISMATCH: pocket {pocket_count}"
            ok &= mir_count == pocket_count
            print(f"{size:>8} {mir_count:>8} {mir_ns:>18.1f} {pocket_ns:>16.2f} {mir_ns / pocket_ns:>8.0f}x{same}")
    print("events = reference onsets (estimates are about the same number); ns/event = time / events")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
