#!/usr/bin/env bash
# Tools the tests need that are not PostgreSQL, unpacked under target/tools
# from Debian's packages and never installed: installing Debian's
# `prometheus` package (the only one with promtool) would also enable and
# start a Prometheus service on a systemd host, and the suite starts no
# service on the host.
#
#   scripts/tools.sh promtool   prints the path of promtool (downloading and
#                               unpacking the package the first time)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

log() { printf '[tools] %s\n' "$*" >&2; }
TOOLS_DIR="$PROJECT_ROOT/target/tools"

case "${1:-}" in
    promtool)
        root="$TOOLS_DIR/prometheus"
        promtool="$root/usr/bin/promtool"
        if [ ! -x "$promtool" ]; then
            # A fresh machine may not have read the package lists yet.
            if ! apt-cache show prometheus >/dev/null 2>&1; then
                SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
                $SUDO apt-get update -q >&2
            fi
            log "unpacking promtool from Debian's prometheus package into $root"
            debs="$TOOLS_DIR/debs"
            rm -rf "$debs" "$root"; mkdir -p "$debs" "$root"
            (cd "$debs" && apt-get -o APT::Sandbox::User=root download prometheus >&2)
            dpkg-deb -x "$debs"/prometheus_*.deb "$root"
            rm -rf "$debs"
        fi
        "$promtool" --version >/dev/null 2>&1 || { log "$promtool does not run"; exit 1; }
        echo "$promtool"
        ;;
    *)
        echo "usage: scripts/tools.sh promtool" >&2
        exit 2
        ;;
esac
