"""pith compile on a tiny example: a K-Means model to a standalone WebAssembly module, run.

Trains pith's KMeans on 300 points around 3 centers, saves the model, compiles it twice (with
the `pith compile` command-line tool and with `to_wasm`, which give the same bytes), runs the
module in wasmtime (and in Node with the JS loader js/pith.mjs, if `node` is installed), and
checks that every runtime predicts what the Python model predicts. Run it with
`bash scripts/dev.sh demo`, or inside the virtualenv:

    python examples/compile_kmeans.py [--out-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import wasmtime
from sklearn.datasets import make_blobs

from pith.cluster import KMeans

ROOT = Path(__file__).resolve().parents[1]


def find_cli() -> str:
    """The `pith` executable installed next to this Python (pip install .) or on PATH."""
    here = os.path.join(os.path.dirname(sys.executable), "pith")
    found = here if os.access(here, os.X_OK) else shutil.which("pith")
    if not found:
        sys.exit("error: the `pith` command-line tool is not installed (run scripts/dev.sh setup)")
    return found


def run_in_wasmtime(wasm: bytes, X: np.ndarray) -> np.ndarray:
    """predict() through the module's ABI (docs/wasm-abi.md): rows in memory, labels back."""
    store = wasmtime.Store()
    exports = wasmtime.Instance(store, wasmtime.Module(store.engine, wasm), []).exports(store)
    assert exports["n_features"](store) == X.shape[1] and exports["element_size"](store) == 8
    X = np.ascontiguousarray(X, np.float64)
    at = exports["input_offset"](store)
    out = at + X.nbytes
    memory = exports["memory"]
    pages = -(-(out + 4 * len(X)) // 65536) - memory.size(store)
    if pages > 0:
        memory.grow(store, pages)
    memory.write(store, X.tobytes(), at)
    exports["predict"](store, at, out, len(X))
    return np.frombuffer(bytes(memory.read(store, out, out + 4 * len(X))), np.int32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", help="where to write the model and module (default: temp dir)")
    args = parser.parse_args()
    out_dir = Path(args.out_dir or tempfile.mkdtemp(prefix="pith-wasm-"))
    out_dir.mkdir(parents=True, exist_ok=True)

    X, _ = make_blobs(n_samples=300, n_features=2, centers=3, random_state=0)
    model = KMeans(n_clusters=3, random_state=0).fit(X)
    model.save(out_dir / "kmeans.pith")

    cli_path = out_dir / "kmeans.wasm"
    subprocess.run([find_cli(), "compile", out_dir / "kmeans.pith", "-o", cli_path], check=True)
    wasm = model.to_wasm(out_dir / "kmeans_py.wasm")
    assert cli_path.read_bytes() == wasm, "the CLI and to_wasm compile the same module"
    print(f"module: {cli_path} ({len(wasm)} bytes, no imports)")

    expected = model.predict(X)
    labels = run_in_wasmtime(wasm, X)
    assert (labels == expected).all()
    print(f"wasmtime: {len(X)} labels, all equal to KMeans.predict; first ten {labels[:10].tolist()}")

    node = shutil.which("node")
    if node:
        done = subprocess.run(
            [node, ROOT / "js" / "cli.mjs", cli_path, "predict"],
            input=json.dumps(X.tolist()),
            capture_output=True,
            text=True,
            check=True,
        )
        node_labels = json.loads(done.stdout)["values"]
        assert node_labels == expected.tolist()
        print(f"node (js/pith.mjs): {len(node_labels)} labels, all equal")
    else:
        print("node: not installed, skipped")


if __name__ == "__main__":
    main()
