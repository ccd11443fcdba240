"""quantize, evaluate and area from Python against lutsim quantize, eval and area."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import lutsim


@pytest.fixture(scope="module")
def mnist(src):
    d = src / "data" / "mnist"
    if not (d / "calib_x.npy").exists():
        pytest.skip("data/mnist is missing (scripts/fetch_mnist.sh)")
    return np.load(d / "calib_x.npy")[:64], np.load(d / "test_x.npy")[:200], np.load(d / "test_y.npy")[:200]


def test_quantize_equals_lutsim_quantize(src, mnist, cli, tmp_path):
    calib, _, _ = mnist
    model = src / "models" / "lenet5.onnx"
    stages = []
    net = lutsim.Network.load  # keep the name for the error message check below
    net = lutsim.quantize(model, calib, weight_bits=3, grid="lut-per-layer", shift="per-channel",
                          bias_correction=True, progress=lambda s, f: stages.append(s))
    np.save(tmp_path / "c.npy", calib)
    cli("quantize", model, "--calib", tmp_path / "c.npy", "-o", tmp_path / "q.npz", "--weight-bits", 3, "--grid",
        "lut-per-layer", "--shift", "per-channel", "--bias-correction", "--quiet")
    assert net.to_bytes() == (tmp_path / "q.npz").read_bytes()
    assert stages, "progress was never called"
    assert net.quant_report["layer_bits"] and set(net.quant_report["layer_bits"]) == {3}
    conv = next(l for l in net.layers if l.op == "conv2d")
    assert conv.attrs["weight_bits"] == 3 and conv.attrs["lut_mode"] == "per_layer"


def test_quantize_bad_options(src, mnist):
    calib, _, _ = mnist
    model = src / "models" / "lenet5.onnx"
    with pytest.raises(ValueError, match="--weight-bits: 5 is not 1, 2, 3, 4 or 8"):
        lutsim.quantize(model, calib, weight_bits=5)
    with pytest.raises(ValueError, match="--grid: 'hex' is not one of lut-per-layer, lut-per-channel, uniform"):
        lutsim.quantize(model, calib, grid="hex")
    with pytest.raises(TypeError, match="unexpected option 'weight_bit'"):
        lutsim.quantize(model, calib, weight_bit=4)
    with pytest.raises(TypeError, match="calib: expected dtype uint8 or float32, got int16"):
        lutsim.quantize(model, calib.astype(np.int16))
    with pytest.raises(lutsim.Error, match="missing.onnx"):
        lutsim.quantize(src / "missing.onnx", calib)


@pytest.mark.parametrize("engine", ["golden", "systemc"])
def test_evaluate_equals_lutsim_eval(engine, src, mnist, cli, tmp_path):
    _, x, y = mnist
    path = tmp_path / "net.npz"
    net = lutsim.quantize(src / "models" / "lenet5.onnx", mnist[0])
    net.save(path)
    r = lutsim.evaluate(net, x[:50] if engine == "systemc" else x, y[:50] if engine == "systemc" else y,
                        engine=engine, batch=16)
    n = 50 if engine == "systemc" else len(x)
    np.save(tmp_path / "x.npy", x[:n])
    np.save(tmp_path / "y.npy", y[:n])
    out = cli("eval", path, "--data", tmp_path / "x.npy", "--labels", tmp_path / "y.npy", "--engine", engine,
              "--predictions", tmp_path / "p.npy", "--quiet").stdout
    np.testing.assert_array_equal(r.predictions, np.load(tmp_path / "p.npy"))
    assert f"({r.correct}/{n}, {engine})" in out
    # Accuracy and the confusion matrix recomputed from the predictions.
    assert r.correct == int((r.predictions == y[:n]).sum())
    assert r.accuracy == pytest.approx(r.correct / n)
    assert r.confusion.sum() == n and np.trace(r.confusion) == r.correct
    # The predictions are the argmax of lutsim.run's logits (first on a tie, as numpy's argmax).
    logits = lutsim.run(net, x[:n]).reshape(n, -1)
    np.testing.assert_array_equal(r.predictions, logits.argmax(axis=1))


def test_evaluate_bad_labels(src, mnist):
    _, x, y = mnist
    net = lutsim.quantize(src / "models" / "lenet5.onnx", mnist[0])
    with pytest.raises(TypeError, match="labels: expected dtype int32 or uint8, got int64"):
        lutsim.evaluate(net, x, y.astype(np.int64))
    with pytest.raises(ValueError, match=r"labels: expected shape \(200,\)"):
        lutsim.evaluate(net, x, y[:10])
    bad = y.copy()
    bad[7] = 10
    with pytest.raises(lutsim.Error, match="label 10 of image 7 is outside"):
        lutsim.evaluate(net, x, bad)


def test_area_equals_lutsim_area(src, cli, tmp_path):
    cells = src / "rtl" / "synth" / "cell_counts.json"
    a = lutsim.area("default", cells=cells)
    cli("area", "--hw", "default", "--cells", cells, "--json", tmp_path / "a.json")
    assert a == json.loads((tmp_path / "a.json").read_text())
    assert a["total_um2"] == pytest.approx(sum(u["um2"] for u in a["units"]))
    sram_only = lutsim.area(lutsim.HwConfig.load("small"), energy="7nm")
    assert sram_only["total_um2"] < a["total_um2"]
    assert set(lutsim.energy_presets()) >= {"45nm", "7nm"}


def test_ctrl_c_interrupts_a_long_simulation(src, resnet_trace):
    # A child interpreter simulates ResNet-18 images for a long time; SIGINT must end it within a second.
    path, _ = resnet_trace
    code = textwrap.dedent(f"""
        import sys, time, numpy as np, lutsim
        net = lutsim.Network.load({str(path)!r})
        x = np.repeat(np.load({str(src / 'traces/resnet18_32x32/input.npy')!r})[:1], 20000, axis=0)
        print("ready", flush=True)
        t = time.monotonic()
        try:
            lutsim.simulate(net, x)
            print("finished", flush=True)
        except KeyboardInterrupt:
            print("interrupted %.3f" % (time.monotonic() - t), flush=True)
    """)
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=os.environ)
    assert p.stdout.readline().strip() == "ready"
    time.sleep(1.0)
    sent = time.monotonic()
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=60)
    assert out.startswith("interrupted"), out
    assert time.monotonic() - sent < 5


def test_ctrl_c_interrupts_a_long_golden_run(resnet_trace):
    path, _ = resnet_trace
    code = textwrap.dedent(f"""
        import numpy as np, lutsim
        net = lutsim.Network.load({str(path)!r})
        x = np.zeros((100000, 32, 32, 3), np.uint8)
        print("ready", flush=True)
        try:
            lutsim.run(net, x, engine="reference")
            print("finished", flush=True)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
    """)
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=os.environ)
    assert p.stdout.readline().strip() == "ready"
    time.sleep(1.0)
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=60)
    assert out.strip() == "interrupted"
