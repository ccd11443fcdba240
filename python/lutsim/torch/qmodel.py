"""QuantModel: a traced model as a list of lutsim layers with quantizers, trainable in PyTorch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn

from .modules import QAdd, QAvgPool, QConv, QFlatten, QMaxPool, QStep
from .quantizers import LUTWeightQuantizer
from .scheme import Scheme


@dataclass
class ValueInfo:
    """An edge of the graph: its name, the float model's per-image shape (C, H, W) or (K,), the lutsim dtype
    (u8, s8, s32), and its layout: (C, H, W) when it is a flattened map still in PyTorch's c*H*W + h*W + w order."""
    name: str
    shape: Tuple[int, ...]
    dtype: str = "?"
    gain: float = 1.0
    layout: Optional[Tuple[int, int, int]] = None

    @property
    def hwc(self) -> List[int]:
        if len(self.shape) == 3:
            c, h, w = self.shape
            return [h, w, c]
        return [1, 1, int(np.prod(self.shape))]


@dataclass
class Step:
    """A layer: its module (``QuantModel.layers[i]``), input value indices and output value index."""
    inputs: Tuple[int, ...]
    output: int


class QuantModel(nn.Module):
    """A model prepared for lutsim (:func:`lutsim.torch.prepare`): one module per lutsim layer in forward order.

    ``forward(x)`` takes what the float model takes (float NCHW, real values; the input is rounded to u8 at
    2^input_exponent) and returns real logits. In training mode it is the fake-quantized training forward; in eval
    mode in float64 (``model.double()``) it computes exactly the integers of the exported network, times their
    powers of two. :meth:`quantization` switches the quantizers off, which gives the float model's own outputs
    (BatchNorm folded, average-pool gains moved into the next layer), a check of the graph."""

    def __init__(self, scheme: Scheme, name: str, layers: List[QStep], steps: List[Step], values: List[ValueInfo],
                 input_value: int, output_value: int):
        super().__init__()
        self.scheme = scheme
        self.name = name
        self.layers = nn.ModuleList(layers)
        self.steps = steps
        self.values = values
        self.input_value = input_value
        self.output_value = output_value
        self.quantize_on = True

    # ---- structure -------------------------------------------------------------------------------------------
    def layer_names(self) -> List[str]:
        return [l.layer_name for l in self.layers]

    def convs(self) -> List[QConv]:
        return [l for l in self.layers if isinstance(l, QConv)]

    def layer(self, name: str) -> QStep:
        for l in self.layers:
            if l.layer_name == name:
                return l
        raise KeyError(f"QuantModel '{self.name}' has no layer '{name}' (layers: {', '.join(self.layer_names())})")

    def quantizer_parameters(self) -> Iterator[nn.Parameter]:
        """The exponents and LUT entries (train them with their own learning rate)."""
        for l in self.layers:
            if l.aq is not None:
                yield l.aq.e
            if isinstance(l, QConv):
                yield from l.wq.parameters()

    def model_parameters(self) -> Iterator[nn.Parameter]:
        """Weights, biases and BatchNorm scales and offsets."""
        q = {id(p) for p in self.quantizer_parameters()}
        return (p for p in self.parameters() if id(p) not in q)

    def project_(self) -> None:
        """Keeps trained LUT entries inside s8; call after every optimizer step."""
        for l in self.convs():
            if isinstance(l.wq, LUTWeightQuantizer):
                l.wq.project_()

    # ---- running ---------------------------------------------------------------------------------------------
    def quantization(self, on: bool) -> "QuantModel":
        self.quantize_on = on
        for l in self.layers:
            l.quantize = on
        return self

    def exponents(self) -> Dict[int, Optional[int]]:
        """The integer exponent of every value as the forward uses it now (None: per-channel, not a value's)."""
        e: Dict[int, Optional[int]] = {self.input_value: self.scheme.input_exponent}
        for l, s in zip(self.layers, self.steps):
            if isinstance(l, (QMaxPool, QFlatten)):
                e[s.output] = e[s.inputs[0]]
            elif l.aq is not None:
                e[s.output] = l.aq.exponent()
            else:  # the raw accumulator of a conv/dense: e_x + e_w, with one e_w for the layer
                with torch.no_grad():
                    w_f, _, _ = l.folded(torch.float64)
                    e[s.output] = int(e[s.inputs[0]] + l.wq(w_f).exps[0])
        return e

    def quantize_input(self, x: torch.Tensor) -> torch.Tensor:
        e = self.scheme.input_exponent
        s = 2.0 ** e
        if not self.quantize_on:
            return x
        return torch.clamp(torch.round(x / s), 0, 255) * s

    def run(self, x: torch.Tensor) -> Dict[int, Tuple[torch.Tensor, object]]:
        """Every value of the graph: value index -> (real tensor, exponent)."""
        env: Dict[int, Tuple[torch.Tensor, object]] = {
            self.input_value: (self.quantize_input(x), self.scheme.input_exponent)}
        for l, s in zip(self.layers, self.steps):
            args: List[object] = []
            for i in s.inputs:
                args.extend(env[i])
            env[s.output] = l(*args)
        return env

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.run(x)[self.output_value][0]

    @torch.no_grad()
    def calibrate(self, x: torch.Tensor, batch: int = 512) -> None:
        """Initialises every activation exponent on calibration inputs, in forward order, each on the quantized
        outputs of the layers before it (the first batch of ``x``, at most ``batch`` images)."""
        was = self.training
        self.eval()
        for l in self.layers:
            if l.aq is not None:
                l.aq.calibrated.fill_(False)
        self.run(x[:batch])
        self.train(was)

    def summary(self) -> str:
        e = self.exponents()
        rows = [f"QuantModel '{self.name}': {self.scheme.describe()}"]
        for l, s in zip(self.layers, self.steps):
            v = self.values[s.output]
            extra = ""
            if isinstance(l, QConv):
                extra = f" {l.bits}-bit {type(l.wq).__name__}"
            rows.append(f"  {l.layer_name:<24} {l.kind:<14} -> {v.name} {v.dtype} {list(v.hwc)} e={e[s.output]}"
                        + extra)
        return "\n".join(rows)
