"""`pith serve` operations: model repositories and versions, hot reload under load (zero failed
requests; a corrupt file keeps the old model), SIGTERM under load (in-flight requests complete),
concurrency limits, config file, start-up errors."""

import json
import os
import subprocess
import threading
import time

import grpc
import numpy as np
import pytest
import requests
import tritonclient.grpc as triton
from tritonclient.utils import InferenceServerException

from pith.cluster import KMeans
from serve_support import Server, pith_cli

RNG = np.random.default_rng(1)
X = RNG.normal(size=(400, 4))


def fit(n_clusters):
    return KMeans(n_clusters=n_clusters, random_state=0).fit(X)


def infer_width(client, model="km", version="", rows=X[:8]):
    """The width of the "transform" output: which model (its n_clusters) answered."""
    tensor = triton.InferInput("input", list(rows.shape), "FP64")
    tensor.set_data_from_numpy(rows)
    result = client.infer(model, [tensor], model_version=version)
    return result.as_numpy("transform").shape[1]


class Load:
    """Threads sending gRPC requests in a loop until stopped; records every outcome."""

    def __init__(self, url, threads=4, rows=X[:8]):
        self.url, self.rows = url, rows
        self.widths, self.errors, self.count = set(), [], 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(threads)]
        for thread in self.threads:
            thread.start()

    def run(self):
        client = triton.InferenceServerClient(self.url)
        while not self.stopping.is_set():
            try:
                width = infer_width(client, rows=self.rows)
                with self.lock:
                    self.widths.add(width)
                    self.count += 1
            except InferenceServerException as error:
                with self.lock:
                    self.errors.append(str(error))

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(30)


