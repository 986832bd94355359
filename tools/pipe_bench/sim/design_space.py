#!/usr/bin/env python3
"""The design space of docs/SIMULATION.md ("Design space: KEEP, MAX and CPUs"): unified's
PIPE_PREALLOC_KEEP / PIPE_PREALLOC_MAX and the shrinker's MAX, simulated over CPU counts, with and
without memory pressure.

usage: design_space.py run OUTDIR [PIPE_BENCH] [--duration S] [--max-time T] [--runs N]
                          [--only-cpus C,...]
       design_space.py table OUTDIR

`run` runs one `pipe_bench --simulate` per (pressure, CPUs, W x R, KEEP, MAX), two at a time,
writing OUTDIR/{calm,pressure}_c{CPUs}_{W}x{R}_k{KEEP}m{MAX}.json and the text output beside it
(.txt), and prints each command (prefixed by the words of $DESIGN_SPACE_WRAP when set, e.g. a
`nice flock ...` of the machine). The runs at KEEP 2 (the kernel's) run unified and the shrinker
(which has no KEEP: it keeps up to its cap of 16 pages) with --runs auto --ci-target 1
--max-time T, so that pipe_bench itself resolves shrinker vs unified; the others run unified
over --runs N seeds (default 5). Run k has seed k in every file, so `table` compares any two
files paired by seed, with pipe_bench's own rule: the ratio is exp(mean log(a_k / b_k)), its 95% CI a t interval on the logs, resolved when
the half-width (e^h - 1) is <= 1%.

`table` prints the markdown tables: unified's writes/s at the kernel's KEEP 2 / MAX 8, every other
KEEP / MAX against it, the shrinker against it, and the simulation speed of the sweep."""
import concurrent.futures
import glob
import json
import math
import os
import re
import statistics
import subprocess
import sys

CPUS = [2, 4, 8, 16, 32, 52, 64]
SHAPES = [(5, 5), (1, 1)]
SIZES = [(k, m) for m in (4, 8, 16) for k in (1, 2, 4, 8) if k <= m]
DEFAULT = (2, 8)
CI_TARGET = 0.01
# Two-sided 97.5% t quantiles by degrees of freedom (then the normal's).
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
        9: 2.262, 10: 2.228, 12: 2.179, 15: 2.131, 20: 2.086, 30: 2.042}


def t975(df):
    for d in sorted(T975, reverse=True):
        if df >= d:
            return T975[d] if df <= 30 else 1.96 + (T975[30] - 1.96) * 30 / df
    return math.inf


def name(pressure, cpus, w, r, keep, mx):
    return f"{'pressure' if pressure else 'calm'}_c{cpus}_{w}x{r}_k{keep}m{mx}"


def commands(outdir, pipe_bench, duration, max_time, runs, only_cpus):
    """(json path, command) for every run of the sweep not yet on disk."""
    out = []
    for pressure in (False, True):
        for cpus in only_cpus or CPUS:
            for w, r in SHAPES:
                for keep, mx in SIZES:
                    base = os.path.join(outdir, name(pressure, cpus, w, r, keep, mx))
                    if os.path.exists(base + ".json"):
                        continue
                    cmd = [pipe_bench, "--simulate", "--cpus", str(cpus), "--sim-lock", "kernel",
                           "--sim-pages", "kernel", "-w", str(w), "-r", str(r), "-d",
                           str(duration), "--pool-keep", str(keep), "--pool-max", str(mx)]
                    if keep == DEFAULT[0]:
                        cmd += ["-t", "unified,shrinker", "--baseline", "unified", "--runs",
                                "auto", "--ci-target", "1", "--max-time", max_time]
                    else:
                        cmd += ["-t", "unified", "--runs", str(runs)]
                    if pressure:
                        cmd.append("--memory-pressure")
                    out.append((base, cmd + ["--json", base + ".json"]))
    return out


def run(outdir, pipe_bench, duration, max_time, runs, only_cpus):
    os.makedirs(outdir, exist_ok=True)
    wrap = os.environ.get("DESIGN_SPACE_WRAP", "").split()

    def one(item):
        base, cmd = item
        print(" ".join(cmd), flush=True)
        with open(base + ".txt", "w") as out:
            subprocess.run(wrap + cmd, stdout=out, stderr=subprocess.STDOUT, check=True)

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(one, commands(outdir, pipe_bench, duration, max_time, runs, only_cpus)))


def load(path):
    """{target: {seed: writes/s}} and the file's steps/s line values (wall s, steps)."""
    with open(path) as f:
        doc = json.load(f)
    out = {}
    for res in doc["results"]:
        out[res["target"]] = {run["seed"]: run["metrics"]["writes_per_s"] for run in res["runs"]}
    return out


