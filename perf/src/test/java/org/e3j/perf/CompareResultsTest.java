package org.e3j.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CompareResults on tiny JMH-shaped JSON files written by the test. */
class CompareResultsTest {

    @TempDir
    Path dir;

    /** One JMH result entry as JMH 1.37 writes it (abridged). */
    static String entry(String bench, String mode, String impl, double score, String error) {
        return """
            {
                "jmhVersion" : "1.37",
                "benchmark" : "%s",
                "mode" : "%s",
                "threads" : 1,
                "forks" : 1,
                "params" : { "shape" : "10752x8x64", "impl" : "%s" },
                "primaryMetric" : {
                    "score" : %s,
                    "scoreError" : %s,
                    "scoreConfidence" : [ 1.0, 2.0 ],
                    "scorePercentiles" : { "0.0" : 1.0, "100.0" : 2.0 },
                    "scoreUnit" : "us/op",
                    "rawData" : [ [ 1.0, 2.0 ] ]
                },
                "secondaryMetrics" : { "\\u00b7gc.alloc.rate.norm" : { "score" : 0.0 } }
            }""".formatted(bench, mode, impl, Double.toString(score), error);
    }

    private Path file(String name, String... entries) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "[\n" + String.join(",\n", entries) + "\n]\n", StandardCharsets.UTF_8);
        return p;
    }

    record Outcome(int code, String out, String err) {}

    private static Outcome run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = CompareResults.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void slowerAverageTimeOutsideErrorIsARegression() throws IOException {
        Path old = file("old.json", entry("org.e3j.perf.GemmBench.gemmBias", "avgt", "vector512", 100.0, "2.0"));
        Path neu = file("new.json", entry("org.e3j.perf.GemmBench.gemmBias", "avgt", "vector512", 120.0, "3.0"));
        Outcome o = run(old.toString(), neu.toString());
        assertEquals(1, o.code(), o.out());
        assertTrue(o.out().contains("REGRESSION"), o.out());
        assertTrue(o.out().contains("impl=vector512,shape=10752x8x64"), o.out());
    }

    @Test
    void slowerButInsideTheErrorBarsIsNot() throws IOException {
        Path old = file("old.json", entry("b.B.m", "avgt", "scalar", 100.0, "15.0"));
        Path neu = file("new.json", entry("b.B.m", "avgt", "scalar", 120.0, "10.0"));
        Outcome o = run(old.toString(), neu.toString());
        assertEquals(0, o.code(), o.out());
        assertTrue(o.out().contains("within error"), o.out());
    }

    @Test
    void belowThresholdIsNot() throws IOException {
        Path old = file("old.json", entry("b.B.m", "avgt", "scalar", 100.0, "0.1"));
        Path neu = file("new.json", entry("b.B.m", "avgt", "scalar", 104.0, "0.1"));
        assertEquals(0, run(old.toString(), neu.toString()).code());
        assertEquals(1, run(old.toString(), neu.toString(), "--threshold", "3%").code());
        assertEquals(1, run(old.toString(), neu.toString(), "--threshold=0.03").code());
    }

    @Test
    void throughputDirectionIsReversed() throws IOException {
        Path old = file("old.json", entry("b.Fma.fma512", "thrpt", "x", 80.0, "1.0"));
        Path lower = file("lower.json", entry("b.Fma.fma512", "thrpt", "x", 60.0, "1.0"));
        Path higher = file("higher.json", entry("b.Fma.fma512", "thrpt", "x", 100.0, "1.0"));
        assertEquals(1, run(old.toString(), lower.toString()).code());
        Outcome up = run(old.toString(), higher.toString());
        assertEquals(0, up.code());
        assertTrue(up.out().contains("improved"), up.out());
    }

    @Test
    void nanErrorAndUnmatchedBenchmarks() throws IOException {
        Path old = file("old.json", entry("b.B.m", "avgt", "a", 10.0, "\"NaN\""),
                entry("b.B.gone", "avgt", "a", 10.0, "\"NaN\""));
        Path neu = file("new.json", entry("b.B.m", "avgt", "a", 10.2, "\"NaN\""),
                entry("b.B.added", "avgt", "a", 10.0, "\"NaN\""));
        Outcome o = run(old.toString(), neu.toString());
        assertEquals(0, o.code(), o.out());
        assertTrue(o.out().contains("missing") && o.out().contains("new"), o.out());
        // NaN error counts as zero: a real slowdown is then caught
        Path slow = file("slow.json", entry("b.B.m", "avgt", "a", 12.0, "\"NaN\""));
        assertEquals(1, run(old.toString(), slow.toString()).code());
    }

    @Test
    void badInputAndUsage() throws IOException {
        Path good = file("good.json", entry("b.B.m", "avgt", "a", 1.0, "0.1"));
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "[ { \"benchmark\" : ", StandardCharsets.UTF_8);
        assertEquals(2, run(good.toString(), bad.toString()).code());
        assertEquals(2, run(good.toString(), dir.resolve("absent.json").toString()).code());
        assertEquals(2, run(good.toString()).code());
        assertEquals(2, run(good.toString(), good.toString(), "--threshold", "lots").code());
        assertEquals(2, run(good.toString(), good.toString(), "--frobnicate").code());
        assertEquals(0, run(good.toString(), good.toString()).code());
    }
}
