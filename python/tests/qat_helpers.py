"""Shared by the lutsim.torch tests: a model that uses every supported operation, and the data sets."""

import os
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

SOURCE_DIR = Path(os.environ.get("LUTSIM_SOURCE_DIR", Path(__file__).resolve().parents[2]))


class AllOps(nn.Module):
    """Every operation lutsim.torch.prepare maps, on 28x28x1 images."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 8, 4, padding="same")        # even kernel: pads top 1, left 1, bottom 2, right 2
        self.bn1 = nn.BatchNorm2d(8)
        self.act1 = nn.Hardtanh(-1.0, 1.0)                 # an s8 output clamped to [-1, 1]
        self.c2 = nn.Conv2d(8, 8, 3, stride=2, padding=2, dilation=2, groups=2)   # 28 -> 14
        self.pool = nn.AvgPool2d(3, stride=1, padding=1)   # 9 positions: divided by 8, the 9/8 goes to c3, c4
        self.c3 = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False)             # depthwise
        self.bn3 = nn.BatchNorm2d(8)
        self.c4 = nn.Conv2d(8, 8, 1)
        self.mp = nn.MaxPool2d(3, stride=2, padding=1)     # 14 -> 7
        self.relu = nn.ReLU()
        self.c5 = nn.Conv2d(8, 16, 3, padding=1)
        self.fc = nn.Linear(16 * 7 * 7 + 0, 10)
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        x = self.act1(self.bn1(self.c1(x)))
        y = F.relu6(self.c2(x))
        y = self.pool(y)
        z = torch.clamp(self.bn3(self.c3(y)) + self.c4(y), 0, 4)   # a residual add with a clamp
        z = self.relu(self.mp(z))                                 # a ReLU after a max pool moves into the add
        z = F.avg_pool2d(z, 1)                                    # a 1x1 average pool: divisor 2^0
        z = F.relu(self.c5(z))
        return self.fc(self.drop(z.reshape(z.size(0), -1)))


def all_ops(seed: int = 0) -> nn.Module:
    """AllOps with random weights and BatchNorm statistics that are not the identity."""
    torch.manual_seed(seed)
    m = AllOps()
    with torch.no_grad():
        for bn in (m.bn1, m.bn3):
            bn.running_mean.uniform_(-0.2, 0.2)
            bn.running_var.uniform_(0.5, 2.0)
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.2, 0.2)
    return m.eval()


def data(name: str = "fashion-mnist"):
    d = SOURCE_DIR / "data" / name
    if not (d / "test_y.npy").exists():
        pytest.skip(f"data/{name} is missing (scripts/fetch_fashion_mnist.sh, scripts/fetch_mnist.sh)")
    return {k: np.load(d / f"{k}.npy") for k in ("train_x", "train_y", "test_x", "test_y", "calib_x")}


def model(name: str, data_name: str = "fashion-mnist") -> nn.Module:
    from lutsim.torch.models import bundled
    if name == "all_ops":
        return all_ops()
    return bundled(name, data_name, SOURCE_DIR / "models")
