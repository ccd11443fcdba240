"""integer_forward(): a lutsim network's integer arithmetic in PyTorch, from its graph and parameter arrays.

This shares no code with lutsim's C++ engines: it is the contract of docs/arithmetic.md written again with torch
operations, in int64 (and float64 for the convolutions, exact below 2^53: a u8 x s8 product is at most 32,640, so
any conv of lutsim's sizes stays far below). Values are held as NCHW int64 tensors; a dense layer is a 1x1 conv of
a [N, K, 1, 1] map; a reshape goes through NHWC order, as lutsim's does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F

from .. import HwConfig, Network, _hw
from .arith import rshift_round, ties, wrap


@dataclass
class LayerCounts:
    """Per layer over the batch: outputs, wraps (§11), exact rshift ties (where the rounding modes differ),
    clamped low and high."""
    outputs: int = 0
    wraps: int = 0
    ties: int = 0
    clamped_low: int = 0
    clamped_high: int = 0


@dataclass
class IntegerRun:
    output: np.ndarray                              # NHWC int64, the network output
    values: Dict[str, np.ndarray] = field(default_factory=dict)   # every value, NHWC int64 (return_values)
    counts: Dict[str, LayerCounts] = field(default_factory=dict)  # per layer


def _nchw(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(x)).to(torch.int64).permute(0, 3, 1, 2)


def _weights(layer: Mapping[str, Any], params: Mapping[str, np.ndarray]) -> torch.Tensor:
    """Decoded integer weights in torch's [O, I, KH, KW]: LUT[row of o][code] for b <= 4, raw s8 for b = 8."""
    w = np.asarray(params[layer["name"] + ".weights"]).astype(np.int64)
    if layer["weight_bits"] <= 4:
        lut = np.asarray(params[layer["name"] + ".lut"]).astype(np.int64)
        rows = np.arange(w.shape[0]) if layer["lut_mode"] == "per_channel" else np.zeros(w.shape[0], np.int64)
        w = lut[rows[:, None, None, None], w]
    return torch.from_numpy(w).permute(0, 3, 1, 2).contiguous()


def _rescale(acc: torch.Tensor, shift: torch.Tensor, lo: int, hi: int, rounding: str, c: LayerCounts):
    v = rshift_round(acc, shift, rounding)
    c.ties += ties(acc, shift)
    c.clamped_low += int((v < lo).sum())
    c.clamped_high += int((v > hi).sum())
    c.outputs += v.numel()
    return torch.clamp(v, lo, hi)


