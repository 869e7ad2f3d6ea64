# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""An emulator started for a test or benchmark session, and the isolated environment of processes pointed at it.

The emulator's own tests, the unit-free test suites (integration) and the benchmarks all start their
emulators through Emulator (a name, a free port and a state dir of their own, so they never touch
`make localcloud-up`'s), and run ansible-playbook and the AWS CLI against it with nothing of the
caller's AWS, Ansible or localcloud settings.

Processes are pointed at the emulator the way users point any AWS tool at an endpoint, by environment
alone (`localcloud env`): the playbooks and the inventory are exactly those users run on AWS.

Safety: every process gets AWS_ENDPOINT_URL of the emulator, dummy credentials, no AWS config or
credentials file and no instance metadata lookup, so none of them can reach real AWS.

Imports no moto (it takes seconds): the emulator runs in processes of its own.
"""

import json
import os
import re
import socket
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import docker.errors
from docker.models.containers import Container
from docker.models.networks import Network

from .config import ACCESS_KEY, HOST, REPO_ROOT, SECRET_KEY, client_environment
from .containers import docker_client, managed_containers, managed_networks
from .counter import COUNTS_PATH, RESET_PATH
from .faults import FAULTS_PATH

# The venv that runs this module also holds localcloud, ansible-playbook and aws.
BIN_DIR = Path(sys.executable).parent
LOCALCLOUD = BIN_DIR / "localcloud"
# The project's one inventory, which AWS users run too.
INVENTORY = "inventories/aws_ec2.yml"
REGION = "us-west-2"
PLAYBOOK_TIMEOUT = 600
# Settings that describe this machine (where to get Debian, how to build the image) rather than one emulator:
# the caller's values reach `localcloud`, while every other LOCALCLOUD_* of the caller is dropped.
MACHINE_SETTINGS = ("LOCALCLOUD_DEBIAN_MIRROR",)
# moto's own admin API: wipes every backend back to a fresh account (default VPC and AMIs come back).
MOTO_RESET_PATH = "/moto-api/reset"

RECAP_LINE = re.compile(r"^(\S+)\s*:\s*((?:\w+=\d+\s*)+)$")


class EmulatorError(Exception):
    """The session's emulator did not start; the message carries localcloud's own explanation."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def base_env(port: int) -> dict[str, str]:
    """The environment of every ansible / aws / localcloud process: this session's emulator and nothing of the caller's AWS setup."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LOCALCLOUD_", "ANSIBLE_"))}
    env.update(client_environment(f"http://{HOST}:{port}"))
    env.update(
        PATH=f"{BIN_DIR}{os.pathsep}{env.get('PATH', '')}",
        LOCALCLOUD_PORT=str(port),
        # No profile, config file or instance role can be picked up instead of the dummy key pair.
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
    )
    return env


def parse_recap(output: str) -> dict[str, dict[str, int]]:
    """{host: {"ok": n, "changed": n, ...}} from the last PLAY RECAP of the output."""
    recap: dict[str, dict[str, int]] = {}
    found, tail = output.rpartition("PLAY RECAP")[1:]
    if not found:
        return recap
    for line in tail.splitlines()[1:]:
        match = RECAP_LINE.match(line.strip())
        if match:
            recap[match.group(1)] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(2))}
        elif recap and line.strip() == "":
            break
    return recap


def run_playbook(*args: str, env: dict[str, str], timeout: float = PLAYBOOK_TIMEOUT) -> tuple[int, str, dict[str, dict[str, int]]]:
    """`ansible-playbook <args>` from the repo root, as a user types it; (rc, stdout+stderr, recap).

    env must point at an emulator (AWS_ENDPOINT_URL on loopback): it never runs against real AWS."""
    require_emulator(env)
    proc = subprocess.run(
        [str(BIN_DIR / "ansible-playbook"), *args],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        timeout=timeout, check=False,
    )
    return proc.returncode, proc.stdout, parse_recap(proc.stdout)


def run_inventory(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    """`ansible-inventory -i inventories/aws_ec2.yml <args>` from the repo root; (rc, stdout, stderr)."""
    require_emulator(env)
    proc = subprocess.run(
        [str(BIN_DIR / "ansible-inventory"), "-i", INVENTORY, *args],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    return proc.returncode, proc.stdout, proc.stderr


def require_emulator(env: dict[str, str]) -> None:
    """Refuse an environment that does not point every AWS client at an emulator on loopback."""
    if not env.get("AWS_ENDPOINT_URL", "").startswith(f"http://{HOST}:"):
        raise ValueError(f"AWS_ENDPOINT_URL must point at an emulator on {HOST}: this never runs against real AWS")


@dataclass
class Emulator:
    """One session's emulator: API-only (moto server alone) unless api_only is False (then Docker containers too)."""

    name: str
    port: int
    state_dir: Path
    api_only: bool = True
    # LOCALCLOUD_* settings of this emulator beyond name, port, state dir and mode (e.g. LOCALCLOUD_DPKG_LOCK_SECONDS).
    settings: dict[str, str] = field(default_factory=dict)

    bin_dir = BIN_DIR
    repo_root = REPO_ROOT

    @classmethod
    def create(cls, prefix: str, state_dir: Path, api_only: bool = True, **settings: str) -> "Emulator":
        """A new emulator's identity: a unique name (the label of its Docker objects) and a free port; nothing starts yet."""
        return cls(name=f"{prefix}-{uuid.uuid4().hex[:6]}", port=free_port(), state_dir=state_dir, api_only=api_only,
                   settings=settings)

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return base_env(self.port)

    def localcloud(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """Run `localcloud <args>` on this emulator (its name, port, state dir and mode)."""
        env = self.env
        env.update({setting: os.environ[setting] for setting in MACHINE_SETTINGS if setting in os.environ})
        env.update(self.settings, LOCALCLOUD_NAME=self.name, LOCALCLOUD_STATE_DIR=str(self.state_dir))
        if self.api_only:
            env["LOCALCLOUD_API_ONLY"] = "1"
        return subprocess.run([str(LOCALCLOUD), *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)

    @contextmanager
    def running(self) -> Iterator["Emulator"]:
        """`localcloud up` now, `localcloud down` on the way out, whatever happens in between.

        down also runs when up fails, because up can fail after starting the moto server
        (the reconciler or the image build failing) and must not leave it behind. A failed down
        raises, unless another error is already on its way out: then it is printed, not to hide that one."""
        if not LOCALCLOUD.exists():
            raise EmulatorError(f"{LOCALCLOUD} is missing: pip install -e localcloud (make deps does it)")
        leaving_on_error = True
        try:
            up = self.localcloud("up", timeout=600)
            if up.returncode != 0:
                raise EmulatorError(f"localcloud up failed: {up.stderr.strip() or up.stdout.strip()}")
            yield self
            leaving_on_error = False
        finally:
            down = self.localcloud("down")
            if down.returncode != 0:
                last_line = (down.stderr.strip() or down.stdout.strip()).splitlines()[-1:]
                message = (f"localcloud down of '{self.name}' failed ({' '.join(last_line)}): run it again with "
                           f"LOCALCLOUD_NAME={self.name} LOCALCLOUD_STATE_DIR={self.state_dir}")
                if not leaving_on_error:
                    raise EmulatorError(message)
                print(message, file=sys.stderr)

    @property
    def reconciler_log(self) -> Path:
        """Where the reconciler says what it did and what it could not place."""
        return self.state_dir / "reconciler.log"

    def containers(self) -> list[Container]:
        """This emulator's instance containers, in any state (none when API-only)."""
        return [] if self.api_only else managed_containers(docker_client(), self.name)

    def networks(self) -> list[Network]:
        """This emulator's networks (none when API-only)."""
        return [] if self.api_only else managed_networks(docker_client(), self.name)

    def docker_objects(self) -> list[str]:
        """Names of the containers and networks this emulator has made and not yet removed."""
        return [c.name for c in self.containers()] + [n.name for n in self.networks()]

    def nodes_cpu_seconds(self) -> float:
        """CPU seconds the running instance containers have used so far, all together (their cgroups' counters).

        A container the reconciler removes between listing and reading (a terminated instance's) counts as 0."""
        total = 0
        for container in managed_containers(docker_client(), self.name):
            try:
                total += container.stats(stream=False, one_shot=True)["cpu_stats"]["cpu_usage"].get("total_usage", 0)
            except docker.errors.NotFound:
                continue
        return total / 1e9

    def client(self, service: str, region: str = REGION):
        """A boto3 client of this emulator with the dummy credentials."""
        return boto3.client(service, endpoint_url=self.endpoint_url, region_name=region,
                            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def requests(self, reset: bool) -> dict[str, Any]:
        """The request counter's document; reset=True zeroes the counts in the same step (no call lost in between)."""
        if reset:
            return self._post_json(RESET_PATH)
        with urllib.request.urlopen(self.endpoint_url + COUNTS_PATH, timeout=10) as response:
            return json.load(response)

    def add_fault(self, **fault: Any) -> dict[str, Any]:
        """Switch on one fault (README.md: Faults), e.g. add_fault(kind="request-limit", count=5); returns it as stored, with its id.

        A fault the emulator refuses raises urllib.error.HTTPError (400) whose body names the problem."""
        return self._call_json("POST", FAULTS_PATH, json.dumps(fault).encode())

    def clear_faults(self) -> None:
        """Switch every fault off."""
        self._call_json("DELETE", FAULTS_PATH)

    def faults(self) -> list[dict[str, Any]]:
        """The faults in force (a fault with a count shows what is left of it)."""
        return self._call_json("GET", FAULTS_PATH)["faults"]

    def reset_state(self) -> None:
        """Back to an empty account (default VPC and moto's AMIs only); the request counter does not count this."""
        self._post_json(MOTO_RESET_PATH)

    def _post_json(self, path: str) -> dict[str, Any]:
        return self._call_json("POST", path)

    def _call_json(self, method: str, path: str, body: bytes = b"") -> dict[str, Any]:
        request = urllib.request.Request(self.endpoint_url + path, data=body if method != "GET" else None, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
