"""Quantizers for training: an activation quantizer with a learned power-of-two exponent, and two weight quantizers
(learned power-of-two exponent on a uniform grid; LUT-aware training with trained s8 LUT entries).

Equations and sources: docs/qat.md and /work/shared/QUANT_METHODS.md sections 1a and 2. Each quantizer returns the
real values its layer computes with and the integers exported for it; both come from one computation, so the
network file holds exactly the integers the forward used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np
import torch
import torch.nn as nn

from .arith import round_hw, round_ste, sign_ste

LN2 = math.log(2.0)


def _constrain(e: torch.Tensor, mode: str) -> torch.Tensor:
    return torch.ceil(e) if mode == "ceil" else torch.round(e)


# ---- Activations ----------------------------------------------------------------------------------------------

class ActQuantizer(nn.Module):
    """u8 or s8 activations ``y = 2^e_c clamp(round_hw(x / 2^e_c), lo, hi)`` with a learned float exponent e.

    ``e_c = ceil(e)`` (or ``round(e)``) enters through the straight-through estimator ``e + stopgrad(e_c - e)``
    (QKeras ``quantized_bits_learnable_po2``, QUANT_METHODS.md 1a), so with ``u = x / 2^e_c`` and ``r =
    round_hw(u)``: ``dy/dx = 1`` where ``lo <= r <= hi`` and 0 elsewhere; ``dy/de = 2^e_c ln2 (r - u)`` inside,
    ``2^e_c ln2 hi`` above, ``2^e_c ln2 lo`` below. ``round_hw`` is the hardware's rounding: the accumulator is
    rounded by rshift_round, so the forward rounds as the machine does. Initialised from calibration data by
    :meth:`calibrate` (the squared-error search of ``lutsim quantize --act-calib mse``).
    """

    def __init__(self, signed: bool, rounding: str, constraint: str = "ceil"):
        super().__init__()
        self.signed = signed
        self.lo, self.hi = (-128, 127) if signed else (0, 255)
        self.rounding = rounding
        self.constraint = constraint
        self.e = nn.Parameter(torch.zeros(()))
        self.register_buffer("calibrated", torch.tensor(False))

    @property
    def dtype_name(self) -> str:
        return "s8" if self.signed else "u8"

    def exponent(self) -> int:
        """The integer exponent the forward uses now."""
        return int(_constrain(self.e.detach(), self.constraint))

    def set_exponent(self, e: int) -> None:
        # Put the float exponent in the middle of the interval that constrains to e, so a small step keeps it.
        with torch.no_grad():
            self.e.fill_(e - 0.5 if self.constraint == "ceil" else float(e))
        self.calibrated.fill_(True)

    @torch.no_grad()
    def calibrate(self, x: torch.Tensor, max_samples: int = 1 << 21) -> int:
        """Sets the exponent to the one in [e_noclip - 6, e_noclip + 1] with the smallest squared error of the
        quantized ``x``; ``e_noclip`` is the finest exponent that clips nothing."""
        v = x.detach().reshape(-1).double()
        if v.numel() > max_samples:
            g = torch.Generator().manual_seed(0)
            v = v[torch.randint(0, v.numel(), (max_samples,), generator=g)]
        peak = float(v.abs().max()) if v.numel() else 0.0
        limit = self.hi if v.numel() == 0 or float(v.max()) >= -float(v.min()) else -self.lo
        if peak <= 0.0:
            self.set_exponent(-8)
            return -8
        e0 = math.ceil(math.log2(peak / limit))
        best, best_err = e0, math.inf
        for e in range(e0 - 6, e0 + 2):
            s = 2.0 ** e
            err = float(((torch.clamp(round_hw(v / s, self.rounding), self.lo, self.hi) * s - v) ** 2).sum())
            if err < best_err:
                best, best_err = e, err
        self.set_exponent(max(-128, min(127, best)))
        return best

    def forward(self, x: torch.Tensor):
        if not bool(self.calibrated):
            self.calibrate(x)
        e_c = _constrain(self.e.detach(), self.constraint)
        e_used = self.e + (e_c - self.e).detach()
        s = torch.pow(2.0, e_used).to(x.dtype)
        q = torch.clamp(round_ste(x / s, self.rounding), self.lo, self.hi)
        return q * s, int(e_c)

    def extra_repr(self) -> str:
        return f"{self.dtype_name}, rounding={self.rounding}, e={self.exponent()}"


# ---- Weights ----------------------------------------------------------------------------------------------------

@dataclass
class WeightQ:
    """A quantized weight tensor: the real values ``wq`` the layer computes with, the integer exponents ``exps``
    (one per layer or per output channel, as floats holding integers) and what is exported: ``codes`` into ``lut``
    (s8 entries ``[L, 2^b]``) for b <= 4, or the raw s8 integers ``raw`` for b = 8."""
    wq: torch.Tensor
    exps: torch.Tensor
    codes: Optional[torch.Tensor] = None
    lut: Optional[torch.Tensor] = None
    raw: Optional[torch.Tensor] = None


def _rows(w: torch.Tensor) -> torch.Tensor:
    return w.reshape(w.shape[0], -1)


def _bshape(v: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """A per-layer [1] or per-channel [O] vector shaped to broadcast against weights [O, ...]."""
    return v.reshape((-1,) + (1,) * (w.dim() - 1))


def uniform_levels(bits: int):
    """The narrow symmetric grid of QKeras (qn = qp = 2^(b-1) - 1: 4-bit is -7..7, 8-bit -127..127); 1 bit is the
    binary grid {-1, +1}, since the narrow 1-bit grid would be {0} alone."""
    if bits == 1:
        return -1, 1
    q = 2 ** (bits - 1) - 1
    return -q, q


class PO2WeightQuantizer(nn.Module):
    """Uniform-grid weights with a learned power-of-two step (QKeras 1a):
    ``wq = 2^e_c clamp(round(w / 2^e_c), -qn, qp)``, e per layer or per output channel, with the same STE and
    gradients as :class:`ActQuantizer` (``dwq/de = 2^e_c ln2 (round(u) - u)`` inside, ``2^e_c ln2 qp`` above,
    ``-2^e_c ln2 qn`` below). ``round`` is torch.round (half to even, QKeras's rint): weights are exported integers.
    The constraint ``msqe`` (QKeras's default) takes floor(e) or ceil(e), whichever gives the smaller squared
    error on the current weights (unweighted: QKeras's second-moment weighting is not built). 1 bit: the binary
    grid ``2^e_c sign(w)``, gradient to w where |u| <= 1. Exported as codes into a per-layer LUT of the grid's
    integers (b <= 4) or as raw s8 (b = 8)."""

    def __init__(self, bits: int, channels: int, per_channel: bool, constraint: str = "msqe"):
        super().__init__()
        self.bits = bits
        self.lo, self.hi = uniform_levels(bits)
        self.constraint = constraint
        self.e = nn.Parameter(torch.zeros(channels if per_channel else 1))

    def _q(self, u: torch.Tensor) -> torch.Tensor:
        if self.bits == 1:
            return sign_ste(u)
        return torch.clamp(round_ste(u, "half_even"), self.lo, self.hi)

    @torch.no_grad()
    def _msqe(self, w: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        s = torch.pow(2.0, _bshape(e, w)).to(w.dtype)
        err = (self._q(w / s) * s - w) ** 2
        return _rows(err).sum(1) if e.numel() > 1 else err.sum().reshape(1)

    @torch.no_grad()
    def exponents(self, w: torch.Tensor) -> torch.Tensor:
        e = self.e.detach()
        if self.constraint != "msqe":
            return _constrain(e, self.constraint)
        lo, hi = torch.floor(e), torch.ceil(e)
        return torch.where(self._msqe(w, lo) < self._msqe(w, hi), lo, hi)

    @torch.no_grad()
    def calibrate(self, w: torch.Tensor) -> None:
        """Sets each exponent to the integer with the least squared weight error, searched from the one that
        clips nothing down to 7 finer ones. A channel far smaller than its layer (a dead one) is searched from
        10 octaves below the layer's: a finer exponent would need a shift outside [-15, 31]."""
        peak = _rows(w.detach().abs()).max(1).values.double()
        peak = torch.clamp(peak, min=2.0 ** -40)
        e_layer = torch.ceil(torch.log2(peak.max() / self.hi))
        if self.e.numel() == 1:
            peak = peak.max().reshape(1)
        e0 = torch.clamp(torch.ceil(torch.log2(peak / self.hi)), min=float(e_layer) - 10)
        best, best_err = e0.clone(), torch.full_like(e0, math.inf)
        for d in range(-7, 2):
            cand = e0 + d
            err = self._msqe(w.detach().double(), cand).double()
            better = err < best_err
            best = torch.where(better, cand, best)
            best_err = torch.where(better, err, best_err)
        self.e.copy_(best.to(self.e.dtype))

    def forward(self, w: torch.Tensor) -> WeightQ:
        e_c = self.exponents(w)
        e_used = self.e + (e_c - self.e).detach()
        s = torch.pow(2.0, _bshape(e_used, w)).to(w.dtype)
        q = self._q(w / s)
        wq = q * s
        qi = q.detach().round().to(torch.int64)
        if self.bits == 8:
            return WeightQ(wq, e_c, raw=qi)
        size = 2 ** self.bits
        levels = list(range(self.lo, self.hi + 1, 2 if self.bits == 1 else 1))
        levels += [levels[-1]] * (size - len(levels))  # an unused last entry (4-bit: -7..7 is 15 of 16)
        lut = torch.tensor([levels], dtype=torch.int64)
        codes = (qi > 0).to(torch.int64) if self.bits == 1 else qi - self.lo
        return WeightQ(wq, e_c, codes=codes, lut=lut)

    def extra_repr(self) -> str:
        return f"bits={self.bits}, grid=[{self.lo}, {self.hi}], exponents={self.e.numel()}"


def kmeans_s8(u: np.ndarray, k: int, iters: int = 30) -> np.ndarray:
    """Lloyd's 1-D k-means of ``u`` into k centroids, rounded to integers in [-128, 127] and sorted, then one
    rounded Lloyd pass (lutsim quantize's LUT fit, docs/quantization.md). Centroids start at the (i + 1/2) / k
    quantiles."""
    u = np.sort(np.asarray(u, dtype=np.float64).reshape(-1))
    c = np.quantile(u, (np.arange(k) + 0.5) / k)

    def step(c: np.ndarray) -> np.ndarray:
        c = np.sort(c)
        edges = (c[1:] + c[:-1]) / 2
        idx = np.searchsorted(edges, u)
        sums = np.bincount(idx, weights=u, minlength=k)
        counts = np.bincount(idx, minlength=k)
        return np.where(counts > 0, sums / np.maximum(counts, 1), c)

    for _ in range(iters):
        c = step(c)
    c = np.clip(np.round(c), -128, 127)
    c = np.clip(np.round(step(c)), -128, 127)
    return np.sort(c)


class LUTWeightQuantizer(nn.Module):
    """LUT-aware training (QUANT_METHODS.md section 2, a reconstruction; Vandersteegen et al. 2021, LUT-Q).

    Float shadow weights w, a fixed power-of-two exponent e_w per layer or per output channel (the finest that
    keeps the weights inside s8), and a float shadow LUT l ``[L, 2^b]`` used as ``LUT = clamp(round(l), -128, 127)``
    with an STE. Forward: ``c_i = argmin_j |w_i / 2^e_w - LUT[k][j]|`` (ties to the lower index),
    ``wq_i = 2^e_w LUT[k][c_i]``. Backward: ``dL/dw_i = dL/dwq_i`` (0 outside [min LUT - 1/2, max LUT + 1/2] with
    ``mask``), ``dL/dl[k, j] = sum_{i: c_i = j} 2^e_w dL/dwq_i``. The LUT starts as the k-means fit of
    ``w / 2^e_w`` on the s8 grid."""

    def __init__(self, bits: int, channels: int, per_channel_lut: bool, per_channel_shift: bool, mask: bool = True):
        super().__init__()
        self.bits = bits
        self.mask = mask
        self.lut_f = nn.Parameter(torch.zeros(channels if per_channel_lut else 1, 2 ** bits))
        self.register_buffer("e_w", torch.zeros(channels if per_channel_shift else 1))

    @torch.no_grad()
    def calibrate(self, w: torch.Tensor) -> None:
        peak = torch.clamp(_rows(w.detach().abs()).max(1).values.double(), min=2.0 ** -40)
        e_layer = torch.ceil(torch.log2(peak.max() / 127.0))
        if self.e_w.numel() == 1:
            e = e_layer.reshape(1)
        else:
            # A channel far smaller than the layer would need a shift outside [-15, 31]: 10 octaves below is
            # plenty for its LUT entries.
            e = torch.clamp(torch.ceil(torch.log2(peak / 127.0)), min=float(e_layer) - 10, max=float(e_layer))
        self.e_w.copy_(e.to(self.e_w.dtype))
        u = (w.detach().double() / torch.pow(2.0, _bshape(e, w))).cpu().numpy().reshape(w.shape[0], -1)
        k = 2 ** self.bits
        if self.lut_f.shape[0] == 1:
            self.lut_f.copy_(torch.from_numpy(kmeans_s8(u, k)).reshape(1, k).to(self.lut_f.dtype))
        else:
            self.lut_f.copy_(torch.from_numpy(np.stack([kmeans_s8(r, k) for r in u])).to(self.lut_f.dtype))

    @torch.no_grad()
    def project_(self) -> None:
        """Keeps the shadow LUT inside the s8 range (call after an optimizer step)."""
        self.lut_f.clamp_(-128.0, 127.0)

    def forward(self, w: torch.Tensor) -> WeightQ:
        o = w.shape[0]
        s = torch.pow(2.0, _bshape(self.e_w, w)).to(w.dtype)
        lut = torch.clamp(round_ste(self.lut_f.to(w.dtype), "half_even"), -128, 127)
        rows = lut.expand(o, lut.shape[1]) if lut.shape[0] == 1 else lut
        u = _rows((w / s).detach())
        codes = torch.argmin((u[:, :, None] - rows.detach()[:, None, :]).abs(), dim=2)
        wq = torch.gather(rows, 1, codes).reshape(w.shape) * s
        ste = w - w.detach()
        if self.mask:
            lo = rows.detach().min(1).values[:, None] - 0.5
            hi = rows.detach().max(1).values[:, None] + 0.5
            ste = ste * ((u >= lo) & (u <= hi)).to(w.dtype).reshape(w.shape)
        return WeightQ(wq + ste, self.e_w.detach().clone(), codes=codes.reshape(w.shape),
                       lut=lut.detach().round().to(torch.int64))

    def extra_repr(self) -> str:
        return (f"bits={self.bits}, luts={self.lut_f.shape[0]}, exponents={self.e_w.numel()}, "
                f"ste_mask={self.mask}")
