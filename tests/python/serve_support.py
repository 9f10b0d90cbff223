"""Running `pith serve` in tests: start it on free loopback ports, read its JSON-lines log,
stop it (SIGTERM, then SIGKILL if it hangs) so that no server outlives its test."""

import json
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def pith_cli():
    """The pith binary: $PITH_CLI, else the one on PATH (the virtualenv's), else the C++ build's."""
    if os.environ.get("PITH_CLI"):
        return os.environ["PITH_CLI"]
    found = shutil.which("pith")
    if found:
        return found
    return str(ROOT / "build" / "apps" / "pith" / "pith")


class Server:
    """One `pith serve` process. Use as a context manager, or call stop() in a finally."""

    def __init__(self, *args, start_timeout=30.0):
        command = [pith_cli(), "serve", "--host", "127.0.0.1", "--grpc-port", "0",
                   "--http-port", "0", *map(str, args)]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        text=True)
        self.log = []  # parsed JSON lines (or {"raw": line} for anything else)
        self._serving = threading.Event()
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + start_timeout
        while not self._serving.wait(0.05):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"pith serve did not start: {self.log}")
        serving = next(line for line in self.log if line.get("msg") == "serving")
        self.grpc_port = serving["grpc_port"]
        self.http_port = serving["http_port"]
        self.grpc_url = f"127.0.0.1:{self.grpc_port}"
        self.http_url = f"http://127.0.0.1:{self.http_port}"

    def _read_log(self):
        for line in self.process.stderr:
            try:
                entry = json.loads(line)
            except ValueError:
                entry = {"raw": line.rstrip("\n")}
            self.log.append(entry)
            if entry.get("msg") == "serving":
                self._serving.set()

    def logged(self, message):
        return [line for line in self.log if line.get("msg") == message]

    def wait_for_log(self, message, timeout=10.0, count=1):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.logged(message)) >= count:
                return self.logged(message)
            time.sleep(0.02)
        raise AssertionError(f"no {message!r} in the log: {self.log}")

    def terminate(self):
        """Sends SIGTERM (the graceful shutdown) without waiting."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def stop(self, timeout=30.0):
        """SIGTERM, wait; SIGKILL if it did not exit. Returns the exit code."""
        self.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(5)
        return self.process.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
