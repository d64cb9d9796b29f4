"""The evaluators' data dictionary: dbt's docs as one offline page beside the report, with every
published table, its columns and the lineage to the exposures, and nothing fetched from outside."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

PUBLISHED = ("indicator_values", "indicators", "indicator_status", "delivery_status")


@pytest.fixture(scope="module")
def site(world, tmp_path_factory):
    root = tmp_path_factory.mktemp("docs")
    warehouse = root / "warehouse.duckdb"
    shutil.copyfile(world.warehouse, warehouse)
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "docs", "--warehouse", str(warehouse),
         "--marts", str(root / "marts")],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return root / "marts" / "docs" / "index.html"


def _embedded_manifest(page: str) -> dict:
    """The manifest the static page carries inline (`manifest:{...}` in its JavaScript)."""
    start = page.index('manifest:{"metadata"') + len("manifest:")
    return json.JSONDecoder().raw_decode(page[start:])[0]


def test_the_page_loads_nothing_from_the_internet(site):
    page = site.read_text(encoding="utf-8")
    assert not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)=["']?(https?:)?//""", page, re.IGNORECASE)
    manifest = _embedded_manifest(page)
    # the page starts its usage tracker only when the manifest allows it
    assert manifest["metadata"]["send_anonymous_usage_stats"] is False


def test_every_published_table_is_described_with_its_lineage_to_the_exposures(site):
    manifest = _embedded_manifest(site.read_text(encoding="utf-8"))
    models = {n.get("alias") or n["name"]: n for n in manifest["nodes"].values()
              if n["resource_type"] == "model"}
    for name in PUBLISHED:
        node = models[name]
        assert node["description"].strip(), name
        assert node["columns"] and all(c["description"].strip() for c in node["columns"].values()), name
    exposed = {dep for e in manifest["exposures"].values() for dep in e["depends_on"]["nodes"]}
    assert {models[name]["unique_id"] for name in PUBLISHED} <= exposed


def _embedded_catalog(page: str) -> dict:
    start = page.index('catalog:{"metadata"') + len("catalog:")
    return json.JSONDecoder().raw_decode(page[start:])[0]


def test_the_page_holds_names_and_types_never_values(site, world):
    import duckdb

    page = site.read_text(encoding="utf-8")
    catalog = _embedded_catalog(page)
    # dbt's catalogue of the warehouse: columns' names, types and comments; no statistics
    assert catalog["nodes"]
    for node in catalog["nodes"].values():
        assert set(node["stats"]) == {"has_stats"} and node["stats"]["has_stats"]["value"] is False
    with duckdb.connect(str(world.warehouse), read_only=True) as con:
        pseudonyms = [r[0] for r in con.execute("select distinct person_id from raw.beboere").fetchall()]
    assert len(pseudonyms) > 100 and not any(p in page for p in pseudonyms)
