#!/usr/bin/python3
"""Sweeps the PE array size for a generated ResNet-18 on the SystemC model and plots latency against energy.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/sweep_resnet18.py [--input-size 224] [-o sweep.png]

Each design point is one lutsim.simulate() call; the points run in a thread pool, each simulation in its own
worker process, so the two cores of a small machine both work. Prints a table and writes the plot as a PNG.
"""

import argparse
import concurrent.futures
import time

import matplotlib

matplotlib.use("Agg")  # no display: write the PNG only
import matplotlib.pyplot as plt  # noqa: E402

import lutsim  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input-size", type=int, default=224, help="input side of the generated ResNet-18")
    ap.add_argument("--arrays", default="8,16,32,64", help="square PE array sizes to sweep")
    ap.add_argument("--energy", default="45nm", help="energy preset or file")
    ap.add_argument("--jobs", type=int, default=2, help="simulations at once")
    ap.add_argument("-o", "--output", default="sweep_resnet18.png", help="the plot (PNG)")
    args = ap.parse_args()

    net = lutsim.generate("resnet18", input_size=args.input_size, weight_bits=4, lut="per-channel")
    x = lutsim.random_input(net, 1, seed=7)
    base = lutsim.HwConfig.load("default")
    points = []
    for n in (int(s) for s in args.arrays.split(",")):
        points.append(base.replace({"array.rows": n, "array.cols": n}, name=f"{n}x{n}"))

    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        reports = list(pool.map(lambda hw: lutsim.simulate(net, x, hw=hw, energy=args.energy), points))
    secs = time.monotonic() - t0

    print(f"{'array':>8} {'cycles':>12} {'latency us':>11} {'energy uJ':>10} {'PE util':>8}")
    lat, energy = [], []
    for hw, r in zip(points, reports):
        lat.append(r.cycles / hw.clock_mhz)
        energy.append(r.energy_pj / 1e6)
        print(f"{hw.name:>8} {r.cycles:>12} {lat[-1]:>11.1f} {energy[-1]:>10.2f} {r.pe_utilization:>8.3f}")
    print(f"{len(points)} simulations in {secs:.1f} s ({args.jobs} at once)")

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(lat, energy, "o-")
    for hw, xl, ye in zip(points, lat, energy):
        ax.annotate(hw.name, (xl, ye), textcoords="offset points", xytext=(6, 4))
    ax.set_xscale("log")
    ax.margins(x=0.15, y=0.1)
    ax.set_xlabel("latency per image (us)")
    ax.set_ylabel(f"energy per image (uJ, {args.energy})")
    ax.set_title(f"ResNet-18 {args.input_size}x{args.input_size}, 4-bit per-channel LUT: PE array size")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(args.output, dpi=120)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
