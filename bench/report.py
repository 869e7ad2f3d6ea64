# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The results as people read them (markdown tables and targets) and as programs read them (results.csv)."""

import csv
import json
from pathlib import Path

import baked_image
import first_mpirun
import mpi_cluster
import provision
import reference
from measurement import Measurement
from stats import Results, Stats
from targets import Target

CSV_COLUMNS = ("suite", "nodes", "repeat", "seconds", "controller_cpu_s", "nodes_cpu_s", "requests_total", "requests_mutating",
               "run_instances", "changed", "requests_by_action")


def seconds(stats: Stats | None) -> str:
    """'12.3 [11.9-13.0]', or '-' for a point that was not measured."""
    return f"{stats.median:.1f} [{stats.low:.1f}-{stats.high:.1f}]" if stats else "-"


def count(stats: Stats | None) -> str:
    """'98', or '98 [97-99]' when the repeats disagree (request counts usually do not)."""
    if stats is None:
        return "-"
    return f"{stats.median:g}" if stats.low == stats.high else f"{stats.median:g} [{stats.low:g}-{stats.high:g}]"


def ratio(numerator: Stats | None, denominator: Stats | None) -> str:
    """Ratio of two medians, or '-' when either is missing."""
    return f"{numerator.median / denominator.median:.2f}" if numerator and denominator and denominator.median else "-"


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def provision_section(results: Results) -> str:
    """provision.yml against the tutorial's awscli routine at each node count, then the no-op re-run."""
    rows = []
    for nodes in sorted(set(results.nodes(provision.SUITE)) | set(results.nodes(reference.SUITE))):
        ours, theirs = results.stats(provision.SUITE, nodes), results.stats(reference.SUITE, nodes)
        rows.append((str(nodes), seconds(ours), seconds(results.stats(provision.SUITE, nodes, "controller_cpu_s")),
                     seconds(theirs), ratio(ours, theirs),
                     count(results.stats(provision.SUITE, nodes, "requests_total")),
                     count(results.stats(provision.SUITE, nodes, "requests_mutating")),
                     count(results.stats(provision.SUITE, nodes, "run_instances")),
                     count(results.stats(reference.SUITE, nodes, "requests_total"))))
    sections = ["## provision.yml vs the tutorial's awscli routine (API-only emulator)\n\n" + table(
        ("nodes", "provision s", "provision CPU s", "reference s", "ours/reference", "requests total", "mutating", "RunInstances (ours)",
         "reference requests"), rows)]
    if results.runs(provision.RERUN_SUITE):
        rerun_rows = [(str(nodes), seconds(results.stats(provision.RERUN_SUITE, nodes)),
                       count(results.stats(provision.RERUN_SUITE, nodes, "requests_total")),
                       count(results.stats(provision.RERUN_SUITE, nodes, "requests_mutating")),
                       count(results.stats(provision.RERUN_SUITE, nodes, "run_instances")),
                       count(results.stats(provision.RERUN_SUITE, nodes, "changed")))
                      for nodes in results.nodes(provision.RERUN_SUITE)]
        sections.append("### No-op re-run of provision.yml\n\n" + table(
            ("nodes", "re-run s", "requests total", "mutating", "RunInstances", "changed (PLAY RECAP)"), rerun_rows)
            + "\n\n" + idempotence_sentence(results.runs(provision.RERUN_SUITE)))
    return "\n\n".join(sections)


def per_node(stats: Stats | None) -> str:
    """'0.42 [0.40-0.45]': per-node CPU seconds need two decimals."""
    return f"{stats.median:.2f} [{stats.low:.2f}-{stats.high:.2f}]" if stats else "-"


# Under every table with CPU columns: whose CPU they are.
CPU_NOTE = ("CPU s: CPU seconds of the controller's processes (ansible-playbook, workers, ssh) and of all the instance containers"
            " together, during the run; this machine's cores run both. Per node: the controller's CPU seconds over the node count.")


def cpu_cells(results: Results, suite: str, nodes: int) -> tuple[str, ...]:
    """Wall time, controller CPU, controller CPU per node and nodes CPU of one point."""
    return (seconds(results.stats(suite, nodes)), seconds(results.stats(suite, nodes, "controller_cpu_s")),
            per_node(results.stats(suite, nodes, "controller_cpu_per_node_s")), seconds(results.stats(suite, nodes, "nodes_cpu_s")))


def bake_section(results: Results) -> str:
    """What the one bake of the run cost (it is not repeated: every later cluster boots its image)."""
    bake = results.runs(baked_image.SUITE)[0]
    return ("## The bake (playbooks/image.yml, emulator with containers)\n\n"
            + table(("bake s", "controller CPU s", "requests total", "mutating"),
                    [(f"{bake.seconds:.1f}", f"{bake.controller_cpu_s:.1f}", str(bake.requests_total), str(bake.requests_mutating))])
            + "\n\nOnce per bench run, before the clusters that boot its image. No nodes CPU: the temporary node is deleted"
              " inside the run, and its CPU counter with its container.")


