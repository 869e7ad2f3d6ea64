# -*- coding: utf-8 -*-

# Copyright: ec2mpi developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Shared by the integration tests that drive the playbooks against a local emulator.

Nothing here is autouse: test_iam_role.py starts its own moto server and never asks for these.

Two emulators, each started once per session and only if a test asks for it: `emulator`, API-only
(moto server, no containers, no Docker), for everything that needs only the API; `nodes_emulator`,
with containers as instances, for the playbooks that log in to nodes.

`make integration` spreads the tests over pytest-xdist workers (one per core), each with emulators of its
own: a cluster fixture is built on every worker that needs it, which is why each test passes alone. Two
emulators with containers may come up at once; each takes a public block of its own (`localcloud up`
picks again when Docker refused a block taken meanwhile), and the node tests use subnets of their own.

Safety: every run is pointed at this session's own emulator by environment alone, as users point any
AWS tool (`localcloud env`), with AWS_* variables of the caller removed and dummy credentials set, so
no test can reach real AWS (emulator/localcloud/session.py).
"""

import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from localcloud.session import PLAYBOOK_TIMEOUT, Emulator, run_inventory, run_playbook


def started(tmp_path_factory, prefix, api_only):
    """`localcloud up` on a port, name and state dir of its own; `localcloud down` at the end of the session."""
    emulator = Emulator.create(prefix, tmp_path_factory.mktemp(f"{prefix}-state"), api_only=api_only)
    with emulator.running():
        yield emulator


def playbook_runner(emulator):
    """run_playbook bound to an emulator: run(*args, env={extra vars}) -> (rc, output, recap)."""
    def run(*args: str, env: dict | None = None, timeout: float = PLAYBOOK_TIMEOUT):
        return run_playbook(*args, env={**emulator.env, **(env or {})}, timeout=timeout)
    return run


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    """API-only: moto server only, no Docker, no containers."""
    yield from started(tmp_path_factory, "provision-tests", api_only=True)


@pytest.fixture(scope="session")
def nodes_emulator(tmp_path_factory):
    """With containers as instances (needs Docker)."""
    yield from started(tmp_path_factory, "nodes-tests", api_only=False)


@pytest.fixture(scope="session")
def playbook(emulator):
    return playbook_runner(emulator)


@pytest.fixture(scope="session")
def nodes_playbook(nodes_emulator):
    return playbook_runner(nodes_emulator)


@pytest.fixture(scope="session")
def ec2_client(emulator):
    return emulator.client("ec2")


@pytest.fixture(scope="session")
def iam_client(emulator):
    return emulator.client("iam")


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
