#!/usr/bin/python3
"""Checks that two run folders of the same study hold the same numbers.

    same-results.py RUN_A RUN_B

Compares summary.json and every training log (logs/*.jsonl) value for value, ignoring the fields
that measure time or name the code's commit (seconds, wall_seconds, tokens_per_second, git_commit). Exits 0 and prints "identical" when every other value is equal (floats compared
as written, i.e. bit for bit at the precision the files keep), else prints the first differences
and exits 1. Used to show that a change to buffers, threads or JVM flags changed no number.
"""
import json
import os
import sys

IGNORED = {"seconds", "wall_seconds", "tokens_per_second", "git_commit"}


def diff(a, b, where, out):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k in IGNORED:
                continue
            if k not in a or k not in b:
                out.append(f"{where}/{k}: only in {'B' if k not in a else 'A'}")
                continue
            diff(a[k], b[k], f"{where}/{k}", out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{where}: {len(a)} vs {len(b)} entries")
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, f"{where}[{i}]", out)
    elif a != b and not (a != a and b != b):  # NaN equals NaN here
        out.append(f"{where}: {a!r} vs {b!r}")


def load_lines(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    a, b = sys.argv[1], sys.argv[2]
    for folder in (a, b):
        if not os.path.isfile(os.path.join(folder, "summary.json")) or not os.path.isdir(os.path.join(folder, "logs")):
            print(f"{folder}: not a finished run folder (expected summary.json and logs/)", file=sys.stderr)
            return 2
    out = []
    with open(os.path.join(a, "summary.json"), encoding="utf-8") as fa, open(os.path.join(b, "summary.json"), encoding="utf-8") as fb:
        diff(json.load(fa), json.load(fb), "summary.json", out)
    logs_a = sorted(os.listdir(os.path.join(a, "logs")))
    logs_b = sorted(os.listdir(os.path.join(b, "logs")))
    if logs_a != logs_b:
        out.append(f"logs: {len(logs_a)} vs {len(logs_b)} files, names differ")
    compared = 0
    for name in sorted(set(logs_a) & set(logs_b)):
        if name.endswith(".jsonl"):
            diff(load_lines(os.path.join(a, "logs", name)), load_lines(os.path.join(b, "logs", name)), "logs/" + name, out)
            compared += 1
    if out:
        print(f"{len(out)} differences; first ones:")
        print("\n".join(out[:20]))
        return 1
    print(f"identical: summary.json and {compared} training logs (ignoring {', '.join(sorted(IGNORED))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
