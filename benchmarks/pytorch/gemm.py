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
        blas = "?"
        try:
            from numpy.distutils.system_info import get_info  # noqa: deprecated, informative only
            blas = ",".join(get_info("blas_opt").get("libraries", [])) or "system libblas"
        except Exception:
            blas = "system libblas.so.3"
        print(json.dumps({"numpy": np.__version__, "blas": blas}), flush=True)
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
