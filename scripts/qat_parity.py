#!/usr/bin/python3
"""Parity of lutsim.torch.integer_forward with lutsim's golden model, and of the float64 training forward with
both, on a whole test split.

The schemes are those of python/tests/test_qat_parity.py (lutsim.torch.parity.random_schemes: A = 16/24/32, the
three rounding modes, per-layer and per-channel LUT and shift, the uniform grid, 1-4 and 8 bits), on LeNet-5, the
small ResNet, the MobileNet (their Fashion-MNIST or MNIST weights) and the every-op model of
python/tests/qat_helpers.py. Each is prepared on the calibration images, perturbed at random, trained three steps,
exported, and run on every test image: every value of every layer must equal lutsim.run's (check_parity), and the
float64 eval-mode training forward must give the same logits. Prints one line per scheme and exits 1 on any
difference.

Usage (from the repository root, after scripts/build.sh):
    PYTHONPATH=build/python /usr/bin/python3 scripts/qat_parity.py [--data fashion-mnist] [--schemes 24]
        [--images 0] [--threads 1]
"""

import argparse
import copy
import os
import sys
import time
import warnings

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python", "tests"))
os.environ.setdefault("LUTSIM_SOURCE_DIR", ROOT)

import lutsim  # noqa: E402
import lutsim.torch as lt  # noqa: E402
from lutsim.torch.models import to_float  # noqa: E402
from lutsim.torch.parity import perturb, random_schemes  # noqa: E402
from lutsim.torch.train import TrainConfig, train  # noqa: E402
from qat_helpers import data, model  # noqa: E402

MODELS = ["lenet5", "resnet_small", "mobilenet", "all_ops"]
# PyTorch's note that padding='same' with an even kernel copies the input (the every-op model's first conv).
warnings.filterwarnings("ignore", message="Using padding='same'")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="fashion-mnist", choices=["mnist", "fashion-mnist"])
    ap.add_argument("--schemes", type=int, default=24, help="the first N of random_schemes (the unit test's 24)")
    ap.add_argument("--images", type=int, default=0, help="first N test images (0: the whole split)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    d = data(args.data)
    x = d["test_x"][:args.images] if args.images else d["test_x"]
    print(f"qat_parity: {args.schemes} schemes on {len(x)} {args.data} test images each")
    print(f"{'#':>2} {'model':<12} {'A':>2} {'rounding':<9} {'grid':<15} {'shift':<11} {'b':>1} {'values':>6} "
          f"{'elements':>12} {'wraps':>10} {'ties':>10} {'result':<9} {'s':>5}")
    failures, total_el, t_all = 0, 0, time.time()
    for i, s in enumerate(random_schemes(args.schemes, MODELS)):
        t0 = time.time()
        hw = lutsim.HwConfig.load("default").replace(acc_bits=s["acc_bits"], rounding=s["rounding"])
        scheme = lt.Scheme(weight_bits=s["bits"], grid=s["grid"], shift=s["shift"], hw=hw, bn_freeze_step=2)
        m = model(s["model"], args.data if s["model"] != "all_ops" else "fashion-mnist")
        qm = lt.prepare(m, to_float(d["calib_x"][:2]), scheme, calib=to_float(d["calib_x"][:128]))
        perturb(qm, s["seed"])
        train(qm, d["train_x"][:3000], d["train_y"][:3000], TrainConfig(steps=3, batch=32, seed=s["seed"]))
        net = lt.export(qm)
        p = lt.check_parity(qm, x, net=net)
        q64 = copy.deepcopy(qm).double().eval()
        same_float = True
        for start in range(0, len(x), 1000):
            xb = x[start:start + 1000]
            with torch.no_grad():
                y = q64(to_float(xb).double()).numpy().reshape(len(xb), -1) * 2.0 ** -net.output.exponent
            same_float &= bool(np.array_equal(y, lt.integer_forward(qm, xb).reshape(len(xb), -1)))
        ok = p.equal and same_float
        failures += not ok
        total_el += p.elements_compared
        t = p.totals()
        result = "bit-exact" if ok else ("MISMATCH" if not p.equal else "FLOAT64")
        print(f"{i:>2} {s['model']:<12} {s['acc_bits']:>2} {s['rounding']:<9} {s['grid']:<15} {s['shift']:<11} "
              f"{s['bits']:>1} {p.values_compared:>6} {p.elements_compared:>12,} {t.wraps:>10,} {t.ties:>10,} "
              f"{result:<9} {time.time() - t0:>5.1f}", flush=True)
        if not p.equal:
            print(f"   {p.first_mismatch}")
    print(f"qat_parity: {args.schemes - failures} of {args.schemes} schemes bit-exact on {len(x)} images each, "
          f"{total_el:,} values compared, {time.time() - t_all:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
