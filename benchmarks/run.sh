#!/usr/bin/env bash
# Builds what the benchmark needs and runs it: benchmarks/run.sh [--smoke] [--rows N] [--runs R] ...
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -pl benchmarks -am package -DskipTests
if [[ " $* " =~ [\ ,]debezium[\ ,] ]]; then
  # The debezium stage's reference: Debezium's JDBC sink and its dependencies, from Maven Central, as a plugin.
  rm -rf benchmarks/debezium-jdbc/target/plugin
  mvn -B -q -f benchmarks/debezium-jdbc/pom.xml dependency:copy-dependencies
fi
if [[ " $* " == *cdc-debezium* ]]; then
  # The cdc-debezium stage's reference: Debezium's PostgreSQL connector and its dependencies, likewise.
  rm -rf benchmarks/debezium-postgres/target/plugin
  mvn -B -q -f benchmarks/debezium-postgres/pom.xml dependency:copy-dependencies
fi
exec java -Xmx4g -Dtablestream.repo=. -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
  io.tablestream.benchmarks.Benchmarks "$@"
