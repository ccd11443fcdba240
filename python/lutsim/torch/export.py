"""export(): a QuantModel as a lutsim network (docs/format.md), validated by lutsim's own loader."""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch

from .. import Network
from .modules import QAdd, QAvgPool, QConv, QFlatten, QMaxPool
from .qmodel import QuantModel


class ExportError(ValueError):
    """A trained model whose integers do not fit the network format (a shift, exponent or alignment out of
    range); the message names the layer and the field."""


def _check(layer: str, field: str, values: Any, lo: int, hi: int, why: str = "") -> None:
    a = np.asarray(values)
    if a.size and (a.min() < lo or a.max() > hi):
        bad = a.min() if a.min() < lo else a.max()
        raise ExportError(f"lutsim.torch.export: layer '{layer}': {field} {int(bad)} is outside [{lo}, {hi}]"
                          + (f" ({why})" if why else ""))


def _weights_nhwc(l: QConv, t: torch.Tensor) -> torch.Tensor:
    """Torch weight layout -> lutsim's [O, KH, KW, I]; a dense layer after a flatten of a C x H x W map gets its
    columns from PyTorch's c*H*W + h*W + w order into lutsim's NHWC order (h*W + w)*C + c."""
    o = t.shape[0]
    if not l.dense:
        return t.permute(0, 2, 3, 1)
    if l.flatten_chw is not None:
        c, h, w = l.flatten_chw
        return t.reshape(o, c, h, w).permute(0, 2, 3, 1).reshape(o, 1, 1, c * h * w)
    return t.reshape(o, 1, 1, -1)


