#!/usr/bin/python3
"""Trains the three float models that lutsim's quantizer is measured on, on MNIST or Fashion-MNIST, to ONNX.

    lenet5        LeNet-5 (LeCun et al. 1998): two 5x5 convs with max pools, three dense layers, ReLU.
    resnet_small  a small ResNet (He et al. 2016): BatchNorm, two basic residual blocks (the second with a strided
                  1x1 projection), a global average pool.
    mobilenet     a MobileNet-style network (Howard et al. 2017): depthwise-separable 3x3 blocks, BatchNorm, ReLU6,
                  a global average pool.

The models see an image as the accelerator does: the u8 pixel q with real value q * 2^-8 (lutsim's default input
exponent), so no normalisation is folded in anywhere. Training uses data/DATA/train_*.npy only (scripts/fetch_mnist.sh
and scripts/fetch_fashion_mnist.sh make them); the float test accuracy on data/DATA/test_*.npy is printed and written
to models/README.md's table by hand. Runs on the CPU in a few minutes per model (on a machine that other jobs share,
--threads 1 is much faster than 2); the seed makes a run repeatable on one machine. The Fashion-MNIST models are
written as fashion_NAME.onnx.

Usage: /usr/bin/python3 scripts/train_mnist.py [--data mnist|fashion-mnist] [--out models]
           [--models lenet5,resnet_small,mobilenet] [--epochs E]
"""
import argparse
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OPSET = 13  # Debian's libonnx 1.12 reads opsets up to 17; 13 is what every exporter and checker here agrees on.


def _load_models_module():
    # The architectures live in one place, python/lutsim/torch/models.py (which lutsim.torch loads the trained
    # weights into). It needs only numpy and torch, so it is loaded by path: this script runs before any build.
    import importlib.util
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python", "lutsim", "torch", "models.py")
    spec = importlib.util.spec_from_file_location("lutsim_bundled_models", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_models = _load_models_module()
LeNet5, BasicBlock, ResNetSmall, MobileNetSmall = (_models.LeNet5, _models.BasicBlock, _models.ResNetSmall,
                                                   _models.MobileNetSmall)
MODELS = _models.MODELS
# data set: (fetch script, file prefix of the models, epochs per model, augmentation). Fashion-MNIST has 7.5 times
# MNIST's 7,996 training images: 5 epochs are 3.75 times the steps of MNIST's 10 and take a few minutes per model. MNIST's small set wants random +-2 pixel shifts;
# Fashion-MNIST's articles are centred and upright but left and right are alike, so it is flipped instead.
DATASETS = {
    "mnist": ("fetch_mnist.sh", "", {"lenet5": 10, "resnet_small": 8, "mobilenet": 10}, "shift"),
    "fashion-mnist": ("fetch_fashion_mnist.sh", "fashion_", {"lenet5": 5, "resnet_small": 5, "mobilenet": 5}, "flip"),
}


def load(data, split):
    d = os.path.join(ROOT, "data", data)
    if not os.path.exists(os.path.join(d, "test_y.npy")):
        subprocess.run(["bash", os.path.join(ROOT, "scripts", DATASETS[data][0])], check=True)
    x = np.load(os.path.join(d, f"{split}_x.npy"))  # u8 [N, 28, 28, 1]
    y = np.load(os.path.join(d, f"{split}_y.npy"))
    # NHWC u8 -> NCHW float, real = q * 2^-8 as on the accelerator.
    return torch.from_numpy(x.transpose(0, 3, 1, 2).astype(np.float32) / 256.0), torch.from_numpy(y.astype(np.int64))


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        return float((model(x).argmax(1) == y).float().mean())


def train(name, out_dir, prefix, epochs, augment, xtr, ytr, xte, yte):
    torch.manual_seed(0)
    model = MODELS[name]()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3, weight_decay=1e-4)
    steps = epochs * ((len(xtr) + 63) // 64)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=4e-3, total_steps=steps)
    g = torch.Generator().manual_seed(0)
    t0 = time.time()
    for ep in range(epochs):
        model.train()
        perm = torch.randperm(len(xtr), generator=g)
        for i in range(0, len(xtr), 64):
            idx = perm[i:i + 64]
            xb = xtr[idx]
            if augment == "shift":
                # Small random translations (+-2 pixels): cheap augmentation that MNIST's 8,000 images need.
                dx, dy = (int(v) for v in torch.randint(-2, 3, (2,), generator=g))
                xb = torch.roll(xb, shifts=(dy, dx), dims=(2, 3))
            elif int(torch.randint(0, 2, (1,), generator=g)):
                xb = torch.flip(xb, dims=(3,))  # every other batch on average mirrored left to right
            loss = F.cross_entropy(model(xb), ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        print(f"{name}: epoch {ep + 1}/{epochs} loss {loss.item():.4f} test {accuracy(model, xte, yte) * 100:.2f}% "
              f"({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)
    model.eval()
    path = os.path.join(out_dir, f"{prefix}{name}.onnx")
    # PRESERVE keeps BatchNormalization as its own node (EVAL would fold it into the conv in the exporter); the
    # importer folds it itself, which is the case a user's model exported elsewhere needs.
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), path, opset_version=OPSET, input_names=["image"],
                      output_names=["logits"], training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False,
                      dynamic_axes={"image": {0: "N"}, "logits": {0: "N"}})
    acc = accuracy(model, xte, yte)
    print(f"{name}: float test accuracy {acc * 100:.2f}% ({len(yte)} images), {time.time() - t0:.0f} s -> {path}")
    return acc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="mnist", choices=list(DATASETS), help="data/DATA/{train,test}_{x,y}.npy")
    ap.add_argument("--out", default=os.path.join(ROOT, "models"))
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=0, help="epochs for every model (default: the data set's own)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    _, prefix, epochs, augment = DATASETS[args.data]
    names = args.models.split(",")
    for name in names:
        if name not in MODELS:
            sys.exit(f"unknown model '{name}' (expected one of {', '.join(MODELS)})")
    xtr, ytr = load(args.data, "train")
    xte, yte = load(args.data, "test")
    for name in names:
        train(name, args.out, prefix, args.epochs or epochs[name], augment, xtr, ytr, xte, yte)


if __name__ == "__main__":
    main()
