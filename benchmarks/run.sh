#!/usr/bin/env bash
# Builds what the benchmark needs and runs it: benchmarks/run.sh [--smoke] [--rows N] [--runs R] ...
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -pl benchmarks -am package -DskipTests
exec java -Xmx4g -Dtablestream.repo=. -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
  io.tablestream.benchmarks.Benchmarks "$@"
