# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The targets of the benchmark issue, each checked against the measurements; a FAIL is reported, never fatal.

What they ask for: a cluster of 64 nodes costs about what a cluster of 1 costs (one RunInstances
call, few more requests, little more time), a re-run changes nothing and is cheap, and the MPI
setup grows slowly with the node count."""

from dataclasses import dataclass

import mpi_cluster
import provision
from stats import Results, Stats


@dataclass(frozen=True)
class Target:
    """One target: what it asks, what was measured, and PASS (True), FAIL (False) or skipped (None)."""

    name: str
    measured: str
    passed: bool | None

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "skipped"}[self.passed]


def evaluate(results: Results) -> list[Target]:
    """Every target, in the issue's order, then the idempotence checks of both re-runs."""
    return [
        # AWS throttles RunInstances harder than any other call: one per provision, whatever the node count.
        every_run(results, provision.SUITE, "RunInstances requests per provision = 1 at every N", "run_instances", 1),
        ratio_at_extremes(results, provision.SUITE, "requests_total", "total requests", 1.2, "{:g}"),
        # A re-run that finds everything in place must only read.
        every_run(results, provision.RERUN_SUITE, "zero mutating requests on the no-op re-run", "requests_mutating", 0),
        ratio_at_extremes(results, provision.SUITE, "seconds", "provision wall time", 1.3, "{:.1f} s"),
        *cheap_reruns(results),
        ratio_at_extremes(results, mpi_cluster.SUITE, "seconds", "mpi-cluster first run", 1.5, "{:.1f} s"),
        unchanged_rerun(results, provision.RERUN_SUITE, "provision.yml"),
        unchanged_rerun(results, mpi_cluster.RERUN_SUITE, "mpi-cluster.yml"),
    ]


def not_run(name: str, suite: str) -> Target:
    """A target whose measurements this run did not make (its suite was left out of --suites)."""
    return Target(name, f"not measured (no {suite} runs)", None)


def every_run(results: Results, suite: str, name: str, metric: str, wanted: int) -> Target:
    """Every run of the suite has `metric` equal to `wanted`; the measured text gives the largest value per node count."""
    runs = results.runs(suite)
    if not runs:
        return not_run(name, suite)
    measured = ", ".join(f"N={nodes}: {max(getattr(m, metric) for m in results.runs(suite, nodes))}"
                         for nodes in results.nodes(suite))
    return Target(name, measured + " (max over repeats)", all(getattr(m, metric) == wanted for m in runs))


def ratio_at_extremes(results: Results, suite: str, metric: str, what: str, limit: float, unit: str) -> Target:
    """The median at the largest node count over the median at the smallest, at most `limit`."""
    nodes = results.nodes(suite)
    if len(nodes) < 2:
        name = f"{what} at max N <= {limit:g}x that at min N"
        return not_run(name, suite) if not nodes else Target(name, f"needs two node counts, {suite} ran at {nodes[0]} only", None)
    low, high = nodes[0], nodes[-1]
    return ratio_target(f"{what} at N={high} <= {limit:g}x that at N={low}",
                        results.stats(suite, high, metric), f"N={high}", results.stats(suite, low, metric), f"N={low}",
                        limit, unit)


def ratio_target(name: str, numerator: Stats, numerator_label: str, denominator: Stats, denominator_label: str,
                 limit: float, unit: str) -> Target:
    """Compare two medians; the measured text shows both and their ratio."""
    ratio = numerator.median / denominator.median if denominator.median else float("inf")
    measured = (f"{numerator_label}: {unit.format(numerator.median)} vs {denominator_label}: "
                f"{unit.format(denominator.median)} = {ratio:.2f}x")
    return Target(name, measured, ratio <= limit)


def cheap_reruns(results: Results) -> list[Target]:
    """At every re-run node count: the re-run's median at most half the first run's at the same N."""
    nodes_measured = results.nodes(provision.RERUN_SUITE)
    if not nodes_measured:
        return [not_run("no-op re-run median <= 0.5x first-run median at the same N", provision.RERUN_SUITE)]
    targets = []
    for nodes in nodes_measured:
        name = f"no-op re-run median at N={nodes} <= 0.5x first-run median"
        first = results.stats(provision.SUITE, nodes)
        if first is None:
            targets.append(Target(name, f"no first run measured at N={nodes} (add {nodes} to --provision-nodes)", None))
        else:
            targets.append(ratio_target(name, results.stats(provision.RERUN_SUITE, nodes), "re-run", first, "first run", 0.5, "{:.1f} s"))
    return targets


def unchanged_rerun(results: Results, suite: str, playbook: str) -> Target:
    """Idempotence: every re-run's PLAY RECAP says changed=0."""
    name = f"{playbook} re-run reports changed=0"
    runs = results.runs(suite)
    if not runs:
        return not_run(name, suite)
    changed = [m for m in runs if m.changed]
    measured = "changed=0 in every re-run" if not changed else ", ".join(
        f"changed={m.changed} at N={m.nodes} (repeat {m.repeat})" for m in changed)
    return Target(name, measured, not changed)
