"""config/run.yml: the operation's settings (the cron, polling, the server's port, waiting)."""

from __future__ import annotations

from functools import cache

import yaml

from pipelines.settings import CONFIG_DIR


@cache
def run_config() -> dict:
    with open(CONFIG_DIR / "run.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)
