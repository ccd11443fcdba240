"""THE parity test: for random schemes, integer_forward equals lutsim's golden model on the exported network,
value by value, on real test images, and the float64 training forward equals both.

Each scheme is prepared on calibration images, perturbed at random (activation and weight exponents one step off,
LUT entries jittered) so that the integers are not only those of a calibrated init, trained for three steps (the
BatchNorm statistics move and then freeze), exported, and run on 300 Fashion-MNIST test images of its own. The
whole test split goes through scripts/qat_parity.py (docs/qat.md)."""

import copy

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import lutsim  # noqa: E402
import lutsim.torch as lt  # noqa: E402
from lutsim.torch.parity import (ACC_BITS, GRIDS, ROUNDINGS, SHIFTS, WIDTHS, perturb,  # noqa: E402
                                 random_schemes)
from lutsim.torch.train import TrainConfig, to_float, train  # noqa: E402
from qat_helpers import all_ops, data, model  # noqa: E402

torch.set_num_threads(1)

MODELS = ["lenet5", "resnet_small", "mobilenet", "all_ops"]
N_SCHEMES = 24
IMAGES = 300
SCHEMES = random_schemes(N_SCHEMES, MODELS)


def test_the_schemes_cover_every_level():
    for key, levels in (("acc_bits", ACC_BITS), ("rounding", ROUNDINGS), ("grid", GRIDS), ("shift", SHIFTS),
                        ("bits", WIDTHS), ("model", MODELS)):
        assert {s[key] for s in SCHEMES} == set(levels), key


def prepared(s, d):
    hw = lutsim.HwConfig.load("default").replace(acc_bits=s["acc_bits"], rounding=s["rounding"])
    scheme = lt.Scheme(weight_bits=s["bits"], grid=s["grid"], shift=s["shift"], hw=hw, bn_freeze_step=2)
    qm = lt.prepare(model(s["model"]), to_float(d["calib_x"][:2]), scheme, calib=to_float(d["calib_x"][:128]))
    perturb(qm, s["seed"])
    train(qm, d["train_x"][:3000], d["train_y"][:3000], TrainConfig(steps=3, batch=32, seed=s["seed"]))
    return qm


@pytest.fixture(scope="module")
def fashion():
    return data("fashion-mnist")


TOTALS = {}


@pytest.mark.parametrize("i", range(N_SCHEMES))
def test_integer_forward_equals_lutsim_run(i, fashion):
    s = SCHEMES[i]
    qm = prepared(s, fashion)
    net = lt.export(qm)
    x = fashion["test_x"][i * IMAGES:(i + 1) * IMAGES]
    p = lt.check_parity(qm, x, net=net, batch=128)   # three batches: the accumulation over batches too
    assert p.equal, f"{s}: {p}"
    assert p.images == IMAGES and p.values_compared == len(net.layers)
    # The output of lutsim.run itself, compared once more without the per-value walk.
    np.testing.assert_array_equal(lutsim.run(net, x, hw=qm.scheme.hw).astype(np.int64), lt.integer_forward(qm, x))
    # The float64 eval-mode training forward computes the same integers, times 2^e of the output.
    q64 = copy.deepcopy(qm).double().eval()
    with torch.no_grad():
        y = q64(to_float(x).double()).numpy().reshape(len(x), -1)
    ints = lt.integer_forward(qm, x).reshape(len(x), -1)
    np.testing.assert_array_equal(y * 2.0 ** -net.output.exponent, ints)
    t = p.totals()
    TOTALS[i] = (s, t.wraps, t.ties)


