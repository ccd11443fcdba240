#!/usr/bin/python3
"""NumPy interoperability of lutsim's file formats, driven by tests/model/format_test.cc.

    numpy_interop.py check DIR   read what lutsim wrote into DIR with NumPy alone, check it, and save each
                                 conv2d/dense layer's weights decoded through its LUT as DIR/decoded_<layer>.npy
    numpy_interop.py write DIR   write .npy and .npz files with NumPy for lutsim to read

Run it with Debian's /usr/bin/python3 (python3-numpy). The tensors are defined by the same formulas as
interop_tensors() in format_test.cc.
"""
import json
import pathlib
import sys
import zipfile

import numpy as np


def expected():
    i = np.arange(24, dtype=np.int64)
    return {
        "u8": ((i * 7 + 3) % 256).astype(np.uint8).reshape(2, 3, 4),
        "s8": ((np.arange(5, dtype=np.int64) * 37) % 256 - 128).astype(np.int8),
        "s32": ((np.arange(12, dtype=np.uint64) * 2654435761) % 2**32).astype(np.uint32).view(np.int32).reshape(3, 4),
        "f32": (np.arange(8, dtype=np.float32) * np.float32(0.25) - np.float32(1.5)).reshape(2, 2, 2),
        "scalar": np.array(-7, dtype=np.int32),
        "empty": np.zeros((0, 3), dtype=np.uint8),
    }


DESCR = {"u8": "|u1", "s8": "|i1", "s32": "<i4", "f32": "<f4", "scalar": "<i4", "empty": "|u1"}


def fail(msg):
    print("numpy_interop.py:", msg)
    sys.exit(1)


def check(d):
    for name, want in expected().items():
        path = d / f"lutsim_{name}.npy"
        got = np.load(path)
        if got.dtype.str != DESCR[name] or got.shape != want.shape:
            fail(f"{path}: {got.dtype.str} {got.shape}, expected {DESCR[name]} {want.shape}")
        if got.tobytes() != want.tobytes():
            fail(f"{path}: values differ: {got.tolist()} != {want.tolist()}")

    path = d / "lutsim_net.npz"
    net = np.load(path)
    graph = json.loads(net["graph.json"])
    if graph["format"] != "lutsim-network" or graph["version"] != 1:
        fail(f"{path}: format {graph['format']!r} version {graph['version']!r}")
    expect_members = {"graph.json"}
    for layer in graph["layers"]:
        if layer["op"] not in ("conv2d", "dense"):
            continue
        name = layer["name"]
        kinds = ["weights", "bias"]
        if layer["weight_bits"] <= 4:
            kinds.append("lut")
        if "act_min" in layer:  # an 8-bit output is shifted and clamped
            kinds.append("shift")
        expect_members |= {f"{name}.{k}" for k in kinds}
        w = net[name + ".weights"]
        if layer["weight_bits"] <= 4:
            lut = net[name + ".lut"]
            rows = np.arange(w.shape[0]) if layer["lut_mode"] == "per_channel" else np.zeros(w.shape[0], dtype=int)
            w = lut[rows[:, None, None, None], w]
        if w.dtype != np.int8 or w.ndim != 4:
            fail(f"{path}: layer {name}: decoded weights are {w.dtype} {w.shape}")
        np.save(d / f"decoded_{name}.npy", w)
    if set(net.files) != expect_members:
        fail(f"{path}: members {sorted(net.files)}, expected {sorted(expect_members)}")
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            if info.compress_type != zipfile.ZIP_STORED:
                fail(f"{path}: member {info.filename} is compressed")
        if z.testzip() is not None:
            fail(f"{path}: bad CRC")


def write(d):
    arrays = expected()
    for name, a in arrays.items():
        np.save(d / f"numpy_{name}.npy", a)
    for version in ((2, 0), (3, 0)):
        with open(d / f"numpy_s32_v{version[0]}.npy", "wb") as f:
            np.lib.format.write_array(f, arrays["s32"], version=version)
    np.save(d / "numpy_fortran.npy", np.asfortranarray(arrays["s32"]))
    np.save(d / "numpy_big.npy", arrays["s32"].astype(">i4"))
    np.save(d / "numpy_i8.npy", np.arange(3, dtype=np.int64))

    # A network written by NumPy and Python's zipfile alone: the parameter tensors through np.savez (and
    # np.savez_compressed), graph.json appended as a plain member.
    net = np.load(d / "lutsim_net.npz")
    params = {k: net[k] for k in net.files if k != "graph.json"}
    for out, save in (("numpy_net.npz", np.savez), ("numpy_net_compressed.npz", np.savez_compressed)):
        save(d / out, **params)
        with zipfile.ZipFile(d / out, "a") as z:
            z.writestr("graph.json", net["graph.json"])


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("check", "write"):
        fail(__doc__)
    d = pathlib.Path(sys.argv[2])
    check(d) if sys.argv[1] == "check" else write(d)


if __name__ == "__main__":
    main()
