#!/usr/bin/python3
"""Measures the accuracy tables of docs/quantization.md: every model under every configuration, quantized with mmse
and with lapq, evaluated by the golden model on the MNIST test split; then the activation calibration methods and the
per-layer LUT ablation. With --data fashion-mnist: the Fashion-MNIST models (models/fashion_*.onnx) at 4 and 2 bits,
per-channel LUT, on the Fashion-MNIST test split.

Usage: /usr/bin/python3 tests/python/quant_accuracy_table.py BIN [--data mnist|fashion-mnist] [--threads 2] [--out DIR]
  BIN is the binary with the quantize and eval commands (build/cli/lutsim).
Fetches the data with scripts/fetch_mnist.sh or scripts/fetch_fashion_mnist.sh when it is missing. Prints Markdown
tables and the wall time of every quantization.
"""
import argparse
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# data set: (fetch script, model file prefix, float test accuracy of each model as in models/README.md)
DATA = {
    "mnist": ("fetch_mnist.sh", "", {"lenet5": 98.05, "resnet_small": 97.75, "mobilenet": 97.60}),
    "fashion-mnist": ("fetch_fashion_mnist.sh", "fashion_", {"lenet5": 89.94, "resnet_small": 90.11, "mobilenet": 88.76}),
}
CONFIGS = [
    ("4-bit per-layer LUT, per-layer shift", ["--weight-bits", "4", "--grid", "lut-per-layer"]),
    ("4-bit per-channel LUT, per-layer shift", ["--weight-bits", "4", "--grid", "lut-per-channel"]),
    ("4-bit per-channel LUT, per-channel shift", ["--weight-bits", "4", "--grid", "lut-per-channel", "--shift", "per-channel"]),
    ("4-bit uniform, per-layer shift", ["--weight-bits", "4", "--grid", "uniform"]),
    ("4-bit uniform, per-channel shift", ["--weight-bits", "4", "--grid", "uniform", "--shift", "per-channel"]),
    ("3-bit per-channel LUT", ["--weight-bits", "3", "--grid", "lut-per-channel"]),
    ("2-bit per-channel LUT", ["--weight-bits", "2", "--grid", "lut-per-channel"]),
    ("8-bit, per-layer shift", ["--weight-bits", "8"]),
    ("mixed {2,3,4,8}, average 3 bits, per-channel LUT", ["--avg-bits", "3", "--grid", "lut-per-channel"]),
]
FASHION_CONFIGS = [CONFIGS[1], CONFIGS[6]]  # 4-bit and 2-bit per-channel LUT, per-layer shift
CALIB = [("mse", []), ("percentile (99.99)", ["--act-calib", "percentile"]), ("kl", ["--act-calib", "kl"])]
ABLATION = [
    ("mmse", []),
    ("+ equalization", ["--equalize"]),
    ("+ bias correction", ["--bias-correction"]),
    ("+ equalization + bias correction", ["--equalize", "--bias-correction"]),
    ("lapq", ["--method", "lapq"]),
    ("lapq + equalization + bias correction", ["--method", "lapq", "--equalize", "--bias-correction"]),
]


def run(binary, data, model, args, out, threads):
    d = os.path.join(ROOT, "data", data)
    net = os.path.join(out, "net.npz")
    t0 = time.time()
    subprocess.run([binary, "quantize", os.path.join(ROOT, "models", model + ".onnx"), "--calib",
                    os.path.join(d, "calib_x.npy"), "-o", net, "--threads", str(threads), "-q"] + args, check=True)
    secs = time.time() - t0
    r = subprocess.run([binary, "eval", net, "--data", os.path.join(d, "test_x.npy"), "--labels",
                        os.path.join(d, "test_y.npy"), "--threads", str(threads), "-q"], check=True,
                       capture_output=True, text=True)
    acc = float(re.search(r"accuracy: ([0-9.]+)%", r.stdout).group(1))
    print(f"  {model} {' '.join(args)}: {acc:.2f}% ({secs:.1f} s)", file=sys.stderr, flush=True)
    return acc, secs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--data", default="mnist", choices=list(DATA))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default="/tmp")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    fetch, prefix, floats = DATA[a.data]
    if not os.path.exists(os.path.join(ROOT, "data", a.data, "test_y.npy")):
        subprocess.run(["bash", os.path.join(ROOT, "scripts", fetch)], check=True)

    def measure(model, args):
        return run(a.binary, a.data, prefix + model, args, a.out, a.threads)

    print("| model | config | float | mmse | lapq | lapq time |")
    print("| --- | --- | --- | --- | --- | --- |")
    for model in floats:
        for name, args in (CONFIGS if a.data == "mnist" else FASHION_CONFIGS):
            m, _ = measure(model, args)
            l, secs = measure(model, args + ["--method", "lapq"])
            print(f"| {prefix}{model} | {name} | {floats[model]:.2f} | {m:.2f} | {l:.2f} | {secs:.0f} s |", flush=True)
    if a.data != "mnist":
        return
    print()
    print("| model | float | " + " | ".join(name for name, _ in CALIB) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in CALIB) + " |")
    for model in floats:
        accs = [measure(model, CONFIGS[1][1] + args)[0] for _, args in CALIB]
        print(f"| {model} | {floats[model]:.2f} | " + " | ".join(f"{x:.2f}" for x in accs) + " |", flush=True)
    print()
    print("| model (4-bit per-layer LUT, per-layer shift) | steps | accuracy | vs float | time |")
    print("| --- | --- | --- | --- | --- |")
    for model in floats:
        for name, args in ABLATION:
            acc, secs = measure(model, ["--weight-bits", "4", "--grid", "lut-per-layer"] + args)
            print(f"| {model} | {name} | {acc:.2f} | {acc - floats[model]:+.2f} | {secs:.1f} s |", flush=True)


if __name__ == "__main__":
    main()
