#!/usr/bin/env bash
# Make sure the real services the test suite talks to are reachable: PostgreSQL on
# 127.0.0.1:5432, Redis on 127.0.0.1:6379, and a Chromium binary for the browser tests.
# Starts local ones when none answers; fails, saying what is missing, when it cannot.
set -euo pipefail

PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
REDIS_PORT=${REDIS_PORT:-6379}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_for() {
  local host=$1 port=$2 name=$3
  for _ in $(seq 1 50); do port_open "$host" "$port" && return 0; sleep 0.2; done
  echo "error: $name is not reachable on $host:$port and could not be started." >&2
  return 1
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

if ! port_open "$PGHOST" "$PGPORT"; then
  echo "PostgreSQL is not running on $PGHOST:$PGPORT; starting it." >&2
  if ! command -v pg_ctlcluster >/dev/null; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_for "$PGHOST" "$PGPORT" PostgreSQL
fi

if ! port_open 127.0.0.1 "$REDIS_PORT"; then
  echo "Redis is not running on 127.0.0.1:$REDIS_PORT; starting it." >&2
  if ! command -v redis-server >/dev/null; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  fi
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no >/dev/null
  wait_for 127.0.0.1 "$REDIS_PORT" Redis
fi

# The browser tests: Debian's Chromium, and a colour emoji font for the country flags.
if ! command -v chromium >/dev/null || [ ! -d /usr/share/fonts/truetype/noto ]; then
  echo "Installing Debian's chromium and fonts-noto-color-emoji for the browser tests." >&2
  as_root apt-get update -qq >/dev/null || true
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null
  command -v chromium >/dev/null || { echo "error: chromium could not be installed." >&2; exit 1; }
fi
