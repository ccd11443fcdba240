"""lutsim.torch.prepare: tracing, BatchNorm folding, fused clamps, and the errors for what it cannot map."""

import copy
import re

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import lutsim  # noqa: E402
import lutsim.torch as lt  # noqa: E402
from lutsim.torch.models import to_float  # noqa: E402
from qat_helpers import all_ops, data, model  # noqa: E402

torch.set_num_threads(1)
X = torch.rand(2, 1, 28, 28)


@pytest.mark.parametrize("name", ["lenet5", "resnet_small", "mobilenet", "all_ops"])
def test_float_graph_equals_the_model(name):
    """With the quantizers off, the prepared graph (BatchNorm folded, clamps fused, average-pool factors moved
    into the next layer, flatten order) computes the float model's own outputs."""
    m = model(name).double()
    x = to_float(data()["test_x"][:64]).double()
    qm = lt.prepare(m, x[:2], lt.Scheme(weight_bits=8))
    qm.eval().quantization(False)
    with torch.no_grad():
        want, got = m(x), qm(x)
    assert torch.allclose(got, want, rtol=0, atol=1e-9 * float(want.abs().max())), float((got - want).abs().max())


def test_structure_of_every_op():
    qm = lt.prepare(all_ops(), X, lt.Scheme())
    rows = [(l.layer_name, l.kind, qm.values[s.output].dtype, l.act_lo, l.act_hi) for l, s in zip(qm.layers, qm.steps)]
    assert rows == [
        ("c1", "conv", "s8", -1.0, 1.0),             # BatchNorm folded, Hardtanh fused
        ("c2", "conv", "u8", 0.0, 6.0),              # F.relu6
        ("pool", "avgpool", "u8", None, None),
        ("c3", "conv", "s8", None, None),            # depthwise, bn3 folded
        ("c4", "conv", "s8", None, None),
        ("add", "add", "u8", 0.0, 4.0),              # torch.clamp(., 0, 4), then the ReLU after the max pool
        ("mp", "maxpool", "u8", None, None),
        ("avg_pool2d", "avgpool", "u8", None, None),
        ("c5", "conv", "u8", 0.0, None),
        ("reshape", "reshape", "u8", None, None),
        ("fc", "conv", "s32", None, None),           # the classifier: raw accumulator
    ]
    c1, c3, c4, fc = (qm.layer(n) for n in ("c1", "c3", "c4", "fc"))
    assert c1.pads == (1, 1, 2, 2) and c1.bn is not None
    assert c3.gain_in == c4.gain_in == 9 / 8 and c3.groups == 8
    assert fc.flatten_chw == (16, 7, 7) and fc.dense
    c2, pool = qm.layer("c2"), qm.layer("pool")
    assert (c2.groups, c2.stride, c2.dilation, c2.pads) == (2, (2, 2), (2, 2), (2, 2, 2, 2))
    assert (pool.n, pool.p, pool.gain) == (9, 3, 9 / 8)


def test_prepare_leaves_the_model_alone():
    m = all_ops().train()
    before = copy.deepcopy(m.state_dict())
    lt.prepare(m, X, lt.Scheme(weight_bits=2, grid="lut-per-channel"))
    assert m.training
    for k, v in m.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_bn_ema_folding_with_a_freeze_delay():
    """Before the freeze step the folded layer normalises with batch statistics and updates the moving ones as
    BatchNorm2d does; from it on, the moving statistics alone, frozen."""
    torch.manual_seed(3)
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4, momentum=0.3)).double()
    ref = copy.deepcopy(net).train()
    qm = lt.prepare(net, X.double(), lt.Scheme(weight_bits=8, bn_freeze_step=3))
    qm.train().quantization(False)
    layer = qm.layers[0]
    for step in range(1, 6):
        x = torch.randn(8, 1, 10, 10, dtype=torch.float64) * step
        with torch.no_grad():
            got = qm(x)
            if step < 3:
                want = ref(x)      # batch statistics, and the same moving-statistics update
            else:
                want = ref.eval()(x)
        assert torch.allclose(got, want, atol=1e-9), step
        assert torch.allclose(layer.bn.running_mean, ref[1].running_mean, atol=1e-12), step
        assert torch.allclose(layer.bn.running_var, ref[1].running_var, atol=1e-12), step
    assert layer.bn_frozen and int(layer.steps) == 5


def test_bn_correction_is_used_with_quantized_weights():
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4)).double()
    qm = lt.prepare(net, X.double(), lt.Scheme(weight_bits=8, bn_freeze_step=100)).train()
    x = torch.randn(8, 1, 10, 10, dtype=torch.float64)
    y = qm(x)
    # The quantized, corrected output is about batch-normalised: per channel mean 0 and variance 1.
    assert float(y.mean((0, 2, 3)).abs().max()) < 0.05
    assert float((y.var((0, 2, 3), unbiased=False) - 1).abs().max()) < 0.1


# ---- what prepare refuses ---------------------------------------------------------------------------------------

class Sig(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.act = nn.Sigmoid()

    def forward(self, x):
        x = self.conv(x)
        x = self.act(x)
        return x


class Fn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)

    def forward(self, x):
        return torch.sigmoid(self.conv(x))


class Net(nn.Module):
    """A two-conv model whose forward is given as a function (for the cases below)."""

    def __init__(self, fwd, **extra):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.conv2 = nn.Conv2d(2, 2, 3, padding=1)
        self.bn = nn.BatchNorm2d(2)
        for k, v in extra.items():
            setattr(self, k, v)
        self.fwd = fwd

    def forward(self, x):
        return self.fwd(self, x)


