#!/usr/bin/env bash
# Regenerates the TimescaleDB stand-in scripts from parts/ (TEST DOUBLE).
set -euo pipefail
cd "$(dirname "$0")"
rm -f timescaledb--*.sql
full() {  # full install script of version $1
    local v=$1
    { cat parts/header.sql; echo; echo "-- version $v: full install"; cat parts/tables.sql
      case $v in 2.9.*) cat parts/osm.sql;; esac
      sed "s/@VERSION@/$v/g" parts/functions.sql; cat parts/triggers.sql; } > "timescaledb--$v.sql"
}
upd() {  # update script $1 -> $2
    local from=$1 to=$2
    { cat parts/header.sql; echo; echo "-- update $from -> $to"
      case $to in 2.9.*) cat parts/osm.sql;; esac
      sed "s/@VERSION@/$to/g" parts/functions.sql; } > "timescaledb--$from--$to.sql"
}
for v in 2.5.0 2.6.0 2.6.1 2.9.3; do full $v; done
upd 2.5.0 2.6.0; upd 2.6.0 2.6.1; upd 2.6.1 2.9.3
upd 2.5.0 2.6.1; upd 2.5.0 2.9.3; upd 2.6.0 2.9.3
