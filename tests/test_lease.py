"""The output lease (pipelines/lease.py) on real files and real processes: one holder at a time,
stale leases taken over (dead pid, old heartbeat), waiting up to the timeout."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from akhbar.pipelines.lease import LeaseHeld, OutputLease, lease_path, read_lease, run_leased


def _write_lease(output: str, **fields) -> None:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    info = {"run_id": "old", "host": socket.gethostname(), "pid": os.getpid(), "started_at": now,
            "heartbeat_at": now, "command": "ingest", **fields}
    os.makedirs(os.path.dirname(lease_path(output)), exist_ok=True)
    with open(lease_path(output), "w", encoding="utf-8") as fh:
        json.dump(info, fh)


def test_a_held_lease_names_its_holder_and_is_released(tmp_path):
    output = str(tmp_path)
    with OutputLease(output, "first"):
        held = read_lease(output)
        assert (held.run_id, held.pid, held.host) == ("first", os.getpid(), socket.gethostname())
        with pytest.raises(LeaseHeld) as raised:
            OutputLease(output, "second").acquire()
        assert "ingest run first (pid" in str(raised.value) and socket.gethostname() in str(raised.value)
    assert read_lease(output) is None
    with OutputLease(output, "second"):
        assert read_lease(output).run_id == "second"


def test_the_lease_of_a_dead_process_is_taken_over_at_once(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    _write_lease(str(tmp_path), run_id="killed", pid=dead.pid)
    with OutputLease(str(tmp_path), "next"):
        assert read_lease(str(tmp_path)).run_id == "next"


def test_a_lease_without_heartbeat_goes_stale_but_a_fresh_one_on_another_host_holds(tmp_path):
    old = (datetime.now(UTC) - timedelta(minutes=11)).isoformat(timespec="seconds")
    _write_lease(str(tmp_path), run_id="elsewhere", host="worker-7", pid=1, heartbeat_at=old)
    with OutputLease(str(tmp_path), "next"):
        assert read_lease(str(tmp_path)).run_id == "next"
    _write_lease(str(tmp_path), run_id="elsewhere", host="worker-7", pid=1)
    with pytest.raises(LeaseHeld, match="elsewhere"):
        OutputLease(str(tmp_path), "next").acquire()


def test_a_waiting_run_gets_the_lease_when_the_holder_leaves(tmp_path):
    holder = OutputLease(str(tmp_path), "slow")
    holder.acquire()
    threading.Timer(0.7, holder.release).start()
    started = time.monotonic()
    with OutputLease(str(tmp_path), "patient", timeout=10):
        assert 0.5 < time.monotonic() - started < 8
    with pytest.raises(LeaseHeld):  # and a short timeout is honoured
        with OutputLease(str(tmp_path), "a"), OutputLease(str(tmp_path), "b", timeout=0.3):
            pass


def test_processes_racing_for_a_stale_lease_leave_exactly_one_holder(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    _write_lease(str(tmp_path), run_id="killed", pid=dead.pid)
    release = tmp_path / "release"
    script = (
        "import os, sys, time\n"
        "from akhbar.pipelines.lease import OutputLease, LeaseHeld\n"
        "lease = OutputLease(sys.argv[1], sys.argv[2])\n"
        "time.sleep(max(0.0, float(sys.argv[3]) - time.time()))\n"
        "try:\n    lease.acquire()\nexcept LeaseHeld:\n    print('held'); sys.exit(0)\n"
        "print('acquired'); sys.stdout.flush()\n"
        # Hold until every racer has answered: a racer slow to start (a loaded machine) must
        # still find the lease held, not freed by a holder that already let go.
        "deadline = time.time() + 120\n"
        "while not os.path.exists(sys.argv[4]) and time.time() < deadline:\n    time.sleep(0.05)\n"
        "lease.release()\n"
    )
    go = time.time() + 8  # every racer imported and waiting before the start
    racers = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path), f"racer{i}", str(go), str(release)],
                               stdout=subprocess.PIPE, text=True) for i in range(4)]
    deadline = time.monotonic() + 90
    while sum(r.poll() is not None for r in racers) < len(racers) - 1 and time.monotonic() < deadline:
        time.sleep(0.05)  # the racers that found the lease held have answered and gone
    release.touch()
    outcomes = sorted(r.communicate(timeout=60)[0].strip() for r in racers)
    assert outcomes == ["acquired", "held", "held", "held"], outcomes


def test_a_heartbeat_never_overwrites_the_lease_of_a_run_that_took_it_over(tmp_path):
    output = str(tmp_path)
    lease = OutputLease(output, "slow", heartbeat=0.05)
    lease.acquire()
    try:
        time.sleep(0.3)
        assert lease.still_held() and read_lease(output).run_id == "slow"  # its own beats go on
        _write_lease(output, run_id="taker", host="another-host", pid=4242)  # took it over as stale
        time.sleep(0.5)
        assert read_lease(output).run_id == "taker"  # not overwritten by a later beat
        assert lease.lost and lease.lost_to.run_id == "taker" and not lease.still_held()
    finally:
        lease.release()
    assert read_lease(output).run_id == "taker"  # nor removed by the loser's release


def test_run_leased_fails_with_exit_3_naming_the_new_holder_when_the_lease_is_lost(tmp_path, capsys):
    output = str(tmp_path)
    seen = []

    def body(still_held) -> int:
        seen.append(still_held())
        _write_lease(output, run_id="taker", host="another-host", pid=4242)
        seen.append(still_held())
        return 0

    assert run_leased("ingest", output, "loser", 0, body) == 3
    assert seen == [True, False]
    message = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(message) == 1 and "run loser lost the output lease" in message[0] and "run taker " in message[0]
    assert "another-host" in message[0]
    assert read_lease(output).run_id == "taker"
    assert run_leased("ingest", str(tmp_path / "free"), "holder", 0, lambda still_held: 0 if still_held() else 9) == 0
