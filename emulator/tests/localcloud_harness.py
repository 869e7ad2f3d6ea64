"""What the acceptance tests use to drive emulators: each has its own name, port and state dir, so a
developer's running emulator (and its containers) is never touched.

A plain module with a distinctive name, not conftest, so the tests can import it without clashing."""

import functools
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import boto3
import docker
import docker.errors
import pytest

LABEL = "ec2mpi.localcloud"
REGION = "us-west-2"
# Settings that describe this machine (where to get Debian) rather than one emulator.
INHERITED_SETTINGS = ("LOCALCLOUD_DEBIAN_MIRROR", "LOCALCLOUD_IMAGE_BUILDER")
# The first `up` on a machine builds the base image (about a minute with debootstrap).
UP_TIMEOUT = 600
# Long enough to see it held after a boot, short enough to wait until it is let go.
DPKG_LOCK_SECONDS = 20
# The console script pip installs next to this Python: the tests drive the CLI users type.
CLI = Path(sys.executable).with_name("localcloud")

T = TypeVar("T")


@dataclass
class Emulator:
    """One emulator under test and the ways the tests reach it."""

    name: str
    port: int
    state_dir: Path

    @property
    def endpoint_url(self) -> str:
        """The AWS endpoint."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def reconciler_log(self) -> Path:
        """Where the reconciler reports instances it cannot place."""
        return self.state_dir / "reconciler.log"

    def localcloud(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        """Run the CLI exactly as a user would, with this emulator's settings and no others from the environment."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("LOCALCLOUD_") or k in INHERITED_SETTINGS}
        env.update(LOCALCLOUD_NAME=self.name, LOCALCLOUD_PORT=str(self.port), LOCALCLOUD_STATE_DIR=str(self.state_dir),
                   LOCALCLOUD_DPKG_LOCK_SECONDS=str(DPKG_LOCK_SECONDS))
        return subprocess.run([str(CLI), *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)

    def client(self, service: str, region: str = REGION) -> Any:
        """A boto3 client of the emulator's endpoint with the dummy credentials."""
        return boto3.client(service, endpoint_url=self.endpoint_url, region_name=region,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def containers(self) -> list[Any]:
        """This emulator's containers, in any state."""
        return docker_api().containers.list(all=True, filters={"label": f"{LABEL}={self.name}"})

    def networks(self) -> list[Any]:
        """This emulator's networks."""
        return docker_api().networks.list(filters={"label": f"{LABEL}={self.name}"})


@functools.cache
def docker_api() -> docker.DockerClient:
    """One client of the local engine for all the tests' checks."""
    return docker.from_env()


def docker_answers() -> bool:
    """Whether a Docker engine is there to run instance containers."""
    try:
        return bool(docker_api().ping())
    except docker.errors.DockerException:
        return False


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_emulator(state_dir: Path) -> Emulator:
    """`localcloud up` a fresh emulator; fail the test with its stderr if that does not work."""
    if not CLI.exists():
        pytest.fail(f"{CLI} is missing: pip install -e tests/localcloud (make deps does it)")
    emulator = Emulator(name=f"pytest-{uuid.uuid4().hex[:8]}", port=free_port(), state_dir=state_dir)
    result = emulator.localcloud("up", timeout=UP_TIMEOUT)
    if result.returncode != 0:
        emulator.localcloud("down")
        pytest.fail(f"localcloud up failed: {result.stderr.strip()}")
    return emulator


def wait_for(probe: Callable[[], T], timeout: float = 30, interval: float = 0.5) -> T:
    """Poll until probe() returns something truthy; return that, or the last falsy value at the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
