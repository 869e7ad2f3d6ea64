"""The detached processes of an emulator (moto server, reconciler) and their files in the state dir."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .config import Settings

# role -> the localcloud command that plays it; the command also proves a pid still belongs to us.
COMMANDS = {"moto": "serve", "reconciler": "reconcile"}
STOP_TIMEOUT = 10.0


def pid_file(state_dir: Path, role: str) -> Path:
    """Where the role's pid is kept."""
    return state_dir / f"{role}.pid"


def log_file(state_dir: Path, role: str) -> Path:
    """Where the role's output goes."""
    return state_dir / f"{role}.log"


def state_file(state_dir: Path) -> Path:
    """Which emulator (name, port) runs from this state dir."""
    return state_dir / "state.json"


def heartbeat_file(state_dir: Path) -> Path:
    """Touched by the reconciler after every pass."""
    return state_dir / "reconciler.heartbeat"


def running_pid(state_dir: Path, role: str) -> int | None:
    """The role's pid if that process is alive and really runs our command (pids get reused)."""
    try:
        pid = int(pid_file(state_dir, role).read_text(encoding="utf-8").strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        process_state = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rpartition(")")[2].split()[0]
    except (OSError, ValueError, IndexError):
        return None
    ours = b"localcloud" in cmdline and COMMANDS[role].encode() in cmdline
    return pid if ours and process_state != "Z" else None


def spawn(settings: Settings, role: str, argv: list[str]) -> subprocess.Popen:
    """Start `python -m localcloud <command> <argv>` detached from this terminal, output appended to its log."""
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "localcloud", COMMANDS[role], *argv]
    with log_file(settings.state_dir, role).open("ab") as log:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True, close_fds=True)
    pid_file(settings.state_dir, role).write_text(f"{process.pid}\n", encoding="utf-8")
    return process


def stop(state_dir: Path, role: str) -> int | None:
    """SIGTERM the role's process, SIGKILL it if it lingers; return the pid it had, if any."""
    pid = running_pid(state_dir, role)
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        if not wait_gone(state_dir, role, pid, STOP_TIMEOUT):
            os.kill(pid, signal.SIGKILL)
            wait_gone(state_dir, role, pid, STOP_TIMEOUT)
    pid_file(state_dir, role).unlink(missing_ok=True)
    return pid


def wait_gone(state_dir: Path, role: str, pid: int, timeout: float) -> bool:
    """Whether the process ended within timeout (only then is its port free again)."""
    deadline = time.monotonic() + timeout
    while running_pid(state_dir, role) == pid:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def read_state(state_dir: Path) -> dict[str, Any]:
    """What `up` recorded about the running emulator, or {} if nothing runs from this dir."""
    try:
        return json.loads(state_file(state_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_state(state_dir: Path, name: str, port: int, api_only: bool, public_cidr: str) -> None:
    """Record what `status`, `env`, `down` and a later `up` need to know about the emulator `up` started."""
    state = {"name": name, "port": port, "api_only": api_only, "public_cidr": public_cidr}
    state_file(state_dir).write_text(json.dumps(state) + "\n", encoding="utf-8")


def tail(path: Path) -> str:
    """The last non-empty line of a log, to quote in an error."""
    try:
        lines = [line for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return lines[-1] if lines else ""
