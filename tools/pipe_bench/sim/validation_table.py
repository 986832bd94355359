#!/usr/bin/env python3
"""The simulation's validation table (docs/SIMULATION.md): measured medians [min-max] from
`pipe_bench --json` files against simulated writes/s from `pipe_bench --simulate --json` files.

usage: validation_table.py MEASURED_DIR SIMULATED_DIR [PREFIX ...]
  MEASURED_DIR holds m_WxR.json, SIMULATED_DIR s_WxR.json (or PREFIX_WxR.json for each PREFIX:
  one simulated column and one error column per prefix). A PREFIX of the form K:P takes the
  kernel pipe's row from K_WxR.json and the pipepool rows from P_WxR.json (each simulated with the
  lock and page model of what it is compared with).
The kernel pipe is compared with the simulated legacy policy (its design)."""
import json
import os
import statistics
import sys

CONFIGS = [(w, r) for w in (1, 2, 5) for r in (1, 5, 10)]
TARGETS = ["kernel", "legacy", "prealloc", "unified"]


def load(path):
    with open(path) as f:
        return {r["target"]: r for r in json.load(f)["results"]}


def split(sdir, prefix, w, r):
    """{measured target: the simulated results it is compared with}."""
    kp, _, pp = prefix.partition(":")
    kernel = load(os.path.join(sdir, f"{kp}_{w}x{r}.json"))
    pipepool = load(os.path.join(sdir, f"{pp or kp}_{w}x{r}.json"))
    return {t: kernel if t == "kernel" else pipepool for t in TARGETS}


def k(x):
    return f"{x / 1000:.1f} k"


def main():
    mdir, sdir = sys.argv[1], sys.argv[2]
    prefixes = sys.argv[3:] or ["s"]
    errors = {p: [] for p in prefixes}
    rank_checks, rank_ok = 0, {p: 0 for p in prefixes}
    head = "| W x R | target | measured writes/s, median [min-max] |"
    head += "".join(f" simulated ({p}) | error |" for p in prefixes)
    head += f" hold us/write measured / simulated ({prefixes[0]}) |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for w, r in CONFIGS:
        m = load(os.path.join(mdir, f"m_{w}x{r}.json"))
        sims = {p: split(sdir, p, w, r) for p in prefixes}
        for t in TARGETS:
            st = "legacy" if t == "kernel" else t
            med = m[t]["median"]["writes_per_s"]
            lo, hi = m[t]["min"]["writes_per_s"], m[t]["max"]["writes_per_s"]
            cols = []
            for p in prefixes:
                v = sims[p][t][st]["metrics"]["writes_per_s"]
                err = (v - med) / med
                errors[p].append(err)
                cols.append(f"{k(v)}{' (legacy)' if t == 'kernel' else ''} | {err * 100:+.0f}%")
            mh = m[t]["median"].get("lock_hold_ns_per_write")
            sh = sims[prefixes[0]][t][st]["metrics"].get("lock_hold_ns_per_write")
            hold = (f"{mh / 1000:.1f}" if mh else "-") + (f" / {sh / 1000:.1f}" if sh else " / -")
            print(f"| {w} x {r} | {t} | {k(med)} [{lo / 1000:.1f}-{hi / 1000:.1f}] | "
                  + " | ".join(cols) + f" | {hold} |")
        # Ranking: every pair of pipepool policies whose measured ranges do not overlap.
        for i, a in enumerate(TARGETS[1:]):
            for b in TARGETS[2 + i:]:
                a_lo, a_hi = m[a]["min"]["writes_per_s"], m[a]["max"]["writes_per_s"]
                b_lo, b_hi = m[b]["min"]["writes_per_s"], m[b]["max"]["writes_per_s"]
                if a_lo > b_hi or b_lo > a_hi:
                    rank_checks += 1
                    measured = a_lo > b_hi
                    verdicts = []
                    for p in prefixes:
                        sa = sims[p][a][a]["metrics"]["writes_per_s"]
                        sb = sims[p][b][b]["metrics"]["writes_per_s"]
                        ok = measured == (sa > sb)
                        rank_ok[p] += ok
                        verdicts.append(f"{p} {'agrees' if ok else 'DISAGREES'}")
                    print(f"<!-- rank {w}x{r}: {a} {'>' if measured else '<'} {b} measured; "
                          + ", ".join(verdicts) + " -->")
    print()
    for p in prefixes:
        abs_err = [abs(e) for e in errors[p]]
        print(f"{p}: cells {len(abs_err)}, median absolute error "
              f"{statistics.median(abs_err) * 100:.0f}%, largest {max(abs_err) * 100:.0f}%, "
              f"cells beyond 30%: {sum(e > 0.30 for e in abs_err)}, mean signed error "
              f"{statistics.mean(errors[p]) * 100:+.0f}%; ranking: {rank_checks} resolved pairs "
              f"(min-max ranges apart), simulated order agrees on {rank_ok[p]}")


if __name__ == "__main__":
    main()
