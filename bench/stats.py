# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Repeats of one point summarized as median with min-max, which is what every table, plot and target shows."""

import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from measurement import Measurement


@dataclass(frozen=True)
class Stats:
    """Median, min and max of the repeats of one point."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Iterable[float]) -> "Stats | None":
        """None when there is nothing to summarize (the point or its suite was not run)."""
        values = list(values)
        return cls(statistics.median(values), min(values), max(values)) if values else None


class Results:
    """Every measurement of a bench run, looked up by suite and node count."""

    def __init__(self, measurements: list[Measurement]) -> None:
        self.measurements = measurements

    def nodes(self, suite: str) -> list[int]:
        """The node counts the suite was measured at, ascending."""
        return sorted({m.nodes for m in self.measurements if m.suite == suite})

    def runs(self, suite: str, nodes: int | None = None) -> list[Measurement]:
        """The suite's runs, at one node count or at all of them."""
        return [m for m in self.measurements if m.suite == suite and nodes in (None, m.nodes)]

    def stats(self, suite: str, nodes: int, metric: str = "seconds") -> Stats | None:
        """Median [min-max] of one Measurement attribute (seconds, requests_total, ...) over the repeats."""
        return Stats.of(getattr(m, metric) for m in self.runs(suite, nodes))
