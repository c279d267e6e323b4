"""One writer per output: the lease a run (or ``akhbar compact``) holds on OUTPUT while it writes.

    with OutputLease(output, run_id, timeout=60):      # raises LeaseHeld naming the holder
        ...                                             # write the tables

The lease is one small JSON file, ``OUTPUT/state/lease.json``: run id, host, pid, start time and a
heartbeat time that a daemon thread refreshes every ``HEARTBEAT_SECONDS``. Another run may take it
over only when it is stale:

- its heartbeat is older than ``STALE_AFTER_SECONDS`` (10 minutes: a holder that stopped
  refreshing for that long is gone, or so stuck that it no longer owns the output), or
- it was taken on this host and its pid no longer runs (a SIGKILLed run frees the output at once).

Local paths get a real mutual exclusion: the lease is created with ``O_CREAT | O_EXCL``, and a
stale lease is removed only by one breaker at a time (``lease.json.breaking``, also created
exclusively), after reading it again, so two runs that start together never both hold it.

A holder whose lease was taken over (stale to the taker) finds out at its next heartbeat or at
``still_held()``, which re-reads the lease: it stops refreshing, never overwrites the taker's
lease (read again just before each heartbeat's rename), and ``run_leased`` fails it with exit 3
naming the taker. Its pipeline is not stopped mid-way: what it wrote until then stays, and it
commits nothing (ingest: no feed or template state, its run marker kept for repair).

gs:// and s3:// (through Beam ``FileSystems``, which has no create-if-absent): the lease is
written, then read back after ``REMOTE_SETTLE_SECONDS``; a run proceeds only if the file still
names it. This stops a run that starts while another holds the lease (the common case: a retry
overlapping a slow run), but two runs starting within the settle time of each other can both
proceed on a store without conditional writes. Keep the scheduler's own guard for that
(Airflow ``max_active_runs=1``, flock in cron).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from apache_beam.io.filesystems import FileSystems

log = logging.getLogger("akhbar")

LEASE_FILE = ("state", "lease.json")
HEARTBEAT_SECONDS = 30.0
STALE_AFTER_SECONDS = 600.0
REMOTE_SETTLE_SECONDS = 2.0
POLL_SECONDS = 0.5
# A run breaking a stale lease holds lease.json.breaking for milliseconds; one left older than this
# belongs to a breaker that died mid-turn.
BREAKING_STALE_SECONDS = 30.0


class LeaseHeld(Exception):
    """The output is leased to another live run; ``holder`` says which."""

    def __init__(self, path: str, holder: LeaseInfo | None):
        self.path = path
        self.holder = holder
        super().__init__(f"output is locked by {holder.describe() if holder else 'another run'} ({path})")


@dataclass(frozen=True)
class LeaseInfo:
    run_id: str
    host: str
    pid: int
    started_at: str
    heartbeat_at: str
    command: str = "ingest"

    def describe(self) -> str:
        return f"{self.command} run {self.run_id} (pid {self.pid} on {self.host}, since {self.started_at})"

    def heartbeat_age(self, now: datetime | None = None) -> float:
        try:
            beat = datetime.fromisoformat(self.heartbeat_at)
        except ValueError:
            return float("inf")
        return ((now or datetime.now(UTC)) - beat).total_seconds()


def holder_is_gone(info: LeaseInfo, now: datetime | None = None, stale_after: float = STALE_AFTER_SECONDS) -> bool:
    """True when the lease may be taken over: heartbeat too old, or holder's pid dead on this host."""
    if info.heartbeat_age(now) > stale_after:
        return True
    if info.host == socket.gethostname():
        try:
            os.kill(info.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # alive, owned by another user
            return False
    return False


def _is_local(path: str) -> bool:
    return "://" not in path


def lease_path(output: str) -> str:
    return FileSystems.join(output, *LEASE_FILE)


def read_lease(output: str) -> LeaseInfo | None:
    """The current lease, or None when there is none (or it is unreadable: a torn write of a dead holder)."""
    return _read_lease_file(lease_path(output))


def _read_lease_file(path: str) -> LeaseInfo | None:
    try:
        if _is_local(path):
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        else:
            if not FileSystems.exists(path):
                return None
            with FileSystems.open(path) as fh:
                data = json.loads(fh.read().decode("utf-8"))
        return LeaseInfo(**{k: data[k] for k in LeaseInfo.__dataclass_fields__ if k in data})
    except FileNotFoundError:
        return None
    except (ValueError, TypeError, KeyError, OSError):
        return None


class OutputLease:
    """Context manager holding the output's lease for one run (see module doc)."""

    def __init__(self, output: str, run_id: str, timeout: float = 0.0, command: str = "ingest",
                 stale_after: float = STALE_AFTER_SECONDS, heartbeat: float = HEARTBEAT_SECONDS):
        self.output = output
        self.path = lease_path(output)
        self.timeout = max(0.0, timeout)
        self.stale_after = stale_after
        self.heartbeat = heartbeat
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self.info = LeaseInfo(run_id, socket.gethostname(), os.getpid(), now, now, command)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Set once another run holds the lease (taken over as stale): from then on this run
        # must not commit anything (``still_held``); ``lost_to`` names the new holder.
        self.lost = False
        self.lost_to: LeaseInfo | None = None

    def _payload(self) -> bytes:
        info = LeaseInfo(**{**asdict(self.info), "heartbeat_at": datetime.now(UTC).isoformat(timespec="seconds")})
        return json.dumps(asdict(info), sort_keys=True).encode("utf-8")

    def _try_create_local(self) -> bool:
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "wb") as fh:
            fh.write(self._payload())
        return True

    def _break_stale_local(self, holder: LeaseInfo | None) -> None:
        """Remove the stale lease ``holder`` (None: unreadable) if it is still the one in place.

        Breakers take turns through ``lease.json.breaking`` (exclusive create), and each removes
        the lease only after reading it again under that turn: moving the lease aside first, as
        before, could move a newer run's fresh lease, and a third run could then take the empty
        place (two holders, seen under load in CI)."""
        breaking = f"{self.path}.breaking"
        try:
            fd = os.open(breaking, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            with contextlib.suppress(FileNotFoundError):  # a breaker that died mid-turn
                if time.time() - os.path.getmtime(breaking) > BREAKING_STALE_SECONDS:
                    os.remove(breaking)
            return
        os.close(fd)
        try:
            current = _read_lease_file(self.path)
            if holder is None:
                still_stale = current is None and time.time() - os.path.getmtime(self.path) > 5
            else:
                still_stale = current is not None and (current.run_id, current.pid, current.heartbeat_at) == (
                    holder.run_id, holder.pid, holder.heartbeat_at) and holder_is_gone(current, stale_after=self.stale_after)
            if still_stale:
                os.remove(self.path)
                log.warning("took over the stale lease of %s", holder.describe() if holder else "an unreadable lease")
        except FileNotFoundError:
            pass
        finally:
            os.remove(breaking)

    def _write_remote(self) -> None:
        with FileSystems.create(self.path) as sink:
            sink.write(self._payload())

    def _try_acquire(self) -> LeaseInfo | None:
        """None when acquired, else the live holder."""
        holder = read_lease(self.output)
        if _is_local(self.path):
            if self._try_create_local():
                return None
            holder = read_lease(self.output)
            if holder is None:
                # Exists but unreadable: either being written right now or torn by a crash.
                # Give a writer a moment before calling it stale.
                with contextlib.suppress(FileNotFoundError):
                    if time.time() - os.path.getmtime(self.path) > 5:
                        self._break_stale_local(None)
                return LeaseInfo("?", "?", 0, "?", "?") if os.path.exists(self.path) else self._try_acquire()
            if holder_is_gone(holder, stale_after=self.stale_after):
                self._break_stale_local(holder)
                if self._try_create_local():
                    return None
                # Someone else's lease is there now: maybe still empty (created, not yet written),
                # which reads as None, and None here would mean "acquired".
                return read_lease(self.output) or LeaseInfo("?", "?", 0, "?", "?")
            return holder
        if holder is not None and not holder_is_gone(holder, stale_after=self.stale_after):
            return holder
        self._write_remote()
        time.sleep(REMOTE_SETTLE_SECONDS)
        current = read_lease(self.output)
        if current is not None and (current.run_id, current.pid, current.host) != (
            self.info.run_id, self.info.pid, self.info.host
        ):
            return current
        return None

    def acquire(self) -> None:
        deadline = time.monotonic() + self.timeout
        while True:
            holder = self._try_acquire()
            if holder is None:
                break
            if time.monotonic() >= deadline:
                raise LeaseHeld(self.path, holder if holder.run_id != "?" else None)
            time.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())) or POLL_SECONDS)
        self._thread = threading.Thread(target=self._beat, name="akhbar-lease-heartbeat", daemon=True)
        self._thread.start()

    def _mine(self, current: LeaseInfo | None) -> bool:
        return current is not None and (current.run_id, current.pid) == (self.info.run_id, self.info.pid)

    def _lose(self, current: LeaseInfo | None) -> None:
        if not self.lost:
            self.lost, self.lost_to = True, current
            log.warning("lost the output lease to %s", current.describe() if current else "nobody (lease removed)")

    def still_held(self) -> bool:
        """False once the lease was taken over; re-reads it, so a takeover since the last heartbeat counts."""
        if not self.lost and not self._mine(read_lease(self.output)):
            self._lose(read_lease(self.output))
        return not self.lost

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat):
            try:
                if not self.still_held():
                    return
                temp = f"{self.path}.{self.info.pid}.inprogress"
                with FileSystems.create(temp) as sink:
                    sink.write(self._payload())
                # Read again just before the rename: a run that took the lease over while the
                # payload was written must keep it. (No store here offers compare-and-swap; what
                # is left is the gap between this read and the rename, microseconds locally.)
                if not self.still_held():
                    with contextlib.suppress(Exception):
                        FileSystems.delete([temp])
                    return
                FileSystems.rename([temp], [self.path])
            except Exception as exc:  # a missed heartbeat is not fatal; STALE_AFTER allows many
                log.warning("lease heartbeat failed: %s: %s", type(exc).__name__, exc)

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        current = read_lease(self.output)
        if current is not None and current.run_id == self.info.run_id and current.pid == self.info.pid:
            with contextlib.suppress(Exception):
                FileSystems.delete([self.path])

    def __enter__(self) -> OutputLease:
        self.acquire()
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()


