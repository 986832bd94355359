#!/usr/bin/env python3
"""Before/after comparison of two pipe_bench binaries, interleaved.

Runs `A ARGS` and `B ARGS` alternately (A B, B A, A B, ...) --pairs times. Every invocation must
include the baseline target (default `kernel`), so each one yields, per configuration and target,
the ratio target/baseline measured in the same process and the same seconds; the machine's load
then cancels out of the ratio. Reports, per configuration and target, the median ratio for A and
for B and B/A with a 95% bootstrap interval of the median of the per-pair quotients.

  scripts/ab_compare.py --pairs 5 /work/bin/pipe_bench.old build/pipe_bench -- \
      -w 1 -r 1 -s 64,4K,64K -d 1 -t kernel,unified
"""
import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile


def run(binary, args, baseline):
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        cmd = [binary, *args, "--json", f.name]
        done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            sys.exit(f"ab_compare: {' '.join(cmd)} failed: {done.stderr.strip()}")
        data = json.load(open(f.name))
    by_config = {}
    for r in data["results"]:
        by_config.setdefault(r["config_index"], {})[r["target"]] = r["median"]["writes_per_s"]
    ratios = {}
    for index, targets in by_config.items():
        if baseline not in targets:
            sys.exit(f"ab_compare: baseline target '{baseline}' missing from the run")
        for target, wps in targets.items():
            if target != baseline:
                ratios[(index, target)] = wps / targets[baseline]
    return ratios


def boot_median_ci(values, rounds=2000):
    rng = random.Random(1)
    meds = sorted(statistics.median(rng.choices(values, k=len(values))) for _ in range(rounds))
    return meds[int(0.025 * rounds)], meds[int(0.975 * rounds) - 1]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pairs", type=int, default=5)
    p.add_argument("--baseline", default="kernel")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("args", nargs=argparse.REMAINDER)
    o = p.parse_args()
    args = o.args[1:] if o.args[:1] == ["--"] else o.args
    if o.pairs < 1:
        sys.exit("ab_compare: --pairs must be at least 1")
    a_runs, b_runs = [], []
    for i in range(o.pairs):
        order = [(o.a, a_runs), (o.b, b_runs)] if i % 2 == 0 else [(o.b, b_runs), (o.a, a_runs)]
        for binary, sink in order:
            sink.append(run(binary, args, o.baseline))
    print(f"A = {o.a}\nB = {o.b}\nargs: {' '.join(args)}; {o.pairs} interleaved pairs; "
          f"ratios are target/{o.baseline} within one invocation")
    print(f"{'config':>6} {'target':<12} {'A median':>9} {'B median':>9} {'B/A':>6}  95% CI of B/A")
    for key in sorted(a_runs[0]):
        a = [r[key] for r in a_runs]
        b = [r[key] for r in b_runs]
        q = [y / x for x, y in zip(a, b)]
        lo, hi = boot_median_ci(q)
        print(f"{key[0]:>6} {key[1]:<12} {statistics.median(a):9.3f} {statistics.median(b):9.3f} "
              f"{statistics.median(q):6.3f}  [{lo:.3f}-{hi:.3f}]")


if __name__ == "__main__":
    main()
