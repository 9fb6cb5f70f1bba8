#!/usr/bin/env bash
# Installs the SQL-only stand-in extensions (TEST DOUBLES for Promscale and
# TimescaleDB, pg_test/extensions/) into the private PostgreSQL prefix, and
# only there. Chooses which versions are "available" and which one is
# default_version, the way installing a given package release would:
#
#   install-standins.sh [--promscale-versions LIST|all|none] [--promscale-default V]
#                       [--timescaledb-versions LIST|all|none] [--timescaledb-default V]
#                       [--dry-run] [--quiet]
#
# LIST is comma-separated, e.g. 0.0.0,0.5.4,0.6.0,0.7.0. For each extension it
# installs the install script of every listed version, every update script
# whose two ends are both listed, the per-version control files of listed
# versions, and the control file with default_version set (default: the
# highest listed version; with all versions: promscale 0.8.0, timescaledb
# 2.9.3). Everything else named promscale--* / timescaledb--* in the
# extension directory is removed. Idempotent; unchanged files are not
# rewritten, changed ones are replaced atomically (rename).
# --dry-run prints the resulting file list and default versions, changes nothing
# in the extension directory.
#
# The scripts are not committed: each stand-in's gen.sh writes them into
# $BUILD_DIR/standin-scripts/<extension>/, run here whenever the generator's
# inputs (its gen.sh, parts/, timescaledb.control) differ from those of the
# last generation (a hash in .inputs.sha256 there); otherwise nothing is
# generated (promscale's gen.sh takes a few seconds, this check milliseconds).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../scripts/env.sh"

usage() { sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

declare -A WANT=([promscale]=all [timescaledb]=all) DEFAULT=([promscale]= [timescaledb]=)
DRY_RUN=0 QUIET=0
while [ $# -gt 0 ]; do
    case $1 in
        --promscale-versions) WANT[promscale]=${2:?}; shift 2;;
        --promscale-default) DEFAULT[promscale]=${2:?}; shift 2;;
        --timescaledb-versions) WANT[timescaledb]=${2:?}; shift 2;;
        --timescaledb-default) DEFAULT[timescaledb]=${2:?}; shift 2;;
        --dry-run) DRY_RUN=1; shift;;
        --quiet) QUIET=1; shift;;
        -h|--help) usage 0;;
        *) echo "install-standins: unknown argument: $1" >&2; usage;;
    esac
done

die() { echo "install-standins: $*" >&2; exit 1; }

