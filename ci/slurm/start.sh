#!/usr/bin/env bash
# Start a one-node Slurm cluster (munged + slurmctld + slurmd) on localhost, as root.
#
#   eval "$(ci/slurm/start.sh)"     # exports SLURM_CONF for sbatch/sinfo/the tests
#
# stdout: exactly one line, `export SLURM_CONF=<dir>/slurm.conf`; all messages go to stderr.
# Env:
#   ESCALATE_SLURM_DIR   state dir (default /tmp/escalate-slurm): slurm.conf, state/,
#                        spool/, run/ (pid files), log/ (slurmctld.log, slurmd.log)
#   ESCALATE_SLURM_WAIT  seconds to wait for the node to become idle (default 60)
#
# Every start is a fresh cluster: daemons recorded in the state dir (or any other
# slurmctld/slurmd on this machine, which would hold ports 6817/6818) are stopped
# first, and the old job state is cleared. A working munged is reused.
# On failure the tail of the logs is printed and the exit status is non-zero.
set -euo pipefail
export PATH="/usr/sbin:/usr/bin:/sbin:/bin:$PATH"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIR=${ESCALATE_SLURM_DIR:-/tmp/escalate-slurm}
WAIT=${ESCALATE_SLURM_WAIT:-60}

log() { printf '[slurm/start] %s\n' "$*" >&2; }

show_logs() {
  local f
  for f in "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log" /var/log/munge/munged.log; do
    [ -f "$f" ] || continue
    printf '\n----- tail -n 40 %s -----\n' "$f" >&2
    tail -n 40 "$f" >&2 || true
  done
  if [ -n "${SLURM_CONF:-}" ]; then
    printf '\n----- scontrol show node localhost -----\n' >&2
    timeout 5 scontrol show node localhost >&2 2>&1 || true
  fi
}

die() { log "ERROR: $*"; show_logs; exit 1; }

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

pidfile_pid() { tr -dc '0-9' 2>/dev/null <"$1" || true; }

# pids_of NAME: live (non-zombie) processes whose command name is NAME.
pids_of() {
  local d
  for d in /proc/[0-9]*; do
    alive "${d#/proc/}" "$1" && echo "${d#/proc/}"
  done
  return 0
}

[ "$(id -u)" -eq 0 ] || { log "ERROR: must run as root"; exit 1; }
for cmd in munged munge unmunge slurmctld slurmd sinfo scontrol runuser; do
  command -v "$cmd" >/dev/null || { log "ERROR: $cmd not found (install munge slurm-wlm slurmctld slurmd slurm-client)"; exit 1; }
done
case "$DIR" in
  "" | / | *'|'* | *'&'*) log "ERROR: unusable ESCALATE_SLURM_DIR='$DIR'"; exit 1 ;;
esac
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
export ESCALATE_SLURM_DIR="$DIR"
conf="$DIR/slurm.conf"

# ---- 1. stop a previous cluster ------------------------------------------------
bash "$here/stop.sh" --slurm-only || log "WARNING: stop.sh reported a problem; continuing"
for name in slurmd slurmctld; do
  # A daemon from another state dir would hold the ports: stop it as well.
  for pid in $(pids_of "$name"); do
    log "stopping stray $name (pid $pid, not from $DIR)"
    kill -TERM "$pid" 2>/dev/null || true
  done
done
for ((i = 0; i < 150; i++)); do
  [ -z "$(pids_of slurmd)$(pids_of slurmctld)" ] && break
  sleep 0.2
done
if [ -n "$(pids_of slurmd)$(pids_of slurmctld)" ]; then
  log "ERROR: old slurmctld/slurmd did not exit: $(pids_of slurmctld) $(pids_of slurmd)"
  exit 1
fi

rm -rf "$DIR/state" "$DIR/spool"
mkdir -p "$DIR/state" "$DIR/spool" "$DIR/run" "$DIR/log"
: >"$DIR/log/slurmctld.log"
: >"$DIR/log/slurmd.log"

# ---- 2. munge -------------------------------------------------------------------
munge_ok() { munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; }

