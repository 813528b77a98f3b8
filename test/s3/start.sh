#!/usr/bin/env bash
# Starts a throwaway single-node Ceph cluster with a RADOS Gateway on 127.0.0.1: one monitor,
# one BlueStore OSD on an 8 GiB sparse file, radosgw (beast) and one S3 user. Needs root and
# Debian's ceph-mon, ceph-osd and radosgw. Each run gets its own short data dir and free
# ports; on success it prints shell assignments on stdout (S3_DIR, AWS_ENDPOINT_URL,
# AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION) and leaves the daemons running:
# stop them with `test/s3/stop.sh "$S3_DIR"`. On failure it prints one line saying why on
# stderr, stops whatever it started, removes the data dir and exits non-zero.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
fail() {
  echo "Ceph RGW did not start: $*" >&2
  [ -n "${S3_DEBUG:-}" ] && [ -n "${D:-}" ] && tail -n 20 "$D"/log/* >&2
  [ -n "${D:-}" ] && "$HERE/stop.sh" "$D" >/dev/null 2>&1
  exit 1
}
for bin in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph; do
  command -v "$bin" >/dev/null 2>&1 || { echo "Ceph RGW cannot start: $bin is not installed (apt-get install ceph-mon ceph-osd radosgw)" >&2; exit 3; }
done
[ "$(id -u)" = 0 ] || { echo "Ceph RGW cannot start: needs root (the daemons create their sockets and block file as root)" >&2; exit 3; }
D="$(mktemp -d /tmp/krgw.XXXXXX)" || fail "cannot make a data dir under /tmp"
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})'; }
MON1=$(free_port); MON2=$(free_port); RGW=$(free_port)
[ "$MON1" != "$MON2" ] && [ "$MON1" != "$RGW" ] && [ "$MON2" != "$RGW" ] || fail "port picking collided, try again"
FSID=$(cat /proc/sys/kernel/random/uuid); OSDUUID=$(cat /proc/sys/kernel/random/uuid)
KEY="KILNTEST$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F)"
SECRET="$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')"
mkdir -p "$D/mon" "$D/osd" "$D/run" "$D/log" "$D/rgw"
MONADDR="[v2:127.0.0.1:$MON2,v1:127.0.0.1:$MON1]"
cat > "$D/ceph.conf" <<CONF
[global]
fsid = $FSID
mon host = $MONADDR
auth cluster required = none
auth service required = none
auth client required = none
auth supported = none
ms mon client mode = crc
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
run dir = $D/run
admin socket = $D/run/\$name.asok
log file = $D/log/\$name.log
pid file = $D/run/\$name.pid
keyring = /dev/null
[mon]
mon data = $D/mon
paxos propose interval = 0.1
[osd]
osd data = $D/osd
osd objectstore = bluestore
bluestore block path = $D/block
bluestore block create = true
bluestore block size = 8589934592
bluestore fsck on mount = false
osd memory target = 939524096
[client]
rgw frontends = beast endpoint=127.0.0.1:$RGW
rgw data = $D/rgw
rgw thread pool size = 64
CONF
C=(-c "$D/ceph.conf")
echo "$D" > "$D/dir"
monmaptool --create --fsid "$FSID" --addv a "$MONADDR" "$D/monmap" >"$D/log/setup.log" 2>&1 || fail "monmaptool failed: $(tail -1 "$D/log/setup.log")"
ceph-mon "${C[@]}" --mkfs -i a --monmap "$D/monmap" >>"$D/log/setup.log" 2>&1 || fail "ceph-mon --mkfs failed: $(tail -1 "$D/log/setup.log")"
ceph-mon "${C[@]}" -i a -f >>"$D/log/mon.out" 2>&1 & echo $! > "$D/mon.pid"
timeout 30 ceph "${C[@]}" --connect-timeout 25 osd new "$OSDUUID" >"$D/osd.id" 2>>"$D/log/setup.log" || fail "the monitor did not answer: $(tail -1 "$D/log/setup.log")"
ID=$(tr -d ' \n' < "$D/osd.id")
ceph-osd "${C[@]}" -i "$ID" --mkfs --osd-uuid "$OSDUUID" >>"$D/log/setup.log" 2>&1 || fail "ceph-osd --mkfs failed: $(tail -1 "$D/log/setup.log")"
ceph-osd "${C[@]}" -i "$ID" -f >>"$D/log/osd.out" 2>&1 & echo $! > "$D/osd.pid"
radosgw "${C[@]}" -n client.rgw -f >>"$D/log/rgw.out" 2>&1 & echo $! > "$D/rgw.pid"
for _ in $(seq 1 400); do
  if node -e "fetch('http://127.0.0.1:$RGW/').then(() => process.exit(0), () => process.exit(1))" 2>/dev/null; then up=1; break; fi
  kill -0 "$(cat "$D/rgw.pid")" 2>/dev/null || fail "radosgw exited: $(tail -1 "$D/log/rgw.out" "$D/log/client.rgw.log" 2>/dev/null | tail -1)"
  sleep 0.1
done
[ "${up:-}" = 1 ] || fail "radosgw did not answer on 127.0.0.1:$RGW within about 60 s"
radosgw-admin "${C[@]}" -n client.admin user create --uid=kiln --display-name=kiln --access-key="$KEY" --secret-key="$SECRET" >>"$D/log/setup.log" 2>&1 || fail "radosgw-admin user create failed"
echo "S3_DIR=$D"
echo "AWS_ENDPOINT_URL=http://127.0.0.1:$RGW"
echo "AWS_ACCESS_KEY_ID=$KEY"
echo "AWS_SECRET_ACCESS_KEY=$SECRET"
echo "AWS_REGION=us-east-1"
