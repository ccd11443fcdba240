"""prepare(): traces an nn.Module with torch.fx into lutsim layers with quantizers.

What is recognised (anything else is an UnsupportedModelError that names the node, its module or function, its
type, its place in the module tree and the line of forward() that calls it):

- modules: Conv2d (groups, stride, dilation, zero padding, 'same'/'valid'), Linear (on a flattened map or a
  vector), BatchNorm2d (folded into the Conv2d right before it), ReLU, ReLU6, Hardtanh (fused as the clamp of the
  layer that computes their input, moved through MaxPool and Flatten), MaxPool2d, AvgPool2d
  (count_include_pad), AdaptiveAvgPool2d(1), Flatten(1), Dropout and Identity (no-ops);
- functions: F.relu, F.relu6, F.hardtanh, torch.clamp/clip with constant bounds, F.max_pool2d, F.avg_pool2d,
  F.adaptive_avg_pool2d(x, 1), torch.flatten(x, 1), x.view/reshape(N, -1), x + y (residual adds), F.dropout.
"""

from __future__ import annotations

import copy
import inspect
import os
import math
import operator
import re
from typing import Any, Dict, List, Optional, Tuple

import torch
import torch.fx as fx
import torch.nn as nn
import torch.nn.functional as F

from .modules import QAdd, QAvgPool, QConv, QFlatten, QMaxPool, QStep
from .qmodel import QuantModel, Step, ValueInfo
from .quantizers import ActQuantizer, LUTWeightQuantizer, PO2WeightQuantizer
from .scheme import Scheme


_INTERNAL = (os.path.dirname(os.path.abspath(torch.__file__)) + os.sep,
             os.path.dirname(os.path.abspath(__file__)) + os.sep)


class UnsupportedModelError(ValueError):
    """A model that lutsim.torch.prepare cannot map onto the accelerator; the message says where and why."""


SUPPORTED = ("Conv2d, Linear, BatchNorm2d (after a Conv2d), ReLU, ReLU6, Hardtanh, MaxPool2d, AvgPool2d, "
             "AdaptiveAvgPool2d(1), Flatten, Dropout, Identity; F.relu, F.relu6, F.hardtanh, torch.clamp, "
             "F.max_pool2d, F.avg_pool2d, F.adaptive_avg_pool2d(x, 1), torch.flatten(x, 1), view/reshape(N, -1), "
             "residual +")


def _pair(v) -> Tuple[int, int]:
    return (int(v), int(v)) if isinstance(v, int) else (int(v[0]), int(v[1]))


# Signatures to bind a call's arguments by name (the functional forms of torch.nn.functional and torch).
def _sig_act(input, inplace=False): ...
def _sig_hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False): ...
def _sig_clamp(input, min=None, max=None): ...
def _sig_max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False): ...
def _sig_avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                    divisor_override=None): ...
def _sig_adaptive(input, output_size): ...
def _sig_flatten(input, start_dim=0, end_dim=-1): ...
def _sig_add(input, other, alpha=1): ...
def _sig_dropout(input, p=0.5, training=True, inplace=False): ...


def _bind(sig, node: fx.Node) -> Dict[str, Any]:
    b = inspect.signature(sig).bind(*node.args, **node.kwargs)
    b.apply_defaults()
    return dict(b.arguments)


class _NodeFailure(Exception):
    def __init__(self, node: fx.Node, error: Exception):
        super().__init__(str(error))
        self.node, self.error = node, error


class _Shapes(fx.Interpreter):
    """Runs the traced graph once and records each tensor's shape in node.meta['shape']."""

    def run_node(self, n: fx.Node) -> Any:
        try:
            r = super().run_node(n)
        except Exception as e:
            raise _NodeFailure(n, e) from e
        if isinstance(r, torch.Tensor):
            n.meta["shape"] = tuple(int(d) for d in r.shape)
        return r


