#!/usr/bin/env bash
# A throwaway ClickHouse for tests and benchmarks: Debian's clickhouse-server run as a plain process
# on loopback, with its own data folder, config and ports (no service manager, nothing under /var).
#
#   scripts/clickhouse.sh start [dir]   installs clickhouse-server if missing, starts it, waits until it
#                                       answers, prints its HTTP URL (also written to <dir>/url)
#   scripts/clickhouse.sh stop [dir]    stops the server started in <dir> (by its pid file) and removes <dir>
#   scripts/clickhouse.sh url [dir]     prints the URL of the server running in <dir>
#
# <dir> defaults to .cache/clickhouse. Ports: CLICKHOUSE_HTTP_PORT / CLICKHOUSE_TCP_PORT, default
# 18123 / 19000 (picked to stay off a system ClickHouse's 8123 / 9000).
set -euo pipefail
cd "$(dirname "$0")/.."
action=${1:-}
dir=${2:-.cache/clickhouse}
http_port=${CLICKHOUSE_HTTP_PORT:-18123}
tcp_port=${CLICKHOUSE_TCP_PORT:-19000}

server_pid() {
  [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null && cat "$dir/pid"
}

case "$action" in
  start)
    if pid=$(server_pid); then
      cat "$dir/url"
      exit 0
    fi
    bash scripts/ensure-system-deps.sh clickhouse-server >&2
    mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/log"
    abs=$(cd "$dir" && pwd)
    cat >"$abs/users.xml" <<'EOF'
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
EOF
    cat >"$abs/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$abs/log/server.log</log><errorlog>$abs/log/error.log</errorlog><size>10M</size><count>2</count></logger>
  <http_port>$http_port</http_port>
  <tcp_port>$tcp_port</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>$abs/data/</path>
  <tmp_path>$abs/tmp/</tmp_path>
  <user_files_path>$abs/user_files/</user_files_path>
  <users_config>$abs/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
  <max_concurrent_queries>50</max_concurrent_queries>
</yandex>
EOF
    url="http://127.0.0.1:$http_port"
    # Debian installs it in /usr/sbin, which a non-login PATH may lack.
    server=$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)
    nohup "$server" --config-file="$abs/config.xml" >"$abs/log/stdout.log" 2>&1 &
    echo $! >"$abs/pid"
    echo "$url" >"$abs/url"
    for _ in $(seq 1 120); do
      if node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$url/?query=SELECT%201"; then
        echo "$url"
        exit 0
      fi
      if ! kill -0 "$(cat "$abs/pid")" 2>/dev/null; then
        echo "clickhouse.sh: clickhouse-server exited; see $abs/log/" >&2
        tail -20 "$abs/log/stdout.log" "$abs/log/error.log" >&2 2>/dev/null || true
        exit 1
      fi
      sleep 0.5
    done
    echo "clickhouse.sh: clickhouse-server did not answer on $url within 60 s" >&2
    exit 1
    ;;
  stop)
    if pid=$(server_pid); then
      kill "$pid"
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    fi
    rm -rf "$dir"
    ;;
  url)
    server_pid >/dev/null && cat "$dir/url"
    ;;
  *)
    echo "usage: scripts/clickhouse.sh start|stop|url [dir]" >&2
    exit 2
    ;;
esac
