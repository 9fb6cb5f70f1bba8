#!/usr/bin/env bash
# Generates the TimescaleDB stand-in scripts (TEST DOUBLE) from parts/ into an
# output directory, with a copy of the (committed) control file. Nothing
# generated here is committed: pg_test/install-standins.sh runs this when
# parts/, timescaledb.control or this file changed.
#
#   gen.sh OUTDIR
set -euo pipefail
[ $# -eq 1 ] && [ "${1#-}" = "$1" ] || { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
cd "$(dirname "$0")"
case $OUT in "$(pwd)"|"$(pwd)"/parts*) echo "gen.sh: refusing to write into the source directory $OUT" >&2; exit 2;; esac
rm -f "$OUT"/timescaledb--*.sql "$OUT"/timescaledb.control
cp timescaledb.control "$OUT/timescaledb.control"
full() {  # full install script of version $1
    local v=$1
    { cat parts/header.sql; echo; echo "-- version $v: full install"; cat parts/tables.sql
      case $v in 2.9.*) cat parts/osm.sql;; esac
      sed "s/@VERSION@/$v/g" parts/functions.sql; cat parts/triggers.sql; } > "$OUT/timescaledb--$v.sql"
}
upd() {  # update script $1 -> $2
    local from=$1 to=$2
    { cat parts/header.sql; echo; echo "-- update $from -> $to"
      case $to in 2.9.*) cat parts/osm.sql;; esac
      sed "s/@VERSION@/$to/g" parts/functions.sql; } > "$OUT/timescaledb--$from--$to.sql"
}
for v in 2.5.0 2.6.0 2.6.1 2.9.3; do full $v; done
upd 2.5.0 2.6.0; upd 2.6.0 2.6.1; upd 2.6.1 2.9.3
upd 2.5.0 2.6.1; upd 2.5.0 2.9.3; upd 2.6.0 2.9.3
