"""Shared test set-up: a fixed test key, no telemetry, and the session's test world."""

import os

os.environ.setdefault("HELHEDSPLAN_PSEUDONYM_KEY", "test-key-not-secret-0123456789abcdef")
# files the tests write are complete at once: a short settle time (tests of arrival set their own)
os.environ.setdefault("HELHEDSPLAN_SETTLE_SECONDS", "0.2")

from pipelines.settings import quiet_third_parties

quiet_third_parties()


import pytest


@pytest.fixture(scope="session")
def world(tmp_path_factory):
    """A small sample run through the real pipeline once per session (tests/support/world.py)."""
    from support.world import build_world

    return build_world(tmp_path_factory.mktemp("world"))


@pytest.fixture(scope="session")
def corrected_world(world, tmp_path_factory):
    """The world copied, its latest employment file corrected, run again: two publications with
    a correction between them (support/corrections.py). Read it; damage a copy."""
    from support.corrections import corrected_publication

    return corrected_publication(world, tmp_path_factory.mktemp("corrected"))
