"""check_parity(): integer_forward against lutsim's golden model, value by value, naming the first mismatch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from .. import HwConfig, Network, _hw, _lutsim
from .intexec import LayerCounts


@dataclass
class Mismatch:
    """The first value (in layer order) where the two differ: layer, value, coordinate (n, y, x, c), both values."""
    layer: str
    value: str
    coordinate: Tuple[int, int, int, int]
    lutsim: int
    torch: int
    differing: int

    def __str__(self) -> str:
        return (f"layer '{self.layer}' (value '{self.value}') differs at (n, y, x, c) = {self.coordinate}: "
                f"lutsim {self.lutsim}, integer_forward {self.torch} ({self.differing} elements differ)")


@dataclass
class ParityResult:
    """``first_mismatch``: the first differing value, or None. ``count_mismatch``: the first layer whose wraps or
    clamp counts (docs/arithmetic.md §11) differ from those lutsim's golden model reports, or None."""
    images: int
    values_compared: int
    elements_compared: int
    first_mismatch: Optional[Mismatch]
    counts: Dict[str, LayerCounts]
    count_mismatch: Optional[str] = None

    @property
    def equal(self) -> bool:
        return self.first_mismatch is None and self.count_mismatch is None

    def totals(self) -> LayerCounts:
        t = LayerCounts()
        for c in self.counts.values():
            for k in vars(t):
                setattr(t, k, getattr(t, k) + getattr(c, k))
        return t

    def __str__(self) -> str:
        t = self.totals()
        head = (f"{self.images} images, {self.values_compared} values, {self.elements_compared} elements "
                f"(wraps {t.wraps}, rounding ties {t.ties}, clamps {t.clamped_low + t.clamped_high})")
        if self.equal:
            return f"bit-exact: {head}, the counts equal lutsim's"
        return f"MISMATCH: {self.first_mismatch or self.count_mismatch}; {head}"


def check_parity(model, x: np.ndarray, net: Optional[Network] = None,
                 hw: Union[None, str, HwConfig] = None, batch: int = 500) -> ParityResult:
    """Runs ``x`` (u8 NHWC) through lutsim's golden model on ``net`` (exported from ``model`` when not given) and
    through :func:`integer_forward` on ``model``, ``batch`` images at a time, and compares every value of the
    network, in layer order; the first mismatch is the first differing layer of the first batch that has one."""
    from .export import export, network_graph
    from .intexec import execute
    from .qmodel import QuantModel
    if net is None:
        net = export(model) if isinstance(model, QuantModel) else model
    h = _hw(hw) if hw is not None else (model.scheme.hw if isinstance(model, QuantModel) else _hw(None))
    graph, params = network_graph(model) if isinstance(model, QuantModel) else (model.graph, model.params)
    order = [(l.name, l.output) for l in net.layers]
    counts: Dict[str, LayerCounts] = {}
    theirs: Dict[str, Dict[str, int]] = {}
    n_el = 0
    for start in range(0, len(x), batch):
        xb = np.ascontiguousarray(x[start:start + batch])
        # lutsim.run without the wrapper, which drops the per-layer statistics (§11) the engine returns.
        _, golden, _, stats = _lutsim.run(net._native, xb, "golden", h._native, 1, True)
        for s in stats:
            t = theirs.setdefault(s["name"], {k: 0 for k in ("outputs", "wraps", "clamped_low", "clamped_high")})
            for k in t:
                t[k] += int(s[k])
        mine = execute(graph, params, xb, int(h.acc_bits), str(h.rounding), return_values=True)
        for name, c in mine.counts.items():
            t = counts.setdefault(name, LayerCounts())
            for k in vars(t):
                setattr(t, k, getattr(t, k) + getattr(c, k))
        for lname, vname in order:
            a = np.asarray(golden[vname]).astype(np.int64)
            b = mine.values[vname]
            if a.shape != b.shape:
                return ParityResult(len(x), len(order), n_el, Mismatch(lname, vname, (-1, -1, -1, -1), -1, -1, -1),
                                    counts)
            n_el += a.size
            diff = a != b
            if diff.any():
                idx = tuple(int(i) for i in np.argwhere(diff)[0])
                m = Mismatch(lname, vname, (idx[0] + start,) + idx[1:], int(a[idx]), int(b[idx]), int(diff.sum()))
                return ParityResult(len(x), len(order), n_el, m, counts)
    bad = None
    for lname, _ in order:
        mine_c, t = counts[lname], theirs[lname]
        diff = [f"{k} {getattr(mine_c, k)} vs lutsim's {t[k]}" for k in t if getattr(mine_c, k) != t[k]]
        if diff:
            bad = f"layer '{lname}': integer_forward counts " + ", ".join(diff)
            break
    return ParityResult(len(x), len(order), n_el, None, counts, bad)


# ---- random schemes and random integers, for the parity test and scripts/qat_parity.py -------------------------

ACC_BITS = (16, 24, 32)
ROUNDINGS = ("half_up", "half_even", "floor")
GRIDS = ("lut-per-layer", "lut-per-channel", "uniform")
SHIFTS = ("per-layer", "per-channel")
WIDTHS = (1, 2, 3, 4, 8)


def random_schemes(n: int, models: Sequence[str], seed: int = 2026) -> List[Dict[str, object]]:
    """``n`` schemes from the 270 combinations of A, rounding, grid, shift and bits: A cycles with period 3, the
    rounding mode with period 9, the bits with period 5 and the model with period len(models), so every level of
    each appears once n >= 9; grid and shift are drawn with ``seed``, as is each scheme's own seed."""
    rng = np.random.default_rng(seed)
    return [dict(model=models[i % len(models)], acc_bits=ACC_BITS[i % 3], rounding=ROUNDINGS[(i // 3) % 3],
                 grid=GRIDS[int(rng.integers(3))], shift=SHIFTS[int(rng.integers(2))], bits=WIDTHS[i % 5],
                 seed=int(rng.integers(1 << 30))) for i in range(n)]


def perturb(qm, seed: int) -> None:
    """Moves a prepared model's integers off their calibrated values at random: each activation exponent and each
    uniform-grid weight exponent by -1, 0 or +1, each LUT entry by a normal step of 3 (then clipped to s8)."""
    import torch
    from .quantizers import LUTWeightQuantizer, PO2WeightQuantizer
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for l in qm.layers:
            if l.aq is not None:
                l.aq.set_exponent(l.aq.exponent() + int(torch.randint(-1, 2, (1,), generator=g)))
            wq = getattr(l, "wq", None)
            if isinstance(wq, LUTWeightQuantizer):
                wq.lut_f.add_(torch.randn(wq.lut_f.shape, generator=g) * 3).clamp_(-128, 127)
            elif isinstance(wq, PO2WeightQuantizer):
                wq.e.add_(torch.randint(-1, 2, wq.e.shape, generator=g).to(wq.e.dtype))
