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
