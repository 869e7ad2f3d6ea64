# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The README's "Use it on AWS" commands, typed literally in a fresh copy of the checkout by a fresh
user (a new HOME, a new virtualenv from requirements.txt alone), with only the emulator's `export`
lines added, as its README says to: provision, then mpi-cluster on the emulator's nodes.
"""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from localcloud.session import BIN_DIR, REPO_ROOT

from cluster_api import instances

SECTION = "## Use it on AWS"
# pip install of the `ansible` package and its peers, then a provision and an MPI setup on 2 nodes.
TIMEOUT = 1800


def readme_commands() -> list[str]:
    """The indented code block of the section, one command per line, comments dropped."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    block = re.search(r"\n\n((?: {4}.*\n)+)", section).group(1)
    return [re.sub(r"\s+#.*$", "", line[4:]) for line in block.splitlines()]


def fresh_copy(destination: Path) -> Path:
    """What a clone of this checkout holds (tracked files, and new ones not yet committed), links kept as links."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO_ROOT,
                           capture_output=True, check=True).stdout
    present = b"\0".join(name for name in files.split(b"\0") if name and os.path.lexists(REPO_ROOT / os.fsdecode(name)))
    destination.mkdir()
    packed = subprocess.run(["tar", "--null", "-T", "-", "-cf", "-"], cwd=REPO_ROOT, input=present, capture_output=True, check=True)
    subprocess.run(["tar", "-xf", "-"], cwd=destination, input=packed.stdout, check=True)
    return destination


@pytest.fixture
def home():
    """A new user's HOME, as short as a real one: Ansible's SSH control sockets live under it, and a socket
    path may not exceed 108 bytes (pytest's own temporary paths, under an xdist worker, do)."""
    path = Path(tempfile.mkdtemp(prefix="home-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_the_readme_commands_work_literally_in_a_fresh_clone(nodes_emulator, tmp_path, home):
    commands = readme_commands()
    assert commands[0].startswith("python3 -m venv .venv") and commands[-1] == "ansible-playbook mpi-cluster.yml -e @clusters/mpi.yml", commands
    clone = fresh_copy(tmp_path / "ec2mpi")
    env = dict(nodes_emulator.env, HOME=str(home),
               # Not this test session's virtualenv: the README makes its own.
               PATH=os.pathsep.join(p for p in nodes_emulator.env["PATH"].split(os.pathsep) if p != str(BIN_DIR)),
               # A download cache changes nothing but the time.
               PIP_CACHE_DIR=os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip")))
    script = "set -e\n" + "\n".join(commands) + "\n"
    run = subprocess.run(["bash", "-c", script], cwd=clone, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, timeout=TIMEOUT, check=False)
    assert run.returncode == 0, run.stdout[-5000:]

    nodes = instances(nodes_emulator.client("ec2"), "mpi", states=("running",))
    assert len(nodes) == 2  # the default node_count, in the default region
    assert "MPI smoke test passed: 2 ranks on 2 nodes, allreduce sum right" in run.stdout
    assert (home / ".ec2mpi" / "mpi" / "hostfile").is_file() and (home / ".ec2mpi" / "mpi" / "id_ed25519").is_file()

    teardown = subprocess.run(["bash", "-c", ". .venv/bin/activate && ansible-playbook playbooks/teardown.yml"], cwd=clone, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600, check=False)
    assert teardown.returncode == 0, teardown.stdout[-3000:]
