package io.tablestream.benchmarks;

import java.util.List;

/** Prints results as a markdown table. */
final class ResultTable {

    private ResultTable() {
    }

    static String markdown(List<Result> results) {
        StringBuilder out = new StringBuilder();
        out.append("| stage | workload | tablestream (median; runs) | reference in the same run | ratio | target |\n");
        out.append("|---|---|---|---|---|---|\n");
        for (Result r : results) {
            out.append("| ").append(r.stage())
                    .append(" | ").append(r.workload())
                    .append(" | ").append(r.note().isEmpty() ? Result.format(r.tablestream(), r.unit()) : r.note())
                    .append(" | ").append(Result.format(r.reference(), r.unit()))
                    .append(" | ").append(r.ratio())
                    .append(" | ").append(r.target())
                    .append(" |\n");
        }
        return out.toString();
    }
}
