#!/usr/bin/env python3
"""Prints the matched-accuracy rows of two runs side by side (README's "Does it hold at scale?").

usage: side-by-side.py QUICKSTART_RUN FULL_RUN [DROP_POINTS]

Reads each run's summary.json; for every method, at the given accuracy drop (default 2 points),
prints refusal on unsafe prompts, drift, drift reduction and the paired difference of drift
reduction against AlignGuard, each as mean +- 95% interval over base seeds, in percent.
"""
import json
import sys


def rows(run, drop):
    try:
        with open(f"{run}/summary.json") as f:
            s = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        sys.exit(f"side-by-side.py: {run}/summary.json is not a readable run summary: {e}")
    if not s.get("matched"):
        sys.exit(f"side-by-side.py: {run}/summary.json has no matched-accuracy rows (was the spec's 'matched' block set?)")
    out = {}
    for m in s["matched"]:
        if abs(m["drop_points"] - drop) < 1e-9:
            out[m["method"]] = m
    return out


def cell(m, key, scale=100.0):
    v = m["metrics"].get(key)
    if v is None:
        return "—"
    return f"{v['mean'] * scale:.1f} ± {v['ci95'] * scale:.1f}"


def delta(m):
    v = m.get("vs_reference", {}).get("drift_reduction")
    if not v:
        return "—"
    return f"{v['mean'] * 100:.1f} ± {v['ci95'] * 100:.1f}"


def note(m):
    """A dagger where a method with a strength to tune never came down to the target."""
    return "†" if not m["reached"] and m["strength"] != "NaN" else ""


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    quick, full = sys.argv[1], sys.argv[2]
    drop = float(sys.argv[3]) if len(sys.argv) > 3 else 2.0
    q, f = rows(quick, drop), rows(full, drop)
    print(f"| method | refusal (%) quickstart / full | drift (points) quickstart / full | drift reduction (%) quickstart / full | Δ drift reduction vs AlignGuard (points) quickstart / full |")
    print("|---|---|---|---|---|")
    for name in q:
        a, b = q[name], f.get(name)
        if b is None:
            continue
        print(f"| {name} | {cell(a, 'refusal_unsafe')}{note(a)} / {cell(b, 'refusal_unsafe')}{note(b)} "
              f"| {cell(a, 'drift')} / {cell(b, 'drift')} | {cell(a, 'drift_reduction')} / {cell(b, 'drift_reduction')} "
              f"| {delta(a)} / {delta(b)} |")


if __name__ == "__main__":
    main()
