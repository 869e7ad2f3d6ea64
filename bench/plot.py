# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""plot.png: wall time, API requests, MPI setup time and the controller's CPU per node against the node count, medians with min-max bars."""

from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import mpi_cluster
import provision
import reference
from stats import Results

# One colour per suite in every panel, so the reference is the same line in the time and the request panels.
COLOURS = {provision.SUITE: "tab:blue", provision.RERUN_SUITE: "tab:cyan", reference.SUITE: "tab:green",
           mpi_cluster.SUITE: "tab:purple", mpi_cluster.RERUN_SUITE: "tab:orange"}


def draw(results: Results, path: Path) -> None:
    """Four panels, provision above and MPI below; a panel whose suites did not run says so instead of drawing empty axes."""
    figure = Figure(figsize=(14, 10))
    # Agg draws straight into the PNG: no display needed (CI, SSH), and no pyplot state shared with anything else.
    FigureCanvasAgg(figure)
    (time_axes, requests_axes), (mpi_axes, cpu_axes) = figure.subplots(2, 2)
    series(time_axes, results, provision.SUITE, "seconds", "provision.yml")
    series(time_axes, results, provision.RERUN_SUITE, "seconds", "provision.yml no-op re-run")
    series(time_axes, results, reference.SUITE, "seconds", "tutorial awscli routine")
    finish(time_axes, "Provision wall time", "seconds")
    series(requests_axes, results, provision.SUITE, "requests_total", "provision.yml")
    series(requests_axes, results, reference.SUITE, "requests_total", "tutorial awscli routine")
    finish(requests_axes, "AWS API requests per provision", "requests")
    series(mpi_axes, results, mpi_cluster.SUITE, "seconds", "mpi-cluster.yml first run")
    series(mpi_axes, results, mpi_cluster.RERUN_SUITE, "seconds", "mpi-cluster.yml re-run")
    finish(mpi_axes, "MPI setup wall time (baked containers)", "seconds")
    series(cpu_axes, results, mpi_cluster.SUITE, "controller_cpu_per_node_s", "mpi-cluster.yml first run")
    series(cpu_axes, results, mpi_cluster.RERUN_SUITE, "controller_cpu_per_node_s", "mpi-cluster.yml re-run")
    finish(cpu_axes, "MPI setup: controller CPU per node", "CPU seconds per node")
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def series(axes: Axes, results: Results, suite: str, metric: str, label: str) -> None:
    """Medians joined by a line, with bars from min to max; nothing when the suite did not run."""
    nodes = results.nodes(suite)
    if not nodes:
        return
    stats = [results.stats(suite, n, metric) for n in nodes]
    medians = [s.median for s in stats]
    spread = [[s.median - s.low for s in stats], [s.high - s.median for s in stats]]
    axes.errorbar(nodes, medians, yerr=spread, marker="o", capsize=4, label=label, color=COLOURS[suite])


def finish(axes: Axes, title: str, unit: str) -> None:
    """Title, log2 node axis with the measured counts as ticks, and a legend, or a 'not run' note."""
    axes.set_title(title)
    if not axes.has_data():
        axes.text(0.5, 0.5, "not run", ha="center", va="center", transform=axes.transAxes)
        axes.set_xticks([])
        axes.set_yticks([])
        return
    nodes = sorted({x for line in axes.get_lines() for x in line.get_xdata()})
    axes.set_xscale("log", base=2)
    axes.set_xticks(nodes, [f"{x:g}" for x in nodes])
    axes.minorticks_off()
    axes.set_xlabel("nodes")
    axes.set_ylabel(unit)
    # From zero, so that ratios read true; headroom, so that the highest point clears the frame and the legend.
    axes.set_ylim(0, axes.get_ylim()[1] * 1.15)
    axes.grid(True, alpha=0.3)
    axes.legend()
