# Shared paths for the project's scripts. Source it; it sets no state outside
# the build directory. Everything the harness builds lives under $BUILD_DIR.
PROJECT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PROJECT_ROOT
export PG_MAJOR="${PG_MAJOR:-15}"
export BUILD_DIR="${BUILD_DIR:-$PROJECT_ROOT/target/harness}"
# The private PostgreSQL prefix: a copy of the system install that PostgreSQL
# relocates itself into (it finds share/ and lib/ relative to its binaries).
export PG_PREFIX="$BUILD_DIR/pgprefix"
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