def wait_until(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_repository_reload_under_load(tmp_path):
    repo = tmp_path / "repo"
    (repo / "km" / "1").mkdir(parents=True)
    fit(3).save(repo / "km" / "1" / "model.pith")
    with Server("--model-repository", repo, "--poll-seconds", "0.1") as server:
        client = triton.InferenceServerClient(server.grpc_url)
        assert infer_width(client) == 3
        load = Load(server.grpc_url)
        try:
            time.sleep(0.3)
            # A new file for version 1 (save is atomic: a temporary file renamed over it).
            fit(6).save(repo / "km" / "1" / "model.pith")
            assert wait_until(lambda: infer_width(client) == 6), server.log
            # A corrupt file: logged, the previous model keeps answering.
            tmp = repo / "km" / "1" / "model.pith.tmp"
            tmp.write_bytes(b"PITH not really a model" * 10)
            os.replace(tmp, repo / "km" / "1" / "model.pith")
            server.wait_for_log("model file does not load; the previous one keeps serving")
            assert infer_width(client) == 6
            # A new version becomes the default; the old one stays reachable by number.
            (repo / "km" / "2").mkdir()
            fit(4).save(repo / "km" / "2" / "model.pith")
            assert wait_until(lambda: infer_width(client) == 4), server.log
            assert infer_width(client, version="1") == 6
            time.sleep(0.3)
        finally:
            load.stop()
        assert load.errors == [], load.errors[:3]
        assert load.count > 20 and load.widths <= {3, 6, 4}
        meta = requests.get(server.http_url + "/v2/models/km").json()
        assert meta["versions"] == ["1", "2"]
        metrics = requests.get(server.http_url + "/metrics").text
        assert 'pith_model_reloads_total{model="km",outcome="failed"} 1' in metrics
        error = server.logged("model file does not load; the previous one keeps serving")[0]
        assert error["level"] == "error" and "model.pith" in error["path"] and error["error"]


def test_file_model_reload(tmp_path):
    path = tmp_path / "km.pith"
    fit(3).save(path)
    with Server("--model", f"km={path}", "--poll-seconds", "0.1") as server:
        client = triton.InferenceServerClient(server.grpc_url)
        assert infer_width(client) == 3
        fit(5).save(path)
        assert wait_until(lambda: infer_width(client) == 5), server.log
        assert server.logged("model reloaded")


def test_sigterm_under_load_completes_in_flight(tmp_path):
    path = tmp_path / "km.pith"
    fit(8).save(path)
    big = RNG.normal(size=(20_000, 4))  # a few ms per request: always some in flight
    server = Server("--model", f"km={path}", "--drain-seconds", "0.5")
    outcomes = []  # (start time, ok)
    lock = threading.Lock()
    stopping = threading.Event()

    def grpc_loop():
        client = triton.InferenceServerClient(server.grpc_url)
        while not stopping.is_set():
            start = time.monotonic()
            try:
                infer_width(client, rows=big)
                ok = True
            except InferenceServerException:
                ok = False
            with lock:
                outcomes.append((start, ok))
            if not ok:
                return

    def rest_loop():
        session = requests.Session()
        body = json.dumps({"inputs": [{"name": "input", "shape": [200, 4], "datatype": "FP64",
                                        "data": big[:200].ravel().tolist()}]})
        while not stopping.is_set():
            start = time.monotonic()
            try:
                ok = session.post(server.http_url + "/v2/models/km/infer", data=body,
                                  timeout=30).status_code == 200
            except requests.RequestException:
                ok = False
            with lock:
                outcomes.append((start, ok))
            if not ok:
                return

    threads = [threading.Thread(target=grpc_loop) for _ in range(3)]
    threads.append(threading.Thread(target=rest_loop))
    try:
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        killed_at = time.monotonic()
        server.terminate()
        assert server.process.wait(30) == 0
        ready_logs = server.logged("shutting down: not ready; draining")
        assert ready_logs and server.logged("stopped")
    finally:
        stopping.set()
        for thread in threads:
            thread.join(30)
        server.stop()
    before = [ok for start, ok in outcomes if start < killed_at]
    assert len(before) > 5 and all(before), f"{before.count(False)} of {len(before)} failed"


def test_readiness_false_while_draining(tmp_path):
    path = tmp_path / "km.pith"
    fit(3).save(path)
    server = Server("--model", f"km={path}", "--drain-seconds", "2")
    try:
        server.terminate()
        server.wait_for_log("shutting down: not ready; draining")
        response = requests.get(server.http_url + "/v2/health/ready", timeout=5)
        assert response.status_code == 503 and response.json() == {"ready": False}
        client = triton.InferenceServerClient(server.grpc_url)
        assert not client.is_server_ready()
        assert client.is_server_live()
        with grpc.insecure_channel(server.grpc_url) as channel:
            # grpc.health.v1: NOT_SERVING (2).
            assert channel.unary_unary("/grpc.health.v1.Health/Check")(b"") == b"\x08\x02"
        assert infer_width(client) == 3  # still serving while draining
        assert server.process.wait(30) == 0
    finally:
        server.stop()


def test_concurrency_limit_refuses_cleanly(tmp_path):
    path = tmp_path / "km.pith"
    fit(8).save(path)
    body = json.dumps({"inputs": [{"name": "input", "shape": [20_000, 4], "datatype": "FP64",
                                    "data": RNG.normal(size=(20_000, 4)).ravel().tolist()}]})
    with Server("--model", f"km={path}", "--max-inflight", "1") as server:
        statuses = []

        def post():
            for _ in range(4):
                response = requests.post(server.http_url + "/v2/models/km/infer", data=body,
                                         timeout=60)
                statuses.append(response.status_code)
                if response.status_code == 429:
                    assert "too many requests in flight (limit 1)" in response.json()["error"]

        threads = [threading.Thread(target=post) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert set(statuses) <= {200, 429} and 429 in statuses and 200 in statuses
        assert requests.get(server.http_url + "/v2/health/ready").status_code == 200
        assert 'outcome="rejected"' in requests.get(server.http_url + "/metrics").text


def test_config_file(tmp_path):
    (tmp_path / "models").mkdir()
    fit(3).save(tmp_path / "models" / "a.pith")
    config = tmp_path / "serve.json"
    config.write_text(json.dumps({
        "models": [{"name": "a", "path": "models/a.pith"},
                   # The schema overridden: computed in float32, columns named.
                   {"name": "b", "path": "models/a.pith", "datatype": "FP32",
                    "feature_names": ["w", "x", "y", "z"]}],
        "poll_seconds": 0, "log_level": "info"}))
    with Server("--config", config) as server:
        client = triton.InferenceServerClient(server.grpc_url)
        assert infer_width(client, model="a") == 3
        assert infer_width(client, model="b") == 3
        meta = requests.get(server.http_url + "/v2/models/b").json()
        assert meta["inputs"] == [{"name": "input", "datatype": "FP32", "shape": [-1, 4],
                                   "parameters": {"feature_names": ["w", "x", "y", "z"]}}]
        assert meta["outputs"][1]["datatype"] == "FP32"
        assert "parameters" not in requests.get(server.http_url + "/v2/models/a").json()["inputs"][0]
    config.write_text(json.dumps({"models": [{"name": "b", "path": "models/a.pith",
                                              "feature_names": ["only", "three", "names"]}]}))
    done = subprocess.run([pith_cli(), "serve", "--config", str(config), "--grpc-port", "0",
                           "--http-port", "0"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert "the config gives 3 feature names, the model has 4 features" in done.stderr


@pytest.mark.parametrize("args, code, message", [
    ([], 2, "nothing to serve"),
    (["--model", "km"], 2, "--model expects NAME=PATH"),
    (["--model", "km=/nonexistent/km.pith"], 1, "/nonexistent/km.pith"),
    (["--model-repository", "/nonexistent"], 1, "is not a readable folder"),
    (["--grpc-port", "70000"], 2, "--grpc-port expects an integer"),
])
def test_start_up_errors(args, code, message):
    done = subprocess.run([pith_cli(), "serve", *args], capture_output=True, text=True, timeout=30)
    assert done.returncode == code, done.stderr
    assert message in done.stderr


def test_port_in_use(tmp_path):
    path = tmp_path / "km.pith"
    fit(3).save(path)
    with Server("--model", f"km={path}") as first:
        done = subprocess.run(
            [pith_cli(), "serve", "--model", f"km={path}", "--host", "127.0.0.1",
             "--grpc-port", "0", "--http-port", str(first.http_port)],
            capture_output=True, text=True, timeout=30)
        assert done.returncode == 1 and "cannot listen for REST" in done.stderr
        done = subprocess.run(
            [pith_cli(), "serve", "--model", f"km={path}", "--host", "127.0.0.1",
             "--grpc-port", str(first.grpc_port), "--http-port", "0"],
            capture_output=True, text=True, timeout=30)
        assert done.returncode == 1 and "cannot listen for gRPC" in done.stderr