def test_unsupported_module_names_node_type_place_and_line():
    with pytest.raises(lt.UnsupportedModelError) as e:
        lt.prepare(Sig(), X)
    msg = str(e.value)
    assert msg.startswith("lutsim.torch.prepare: module 'act' (torch.nn.modules.activation.Sigmoid): "
                          "not supported on lutsim (supported: Conv2d, Linear, BatchNorm2d")
    assert re.search(r"\(node 'act', operation 3 of Sig\.forward, .*test_qat_prepare\.py:\d+ in forward: "
                     r"x = self\.act\(x\)\)$", msg), msg


def test_unsupported_function():
    with pytest.raises(lt.UnsupportedModelError, match=r"function torch\.sigmoid: not supported on lutsim .*"
                                                       r"return torch\.sigmoid\(self\.conv\(x\)\)"):
        lt.prepare(Fn(), X)


@pytest.mark.parametrize("fwd,extra,message", [
    (lambda s, x: s.bn(F.max_pool2d(s.conv(x), 2)), {},
     "module 'bn' .*: a BatchNorm2d is folded into a Conv2d and must follow one directly"),
    (lambda s, x: s.bn(x), {}, "the example input does not run through Net: module 'bn' .* raised RuntimeError: running_mean "
     "should contain 1 elements not 2 \\(node 'bn', operation 2 of Net.forward"),
    (lambda s, x: s.bn(F.relu(s.conv(x))), {}, "cannot be folded into 'conv': it already has a activation after it"),
    (lambda s, x: F.relu(s.conv(x)) + s.conv(x), {}, "called more than once"),
    (lambda s, x: (lambda y: F.relu(y) + s.conv2(y))(s.conv(x)), {},
     "function torch.nn.functional.relu: the clamp cannot be fused .* value 'conv' is also read by conv2, relu"),
    (lambda s, x: F.relu(x), {}, "an activation of the network input has no layer to fuse into"),
    (lambda s, x: F.max_pool2d(s.conv(x), 2, ceil_mode=True), {}, "ceil_mode=True is not supported"),
    (lambda s, x: s.gap(s.conv(x)), {"gap": nn.AdaptiveAvgPool2d(2)}, "only output size 1 .* got 2"),
    (lambda s, x: F.avg_pool2d(s.conv(x), 3, 1, 1, count_include_pad=False), {}, "count_include_pad=False"),
    (lambda s, x: s.conv(x) + 1.0, {}, "its second operand must be a tensor computed by the model, got 1.0"),
    (lambda s, x: torch.cat([s.conv(x), s.conv2(s.conv(x))], 1), {}, "function torch.cat: not supported"),
    (lambda s, x: s.conv(x).mean((2, 3)), {}, "method Tensor.mean: not supported"),
    (lambda s, x: s.conv(x).view(-1, 2), {}, r"only a reshape to \[N, -1\]"),
    (lambda s, x: s.fc(s.conv(x)), {"fc": nn.Linear(26, 2)}, r"a Linear layer needs a flattened input"),
    (lambda s, x: s.conv2(x) if x.sum() > 0 else x, {}, "cannot be traced by torch.fx"),
    (lambda s, x: s.c(x), {"c": nn.Conv2d(1, 2, 3, padding=1, padding_mode="reflect")}, "padding_mode 'reflect'"),
])
def test_unsupported_graphs(fwd, extra, message):
    with pytest.raises(lt.UnsupportedModelError, match=message):
        lt.prepare(Net(fwd, **extra), X)


def test_scheme_errors():
    with pytest.raises(ValueError, match=r"Scheme.weight_bits: 5 is not one of 1, 2, 3, 4, 8"):
        lt.Scheme(weight_bits=5)
    with pytest.raises(ValueError, match=r"Scheme.grid: 'lut' is not one of lut-per-layer, lut-per-channel, uniform"):
        lt.Scheme(grid="lut")
    with pytest.raises(ValueError, match=r"Scheme.shift: 'per-tensor' is not one of per-layer, per-channel"):
        lt.Scheme(shift="per-tensor")
    with pytest.raises(ValueError, match=r"Scheme.layer_bits\['fc'\]: 6 is not one of"):
        lt.Scheme(layer_bits={"fc": 6})
    with pytest.raises(lutsim.Error, match="nonexistent"):
        lt.Scheme(hw="nonexistent")
    s = lt.Scheme(weight_bits=2, first_last_bits=8, layer_bits={"b": 3}, hw=lutsim.HwConfig.load("small"))
    assert [s.bits_for(n, i, 4) for i, n in enumerate("abcd")] == [8, 3, 2, 8]
    assert (s.acc_bits, s.rounding) == (24, "half_even")


def test_layer_widths_and_per_channel_shift_follow_the_scheme():
    qm = lt.prepare(all_ops(), X, lt.Scheme(weight_bits=2, grid="lut-per-channel", shift="per-channel",
                                            first_last_bits=8))
    bits = {l.layer_name: l.bits for l in qm.convs()}
    assert bits == {"c1": 8, "c2": 2, "c3": 2, "c4": 2, "c5": 2, "fc": 8}
    assert isinstance(qm.layer("c1").wq, lt.PO2WeightQuantizer) and qm.layer("c1").wq.e.numel() == 8
    assert isinstance(qm.layer("c2").wq, lt.LUTWeightQuantizer) and qm.layer("c2").wq.lut_f.shape == (8, 4)
    assert qm.layer("c2").wq.e_w.numel() == 8
    assert qm.layer("fc").wq.e.numel() == 1   # an s32 output has one exponent: per-layer shift
