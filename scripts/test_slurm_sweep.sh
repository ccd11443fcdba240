#!/usr/bin/env bash
# Runs a sweep through a private single-node Slurm (munged, slurmctld and slurmd started by hand, all state under
# one temporary folder) as a job array, one point per task, gathers it, runs the same sweep locally, and checks
# that both results.csv files are identical byte for byte.
#
# Usage: scripts/test_slurm_sweep.sh [LUTSIM_BIN] [SWEEP.yaml]
#   defaults: build/cli/lutsim and examples/sweeps/slurm_small.yaml
# Needs (Debian): apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge
# Exit status: 0 equal, 1 different or failed, 77 Slurm or munge not installed.
#
# What this sandbox needs (see /work/shared/TOOLCHAIN.md): munged as user munge with its own key and socket,
# slurm.conf pointing at it (AuthInfo=socket=...), non-default ports, proctrack/linuxproc and task/none (the cgroup
# plugins fail here, so jobs are judged by their output files, which --gather checks), batch_sched_delay=0.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(realpath "${1:-$root/build/cli/lutsim}")
sweep=$(realpath "${2:-$root/examples/sweeps/slurm_small.yaml}")
for c in munged mungekey slurmctld slurmd sbatch sinfo squeue; do
  if ! command -v "$c" >/dev/null; then
    echo "test_slurm_sweep: $c not found (apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge)"
    exit 77
  fi
done
[ -x "$bin" ] || { echo "test_slurm_sweep: no lutsim binary at $bin"; exit 1; }

tmp=$(mktemp -d /tmp/lutsim-slurm.XXXXXX)
chmod 755 "$tmp"
pids=()
cleanup() {
  # Only the daemons this script started, by their ids; they linger as zombies for a moment here.
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do
      st=$(ps -o stat= -p "$p" 2>/dev/null || true)
      [ -z "$st" ] || [ "${st:0:1}" = Z ] && break
      sleep 0.1
    done
  done
  if [ "${KEEP:-0}" = 1 ]; then echo "test_slurm_sweep: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# munge: its own key, socket, log and pid file.
mkdir -p "$tmp/munge"
chown munge: "$tmp/munge"
chmod 700 "$tmp/munge"
runuser -u munge -- mungekey --create --keyfile="$tmp/munge/munge.key"
runuser -u munge -- munged --force --socket="$tmp/munge/munge.socket" --key-file="$tmp/munge/munge.key" \
  --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munge/munged.log" --seed-file="$tmp/munge/munged.seed"
for _ in $(seq 50); do [ -s "$tmp/munge/munged.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$tmp/munge/munged.pid")")

# Free ports near a random base.
port=$(( 20000 + RANDOM % 20000 ))
cpus=$(nproc)
mkdir -p "$tmp/state" "$tmp/spool"
cat > "$tmp/slurm.conf" <<CONF
ClusterName=lutsim
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge/munge.socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MailProg=/bin/true
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=batch_sched_delay=0
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$tmp/slurm.conf
slurmctld -D -i -f "$SLURM_CONF" >"$tmp/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" >"$tmp/slurmd.out" 2>&1 &
pids+=($!)
state=
for _ in $(seq 100); do
  state=$(sinfo -h -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 0.2
done
if [ "$state" != idle ]; then
  echo "test_slurm_sweep: the node did not become idle (state '$state'); logs in $tmp"; KEEP=1; exit 1
fi

n=$("$bin" sweep "$sweep" --count)
echo "test_slurm_sweep: $n points of $sweep, Slurm up on port $port"
t0=$(date +%s.%N)
"$bin" sweep "$sweep" --print-sbatch --out "$tmp/slurm" > "$tmp/job.sh"
sbatch --wait "$tmp/job.sh" > "$tmp/sbatch.out" || true   # judged by the result files below, not the exit code
t1=$(date +%s.%N)
"$bin" sweep "$sweep" --gather --out "$tmp/slurm"
"$bin" sweep "$sweep" --out "$tmp/local" 2>"$tmp/local.log"
t2=$(date +%s.%N)
if cmp -s "$tmp/slurm/results.csv" "$tmp/local/results.csv"; then
  echo "test_slurm_sweep: identical results.csv from Slurm ($(echo "$t1 - $t0" | bc) s) and local ($(echo "$t2 - $t1" | bc) s) runs"
  [ -n "${COPY_RESULTS:-}" ] && cp "$tmp/slurm/results.csv" "$COPY_RESULTS"
  exit 0
fi
echo "test_slurm_sweep: results differ:"
diff "$tmp/slurm/results.csv" "$tmp/local/results.csv" | head -20
KEEP=1
exit 1