class _Builder:
    def __init__(self, gm: fx.GraphModule, scheme: Scheme, model_name: str):
        self.gm = gm
        self.scheme = scheme
        self.model_name = model_name
        self.modules = dict(gm.named_modules())
        self.layers: List[QStep] = []
        self.steps: List[Step] = []
        self.values: List[ValueInfo] = []
        self.env: Dict[fx.Node, Optional[int]] = {}   # fx node -> value index (None: not a tensor, e.g. x.size())
        self.aliases: Dict[int, List[fx.Node]] = {}    # value index -> the fx nodes that stand for it
        self.producer: Dict[int, int] = {}            # value index -> step index
        self.input: Optional[int] = None
        self.output: Optional[int] = None
        self.layer_names: Dict[str, int] = {}
        self.position = {n: i + 1 for i, n in enumerate(gm.graph.nodes)}  # 1-based, the input node first

    # ---- messages ------------------------------------------------------------------------------------------------
    def what(self, node: fx.Node) -> str:
        if node.op == "call_module":
            m = self.modules[node.target]
            return f"module '{node.target}' ({type(m).__module__}.{type(m).__name__})"
        if node.op == "call_function":
            t = node.target
            mod = getattr(t, "__module__", None) or ""
            return f"function {mod + '.' if mod else ''}{getattr(t, '__name__', str(t))}"
        if node.op == "call_method":
            return f"method Tensor.{node.target}"
        if node.op == "get_attr":
            return f"attribute '{node.target}'"
        return f"{node.op} '{node.target}'"

    def where(self, node: fx.Node) -> str:
        text = f"node '{node.name}', operation {self.position[node]} of {self.model_name}.forward"
        st = node.stack_trace or ""
        for m in re.finditer(r'File "([^"]+)", line (\d+), in (\S+)\n(?:\s+(.*)\n)?', st):
            if os.path.abspath(m.group(1)).startswith(_INTERNAL):  # torch.fx's and lutsim.torch's own frames
                continue
            text += f", {m.group(1)}:{m.group(2)} in {m.group(3)}"
            if m.group(4):
                text += f": {m.group(4).strip()}"
            break
        return text

    def fail(self, node: fx.Node, why: str) -> None:
        raise UnsupportedModelError(f"lutsim.torch.prepare: {self.what(node)}: {why} ({self.where(node)})")

    # ---- values and steps ----------------------------------------------------------------------------------------
    def shape(self, node: fx.Node) -> Tuple[int, ...]:
        shape = node.meta.get("shape")
        if shape is None:
            self.fail(node, "does not produce a single tensor")
        return shape

    def value_of(self, node: fx.Node, arg: Any, what: str = "input") -> int:
        if not isinstance(arg, fx.Node) or self.env.get(arg) is None:
            self.fail(node, f"its {what} must be a tensor computed by the model, got {arg!r}")
        return self.env[arg]  # type: ignore[return-value]

    def new_value(self, node: fx.Node, name: str, **kw) -> int:
        shape = self.shape(node)[1:]
        self.values.append(ValueInfo(name, shape, **kw))
        v = len(self.values) - 1
        self.env[node] = v
        self.aliases[v] = [node]
        return v

    def alias(self, node: fx.Node, v: int) -> None:
        self.env[node] = v
        self.aliases[v].append(node)

    def unique_name(self, base: str) -> str:
        n = self.layer_names.get(base, 0)
        self.layer_names[base] = n + 1
        return base if n == 0 else f"{base}_{n}"

    def add_step(self, node: fx.Node, layer: QStep, inputs: Tuple[int, ...], **value_kw) -> int:
        out = self.new_value(node, layer.layer_name, **value_kw)
        self.layers.append(layer)
        self.steps.append(Step(inputs, out))
        self.producer[out] = len(self.steps) - 1
        return out

    def single_use(self, v: int) -> bool:
        return all(len(n.users) == 1 for n in self.aliases[v])

    def users_text(self, v: int) -> str:
        return ", ".join(sorted({u.name for n in self.aliases[v] for u in n.users}))

    # ---- operations ----------------------------------------------------------------------------------------------
    def activation(self, node: fx.Node, arg: Any, lo: Optional[float], hi: Optional[float]) -> None:
        v0 = v = self.value_of(node, arg)
        while True:
            if not self.single_use(v):
                self.fail(node, f"the clamp cannot be fused into the layer that computes its input: value "
                                f"'{self.values[v].name}' is also read by {self.users_text(v)}")
            if v == self.input:
                self.fail(node, "an activation of the network input has no layer to fuse into")
            step = self.producer[v]
            layer = self.layers[step]
            if isinstance(layer, (QMaxPool, QFlatten)):  # both commute with a monotone clamp
                v = self.steps[step].inputs[0]
                continue
            layer.activate(lo, hi)
            break
        self.alias(node, v0)

    def conv(self, node: fx.Node, m: nn.Module) -> None:
        v = self.value_of(node, node.args[0] if node.args else None)
        x = self.values[v]
        dense = isinstance(m, nn.Linear)
        if dense:
            if len(x.shape) != 1:
                self.fail(node, f"a Linear layer needs a flattened input [N, K], got [N, {', '.join(map(str, x.shape))}]"
                                "; flatten the map first")
            pads = (0, 0, 0, 0)
        else:
            if len(x.shape) != 3:
                self.fail(node, f"a Conv2d needs an input [N, C, H, W], got [N, {', '.join(map(str, x.shape))}]")
            if m.padding_mode != "zeros":
                self.fail(node, f"padding_mode '{m.padding_mode}' is not supported (only zero padding)")
            if isinstance(m.padding, str):
                if m.padding == "valid":
                    pads = (0, 0, 0, 0)
                else:  # 'same': PyTorch puts the odd pixel of an even total on the bottom and right
                    tot = [d * (k - 1) for d, k in zip(m.dilation, m.kernel_size)]
                    pads = (tot[0] // 2, tot[1] // 2, tot[0] - tot[0] // 2, tot[1] - tot[1] // 2)
            else:
                ph, pw = _pair(m.padding)
                pads = (ph, pw, ph, pw)
        name = str(node.target)
        if name in self.layer_names:
            self.fail(node, "the module is called more than once (shared weights are not supported)")
        layer = QConv(self.unique_name(name), m, dense, pads)
        layer.gain_in = x.gain
        if dense and x.layout is not None:
            layer.flatten_chw = x.layout
        self.add_step(node, layer, (v,))

    def batchnorm(self, node: fx.Node, m: nn.BatchNorm2d) -> None:
        v = self.value_of(node, node.args[0] if node.args else None)
        step = self.producer.get(v)
        layer = self.layers[step] if step is not None else None
        if not isinstance(layer, QConv) or layer.dense:
            self.fail(node, "a BatchNorm2d is folded into a Conv2d and must follow one directly")
        if layer.bn is not None or layer.act_lo is not None or layer.act_hi is not None:
            self.fail(node, f"cannot be folded into '{layer.layer_name}': it already has a "
                            f"{'BatchNorm' if layer.bn is not None else 'activation'} after it")
        if not self.single_use(v):
            self.fail(node, f"cannot be folded: the output of '{layer.layer_name}' is also read by "
                            f"{self.users_text(v)}")
        if not m.track_running_stats or m.running_mean is None:
            self.fail(node, "needs running statistics (track_running_stats=True) to be folded")
        if m.num_features != layer.out_channels:
            self.fail(node, f"has {m.num_features} features, the conv '{layer.layer_name}' "
                            f"{layer.out_channels} channels")
        layer.attach_bn(m)
        self.alias(node, v)

    def maxpool(self, node: fx.Node, a: Dict[str, Any], name: str) -> None:
        v = self.value_of(node, a["input"])
        if len(self.values[v].shape) != 3:
            self.fail(node, "a max pool needs an input [N, C, H, W]")
        if a.get("ceil_mode"):
            self.fail(node, "ceil_mode=True is not supported (lutsim's output size rounds down)")
        if a.get("return_indices"):
            self.fail(node, "return_indices=True is not supported")
        k = _pair(a["kernel_size"])
        s = _pair(a["stride"]) if a.get("stride") not in (None, [], ()) else k
        layer = QMaxPool(self.unique_name(name), k, s, _pair(a.get("padding", 0)), _pair(a.get("dilation", 1)))
        x = self.values[v]
        self.add_step(node, layer, (v,), gain=x.gain)

    def avgpool(self, node: fx.Node, a: Dict[str, Any], name: str) -> None:
        v = self.value_of(node, a["input"])
        x = self.values[v]
        if len(x.shape) != 3:
            self.fail(node, "an average pool needs an input [N, C, H, W]")
        if a.get("ceil_mode"):
            self.fail(node, "ceil_mode=True is not supported (lutsim's output size rounds down)")
        if a.get("divisor_override") is not None:
            self.fail(node, "divisor_override is not supported")
        k = _pair(a["kernel_size"])
        s = _pair(a["stride"]) if a.get("stride") not in (None, [], ()) else k
        p = _pair(a.get("padding", 0))
        if p != (0, 0) and not a.get("count_include_pad", True):
            self.fail(node, "count_include_pad=False divides border windows by fewer positions; lutsim's pool "
                            "always divides by the same power of two")
        layer = QAvgPool(self.unique_name(name), k[0] * k[1], k, s, p)
        self.add_step(node, layer, (v,), gain=x.gain * layer.gain)

    def global_pool(self, node: fx.Node, arg: Any, size: Any, name: str) -> None:
        if size not in (1, (1, 1), [1, 1]):
            self.fail(node, f"only output size 1 (a global average pool) is supported, got {size!r}")
        v = self.value_of(node, arg)
        x = self.values[v]
        if len(x.shape) != 3:
            self.fail(node, "a global average pool needs an input [N, C, H, W]")
        layer = QAvgPool(self.unique_name(name), x.shape[1] * x.shape[2])
        self.add_step(node, layer, (v,), gain=x.gain * layer.gain)

    def flatten(self, node: fx.Node, arg: Any, start: int, end: int, name: str) -> None:
        v = self.value_of(node, arg)
        x = self.values[v]
        if len(x.shape) == 1:
            self.alias(node, v)
            return
        if start != 1 or end not in (-1, 3):
            self.fail(node, f"only a flatten of everything but the batch (start_dim=1, end_dim=-1) is supported, "
                            f"got start_dim={start}, end_dim={end}")
        layout = x.shape if x.shape[1] * x.shape[2] > 1 else None
        self.add_step(node, QFlatten(self.unique_name(name)), (v,), gain=x.gain, layout=layout)

    def add(self, node: fx.Node, a: Any, b: Any, alpha: Any = 1) -> None:
        if alpha != 1:
            self.fail(node, f"alpha={alpha!r} is not supported")
        va, vb = self.value_of(node, a, "first operand"), self.value_of(node, b, "second operand")
        xa, xb = self.values[va], self.values[vb]
        if xa.shape != xb.shape:
            self.fail(node, f"the operands have different shapes {list(xa.shape)} and {list(xb.shape)} "
                            "(no broadcasting on the accelerator)")
        if xa.gain != xb.gain:
            self.fail(node, f"the operands carry different average-pool factors ({xa.gain:g}, {xb.gain:g}): "
                            "an add cannot absorb them; use power-of-two windows before an add")
        if xa.layout != xb.layout:
            self.fail(node, "the operands are flattened from different layouts")
        self.add_step(node, QAdd(self.unique_name(node.name)), (va, vb), gain=xa.gain, layout=xa.layout)

    # ---- the walk ------------------------------------------------------------------------------------------------
    def build(self) -> QuantModel:
        for node in self.gm.graph.nodes:
            if node.op == "placeholder":
                if self.input is not None:
                    self.fail(node, "a second input: the network reads one image tensor")
                shape = self.shape(node)
                if len(shape) != 4:
                    self.fail(node, f"the input must be an image batch [N, C, H, W], got {list(shape)}")
                self.input = self.new_value(node, "input")
            elif node.op == "call_module":
                self.module(node)
            elif node.op == "call_function":
                self.function(node)
            elif node.op == "call_method":
                self.method(node)
            elif node.op == "output":
                arg = node.args[0]
                if isinstance(arg, (tuple, list)) and len(arg) == 1:
                    arg = arg[0]
                self.output = self.value_of(node, arg, "output")
            else:
                self.fail(node, "reads a parameter or buffer directly; only module calls may use parameters")
        if self.output is None or not self.steps:
            raise UnsupportedModelError(f"lutsim.torch.prepare: {self.model_name} computes no layer")
        assert self.input is not None
        return QuantModel(self.scheme, self.model_name, self.layers, self.steps, self.values, self.input,
                          self.output)

    def module(self, node: fx.Node) -> None:
        m = self.modules[node.target]
        name = str(node.target)
        if isinstance(m, (nn.Conv2d, nn.Linear)) and type(m) in (nn.Conv2d, nn.Linear):
            self.conv(node, m)
        elif type(m) is nn.BatchNorm2d:
            self.batchnorm(node, m)
        elif type(m) is nn.ReLU:
            self.activation(node, node.args[0], 0.0, None)
        elif type(m) in (nn.ReLU6, nn.Hardtanh):
            self.activation(node, node.args[0], float(m.min_val), float(m.max_val))
        elif type(m) is nn.MaxPool2d:
            self.maxpool(node, {"input": node.args[0], "kernel_size": m.kernel_size, "stride": m.stride,
                                "padding": m.padding, "dilation": m.dilation, "ceil_mode": m.ceil_mode,
                                "return_indices": m.return_indices}, name)
        elif type(m) is nn.AvgPool2d:
            self.avgpool(node, {"input": node.args[0], "kernel_size": m.kernel_size, "stride": m.stride,
                                "padding": m.padding, "ceil_mode": m.ceil_mode,
                                "count_include_pad": m.count_include_pad,
                                "divisor_override": m.divisor_override}, name)
        elif type(m) is nn.AdaptiveAvgPool2d:
            self.global_pool(node, node.args[0], m.output_size, name)
        elif type(m) is nn.Flatten:
            self.flatten(node, node.args[0], m.start_dim, m.end_dim, name)
        elif isinstance(m, (nn.Dropout, nn.Dropout2d, nn.Identity)):
            self.alias(node, self.value_of(node, node.args[0]))
        else:
            self.fail(node, f"not supported on lutsim (supported: {SUPPORTED})")

    def function(self, node: fx.Node) -> None:
        t = node.target
        if t in (F.relu, torch.relu, torch.relu_, F.relu_):
            self.activation(node, _bind(_sig_act, node)["input"], 0.0, None)
        elif t is F.relu6:
            self.activation(node, _bind(_sig_act, node)["input"], 0.0, 6.0)
        elif t in (F.hardtanh, F.hardtanh_):
            a = _bind(_sig_hardtanh, node)
            self.activation(node, a["input"], float(a["min_val"]), float(a["max_val"]))
        elif t in (torch.clamp, torch.clip):
            self.clamp(node, _bind(_sig_clamp, node))
        elif t is F.max_pool2d:
            self.maxpool(node, _bind(_sig_max_pool2d, node), node.name)
        elif t is F.avg_pool2d:
            self.avgpool(node, _bind(_sig_avg_pool2d, node), node.name)
        elif t is F.adaptive_avg_pool2d:
            a = _bind(_sig_adaptive, node)
            self.global_pool(node, a["input"], a["output_size"], node.name)
        elif t is torch.flatten:
            a = _bind(_sig_flatten, node)
            self.flatten(node, a["input"], a["start_dim"], a["end_dim"], node.name)
        elif t in (operator.add, operator.iadd, torch.add):
            a = _bind(_sig_add, node)
            self.add(node, a["input"], a["other"], a["alpha"])
        elif t is F.dropout:
            self.alias(node, self.value_of(node, _bind(_sig_dropout, node)["input"]))
        elif t is operator.getitem and isinstance(node.args[0], fx.Node) and self.env.get(node.args[0], 0) is None:
            self.env[node] = None  # an element of x.size()
        else:
            self.fail(node, f"not supported on lutsim (supported: {SUPPORTED})")

    def clamp(self, node: fx.Node, a: Dict[str, Any]) -> None:
        lo, hi = a["min"], a["max"]
        for n, b in (("min", lo), ("max", hi)):
            if b is not None and not isinstance(b, (int, float)):
                self.fail(node, f"its {n} must be a constant number, got {b!r}")
        self.activation(node, a["input"], None if lo is None else float(lo), None if hi is None else float(hi))

    def method(self, node: fx.Node) -> None:
        t = node.target
        self_arg = node.args[0] if node.args else None
        if t in ("relu", "relu_"):
            self.activation(node, self_arg, 0.0, None)
        elif t in ("clamp", "clip", "clamp_", "clip_"):
            self.clamp(node, _bind(_sig_clamp, node))
        elif t == "flatten":
            a = _bind(_sig_flatten, node)
            self.flatten(node, a["input"], a["start_dim"], a["end_dim"], node.name)
        elif t in ("view", "reshape"):
            v = self.value_of(node, self_arg)
            out = self.shape(node)
            x = self.values[v]
            if len(out) == 2 and out[1] == math.prod(x.shape):
                self.flatten(node, self_arg, 1, -1, node.name)
            else:
                self.fail(node, f"only a reshape to [N, -1] (a flatten) is supported, got [N, "
                                f"{', '.join(map(str, out[1:]))}] from [N, {', '.join(map(str, x.shape))}]")
        elif t == "size":
            self.env[node] = None
        elif t == "contiguous":
            self.alias(node, self.value_of(node, self_arg))
        elif t in ("add", "__add__"):
            a = _bind(_sig_add, node)
            self.add(node, a["input"], a["other"], a["alpha"])
        else:
            self.fail(node, f"not supported on lutsim (supported: {SUPPORTED})")


def _finalize(qm: QuantModel, scheme: Scheme) -> None:
    """Chooses each value's dtype, then creates and initialises the quantizers."""
    vals = qm.values
    vals[qm.input_value].dtype = "u8"
    convs = qm.convs()
    for l, s in zip(qm.layers, qm.steps):
        unsigned_act = l.act_lo is not None and l.act_lo >= 0
        ins = [vals[i].dtype for i in s.inputs]
        if isinstance(l, (QMaxPool, QFlatten)):
            dtype = ins[0]
        elif isinstance(l, QConv) and s.output == qm.output_value and l.act_lo is None and l.act_hi is None:
            dtype = "s32"   # the classifier: its raw accumulator, never clipped
        elif isinstance(l, QAvgPool):
            dtype = "u8" if ins[0] == "u8" or unsigned_act else "s8"
        else:
            dtype = "u8" if unsigned_act else "s8"
        vals[s.output].dtype = dtype
        if dtype != "s32" and not isinstance(l, (QMaxPool, QFlatten)):
            l.aq = ActQuantizer(signed=dtype == "s8", rounding=scheme.rounding, constraint=scheme.act_constraint)
        if isinstance(l, QConv):
            l.bits = scheme.bits_for(l.layer_name, convs.index(l), len(convs))
            l.acc_bits = scheme.acc_bits
            l.wrap = scheme.wrap
            l.bn_freeze_step = scheme.bn_freeze_step
            per_channel_shift = scheme.shift == "per-channel" and dtype != "s32"
            o = l.out_channels
            if l.bits == 8 or scheme.grid == "uniform":
                l.wq = PO2WeightQuantizer(l.bits, o, per_channel_shift, scheme.weight_constraint)
            else:
                l.wq = LUTWeightQuantizer(l.bits, o, scheme.grid == "lut-per-channel", per_channel_shift,
                                          scheme.lut_ste_mask)
            with torch.no_grad():
                w_f, _, _ = l.folded(torch.float64)
                l.wq.calibrate(w_f)
    for i, s in zip(qm.layers, qm.steps):
        if isinstance(i, (QMaxPool, QAvgPool)) and vals[s.inputs[0]].dtype == "s32":
            raise UnsupportedModelError(f"lutsim.torch.prepare: layer '{i.layer_name}' reads a raw accumulator")


def prepare(model: nn.Module, example_input: torch.Tensor, scheme: Optional[Scheme] = None,
            calib: Optional[torch.Tensor] = None, name: Optional[str] = None) -> QuantModel:
    """Traces ``model`` (torch.fx) on ``example_input`` (float NCHW, real values, as the model takes them), folds
    every BatchNorm2d into its conv, fuses ReLU/ReLU6/Hardtanh into the clamp of the layer before, and inserts the
    weight and activation quantizers of ``scheme``. Weight quantizers start from the weights (MSQE exponent, k-means
    LUT); activation exponents from ``calib`` (float NCHW; ``example_input`` when not given), in forward order on
    quantized inputs. ``model`` itself is not changed. Raises :class:`UnsupportedModelError` for anything the
    accelerator cannot compute, naming the node."""
    scheme = scheme if scheme is not None else Scheme()
    name = name or type(model).__name__
    model = copy.deepcopy(model).eval()
    tracer = fx.Tracer()
    tracer.record_stack_traces = True
    try:
        graph = tracer.trace(model)
    except Exception as e:  # data-dependent control flow and the like
        raise UnsupportedModelError(f"lutsim.torch.prepare: {name} cannot be traced by torch.fx: "
                                    f"{type(e).__name__}: {e}") from e
    gm = fx.GraphModule(tracer.root, graph)
    builder = _Builder(gm, scheme, name)
    try:
        with torch.no_grad():
            _Shapes(gm).run(example_input)
    except _NodeFailure as f:
        raise UnsupportedModelError(f"lutsim.torch.prepare: the example input does not run through {name}: "
                                    f"{builder.what(f.node)} raised {type(f.error).__name__}: {f.error} "
                                    f"({builder.where(f.node)})") from f.error
    qm = builder.build()
    _finalize(qm, scheme)
    qm.to(example_input.dtype if example_input.is_floating_point() else torch.float32)
    qm.calibrate(calib if calib is not None else example_input)
    return qm