mkdir -p /etc/munge /run/munge /var/lib/munge /var/log/munge
chown munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge
chmod 0700 /etc/munge /var/log/munge
chmod 0711 /var/lib/munge
chmod 0755 /run/munge
key=/etc/munge/munge.key
if [ ! -s "$key" ]; then
  log "creating munge key $key"
  if command -v mungekey >/dev/null; then
    mungekey --create --keyfile="$key" --force
  else
    dd if=/dev/urandom of="$key" bs=1 count=1024 status=none
  fi
fi
chown munge:munge "$key"
chmod 0400 "$key"

if munge_ok; then
  log "munged already running: reusing it"
else
  old=$(pidfile_pid /run/munge/munged.pid)
  if alive "$old" munged; then
    log "munged (pid $old) is not answering: restarting it"
    kill -TERM "$old" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do alive "$old" munged || break; sleep 0.2; done
  fi
  rm -f "$DIR/run/munged.ours"
  runuser -u munge -- munged || runuser -u munge -- munged --force || die "munged failed to start"
  for ((i = 0; i < 50; i++)); do munge_ok && break; sleep 0.2; done
  munge_ok || die "munged started but munge -n | unmunge fails"
  # Remember that we started it, so stop.sh stops it again.
  pidfile_pid /run/munge/munged.pid >"$DIR/run/munged.ours"
  log "munged started (pid $(cat "$DIR/run/munged.ours"))"
fi

# ---- 3. slurm.conf ----------------------------------------------------------------
host=$(hostname -s)
hw=$(slurmd -C 2>/dev/null | head -n 1 || true)
cpus=$(sed -n 's/.*[[:space:]]CPUs=\([0-9][0-9]*\).*/\1/p' <<<"$hw")
mem=$(sed -n 's/.*[[:space:]]RealMemory=\([0-9][0-9]*\).*/\1/p' <<<"$hw")
[ -n "$cpus" ] || cpus=$(nproc)
[ -n "$mem" ] || mem=$(free -m | awk '/^Mem:/ {print $2}')
if [ -z "$cpus" ] || [ -z "$mem" ]; then die "cannot determine CPUs/RealMemory"; fi
sed -e "s|@STATE_DIR@|$DIR|g" -e "s|@NODE_HOSTNAME@|$host|g" \
    -e "s|@CPUS@|$cpus|g" -e "s|@REAL_MEMORY@|$mem|g" \
    "$here/slurm.conf.in" >"$conf.tmp"
if grep -n '@[A-Z_]*@' "$conf.tmp" >&2; then die "unrendered placeholders in $conf.tmp"; fi
mv "$conf.tmp" "$conf"
export SLURM_CONF="$conf"
log "config $conf (NodeHostname=$host CPUs=$cpus RealMemory=$mem)"

# ---- 4. daemons ---------------------------------------------------------------------
slurmctld -f "$conf" -c || die "slurmctld failed to start"
slurmd -f "$conf" -N localhost || die "slurmd failed to start"

# ---- 5. wait for the node to be idle (bounded) ----------------------------------------
state=""
for ((i = 0; i < WAIT * 4; i++)); do
  if ((i > 8)); then   # pid files appear shortly after the fork
    alive "$(pidfile_pid "$DIR/run/slurmctld.pid")" slurmctld || die "slurmctld exited"
    alive "$(pidfile_pid "$DIR/run/slurmd.pid")" slurmd || die "slurmd exited"
  fi
  state=$(timeout 5 sinfo -h -N -n localhost -o %T 2>/dev/null || true)
  case "$state" in
    idle) break ;;
    *inval* | *drain*) die "node localhost is '$state'" ;;
  esac
  sleep 0.25
done
[ "$state" = idle ] || die "node localhost not idle after ${WAIT}s (state: '${state:-no answer}')"

log "cluster up: $(timeout 5 sinfo -h -o '%P %a %D %T %N' | tr '\n' ' ')"
printf 'export SLURM_CONF=%q\n' "$conf"