# Refuse anything but the private prefix's extension directory.
[ -d "$PG_EXTDIR" ] || die "extension directory $PG_EXTDIR does not exist (run scripts/prefix.sh)"
ext_real=$(realpath "$PG_EXTDIR")
prefix_real=$(realpath "$PG_PREFIX")
case $ext_real in
    "$prefix_real"/*) ;;
    *) die "refusing to install into $ext_real: not under the private prefix $prefix_real";;
esac
case $prefix_real in
    /usr|/usr/*|/) die "refusing: the private prefix $prefix_real is a system directory";;
esac
[ "$(realpath "$("$PG_CONFIG" --sharedir)/extension")" = "$ext_real" ] \
    || die "refusing: $PG_CONFIG does not use $ext_real"

# Generate the scripts when their inputs changed. A lock, held until this
# script exits, keeps two runs on one build directory from generating or
# installing at the same time; a new generation is made beside the old one
# and renamed into place.
GEN_ROOT="$BUILD_DIR/standin-scripts"
mkdir -p "$GEN_ROOT"
exec 9>"$GEN_ROOT/.lock"
flock 9
inputs_hash() {  # extension
    (cd "$HERE/extensions/$1" && { find gen.sh parts ! -type d; compgen -G '*.control' || true; } | LC_ALL=C sort | xargs sha256sum)
}
generate() {  # extension
    local ext=$1 want out="$GEN_ROOT/$1"
    want=$(inputs_hash "$ext")
    [ "$(cat "$out/.inputs.sha256" 2>/dev/null)" = "$want" ] && return 0
    rm -rf "$out.new"
    "$HERE/extensions/$ext/gen.sh" "$out.new" 2>"$GEN_ROOT/$ext.gen.log" \
        || { cat "$GEN_ROOT/$ext.gen.log" >&2; die "$ext: gen.sh failed"; }
    printf '%s\n' "$want" > "$out.new/.inputs.sha256"
    rm -rf "$out"; mv "$out.new" "$out"
    [ "$QUIET" = 1 ] || echo "install-standins: generated the $ext stand-in scripts into $out" >&2
}
generate promscale
generate timescaledb
if ! cmp -s "$GEN_ROOT/promscale/legacy-0.10-schema.sql" "$HERE/fixtures/legacy-0.10-schema.sql"; then
    echo "install-standins: warning: pg_test/fixtures/legacy-0.10-schema.sql is not what parts/ make: run pg_test/extensions/promscale/gen.sh --update-fixture DIR and commit it" >&2
fi

vkey() { awk -F. '{ printf "%05d%05d%05d\n", $1, $2, $3 }' <<<"$1"; }

declare -a INSTALL=()   # "source|destination-name" pairs
declare -A DEFAULT_OUT=()
plan() {  # extension
    local ext=$1 src="$GEN_ROOT/$1" f base v a b all=() chosen=() def
    for f in "$src/$ext"--*.sql; do
        base=$(basename "$f" .sql); v=${base#"$ext"--}
        [[ $v == *--* ]] || all+=("$v")
    done
    case ${WANT[$ext]} in
        all) chosen=("${all[@]}");;
        none|"") chosen=();;
        *) IFS=, read -r -a chosen <<<"${WANT[$ext]}"
           for v in "${chosen[@]}"; do
               [ -f "$src/$ext--$v.sql" ] || die "$ext: no stand-in version $v (have: ${all[*]})"
           done;;
    esac
    if [ ${#chosen[@]} -eq 0 ]; then
        [ -z "${DEFAULT[$ext]}" ] || die "$ext: --$ext-default given but no versions selected"
        DEFAULT_OUT[$ext]=none
        return
    fi
    local -A in_set=()
    for v in "${chosen[@]}"; do in_set[$v]=1; done
    def=${DEFAULT[$ext]}
    if [ -z "$def" ]; then
        def=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$src/$ext.control")
        if [ -z "${in_set[$def]:-}" ]; then
            def=$(for v in "${chosen[@]}"; do echo "$(vkey "$v") $v"; done | sort | tail -n1 | cut -d' ' -f2)
        fi
    fi
    [ -n "${in_set[$def]:-}" ] || die "$ext: default version $def is not among the selected versions (${chosen[*]})"
    DEFAULT_OUT[$ext]=$def
    INSTALL+=("GENERATED-CONTROL:$ext:$def|$ext.control")
    for v in "${chosen[@]}"; do
        INSTALL+=("$src/$ext--$v.sql|$ext--$v.sql")
        [ -f "$src/$ext--$v.control" ] && INSTALL+=("$src/$ext--$v.control|$ext--$v.control")
    done
    for f in "$src/$ext"--*--*.sql; do
        base=$(basename "$f" .sql); v=${base#"$ext"--}; a=${v%%--*}; b=${v#*--}
        [ -n "${in_set[$a]:-}" ] && [ -n "${in_set[$b]:-}" ] && INSTALL+=("$f|$(basename "$f")")
    done
    return 0
}
plan promscale
plan timescaledb

if [ "$DRY_RUN" = 1 ]; then
    echo "promscale default_version: ${DEFAULT_OUT[promscale]}"
    echo "timescaledb default_version: ${DEFAULT_OUT[timescaledb]}"
    for e in "${INSTALL[@]}"; do echo "${e#*|}"; done | sort
    exit 0
fi

changed=0
declare -A KEEP=()
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for e in "${INSTALL[@]}"; do
    src=${e%%|*}; dst=${e#*|}; KEEP[$dst]=1
    if [[ $src == GENERATED-CONTROL:* ]]; then
        IFS=: read -r _ ext def <<<"$src"
        sed "s/^default_version = .*/default_version = '$def'/" "$GEN_ROOT/$ext/$ext.control" > "$tmp/$dst"
        src="$tmp/$dst"
    fi
    if ! cmp -s "$src" "$PG_EXTDIR/$dst"; then
        cp -L "$src" "$PG_EXTDIR/.$dst.tmp.$$"
        chmod 644 "$PG_EXTDIR/.$dst.tmp.$$"
        mv -f "$PG_EXTDIR/.$dst.tmp.$$" "$PG_EXTDIR/$dst"
        changed=$((changed + 1))
    fi
done
removed=0
for f in "$PG_EXTDIR"/promscale--* "$PG_EXTDIR"/promscale.control "$PG_EXTDIR"/timescaledb--* "$PG_EXTDIR"/timescaledb.control; do
    [ -e "$f" ] || [ -L "$f" ] || continue
    if [ -z "${KEEP[$(basename "$f")]:-}" ]; then rm -f "$f"; removed=$((removed + 1)); fi
done
[ "$QUIET" = 1 ] || echo "install-standins: $PG_EXTDIR: promscale default ${DEFAULT_OUT[promscale]}, timescaledb default ${DEFAULT_OUT[timescaledb]}; ${#INSTALL[@]} files ($changed written, $removed removed)" >&2