def speed(path):
    with open(path) as f:
        m = re.search(r"simulation speed: ([\d.]+) s of wall time for (\d+) runs, (\d+) k steps/s",
                      f.read())
    return (float(m.group(1)), int(m.group(2)), float(m.group(3))) if m else None


def ratio(a, b):
    """(ratio, half-width, pairs) of a over b paired by seed; half-width inf below 2 pairs."""
    seeds = sorted(set(a) & set(b))
    logs = [math.log(a[s] / b[s]) for s in seeds if a[s] > 0 and b[s] > 0]
    if not logs:
        return None
    mean = statistics.fmean(logs)
    if len(logs) < 2:
        return math.exp(mean), math.inf, len(logs)
    half = t975(len(logs) - 1) * statistics.stdev(logs) / math.sqrt(len(logs))
    return math.exp(mean), math.exp(half) - 1, len(logs)


def pct(est):
    if est is None:
        return "-"
    r, h, _ = est
    text = f"{(r - 1) * 100:+.1f}%"
    return text if h <= CI_TARGET else f"({text} ±{h * 100:.1f})"


def table(outdir):
    """Rows of identical numbers over CPU counts (every task has a CPU of its own from W + R
    CPUs on) are printed once, with their CPU counts."""
    cols = [s for s in SIZES if s != DEFAULT]
    head = ["pressure", "W x R", "CPUs", "unified 2/8 writes/s"]
    head += [f"u {k}/{m}" for k, m in cols] + [f"s -/{m}" for m in (4, 8, 16)]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    best_rows = []
    resolved = signed = total = 0
    for pressure in (False, True):
        for w, r in SHAPES:
            rows = []  # [cpus list, cells, best]
            for cpus in CPUS:
                files = {s: os.path.join(outdir, name(pressure, cpus, w, r, *s) + ".json")
                         for s in SIZES}
                if not all(os.path.exists(f) for f in files.values()):
                    continue
                data = {s: load(f) for s, f in files.items()}
                base = data[DEFAULT]["unified"]
                ests = [ratio(data[s]["unified"], base) for s in cols]
                ests += [ratio(data[(DEFAULT[0], m)]["shrinker"], base) for m in (4, 8, 16)]
                cells = [f"{statistics.median(base.values()) / 1000:.1f} k"]
                cells += [pct(e) for e in ests]
                u = dict(zip(cols, ests))
                u[DEFAULT] = (1.0, 0.0, 0)
                best = max(SIZES, key=lambda s: u[s][0])
                if rows and rows[-1][1] == cells:
                    rows[-1][0].append(cpus)
                    continue
                rows.append([[cpus], cells, (best, u[best])])
                for e in ests:
                    total += 1
                    resolved += e is not None and e[1] <= CI_TARGET
                    signed += e is not None and abs(math.log(e[0])) > math.log1p(e[1])
            for cpus, cells, best in rows:
                label = ", ".join(str(c) for c in cpus)
                print("| " + " | ".join(["yes" if pressure else "no", f"{w} x {r}", label] +
                                        cells) + " |")
                best_rows.append((pressure, w, r, label) + best)
    print(f"\nDistinct rows: {resolved} of {total} comparisons resolved to "
          f"±{CI_TARGET * 100:.0f}%; {signed} of {total} have a 95% CI that excludes no change.\n")
    print("| pressure | W x R | CPUs | best unified KEEP/MAX | vs 2/8 |")
    print("|---|---|---|---|---|")
    for pressure, w, r, label, best, est in best_rows:
        print(f"| {'yes' if pressure else 'no'} | {w} x {r} | {label} | {best[0]}/{best[1]} | "
              f"{pct(est) if best != DEFAULT else '-'} |")
    speeds = [x for x in (speed(p) for p in glob.glob(os.path.join(outdir, "*.txt"))) if x]
    if speeds:
        wall = sum(x[0] for x in speeds)
        runs = sum(x[1] for x in speeds)
        steps = sum(x[0] * x[2] * 1000 for x in speeds)
        print(f"\nsimulation speed: {wall:.0f} s of wall time for {runs} runs in "
              f"{len(speeds)} invocations, {steps / wall / 1000:.0f} k steps/s")


def main():
    args = sys.argv[1:]
    if len(args) >= 2 and args[0] == "table":
        table(args[1])
        return
    if len(args) >= 2 and args[0] == "run":
        opts = {"--duration": "0.02", "--max-time": "8s", "--runs": "5", "--only-cpus": ""}
        rest = []
        i = 2
        while i < len(args):
            if args[i] in opts and i + 1 < len(args):
                opts[args[i]] = args[i + 1]
                i += 2
            else:
                rest.append(args[i])
                i += 1
        only = [int(c) for c in opts["--only-cpus"].split(",") if c]
        run(args[1], rest[0] if rest else "build/pipe_bench", opts["--duration"],
            opts["--max-time"], int(opts["--runs"]), only)
        return
    sys.exit(__doc__)


if __name__ == "__main__":
    main()
