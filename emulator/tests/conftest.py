"""Fixtures: one emulator for the session and throwaway ones, always brought down at the end."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from localcloud.session import Emulator
from localcloud_harness import DPKG_LOCK_SECONDS, VCPU_QUOTAS, docker_answers

NO_DOCKER = "no Docker engine answers: the emulator's acceptance tests need one (start dockerd or set DOCKER_HOST)"
# The reconciler logs of this session's emulators, shown when a test failed: CI keeps the output, not the state dirs.
RECONCILER_LOGS: list[Path] = []
LOG_LINES_SHOWN = 60


def started(tmp_path_factory: pytest.TempPathFactory, prefix: str) -> Iterator[Emulator]:
    """An emulator with containers, up for the fixture's life and down after it (idempotently, whatever a test did)."""
    if not docker_answers():
        pytest.skip(NO_DOCKER)
    emulator = Emulator.create(prefix, tmp_path_factory.mktemp(f"{prefix}-state"), api_only=False,
                               LOCALCLOUD_DPKG_LOCK_SECONDS=str(DPKG_LOCK_SECONDS), LOCALCLOUD_VCPU_QUOTAS=VCPU_QUOTAS)
    RECONCILER_LOGS.append(emulator.reconciler_log)
    with emulator.running():
        yield emulator


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """After a failure, the end of each emulator's reconciler log: what it placed, and what it could not."""
    if not terminalreporter.stats.get("failed"):
        return
    for log in RECONCILER_LOGS:
        if log.exists():
            terminalreporter.section(f"reconciler log {log} (last {LOG_LINES_SHOWN} lines)")
            terminalreporter.write_line("\n".join(log.read_text().splitlines()[-LOG_LINES_SHOWN:]))


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """One emulator for the whole session."""
    yield from started(tmp_path_factory, "pytest")


@pytest.fixture
def throwaway_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """An emulator a test may bring down itself."""
    yield from started(tmp_path_factory, "pytest-throwaway")
