"""The layers of a prepared model, one per lutsim layer: conv/dense (with a folded BatchNorm and a fused clamp),
max pool, average pool, global average pool, add, flatten.

Every layer's forward takes and returns ``(tensor, exponent)``: real values that are integers times 2^exponent.
In float64 every operation below is exact for the integers the contract allows (docs/arithmetic.md), so the float64
eval-mode forward computes exactly what the exported network computes; tests/test_qat_parity.py holds it to that.
In float32 (training) it is the same computation, rounded.
"""

from __future__ import annotations

import math
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .arith import round_hw, round_ste, wrap_real
from .quantizers import ActQuantizer, WeightQ

S32_MIN, S32_MAX = -(2 ** 31), 2 ** 31 - 1


def _per_channel(v: torch.Tensor, dims: int) -> torch.Tensor:
    """A vector over output channels shaped to broadcast against [N, O] (dims 2) or [N, O, H, W] (dims 4)."""
    return v.reshape((1, -1) + (1,) * (dims - 2))


class QStep(nn.Module):
    """A layer with an optional fused clamp (ReLU, ReLU6, Hardtanh) and an optional output quantizer."""

    kind = "?"

    def __init__(self, name: str):
        super().__init__()
        self.layer_name = name
        self.act_lo: Optional[float] = None
        self.act_hi: Optional[float] = None
        self.aq: Optional[ActQuantizer] = None
        self.quantize = True   # False: the float model's arithmetic (no quantizer, no wrap), for checking the graph

    def activate(self, lo: Optional[float], hi: Optional[float]) -> None:
        if lo is not None:
            self.act_lo = lo if self.act_lo is None else max(self.act_lo, lo)
        if hi is not None:
            self.act_hi = hi if self.act_hi is None else min(self.act_hi, hi)

    @property
    def activation(self) -> str:
        if self.act_lo is None and self.act_hi is None:
            return "none"
        return f"clamp[{self.act_lo}, {self.act_hi}]"

    def _finish(self, v: torch.Tensor, e_acc) -> Tuple[torch.Tensor, object]:
        if self.act_lo is not None or self.act_hi is not None:
            v = torch.clamp(v, min=self.act_lo, max=self.act_hi)
        if self.aq is None or not self.quantize:
            return v, e_acc
        return self.aq(v)

    def clamp_ints(self, e_y: int, rounding: str) -> Tuple[int, int]:
        """act_min, act_max of the exported layer: the dtype's range met with the fused clamp's bounds rounded as
        the machine rounds (rounding is monotone, so round(clamp(u, a, b)) = clamp(round(u), round(a), round(b))
        and the exported clamp equals the training forward's)."""
        assert self.aq is not None
        lo, hi = self.aq.lo, self.aq.hi
        s = 2.0 ** e_y
        if self.act_lo is not None:
            lo = max(lo, int(round_hw(torch.tensor(self.act_lo / s, dtype=torch.float64), rounding)))
        if self.act_hi is not None:
            hi = min(hi, int(round_hw(torch.tensor(self.act_hi / s, dtype=torch.float64), rounding)))
        return lo, hi


