#!/usr/bin/env bash
# Synthesises every RTL module under rtl/ to Yosys's generic cells (synth -flatten -top X; stat), one module as top
# at a time with its default parameters (overrides in rtl/synth/params.txt), prints the cell counts, fails when
# any latch is inferred, and writes the counts to rtl/synth/cell_counts.json for the area model.
#
# Usage: scripts/synth.sh [-s DIR]... [-m MODULE]... [-p MODULE:PARAM=VALUE]... [-o OUT.json] [-j JOBS]
#   -s  read only the .sv files of these rtl/ parts (default: every rtl/*/ folder)
#   -m  synthesise only these modules (default: every module found in the files read)
#   -p  extra parameter override (after rtl/synth/params.txt)
#   -o  JSON output (default rtl/synth/cell_counts.json)
#   -j  modules synthesised at once (default 1; the machine has 2 cores shared with others)
# Needs yosys (Debian yosys 0.23) and python3. Exit status: 0 clean, 1 latch or Yosys error, 2 usage.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/rtl/synth/cell_counts.json
jobs=1
modules=()
extra=()
dirs=()
while getopts "s:m:p:o:j:h" opt; do
  case $opt in
    s) dirs+=("$root/$OPTARG") ;;
    m) modules+=("$OPTARG") ;;
    p) extra+=("$OPTARG") ;;
    o) out=$OPTARG ;;
    j) jobs=$OPTARG ;;
    *) sed -n '2,13p' "$0" >&2; exit 2 ;;
  esac
done
command -v yosys >/dev/null || { echo "synth.sh: error: yosys not found (apt-get install yosys)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The ISA package, from isa.h's field tables (equal to the build's gen_isa_pkg output; a ctest checks it).
python3 "$root/rtl/post/isa_pkg_bootstrap.py" "$root/firmware/include/lutsim/firmware/isa.h" "$work/lutsim_isa_pkg.sv"

# Sources: every .sv of an RTL part (not the harnesses), packages first.
if [ ${#dirs[@]} -eq 0 ]; then dirs=("$root"/rtl/*/); fi
mapfile -t all < <(find "${dirs[@]}" -maxdepth 1 -name '*.sv' | sort)
pkgs=("$work/lutsim_isa_pkg.sv")
srcs=()
for f in "${all[@]}"; do
  if grep -qE '^\s*package\s' "$f"; then pkgs+=("$f"); else srcs+=("$f"); fi
done
files=("${pkgs[@]}" "${srcs[@]}")
if [ ${#modules[@]} -eq 0 ]; then
  mapfile -t modules < <(sed -nE 's/^\s*module\s+([A-Za-z_][A-Za-z0-9_]*).*/\1/p' "${srcs[@]}" | sort -u)
fi

overrides_of() {  # MODULE -> "PARAM=VALUE ..." from params.txt and -p
  local m=$1
  awk -v m="$m" '$1 == m && $2 != "skip" { for (i = 2; i <= NF; i++) printf "%s ", $i }' "$root/rtl/synth/params.txt"
  for e in "${extra[@]}"; do [ "${e%%:*}" = "$m" ] && printf "%s " "${e#*:}"; done
  return 0
}

synth_one() {  # MODULE
  local m=$1 chp="" kv
  for kv in $(overrides_of "$m"); do chp+=" -chparam ${kv%%=*} ${kv#*=}"; done
  local start=$SECONDS
  if yosys -l "$work/$m.log" -q -p "read_verilog -sv ${files[*]}; hierarchy -top $m$chp; proc;
      tee -q -o $work/$m.latches.txt select -list t:\$dlatch t:\$dlatchsr t:\$adlatch;
      synth -flatten -top $m; tee -q -o $work/$m.stat.json stat -json" >/dev/null 2>&1; then
    echo $((SECONDS - start)) >"$work/$m.secs"
  else
    echo "synth.sh: error: Yosys failed on $m (log follows)" >&2
    tail -20 "$work/$m.log" >&2
    return 1
  fi
}

status=0
running=0
for m in "${modules[@]}"; do
  if awk -v m="$m" '$1 == m && $2 == "skip" { found = 1 } END { exit !found }' "$root/rtl/synth/params.txt"; then
    echo "synth.sh: $m: skipped ($(awk -v m="$m" '$1 == m { $1 = $2 = ""; print }' "$root/rtl/synth/params.txt" | sed 's/^ *//'))"
    continue
  fi
  synth_one "$m" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait -n || status=1; running=$((running - 1)); fi
done
while [ "$running" -gt 0 ]; do wait -n || status=1; running=$((running - 1)); done

# Report, latch check and JSON.
export SYNTH_EXTRA="${extra[*]}"
python3 - "$work" "$out" "$root" "${modules[@]}" <<'PY' -- "${srcs[@]}" || status=1
import json, os, re, subprocess, sys
sep = sys.argv.index("--")
work, out, root, modules, srcs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:sep], sys.argv[sep + 1:]
# Default parameters, from each module's header: "parameter [type] NAME = VALUE".
defaults = {}
for f in srcs:
    text = re.sub(r"/\*.*?\*/", "", re.sub(r"//[^\n]*", "", open(f).read()), flags=re.S)
    for m in re.finditer(r"\bmodule\s+(\w+)\s*#\s*\((.*?)\)\s*\(", text, re.S):
        defaults[m.group(1)] = dict(re.findall(r"parameter\s+(?:[\w\s]*?\[[^\]]*\]\s*|[\w\s]*?)(\w+)\s*=\s*([^,]+?)\s*(?:,|$)", m.group(2).strip()))
def overrides(m):
    r = {}
    for line in open(os.path.join(root, "rtl/synth/params.txt")):
        f = line.split()
        if f and f[0] == m and len(f) > 1 and f[1] != "skip":
            r.update(kv.split("=", 1) for kv in f[1:])
    for e in os.environ.get("SYNTH_EXTRA", "").split():
        if e.split(":", 1)[0] == m:
            r.update([e.split(":", 1)[1].split("=", 1)])
    return r
def pval(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return v
result = {"tool": subprocess.run(["yosys", "-V"], capture_output=True, text=True).stdout.strip(),
          "command": "synth -flatten -top MODULE; stat", "modules": []}
bad = False
for m in modules:
    stat = os.path.join(work, m + ".stat.json")
    if not os.path.exists(stat):
        continue
    s = json.load(open(stat))["design"]
    cells = s["num_cells_by_type"]
    latches = open(os.path.join(work, m + ".latches.txt")).read().split()
    latches += [t for t in cells if "DLATCH" in t.upper()]
    params = {k: pval(v) for k, v in defaults.get(m, {}).items()}
    params.update({k: pval(v) for k, v in overrides(m).items()})
    ff = sum(n for t, n in cells.items() if "DFF" in t.upper())
    print(f"{m:24s} {s['num_cells']:8d} cells {ff:7d} flip-flops  "
          f"({open(os.path.join(work, m + '.secs')).read().strip()} s)  params {params}")
    if latches:
        print(f"synth.sh: error: {m}: latches inferred: {' '.join(latches)}", file=sys.stderr)
        bad = True
    result["modules"].append({"module": m, "params": params, "cells_by_type": cells, "total": s["num_cells"],
                              "flip_flops": ff, "latches": len(latches)})
os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
with open(out, "w") as f:
    json.dump(result, f, indent=1, sort_keys=True)
    f.write("\n")
print(f"wrote {out}")
sys.exit(1 if bad else 0)
PY
exit $status
