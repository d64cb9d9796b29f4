"""Keyed pseudonyms for CPR numbers: HMAC-SHA256 with a secret key held outside the warehouse and git."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from platformdirs import user_config_dir

log = logging.getLogger("helhedsplan.ingest")

KEY_ENV = "HELHEDSPLAN_PSEUDONYM_KEY"
KEY_FILE_ENV = "HELHEDSPLAN_PSEUDONYM_KEY_FILE"
MIN_KEY_CHARS = 16
_FINGERPRINT_MESSAGE = b"helhedsplan pseudonym key fingerprint v1"


class KeyMismatchError(RuntimeError):
    """The warehouse was built with another pseudonym key."""


def default_key_file() -> Path:
    return Path(user_config_dir("helhedsplan")) / "pseudonym.key"


def load_key() -> bytes:
    """The key from the environment, a named key file, or a key file created once in the user's config dir."""
    if os.environ.get(KEY_ENV):
        key = os.environ[KEY_ENV].encode("utf-8")
        if len(key) < MIN_KEY_CHARS:
            raise RuntimeError(f"Nøglen i {KEY_ENV} er for kort (mindst {MIN_KEY_CHARS} tegn).")
        return key
    path = Path(os.environ[KEY_FILE_ENV]).expanduser() if os.environ.get(KEY_FILE_ENV) else None
    if path is not None:
        if not path.is_file():
            raise RuntimeError(f"Nøglefilen {path} (fra {KEY_FILE_ENV}) findes ikke.")
        return _read_key_file(path)
    path = default_key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        log.warning(
            "Ny pseudonymnøgle oprettet i %s (mode 0600). Tag en sikker kopi: uden den kan "
            "warehouset ikke opdateres. / New pseudonym key created; back it up.",
            path,
        )
    return _read_key_file(path)


def _read_key_file(path: Path) -> bytes:
    if path.stat().st_mode & 0o077:
        raise RuntimeError(
            f"Nøglefilen {path} kan læses af andre end ejeren; gør den privat med 'chmod 600 {path}'."
        )
    key = path.read_bytes().strip()
    if len(key) < MIN_KEY_CHARS:
        raise RuntimeError(f"Nøglefilen {path} er for kort (mindst {MIN_KEY_CHARS} tegn).")
    return key


def fingerprint(key: bytes) -> str:
    """Identifies a key without revealing it; stored in the warehouse to refuse a different key."""
    return hmac.new(key, _FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()[:16]


class Pseudonymizer:
    """Maps normalised 10-digit CPR strings to hex pseudonyms, hashing each distinct value once per run."""

    def __init__(self, key: bytes):
        self.fingerprint = fingerprint(key)
        block = hashlib.sha256().block_size
        padded = (hashlib.sha256(key).digest() if len(key) > block else key).ljust(block, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))
        self._cache: dict[str, str] = {}

    def _hash(self, value: str) -> str:
        # HMAC-SHA256 (RFC 2104) with precomputed pads: equal to hmac.new(key, value, sha256).
        inner = self._inner.copy()
        inner.update(value.encode("ascii"))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()

    def pseudonyms(self, cprs: list[str]) -> list[str]:
        cache = self._cache
        out = []
        for cpr in cprs:
            p = cache.get(cpr)
            if p is None:
                p = cache[cpr] = self._hash(cpr)
            out.append(p)
        return out
