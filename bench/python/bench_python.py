#!/usr/bin/python3
"""The cost of calling lutsim from Python, and two Python threads simulating at once.

    PYTHONPATH=build/python /usr/bin/python3 bench/python/bench_python.py build [--reps 7] [--rounds 3]

For each case the same work is timed in C++ (build/bench/python/bench_engine: the engine calls a Python call
makes, with no Python) and through the package (lutsim.run / lutsim.simulate of a compiled program: argument
checks, array conversion, the worker process of the SystemC model, the report parsed back into objects), in alternating rounds so that both
see the same machine load. "C++ warm" is the median of a process's second and later calls, "C++ cold" its first
call (what one `lutsim run` or `lutsim sim` process pays); the overheads are Python / C++ - 1, of the medians and
of the best (fastest) calls, the figure least disturbed by a loaded machine. Then two threads
simulate two different networks at once, against the same two calls one after the other. See README.md.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

import lutsim


def timed(fn, reps):
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", help="the Release build folder")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    bench = Path(args.build) / "bench" / "python" / "bench_engine"

    tmp = Path(tempfile.mkdtemp(prefix="lutsim-bench-"))
    lenet = lutsim.generate("lenet5")
    r18 = lutsim.generate("resnet18", weight_bits=4, lut="per-channel")
    mnv2 = lutsim.generate("mobilenetv2", weight_bits=4, lut="per-channel")
    cases = []
    for name, net, n in (("lenet5", lenet, 64), ("resnet18", r18, 1)):
        net.save(tmp / f"{name}.npz")
        x = lutsim.random_input(net, n, seed=3)
        np.save(tmp / f"{name}.npy", x)
        cases.append((f"{name} x{n} run golden", name, ["run", "golden"],
                      lambda net=net, x=x: lutsim.run(net, x)))
        prog = lutsim.compile(net)
        cases.append((f"{name} x{n} simulate (systemc)", name, ["simulate"],
                      lambda prog=prog, x=x: lutsim.simulate(prog, x)))

    print(f"{'case':<34} {'C++ warm s':>11} {'C++ cold s':>11} {'Python s':>9} {'vs warm':>8} {'vs cold':>8}"
          f" {'C++ best':>9} {'Py best':>9} {'best':>7}")
    for title, name, how, py_call in cases:
        warm, cold, py = [], [], []
        py_call()  # the first Python call loads what stays loaded (the module's imports)
        for _ in range(args.rounds):
            r = subprocess.run([str(bench), str(tmp / f"{name}.npz"), str(tmp / f"{name}.npy"), *how,
                                str(args.reps)], capture_output=True, text=True, check=True)
            secs = json.loads(r.stdout)["seconds"]
            cold.append(secs[0])
            warm += secs[1:]
            py += timed(py_call, args.reps)
        w, c, p = statistics.median(warm), statistics.median(cold), statistics.median(py)
        bw, bp = min(warm), min(py)
        print(f"{title:<34} {w:>11.4f} {c:>11.4f} {p:>9.4f} {100 * (p / w - 1):>+7.1f}% {100 * (p / c - 1):>+7.1f}%"
              f" {bw:>9.4f} {bp:>9.4f} {100 * (bp / bw - 1):>+6.1f}%")

    # Two threads, two networks: ResNet-18 and MobileNetV2 at 224, one image each, on the SystemC model.
    xa, xb = lutsim.random_input(r18, 1, 5), lutsim.random_input(mnv2, 1, 5)
    seq, par = [], []
    for _ in range(args.rounds * 2):
        t = time.perf_counter()
        lutsim.simulate(r18, xa)
        lutsim.simulate(mnv2, xb)
        seq.append(time.perf_counter() - t)
        t = time.perf_counter()
        ts = [threading.Thread(target=lutsim.simulate, args=a) for a in ((r18, xa), (mnv2, xb))]
        for th in ts:
            th.start()
        for th in ts:
            th.join()
        par.append(time.perf_counter() - t)
    s, p = statistics.median(seq), statistics.median(par)
    print(f"\nsimulate resnet18 and mobilenetv2 (one image each): one after the other {s:.3f} s, "
          f"two threads at once {p:.3f} s (speed-up {s / p:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