def mpi_section(results: Results) -> str:
    """mpi-cluster.yml's first run and re-run on baked nodes at each node count, with where the CPU time went."""
    rows = [(str(nodes), *cpu_cells(results, mpi_cluster.SUITE, nodes), *cpu_cells(results, mpi_cluster.RERUN_SUITE, nodes),
             count(results.stats(mpi_cluster.RERUN_SUITE, nodes, "changed")))
            for nodes in results.nodes(mpi_cluster.SUITE)]
    return ("## mpi-cluster.yml on baked nodes (emulator with containers)\n\n"
            + table(("nodes", "first run s", "controller CPU s", "per node", "nodes CPU s",
                     "re-run s", "controller CPU s", "per node", "nodes CPU s", "re-run changed (PLAY RECAP)"), rows)
            + "\n\n" + CPU_NOTE + "\n\n" + idempotence_sentence(results.runs(mpi_cluster.RERUN_SUITE)))


def first_mpirun_section(results: Results) -> str:
    """Time to the first mpirun from nothing (provision.yml + mpi-cluster.yml), from the base image and from the baked one."""
    suites = (first_mpirun.BASE_SUITE, first_mpirun.BAKED_SUITE)
    rows = [(str(nodes), *(cell for suite in suites for cell in cpu_cells(results, suite, nodes)),
             ratio(results.stats(first_mpirun.BAKED_SUITE, nodes), results.stats(first_mpirun.BASE_SUITE, nodes)),
             " / ".join(count(results.stats(suite, nodes, "requests_total")) for suite in suites))
            for nodes in sorted(set(results.nodes(first_mpirun.BASE_SUITE)) | set(results.nodes(first_mpirun.BAKED_SUITE)))]
    return ("## Time to first mpirun: provision.yml + mpi-cluster.yml from nothing (emulator with containers)\n\n"
            + table(("nodes", "base image s", "controller CPU s", "per node", "nodes CPU s",
                     "baked s", "controller CPU s", "per node", "nodes CPU s", "baked/base", "requests base / baked"), rows)
            + "\n\nEach is one run of both playbooks, timed together, ending with mpi-cluster.yml's smoke test; the teardown"
              " after it is not measured. " + CPU_NOTE)


def idempotence_sentence(reruns: list[Measurement]) -> str:
    """Says whether every re-run's PLAY RECAP had changed=0, naming the runs that did not."""
    changed = [m for m in reruns if m.changed]
    if not changed:
        return f"Every re-run's PLAY RECAP had changed=0 (re-runs: {len(reruns)})."
    return "NOT idempotent: " + ", ".join(f"changed={m.changed} at {m.nodes} nodes (repeat {m.repeat})" for m in changed) + "."


def targets_section(targets: list[Target]) -> str:
    """The targets with what was measured and the verdict."""
    return "## Targets\n\n" + table(("target", "measured", "result"), [(t.name, t.measured, t.verdict) for t in targets])


def tables(results: Results, targets: list[Target]) -> str:
    """Everything stdout shows: a section per suite that ran, then the targets."""
    sections = []
    if results.runs(provision.SUITE) or results.runs(reference.SUITE):
        sections.append(provision_section(results))
    if results.runs(baked_image.SUITE):
        sections.append(bake_section(results))
    if results.runs(mpi_cluster.SUITE):
        sections.append(mpi_section(results))
    if results.runs(first_mpirun.BASE_SUITE) or results.runs(first_mpirun.BAKED_SUITE):
        sections.append(first_mpirun_section(results))
    sections.append(targets_section(targets))
    return "\n\n".join(sections) + "\n"


def summary(title: str, command: str, machine: list[tuple[str, str]], body: str) -> str:
    """summary.md: how the figures were made (command, machine, versions), then the tables."""
    facts = "\n".join(f"- {name}: {value}" for name, value in machine)
    return f"# {title}\n\nCommand: `{command}`\n\n## Machine\n\n{facts}\n\n{body}"


def write_csv(path: Path, measurements: list[Measurement]) -> None:
    """results.csv: one row per measured run, the per-action request counts as a JSON column."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for m in measurements:
            writer.writerow((m.suite, m.nodes, m.repeat, f"{m.seconds:.3f}", f"{m.controller_cpu_s:.3f}",
                             "" if m.nodes_cpu_s is None else f"{m.nodes_cpu_s:.3f}", m.requests_total, m.requests_mutating,
                             m.run_instances, "" if m.changed is None else m.changed, json.dumps(m.requests, sort_keys=True)))
