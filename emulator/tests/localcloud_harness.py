"""What the emulator's acceptance tests add to localcloud.session's Emulator: whether Docker answers, and waiting.

A plain module with a distinctive name, not conftest, so the tests can import it without clashing."""

import time
from collections.abc import Callable
from typing import TypeVar

import docker
import docker.errors

# Long enough to see dpkg's lock held after a boot, short enough to wait until it is let go.
DPKG_LOCK_SECONDS = 20

T = TypeVar("T")


# A small G and VT quota, enforced: room for the two g4dn.xlarge (4 vCPUs each) the GPU test launches at once.
# Every other quota keeps the emulator's default.
VCPU_QUOTAS = "L-DB2E81BA=8"


def docker_answers() -> bool:
    """Whether a Docker engine is there to run instance containers."""
    try:
        return bool(docker.from_env().ping())
    except docker.errors.DockerException:
        return False


def wait_for(probe: Callable[[], T], timeout: float = 30, interval: float = 0.5) -> T:
    """Poll until probe() returns something truthy; return that, or the last falsy value at the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
