#!/usr/bin/env python3
"""The equal-time table of docs/training.md from a `train --compare ... --seeds ... --budget-time S` folder.

Usage: bench/equal_time_table.py OUT        (OUT/comparison.json, written by cords-summarize train)

One row per strategy: test accuracy mean +- sd over its seeds, train time, epochs, and the difference of means against
random-online and rs2 with two standard errors of that difference (2 sqrt(sd_a^2/n_a + sd_b^2/n_b)): a difference
larger than its 2 se is beyond seed noise.
"""
import json
import math
import sys


def main() -> None:
    out = sys.argv[1]
    comp = json.load(open(f"{out}/comparison.json"))
    rows = {r["strategy"]: r for r in comp["strategies"]}
    refs = [s for s in ("random-online", "rs2") if s in rows]
    head = "| strategy | test accuracy (%), mean +- sd of n | train time (s) | epochs |"
    head += "".join(f" against {r} |" for r in refs)
    print(head)
    print("|" + "---|" * (4 + len(refs)))
    for s, r in rows.items():
        m, sd, n = 100 * r["test_accuracy_mean"], 100 * r["test_accuracy_sd"], r["runs"]
        line = f"| {s} | {m:.2f} +- {sd:.2f} ({n}) | {r['train_time_s_mean']:.1f} | {r['epochs_mean']:.1f} |"
        for ref in refs:
            if ref == s:
                line += " |"
                continue
            q = rows[ref]
            diff = m - 100 * q["test_accuracy_mean"]
            se2 = 2 * math.sqrt(sd ** 2 / n + (100 * q["test_accuracy_sd"]) ** 2 / q["runs"])
            mark = " **beyond noise**" if abs(diff) > se2 else ""
            line += f" {diff:+.2f} (2 se {se2:.2f}){mark} |"
        print(line)
    print(f"\nbudget {comp.get('budget_time_s')} s per run, seeds {comp['seeds']}")


if __name__ == "__main__":
    main()
