"""Pseudonyms: HMAC-SHA256 of the normalised CPR, stable across forms, sources and runs; the key's
origin (environment, key file, a created key file) and the guard against another key."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import stat

import pytest
from support.ingest import (
    configured_key,
    cpr10,
    form,
    ingest,
    load_log,
    pseudonym,
    query,
    write_csv,
)

from pipelines.ingest import KeyMismatchError, Pseudonymizer, ingest_all, load_key

KEY_ENV = "HELHEDSPLAN_PSEUDONYM_KEY"
KEY_FILE_ENV = "HELHEDSPLAN_PSEUDONYM_KEY_FILE"


@pytest.fixture
def raw(tmp_path):
    return tmp_path / "raw"


@pytest.fixture
def wh(tmp_path):
    return tmp_path / "wh.duckdb"


def test_person_id_is_hmac_of_the_normalised_cpr_across_forms_sources_and_runs(raw, wh):
    n = cpr10(dt.date(2003, 8, 4), serial=512)
    expected = hmac.new(configured_key(), n.encode(), hashlib.sha256).hexdigest()
    write_csv(raw, "beboere", "beboere_2024-01.csv", [["2024-01", form(n, "dash"), "Houlkær", "1", ""]])
    write_csv(raw, "beskaeftigelse", "b_2024-01.csv", [["2024-01", form(n, "digits"), "under uddannelse"]])
    write_csv(raw, "deltagelse", "d_2024-01.csv", [["2024-01-03", "A", "Café", "U", "Houlkær", "", form(n, "nine"), "frivillig"]])
    ingest(raw, wh, "run-1")
    write_csv(raw, "beboere", "beboere_2024-02.csv", [["2024-02", form(n, "nine"), "Houlkær", "1", ""]])
    ingest(raw, wh, "run-2")
    ids = query(wh, """select person_id from raw.beboere union all select person_id from raw.beskaeftigelse
                       union all select person_id from raw.deltagelse""")
    assert ids == [(expected,)] * 4
    assert {e["run_id"] for e in load_log(wh)} == {"run-1", "run-2"}


@pytest.mark.parametrize("key", [b"short-but-ok-key", b"k" * 64, b"a much longer key " * 10])
def test_pseudonymizer_equals_hmac_new(key):
    values = [cpr10(dt.date(1950, 1, 1) + dt.timedelta(days=400 * i), serial=i) for i in range(5)]
    got = Pseudonymizer(key).pseudonyms(values + values[:2])
    assert got == [hmac.new(key, v.encode(), hashlib.sha256).hexdigest() for v in values + values[:2]]


def test_another_key_on_an_existing_warehouse_is_refused_and_nothing_is_loaded(raw, wh, monkeypatch):
    write_csv(raw, "beboere", "beboere_2024-01.csv", [["2024-01", form(cpr10(dt.date(1980, 1, 1))), "Houlkær", "1", ""]])
    ingest(raw, wh)
    before = (query(wh, "select * from raw.beboere"), load_log(wh))
    write_csv(raw, "beboere", "beboere_2024-02.csv", [["2024-02", form(cpr10(dt.date(1981, 1, 1))), "Houlkær", "1", ""]])
    monkeypatch.setenv(KEY_ENV, "another-key-entirely-0123456789")
    with pytest.raises(KeyMismatchError) as raised:
        ingest_all(raw, wh, "run-2")
    message = str(raised.value)
    assert str(wh) in message and "nøgle" in message.lower()
    assert "another-key" not in message  # the key itself is never shown
    assert (query(wh, "select * from raw.beboere"), load_log(wh)) == before


def test_key_from_key_file_named_in_environment(raw, wh, tmp_path, monkeypatch):
    key_file = tmp_path / "secret" / "pseudonym.key"
    key_file.parent.mkdir()
    key_file.write_text("file-key-0123456789abcdef\n")
    key_file.chmod(0o600)  # a key file others can read is refused
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.setenv(KEY_FILE_ENV, str(key_file))
    assert load_key() == b"file-key-0123456789abcdef"
    n = cpr10(dt.date(1975, 10, 10), serial=3)
    write_csv(raw, "beskaeftigelse", "b.csv", [["2024-01", form(n), "dagpenge"]])
    ingest_all(raw, wh, "run-1")
    assert query(wh, "select person_id from raw.beskaeftigelse") == [(pseudonym(n, b"file-key-0123456789abcdef"),)]


def test_missing_key_file_named_in_environment_is_an_error(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.setenv(KEY_FILE_ENV, str(tmp_path / "nowhere.key"))
    with pytest.raises(RuntimeError, match="nowhere.key"):
        load_key()


def test_without_environment_a_key_file_is_created_once_with_mode_0600(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    first = load_key()
    [key_file] = (tmp_path / "config").rglob("*.key")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert load_key() == first  # reused, not replaced
    assert key_file.read_bytes().strip() == first


@pytest.mark.parametrize("short", ["x", "0123456789abcde"])  # 1 and 15 characters
def test_a_key_from_the_environment_shorter_than_16_characters_is_refused(short, monkeypatch):
    monkeypatch.setenv(KEY_ENV, short)
    with pytest.raises(RuntimeError, match="mindst 16 tegn") as raised:
        load_key()
    assert short not in str(raised.value).replace("mindst 16 tegn", "")  # the key is never quoted


def test_a_key_file_others_can_read_is_refused_naming_the_file_and_the_fix(tmp_path, monkeypatch):
    key_file = tmp_path / "pseudonym.key"
    key_file.write_text("a-long-enough-key-for-the-test-0123456789\n", encoding="utf-8")
    key_file.chmod(0o644)
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.setenv(KEY_FILE_ENV, str(key_file))
    with pytest.raises(RuntimeError) as raised:
        load_key()
    message = str(raised.value)
    assert str(key_file) in message and "chmod 600" in message
    assert "a-long-enough-key" not in message
    key_file.chmod(0o600)
    assert load_key() == b"a-long-enough-key-for-the-test-0123456789"


def test_a_new_warehouse_and_its_folder_are_readable_by_their_owner_only(raw, tmp_path):
    """Person-level rows (pseudonyms, birth dates) on a shared municipal machine: not world-readable."""
    wh = tmp_path / "private" / "warehouse" / "wh.duckdb"
    write_csv(raw, "beboere", "beboere_2024-01.csv", [["2024-01", form(cpr10(dt.date(1980, 1, 2))), "A", "1", ""]])
    ingest(raw, wh)
    assert stat.S_IMODE(wh.stat().st_mode) & 0o077 == 0
    assert stat.S_IMODE(wh.parent.stat().st_mode) & 0o077 == 0  # so its WAL and dbt's logs are private too