class QConv(QStep):
    """Conv2d or Linear, with an optional BatchNorm2d folded in (QKeras ``ema_stats_folding``).

    Training before the freeze step: batch statistics of the float conv (unquantized weights) update the moving
    ones; the weights are folded with the moving statistics, ``w_f = w gamma / sqrt(var_m + eps)``, quantized, and
    the conv output is corrected by ``sqrt(var_m + eps) / sqrt(var_b + eps)`` with the bias folded from the batch
    statistics, so the output is the batch-normalised one. From the freeze step on, and in eval mode, only the
    moving statistics: ``b_f = (b - mean_m) gamma / sqrt(var_m + eps) + beta``, and the forward is the exported
    arithmetic. The bias is quantized to the accumulator grid 2^(e_x + e_w) (s32), the accumulator wraps at A bits.
    """

    kind = "conv"

    def __init__(self, name: str, module: nn.Module, dense: bool, pads: Tuple[int, int, int, int]):
        super().__init__(name)
        self.dense = dense
        w = module.weight.detach().clone()
        self.weight = nn.Parameter(w)
        b = module.bias.detach().clone() if module.bias is not None else torch.zeros(w.shape[0], dtype=w.dtype)
        self.bias = nn.Parameter(b)
        if dense:
            self.stride, self.dilation, self.groups = (1, 1), (1, 1), 1
        else:
            self.stride, self.dilation, self.groups = tuple(module.stride), tuple(module.dilation), module.groups
        self.pads = pads   # top, left, bottom, right
        self.gain_in = 1.0  # the input value holds gain_in times the float model's value (an average pool's n / 2^p)
        self.flatten_chw: Optional[Tuple[int, int, int]] = None  # a dense layer after a flatten of a C x H x W map
        self.bn: Optional[nn.Module] = None
        self.bn_freeze_step: Optional[int] = 0
        self.register_buffer("steps", torch.zeros((), dtype=torch.int64))
        self.wq: Optional[nn.Module] = None
        self.bits = 0
        self.acc_bits = 32
        self.wrap = True

    @property
    def out_channels(self) -> int:
        return self.weight.shape[0]

    def attach_bn(self, bn: nn.BatchNorm2d) -> None:
        self.bn = nn.Module()
        c = bn.num_features
        self.bn.weight = nn.Parameter(bn.weight.detach().clone() if bn.affine else torch.ones(c))
        self.bn.bias = nn.Parameter(bn.bias.detach().clone() if bn.affine else torch.zeros(c))
        if not bn.affine:
            self.bn.weight.requires_grad_(False)
            self.bn.bias.requires_grad_(False)
        self.bn.register_buffer("running_mean", bn.running_mean.detach().clone())
        self.bn.register_buffer("running_var", bn.running_var.detach().clone())
        self.bn.eps = bn.eps
        self.bn.momentum = bn.momentum if bn.momentum is not None else 0.1

    def _conv(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        if self.dense:
            return F.linear(x, w)
        t, l, b, r = self.pads
        if t == b and l == r:
            return F.conv2d(x, w, None, self.stride, (t, l), self.dilation, self.groups)
        return F.conv2d(F.pad(x, (l, r, t, b)), w, None, self.stride, 0, self.dilation, self.groups)

    @property
    def bn_frozen(self) -> bool:
        return self.bn_freeze_step is not None and int(self.steps) >= self.bn_freeze_step

    def folded(self, dtype: torch.dtype, x: Optional[torch.Tensor] = None):
        """Weights and bias with the BatchNorm folded in, and the batch-statistics correction (or None)."""
        w = self.weight.to(dtype) / self.gain_in
        b = self.bias.to(dtype)
        if self.bn is None:
            return w, b, None
        bn = self.bn
        gamma, beta = bn.weight.to(dtype), bn.bias.to(dtype)
        corr = None
        if self.training and x is not None and not self.bn_frozen:
            with torch.no_grad():
                y = self._conv(x.detach(), w.detach().to(x.dtype)) + _per_channel(b.detach().to(x.dtype), x.dim())
                dims = [0] if y.dim() == 2 else [0, 2, 3]
                n = y.numel() // y.shape[1]
                mean = y.mean(dims).to(dtype)
                var = y.var(dims, unbiased=False).to(dtype)
                m = bn.momentum
                bn.running_mean.mul_(1 - m).add_(m * mean.to(bn.running_mean.dtype))
                bn.running_var.mul_(1 - m).add_(m * (var * n / max(n - 1, 1)).to(bn.running_var.dtype))
            # The batch statistics are constants here, as the BatchNorm's are not: the gradient through them is
            # left out (QKeras computes them in the graph; a first, simple version).
            inv_b = gamma / torch.sqrt(var + bn.eps)
            b_f = (b - mean) * inv_b + beta
            corr = torch.sqrt(bn.running_var.to(dtype) + bn.eps) / torch.sqrt(var + bn.eps)
        inv = gamma / torch.sqrt(bn.running_var.to(dtype) + bn.eps)
        w_f = w * inv.reshape((-1,) + (1,) * (w.dim() - 1))
        if corr is None:
            b_f = (b - bn.running_mean.to(dtype)) * inv + beta
        return w_f, b_f, corr

    def quantized(self, e_x: int, x: Optional[torch.Tensor] = None):
        """(WeightQ, integer bias as a float tensor, accumulator unit 2^(e_x + e_w) per channel, correction).

        Always in float64, whatever the forward's dtype, so that the codes (nearest LUT entries) and integer
        biases are the ones export computes by construction: folded in float32, a weight in the middle of two
        entries or a bias near a half could round the other way (none did on the bundled models). The results,
        integers times powers of two, are exact in float32 as well."""
        w_f, b_f, corr = self.folded(torch.float64, x)
        q: WeightQ = self.wq(w_f)
        unit = torch.pow(2.0, (e_x + q.exps).to(torch.float64)).expand(self.out_channels)
        b_int = torch.clamp(round_ste(b_f / unit, "half_even"), S32_MIN, S32_MAX)
        return q, b_int, unit, corr

    def forward(self, x: torch.Tensor, e_x: int):
        if self.training and self.bn is not None:
            self.steps += 1
        if not self.quantize:
            w_f, b_f, corr = self.folded(x.dtype, x)
            acc = self._conv(x, w_f)
            if corr is not None:
                acc = acc * _per_channel(corr, acc.dim())
            return self._finish(acc + _per_channel(b_f, acc.dim()), None)
        q, b_int, unit, corr = self.quantized(e_x, x)
        dt = x.dtype
        acc = self._conv(x, q.wq.to(dt))
        if corr is not None:
            acc = acc * _per_channel(corr.to(dt), acc.dim())
        acc = acc + _per_channel((b_int * unit).to(dt), acc.dim())
        if self.wrap:
            acc = wrap_real(acc, _per_channel(unit.to(dt), acc.dim()), self.acc_bits)
        e_acc = int(e_x + q.exps[0]) if q.exps.numel() == 1 else None
        return self._finish(acc, e_acc)

    def extra_repr(self) -> str:
        kind = "dense" if self.dense else f"conv stride={self.stride} dilation={self.dilation} groups={self.groups}"
        return (f"'{self.layer_name}': {kind}, pads={self.pads}, bn={'folded' if self.bn is not None else 'none'}, "
                f"act={self.activation}, bits={self.bits}")


class QMaxPool(QStep):
    kind = "maxpool"

    def __init__(self, name: str, kernel, stride, padding, dilation):
        super().__init__(name)
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation

    def forward(self, x: torch.Tensor, e_x):
        # F.max_pool2d pads with -infinity: pad positions never win, as in lutsim (§7).
        return F.max_pool2d(x, self.kernel, self.stride, self.padding, self.dilation), e_x

    def extra_repr(self) -> str:
        return f"'{self.layer_name}': kernel={self.kernel}, stride={self.stride}, padding={self.padding}"


class QAvgPool(QStep):
    """Average pool (global when ``kernel`` is None): the window sum divided by 2^p, p = round(log2 n) for n window
    positions; the value then holds n / 2^p times the average, which the next conv/dense divides out of its
    weights (``gain``). Pad positions count 0 and n counts them (count_include_pad), as lutsim's pool does."""

    def __init__(self, name: str, n: int, kernel=None, stride=None, padding=(0, 0)):
        super().__init__(name)
        self.kind = "global_avgpool" if kernel is None else "avgpool"
        self.n = n
        self.p = int(round(math.log2(n)))
        self.kernel, self.stride, self.padding = kernel, stride, padding

    @property
    def gain(self) -> float:
        return self.n / 2.0 ** self.p

    def forward(self, x: torch.Tensor, e_x):
        if self.kernel is None:
            v = x.sum((2, 3), keepdim=True)
        else:
            v = F.avg_pool2d(x, self.kernel, self.stride, self.padding, divisor_override=1)
        return self._finish(v * 2.0 ** -self.p, None)

    def extra_repr(self) -> str:
        return f"'{self.layer_name}': {self.kind}, n={self.n}, divisor 2^{self.p}, act={self.activation}"


class QAdd(QStep):
    """The sum of two values, aligned to the finer exponent (la, lb), rounded to the output exponent."""

    kind = "add"

    def forward(self, a: torch.Tensor, e_a, b: torch.Tensor, e_b):
        return self._finish(a + b, None)

    def extra_repr(self) -> str:
        return f"'{self.layer_name}': act={self.activation}"


class QFlatten(QStep):
    kind = "reshape"

    def forward(self, x: torch.Tensor, e_x):
        return torch.flatten(x, 1), e_x

    def extra_repr(self) -> str:
        return f"'{self.layer_name}'"
