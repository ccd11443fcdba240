#!/usr/bin/python3
"""An independent re-computation of a lutsim network's integer outputs with NumPy alone.

Reads the network file (docs/format.md) with numpy.load, decodes every conv2d/dense weight from its stored codes and
LUT, and evaluates the graph by the formulas of docs/arithmetic.md (exact int64 sums, wrap to A bits,
rshift_round, clamp), sharing no code with lutsim. Compares the result with lutsim's output bit for bit.

Usage: /usr/bin/python3 tests/python/quant_numpy_check.py NET.npz INPUT.npy LUTSIM_OUTPUT.npy [--acc-bits 32]
       [--rounding half_up|half_even|floor]
Exits 0 when every element agrees; otherwise prints the first mismatch (layer output, index, both values).
"""
import argparse
import json
import sys

import numpy as np


def wrap(v, bits):
    m = np.int64(1) << np.int64(bits)
    h = np.int64(1) << np.int64(bits - 1)
    return ((v + h) % m) - h  # numpy % on int64 gives a result in [0, m)


def rshift_round(v, s, mode):
    v = v.astype(np.int64)
    s = np.asarray(s, dtype=np.int64)
    left = v * (np.int64(1) << np.maximum(-s, 0))
    sp = np.maximum(s, 0)
    q = v >> sp  # floor
    r = v - (q << sp)
    half = np.where(sp > 0, np.int64(1) << np.maximum(sp - 1, 0), 0)
    if mode == "floor":
        right = q
    elif mode == "half_up":
        right = (v + half) >> sp
    else:  # half_even
        right = np.where(r > half, q + 1, np.where(r < half, q, q + (q & 1)))
    return np.where(s < 0, left, np.where(s == 0, v, right))


def window_positions(H, W, win):
    kh, kw = win["kernel"]
    sh, sw = win["stride"]
    dh, dw = win["dilation"]
    pt, pl, pb, pr = win["pads"]
    OH = (H + pt + pb - (dh * (kh - 1) + 1)) // sh + 1
    OW = (W + pl + pr - (dw * (kw - 1) + 1)) // sw + 1
    return OH, OW, kh, kw, sh, sw, dh, dw, pt, pl


def taps(x, win, fill):
    """x [N, H, W, C] -> patches [N, OH, OW, KH, KW, C] and a validity mask [OH, OW, KH, KW]."""
    N, H, W, C = x.shape
    OH, OW, kh, kw, sh, sw, dh, dw, pt, pl = window_positions(H, W, win)
    out = np.full((N, OH, OW, kh, kw, C), fill, dtype=np.int64)
    valid = np.zeros((OH, OW, kh, kw), dtype=bool)
    for i in range(kh):
        for j in range(kw):
            ih = np.arange(OH) * sh + i * dh - pt
            iw = np.arange(OW) * sw + j * dw - pl
            okh = (ih >= 0) & (ih < H)
            okw = (iw >= 0) & (iw < W)
            valid[:, :, i, j] = okh[:, None] & okw[None, :]
            sub = x[:, np.clip(ih, 0, H - 1)][:, :, np.clip(iw, 0, W - 1)]
            m = (okh[:, None] & okw[None, :])[None, :, :, None]
            out[:, :, :, i, j, :] = np.where(m, sub, fill)
    return out, valid


def run(path, x, acc_bits, mode):
    net = np.load(path)
    g = json.loads(net["graph.json"])
    vals = {v["name"]: v for v in g["values"]}
    t = {g["input"]: x.astype(np.int64)}
    for L in g["layers"]:
        op, name = L["op"], L["name"]
        ins = [t[i] for i in L["inputs"]]
        ov = vals[L["output"]]
        if op in ("conv2d", "dense"):
            w = net[name + ".weights"].astype(np.int64)
            if L["weight_bits"] <= 4:
                lut = net[name + ".lut"].astype(np.int64)
                rows = np.arange(w.shape[0]) if L["lut_mode"] == "per_channel" else np.zeros(w.shape[0], dtype=int)
                w = lut[rows[:, None, None, None], w]
            bias = net[name + ".bias"].astype(np.int64)
            a = ins[0]
            O, KH, KW, I = w.shape
            if op == "dense":
                a = a.reshape(a.shape[0], 1, 1, -1)
                win = {"kernel": [1, 1], "stride": [1, 1], "dilation": [1, 1], "pads": [0, 0, 0, 0]}
                G = 1
            else:
                win = L
                G = L["groups"]
            p, _ = taps(a, win, 0)  # [N, OH, OW, KH, KW, C]
            outs = []
            Og = O // G
            for gi in range(G):
                pg = p[..., gi * I:(gi + 1) * I]
                wg = w[gi * Og:(gi + 1) * Og]
                outs.append(np.einsum("nhwabi,oabi->nhwo", pg, wg, dtype=np.int64, optimize=False))
            acc = wrap(np.concatenate(outs, axis=-1) + bias, acc_bits)
            if ov["dtype"] == "s32":
                y = acc
            else:
                s = net[name + ".shift"].astype(np.int64)
                y = np.clip(rshift_round(acc, s if s.size > 1 else s[0], mode), L["act_min"], L["act_max"])
        elif op == "maxpool":
            p, valid = taps(ins[0], L, np.iinfo(np.int64).min)
            y = p.max(axis=(3, 4))
        elif op in ("avgpool", "global_avgpool"):
            a = ins[0]
            if op == "global_avgpool":
                ssum = a.sum(axis=(1, 2), keepdims=True)
            else:
                p, _ = taps(a, L, 0)
                ssum = p.sum(axis=(3, 4))
            y = np.clip(rshift_round(ssum, L["shift"], mode), L["act_min"], L["act_max"])
        elif op == "add":
            v = (ins[0] << L["la"]) + (ins[1] << L["lb"])
            y = np.clip(rshift_round(v, L["shift"], mode), L["act_min"], L["act_max"])
        elif op == "concat":
            y = np.concatenate(ins, axis=-1)
        elif op == "reshape":
            y = ins[0].reshape(ins[0].shape[0], ov["shape"][0], ov["shape"][1], ov["shape"][2])
        else:
            raise SystemExit(f"unknown op {op}")
        t[L["output"]] = y
    return t[g["output"]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("net")
    ap.add_argument("input")
    ap.add_argument("lutsim_output")
    ap.add_argument("--acc-bits", type=int, default=32)
    ap.add_argument("--rounding", default="half_up", choices=["half_up", "half_even", "floor"])
    a = ap.parse_args()
    x = np.load(a.input)
    want = np.load(a.lutsim_output).astype(np.int64)
    got = run(a.net, x, a.acc_bits, a.rounding)
    if got.shape != want.shape:
        sys.exit(f"shape mismatch: numpy {got.shape}, lutsim {want.shape}")
    bad = np.argwhere(got != want)
    if len(bad):
        i = tuple(bad[0])
        sys.exit(f"{len(bad)} of {got.size} elements differ; first at {i}: numpy {got[i]}, lutsim {want[i]}")
    print(f"all {got.size} output elements agree bit for bit")


if __name__ == "__main__":
    main()
