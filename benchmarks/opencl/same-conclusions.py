#!/usr/bin/env python3
"""Whether two runs of one study reach the same conclusions: same spec and seeds, and every method's
mean of each headline metric within the larger of the two runs' 95% intervals of the other's.

Runs on different backends (vector and opencl) agree within float bounds, not bit for bit
(benchmarks/memory/same-results.py is the bit-for-bit check); this is the check for them.

    benchmarks/opencl/same-conclusions.py RUN_A RUN_B [--metrics=drift,harmful_compliance,task_accuracy]

Prints one line per method and metric that disagrees, then a summary; exits 1 when any does.
"""
import json
import sys

HEADLINE = ["drift", "harmful_compliance", "task_accuracy", "over_refusal_safe"]


def load(folder):
    try:
        with open(f"{folder}/summary.json") as f:
            return json.load(f)
    except FileNotFoundError:
        sys.exit(f"{folder}: no summary.json (expected the output folder of `alignguard run`)")
    except json.JSONDecodeError as e:
        sys.exit(f"{folder}/summary.json: not JSON ({e})")


def by_label(summary, folder):
    if "methods" not in summary:
        sys.exit(f"{folder}/summary.json: no 'methods' (expected the summary of `alignguard run`)")
    return {m["label"]: m["metrics"] for m in summary["methods"]}


def backend(summary):
    b = summary.get("backend")
    return b.get("name", "?") if isinstance(b, dict) else str(b)


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    metrics = HEADLINE
    for a in argv:
        if a.startswith("--metrics="):
            metrics = a.split("=", 1)[1].split(",")
    if len(args) != 2:
        sys.exit(__doc__)
    a, b = (load(f) for f in args)
    for key in ("spec", "base_seeds", "finetune_seeds"):
        if a.get(key) != b.get(key):
            sys.exit(f"the runs differ in {key}: not the same study")
    ma, mb = by_label(a, args[0]), by_label(b, args[1])
    if set(ma) != set(mb):
        sys.exit(f"the runs have different methods: only in A {sorted(set(ma) - set(mb))}, "
                 f"only in B {sorted(set(mb) - set(ma))}")
    checked = disagree = 0
    widest = 0.0
    for label in sorted(ma):
        for metric in metrics:
            if metric not in ma[label] or metric not in mb[label]:
                continue
            x, y = ma[label][metric], mb[label][metric]
            gap = abs(x["mean"] - y["mean"])
            bound = max(x["ci95"], y["ci95"])
            checked += 1
            widest = max(widest, gap / bound if bound > 0 else (0.0 if gap == 0 else float("inf")))
            if gap > bound:
                disagree += 1
                print(f"{label} {metric}: {x['mean']:.4f} vs {y['mean']:.4f}, apart by {gap:.4f} > 95% interval {bound:.4f}")
    print(f"{args[0]} ({backend(a)}) vs {args[1]} ({backend(b)}): {checked} method means compared "
          f"({', '.join(metrics)}), {disagree} apart by more than the larger 95% interval; "
          f"largest gap {widest:.2f} of its interval")
    return 1 if disagree else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
