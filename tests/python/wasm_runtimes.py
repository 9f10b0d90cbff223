"""Helpers for the WebAssembly tests and benchmark: scikit-learn estimators as pith model dicts,
and three independent runtimes running a compiled module (wasmtime, Node through js/cli.mjs,
and wabt's wasm-interp through the module's run_embedded export)."""

import json
import math
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans as SkKMeans
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from pith import _core

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
WASM_INTERP = shutil.which("wasm-interp")
WASM_VALIDATE = shutil.which("wasm-validate")
PAGE = 65536


# ---- scikit-learn estimators -> pith model dicts ----------------------------------------------


def step_dict(est):
    """The pith model dict fields of one fitted scikit-learn (or pith) estimator."""
    if isinstance(est, LogisticRegression):
        classes = est.classes_
        labels = [str(c) for c in classes] if classes.dtype.kind in "OUS" else [int(c) for c in classes]
        return {
            "kind": "logistic_regression",
            "classes": labels,
            "coef": np.ascontiguousarray(est.coef_, np.float64),
            "intercept": np.ascontiguousarray(est.intercept_, np.float64),
            "C": float(est.C),
            "n_iter": int(np.max(est.n_iter_)),
        }
    if isinstance(est, (LinearRegression, Ridge)):
        coef = np.atleast_2d(np.asarray(est.coef_, np.float64))
        return {
            "kind": "linear_regression",
            "coef": np.ascontiguousarray(coef),
            "intercept": np.ascontiguousarray(np.atleast_1d(est.intercept_), np.float64),
            "alpha": float(getattr(est, "alpha", 0.0)),
            "rank": int(getattr(est, "rank_", -1)),
        }
    if isinstance(est, StandardScaler):
        d = est.n_features_in_
        mean = est.mean_ if est.with_mean else np.zeros(d)
        scale = est.scale_ if est.with_std else np.ones(d)
        return {
            "kind": "standard_scaler",
            "mean": np.ascontiguousarray(mean, np.float64),
            "scale": np.ascontiguousarray(scale, np.float64),
            "with_mean": bool(est.with_mean),
            "with_std": bool(est.with_std),
        }
    if isinstance(est, MinMaxScaler):
        return {
            "kind": "min_max_scaler",
            "scale": np.ascontiguousarray(est.scale_, np.float64),
            "min": np.ascontiguousarray(est.min_, np.float64),
            "range_min": float(est.feature_range[0]),
            "range_max": float(est.feature_range[1]),
            "clip": bool(est.clip),
        }
    if isinstance(est, SkKMeans) or type(est).__name__ == "KMeans":
        return {
            "kind": "kmeans",
            "cluster_centers": np.ascontiguousarray(est.cluster_centers_, np.float64),
            "inertia": float(est.inertia_),
            "n_iter": int(est.n_iter_),
        }
    raise TypeError(f"no pith model for {type(est).__name__}")


def model_dict(est, n_features, dtype="float64"):
    """A pith model dict for a fitted estimator or Pipeline."""
    if isinstance(est, Pipeline):
        d = {"kind": "pipeline", "steps": [dict(step_dict(e), name=n) for n, e in est.steps]}
    else:
        d = step_dict(est)
    d.update(n_features=int(n_features), dtype=dtype, feature_names=None)
    return d


def compile_dict(d, dtype=None, **kwargs):
    return _core.compile_wasm(_core.model_to_bytes(d), dtype, **kwargs)


def native(d, output, X):
    """pith's native prediction (pith/predict.h), reshaped to (rows, width)."""
    out = _core.NativeModel(d).predict(output, X, 1)
    return out.reshape(X.shape[0], -1)


# ---- runtimes ----------------------------------------------------------------------------------


def metadata(wasm):
    """The JSON of the module's "pith" custom section (parsed from the binary directly)."""
    at = 8
    while at < len(wasm):
        section, at = wasm[at], at + 1
        size, at = _uleb(wasm, at)
        end = at + size
        if section == 0:
            name_len, p = _uleb(wasm, at)
            if wasm[p : p + name_len] == b"pith":
                return json.loads(wasm[p + name_len : end])
        at = end
    return {}


def _uleb(data, at):
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


class Wasmtime:
    """One instance of a module in wasmtime (its Python package)."""

    def __init__(self, wasm):
        import wasmtime

        self.store = wasmtime.Store(wasmtime.Engine())
        module = wasmtime.Module(self.store.engine, wasm)
        self.exports = wasmtime.Instance(self.store, module, []).exports(self.store)
        self.memory = self.exports["memory"]
        self.int_outputs = set(metadata(wasm).get("int_outputs", []))
        self.n_features = self.call("n_features")
        self.dtype = np.float32 if self.call("element_size") == 4 else np.float64
        self.input_offset = self.call("input_offset")

    def call(self, name, *args):
        return self.exports[name](self.store, *args)

    def run(self, output, X):
        X = np.ascontiguousarray(X, self.dtype)
        n = X.shape[0]
        width = self.call(f"{output}_width")
        out_type = np.int32 if output in self.int_outputs else self.dtype
        out = self.input_offset + (X.nbytes + 7) // 8 * 8
        end = out + n * width * np.dtype(out_type).itemsize
        grow = math.ceil(end / PAGE) - self.memory.size(self.store)
        if grow > 0:
            self.memory.grow(self.store, grow)
        self.memory.write(self.store, X.tobytes(), self.input_offset)
        self.call(output, self.input_offset, out, n)
        raw = self.memory.read(self.store, out, end)
        return np.frombuffer(bytes(raw), out_type).reshape(n, width)


def run_node(wasm_path, output, X):
    """js/cli.mjs in Node: labels or values as returned by the JS loader, (rows, width)."""
    done = subprocess.run(
        [NODE, str(ROOT / "js" / "cli.mjs"), str(wasm_path), output],
        input=json.dumps(np.asarray(X, np.float64).tolist() if isinstance(X, np.ndarray) else X),
        capture_output=True,
        text=True,
        timeout=60,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip())
    result = json.loads(done.stdout)
    return np.array(result["values"]).reshape(len(X), result["width"]), result["type"]


def run_interp(d, output, X, dtype=None):
    """wabt's wasm-interp: the rows are built into the module, which returns value bits."""
    X = np.asarray(X, np.float64)
    wasm = compile_dict(
        d, dtype, embedded_rows=X.ravel().tolist(), embedded_output=output, metadata=True
    )
    runtime_dtype = np.float32 if (dtype or d["dtype"]) == "float32" else np.float64
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.wasm"
        path.write_bytes(wasm)
        done = subprocess.run(
            [WASM_INTERP, "--run-all-exports", str(path)], capture_output=True, text=True, timeout=60
        )
    line = next(l for l in done.stdout.splitlines() if l.startswith("run_embedded()"))
    bits = [int(v.split(":")[1]) for v in line.split("=>", 1)[1].split(",")]
    n = X.shape[0]
    if output in metadata(wasm).get("int_outputs", []):
        return np.array(bits, np.int64).astype(np.int32).reshape(n, -1)
    if runtime_dtype == np.float64:
        return np.array([struct.unpack("<d", struct.pack("<Q", b % 2**64))[0] for b in bits]).reshape(n, -1)
    return np.array(
        [struct.unpack("<f", struct.pack("<I", b % 2**32))[0] for b in bits], np.float32
    ).reshape(n, -1)
