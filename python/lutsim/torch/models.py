"""The three bundled float architectures of scripts/train_mnist.py, and loading their trained weights from ONNX.

These classes are the architectures' one definition: scripts/train_mnist.py loads this file (it imports only numpy
and torch) to train them. The ONNX files in models/ hold their trained weights under the PyTorch parameter names
(``conv1.weight``, ``block1.bn1.running_mean``, ...). ``load_onnx_weights`` fills a model from such a file and
fails on any missing, extra or misshapen tensor.
"""

from __future__ import annotations

import os
from typing import Dict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)
        self.drop = nn.Dropout(0.1)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = self.drop(F.relu(self.fc1(x)))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.proj = None
        if stride != 1 or cin != cout:
            self.proj = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.proj is None else self.proj(x)))


class ResNetSmall(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 16, 3, 2, 1, bias=False)  # 28x28 -> 14x14
        self.bn = nn.BatchNorm2d(16)
        self.block1 = BasicBlock(16, 16, 1)
        self.block2 = BasicBlock(16, 32, 2)  # 14x14 -> 7x7
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.bn(self.stem(x)))
        x = self.block2(self.block1(x))
        x = F.adaptive_avg_pool2d(x, 1)
        return self.fc(torch.flatten(x, 1))


def dw_separable(cin, cout, stride):
    return nn.Sequential(
        nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False), nn.BatchNorm2d(cin), nn.ReLU6(),
        nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU6())


class MobileNetSmall(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU6(),  # 28x28 -> 14x14
            dw_separable(16, 32, 1),   # 14x14
            dw_separable(32, 64, 2),   # 7x7
            dw_separable(64, 64, 1))
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.features(x)
        x = F.adaptive_avg_pool2d(x, 1)
        return self.fc(torch.flatten(x, 1))


def to_float(x: np.ndarray, exponent: int = -8) -> torch.Tensor:
    """u8 NHWC images -> float NCHW real values q * 2^exponent: what these models take (the accelerator's input
    exponent is -8, and the models were trained on q / 256)."""
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))).to(torch.float32) * 2.0 ** exponent


MODELS = {"lenet5": LeNet5, "resnet_small": ResNetSmall, "mobilenet": MobileNetSmall}
# models/<prefix><name>.onnx for each data set
PREFIX = {"mnist": "", "fashion-mnist": "fashion_"}


def onnx_tensors(path: "os.PathLike[str] | str") -> Dict[str, np.ndarray]:
    """Every initializer of an ONNX file by name, and the outputs of Identity nodes that copy one (the exporter
    writes a tensor equal to another once, with an Identity for the second name)."""
    import onnx
    from onnx import numpy_helper
    g = onnx.load(os.fspath(path)).graph
    t = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    for n in g.node:
        if n.op_type == "Identity" and n.input[0] in t:
            t[n.output[0]] = t[n.input[0]]
    return t


def load_onnx_weights(model: nn.Module, path: "os.PathLike[str] | str") -> nn.Module:
    """Fills ``model``'s parameters and BatchNorm statistics from an ONNX file exported from the same class."""
    t = onnx_tensors(path)
    state = model.state_dict()
    missing, bad = [], []
    new = {}
    for k, v in state.items():
        if k.endswith("num_batches_tracked"):
            new[k] = v
            continue
        if k not in t:
            missing.append(k)
        elif tuple(t[k].shape) != tuple(v.shape):
            bad.append(f"{k} {list(t[k].shape)} (model {list(v.shape)})")
        else:
            new[k] = torch.from_numpy(np.array(t[k])).to(v.dtype)
    if missing or bad:
        raise ValueError(f"{os.fspath(path)}: does not hold the weights of {type(model).__name__}: "
                         + "; ".join(filter(None, [("missing " + ", ".join(missing)) if missing else "",
                                                   ("wrong shape " + ", ".join(bad)) if bad else ""])))
    model.load_state_dict(new)
    return model


def bundled(name: str, data: str = "mnist", models_dir: "os.PathLike[str] | str" = "models") -> nn.Module:
    """One of the three bundled architectures with its trained float weights from ``models_dir``."""
    if name not in MODELS:
        raise ValueError(f"model: '{name}' is not one of {', '.join(MODELS)}")
    if data not in PREFIX:
        raise ValueError(f"data: '{data}' is not one of {', '.join(PREFIX)}")
    m = MODELS[name]()
    return load_onnx_weights(m, os.path.join(os.fspath(models_dir), f"{PREFIX[data]}{name}.onnx")).eval()
