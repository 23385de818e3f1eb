"""``tradeport record`` into Parquet and ``tradeport replay``: counts that match what DuckDB
reads, a clean flushing stop, and what a SIGKILL of the recorder can lose (the open batch)."""

from __future__ import annotations

import re
import signal
from pathlib import Path

import pytest
from conftest import run_cli
from test_cli_stream import Streaming

duckdb = pytest.importorskip("duckdb", reason="duckdb comes with tradeport-parquet[test]")
pytest.importorskip("tradeport_parquet", reason="needs tradeport-parquet")

SELECTION = (
    "--sandbox",
    "--quotes",
    "BTCUSDT",
    "--trades",
    "BTCUSDT",
    "--book",
    "BTCUSDT",
    "--interval",
    "0.01",
)
STATUS = re.compile(
    r"(\d+) events, [\d.]+ events/s, (\d+) files, [\d.]+ k?M?G?B, stored (\d+), pending (\d+)"
)


def _duckdb_event_count(directory: Path) -> int:
    """Events in the files, counted by DuckDB alone (book batches: distinct run, seq)."""
    total = 0
    for dataset in directory.iterdir():
        files = f"{dataset}/**/*.parquet"
        if not list(dataset.rglob("*.parquet")):
            continue
        (count,) = duckdb.sql(
            f"SELECT count(DISTINCT (run, seq)) FROM read_parquet('{files}', hive_partitioning = true)"
        ).fetchall()[0]
        total += count
    return total


def test_record_then_duckdb_counts_what_the_recorder_reported_and_replay_prints_it(
    tmp_path: Path,
) -> None:
    out = tmp_path / "ticks"
    result = run_cli("record", "binance", *SELECTION, "--to", f"parquet:{out}", "--duration", "4")
    assert result.returncode == 0, result.stderr
    final = result.stderr.strip().splitlines()[-1]
    assert "stopped after" in final, result.stderr
    events, files, stored, pending = map(int, STATUS.search(final).groups())
    assert events == stored > 100 and pending == 0
    assert files == len(list(out.rglob("*.parquet")))
    assert _duckdb_event_count(out) == events
    feed_counts = dict(re.findall(r"(\w+) (\d+)", final.split("events (", 1)[1].split(")", 1)[0]))
    assert set(feed_counts) == {"QuoteTick", "TradeTick", "OrderBookDeltas"}

    replay = run_cli("replay", f"parquet:{out}")
    assert replay.returncode == 0, replay.stderr
    assert f"replay parquet:{out}: {events} events" in replay.stderr
    lines = replay.stdout.splitlines()
    assert len(lines) == events
    assert sum(" QUOTE " in line for line in lines) == int(feed_counts["QuoteTick"])
    assert sum(" BOOK " in line for line in lines) == int(feed_counts["OrderBookDeltas"])


def test_sigkill_loses_at_most_the_open_batch(tmp_path: Path) -> None:
    out = tmp_path / "ticks"
    batch = 200
    run = Streaming(
        "record",
        "binance",
        *SELECTION,
        "--to",
        f"parquet:{out}",
        "-o",
        f"batch_size={batch}",
        "-o",
        "flush_interval=0.3",
        "--status-interval",
        "0.1",
        read="stderr",  # the status lines
    )
    statuses = []
    while not statuses or int(STATUS.search(statuses[-1]).group(3)) < 3 * batch:
        statuses += run.lines(1, match="stored")
    run.proc.send_signal(signal.SIGKILL)
    run.proc.wait(timeout=30)
    assert run.proc.returncode == -signal.SIGKILL
    events, _, stored, pending = map(int, STATUS.search(statuses[-1]).groups())
    assert pending <= 2 * batch  # the documented bound, as the recorder saw it
    in_files = _duckdb_event_count(out)  # every landed file is complete and readable
    assert in_files >= stored
    assert in_files >= events - 2 * batch
    assert not [p for p in out.rglob("*.parquet") if p.name.startswith(".")]


