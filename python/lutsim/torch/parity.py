"""check_parity(): integer_forward against lutsim's golden model, value by value, naming the first mismatch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple, Union

import numpy as np

from .. import HwConfig, Network, _hw, run
from .intexec import LayerCounts, integer_forward


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
    images: int
    values_compared: int
    elements_compared: int
    first_mismatch: Optional[Mismatch]
    counts: Dict[str, LayerCounts]

    @property
    def equal(self) -> bool:
        return self.first_mismatch is None

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
        return f"bit-exact: {head}" if self.equal else f"MISMATCH: {self.first_mismatch}; {head}"


def check_parity(model, x: np.ndarray, net: Optional[Network] = None,
                 hw: Union[None, str, HwConfig] = None) -> ParityResult:
    """Runs ``x`` (u8 NHWC) through lutsim's golden model on ``net`` (exported from ``model`` when not given) and
    through :func:`integer_forward` on ``model``, and compares every value of the network, in layer order."""
    from .export import export
    from .qmodel import QuantModel
    if net is None:
        net = export(model) if isinstance(model, QuantModel) else model
    h = _hw(hw) if hw is not None else (model.scheme.hw if isinstance(model, QuantModel) else _hw(None))
    _, golden = run(net, x, hw=h, return_values=True)
    mine = integer_forward(model, x, hw=h, return_run=True)
    n_el = 0
    first = None
    order = [(l.name, l.output) for l in net.layers]
    for lname, vname in order:
        a = np.asarray(golden[vname]).astype(np.int64)
        b = mine.values[vname]
        if a.shape != b.shape:
            first = Mismatch(lname, vname, (-1, -1, -1, -1), -1, -1, -1)
            break
        n_el += a.size
        diff = a != b
        if diff.any():
            idx = tuple(int(i) for i in np.argwhere(diff)[0])
            first = Mismatch(lname, vname, idx, int(a[idx]), int(b[idx]), int(diff.sum()))
            break
    return ParityResult(len(x), len(order), n_el, first, mine.counts)
