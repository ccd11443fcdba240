"""python3 -m lutsim.qat: quantization-aware training of a bundled model for lutsim, end to end.

Loads one of the three architectures of scripts/train_mnist.py with its trained float weights (models/*.onnx) or
trains it from scratch (--float-epochs), prepares it for a scheme, trains it with the quantizers in the loop,
exports the lutsim network and measures it: the float accuracy, the fake-quant accuracy, and the integer accuracy
of the exported network on lutsim's golden model (lutsim.evaluate), then checks integer_forward against
lutsim.run on test images, every value bit for bit. See docs/qat.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np


def _find(sub: str, given: Optional[str]) -> Path:
    """A folder of the source tree: as given, else ./sub, $LUTSIM_SOURCE_DIR/sub, or beside the build folder."""
    if given:
        return Path(given)
    here = Path(__file__).resolve()
    for base in [Path.cwd(), Path(os.environ.get("LUTSIM_SOURCE_DIR", "")), *here.parents]:
        if str(base) and (base / sub).is_dir():
            return base / sub
    return Path(sub)


def parser() -> argparse.ArgumentParser:
    from .models import MODELS
    from .scheme import BITS, GRIDS, SHIFTS
    ap = argparse.ArgumentParser(prog="python3 -m lutsim.qat", description=__doc__.split("\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    g = ap.add_argument_group("model and data")
    g.add_argument("--model", default="lenet5", choices=list(MODELS))
    g.add_argument("--data", default="fashion-mnist", choices=["mnist", "fashion-mnist"])
    g.add_argument("--onnx", help="float weights (default: models/[fashion_]MODEL.onnx)")
    g.add_argument("--float-epochs", type=float, default=0.0,
                   help="train the float model from scratch for this many epochs instead of loading --onnx")
    g.add_argument("--data-dir", help="folder of {train,test,calib}_{x,y}.npy (default: data/DATA)")
    g.add_argument("--models-dir", help="folder of the ONNX models (default: models)")
    g.add_argument("--train-images", type=int, default=0, help="first N training images (0: all)")
    g.add_argument("--test-images", type=int, default=0, help="first N test images (0: all)")
    g.add_argument("--calib-images", type=int, default=512, help="activation exponents start from these")
    g = ap.add_argument_group("scheme")
    g.add_argument("--method", default="qat", choices=["qat", "ptq"],
                   help="qat: train with the quantizers; ptq: only calibrate and export (the starting point)")
    g.add_argument("--weight-bits", type=int, default=4, choices=list(BITS))
    g.add_argument("--grid", default="lut-per-layer", choices=list(GRIDS))
    g.add_argument("--shift", default="per-layer", choices=list(SHIFTS))
    g.add_argument("--first-last-bits", type=int, choices=list(BITS), help="width of the first and last layer")
    g.add_argument("--hw", default="default", help="hardware config preset or JSON file")
    g.add_argument("--acc-bits", type=int, help="override the config's accumulator width A")
    g.add_argument("--rounding", choices=["half_up", "half_even", "floor"], help="override the config's rounding")
    g = ap.add_argument_group("training")
    g.add_argument("--epochs", type=float, default=1.0)
    g.add_argument("--steps", type=int, default=0, help="steps instead of --epochs")
    g.add_argument("--batch", type=int, default=64)
    g.add_argument("--lr", type=float, default=5e-4, help="weights, biases, BatchNorm (Adam, cosine decay)")
    g.add_argument("--exp-lr", type=float, default=1e-2, help="float exponents")
    g.add_argument("--lut-lr", type=float, default=5e-2, help="shadow LUT entries, in s8 steps")
    g.add_argument("--bn-freeze", type=float, default=0.5,
                   help="fraction of the steps after which BatchNorm uses its moving statistics only")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--threads", type=int, default=1, help="PyTorch and lutsim threads")
    g = ap.add_argument_group("output")
    g.add_argument("-o", "--output", required=True, help="the lutsim network file to write (.npz)")
    g.add_argument("--parity-images", type=int, default=256,
                   help="test images on which integer_forward is compared with lutsim.run (0: skip)")
    g.add_argument("--report", help="write a JSON report (losses, accuracies, parity, times)")
    g.add_argument("--log-every", type=int, default=100)
    g.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return ap


def _train_float(model, x, y, epochs: float, batch: int, augment: str, seed: int, log) -> None:
    """A quick float training from scratch (Adam with a one-cycle schedule, as scripts/train_mnist.py)."""
    import torch
    import torch.nn.functional as F
    from .models import to_float
    torch.manual_seed(seed)
    steps = max(1, int(math.ceil(epochs * len(x) / batch)))
    opt = torch.optim.Adam(model.parameters(), lr=2e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=4e-3, total_steps=steps)
    g = torch.Generator().manual_seed(seed)
    labels = torch.from_numpy(y.astype(np.int64))
    model.train()
    perm, pos, t0 = torch.randperm(len(x), generator=g), 0, time.time()
    for step in range(1, steps + 1):
        if pos + batch > len(x):
            perm, pos = torch.randperm(len(x), generator=g), 0
        idx = perm[pos:pos + batch]
        pos += batch
        xb = to_float(x[idx.numpy()])
        if augment == "flip" and int(torch.randint(0, 2, (1,), generator=g)):
            xb = torch.flip(xb, dims=(3,))
        loss = F.cross_entropy(model(xb), labels[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 200 == 0 or step == steps:
            log(f"  float step {step}/{steps}  loss {float(loss):.4f}  {time.time() - t0:.0f} s")
    model.eval()


def main(argv: Optional[List[str]] = None) -> int:
    args = parser().parse_args(argv)
    import torch
    import lutsim
    from . import check_parity, export, prepare
    from .models import MODELS, PREFIX, load_onnx_weights, to_float
    from .scheme import Scheme
    from .train import TrainConfig, accuracy, train

    torch.set_num_threads(args.threads)

    def log(msg: str) -> None:
        if not args.quiet:
            print(msg, file=sys.stderr, flush=True)

    data_dir = _find(os.path.join("data", args.data), args.data_dir)
    try:
        d = {k: np.load(data_dir / f"{k}.npy") for k in ("train_x", "train_y", "test_x", "test_y", "calib_x")}
    except FileNotFoundError as e:
        sys.exit(f"lutsim.qat: {e.filename}: not found (scripts/fetch_fashion_mnist.sh and scripts/fetch_mnist.sh "
                 "make data/; or pass --data-dir)")
    tr_x, tr_y = d["train_x"], d["train_y"]
    if args.train_images:
        tr_x, tr_y = tr_x[:args.train_images], tr_y[:args.train_images]
    te_x, te_y = d["test_x"], d["test_y"]
    if args.test_images:
        te_x, te_y = te_x[:args.test_images], te_y[:args.test_images]
    calib = d["calib_x"][:args.calib_images]
    augment = "flip" if args.data == "fashion-mnist" else "shift"

    hw = lutsim.HwConfig.load(args.hw)
    over = {k: v for k, v in (("acc_bits", args.acc_bits), ("rounding", args.rounding)) if v is not None}
    if over:
        hw = hw.replace(**over)
    steps = 0 if args.method == "ptq" else (args.steps or max(1, int(math.ceil(args.epochs * len(tr_x) /
                                                                               args.batch))))
    scheme = Scheme(weight_bits=args.weight_bits, grid=args.grid, shift=args.shift, hw=hw,
                    first_last_bits=args.first_last_bits, bn_freeze_step=int(args.bn_freeze * steps))
    report: Dict[str, Any] = {"model": args.model, "data": args.data, "method": args.method,
                              "scheme": scheme.describe(), "train_images": len(tr_x), "test_images": len(te_x)}
    print(f"lutsim.qat: {args.model} on {args.data} ({len(tr_x)} training, {len(te_x)} test images), "
          f"{scheme.describe()}", flush=True)

    model = MODELS[args.model]()
    t0 = time.time()
    if args.float_epochs > 0:
        log(f"training the float model from scratch for {args.float_epochs:g} epochs")
        _train_float(model, tr_x, tr_y, args.float_epochs, args.batch, augment, args.seed, log)
        source = f"trained from scratch for {args.float_epochs:g} epochs in {time.time() - t0:.0f} s"
    else:
        onnx = Path(args.onnx) if args.onnx else _find("models", args.models_dir) / \
            f"{PREFIX[args.data]}{args.model}.onnx"
        load_onnx_weights(model, onnx)
        source = str(onnx)
    model.eval()
    report["float_accuracy"] = acc_f = accuracy(model, te_x, te_y)
    print(f"float model ({source}): test accuracy {acc_f * 100:.2f}%", flush=True)

    t0 = time.time()
    qm = prepare(model, to_float(calib[:2]), scheme, calib=to_float(calib), name=args.model)
    net = export(qm)
    report["start_integer_accuracy"] = acc_0 = lutsim.evaluate(net, te_x, te_y, hw=hw, threads=args.threads).accuracy
    print(f"start (prepared and calibrated on {len(calib)} images in {time.time() - t0:.1f} s): integer accuracy "
          f"{acc_0 * 100:.2f}%", flush=True)

    losses: List[float] = []
    seconds = 0.0
    if steps:
        cfg = TrainConfig(steps=steps, batch=args.batch, lr=args.lr, exp_lr=args.exp_lr, lut_lr=args.lut_lr,
                          augment=augment, seed=args.seed, log_every=args.log_every)
        frozen = f", BatchNorm frozen from step {scheme.bn_freeze_step}" if any(l.bn is not None for l in qm.convs()) \
            else ""
        print(f"training: {steps} steps of {args.batch} images ({steps * args.batch / len(tr_x):.2f} epochs){frozen}",
              flush=True)
        tl = train(qm, tr_x, tr_y, cfg, progress=lambda s, n, l, t: (
            losses.append(l), log(f"  step {s}/{n}  loss {l:.4f}  {t:.0f} s")))
        seconds = tl.seconds
        report["step_losses"] = tl.losses
        print(f"trained in {seconds:.0f} s ({seconds / steps * 1000:.0f} ms per step); loss over the first and "
              f"last {min(args.log_every, steps)} steps: {np.mean(tl.losses[:args.log_every]):.4f} -> "
              f"{np.mean(tl.losses[-args.log_every:]):.4f}", flush=True)
    report["train_seconds"] = seconds
    report["losses"] = losses

    report["fake_quant_accuracy"] = acc_q = accuracy(qm, te_x, te_y)
    net = export(qm, args.output)
    r = lutsim.evaluate(net, te_x, te_y, hw=hw, threads=args.threads)  # on the machine it was trained for
    report["integer_accuracy"] = r.accuracy
    print(f"float accuracy       {acc_f * 100:.2f}%")
    print(f"fake-quant accuracy  {acc_q * 100:.2f}%  (the float32 training forward, eval mode)")
    print(f"integer accuracy     {r.accuracy * 100:.2f}%  ({r.correct}/{r.images}, lutsim.evaluate on the "
          f"exported network, golden model, {hw.name} config A={hw.acc_bits} {hw.rounding})")
    status = 0
    if args.parity_images:
        p = check_parity(qm, te_x[:args.parity_images], net=net)
        report["parity"] = {"images": p.images, "values": p.values_compared, "elements": p.elements_compared,
                            "equal": p.equal, "first_mismatch": str(p.first_mismatch) if p.first_mismatch else None,
                            "wraps": p.totals().wraps, "ties": p.totals().ties}
        print(f"parity: integer_forward vs lutsim.run: {p}")
        if not p.equal:
            status = 1
    print(f"wrote {args.output}", flush=True)
    if args.report:
        Path(args.report).write_text(json.dumps(report, indent=1) + "\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