@pytest.mark.parametrize("name", ["lenet5", "resnet_small", "mobilenet"])
def test_the_float32_training_forward_computes_the_integers_too(name, fashion):
    """In eval mode, the float32 forward (what training runs after the BatchNorm freeze) gives the exported
    integers exactly as well, every value: its products and sums are integers (in units of each accumulator's
    2^(e_x + e_w)) below 2^24 here, which float32 adds exactly, and the codes and biases are computed in float64."""
    qm = lt.prepare(model(name), to_float(fashion["calib_x"][:2]), lt.Scheme(weight_bits=4),
                    calib=to_float(fashion["calib_x"][:128]))
    train(qm, fashion["train_x"][:3000], fashion["train_y"][:3000], TrainConfig(steps=5, batch=32))
    x = fashion["test_x"][:300]
    run = lt.integer_forward(qm, x, return_run=True)
    with torch.no_grad():
        env = qm.eval().run(to_float(x))
    for layer, step in zip(qm.layers, qm.steps):
        t, e = env[step.output]
        v = qm.values[step.output]
        real = (t * 2.0 ** -e).numpy()
        if v.layout is not None:  # a flattened map in PyTorch's c*H*W + h*W + w order; lutsim's is NHWC
            real = real.reshape((len(x),) + v.layout)
        real = real.transpose(0, 2, 3, 1) if real.ndim == 4 else real
        real = real.reshape(run.values[v.name].shape)
        np.testing.assert_array_equal(real, run.values[v.name], err_msg=layer.layer_name)


def test_the_parity_runs_were_not_trivial():
    """Wraps and rounding ties happened: the runs exercised the A-bit wrap and every mode's tie rule."""
    if len(TOTALS) < N_SCHEMES:
        pytest.skip("needs every parity case to have run in this session")
    assert sum(w for s, w, _ in TOTALS.values() if s["acc_bits"] == 16) > 0
    for r in ROUNDINGS:
        assert sum(t for s, _, t in TOTALS.values() if s["rounding"] == r) > 1000, r


# ---- the comparison can fail ---------------------------------------------------------------------------------------

def test_a_changed_lut_entry_is_found(fashion):
    qm = lt.prepare(model("lenet5"), to_float(fashion["calib_x"][:2]), lt.Scheme(weight_bits=2),
                    calib=to_float(fashion["calib_x"][:128]))
    graph, params = lt.network_graph(qm)
    params = dict(params)
    lut = params["conv2.lut"].copy()
    lut[0, 1] += 1
    params["conv2.lut"] = lut
    bad = lutsim.Network.from_graph(graph, params)
    p = lt.check_parity(qm, fashion["test_x"][:50], net=bad)
    assert not p.equal and p.first_mismatch.layer == "conv2" and p.first_mismatch.value == "conv2"
    m = p.first_mismatch
    assert str(p).startswith(f"MISMATCH: layer 'conv2' (value 'conv2') differs at (n, y, x, c) = {m.coordinate}: "
                             f"lutsim {m.lutsim}, integer_forward {m.torch}")
    assert m.lutsim != m.torch


def test_a_different_rounding_mode_is_found(fashion):
    """half_up and floor differ on about half the outputs of every shift, half_up and half_even on the ties."""
    qm = lt.prepare(model("resnet_small"), to_float(fashion["calib_x"][:2]), lt.Scheme(),
                    calib=to_float(fashion["calib_x"][:128]))
    net = lt.export(qm)
    x = fashion["test_x"][:50]
    golden = lutsim.run(net, x).astype(np.int64)  # the default config: half_up
    assert np.array_equal(lt.integer_forward(qm, x), golden)
    for other in ("half_even", "floor"):
        hw = lutsim.HwConfig.load("default").replace(rounding=other)
        assert not np.array_equal(lt.integer_forward(qm, x, hw=hw), golden), other


