#!/usr/bin/python3
"""Python call against the CLI's own reported selection time (issue 16): n = 20,000, d = 512, k = 1,000, facility
location, cosine, lazy greedy, 2 threads. Alternates CLI and Python 3 times each; reports the medians and their ratio
(Python wall time of the whole call, conversions included / the CLI's kernel + optimize seconds).
    PYTHONPATH=build/python bench/python_select_bench.py build/src/cords-summarize"""
import json
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

import cords_summarize as cs

cli = sys.argv[1]
x = np.random.default_rng(0).standard_normal((20000, 512)).astype(np.float32)
with tempfile.TemporaryDirectory() as d:
    np.save(d + "/x.npy", x)
    c_times, p_times = [], []
    for _ in range(3):
        out = json.loads(subprocess.run([cli, "select", "--features", d + "/x.npy", "--budget", "1000", "--threads", "2", "-q"],
                                        check=True, capture_output=True, text=True).stdout)
        c_times.append(out["timings_s"]["kernel"] + out["timings_s"]["optimize"])
        t0 = time.perf_counter()
        r = cs.select(x, budget=1000, threads=2)
        p_times.append(time.perf_counter() - t0)
        assert r.selected == out["selected"]
c, p = statistics.median(c_times), statistics.median(p_times)
print(f"CLI selection (kernel + optimize) {c:.3f} s, Python call {p:.3f} s: {p / c:.3f}x (medians of 3; same picks)")
