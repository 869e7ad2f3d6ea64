"""Fixtures: one emulator for the session and throwaway ones, always brought down at the end."""

from collections.abc import Iterator

import pytest
from localcloud_harness import Emulator, docker_answers, start_emulator

NO_DOCKER = "no Docker engine answers: the emulator's acceptance tests need one (start dockerd or set DOCKER_HOST)"


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """One emulator for the whole session."""
    if not docker_answers():
        pytest.skip(NO_DOCKER)
    started = start_emulator(tmp_path_factory.mktemp("localcloud-state"))
    try:
        yield started
    finally:
        started.localcloud("down")


@pytest.fixture
def throwaway_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """An emulator a test may bring down itself; brought down again (idempotently) in any case."""
    if not docker_answers():
        pytest.skip(NO_DOCKER)
    started = start_emulator(tmp_path_factory.mktemp("localcloud-throwaway"))
    try:
        yield started
    finally:
        started.localcloud("down")
