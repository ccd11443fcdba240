#!/usr/bin/env python3
"""Renders a lutsim timeline (Chrome trace-event JSON from `lutsim sim --timeline`) as a self-contained HTML page
with one SVG row per track, for screenshots where Perfetto or chrome://tracing cannot be driven (offline,
headless). Perfetto and chrome://tracing open the same JSON directly.

    sim/tools/timeline_html.py T.json OUT.html [--from US] [--to US] [--width PX]
"""
import argparse
import html
import json

COLORS = {"LOAD": "#4e79a7", "STORE": "#59a14f", "WCFG": "#b07aa1", "GEMM weight load": "#f1ce63",
          "GEMM stream": "#e15759", "GEMM drain": "#ff9d9a", "VEC": "#76b7b2", "PPU": "#edc948", "SYNC": "#bab0ac"}
STALL = {"stall: dram": "#9ecae9", "stall: token": "#d9d9d9", "stall: compute": "#fdd0a2",
         "stall: queue_full": "#c7c7c7"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("trace")
    ap.add_argument("out")
    ap.add_argument("--from", dest="t0", type=float, default=None)
    ap.add_argument("--to", dest="t1", type=float, default=None)
    ap.add_argument("--width", type=int, default=1500)
    a = ap.parse_args()
    tr = json.load(open(a.trace))
    ev = tr["traceEvents"]
    names = {e["tid"]: e["args"]["name"] for e in ev if e.get("ph") == "M" and e["name"] == "thread_name"}
    spans = [e for e in ev if e.get("ph") == "X"]
    t0 = a.t0 if a.t0 is not None else 0.0
    t1 = a.t1 if a.t1 is not None else max(e["ts"] + e["dur"] for e in spans)
    left, row, top = 110, 34, 40
    w = a.width - left - 20
    sx = w / (t1 - t0)
    tids = sorted(names)
    height = top + row * len(tids) + 70
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{a.width}" height="{height}" font-family="sans-serif" '
           f'font-size="12">', f'<rect width="100%" height="100%" fill="white"/>']
    other = tr.get("otherData", {})
    out.append(f'<text x="10" y="22" font-size="15">lutsim timeline: {html.escape(str(other.get("network", "")))} on '
               f'{html.escape(str(other.get("hw", "")))}, {other.get("cycles", "?")} cycles at '
               f'{other.get("clock_mhz", "?")} MHz ({t0:.1f}-{t1:.1f} us shown)</text>')
    for i, tid in enumerate(tids):
        y = top + i * row
        out.append(f'<text x="8" y="{y + row * 0.6}">{html.escape(names[tid])}</text>')
        out.append(f'<line x1="{left}" x2="{left + w}" y1="{y + row - 2}" y2="{y + row - 2}" stroke="#eee"/>')
        for e in spans:
            if e["tid"] != tid or e["ts"] + e["dur"] < t0 or e["ts"] > t1:
                continue
            x = left + (max(e["ts"], t0) - t0) * sx
            x2 = left + (min(e["ts"] + e["dur"], t1) - t0) * sx
            name = e["name"]
            color = COLORS.get(name) or STALL.get(name) or ("#8cd17d" if e.get("cat") == "layer" else "#999")
            if e.get("cat") == "layer":
                color = ["#cfe2f3", "#d9ead3"][hash(name) % 2]
            out.append(f'<rect x="{x:.2f}" y="{y + 3}" width="{max(x2 - x, 0.6):.2f}" height="{row - 8}" '
                       f'fill="{color}" stroke="{"#666" if e.get("cat") == "layer" else "none"}" stroke-width="0.5">'
                       f'<title>{html.escape(name)} {e["dur"]:.3f} us</title></rect>')
            if e.get("cat") == "layer" and x2 - x > 30:
                out.append(f'<text x="{x + 3:.1f}" y="{y + row * 0.6}" font-size="11">{html.escape(name)}</text>')
    ya = top + row * len(tids) + 5
    for k in range(11):
        t = t0 + (t1 - t0) * k / 10
        x = left + (t - t0) * sx
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{ya}" stroke="#ddd"/>')
        out.append(f'<text x="{x:.1f}" y="{ya + 14}" text-anchor="middle">{t:.1f} us</text>')
    lx = left
    for name, color in list(COLORS.items()) + list(STALL.items()):
        out.append(f'<rect x="{lx}" y="{ya + 26}" width="12" height="12" fill="{color}"/>')
        out.append(f'<text x="{lx + 16}" y="{ya + 36}">{html.escape(name)}</text>')
        lx += 16 + 7 * len(name) + 14
    out.append("</svg>")
    with open(a.out, "w") as f:
        f.write("<!DOCTYPE html><html><head><meta charset='utf-8'><title>lutsim timeline</title></head>"
                "<body style='margin:0'>" + "\n".join(out) + "</body></html>\n")


if __name__ == "__main__":
    main()
