#!/usr/bin/python3
"""Joins bench_kernels' CSV and onednn_conv.py's CSV into one table (Markdown) of GMAC/s and ratios.

Usage: python3 bench/report.py LUTSIM.csv ONEDNN.csv

Per layer: lutsim's and onednn's GMAC/s (from median run times) and their ratio, for each thread count.
The total row is the whole set of ResNet-18 conv layers, each shape weighted by how often it occurs:
sum(count * macs) / sum(count * median time). A second table does the same from the fastest run of each
measurement, which shows what the code reaches when the machine leaves it alone.
"""
import csv
import sys


def load(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    for col, title in (("median_s", "Median run time"), ("best_s", "Fastest run")):
        print(f"{title}, GMAC/s:\n")
        table(load(sys.argv[1]), load(sys.argv[2]), col)
        print()


def table(lut, dnn_rows, col):
    dnn = {(r["layer"], r["threads"]): r for r in dnn_rows}
    threads = sorted({r["threads"] for r in lut}, key=int)
    layers = []
    for r in lut:
        if r["layer"] not in [l["layer"] for l in layers]:
            layers.append(r)
    by = {(r["layer"], r["threads"]): r for r in lut}

    head = "| layer | count | shape (HxWxCin -> Cout, k, stride) | MMAC |"
    rule = "|---|---:|---|---:|"
    for t in threads:
        head += f" lutsim {t}T | onednn {t}T | ratio {t}T |"
        rule += "---:|---:|---:|"
    print(head)
    print(rule)
    tot = {t: [0.0, 0.0, 0.0] for t in threads}  # macs, lutsim seconds, onednn seconds
    for l in layers:
        shape = f'{l["h"]}x{l["w"]}x{l["cin"]} -> {l["cout"]}, {l["k"]}x{l["k"]}, s{l["stride"]}'
        line = f'| {l["layer"]} | {l["count"]} | {shape} | {int(l["macs"]) / 1e6:.1f} |'
        for t in threads:
            a = by.get((l["layer"], t))
            b = dnn.get((l["layer"], t))
            if a is None or b is None:
                line += " - | - | - |"
                continue
            ga, gb = int(a["macs"]) / float(a[col]) * 1e-9, int(b["macs"]) / float(b[col]) * 1e-9
            line += f" {ga:.1f} | {gb:.1f} | {ga / gb:.2f} |"
            n = int(l["count"])
            tot[t][0] += n * int(l["macs"])
            tot[t][1] += n * float(a[col])
            tot[t][2] += n * float(b[col])
        print(line)
    macs = sum(int(l["count"]) * int(l["macs"]) for l in layers)
    line = f"| **total** | {sum(int(l['count']) for l in layers)} | all ResNet-18 convs | {macs / 1e6:.1f} |"
    for t in threads:
        m, sa, sb = tot[t]
        if sa and sb:
            ga, gb = m / sa * 1e-9, m / sb * 1e-9
            line += f" **{ga:.1f}** | **{gb:.1f}** | **{ga / gb:.2f}** |"
        else:
            line += " - | - | - |"
    print(line)


if __name__ == "__main__":
    main()
