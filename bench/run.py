# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""`make bench`: measure provision.yml, the tutorial's awscli routine, mpi-cluster.yml and the time to a first mpirun against emulators of its own.

Tables go to stdout, progress to stderr, files to bench/results/<UTC timestamp>/. Exits non-zero
when any run fails (a timing of a failure is worthless), never because a target is missed.
"""

import argparse
import shlex
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from localcloud.session import REPO_ROOT, Emulator, EmulatorError

import baked_image
import first_mpirun
import machine
import mpi_cluster
import plot
import provision
import reference
import report
import targets
from measurement import BenchError, Measurement
from stats import Results

SUITES = ("provision", "reference", "mpi", "first-mpirun")
# The suites on the emulator with containers; they share it and its baked image.
CONTAINER_SUITES = {"mpi", "first-mpirun"}
RESULTS_ROOT = REPO_ROOT / "bench" / "results"


def node_counts(value: str) -> list[int]:
    """'1,4,16' -> [1, 4, 16]: positive, no duplicates, ascending."""
    try:
        counts = sorted({int(item) for item in value.split(",") if item.strip()})
    except ValueError:
        counts = []
    if not counts or counts[0] < 1:
        raise argparse.ArgumentTypeError(f"expected comma-separated positive node counts such as 1,4,16, not {value!r}")
    return counts


def suite_names(value: str) -> list[str]:
    """'provision,mpi' -> the suites, each one of SUITES."""
    names = [item.strip() for item in value.split(",") if item.strip()]
    unknown = [name for name in names if name not in SUITES]
    if not names or unknown:
        raise argparse.ArgumentTypeError(f"expected a comma-separated choice of {','.join(SUITES)}, not {value!r}")
    return names


def positive(value: str) -> int:
    """A whole number of at least 1."""
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {value!r}")
    return int(value)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.splitlines()[0])
    parser.add_argument("--suites", type=suite_names, default=list(SUITES),
                        help="comma-separated: provision (with its no-op re-run), reference (tutorial awscli routine), "
                             "mpi (mpi-cluster.yml on containers booted from a baked image), first-mpirun (provision.yml + "
                             "mpi-cluster.yml from nothing, base image vs baked); default all")
    parser.add_argument("--repeats", type=positive, default=3, help="runs per point, reported as median [min-max]; default 3")
    parser.add_argument("--provision-nodes", type=node_counts, default=[1, 4, 16, 64],
                        help="node counts of the provision and reference suites; default 1,4,16,64")
    parser.add_argument("--rerun-nodes", type=node_counts, default=[16],
                        help="node counts of provision.yml's no-op re-run; default 16")
    parser.add_argument("--mpi-nodes", type=node_counts, default=[8, 32, 64],
                        help="node counts of the mpi suite (Docker containers); default 8,32,64")
    parser.add_argument("--first-mpirun-nodes", type=node_counts, default=[8],
                        help="node counts of the first-mpirun suite (Docker containers); default 8")
    return parser.parse_args(argv)


def progress(measurement: Measurement) -> Measurement:
    """One line per measured run on stderr, so a long bench shows it is alive without mixing into the tables."""
    changed = "" if measurement.changed is None else f", changed={measurement.changed}"
    print(f"[{time.strftime('%H:%M:%S')}] {measurement.suite} nodes={measurement.nodes} repeat={measurement.repeat}: "
          f"{measurement.seconds:.1f} s, controller CPU {measurement.controller_cpu_s:.1f} s, {measurement.requests_total} requests{changed}",
          file=sys.stderr, flush=True)
    return measurement


def api_suites(args: argparse.Namespace, files_dir: Path, results_dir: Path) -> Iterator[Measurement]:
    """provision and reference on one API-only emulator, wiped before every run so each starts from an empty account.

    The two alternate at every point and repeat, so a drift of the machine (another job, thermal
    throttling) hits both alike rather than one suite."""
    emulator = Emulator.create("bench-api", results_dir / "localcloud-api", api_only=True)
    with emulator.running():
        for nodes in args.provision_nodes:
            for repeat in range(1, args.repeats + 1):
                if "provision" in args.suites:
                    yield progress(provision.first_run(emulator, nodes, repeat, files_dir))
                if "reference" in args.suites:
                    yield progress(reference.run(emulator, nodes, repeat))
        if "provision" in args.suites:
            for nodes in args.rerun_nodes:
                for repeat in range(1, args.repeats + 1):
                    yield progress(provision.rerun(emulator, nodes, repeat, files_dir))


def container_suites(args: argparse.Namespace, files_dir: Path, results_dir: Path) -> Iterator[Measurement]:
    """mpi and first-mpirun on one emulator with containers, one cluster at a time, after one bake that both use."""
    emulator = Emulator.create("bench-mpi", results_dir / "localcloud-mpi", api_only=False)
    with emulator.running(), baked_image.baked(emulator, files_dir) as bake:
        yield progress(bake)
        if "mpi" in args.suites:
            for nodes in args.mpi_nodes:
                for repeat in range(1, args.repeats + 1):
                    for measurement in mpi_cluster.run(emulator, nodes, repeat, files_dir, baked_image.AMI_ID):
                        yield progress(measurement)
        if "first-mpirun" in args.suites:
            for nodes in args.first_mpirun_nodes:
                for repeat in range(1, args.repeats + 1):
                    for measurement in first_mpirun.run(emulator, nodes, repeat, files_dir):
                        yield progress(measurement)


def measure_all(args: argparse.Namespace, results_dir: Path) -> list[Measurement]:
    """Every selected suite; the emulators and the clusters' local files go away whatever happens.

    The emulators' state dirs (their logs) stay in results_dir, to explain a failed or odd run."""
    measurements: list[Measurement] = []
    with tempfile.TemporaryDirectory(prefix="ec2mpi-bench-") as work:
        files_dir = Path(work)
        if {"provision", "reference"} & set(args.suites):
            measurements += api_suites(args, files_dir, results_dir)
        if CONTAINER_SUITES & set(args.suites):
            measurements += container_suites(args, files_dir, results_dir)
    return measurements


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # A plain SIGTERM (a CI job cancelled, `kill <pid>`) would skip every finally: turn it into an exit so the
    # running playbook is killed and the emulator goes down as after Ctrl-C.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    command = shlex.join(["python", "bench/run.py", *(sys.argv[1:] if argv is None else argv)])
    started = datetime.now(timezone.utc)
    results_dir = RESULTS_ROOT / started.strftime("%Y%m%dT%H%M%SZ")
    results_dir.mkdir(parents=True)
    try:
        results = Results(measure_all(args, results_dir))
    except (BenchError, EmulatorError) as error:
        print(f"bench failed: {error}\n(emulator logs in {results_dir.relative_to(REPO_ROOT)})", file=sys.stderr)
        return 1
    body = report.tables(results, targets.evaluate(results))
    print(body)
    title = f"ec2mpi benchmark, {started:%Y-%m-%d %H:%M} UTC"
    (results_dir / "summary.md").write_text(report.summary(title, command, machine.describe(), body), encoding="utf-8")
    report.write_csv(results_dir / "results.csv", results.measurements)
    plot.draw(results, results_dir / "plot.png")
    for name in ("summary.md", "results.csv", "plot.png"):
        print(f"wrote {(results_dir / name).relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
