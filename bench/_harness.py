"""Shared pieces of the side-by-side benchmarks: peak memory of a child process, timing."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def reset_peak_rss() -> None:
    """Resets the kernel's high-water mark of this process's RSS (Linux >= 4.0)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def peak_rss_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure(run, repeats: int) -> dict:
    """Runs `run` `repeats` times; returns the times, its last result and the peak memory the
    runs took above what the process held before them."""
    times, result = [], None
    reset_peak_rss()
    before = rss_bytes()
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - t0)
    return {"times": times, "result": result,
            "peak_extra_mb": max(0, peak_rss_bytes() - before) / 2**20}


def run_child(script: str, child_args: list[str], threads: int) -> dict:
    """Runs `script --child ...` in a fresh process and returns the JSON of its last line."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1")
    out = subprocess.run([sys.executable, script, *child_args], env=env, capture_output=True,
                         text=True)
    if out.returncode != 0:
        lines = out.stderr.strip().splitlines()
        return {"error": lines[-1] if lines else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])
