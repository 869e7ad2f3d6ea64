# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run and time one ansible-playbook against the bench's emulator; every suite's playbooks go through here."""

import re
import subprocess
import time
import uuid
from pathlib import Path

from localcloud.session import Emulator, run_playbook

from measurement import BenchError, Timing

# ssh_allowed_cidrs has no default; the emulator does not enforce security groups (TEST-NET-1, RFC 5737).
SSH_INPUT = ["-e", '{"ssh_allowed_cidrs": ["192.0.2.10/32"]}']
# A 64-node MPI setup takes many minutes on two cores shared with its 64 containers; this only stops a hung run.
PLAYBOOK_TIMEOUT = 3600
OUTPUT_TAIL_LINES = 40
# A failed task's report starts with this (yaml callback); its message is on the indented lines below it.
FAILED_TASK = re.compile(r"^(fatal|failed): \[")
FAILED_TASK_LINES = 60
# The emulator with containers makes a Docker network per subnet, and two Docker networks cannot share a CIDR: a
# developer's own clusters use the default 10.0.0.0/16 and the node tests 10.x blocks of their own, so the bench's
# clusters (and its bake's temporary node) live in a VPC of their own. The API-only emulator makes no networks.
CONTAINERS_NETWORK = {"vpc_cidr": "10.173.0.0/16", "subnet_cidr": "10.173.1.0/24"}


def cluster_name(kind: str, nodes: int, repeat: int) -> str:
    """A name no earlier run used (at most 32 characters, as the inputs role requires)."""
    return f"bench-{kind}-{nodes}-{repeat}-{uuid.uuid4().hex[:4]}"


def timed_playbook(emulator: Emulator, playbook: str, cluster: str, files_dir: Path, expect: re.Pattern | None = None,
                   **extra_vars: str | int) -> Timing:
    """`ansible-playbook <playbook> -e cluster_name=<cluster> -e <extra_vars>`, timed, as a user types it.

    The cluster's local files (keys, known_hosts, hostfile) go under files_dir, the bench's
    temporary directory, so no run leaves anything in the checkout. Fails loudly, with the
    end of the output, when the playbook fails or its output lacks `expect`."""
    network = {} if emulator.api_only else CONTAINERS_NETWORK
    variables = {"cluster_name": cluster, "cluster_local_dir": str(files_dir / cluster), **network, **extra_vars}
    args = [playbook, *SSH_INPUT, *(arg for name, value in variables.items() for arg in ("-e", f"{name}={value}"))]
    command = f"ansible-playbook {' '.join(args)}"
    started = time.monotonic()
    try:
        rc, output, recap = run_playbook(*args, env=emulator.env, timeout=PLAYBOOK_TIMEOUT)
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"{command} did not finish within {PLAYBOOK_TIMEOUT} s") from error
    seconds = time.monotonic() - started
    if rc != 0 or not recap or (expect and not expect.search(output)):
        what = f"rc {rc}" if rc != 0 or not recap else f"no line matches {expect.pattern!r}"
        tail = "\n".join(output.splitlines()[-OUTPUT_TAIL_LINES:])
        reports = "\n".join(failed_task_reports(output)[:FAILED_TASK_LINES])
        raise BenchError(f"{command} failed ({what}); its failed tasks:\n{reports}\nthe end of its output:\n{tail}")
    return Timing(seconds=seconds, changed=sum(host.get("changed", 0) for host in recap.values()))


def failed_task_reports(output: str) -> list[str]:
    """The lines of every failed task's report: on a cluster of many nodes the end of the output is the PLAY RECAP alone."""
    lines, in_report = [], False
    for line in output.splitlines():
        if FAILED_TASK.match(line):
            in_report = True
        elif not line.startswith(" "):
            in_report = False
        if in_report:
            lines.append(line)
    return lines
