"""Command line: up, down, status and build-image for people and Makefiles; serve and reconcile are what `up` runs detached."""

import argparse
import json
import logging
import os
import socket
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from .committed_images import remove_committed_images
from .config import (AMIS_FILE, HOST, UNSET_VARIABLES, LocalcloudError, Settings, add_arguments, client_environment,
                     settings_from_args, settings_to_argv)
from .containers import container_facts, docker_client, ensure_public_network, managed_containers, network_cidrs, remove_everything
from .nat import ensure_gateway, mappings, remove_gateway
from .counter import COUNTS_PATH
from .faults import FAULTS_PATH
from .image import build_image, image_exists, image_tag
from .processes import (heartbeat_file, log_file, read_state, running_pid, spawn, state_file, stop, tail,
                        write_state)
from .public_network import free_block

START_TIMEOUT = 30.0
# How often `up` picks another free public block when Docker refuses the one it picked (taken meanwhile).
AUTO_BLOCK_ATTEMPTS = 5


def main(argv: list[str] | None = None) -> int:
    """Run one command; a LocalcloudError becomes one line on stderr and exit code 1."""
    args = build_parser().parse_args(argv)
    try:
        settings = settings_from_args(args)
        if hasattr(args, "faults_method"):
            return call_faults_api(settings, args.faults_method, args.fault)
        return args.command(settings)
    except LocalcloudError as error:
        sys.stderr.write(f"localcloud: {error}\n")
        return 1


def build_parser() -> argparse.ArgumentParser:
    """One subcommand per job, all sharing the settings flags."""
    parser = argparse.ArgumentParser(prog="localcloud", description="Local EC2 emulator: moto server for the API, Docker containers as instances.")
    common = argparse.ArgumentParser(add_help=False)
    add_arguments(common)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    for name, function, summary in (
        ("up", up, "start the emulator (builds the base image when missing); idempotent"),
        ("down", down, "stop the emulator and remove its containers and networks; idempotent"),
        ("status", status, "show the processes, the endpoint and one line per instance container"),
        ("env", env, "print the shell lines that point AWS clients at the emulator: eval \"$(localcloud env)\""),
        ("build-image", build_image_command, "build the base image of the instances unless it is up to date"),
        ("serve", serve_command, "run the moto server in the foreground (up runs it detached)"),
        ("reconcile", reconcile_command, "run the EC2-to-Docker loop in the foreground (up runs it detached)"),
    ):
        command = commands.add_parser(name, parents=[common], help=summary, description=summary)
        command.set_defaults(command=function)
    add_faults_parser(commands, common)
    return parser


def add_faults_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    """`faults add '<json>'`, `faults list`, `faults clear`: the faults API of the running emulator (README.md: Faults)."""
    summary = "switch faults of the running emulator on and off (README.md: Faults)"
    faults = commands.add_parser("faults", help=summary, description=summary).add_subparsers(required=True, metavar="ACTION")
    add = faults.add_parser("add", parents=[common], help="switch one fault on, e.g. '{\"kind\": \"request-limit\", \"count\": 5}'")
    add.add_argument("fault", help="the fault as a JSON object")
    add.set_defaults(faults_method="POST")
    for name, method, what in (("list", "GET", "print the faults in force"), ("clear", "DELETE", "switch every fault off")):
        faults.add_parser(name, parents=[common], help=what, description=what).set_defaults(faults_method=method, fault=None)


