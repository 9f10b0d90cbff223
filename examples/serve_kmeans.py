"""Serve a pith model: train a small K-Means, save it, start `pith serve`, ask it over REST
and gRPC (with Triton's client, unchanged), stop it with SIGTERM.

    python examples/serve_kmeans.py [--out-dir DIR]
"""

import argparse
import json
import shutil
import signal
import subprocess
import tempfile
import urllib.request
from pathlib import Path

import numpy as np
import tritonclient.grpc as triton

from pith.cluster import KMeans


def start_server(model_path):
    """Starts `pith serve` on free loopback ports; returns the process and its ports."""
    pith = shutil.which("pith") or "build/apps/pith/pith"
    server = subprocess.Popen(
        [pith, "serve", "--model", f"blobs={model_path}", "--host", "127.0.0.1",
         "--grpc-port", "0", "--http-port", "0"],
        stderr=subprocess.PIPE, text=True)
    for line in server.stderr:  # JSON-lines log; the "serving" line names the ports
        entry = json.loads(line)
        print("server log:", line.strip())
        if entry["msg"] == "serving":
            return server, entry["grpc_port"], entry["http_port"]
    raise RuntimeError("pith serve exited before serving")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=None)
    args = parser.parse_args()
    out_dir = args.out_dir or Path(tempfile.mkdtemp(prefix="pith-serve-"))
    out_dir.mkdir(parents=True, exist_ok=True)

    rng = np.random.default_rng(0)
    centers = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    X = np.concatenate([c + rng.normal(size=(200, 2)) for c in centers])
    model = KMeans(n_clusters=3, random_state=0).fit(X)
    model.save(out_dir / "blobs.pith")
    points = np.array([[1.0, 1.0], [9.0, 1.0], [1.0, 8.0]])
    expected = model.predict(points)

    server, grpc_port, http_port = start_server(out_dir / "blobs.pith")
    try:
        # REST: the Open Inference Protocol's JSON body.
        body = {"inputs": [{"name": "input", "shape": [3, 2], "datatype": "FP64",
                            "data": points.tolist()}],
                "outputs": [{"name": "predict"}]}
        request = urllib.request.Request(f"http://127.0.0.1:{http_port}/v2/models/blobs/infer",
                                         data=json.dumps(body).encode(), method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.load(response)
        rest_labels = answer["outputs"][0]["data"]
        print("REST labels:", rest_labels)
        assert rest_labels == expected.tolist()

        # gRPC: Triton's client, raw tensor bytes.
        client = triton.InferenceServerClient(f"127.0.0.1:{grpc_port}")
        assert client.is_server_ready() and client.is_model_ready("blobs")
        tensor = triton.InferInput("input", list(points.shape), "FP64")
        tensor.set_data_from_numpy(points)
        result = client.infer("blobs", [tensor])
        print("gRPC labels:", result.as_numpy("predict").tolist())
        print("gRPC distances:\n", result.as_numpy("transform").round(3))
        assert (result.as_numpy("predict") == expected).all()
        client.close()
    finally:
        server.send_signal(signal.SIGTERM)  # graceful: not ready, drain, exit 0
        code = server.wait(30)
        for line in server.stderr:
            print("server log:", line.strip())
    assert code == 0, f"pith serve exited with {code}"
    print("served, queried and stopped: ok")


if __name__ == "__main__":
    main()
