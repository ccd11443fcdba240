#!/usr/bin/python3
"""PyTorch's quantized int8 Conv2d (engine onednn) on the convolution shapes of bench_kernels.

Usage: /usr/bin/python3 bench/onednn_conv.py --shapes SHAPES.csv [--threads 1,2] [--reps N] [--min-time S]
                                             [--layout best|nhwc|nchw]

SHAPES.csv is `bench_kernels --print-shapes`. For each shape and thread count this times
torch.ao.nn.quantized.Conv2d at batch 1: quint8 activations (zero point 0), qint8 per-output-channel weights
(zero point 0), a float bias, quint8 output. Two warm-up runs, then at least --reps runs and --min-time
seconds; the median run time is reported. The input layout is channels-last (NHWC, lutsim's layout) or
contiguous NCHW; --layout best (the default) times both and reports the faster one, so that onednn is compared
at its best (its first layer, with 3 input channels, is much faster from NCHW; the others from NHWC).

Output: CSV on stdout, one row per (layer, threads): layer,macs,threads,median_s,gmacs,layout,best_s
(best_s: the fastest run)

Debian's python3-torch 1.13 has no fbgemm; its x86 int8 engines are onednn and qnnpack. Use /usr/bin/python3:
another python3 on PATH may not see Debian's torch.
"""
import argparse
import csv
import statistics
import sys
import time

import torch


def conv_out(n, k, stride, pad):
    return (n + 2 * pad - k) // stride + 1


def time_layer(row, threads, reps, min_time, layout):
    h, w, cin, cout = int(row["h"]), int(row["w"]), int(row["cin"]), int(row["cout"])
    k, stride, pad = int(row["k"]), int(row["stride"]), int(row["pad"])
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(1)
    conv = torch.ao.nn.quantized.Conv2d(cin, cout, k, stride=stride, padding=pad, bias=True)
    wf = torch.randn(cout, cin, k, k, generator=gen)
    scales = wf.abs().amax(dim=(1, 2, 3)) / 127.0
    qw = torch.quantize_per_channel(wf, scales, torch.zeros(cout, dtype=torch.long), 0, torch.qint8)
    conv.set_weight_bias(qw, torch.randn(cout, generator=gen))
    conv.scale = 0.05
    conv.zero_point = 0
    xf = torch.rand(1, cin, h, w, generator=gen) * 4.0
    x = torch.quantize_per_tensor(xf, 4.0 / 255, 0, torch.quint8)
    if layout == "nhwc":
        x = x.contiguous(memory_format=torch.channels_last)
    macs = conv_out(h, k, stride, pad) * conv_out(w, k, stride, pad) * cout * cin * k * k
    with torch.no_grad():
        for _ in range(2):
            conv(x)
        times = []
        total = 0.0
        while len(times) < reps or total < min_time:
            t0 = time.perf_counter()
            conv(x)
            dt = time.perf_counter() - t0
            times.append(dt)
            total += dt
    return macs, statistics.median(times), min(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shapes", required=True)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--min-time", type=float, default=0.3)
    ap.add_argument("--layout", choices=["best", "nhwc", "nchw"], default="best")
    args = ap.parse_args()
    if "onednn" not in torch.backends.quantized.supported_engines:
        sys.exit("onednn_conv.py: this torch has no onednn quantized engine: %s"
                 % torch.backends.quantized.supported_engines)
    torch.backends.quantized.engine = "onednn"
    with open(args.shapes) as f:
        rows = list(csv.DictReader(f))
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["layer", "macs", "threads", "median_s", "gmacs", "layout", "best_s"])
    layouts = ["nhwc", "nchw"] if args.layout == "best" else [args.layout]
    for row in rows:
        for t in [int(v) for v in args.threads.split(",")]:
            results = [(time_layer(row, t, args.reps, args.min_time, lay), lay) for lay in layouts]
            (macs, median, best), lay = min(results, key=lambda r: r[0][1])
            out.writerow([row["layer"], macs, t, "%.9f" % median, "%.2f" % (macs / median * 1e-9), lay,
                          "%.9f" % best])
            sys.stdout.flush()


if __name__ == "__main__":
    main()
