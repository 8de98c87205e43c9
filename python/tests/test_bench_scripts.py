"""The parsing and table code of perf/graph_peers.sh and perf/jar_ab.sh (no timing, no JIT: < 5 s)."""

import io
import json
import os
import sys

from e3j_jax import bench_graph_peers, bench_jar_ab

# the text `e3j bench` prints (BenchCommand's printf lines), from a run of perf/graph_peers.sh
BENCH_OUTPUT = """WARNING: Using incubator modules: jdk.incubator.vector
e3j bench: 22 atoms, energy+forces, model perf/.graph-peers-work/jax-md.safetensors, reference engine, 1 thread
warm-up 4 calls; measured 9 calls
latency  min 69656.5 us  median 111168.8 us
throughput 9.0 calls/s, 198 atom-steps/s (median)
energy -7.92105238 eV
"""


def _parse(monkeypatch, capsys, text, *args):
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    status = bench_graph_peers.main(["parse-bench", *args])
    return status, capsys.readouterr()


def test_parse_bench_reads_latency_and_energy(monkeypatch, capsys):
    status, out = _parse(monkeypatch, capsys, BENCH_OUTPUT, "--package", "jax-md", "--case", "M", "--threads", "2",
                         "--set", "round=3")
    assert status == 0
    row = json.loads(out.out)
    assert (row["min_us"], row["median_us"], row["energy"]) == (69656.5, 111168.8, -7.92105238)
    assert (row["package"], row["case"], row["threads"], row["round"]) == ("jax-md", "M", 2, 3)


def test_parse_bench_failure_is_one_line_or_an_error_row(monkeypatch, capsys):
    failed = "WARNING: Using incubator modules\ne3j: model file x: node \"n\" (op): no float32 step for this op\n"
    status, out = _parse(monkeypatch, capsys, failed, "--case", "C")
    assert status == 1 and "no float32 step" in out.err and out.out == ""
    status, out = _parse(monkeypatch, capsys, failed, "--case", "C", "--allow-error")
    row = json.loads(out.out)
    assert status == 0 and row["median_us"] is None and "no float32 step" in row["error"]


def _jmh(bench, case, threads, raw):
    return {"benchmark": f"org.e3j.perf.{bench}", "params": {"bcase": case, "threads": str(threads), "bits": "0"},
            "primaryMetric": {"rawData": [raw]}}


def test_jar_ab_table_pools_rounds_and_flags_a_slowdown(tmp_path, capsys):
    jmh = tmp_path / "jmh"
    jmh.mkdir()
    data = {  # (jar, round): forward M iterations, forward C iterations
        ("old", 1): ([100, 101], [1000, 1010]), ("new", 1): ([110, 111], [1000, 1020]),
        ("old", 2): ([99, 100], [990, 1000]), ("new", 2): ([108, 109], [1000, 1010]),
    }
    for (jar, rnd), (m, c) in data.items():
        doc = [_jmh("ModelForwardBench.forward", "M", 1, m), _jmh("ModelForwardBench.forward", "C", 1, c)]
        (jmh / f"{jar}-fwd-M-r{rnd}.json").write_text(json.dumps(doc))
    (tmp_path / "jax.jsonl").write_text(json.dumps({"case": "M", "kind": "forward", "min_us": 900, "median_us": 1000})
                                        + "\n")
    assert bench_jar_ab.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    rows = {r["case"]: r for r in map(json.loads, open(os.path.join(tmp_path, "jmh-ab.jsonl")))}
    # M: old median of 100, 101, 99, 100 = 100; new of 110, 111, 108, 109 = 109.5
    assert abs(rows["M"]["ratio"] - 1.095) < 1e-12 and not rows["M"]["ok"]
    assert [round(x, 4) for x in rows["M"]["per_round"]] == [round(110.5 / 100.5, 4), round(108.5 / 99.5, 4)]
    # C: old 995 .. 1010 -> 1000; new 1000 .. 1020 -> 1005: within 5 %
    assert abs(rows["C"]["ratio"] - 1.005) < 1e-12 and rows["C"]["ok"]
    assert "**1.095**" in out and "**NO**" in out and "SLOWDOWN beyond 5 %" in out
    assert "| 1 000 | 10.0 | 9.1 |" in out  # jax median, jax/old = 1000/100, jax/new = 1000/109.5
