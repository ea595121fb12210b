#!/usr/bin/env bash
# Runs Baton's benchmarks (see benchmarks/RESULTS.md for what each one measures).
#
#   benchmarks/run.sh                 full suite, settings from each class's JMH annotations
#                                     (about an hour on 2 cores: JMH's own estimate is 53 minutes
#                                     of warm-up and measurement, 7 of them Redis, before JVM and
#                                     Spring start-up and the main classes below; see RESULTS.md)
#   benchmarks/run.sh --quick         smoke run for CI: every benchmark once, in one JVM (no forks:
#                                     the annotation benchmarks start a Spring context per trial,
#                                     and a fresh JVM per trial would triple the time), one 200 ms
#                                     warm-up and one 200 ms measurement, ignoring another JMH
#                                     run's lock (197 s on 2026-12-07 at a load of 3-7; 147 s
#                                     in a review run); fails only if a benchmark fails, never on
#                                     a score
#   benchmarks/run.sh [--quick] [--skip-footprint] [--skip-redis] [JMH options...]
#                                     extra options go to JMH, e.g. a benchmark regex or -prof gc
#
# The Redis benchmarks (RedisLockBenchmark, RedisQueueBenchmark, RedisRoundTrips,
# RedisQueueRoundTrips, RedisHandOffLatency) start their own redis-server on a free port; without
# redis-server they are skipped, or with CI=true the run fails. --skip-redis leaves them out.
#
# Writes benchmarks/target/results.json (JMH), results.txt (JMH's console output),
# footprint.json (heap bytes per pending waiter, from WaiterFootprint), redis-round-trips.json,
# redis-queue-round-trips.json and redis-hand-off.json. Builds
# benchmarks/target/benchmarks.jar first if it is missing. JAVA=/path/to/bin/java picks the JVM
# (JMH forks with the same one).
set -euo pipefail
cd "$(dirname "$0")/.."

quick=false
footprint=true
redis=true
jmh_args=()
for arg in "$@"; do
  case "$arg" in
    --quick) quick=true ;;
    --skip-footprint) footprint=false ;;
    --skip-redis) redis=false ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) jmh_args+=("$arg") ;;
  esac
done

java_bin="${JAVA:-java}"
jar=benchmarks/target/benchmarks.jar
out=benchmarks/target

if [[ ! -f "$jar" ]]; then
  echo "Building $jar"
  mvn -B -q package -DskipTests -pl benchmarks -am
fi

# Fail on the first benchmark error, so a broken benchmark fails the run. JSON goes to
# results.json unless the caller names another file with -rff.
common=(-foe true -rf json)
# The saturated annotation benchmark's thread figures (nothing for the other benchmarks).
common+=(-prof dev.baton.benchmarks.annotations.ThreadFiguresProfiler)
if [[ " ${jmh_args[*]-} " != *" -rff "* ]]; then
  common+=(-rff "$out/results.json")
fi
if $redis && ! command -v redis-server >/dev/null; then
  if [[ "${CI:-}" == true ]]; then
    echo "redis-server is not installed, and the Redis benchmarks need it: install it first" \
      "(apt-get install redis-server)" >&2
    exit 1
  fi
  echo "redis-server is not installed: skipping the Redis benchmarks (apt-get install redis-server)"
  redis=false
fi
if ! $redis; then
  common+=(-e '\.redis\.')
fi
if $quick; then
  mode=(-f 0 -wi 1 -i 1 -w 200ms -r 200ms)
  # Scores do not matter here, so another JMH run on the machine must not fail the smoke run.
  jvm=(-Djmh.ignoreLock=true)
  footprint_args=(--forks 1 --rounds 2)
  round_trip_args=(--ops 200)
  hand_off_args=(--samples 20 --warmup 10)
  # A hung benchmark must not hang CI.
  guard=(timeout --signal=KILL 600)
else
  mode=()
  jvm=()
  footprint_args=(--forks 3 --rounds 6)
  round_trip_args=(--ops 2000)
  hand_off_args=(--samples 1500 --warmup 500)
  guard=()
fi

start=$(date +%s)
"$java_bin" -version 2>&1 | head -1
echo "Load before the run: $(uptime)"
"${guard[@]}" "$java_bin" "${jvm[@]}" -jar "$jar" "${common[@]}" "${mode[@]}" "${jmh_args[@]}" \
  | tee "$out/results.txt"
if $footprint; then
  "${guard[@]}" "$java_bin" -cp "$jar" dev.baton.benchmarks.WaiterFootprint \
    "${footprint_args[@]}" --json "$out/footprint.json"
fi
if $redis; then
  "${guard[@]}" "$java_bin" -cp "$jar" dev.baton.benchmarks.redis.RedisRoundTrips \
    "${round_trip_args[@]}" --json "$out/redis-round-trips.json"
  "${guard[@]}" "$java_bin" -cp "$jar" dev.baton.benchmarks.redis.RedisQueueRoundTrips \
    "${round_trip_args[@]}" --json "$out/redis-queue-round-trips.json"
  "${guard[@]}" "$java_bin" -cp "$jar" dev.baton.benchmarks.redis.RedisHandOffLatency \
    "${hand_off_args[@]}" --json "$out/redis-hand-off.json"
fi
echo "Benchmarks finished in $(( $(date +%s) - start )) s; results in $out/"
