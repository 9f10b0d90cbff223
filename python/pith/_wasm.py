"""``to_wasm``: compile a fitted pith estimator to a standalone WebAssembly module.

A mixin for every estimator that can serialise itself (``to_bytes``): the model crosses to the
C++ compiler as the bytes of a .pith file, the same compiler as ``pith compile``.
"""

import os

from pith import _core

__all__ = ["WasmMixin", "compile_wasm"]


def compile_wasm(model_bytes, dtype=None, outputs=None):
    """Compile the bytes of a .pith model file to the bytes of a WebAssembly module.

    See :meth:`WasmMixin.to_wasm` for the parameters and docs/wasm-abi.md for the module.
    """
    return _core.compile_wasm(bytes(model_bytes), dtype, list(outputs or []))


class WasmMixin:
    """Adds ``to_wasm`` to an estimator that has ``to_bytes``."""

    def to_wasm(self, path=None, dtype=None, outputs=None):
        """Compile the fitted model to a WebAssembly module.

        The module has no imports and runs in browsers, Node, wasmtime, wasm3 or any other
        WebAssembly runtime; its interface (exported memory, schema functions, one batch
        function per output) is described in docs/wasm-abi.md, and ``js/pith.mjs`` loads it.

        Parameters
        ----------
        path : str or os.PathLike, optional
            Where to write the module. If None, the bytes are only returned.
        dtype : {None, "float32", "float64"}, default=None
            Type of the inputs, outputs and arithmetic; None uses the dtype the model was
            fitted on.
        outputs : list of str, optional
            Outputs to export ("predict", "predict_proba", "decision_function",
            "transform"); by default every output the model has.

        Returns
        -------
        module : bytes
            The WebAssembly binary (also written to ``path`` if given).
        """
        module = compile_wasm(self.to_bytes(), dtype=dtype, outputs=outputs)
        if path is not None:
            with open(os.fspath(path), "wb") as f:
                f.write(module)
        return module