def test_exported_fields_of_every_op(fashion):
    qm = lt.prepare(all_ops(), to_float(fashion["calib_x"][:2]), lt.Scheme(), calib=to_float(fashion["calib_x"][:64]))
    graph, params = lt.network_graph(qm)
    layers = {l["name"]: l for l in graph["layers"]}
    e = {v["name"]: v["exponent"] for v in graph["values"]}
    assert layers["c1"]["pads"] == [1, 1, 2, 2] and layers["c1"]["act_min"] == max(-128, -(2 ** -e["c1"]))
    c2 = layers["c2"]
    assert (c2["groups"], c2["stride"], c2["dilation"], c2["pads"]) == (2, [2, 2], [2, 2], [2, 2, 2, 2])
    assert (c2["act_min"], c2["act_max"]) == (0, min(255, 6 * 2 ** -e["c2"]))     # ReLU6
    assert layers["pool"]["shift"] == 3 + e["pool"] - e["c2"]                     # 9 positions, divisor 2^3
    add = layers["add"]
    assert (add["la"], add["lb"]) == (e["c3"] - min(e["c3"], e["c4"]), e["c4"] - min(e["c3"], e["c4"]))
    assert add["shift"] == e["add"] - min(e["c3"], e["c4"]) and add["act_max"] == min(255, 4 * 2 ** -e["add"])
    assert layers["mp"]["pads"] == [1, 1, 1, 1] and layers["reshape"]["op"] == "reshape"
    assert params["fc.weights"].shape == (10, 1, 1, 16 * 7 * 7) and "fc.shift" not in params
    # The dense weights' columns went from PyTorch's c*49 + h*7 + w to lutsim's (h*7 + w)*16 + c.
    codes = qm.layer("fc").wq(qm.layer("fc").folded(torch.float64)[0]).codes
    assert params["fc.weights"][3, 0, 0, (2 * 7 + 5) * 16 + 11] == codes[3, 11 * 49 + 2 * 7 + 5]


def test_export_refuses_a_shift_out_of_range(fashion):
    qm = lt.prepare(all_ops(), to_float(fashion["calib_x"][:2]), lt.Scheme())
    qm.layer("c2").aq.set_exponent(40)
    with pytest.raises(lt.ExportError, match=r"lutsim.torch.export: layer 'c2': shift \d+ is outside \[-15, 31\] "
                                             r"\(e_y 40 - e_x -?\d+ - e_w\)"):
        lt.export(qm)


def test_export_writes_a_file_lutsim_loads(fashion, tmp_path):
    qm = lt.prepare(model("mobilenet"), to_float(fashion["calib_x"][:2]),
                    lt.Scheme(weight_bits=3, grid="lut-per-channel", shift="per-channel"),
                    calib=to_float(fashion["calib_x"][:128]))
    path = tmp_path / "m.npz"
    net = lt.export(qm, path)
    loaded = lutsim.Network.load(path)
    assert loaded.to_bytes() == net.to_bytes()
    conv = loaded.layers[1]
    assert conv.attrs["lut_mode"] == "per_channel" and conv.params["lut"].shape == (16, 8)
    assert conv.params["shift"].shape == (16,)
    x = fashion["test_x"][:20]
    np.testing.assert_array_equal(lt.integer_forward(loaded, x), lt.integer_forward(qm, x))


def test_a_saved_model_exports_the_same_network(fashion, tmp_path):
    """Training checkpoints: a state_dict loaded into a fresh prepare(), or the whole QuantModel through torch.save,
    gives the same network file."""
    scheme = lt.Scheme(weight_bits=3, grid="lut-per-channel", hw=lutsim.HwConfig.load("small"), bn_freeze_step=2)
    calib = to_float(fashion["calib_x"][:128])
    qm = lt.prepare(model("resnet_small"), calib[:2], scheme, calib=calib)
    train(qm, fashion["train_x"][:640], fashion["train_y"][:640], TrainConfig(steps=4, batch=32))
    want = lt.export(qm).to_bytes()
    fresh = lt.prepare(model("resnet_small"), calib[:2], scheme, calib=calib)
    assert lt.export(fresh).to_bytes() != want
    fresh.load_state_dict(qm.state_dict())
    assert lt.export(fresh).to_bytes() == want
    torch.save(qm, tmp_path / "qm.pt")
    again = torch.load(tmp_path / "qm.pt")
    assert again.scheme.hw == scheme.hw and lt.export(again).to_bytes() == want
