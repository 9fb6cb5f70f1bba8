# Throwaway PostgreSQL clusters from the private prefix. Source it.
#   cluster_start NAME PORT [postgresql.conf lines...]  -> initdb (once) and start
#   cluster_stop NAME                                    -> stop (immediate)
#   cluster_destroy NAME                                 -> stop and remove
# Servers run as $PG_OS_USER when the caller is root (initdb refuses root).
# Clients connect over the cluster's Unix socket directory as superuser
# "postgres"; cluster_env NAME PORT prints the PGHOST/PGPORT/PGUSER exports.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

as_pg_user() {
    if [ "$(id -u)" = 0 ]; then runuser -u "$PG_OS_USER" -- "$@"; else "$@"; fi
}

cluster_dir() { echo "$CLUSTERS_DIR/$1"; }

cluster_start() {
    local name="$1" port="$2"; shift 2
    local dir; dir="$(cluster_dir "$name")"
    mkdir -p "$CLUSTERS_DIR"
    if [ "$(id -u)" = 0 ]; then chown "$PG_OS_USER" "$CLUSTERS_DIR"; fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_pg_user mkdir -p "$dir/data" "$dir/socket"
        as_pg_user "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 --locale=C >"$dir.initdb.log" 2>&1 \
            || { cat "$dir.initdb.log" >&2; return 1; }
        {
            echo "listen_addresses = ''"
            echo "port = $port"
            echo "unix_socket_directories = '$dir/socket'"
            echo "fsync = off"
            echo "synchronous_commit = off"
            echo "full_page_writes = off"
            echo "shared_preload_libraries = ''"
            echo "log_min_messages = warning"
            local line; for line in "$@"; do echo "$line"; done
        } | as_pg_user tee -a "$dir/data/postgresql.conf" >/dev/null
    fi
    as_pg_user "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
        || { tail -n 30 "$dir/server.log" >&2; return 1; }
}

cluster_env() {
    local name="$1" port="$2"
    echo "export PGHOST='$(cluster_dir "$name")/socket' PGPORT='$port' PGUSER=postgres PGDATABASE=postgres"
}

cluster_stop() {
    local dir; dir="$(cluster_dir "$1")"
    [ -f "$dir/data/postmaster.pid" ] || return 0
    as_pg_user "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
}

cluster_destroy() {
    cluster_stop "$1"
    rm -rf "$(cluster_dir "$1")" "$(cluster_dir "$1")".*.log
}

# cluster_start_replica NAME PORT PRIMARY PRIMARY_PORT -> streaming hot standby of PRIMARY
cluster_start_replica() {
    local name="$1" port="$2" primary="$3" primary_port="$4"
    local dir; dir="$(cluster_dir "$name")"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_pg_user mkdir -p "$dir/socket"
        as_pg_user "$PG_BIN/pg_basebackup" -D "$dir/data" -R -X stream -c fast \
            -h "$(cluster_dir "$primary")/socket" -p "$primary_port" -U postgres >"$dir.basebackup.log" 2>&1 \
            || { cat "$dir.basebackup.log" >&2; return 1; }
        # The copy carries the primary's settings; later lines win.
        {
            echo "port = $port"
            echo "unix_socket_directories = '$dir/socket'"
            echo "hot_standby = on"
        } | as_pg_user tee -a "$dir/data/postgresql.conf" >/dev/null
    fi
    as_pg_user "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
        || { tail -n 30 "$dir/server.log" >&2; return 1; }
}

# cluster_restart NAME -> clean (fast) shutdown and start: settings changed with
# ALTER SYSTEM take effect. (cluster_stop is an immediate stop: with
# synchronous_commit = off the last commits would be lost.)
cluster_restart() {
    local dir; dir="$(cluster_dir "$1")"
    as_pg_user "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 60 restart >/dev/null \
        || { tail -n 30 "$dir/server.log" >&2; return 1; }
}
