"""lutsim.torch's arithmetic and quantizers: forward values and gradients against hand-computed ones.

Every expected number below is worked out by hand in the comment beside it (docs/qat.md gives the equations)."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lutsim.torch import arith  # noqa: E402
from lutsim.torch.quantizers import (ActQuantizer, LUTWeightQuantizer, PO2WeightQuantizer,  # noqa: E402
                                     kmeans_s8)

LN2 = math.log(2.0)
torch.set_num_threads(1)


def t64(v):
    return torch.tensor(v, dtype=torch.float64)


# ---- arithmetic: docs/arithmetic.md §4 and §5 ------------------------------------------------------------------

# (v, s, half_up, half_even, floor): the table of §5.
RSHIFT_TABLE = [
    (5, 1, 3, 2, 2), (-5, 1, -2, -2, -3), (3, 1, 2, 2, 1), (-3, 1, -1, -2, -2), (6, 2, 2, 2, 1),
    (-6, 2, -1, -2, -2), (10, 2, 3, 2, 2), (-10, 2, -2, -2, -3), (1, 1, 1, 0, 0), (-1, 1, 0, 0, -1),
    (7, 2, 2, 2, 1), (-7, 2, -2, -2, -2), (-100, 3, -12, -12, -13), (-1572864, 20, -1, -2, -2),
    (2 ** 31 - 1, 31, 1, 1, 0),
]


@pytest.mark.parametrize("mode,col", [("half_up", 2), ("half_even", 3), ("floor", 4)])
def test_rshift_round_table_of_section_5(mode, col):
    v = torch.tensor([r[0] for r in RSHIFT_TABLE])
    s = torch.tensor([r[1] for r in RSHIFT_TABLE])
    assert arith.rshift_round(v, s, mode).tolist() == [r[col] for r in RSHIFT_TABLE]
    # Left shifts are exact in every mode: -3 << 4, 7 << 3, 1 << 15, (2^31 - 1) << 15.
    v = torch.tensor([-3, 7, 1, 2 ** 31 - 1])
    s = torch.tensor([-4, -3, -15, -15])
    assert arith.rshift_round(v, s, mode).tolist() == [-48, 56, 32768, 2 ** 46 - 2 ** 15]
    assert arith.rshift_round(torch.tensor([9]), torch.tensor(0), mode).tolist() == [9]


def test_round_hw_equals_rshift_round_in_float64():
    g = torch.Generator().manual_seed(1)
    v = torch.randint(-2 ** 31, 2 ** 31, (20000,), generator=g)
    v[:2000] = (v[:2000] >> 5 << 5) + 16  # plenty of exact ties at s = 5
    for s in (1, 3, 5, 12, 31):
        for mode in arith.ROUNDING_MODES:
            real = arith.round_hw(v.double() / 2.0 ** s, mode)
            assert torch.equal(real.to(torch.int64), arith.rshift_round(v, torch.tensor(s), mode)), (s, mode)


def test_wrap_examples_of_section_4():
    assert arith.wrap(torch.tensor([64770, 63770, 32768, 32767]), 16).tolist() == [-766, -1766, -32768, 32767]
    assert arith.wrap(torch.tensor([8388608, 2147483648]), 24).tolist() == [-8388608, 0]
    assert arith.wrap(torch.tensor([2147483648, -2147483649]), 32).tolist() == [-2147483648, 2147483647]
    # On real values acc = v * unit, with the identity as gradient.
    acc = t64([64770 * 0.25, 10 * 0.25]).requires_grad_()
    y = arith.wrap_real(acc, t64(0.25), 16)
    assert y.tolist() == [-766 * 0.25, 2.5]
    y.sum().backward()
    assert acc.grad.tolist() == [1.0, 1.0]


def test_wrap_real_keeps_every_bit_in_float32():
    # 12345 units of 2^-14 at A = 32: float32 holds it exactly, but not 12345 + 2^31 (24 bits: a multiple of 256);
    # the wrap must not go through that sum. At A = 16, 2^15 + 7 units wrap to 7 - 2^15.
    unit = torch.tensor(2.0 ** -14)
    acc = torch.tensor([12345 * 2.0 ** -14, -(2 ** 20 + 3) * 2.0 ** -14], dtype=torch.float32)
    assert torch.equal(arith.wrap_real(acc, unit, 32), acc)
    acc16 = torch.tensor([(2 ** 15 + 7) * 2.0 ** -14, 12345 * 2.0 ** -14], dtype=torch.float32)
    assert arith.wrap_real(acc16, unit, 16).tolist() == [(7 - 2 ** 15) * 2.0 ** -14, 12345 * 2.0 ** -14]


def test_ties_counts_exact_halves():
    # 6 >> 2 and -10 >> 2 are ties, 7 >> 2 is not; s <= 0 never ties.
    assert arith.ties(torch.tensor([6, -10, 7, 5]), torch.tensor([2, 2, 2, 0])) == 2


def test_round_ste_forward_and_identity_gradient():
    u = t64([0.5, 1.5, -0.5, -1.5, 2.4]).requires_grad_()
    assert arith.round_ste(u, "half_up").tolist() == [1, 2, 0, -1, 2]
    assert arith.round_ste(u, "half_even").tolist() == [0, 2, -0.0, -2, 2]
    assert arith.round_ste(u, "floor").tolist() == [0, 1, -1, -2, 2]
    arith.round_ste(u, "half_up").mul(t64([1, 2, 3, 4, 5])).sum().backward()
    assert u.grad.tolist() == [1, 2, 3, 4, 5]
    with pytest.raises(ValueError, match="rounding: 'nearest' is not one of half_up, half_even, floor"):
        arith.round_hw(u, "nearest")


# ---- activation quantizer (QUANT_METHODS.md 1a) --------------------------------------------------------------------

def act(signed, rounding, e):
    q = ActQuantizer(signed=signed, rounding=rounding, constraint="ceil").double()
    q.set_exponent(e)
    return q


def test_act_quantizer_u8_half_up_values_and_gradients():
    q = act(False, "half_up", -1)  # s = 0.5; the float exponent sits at -1.5, ceil gives -1
    assert q.e.item() == -1.5 and q.exponent() == -1
    x = t64([-0.3, 0.25, 0.7, 0.75, 127.4, 200.0]).requires_grad_()
    y, e = q(x)
    # u = x / 0.5 = [-0.6, 0.5, 1.4, 1.5, 254.8, 400]; half_up r = floor(u + 1/2) = [-1, 1, 1, 2, 255, 400];
    # clamp to [0, 255]: [0, 1, 1, 2, 255, 255]; y = 0.5 q.
    assert e == -1
    assert y.tolist() == [0.0, 0.5, 0.5, 1.0, 127.5, 127.5]
    g = t64([1, 2, 3, 4, 5, 6])
    (y * g).sum().backward()
    # inside = 0 <= r <= 255: [no (r = -1), yes, yes, yes, yes, no (r = 400)]
    assert x.grad.tolist() == [0, 2, 3, 4, 5, 0]
    # dy/de = s ln2 (r - u) inside, s ln2 * (clamped bound) outside: 0.5 ln2 [0, 0.5, -0.4, 0.5, 0.2, 255]
    expect = 0.5 * LN2 * (1 * 0 + 2 * 0.5 + 3 * -0.4 + 4 * 0.5 + 5 * 0.2 + 6 * 255)
    assert q.e.grad.item() == pytest.approx(expect, rel=1e-12)


@pytest.mark.parametrize("rounding,expect", [("half_even", [0, 0, 0.5, 1.0, 127.5]),
                                             ("floor", [0, 0, 0.5, 0.5, 127.0])])
def test_act_quantizer_rounding_modes(rounding, expect):
    # u = [-0.6, 0.5, 1.4, 1.5, 254.8]: half_even [-1, 0, 1, 2, 255], floor [-1, 0, 1, 1, 254]
    y, _ = act(False, rounding, -1)(t64([-0.3, 0.25, 0.7, 0.75, 127.4]))
    assert y.tolist() == expect


def test_act_quantizer_s8_clips_both_sides():
    q = act(True, "half_up", -1)
    x = t64([-70.0, -63.9, 70.0]).requires_grad_()
    y, _ = q(x)
    # u = [-140, -127.8, 140] -> r = [-140, -128, 140] -> clamp [-128, 127]: [-128, -128, 127]
    assert y.tolist() == [-64.0, -64.0, 63.5]
    y.sum().backward()
    assert x.grad.tolist() == [0, 1, 0]   # r = -128 is inside (the clamp bound itself)
    # 0.5 ln2 [-128, (-128 - -127.8), 127]
    assert q.e.grad.item() == pytest.approx(0.5 * LN2 * (-128 - 0.2 + 127), rel=1e-12)


def test_act_quantizer_ste_reaches_the_float_exponent():
    q = ActQuantizer(signed=False, rounding="half_up").double()
    q.calibrated.fill_(True)
    with torch.no_grad():
        q.e.fill_(-1.3)     # ceil -> -1
    y, e = q(t64([3.0]))
    assert e == -1 and y.item() == 3.0
    y.sum().backward()
    assert q.e.grad.item() == 0.0   # 3 / 0.5 = 6 exactly: r - u = 0


def test_act_quantizer_calibration_picks_least_squared_error():
    q = ActQuantizer(signed=False, rounding="half_up").double()
    # max 100: e_noclip = ceil(log2(100 / 255)) = -1. Squared errors: e = -1: 0.3 -> 0.5 (0.04), 100 exact: 0.04;
    # e = 0: 0.3 -> 0 (0.09); e = -2: 100 clips to 63.75 (1314). So -1.
    assert q.calibrate(t64([0.3, 100.0])) == -1 and q.exponent() == -1 and bool(q.calibrated)
    # Uniform data: clipping only hurts, the finest unclipped exponent wins: ceil(log2(10 / 255)) = -4.
    assert q.calibrate(torch.linspace(0, 10, 10001, dtype=torch.float64)) == -4


# ---- weights: learned power-of-two step on the uniform grid (1a) -----------------------------------------------------

def po2(bits, e, constraint="round", channels=1):
    q = PO2WeightQuantizer(bits, channels, channels > 1, constraint).double()
    with torch.no_grad():
        q.e.copy_(t64(e))
    return q


def test_po2_weights_4bit_values_gradients_and_export():
    q = po2(4, [-2.0])  # s = 0.25, grid -7..7
    w = t64([[0.1, -0.3, 0.375, 1.9, -2.0]]).requires_grad_()
    r = q(w)
    # u = [0.4, -1.2, 1.5, 7.6, -8]; torch.round (half to even): [0, -1, 2, 8, -8]; clamp: [0, -1, 2, 7, -7]
    assert r.wq.tolist() == [[0.0, -0.25, 0.5, 1.75, -1.75]]
    assert r.exps.tolist() == [-2.0]
    assert r.codes.tolist() == [[7, 6, 9, 14, 0]]  # q + 7
    assert r.lut.tolist() == [[-7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 7]]
    (r.wq * t64([[1, 2, 3, 4, 5]])).sum().backward()
    assert w.grad.tolist() == [[1, 2, 3, 0, 0]]
    # 0.25 ln2 * (1 * -0.4 + 2 * 0.2 + 3 * 0.5 + 4 * 7 + 5 * -7)
    assert q.e.grad.item() == pytest.approx(0.25 * LN2 * -5.5, rel=1e-12)


def test_po2_weights_msqe_constraint_takes_the_better_neighbour():
    w = t64([[0.1, -0.3, 0.375, 1.9, -2.0]])
    # e = -1.6: floor -2 (s = 0.25) has squared error 0.01 + 0.0025 + 0.015625 + 0.0225 + 0.0625 = 0.113125;
    # ceil -1 (s = 0.5): u = [0.2, -0.6, 0.75, 3.8, -4] -> [0, -0.5, 0.5, 2, -2], error 0.075625. So -1.
    assert po2(4, [-1.6], "msqe").exponents(w).tolist() == [-1.0]
    assert po2(4, [-1.6], "round").exponents(w).tolist() == [-2.0]
    assert po2(4, [-1.6], "ceil").exponents(w).tolist() == [-1.0]


def test_po2_weights_per_channel():
    q = po2(2, [-1.0, 1.0], channels=2)  # 2-bit grid -1..1, s = 0.5 for channel 0 and 2 for channel 1
    w = t64([[0.3, -0.9], [0.3, -3.5]]).requires_grad_()
    r = q(w)
    # channel 0: u = [0.6, -1.8] -> [1, -2] -> [1, -1]; channel 1: u = [0.15, -1.75] -> [0, -2] -> [0, -1]
    assert r.wq.tolist() == [[0.5, -0.5], [0.0, -2.0]]
    assert r.codes.tolist() == [[2, 0], [1, 0]] and r.lut.tolist() == [[-1, 0, 1, 1]]
    r.wq.sum().backward()
    assert w.grad.tolist() == [[1, 0], [1, 0]]
    # channel 0: 0.5 ln2 ((1 - 0.6) + -1); channel 1: 2 ln2 ((0 - 0.15) + -1)
    assert q.e.grad.tolist() == pytest.approx([0.5 * LN2 * -0.6, 2 * LN2 * -1.15], rel=1e-12)


def test_po2_weights_binary_and_raw_8bit():
    q = po2(1, [-1.0])
    w = t64([[0.2, -0.7, 0.0, 0.6]]).requires_grad_()
    r = q(w)
    # u = [0.4, -1.4, 0, 1.2]: sign with +1 at 0 -> [1, -1, 1, 1]
    assert r.wq.tolist() == [[0.5, -0.5, 0.5, 0.5]]
    assert r.codes.tolist() == [[1, 0, 1, 1]] and r.lut.tolist() == [[-1, 1]]
    r.wq.sum().backward()
    assert w.grad.tolist() == [[1, 0, 1, 0]]          # |u| <= 1
    # 0.5 ln2 ((1 - 0.4) + -1 + (1 - 0) + 1)
    assert q.e.grad.item() == pytest.approx(0.5 * LN2 * 1.6, rel=1e-12)
    r8 = po2(8, [-7.0])(t64([[1.0, -0.02]]))
    # u = [128, -2.56] -> [128, -3] -> clamp +-127
    assert r8.raw.tolist() == [[127, -3]] and r8.codes is None and r8.lut is None


def test_po2_weights_calibration_is_msqe_over_integer_exponents():
    q = PO2WeightQuantizer(4, 1, False).double()
    w = torch.linspace(-1, 1, 1001, dtype=torch.float64).reshape(1, -1)
    q.calibrate(w)
    e = q.e.item()
    assert e == int(e)
    err = {k: float(((po2(4, [float(k)])(w).wq - w) ** 2).sum()) for k in range(-9, 2)}
    assert e == min(err, key=err.get)


def test_po2_weights_dead_channel_stays_near_its_layer():
    q = PO2WeightQuantizer(4, 2, True).double()
    q.calibrate(t64([[1.0, -0.5], [1e-12, 0.0]]))
    # The layer's unclipped exponent is ceil(log2(1 / 7)) = -2; channel 1 on its own would want about -43 and a
    # shift near 60. Its search starts 10 octaves below the layer's and goes at most 7 finer: >= -19.
    assert q.e[0].item() <= -2 and -19 <= q.e[1].item() <= -12


# ---- weights: LUT-aware training (section 2) ------------------------------------------------------------------------

def lutq(lut, e_w, per_channel_lut=False, per_channel_shift=False, mask=True):
    o = len(e_w) if per_channel_shift else len(lut)
    q = LUTWeightQuantizer(2, o, per_channel_lut, per_channel_shift, mask).double()
    with torch.no_grad():
        q.lut_f.copy_(t64(lut))
        q.e_w.copy_(t64(e_w))
    return q


def test_lut_weights_codes_ties_and_gradients():
    q = lutq([[-3.4, -1.0, 0.6, 2.5]], [0.0])   # LUT = round (half even): [-3, -1, 1, 2]
    w = t64([[-2.0, 0.0, 1.6, 5.0]]).requires_grad_()
    r = q(w)
    # -2.0 is 1 from -3 and from -1: the tie goes to the lower index 0; 0.0 ties -1 and 1: index 1;
    # 1.6 is nearer 2 (0.4) than 1 (0.6): index 3; 5.0: index 3.
    assert r.codes.tolist() == [[0, 1, 3, 3]]
    assert r.lut.tolist() == [[-3, -1, 1, 2]]
    assert r.wq.tolist() == [[-3.0, -1.0, 2.0, 2.0]]
    (r.wq * t64([[1, 2, 3, 4]])).sum().backward()
    # STE to w, masked outside [min - 1/2, max + 1/2] = [-3.5, 2.5]: 5.0 gets none
    assert w.grad.tolist() == [[1, 2, 3, 0]]
    # dL/dl[j] = 2^e_w * sum over weights with code j: [1, 2, 0, 3 + 4]
    assert q.lut_f.grad.tolist() == [[1, 2, 0, 7]]


def test_lut_weights_exponent_scales_values_and_lut_gradient():
    q = lutq([[-3.0, -1.0, 1.0, 2.0]], [1.0], mask=False)  # s = 2
    w = t64([[-4.0, 0.0, 3.2, 10.0]]).requires_grad_()
    r = q(w)
    assert r.codes.tolist() == [[0, 1, 3, 3]] and r.wq.tolist() == [[-6.0, -2.0, 4.0, 4.0]]
    (r.wq * t64([[1, 2, 3, 4]])).sum().backward()
    assert w.grad.tolist() == [[1, 2, 3, 4]]          # no mask
    assert q.lut_f.grad.tolist() == [[2, 4, 0, 14]]   # 2^1 * [1, 2, 0, 7]


def test_lut_weights_per_channel_lut_and_shift():
    q = lutq([[-2.0, -1.0, 1.0, 2.0], [-8.0, -4.0, 4.0, 8.0]], [0.0, -1.0], per_channel_lut=True,
             per_channel_shift=True)
    w = t64([[0.9, -1.6], [1.0, -3.1]]).requires_grad_()
    r = q(w)
    # channel 0: u = [0.9, -1.6] in LUT row 0 -> codes [2, 0]: [1, -2]
    # channel 1: u = w / 2^-1 = [2, -6.2] in row 1 -> 2 is 2 from 4 and 4 from -4... codes [2, 0]: [4, -8] * 0.5
    assert r.codes.tolist() == [[2, 0], [2, 0]]
    assert r.wq.tolist() == [[1.0, -2.0], [2.0, -4.0]]
    r.wq.sum().backward()
    assert q.lut_f.grad.tolist() == [[1, 0, 1, 0], [0.5, 0, 0.5, 0]]
    # A per-layer LUT with per-channel shifts: one row, each channel normalised by its own exponent.
    q = lutq([[-2.0, -1.0, 1.0, 2.0]], [0.0, -1.0], per_channel_shift=True)
    r = q(t64([[0.9, -1.6], [1.0, -0.4]]))
    # channel 1: u = [2, -0.8] -> codes [3, 1]: [2, -1] * 0.5
    assert r.codes.tolist() == [[2, 0], [3, 1]] and r.wq.tolist() == [[1.0, -2.0], [1.0, -0.5]]


def test_lut_calibration_exponent_and_kmeans():
    q = LUTWeightQuantizer(2, 2, True, True).double()
    w = t64([[-1.0, -1.0, 0.5, 0.5, 0.25, 2.0], [0.01, 0.02, -0.03, 0.04, 0.04, 0.01]])
    q.calibrate(w)
    # The finest exponent keeping each channel inside s8: ceil(log2(2 / 127)) = ceil(-5.99) = -5 (127 * 2^-6 is
    # 1.98 < 2), ceil(log2(0.04 / 127)) = ceil(-11.63) = -11
    assert q.e_w.tolist() == [-5.0, -11.0]
    # channel 0 in units of 2^-5: [-32, -32, 16, 16, 8, 64]: four clusters, one LUT entry each
    assert q.lut_f[0].tolist() == [-32, 8, 16, 64]
    # channel 1 in units of 2^-11: [20.48, 40.96, -61.44, 81.92, 81.92, 20.48] -> [-61, 20 (two), 41, 82 (two)]
    assert q.lut_f[1].tolist() == [-61, 20, 41, 82]
    assert kmeans_s8(np.repeat([-5, 3, 50, 100], 10), 4).tolist() == [-5, 3, 50, 100]
    assert kmeans_s8(np.repeat([-300.0, 300.0], 5), 2).tolist() == [-128, 127]


def test_lut_projection_keeps_entries_in_s8():
    q = lutq([[-200.0, 0.0, 1.0, 300.0]], [0.0])
    assert q(t64([[0.0]])).lut.tolist() == [[-128, 0, 1, 127]]
    q.project_()
    assert q.lut_f.tolist() == [[-128, 0, 1, 127]]