def call_faults_api(settings: Settings, method: str, fault: str | None) -> int:
    """One request to the faults API of the emulator running from the state dir; print its JSON answer."""
    port = read_state(settings.state_dir).get("port", settings.port)
    body = fault.encode() if fault is not None else None
    request = urllib.request.Request(f"http://{HOST}:{port}{FAULTS_PATH}", data=body, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            say(response.read().decode())
    except urllib.error.HTTPError as error:
        raise LocalcloudError(json.loads(error.read() or b"{}").get("error", str(error))) from error
    except OSError as error:
        raise LocalcloudError(f"no emulator answers on http://{HOST}:{port}: {error}; start it with localcloud up") from error
    return 0


def say(message: str) -> None:
    """Tell the user what happened (the detached processes log to files instead)."""
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def up(settings: Settings) -> int:
    """Start what is not running yet: base image, public network, moto server, then reconciler (unless --api-only)."""
    state_dir = settings.state_dir
    state_dir.mkdir(parents=True, exist_ok=True)
    moto_running = running_pid(state_dir, "moto") is not None
    if moto_running:
        require_same_emulator(settings, check_port=True)
        settings = replace(settings, public_cidr=read_state(state_dir).get("public_cidr", settings.public_cidr))
    elif port_in_use(settings.port):
        raise LocalcloudError(f"port {settings.port} on {HOST} is taken by another program: set LOCALCLOUD_PORT (--port) to a free port")
    started = []
    if not settings.api_only:
        ensure_image_built(settings)
        settings = with_public_network(settings)
        ensure_gateway(settings.name, settings.public_cidr)
    elif settings.public_cidr == "auto":
        # No containers, so no network to collide with: nothing ever connects to these addresses.
        settings = replace(settings, public_cidr=free_block([]))
    if not moto_running:
        start_moto(settings)
        started.append("moto server")
    if not settings.api_only and running_pid(state_dir, "reconciler") is None:
        start_reconciler(settings)
        started.append("reconciler")
    write_state(state_dir, settings.name, settings.port, api_only=running_pid(state_dir, "reconciler") is None,
                public_cidr=settings.public_cidr)
    what = f"started {' and '.join(started)}" if started else "already up"
    say(f"localcloud '{settings.name}': {what}; AWS endpoint {settings.endpoint_url}, public IPs from {settings.public_cidr} "
        f"(state and logs in {state_dir})")
    say("# Point AWS clients (ansible-playbook, aws) at it in this shell with: eval \"$(localcloud env)\"")
    say(environment_lines(settings.endpoint_url))
    return 0


def with_public_network(settings: Settings) -> Settings:
    """The settings with the block of the emulator's public network, which is made now if it is missing.

    Two emulators coming up at once (the test workers') can see the same block free; Docker refuses the
    second network, and that emulator picks again among the blocks left."""
    client = docker_client()
    if settings.public_cidr != "auto":
        return replace(settings, public_cidr=ensure_public_network(client, settings.name, settings.public_cidr))
    attempts_left = AUTO_BLOCK_ATTEMPTS
    while True:
        try:
            block = free_block(network_cidrs(client))
        except ValueError as error:
            raise LocalcloudError(f"{error}: remove unused Docker networks, or stop another emulator") from error
        try:
            return replace(settings, public_cidr=ensure_public_network(client, settings.name, block))
        except LocalcloudError:
            attempts_left -= 1
            if attempts_left == 0:
                raise
            # Docker lists the other emulator's network only once it is made.
            time.sleep(1)


def environment_lines(endpoint_url: str) -> str:
    """Shell lines that point AWS clients at the endpoint: what `env` prints and `up` ends with."""
    exports = [f"export {name}={value}" for name, value in client_environment(endpoint_url).items()]
    return "\n".join(exports + [f"unset {' '.join(UNSET_VARIABLES)}"])


def env(settings: Settings) -> int:
    """Print the export lines of the emulator running from the state dir (else of the settings' port)."""
    port = read_state(settings.state_dir).get("port", settings.port)
    say(environment_lines(f"http://{HOST}:{port}"))
    return 0


def down(settings: Settings) -> int:
    """Stop the reconciler first (so it recreates nothing), remove the Docker objects (containers, networks, committed
    images), then stop moto."""
    state_dir = settings.state_dir
    require_same_emulator(settings, check_port=False)
    state = read_state(state_dir)
    reconciler_pid = stop(state_dir, "reconciler")
    containers: list[str] = []
    networks: list[str] = []
    images: list[str] = []
    try:
        if not state.get("api_only"):
            remove_gateway(settings.name)
            containers, networks = remove_everything(docker_client(), settings.name)
            images = remove_committed_images(docker_client(), settings.name)
    finally:
        # Even when Docker fails, no moto server is left behind (a rerun of `down` retries the rest).
        moto_pid = stop(state_dir, "moto")
    state_file(state_dir).unlink(missing_ok=True)
    heartbeat_file(state_dir).unlink(missing_ok=True)
    stopped = [role for role, pid in (("reconciler", reconciler_pid), ("moto server", moto_pid)) if pid is not None]
    if not stopped and not containers and not networks and not images:
        say(f"localcloud '{settings.name}': already down")
    else:
        say(f"localcloud '{settings.name}': down; stopped {' and '.join(stopped) or 'nothing'}, "
            f"removed {len(containers)} containers, {len(networks)} networks and {len(images)} committed images")
    return 0


def status(settings: Settings) -> int:
    """Describe what runs from the state dir; exit 0 only if the moto server runs."""
    state_dir = settings.state_dir
    state = read_state(state_dir)
    name = state.get("name", settings.name)
    port = state.get("port", settings.port)
    moto_pid = running_pid(state_dir, "moto")
    reconciler_pid = running_pid(state_dir, "reconciler")
    say(f"localcloud '{name}' (state dir {state_dir})")
    say(f"moto server: running, pid {moto_pid}, endpoint http://{HOST}:{port}, public IPs from {state.get('public_cidr')}"
        if moto_pid else "moto server: not running")
    if reconciler_pid:
        say(f"reconciler: running, pid {reconciler_pid}, last pass {heartbeat_age(state_dir)}")
    else:
        say("reconciler: not running" + (" (api-only)" if state.get("api_only") else ""))
    if not state.get("api_only"):
        public = {private: public for public, private in (mappings(name) if moto_pid else {}).items()}
        for facts in sorted((container_facts(c) for c in managed_containers(docker_client(), name)), key=lambda f: f["ip"]):
            say("instance {instance_id} {region} {state} {ip} {public} {hostname}".format(public=public.get(facts["ip"], "-"), **facts))
    return 0 if moto_pid else 1


def build_image_command(settings: Settings) -> int:
    """Build the base image now (e.g. in a CI cache step) rather than in the first `up`."""
    if not ensure_image_built(settings):
        say(f"base image {image_tag()} is up to date")
    return 0


def serve_command(settings: Settings) -> int:
    """Foreground moto server; imported late because moto takes seconds to import, and reads its images then."""
    os.environ["MOTO_AMIS_PATH"] = str(AMIS_FILE)
    from .server import serve  # pylint: disable=import-outside-toplevel

    configure_logging()
    serve(settings)
    return 0


def reconcile_command(settings: Settings) -> int:
    """Foreground reconcile loop."""
    from .reconciler import Reconciler  # pylint: disable=import-outside-toplevel

    configure_logging()
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    Reconciler(settings, docker_client()).run_forever(heartbeat_file(settings.state_dir))
    return 0


def configure_logging() -> None:
    """Timestamped lines on stderr, which `up` points at the role's log file."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def ensure_image_built(settings: Settings) -> bool:
    """Build the base image if Docker lacks it; return whether a build happened."""
    client = docker_client()
    tag = image_tag()
    if image_exists(client, tag):
        return False
    build_log = log_file(settings.state_dir, "image-build")
    say(f"building base image {tag} with debootstrap (about a minute; log {build_log})")
    started = time.monotonic()
    build_image(client, build_log)
    say(f"built base image {tag} in {time.monotonic() - started:.0f} s")
    return True


def require_same_emulator(settings: Settings, check_port: bool) -> None:
    """Refuse to act on an emulator other than the one the settings name, rather than guess."""
    state = read_state(settings.state_dir)
    if not state or running_pid(settings.state_dir, "moto") is None:
        return
    if state.get("name") != settings.name or (check_port and state.get("port") != settings.port):
        raise LocalcloudError(f"{settings.state_dir} runs emulator '{state.get('name')}' on port {state.get('port')}: "
                              "use the same LOCALCLOUD_NAME and LOCALCLOUD_PORT, or another LOCALCLOUD_STATE_DIR")


def start_moto(settings: Settings) -> None:
    """Start the moto server detached and wait until it answers."""
    start_detached(settings, "moto", lambda: endpoint_answers(settings.port), f"answer on {settings.endpoint_url}")


def start_reconciler(settings: Settings) -> None:
    """Start the reconciler detached and wait until it is set up (its heartbeat file appears)."""
    heartbeat = heartbeat_file(settings.state_dir)
    heartbeat.unlink(missing_ok=True)
    start_detached(settings, "reconciler", heartbeat.exists, "start")


def start_detached(settings: Settings, role: str, ready: Callable[[], bool], what: str) -> None:
    """Spawn one of the emulator's processes and wait for it to be ready; stop it if it is not in time."""
    process = spawn(settings, role, settings_to_argv(settings))
    log = log_file(settings.state_dir, role)
    deadline = time.monotonic() + START_TIMEOUT
    while not ready():
        if process.poll() is not None:
            raise LocalcloudError(f"{role} exited at start ({tail(log)}): see {log}")
        if time.monotonic() > deadline:
            stop(settings.state_dir, role)
            raise LocalcloudError(f"{role} did not {what} within {START_TIMEOUT:.0f} s: see {log}")
        time.sleep(0.2)


def endpoint_answers(port: int) -> bool:
    """Whether a localcloud moto server answers on the port (its request counter proves it is ours)."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}{COUNTS_PATH}", timeout=2) as response:
            return "total" in json.load(response)
    except (OSError, ValueError):
        return False


def port_in_use(port: int) -> bool:
    """Whether something already listens on the port, which our server could then not bind."""
    try:
        with socket.create_connection((HOST, port), timeout=2):
            return True
    except OSError:
        return False


def heartbeat_age(state_dir: Path) -> str:
    """How long ago the reconciler finished a pass, to spot a stuck loop."""
    try:
        return f"{time.time() - heartbeat_file(state_dir).stat().st_mtime:.1f} s ago"
    except OSError:
        return "never"
