"""Shared test set-up: a fixed test key and no telemetry. Fixtures live in the test modules."""

import os

os.environ.setdefault("HELHEDSPLAN_PSEUDONYM_KEY", "test-key-not-secret-0123456789abcdef")

from pipelines.settings import quiet_third_parties

quiet_third_parties()