def test_record_to_an_unknown_sink_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("record", "binance", "--sandbox", "--quotes", "BTCUSDT", "--to", "kafka://x")
    assert result.returncode == 2
    assert "no installed sink serves 'kafka'" in result.stderr and "parquet" in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_record_and_replay_help_teach_with_examples() -> None:
    for command, example in (
        ("record", "--to parquet:ticks"),
        ("replay", "tradeport replay parquet:ticks"),
    ):
        result = run_cli(command, "--help")
        assert result.returncode == 0 and example in result.stdout


@pytest.mark.parametrize("server_kind", ["redis", "nats"])
def test_record_to_a_network_sink_then_replay_reads_the_same_count(
    server_kind: str, tmp_path: Path
) -> None:
    from tradeport.testing.servers import NatsServer, RedisServer, missing

    binary = f"{server_kind}-server"
    if missing(binary):
        pytest.skip(missing(binary))
    pytest.importorskip(f"tradeport_{server_kind}", reason=f"needs tradeport-{server_kind}")
    with (RedisServer if server_kind == "redis" else NatsServer)(tmp_path / server_kind) as server:
        result = run_cli("record", "binance", *SELECTION, "--to", server.url, "--duration", "2")
        assert result.returncode == 0, result.stderr
        events, _, stored, pending = map(
            int, STATUS.search(result.stderr.strip().splitlines()[-1]).groups()
        )
        assert events == stored > 50 and pending == 0
        replay = run_cli("replay", server.url, "--no-follow", "--json")
        assert replay.returncode == 0, replay.stderr
        assert len(replay.stdout.splitlines()) == events
        assert f"{events} events" in replay.stderr and "redeliveries dropped 0" in replay.stderr


@pytest.mark.parametrize("server_kind", ["redis", "nats"])
def test_recorder_session_fans_out_to_two_consumers_across_a_server_restart(
    server_kind: str, tmp_path: Path
) -> None:
    """The issue's check end to end: a recording venue session (the Binance sandbox) publishes
    through the sink while two consumer processes read; the server is killed and restarted in
    the middle. Each consumer prints every event the recorder stored, once."""
    from tradeport.testing.servers import Consumer, NatsServer, RedisServer, missing

    binary = f"{server_kind}-server"
    if missing(binary):
        pytest.skip(missing(binary))
    pytest.importorskip(f"tradeport_{server_kind}", reason=f"needs tradeport-{server_kind}")
    with (RedisServer if server_kind == "redis" else NatsServer)(tmp_path / server_kind) as server:
        consumers = [Consumer(server.url), Consumer(server.url)]
        recorder = Streaming(
            "record", "binance", *SELECTION, "--to", server.url, "--status-interval", "0.1",
            "-o", "batch_size=50", "-o", "retry_max=0.2", read="stderr",
        )  # fmt: skip
        try:

            def status() -> tuple[int, ...]:
                return tuple(map(int, STATUS.search(recorder.lines(1, match="stored")[0]).groups()))

            while status()[2] < 200:  # stored before the crash
                pass
            server.kill()
            while "retries" not in recorder.lines(1, match="stored")[0]:  # it noticed
                pass
            server.start()
            stored_after_restart = status()[2]
            while status()[2] < stored_after_restart + 200:  # and goes on after it
                pass
            code, err = recorder.interrupt()
            assert code == 0, err
            final = err.strip().splitlines()[-1]
            events, _, stored, pending = map(int, STATUS.search(final).groups())
            assert events == stored and pending == 0, final
            outputs = [c.read(events, timeout=60.0) for c in consumers]
        finally:
            exits = [c.stop() for c in consumers]
    assert all(code == 0 for code, _ in exits), exits
    for lines in outputs:
        assert len(lines) == events and len(set(lines)) == events  # each once
    assert sorted(outputs[0]) == sorted(outputs[1])  # the same events
    assert all("redeliveries dropped" in err for _, err in exits)
