# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Shared by the integration tests that drive the playbooks against a local emulator.

Nothing here is autouse: test_iam_role.py starts its own moto server and never asks for these.

Safety: every run goes to `-i inventories/local` with LOCALCLOUD_PORT set to this session's own
emulator (API-only: moto server, no containers), with AWS_* variables of the caller removed and
dummy credentials set, so no test can reach real AWS.
"""

import os
import re
import socket
import subprocess
import sys
import threading
import uuid
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN_DIR = Path(sys.executable).parent
LOCALCLOUD = BIN_DIR / "localcloud"
LOCAL_INVENTORY = "inventories/local"
REGION = "us-west-2"
PLAYBOOK_TIMEOUT = 600

RECAP_LINE = re.compile(r"^(\S+)\s*:\s*((?:\w+=\d+\s*)+)$")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(port: int) -> dict:
    """The environment of every ansible / localcloud process: this session's emulator and nothing of the caller's AWS setup."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LOCALCLOUD_", "ANSIBLE_"))}
    env.update(
        PATH=f"{BIN_DIR}{os.pathsep}{env.get('PATH', '')}",
        LOCALCLOUD_PORT=str(port),
        # Belt and braces: the local inventory passes these too; no profile or real credential can be picked up.
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
    )
    return env


def parse_recap(output: str) -> dict:
    """{host: {"ok": n, "changed": n, ...}} from the last PLAY RECAP of the output."""
    recap: dict = {}
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


def run_playbook(*args: str, env: dict, timeout: float = PLAYBOOK_TIMEOUT) -> tuple[int, str, dict]:
    """`ansible-playbook -i inventories/local <args>` from the repo root; (rc, stdout+stderr, recap).

    env must name the emulator (LOCALCLOUD_PORT); the inventory is always the local one."""
    if "LOCALCLOUD_PORT" not in env:
        raise ValueError("run_playbook needs LOCALCLOUD_PORT in env: it never runs against real AWS")
    if any(a in ("-i", "--inventory", "--inventory-file") or a.startswith(("-i", "--inventory=")) for a in args):
        raise ValueError("run_playbook always uses -i inventories/local; do not pass another inventory")
    proc = subprocess.run(
        [str(BIN_DIR / "ansible-playbook"), "-i", LOCAL_INVENTORY, *args],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        timeout=timeout, check=False,
    )
    return proc.returncode, proc.stdout, parse_recap(proc.stdout)


def run_inventory(*args: str, env: dict) -> tuple[int, str, str]:
    """`ansible-inventory -i inventories/local <args>`; (rc, stdout, stderr)."""
    if "LOCALCLOUD_PORT" not in env:
        raise ValueError("run_inventory needs LOCALCLOUD_PORT in env")
    proc = subprocess.run(
        [str(BIN_DIR / "ansible-inventory"), "-i", LOCAL_INVENTORY, *args],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    return proc.returncode, proc.stdout, proc.stderr


@dataclass
class Emulator:
    """This session's API-only emulator."""

    name: str
    port: int
    state_dir: Path

    bin_dir = BIN_DIR
    repo_root = REPO_ROOT

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict:
        return base_env(self.port)

    def localcloud(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        env = self.env
        env.update(LOCALCLOUD_NAME=self.name, LOCALCLOUD_STATE_DIR=str(self.state_dir), LOCALCLOUD_API_ONLY="1")
        return subprocess.run([str(LOCALCLOUD), *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)

    def client(self, service: str, region: str = REGION):
        return boto3.client(service, endpoint_url=self.endpoint_url, region_name=region,
                            aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    """`localcloud up` in API-only mode (moto server only: no Docker, no containers) on a port, name and
    state dir of its own; `localcloud down` at the end of the session."""
    if not LOCALCLOUD.exists():
        pytest.fail(f"{LOCALCLOUD} is missing: pip install -e tests/localcloud (make deps does it)")
    emu = Emulator(name=f"provision-tests-{uuid.uuid4().hex[:6]}", port=_free_port(),
                   state_dir=tmp_path_factory.mktemp("localcloud-state"))
    up = emu.localcloud("up")
    try:
        if up.returncode != 0:
            pytest.fail(f"localcloud up failed: {up.stderr.strip() or up.stdout.strip()}")
        yield emu
    finally:
        down = emu.localcloud("down")
        if down.returncode != 0:
            print(f"localcloud down failed: {down.stderr.strip()}", file=sys.stderr)


@pytest.fixture(scope="session")
def ec2_client(emulator):
    return emulator.client("ec2")


@pytest.fixture(scope="session")
def iam_client(emulator):
    return emulator.client("iam")


@pytest.fixture(scope="session")
def playbook(emulator):
    """run_playbook bound to this session's emulator: playbook(*args, env={extra vars}) -> (rc, output, recap)."""
    def _run(*args: str, env: dict | None = None, timeout: float = PLAYBOOK_TIMEOUT):
        return run_playbook(*args, env={**emulator.env, **(env or {})}, timeout=timeout)
    return _run


@pytest.fixture(scope="session")
def inventory(emulator):
    """run_inventory bound to this session's emulator: inventory(*args) -> (rc, stdout, stderr)."""
    def _run(*args: str):
        return run_inventory(*args, env=emulator.env)
    return _run


class _AddressHandler(BaseHTTPRequestHandler):
    """Answers the URL's path, unquoted, as the body: GET /203.0.113.7 answers "203.0.113.7\\n"."""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        body = (urllib.parse.unquote(self.path.lstrip("/")) + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def address_server():
    """A stand-in for ssh_allowed_cidrs_auto_url on 127.0.0.1 (never the real checkip service).

    Yields its base URL; f"{url}/<answer>" answers <answer>."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AddressHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
