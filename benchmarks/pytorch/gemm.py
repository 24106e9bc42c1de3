#!/usr/bin/python3
"""numpy's float32 matrix product (OpenBLAS sgemm through the system BLAS), for
`./bench kernels --vs-openblas` (dev.alignguard.bench.OpenBlasComparison).

Protocol: one JSON object per line on stdin, one reply per line on stdout.
    {"n": 512, "seconds": 0.5} -> {"gflops": mean GFLOP/s of C = A @ B over about that long}
    {"info": true}             -> {"numpy": version, "blas": name}
"""
import json
import sys
import time

import numpy as np

arrays = {}
for line in sys.stdin:
    msg = json.loads(line)
    if "info" in msg:
        np.matmul(np.ones((64, 64), np.float32), np.ones((64, 64), np.float32))
        with open("/proc/self/maps") as maps:  # which BLAS the dynamic linker actually loaded
            libs = sorted({l.split()[-1] for l in maps if "blas" in l.split()[-1]})
        print(json.dumps({"numpy": np.__version__, "blas": libs}), flush=True)
        continue
    n = msg["n"]
    if n not in arrays:
        rnd = np.random.default_rng(1)
        arrays[n] = (rnd.random((n, n), dtype=np.float32), rnd.random((n, n), dtype=np.float32),
                     np.empty((n, n), dtype=np.float32))
    a, b, c = arrays[n]
    np.matmul(a, b, out=c)
    reps, t = 0, 0.0
    t0 = time.perf_counter()
    while t < msg["seconds"]:
        np.matmul(a, b, out=c)
        reps += 1
        t = time.perf_counter() - t0
    print(json.dumps({"gflops": 2.0 * n ** 3 * reps / t / 1e9}), flush=True)