EXIT_CONFIG, EXIT_FAILED, EXIT_LOCKED = 2, 3, 4


def run_leased(command: str, output: str, run_id: str, timeout: float,
               body: Callable[[Callable[[], bool]], int], *, check_writable: bool = True) -> int:
    """Run ``body(still_held)`` holding OUTPUT's lease: the shared entry of ``ingest``, ``stream`` and ``compact``.

    An unwritable output is one line and exit 2; a lease held by another live run is one line
    naming it and exit 4. ``body`` calls ``still_held()`` before it commits anything (feed and
    template state, its run marker): False means another run took the lease over (this one's
    heartbeat stalled past ``STALE_AFTER_SECONDS``, or its holder looked gone), and the body
    must stop without committing. A run that lost its lease exits 3 with one line naming the
    new holder, whatever ``body`` returned; otherwise ``body``'s exit code. The lease is
    released whatever happens (never another run's).
    """
    if check_writable:
        problem = output_problem(output)
        if problem:
            print(f"akhbar {command}: error: {problem}", file=sys.stderr)
            return EXIT_CONFIG
    lease = OutputLease(output, run_id, timeout=timeout, command=command)
    try:
        lease.acquire()
    except LeaseHeld as exc:
        print(f"akhbar {command}: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    try:
        code = body(lease.still_held)
        if not lease.still_held():
            holder = lease.lost_to.describe() if lease.lost_to else "nobody (the lease file was removed)"
            print(f"akhbar {command}: run {run_id} lost the output lease to {holder}; "
                  "what it wrote after that is repaired by the next run", file=sys.stderr)
            return EXIT_FAILED
        return code
    finally:
        lease.release()


def output_problem(output: str) -> str | None:
    """None when OUTPUT can be written (created if missing), else one line saying why not."""
    probe = FileSystems.join(output, "state", f".write-probe-{os.getpid()}.inprogress")
    try:
        if _is_local(output):
            os.makedirs(os.path.join(output, "state"), exist_ok=True)
        with FileSystems.create(probe) as sink:
            sink.write(b"probe")
        FileSystems.delete([probe])
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"output {output} is not writable: {reason[:200]}"
    return None
