# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The machine and software the figures were measured on, because timings mean nothing without them."""

import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from localcloud.session import REPO_ROOT

PACKAGES = ("ansible-core", "moto", "boto3", "awscli", "matplotlib")
# Its modules make most of provision.yml's requests, so its version explains changes in the counts.
COLLECTION = "amazon.aws"


def describe() -> list[tuple[str, str]]:
    """(what, value) pairs for summary.md."""
    return [
        ("CPU", cpu_model()),
        ("cores", str(os.cpu_count())),
        ("RAM", memory()),
        ("OS", f"{platform.freedesktop_os_release().get('PRETTY_NAME', platform.system())}, kernel {platform.release()}"),
        ("Python", platform.python_version()),
        *((package, version(package)) for package in PACKAGES),
        (COLLECTION, collection_version(COLLECTION)),
        ("Docker engine", command_output("docker", "version", "--format", "{{.Server.Version}}")),
        ("git commit", git_commit()),
    ]


def cpu_model() -> str:
    """The first 'model name' of /proc/cpuinfo (Linux), else what platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory() -> str:
    """MemTotal of /proc/meminfo in GiB."""
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def version(package: str) -> str:
    """An installed distribution's version."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def collection_version(name: str) -> str:
    """The version of the collection Ansible resolves from the repo root (the first one on its collections path)."""
    listing = command_output("ansible-galaxy", "collection", "list", name, "--format", "json")
    try:
        return next(collections[name]["version"] for collections in json.loads(listing).values() if name in collections)
    except (ValueError, StopIteration):
        return "unknown"


def git_commit() -> str:
    """HEAD, marked when the work tree has uncommitted changes (the figures then belong to no commit)."""
    commit = command_output("git", "rev-parse", "--short", "HEAD")
    dirty = command_output("git", "status", "--porcelain", "--untracked-files=no")
    return f"{commit} (with uncommitted changes)" if dirty else commit


def command_output(*command: str) -> str:
    """stdout of a quick command run from the repo root, or 'unknown' when it fails."""
    try:
        proc = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return proc.stdout.strip() if proc.returncode == 0 else "unknown"
