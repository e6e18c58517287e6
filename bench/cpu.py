"""Where the CPU of a load run went: the app's workers, PostgreSQL, the load client, the rest.

Read from /proc (Linux): each process's user + system time before and after the run, and the
machine's busy time (/proc/stat). A run that serves fewer requests per second than it should
says here why: the CPU one response costs, and what that allows on this many cores.
"""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Process:
    parent: int
    name: str
    seconds: float  # user + system


def processes() -> dict[int, Process]:
    """Every process now: its parent, its name and the CPU it used so far."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()  # from the state on: field 3 of proc(5) is fields[0]
        found[int(entry.name)] = Process(int(fields[1]), name, (int(fields[11]) + int(fields[12])) / TICKS)
    return found


def machine_busy() -> float:
    """Seconds the machine's cores spent busy (anything but idle and waiting for I/O), all cores added."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / TICKS


def descendants(root: int, table: dict[int, Process]) -> set[int]:
    family, added = {root}, True
    while added:
        added = False
        for pid, process in table.items():
            if process.parent in family and pid not in family:
                family.add(pid)
                added = True
    return family


def _own_and_children() -> float:
    used = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(usage.ru_utime + usage.ru_stime for usage in used)


@dataclass(frozen=True)
class Snapshot:
    """Every process's CPU so far, the machine's busy time, and this process's and its waited-for children's."""

    processes: dict[int, Process]
    busy: float
    own: float

    @classmethod
    def now(cls) -> Snapshot:
        return cls(processes(), machine_busy(), _own_and_children())


@dataclass(frozen=True)
class Usage:
    """CPU seconds used between two snapshots: by the server (and its workers), by PostgreSQL's
    processes, by this process and the children it waited for (the load client), and in all."""

    app: float
    database: float
    client: float
    busy: float

    @property
    def rest(self) -> float:
        return max(0.0, self.busy - self.app - self.database - self.client)

    def per_response(self, responses: int, seconds: float) -> str:
        """Say what one response cost and how many per second the cores allow at that cost."""
        if not responses:
            return "no responses: no CPU per response"
        cores = os.cpu_count() or 1
        ms = [1000 * part / responses for part in (self.app, self.database, self.client, self.rest)]
        total = sum(ms)
        return (f"CPU per response {total:.1f} ms: app workers {ms[0]:.1f}, PostgreSQL {ms[1]:.1f}, load client "
                f"{ms[2]:.1f}, rest of the machine {ms[3]:.1f}; the machine was busy {self.busy / seconds / cores:.0%} "
                f"of its {cores} cores, which at that cost serve at most {cores * 1000 / total:.0f} requests/s")


def between(before: Snapshot, after: Snapshot, server_pid: int) -> Usage:
    """The CPU used from ``before`` to ``after``; the server is ``server_pid`` and its descendants."""

    def used(pids: set[int]) -> float:
        return sum(after.processes[pid].seconds - (before.processes[pid].seconds if pid in before.processes else 0.0)
                   for pid in pids if pid in after.processes)

    database = {pid for pid, process in after.processes.items() if process.name.startswith("postgres")}
    return Usage(app=used(descendants(server_pid, after.processes)), database=used(database),
                 client=after.own - before.own, busy=after.busy - before.busy)
