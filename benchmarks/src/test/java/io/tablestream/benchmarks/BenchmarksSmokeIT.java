package io.tablestream.benchmarks;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the benchmark with a small N, once, so the benchmark code does not rot. Its figures mean nothing. */
class BenchmarksSmokeIT {

    @Test
    void everyLandedStagePrintsAFigureBesideItsReference() throws Exception {
        String report = Benchmarks.run(Benchmarks.Options.SMOKE, Path.of(System.getProperty("tablestream.plugins.dir")));
        System.out.println(report);
        for (String stage : List.of("| raw COPY FROM STDIN |", "| sink insert |", "| sink upsert |", "| source poll |",
                "| CDC snapshot |", "| CDC stream |", "| CDC latency |", "| enricher |", "| enricher vs DSL join |",
                "| enricher global |", "| enricher global vs DSL join |", "| enricher table |",
                "| enricher table vs DSL join |", "| end to end |")) {
            String row = report.lines().filter(l -> l.startsWith(stage)).findFirst()
                    .orElseThrow(() -> new AssertionError("no row " + stage + " in\n" + report));
            assertTrue(row.matches(".*\\d.*(rows/s|records/s|ms).*"), row);
        }
        assertTrue(report.contains("Peak heap used by the Connect worker during the sink runs: "), report);
    }
}
