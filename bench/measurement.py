# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One measured run: its wall time, CPU time, the AWS requests it made and, for a playbook, how many tasks changed."""

import resource
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from localcloud.session import Emulator

# AWS names its read-only actions this way (DescribeInstances, GetRole, ListPolicies); anything else may change state.
READ_ONLY_PREFIXES = ("Describe", "Get", "List")


class BenchError(Exception):
    """A run failed or gave a wrong result: the bench stops, because a timing of a failure means nothing."""


@dataclass(frozen=True)
class Timing:
    """What a timed run reports itself: seconds, and the PLAY RECAP's changed count (None when not a playbook)."""

    seconds: float
    changed: int | None = None


@dataclass(frozen=True)
class Measurement:
    """One row of results.csv."""

    suite: str
    nodes: int
    repeat: int
    seconds: float
    changed: int | None
    # CPU seconds (user + system) of the processes the run started on the controller (ansible-playbook, its workers
    # and ssh clients, or the aws commands), and of the instance containers (None on the API-only emulator).
    # Wall time alone cannot tell the controller's per-node work from the nodes' own, which on AWS runs on
    # every node's CPUs in parallel but here shares this machine's cores.
    controller_cpu_s: float
    nodes_cpu_s: float | None
    # The emulator's request counter for this run, clients only: {service: {action: count}}.
    requests: dict[str, dict[str, int]]

    @property
    def controller_cpu_per_node_s(self) -> float:
        """The controller's CPU seconds per node: what grows with the cluster when Ansible's cost per host does."""
        return self.controller_cpu_s / self.nodes

    @property
    def requests_total(self) -> int:
        return sum(count for actions in self.requests.values() for count in actions.values())

    @property
    def requests_mutating(self) -> int:
        return sum(count for actions in self.requests.values() for action, count in actions.items()
                   if not action.startswith(READ_ONLY_PREFIXES))

    @property
    def run_instances(self) -> int:
        return self.requests.get("ec2", {}).get("RunInstances", 0)


def measure(emulator: Emulator, suite: str, nodes: int, repeat: int, run: Callable[[], Timing],
            nodes_cpu: bool = True) -> Measurement:
    """Run once with the request counter zeroed just before, and read it just after.

    Only the clients' requests count: in the full emulator the reconciler polls EC2 too, and
    the counter files those apart by user agent. nodes_cpu=False for a run whose instances are
    gone by its end: their CPU counters go with their containers, so the sum would be a wrong figure."""
    emulator.requests(reset=True)
    nodes_cpu_before = None if emulator.api_only or not nodes_cpu else emulator.nodes_cpu_seconds()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    timing = run()
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    nodes_cpu = None if nodes_cpu_before is None else emulator.nodes_cpu_seconds() - nodes_cpu_before
    counts: dict[str, Any] = emulator.requests(reset=True)
    controller_cpu = (children_after.ru_utime + children_after.ru_stime) - (children_before.ru_utime + children_before.ru_stime)
    return Measurement(suite=suite, nodes=nodes, repeat=repeat, seconds=timing.seconds, changed=timing.changed,
                       controller_cpu_s=controller_cpu, nodes_cpu_s=nodes_cpu, requests=counts["clients"])
