#!/usr/bin/env bash
# Stop the one-node Slurm cluster started by ci/slurm/start.sh.
#
#   ci/slurm/stop.sh               cancel leftover jobs, stop slurmd and slurmctld, and
#                                  munged if start.sh was the one that started it
#   ci/slurm/stop.sh --slurm-only  leave munged running (start.sh uses this on restart)
#
# Daemons are found by the pid files under $ESCALATE_SLURM_DIR (default
# /tmp/escalate-slurm); each is sent SIGTERM, waited for (bounded), then SIGKILLed.
# Safe to run when nothing is running. Messages go to stderr.
set -euo pipefail
export PATH="/usr/sbin:/usr/bin:/sbin:/bin:$PATH"

DIR=${ESCALATE_SLURM_DIR:-/tmp/escalate-slurm}
STOP_WAIT=${ESCALATE_SLURM_STOP_WAIT:-30}   # seconds to wait for each daemon to exit
slurm_only=0
case "${1:-}" in
  --slurm-only) slurm_only=1 ;;
  "") ;;
  *) echo "usage: $0 [--slurm-only]" >&2; exit 2 ;;
esac

log() { printf '[slurm/stop] %s\n' "$*" >&2; }

# alive PID NAME: true if PID is a live process whose command name is NAME
# (guards against a stale pid file pointing at a recycled PID).
alive() {
  local comm stat
  [ -n "$1" ] && [ -r "/proc/$1/comm" ] || return 1
  read -r comm 2>/dev/null <"/proc/$1/comm" || return 1
  [ "$comm" = "$2" ] || return 1
  # A zombie (state Z, e.g. the daemon's exited fork parent) counts as gone.
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

# stop_pid NAME PID: SIGTERM, wait up to STOP_WAIT s, then SIGKILL.
stop_pid() {
  local name=$1 pid=$2 i
  alive "$pid" "$name" || return 0
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_WAIT * 5; i++)); do
    alive "$pid" "$name" || { log "$name stopped"; return 0; }
    sleep 0.2
  done
  log "$name (pid $pid) still running after ${STOP_WAIT}s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 25; i++)); do
    alive "$pid" "$name" || return 0
    sleep 0.2
  done
  log "WARNING: $name (pid $pid) did not exit"
  return 1
}

# stop_pidfile NAME FILE
stop_pidfile() {
  local name=$1 file=$2 pid
  [ -f "$file" ] || return 0
  pid=$(tr -dc '0-9' 2>/dev/null <"$file" || true)
  stop_pid "$name" "$pid" || return 1
  rm -f "$file"
}

rc=0
conf="$DIR/slurm.conf"
ctld_pid=$(tr -dc '0-9' 2>/dev/null <"$DIR/run/slurmctld.pid" || true)

# Cancel jobs that are still queued or running, so no job step outlives slurmd.
if [ -f "$conf" ] && alive "$ctld_pid" slurmctld; then
  export SLURM_CONF="$conf"
  jobs=$(timeout 10 squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ' || true)
  if [ -n "${jobs// /}" ]; then
    log "cancelling leftover jobs: $jobs"
    # shellcheck disable=SC2086  # word splitting of the job id list is intended
    timeout 10 scancel --quiet $jobs 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      [ -z "$(timeout 5 squeue -h -o %A 2>/dev/null || true)" ] && break
      sleep 0.2
    done
  fi
fi

stop_pidfile slurmd "$DIR/run/slurmd.pid" || rc=1
stop_pidfile slurmctld "$DIR/run/slurmctld.pid" || rc=1

if [ "$slurm_only" -eq 0 ] && [ -f "$DIR/run/munged.ours" ]; then
  # start.sh started this munged (it was not running before): stop it too.
  stop_pidfile munged "$DIR/run/munged.ours" || rc=1
fi

exit "$rc"
