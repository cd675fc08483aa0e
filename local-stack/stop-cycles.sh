#!/usr/bin/env bash
# Starts the local stack with --demo and stops it as a terminal's Ctrl-C does (SIGINT to its whole process group),
# N times on one data directory, optionally while a parallel Maven build loads the machine. For each cycle it prints
# how long the stop took, and fails if a stop took longer than the stack's bound (15 s), or left a process or a
# listening port behind.
#   local-stack/stop-cycles.sh [--cycles N] [--load] [--run-seconds S]
set -euo pipefail
cd "$(dirname "$0")/.."
cycles=20 load=false run_seconds=5 bound=15
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cycles) cycles="$2"; shift 2 ;;
    --load) load=true; shift ;;
    --run-seconds) run_seconds="$2"; shift 2 ;;
    *) echo "usage: $0 [--cycles N] [--load] [--run-seconds S]" >&2; exit 2 ;;
  esac
done

jar=$(ls local-stack/target/local-stack-*.jar 2>/dev/null | grep -v -- '-sources' | head -1 || true)
if [[ -z "$jar" ]]; then
  mvn -q -B -pl local-stack -am package -DskipTests
  jar=$(ls local-stack/target/local-stack-*.jar | grep -v -- '-sources' | head -1)
fi
work=$(mktemp -d /tmp/tablestream-stop-cycles.XXXXXX)
data="$work/data"
load_pid=""
cleanup() {
  if [[ -n "$load_pid" ]]; then kill -- -"$load_pid" 2>/dev/null || true; fi
  pkill -9 -f -- "$work" 2>/dev/null || true
}
trap cleanup EXIT

if $load; then
  # A parallel build of a copy of the project, over and over, as long as the cycles run.
  git ls-files -z | tar --null -T - -cf - | (mkdir -p "$work/build" && tar -xf - -C "$work/build")
  bash -c "while true; do mvn -q -B -o -f '$work/build/pom.xml' -pl jdbc-common,source-connector,sink-connector clean package -DskipTests >/dev/null 2>&1 || sleep 1; done" &
  load_pid=$!
  echo "machine loaded by a parallel build (pid $load_pid)"
fi

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Job control: each background job gets a process group of its own, as a terminal's foreground job does, and
# keeps the default SIGINT disposition (without it, a script's background jobs ignore SIGINT).
set -m
failures=0
for ((i = 1; i <= cycles; i++)); do
  out="$work/cycle-$i.txt"
  java -Xmx768m -jar "$jar" --demo --rate 20 --data-dir "$data" --rest-port 0 >"$out" 2>&1 < /dev/null &
  pid=$!
  for ((w = 0; w < 1800; w++)); do
    grep -qs "^Demo running" "$out" && break
    if ! kill -0 "$pid" 2>/dev/null; then echo "cycle $i: the stack exited while starting:"; tail -20 "$out"; exit 1; fi
    sleep 0.1
  done
  grep -q "^Demo running" "$out" || { echo "cycle $i: not started within 180 s"; tail -20 "$out"; exit 1; }
  pg_port=$(sed -n 's|^  PostgreSQL *jdbc:postgresql://[^:]*:\([0-9]*\)/.*|\1|p' "$out")
  kafka_port=$(sed -n 's|^  Kafka broker *[^:]*:\([0-9]*\) .*|\1|p' "$out")
  rest_port=$(sed -n 's|^  Connect REST *http://[^:]*:\([0-9]*\) .*|\1|p' "$out")
  sleep "$run_seconds"
  t0=$(date +%s.%N)
  kill -INT -- -"$pid"           # what Ctrl-C in a terminal does: SIGINT to the whole process group
  while kill -0 "$pid" 2>/dev/null; do
    if (( $(echo "$(date +%s.%N) - $t0 > 60" | bc) )); then echo "cycle $i: still running 60 s after Ctrl-C"; kill -9 -- -"$pid"; break; fi
    sleep 0.05
  done
  took=$(echo "$(date +%s.%N) - $t0" | bc)
  left=$(pgrep -g "$pid" 2>/dev/null | tr '\n' ' ' || true)
  pg_left=$(pgrep -f -- "-D $data/postgres" 2>/dev/null | tr '\n' ' ' || true)
  ports_left=""
  for p in $pg_port $kafka_port $rest_port; do if listening "$p"; then ports_left+="$p "; fi; done
  reported=$(sed -n 's/^Stopped in \([0-9.]*\) s:.*/\1/p' "$out")
  verdict=ok
  if (( $(echo "$took > $bound" | bc) )) || [[ -n "$left$pg_left$ports_left" ]] || [[ -z "$reported" ]]; then verdict=FAILED; failures=$((failures + 1)); fi
  printf 'cycle %2d: stopped in %5.1f s (the stack reported %s s) processes left: [%s] ports open: [%s] %s\n' \
    "$i" "$took" "${reported:-?}" "$left$pg_left" "$ports_left" "$verdict"
  grep -E "did not stop|WARN|ERROR" "$out" | grep -v "^Demo" | head -5 | sed 's/^/    /' || true
done
echo "$((cycles - failures)) passed, $failures failed"
[[ $failures -eq 0 ]]