@torch.no_grad()
def network_graph(qm: QuantModel) -> Tuple[Dict[str, Any], Dict[str, np.ndarray]]:
    """The network file's graph.json (as a dict) and parameter arrays for ``qm`` as it is now: the integers its
    float64 eval-mode forward computes with."""
    rounding = qm.scheme.rounding
    names = [v.name for v in qm.values]
    exps: Dict[int, int] = {qm.input_value: qm.scheme.input_exponent}
    layers: List[Dict[str, Any]] = []
    params: Dict[str, np.ndarray] = {}
    for l, s in zip(qm.layers, qm.steps):
        out = qm.values[s.output]
        base = {"name": l.layer_name, "op": "", "inputs": [names[i] for i in s.inputs], "output": out.name}
        e_in = [exps[i] for i in s.inputs]
        if isinstance(l, QConv):
            q, b_int, unit, _ = l.quantized(e_in[0])
            e_w = q.exps.to(torch.int64)
            d = dict(base, op="dense" if l.dense else "conv2d")
            if not l.dense:
                kh, kw = l.weight.shape[2:]
                t, le, b, r = l.pads
                d.update(groups=l.groups, kernel=[int(kh), int(kw)], stride=list(l.stride),
                         dilation=list(l.dilation), pads=[t, le, b, r])
            d["weight_bits"] = l.bits
            if l.bits <= 4:
                lut = q.lut
                d["lut_mode"] = "per_channel" if lut.shape[0] > 1 or qm.scheme.grid == "lut-per-channel" \
                    else "per_layer"
                if d["lut_mode"] == "per_channel" and lut.shape[0] == 1:
                    lut = lut.expand(l.out_channels, lut.shape[1])
                _check(l.layer_name, "LUT entry", lut, -128, 127)
                params[l.layer_name + ".weights"] = _weights_nhwc(l, q.codes).numpy().astype(np.uint8)
                params[l.layer_name + ".lut"] = lut.numpy().astype(np.int8)
            else:
                _check(l.layer_name, "weight", q.raw, -128, 127)
                params[l.layer_name + ".weights"] = _weights_nhwc(l, q.raw).numpy().astype(np.int8)
            _check(l.layer_name, "bias", b_int, -(2 ** 31), 2 ** 31 - 1)
            params[l.layer_name + ".bias"] = b_int.numpy().astype(np.int32)
            if out.dtype == "s32":
                e_out = int(e_in[0] + e_w[0])
            else:
                e_out = l.aq.exponent()
                shift = (e_out - e_in[0] - e_w).numpy()  # e_y = e_x + e_w + s
                _check(l.layer_name, "shift", shift, -15, 31, f"e_y {e_out} - e_x {e_in[0]} - e_w")
                params[l.layer_name + ".shift"] = shift.astype(np.int8).reshape(-1)
                d["act_min"], d["act_max"] = l.clamp_ints(e_out, rounding)
        elif isinstance(l, QMaxPool):
            ph, pw = l.padding
            d = dict(base, op="maxpool", kernel=list(l.kernel), stride=list(l.stride), dilation=list(l.dilation),
                     pads=[ph, pw, ph, pw])
            e_out = e_in[0]
        elif isinstance(l, QFlatten):
            d = dict(base, op="reshape")
            e_out = e_in[0]
        elif isinstance(l, QAvgPool):
            e_out = l.aq.exponent()
            shift = l.p + e_out - e_in[0]
            _check(l.layer_name, "shift", shift, -15, 31, f"2^{l.p} divisor, e_x {e_in[0]}, e_y {e_out}")
            if l.kind == "global_avgpool":
                d = dict(base, op="global_avgpool", shift=int(shift))
            else:
                ph, pw = l.padding
                d = dict(base, op="avgpool", kernel=list(l.kernel), stride=list(l.stride), dilation=[1, 1],
                         pads=[ph, pw, ph, pw], shift=int(shift))
            d["act_min"], d["act_max"] = l.clamp_ints(e_out, rounding)
        elif isinstance(l, QAdd):
            e_out = l.aq.exponent()
            e_min = min(e_in)
            la, lb = e_in[0] - e_min, e_in[1] - e_min
            _check(l.layer_name, "la", la, 0, 15, f"input exponents {e_in[0]} and {e_in[1]} differ by more than 15")
            _check(l.layer_name, "lb", lb, 0, 15, f"input exponents {e_in[0]} and {e_in[1]} differ by more than 15")
            shift = e_out - e_min
            _check(l.layer_name, "shift", shift, -15, 31, f"e_y {e_out}, aligned inputs at {e_min}")
            d = dict(base, op="add", la=int(la), lb=int(lb), shift=int(shift))
            d["act_min"], d["act_max"] = l.clamp_ints(e_out, rounding)
        else:  # pragma: no cover
            raise ExportError(f"lutsim.torch.export: layer '{l.layer_name}': unknown kind {type(l).__name__}")
        if "act_min" in d and d["act_min"] > d["act_max"]:
            raise ExportError(f"lutsim.torch.export: layer '{l.layer_name}': the clamp [{d['act_min']}, "
                              f"{d['act_max']}] is empty at exponent {e_out}")
        _check(l.layer_name, "output exponent", e_out, -128, 127)
        exps[s.output] = int(e_out)
        layers.append(d)
    values = [{"name": v.name, "dtype": v.dtype, "shape": v.hwc, "exponent": exps[i]}
              for i, v in enumerate(qm.values)]
    graph = {"format": "lutsim-network", "version": 1, "name": qm.name, "input": names[qm.input_value],
             "output": names[qm.output_value], "values": values, "layers": layers}
    return graph, params


def export(qm: QuantModel, path: Optional["os.PathLike[str] | str"] = None) -> Network:
    """The lutsim network of ``qm``: codes, LUTs, biases, shifts, exponents and clamps, built with
    :meth:`lutsim.Network.from_graph` (validated as the file loader validates a file) and, with ``path``, saved."""
    graph, params = network_graph(qm)
    net = Network.from_graph(graph, params, source=os.fspath(path) if path is not None else "lutsim.torch.export")
    if path is not None:
        net.save(path)
    return net
