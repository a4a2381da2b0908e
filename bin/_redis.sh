# Sourced by bin/test: the tests run against a real Redis (CI sets REDIS_URL to the machine's), and
# the fault tests start redis-servers of their own: redis-server is installed with apt-get when
# missing. Without REDIS_URL (a newcomer's machine) a private redis-server is started for the run
# on a free port of 127.0.0.1, keeping nothing on disk, and stopped when the run ends (`stop_redis`).
redis_pid=""
stop_redis() {
  if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; fi
}
if ! command -v redis-server >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing redis-server with apt-get (the tests need a real Redis)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null || true
fi
if [ -z "${REDIS_URL:-}" ]; then
  if command -v redis-server >/dev/null 2>&1; then
    redis_port=$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --loglevel warning >/dev/null 2>&1 &
    redis_pid=$!
    for _ in $(seq 50); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null; then break; fi
      sleep 0.1
    done
    export REDIS_URL="redis://127.0.0.1:$redis_port/0"
    echo "==> a private redis-server for this run: $REDIS_URL"
  else
    echo "!! redis-server is missing (apt-get install redis-server, or set REDIS_URL): the tests that need Redis fail" >&2
  fi
fi
