package io.tablestream.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One row of the results table: a stage, the runs of tablestream and of the reference loop, and the target. */
record Result(String stage, String workload, List<Double> tablestream, List<Double> reference, String unit,
              String target, String note) {

    static Result throughput(String stage, String workload, List<Double> tablestream, List<Double> reference,
                             String target) {
        return new Result(stage, workload, tablestream, reference, "rows/s", target, "");
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        int n = sorted.size();
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    String ratio() {
        if (reference.isEmpty() || tablestream.isEmpty()) {
            return "—";
        }
        return String.format(Locale.ROOT, "%.2f", median(tablestream) / median(reference));
    }

    static String format(List<Double> values, String unit) {
        if (values.isEmpty()) {
            return "—";
        }
        double m = median(values);
        String runs = values.size() > 1 ? " (" + values.stream().map(v -> String.format(Locale.ROOT, "%,.0f", v))
                .reduce((a, b) -> a + ", " + b).orElse("") + ")" : "";
        return String.format(Locale.ROOT, "%,.0f %s%s", m, unit, runs);
    }
}
