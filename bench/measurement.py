# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One measured run: its wall time, the AWS requests it made and, for a playbook, how many tasks changed."""

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
    # The emulator's request counter for this run, clients only: {service: {action: count}}.
    requests: dict[str, dict[str, int]]

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


def measure(emulator: Emulator, suite: str, nodes: int, repeat: int, run: Callable[[], Timing]) -> Measurement:
    """Run once with the request counter zeroed just before, and read it just after.

    Only the clients' requests count: in the full emulator the reconciler polls EC2 too, and
    the counter files those apart by user agent."""
    emulator.requests(reset=True)
    timing = run()
    counts: dict[str, Any] = emulator.requests(reset=True)
    return Measurement(suite=suite, nodes=nodes, repeat=repeat, seconds=timing.seconds, changed=timing.changed,
                       requests=counts["clients"])
