"""Serving K-Means side by side, in one run: (a) a Python grpcio server wrapping scikit-learn's
KMeans (the classic experiment's baseline), (b) the same server wrapping pith's Python KMeans,
(c) `pith serve`; all three speak the Open Inference Protocol's ModelInfer, so one load
generator sends them the very same bytes. gRPC load: h2load (Debian's nghttp2-client), with
single-row requests and 100-row batches, at a moderate and an overload concurrency (streams).
REST load on `pith serve`: wrk. Every run gets a fresh server process; reported: requests/s,
rows/s, p50/p99 latency (from h2load's per-request log), errors (the load generator's failures
plus the server's own non-OK answers), the server's peak memory (VmHWM) and its CPU time per
request (less distorted than req/s when the load generator shares the cores).

    .venv/bin/pip install -r bench/requirements.txt
    .venv/bin/python bench/bench_serve.py               # the run of docs/benchmarks.md
    .venv/bin/python bench/bench_serve.py --quick       # 2-second runs, a smoke test
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans as SkKMeans
from tritonclient.grpc import service_pb2

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SERVERS = ["python+sklearn", "python+pith", "pith serve"]
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


class ServerProcess:
    def __init__(self, kind: str, files: dict):
        self.kind = kind
        self.grpc_port, self.http_port = free_port(), free_port()
        if kind == "pith serve":
            pith = shutil.which("pith") or str(ROOT / "build/apps/pith/pith")
            command = [pith, "serve", "--model", f"km={files['pith']}", "--host", "127.0.0.1",
                       "--grpc-port", str(self.grpc_port), "--http-port", str(self.http_port),
                       "--http-threads", "320", "--poll-seconds", "0", "--log-level", "warning"]
        else:
            backend = "sklearn" if kind == "python+sklearn" else "pith"
            model = files["sklearn"] if backend == "sklearn" else files["pith"]
            command = [sys.executable, str(HERE / "py_grpc_server.py"), "--backend", backend,
                       "--model", str(model), "--port", str(self.grpc_port)]
        env = dict(os.environ, OMP_NUM_THREADS="1", OMP_WAIT_POLICY="passive")
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, env=env)
        wait_port(self.grpc_port)
        if kind == "pith serve":
            wait_port(self.http_port)
        time.sleep(0.3)

    def pith_counts(self) -> tuple[int, int]:
        """(ok, not ok) inference answers, from /metrics."""
        url = f"http://127.0.0.1:{self.http_port}/metrics"
        text = urllib.request.urlopen(url, timeout=10).read().decode()
        ok = bad = 0
        for line in text.splitlines():
            if line.startswith("pith_requests_total{"):
                value = int(float(line.rsplit(" ", 1)[1]))
                if 'outcome="ok"' in line:
                    ok += value
                elif 'outcome="cancelled"' not in line:  # the load generator's own stop
                    bad += value
        return ok, bad

    def stop(self) -> tuple[int, int]:
        """Stops the server; returns its (ok, not ok) answer counts."""
        counts = self.pith_counts() if self.kind == "pith serve" else (0, 0)
        self.process.send_signal(signal.SIGTERM)
        try:
            out, _ = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
        if self.kind != "pith serve":
            last = [line for line in out.splitlines() if line.startswith('{"ok"')]
            if last:
                parsed = json.loads(last[-1])
                counts = (parsed["ok"], parsed["errors"])
        return counts


def grpc_body(path: Path, X: np.ndarray) -> None:
    """A gRPC frame (uncompressed flag + big-endian length + message) of one ModelInfer request."""
    request = service_pb2.ModelInferRequest(model_name="km")
    request.inputs.add(name="input", datatype="FP64", shape=list(X.shape))
    request.outputs.add(name="predict")
    request.raw_input_contents.append(np.ascontiguousarray(X, dtype=np.float64).tobytes())
    message = request.SerializeToString()
    path.write_bytes(struct.pack(">BI", 0, len(message)) + message)


def percentiles_ms(log_file: Path) -> tuple[float, float]:
    latencies = []
    with open(log_file) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3:
                latencies.append(int(parts[2]) / 1000)
    if not latencies:
        return float("nan"), float("nan")
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return q[49], q[98]


def run_h2load(port: int, body: Path, streams: int, duration: float, warmup: float,
               work: Path) -> dict:
    connections = min(streams, 8 if streams <= 64 else 16)
    log_file = work / "h2load.log"
    log_file.unlink(missing_ok=True)
    command = ["h2load", "-D", f"{duration:g}", "--warm-up-time", f"{max(1, round(warmup))}",
               "-c", str(connections), "-m", str(max(1, streams // connections)), "-t", "1",
               "-d", str(body), "-H", "content-type: application/grpc", "-H", "te: trailers",
               "--log-file", str(log_file),
               f"http://127.0.0.1:{port}/inference.GRPCInferenceService/ModelInfer"]
    out = subprocess.run(command, capture_output=True, text=True, timeout=duration + warmup + 60)
    text = out.stdout
    rate = float(re.search(r"finished in [\d.]+\w*, ([\d.]+) req/s", text).group(1))
    m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                  r"(\d+) failed, (\d+) errored, (\d+) timeout", text)
    p50, p99 = percentiles_ms(log_file)
    return {"req_s": rate, "done": int(m.group(3)), "failed": int(m.group(5)) + int(m.group(6))
            + int(m.group(7)), "p50_ms": p50, "p99_ms": p99}


def wrk_latency_ms(text: str, label: str) -> float:
    m = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", text)
    if not m:
        return float("nan")
    return float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]


def run_wrk(port: int, body: str, connections: int, duration: float, work: Path) -> dict:
    script = work / "post.lua"
    script.write_text('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                      f"wrk.body = {json.dumps(body)}\n")
    command = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{max(1, round(duration))}s", "--latency",
               "--timeout", "10s", "-s", str(script),
               f"http://127.0.0.1:{port}/v2/models/km/infer"]
    out = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    done = int(re.search(r"(\d+) requests in", out).group(1))
    failed = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        failed += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        failed += sum(int(g) for g in m.groups())
    return {"req_s": rate, "done": done, "failed": failed, "p50_ms": wrk_latency_ms(out, "50"),
            "p99_ms": wrk_latency_ms(out, "99")}


def measure(kind, files, load, batch) -> dict:
    server = ServerProcess(kind, files)
    try:
        cpu_before = cpu_seconds(server.process.pid)
        result = load(server)
        cpu = cpu_seconds(server.process.pid) - cpu_before
        result["peak_mb"] = peak_rss_mb(server.process.pid)
    finally:
        ok, bad = server.stop()
    result["server_errors"] = bad
    if os.environ.get("BENCH_DEBUG"):
        print(result, file=sys.stderr)
    result["errors"] = result["failed"] + bad
    served = ok if ok else result["done"]
    result["cpu_us_per_req"] = 1e6 * cpu / max(served, 1)
    result["rows_s"] = result["req_s"] * batch
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per run")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--features", type=int, default=8)
    parser.add_argument("--clusters", type=int, default=8)
    parser.add_argument("--moderate", type=int, default=64, help="concurrent streams")
    parser.add_argument("--overload", type=int, default=1024, help="concurrent streams")
    parser.add_argument("--quick", action="store_true", help="2-second runs")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.warmup = 2.0, 1.0

    work = Path(tempfile.mkdtemp(prefix="pith-bench-serve-"))
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, args.features))
    sk = SkKMeans(n_clusters=args.clusters, n_init=1, random_state=0).fit(X)
    files = {"sklearn": work / "km.pkl", "pith": work / "km.pith"}
    files["sklearn"].write_bytes(pickle.dumps(sk))
    from pith.cluster import KMeans

    KMeans(n_clusters=args.clusters, random_state=0).fit(X).save(files["pith"])
    bodies = {}
    for batch in (1, 100):
        bodies[batch] = work / f"infer_{batch}.bin"
        grpc_body(bodies[batch], X[:batch])

    print(f"# K-Means, {args.features} features, {args.clusters} clusters, float64; "
          f"{os.cpu_count()} cores shared by servers and load generator; "
          f"{args.duration:g} s runs after {args.warmup:g} s warm-up")
    header = (f"{'protocol':8} {'server':15} {'rows':>4} {'streams':>7} {'req/s':>9} "
              f"{'rows/s':>10} {'p50 ms':>7} {'p99 ms':>8} {'errors':>6} {'peak MB':>7} "
              f"{'CPU us/req':>10}")
    print(header)
    results = []

    def show(row):
        results.append(row)
        print(f"{row['protocol']:8} {row['server']:15} {row['batch']:>4} {row['streams']:>7} "
              f"{row['req_s']:>9.0f} {row['rows_s']:>10.0f} {row['p50_ms']:>7.2f} "
              f"{row['p99_ms']:>8.2f} {row['errors']:>6} {row['peak_mb']:>7.1f} "
              f"{row['cpu_us_per_req']:>10.1f}", flush=True)

    for batch in (1, 100):
        for streams in (args.moderate, args.overload):
            for kind in SERVERS:
                row = measure(kind, files, lambda s, b=batch, c=streams: run_h2load(
                    s.grpc_port, bodies[b], c, args.duration, args.warmup, work), batch)
                row.update(protocol="gRPC", server=kind, batch=batch, streams=streams)
                show(row)
    for batch in (1, 100):
        body = json.dumps({"inputs": [{"name": "input", "shape": [batch, args.features],
                                       "datatype": "FP64", "data": X[:batch].ravel().tolist()}],
                           "outputs": [{"name": "predict"}]})
        for connections in (64, 256):
            row = measure("pith serve", files, lambda s, b=body, c=connections: run_wrk(
                s.http_port, b, c, args.duration, work), batch)
            row.update(protocol="REST", server="pith serve", batch=batch, streams=connections)
            show(row)

    print("\n# pith serve / python+sklearn (gRPC)")
    for batch in (1, 100):
        for streams in (args.moderate, args.overload):
            pick = {r["server"]: r for r in results if r["protocol"] == "gRPC"
                    and r["batch"] == batch and r["streams"] == streams}
            base, ours, mid = pick["python+sklearn"], pick["pith serve"], pick["python+pith"]
            what = "req/s" if batch == 1 else "rows/s"
            print(f"rows={batch:<3} streams={streams:<5} {what}: "
                  f"{ours['rows_s'] / base['rows_s']:.1f}x  "
                  f"(python+pith: {mid['rows_s'] / base['rows_s']:.1f}x)  "
                  f"CPU per request: {base['cpu_us_per_req'] / ours['cpu_us_per_req']:.1f}x less")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
