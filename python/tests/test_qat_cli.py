"""python3 -m lutsim.qat end to end, as a user runs it: a few training steps, the loss falls, parity holds."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("torch")

import lutsim  # noqa: E402
from qat_helpers import SOURCE_DIR, data  # noqa: E402


def qat(*args, check=True):
    d = data("fashion-mnist")  # skips when the data set is missing
    del d
    cmd = [sys.executable, "-m", "lutsim.qat", "--data-dir", str(SOURCE_DIR / "data" / "fashion-mnist"),
           "--models-dir", str(SOURCE_DIR / "models"), *map(str, args)]
    r = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ))
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r


def test_a_short_training_run(tmp_path):
    out, rep = tmp_path / "m.npz", tmp_path / "r.json"
    r = qat("--model", "mobilenet", "--weight-bits", 2, "--grid", "lut-per-layer", "--steps", 40, "--log-every", 10,
            "--train-images", 4000, "--test-images", 500, "--parity-images", 64, "-o", out, "--report", rep)
    report = json.loads(rep.read_text())
    losses = report["step_losses"]
    assert len(losses) == 40
    # From the 2-bit start (about 14% here) the loss falls fast: the last ten steps well below the first ten.
    assert np.mean(losses[-10:]) < 0.8 * np.mean(losses[:10]), losses
    assert report["integer_accuracy"] > report["start_integer_accuracy"] + 0.05
    assert report["parity"]["equal"] and report["parity"]["images"] == 64
    # What it printed, and the file it wrote: lutsim loads it and measures the same accuracy.
    for line in ("lutsim.qat: mobilenet on fashion-mnist (4000 training, 500 test images), 2-bit lut-per-layer",
                 "float accuracy", "fake-quant accuracy", "integer accuracy", "parity: integer_forward vs "
                 "lutsim.run: bit-exact: 64 images, 10 values", f"wrote {out}"):
        assert line in r.stdout, r.stdout
    assert "step 40/40  loss" in r.stderr
    net = lutsim.Network.load(out)
    d = data("fashion-mnist")
    res = lutsim.evaluate(net, d["test_x"][:500], d["test_y"][:500])
    assert res.accuracy == report["integer_accuracy"]
    assert f"({res.correct}/500, lutsim.evaluate" in r.stdout


def test_ptq_method_and_float_training_from_scratch(tmp_path):
    rep = tmp_path / "r.json"
    r = qat("--model", "lenet5", "--method", "ptq", "--float-epochs", 0.02, "--train-images", 3200,
            "--test-images", 200, "--parity-images", 20, "--acc-bits", 16, "--rounding", "floor",
            "--shift", "per-channel", "-o", tmp_path / "m.npz", "--report", rep, "--quiet")
    report = json.loads(rep.read_text())
    assert report["train_seconds"] == 0 and report["integer_accuracy"] == report["start_integer_accuracy"]
    # Measured on the machine of the scheme (A = 16, floor), not on the default config, where it differs.
    d = data("fashion-mnist")
    x, y = d["test_x"][:200], d["test_y"][:200]
    hw = lutsim.HwConfig.load("default").replace(acc_bits=16, rounding="floor")
    net = lutsim.Network.load(tmp_path / "m.npz")
    assert report["integer_accuracy"] == lutsim.evaluate(net, x, y, hw=hw).accuracy
    assert report["integer_accuracy"] != lutsim.evaluate(net, x, y).accuracy
    assert "trained from scratch for 0.02 epochs" in r.stdout and "A=16, floor" in r.stdout
    assert report["parity"]["equal"] and r.stderr == ""


def test_errors():
    r = qat("--weight-bits", 5, "-o", "x.npz", check=False)
    assert r.returncode == 2 and "argument --weight-bits: invalid choice: 5" in r.stderr
    r = subprocess.run([sys.executable, "-m", "lutsim.qat", "--data-dir", "/nonexistent", "-o", "x.npz"],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "lutsim.qat: /nonexistent/train_x.npy: not found" in r.stderr
