"""A small training loop for a QuantModel on u8 NHWC image data (what ``python3 -m lutsim.qat`` runs)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional

import numpy as np
import torch
import torch.nn.functional as F

from .models import to_float
from .qmodel import QuantModel


@dataclass
class TrainConfig:
    steps: int
    batch: int = 64
    lr: float = 5e-4          # weights, biases, BatchNorm: Adam, cosine decay to 0
    exp_lr: float = 1e-2      # float exponents (each step moves one by about this much)
    lut_lr: float = 5e-2      # shadow LUT entries, in units of the s8 grid
    weight_decay: float = 0.0
    augment: str = "none"     # "flip" (Fashion-MNIST: whole batches mirrored), "shift" (MNIST: +-2 pixels)
    seed: int = 0
    log_every: int = 100


@dataclass
class TrainLog:
    losses: List[float] = field(default_factory=list)
    seconds: float = 0.0


def _groups(qm: QuantModel, cfg: TrainConfig):
    luts, exps = [], []
    for p in qm.quantizer_parameters():
        (luts if p.dim() == 2 else exps).append(p)
    groups = [{"params": list(qm.model_parameters()), "lr": cfg.lr, "weight_decay": cfg.weight_decay},
              {"params": exps, "lr": cfg.exp_lr, "weight_decay": 0.0}]
    if luts:
        groups.append({"params": luts, "lr": cfg.lut_lr, "weight_decay": 0.0})
    return groups


def train(qm: QuantModel, x: np.ndarray, y: np.ndarray, cfg: TrainConfig,
          progress: Optional[Callable[[int, int, float, float], None]] = None) -> TrainLog:
    """Trains ``qm`` for ``cfg.steps`` steps of ``cfg.batch`` images drawn without replacement (epoch by epoch) from
    u8 NHWC ``x`` with int labels ``y``, on cross-entropy of the real logits. ``progress(step, steps, loss,
    seconds)`` is called every ``log_every`` steps and at the end."""
    g = torch.Generator().manual_seed(cfg.seed)
    opt = torch.optim.Adam(_groups(qm, cfg))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: 0.5 * (1 + math.cos(math.pi * min(i, cfg.steps) /
                                                                               max(cfg.steps, 1))))
    e_in = qm.scheme.input_exponent
    labels = torch.from_numpy(np.asarray(y).astype(np.int64))
    log = TrainLog()
    t0 = time.time()
    perm = torch.randperm(len(x), generator=g)
    pos = 0
    qm.train()
    for step in range(1, cfg.steps + 1):
        if pos + cfg.batch > len(x):
            perm, pos = torch.randperm(len(x), generator=g), 0
        idx = perm[pos:pos + cfg.batch]
        pos += cfg.batch
        xb = to_float(x[idx.numpy()], e_in)
        if cfg.augment == "flip" and int(torch.randint(0, 2, (1,), generator=g)):
            xb = torch.flip(xb, dims=(3,))
        elif cfg.augment == "shift":
            dx, dy = (int(v) for v in torch.randint(-2, 3, (2,), generator=g))
            xb = torch.roll(xb, shifts=(dy, dx), dims=(2, 3))
        loss = F.cross_entropy(qm(xb), labels[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        qm.project_()
        log.losses.append(float(loss))
        if progress is not None and (step % cfg.log_every == 0 or step == cfg.steps):
            progress(step, cfg.steps, float(np.mean(log.losses[-cfg.log_every:])), time.time() - t0)
    log.seconds = time.time() - t0
    qm.eval()
    return log


@torch.no_grad()
def accuracy(model: torch.nn.Module, x: np.ndarray, y: np.ndarray, exponent: int = -8, batch: int = 1000) -> float:
    """Top-1 accuracy of a float or fake-quantized model (eval mode) on u8 NHWC images."""
    was = model.training
    model.eval()
    correct = 0
    for i in range(0, len(x), batch):
        correct += int((model(to_float(x[i:i + batch], exponent)).argmax(1).numpy() == y[i:i + batch]).sum())
    model.train(was)
    return correct / max(len(x), 1)