def execute(graph: Mapping[str, Any], params: Mapping[str, np.ndarray], x: np.ndarray, acc_bits: int,
            rounding: str, return_values: bool = False) -> IntegerRun:
    """Runs a network (graph.json dict and parameter arrays) on u8/s8 NHWC images ``x`` [N, H, W, C]."""
    vals = {v["name"]: v for v in graph["values"]}
    x = np.asarray(x)
    if x.ndim == 3:
        x = x[None]
    env: Dict[str, torch.Tensor] = {graph["input"]: _nchw(x)}
    run = IntegerRun(output=np.zeros(0))
    for layer in graph["layers"]:
        op, name = layer["op"], layer["name"]
        c = run.counts.setdefault(name, LayerCounts())
        ins = [env[i] for i in layer["inputs"]]
        out_v = vals[layer["output"]]
        if op in ("conv2d", "dense"):
            xin = ins[0]
            if op == "dense":
                xin = xin.reshape(xin.shape[0], -1, 1, 1) if xin.shape[2] * xin.shape[3] == 1 else xin
            w = _weights(layer, params)
            t, le, b, r = layer.get("pads", [0, 0, 0, 0])
            xf = F.pad(xin.to(torch.float64), (le, r, t, b))
            s = F.conv2d(xf, w.to(torch.float64), None, tuple(layer.get("stride", [1, 1])), 0,
                         tuple(layer.get("dilation", [1, 1])), layer.get("groups", 1))
            bias = torch.from_numpy(np.asarray(params[name + ".bias"]).astype(np.int64))
            total = torch.round(s).to(torch.int64) + bias.reshape(1, -1, 1, 1)
            acc = wrap(total, acc_bits)
            c.wraps += int((acc != total).sum())
            if out_v["dtype"] == "s32":
                c.outputs += acc.numel()
                y = acc
            else:
                shift = torch.from_numpy(np.asarray(params[name + ".shift"]).astype(np.int64)).reshape(1, -1, 1, 1)
                y = _rescale(acc, shift, layer["act_min"], layer["act_max"], rounding, c)
        elif op == "maxpool":
            t, le, b, r = layer["pads"]
            xf = F.pad(ins[0].to(torch.float64), (le, r, t, b), value=float("-inf"))
            y = F.max_pool2d(xf, tuple(layer["kernel"]), tuple(layer["stride"]), 0, tuple(layer["dilation"]))
            y = y.to(torch.int64)
            c.outputs += y.numel()
        elif op == "avgpool":
            t, le, b, r = layer["pads"]
            if tuple(layer["dilation"]) != (1, 1):
                raise ValueError(f"layer '{name}': a dilated average pool is not implemented here")
            xf = F.pad(ins[0].to(torch.float64), (le, r, t, b))
            sums = F.avg_pool2d(xf, tuple(layer["kernel"]), tuple(layer["stride"]), 0, divisor_override=1)
            y = _rescale(torch.round(sums).to(torch.int64), torch.tensor(layer["shift"]), layer["act_min"],
                         layer["act_max"], rounding, c)
        elif op == "global_avgpool":
            sums = ins[0].sum((2, 3), keepdim=True)
            y = _rescale(sums, torch.tensor(layer["shift"]), layer["act_min"], layer["act_max"], rounding, c)
        elif op == "add":
            s = (ins[0] << layer["la"]) + (ins[1] << layer["lb"])
            y = _rescale(s, torch.tensor(layer["shift"]), layer["act_min"], layer["act_max"], rounding, c)
        elif op == "reshape":
            h, w_, ch = out_v["shape"]
            y = ins[0].permute(0, 2, 3, 1).reshape(ins[0].shape[0], h, w_, ch).permute(0, 3, 1, 2)
            c.outputs += y.numel()
        elif op == "concat":
            y = torch.cat(ins, dim=1)
            c.outputs += y.numel()
        else:
            raise ValueError(f"layer '{name}': op '{op}' is not implemented by lutsim.torch.integer_forward")
        env[layer["output"]] = y
    def nhwc(t: torch.Tensor) -> np.ndarray:
        return t.permute(0, 2, 3, 1).contiguous().numpy()
    run.output = nhwc(env[graph["output"]])
    if return_values:
        run.values = {k: nhwc(v) for k, v in env.items()}
    return run


def integer_forward(model: Union["QuantModel", Network], x: np.ndarray,
                    hw: Union[None, str, HwConfig] = None, return_run: bool = False):
    """The exported arithmetic of ``model`` (a QuantModel, or a lutsim.Network) on u8 NHWC images ``x``, in
    PyTorch. Returns the network output as int64 NHWC ``[N, h, w, c]`` (what ``lutsim.run`` returns, widened), or
    with ``return_run=True`` an :class:`IntegerRun` with every value and per-layer counts (wraps, ties, clamps).
    The accumulator width and rounding are the QuantModel's scheme's, or ``hw``'s (default: the default config)."""
    from .export import network_graph
    from .qmodel import QuantModel
    if isinstance(x, torch.Tensor):
        x = x.numpy()
    if isinstance(model, QuantModel):
        graph, params = network_graph(model)
        h = _hw(hw) if hw is not None else model.scheme.hw
    elif isinstance(model, Network):
        graph, params = model.graph, model.params
        h = _hw(hw)
    else:
        raise TypeError(f"model: expected a lutsim.torch.QuantModel or a lutsim.Network, got {type(model).__name__}")
    run = execute(graph, params, x, int(h.acc_bits), str(h.rounding), return_values=return_run)
    return run if return_run else run.output
