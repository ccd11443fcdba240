#!/usr/bin/python3
"""Regenerates the golden vectors of tests/quant/data/: a tiny ONNX model that uses every operator the importer
supports, random u8 images, and PyTorch's float outputs for the tiny model and for the three models in models/.

    /usr/bin/python3 tests/python/quant_make_vectors.py

Files (named by shape):
    tiny.onnx                       the tiny model, input [N, 3, 12, 12]
    tiny_input_u8_4x12x12x3.npy     u8 NHWC images; the model sees q * 2^-8
    tiny_output_f32_4x10.npy        PyTorch's output for them
    mnist_input_u8_16x28x28x1.npy   random u8 NHWC images (not digits: the check is arithmetic, not accuracy)
    <model>_output_f32_16x10.npy    PyTorch's output of the exported ONNX model's network for those images,
                                    computed with onnx's own checker passing on the file
"""
import os
import sys

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "quant", "data")
sys.path.insert(0, os.path.join(ROOT, "scripts"))


class Tiny(nn.Module):
    """Conv with groups, stride, dilation and asymmetric padding; BatchNorm; Relu; Clip; MaxPool; an AveragePool
    with count_include_pad padding (exported as Pad + AveragePool); Add; Concat; Flatten; Gemm; Dropout; MatMul + Add."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, stride=1, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.c2 = nn.Conv2d(8, 8, 3, stride=1, padding=2, dilation=2, groups=4, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.c3 = nn.Conv2d(8, 4, 1)
        self.c4 = nn.Conv2d(8, 4, 3, stride=2, padding=2)
        self.fc1 = nn.Linear(8 * 4 * 4, 16)
        self.w2 = nn.Parameter(torch.randn(16, 10) * 0.3)
        self.b2 = nn.Parameter(torch.randn(10) * 0.1)
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        y = F.relu(self.bn1(self.c1(x)))                      # 12x12x8
        z = self.bn2(self.c2(y))                              # 12x12x8 (dilated, grouped)
        y = F.relu(y + z)                                     # Add + Relu
        y = F.max_pool2d(y, 2)                                # 6x6x8
        a = torch.clamp(self.c3(y), 0.0, 6.0)                 # Clip (ReLU6)
        a = F.avg_pool2d(a, 2, stride=2, padding=1, count_include_pad=True)  # Pad + AveragePool: 4x4x4
        b = F.relu(self.c4(y))                                # 4x4x4
        y = torch.cat([a, b], dim=1)                          # 4x4x8
        y = self.drop(torch.flatten(y, 1))
        y = F.relu(self.fc1(y))
        return torch.matmul(y, self.w2) + self.b2             # MatMul + Add


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    m = Tiny()
    # Non-trivial BatchNorm statistics.
    for bn in (m.bn1, m.bn2):
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.5, 2.0)
        bn.weight.data.uniform_(0.5, 1.5)
        bn.bias.data.uniform_(-0.2, 0.2)
    m.eval()
    path = os.path.join(OUT, "tiny.onnx")
    torch.onnx.export(m, torch.zeros(1, 3, 12, 12), path, opset_version=13, input_names=["x"], output_names=["y"],
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False,
                      dynamic_axes={"x": {0: "N"}, "y": {0: "N"}})
    onnx.checker.check_model(onnx.load(path))
    print("tiny.onnx:", [n.op_type for n in onnx.load(path).graph.node if n.op_type not in ("Identity", "Constant")])
    rng = np.random.RandomState(1)
    x = rng.randint(0, 256, (4, 12, 12, 3)).astype(np.uint8)
    np.save(os.path.join(OUT, "tiny_input_u8_4x12x12x3.npy"), x)
    with torch.no_grad():
        y = m(torch.from_numpy(x.transpose(0, 3, 1, 2).astype(np.float32) / 256.0)).numpy()
    np.save(os.path.join(OUT, "tiny_output_f32_4x10.npy"), y.astype(np.float32))

    import train_mnist
    xm = rng.randint(0, 256, (16, 28, 28, 1)).astype(np.uint8)
    np.save(os.path.join(OUT, "mnist_input_u8_16x28x28x1.npy"), xm)
    # The committed ONNX files hold the weights; rebuild each PyTorch model from them to get its float output.
    for name, cls in train_mnist.MODELS.items():
        model = onnx.load(os.path.join(ROOT, "models", name + ".onnx"))
        inits = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
        for n in model.graph.node:  # the exporter names shared parameters through Identity nodes
            if n.op_type == "Identity" and n.input[0] in inits:
                inits[n.output[0]] = inits[n.input[0]]
        net = cls()
        sd = net.state_dict()
        for k in sd:
            if k in inits:
                sd[k] = torch.from_numpy(inits[k].copy())
            elif not k.endswith("num_batches_tracked"):
                raise SystemExit(f"{name}: {k} is not in the ONNX file")
        net.load_state_dict(sd)
        net.eval()
        with torch.no_grad():
            out = net(torch.from_numpy(xm.transpose(0, 3, 1, 2).astype(np.float32) / 256.0)).numpy()
        np.save(os.path.join(OUT, f"{name}_output_f32_16x10.npy"), out.astype(np.float32))
        print(name, "ok")


if __name__ == "__main__":
    main()
