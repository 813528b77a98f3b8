#!/usr/bin/env bash
# Stops what test/s3/start.sh started in DIR (RGW, then the OSD, then the monitor: each
# hangs on SIGTERM when stopped in another order), by the pids it recorded, SIGKILL after a
# short wait, then removes DIR. Idempotent: a missing DIR or a dead pid is not an error.
set -u
D="${1:?usage: stop.sh DATA_DIR}"
case "$D" in /tmp/krgw.*) ;; *) echo "stop.sh: $D is not a test/s3 data dir" >&2; exit 2 ;; esac
for daemon in rgw osd mon; do
  pid=$(cat "$D/$daemon.pid" 2>/dev/null) || continue
  kill -TERM "$pid" 2>/dev/null || continue
  for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
  for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
done
rm -rf "$D"
