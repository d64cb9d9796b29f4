"""The project keeps its parts together: every catalogue indicator has its dbt model, its unit
test and its docs; every imported package is declared; nothing refers outside the repository.

The first is read from the manifest of a real `dbt parse` (not from file names), so a model that is
disabled, misnamed or left without a description counts as missing.
"""

from __future__ import annotations

import ast
import csv
import importlib.metadata
import json
import re
import sys
import tomllib

import pytest

from pipelines.settings import PROJECT_ROOT, SEEDS_DIR
from pipelines.transform import dbt_args

INDICATOR_DOCS = PROJECT_ROOT / "docs" / "indicators.md"


def catalogue_ids() -> list[str]:
    with open(SEEDS_DIR / "indicators.csv", newline="", encoding="utf-8") as f:
        return [row["indicator_id"] for row in csv.DictReader(f)]


def missing_parts(manifest: dict, indicator_ids: list[str], docs_text: str) -> list[str]:
    """What each catalogue indicator lacks, and which int_ind_* model has no catalogue row."""
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    unit_tested = {u["model"] for u in manifest["unit_tests"].values()}
    # dbt registers a ref only when it is written out: the union lists the models by name
    unioned = {node.split(".")[-1] for node in
               models["int_indicator_person_months"]["depends_on"]["nodes"]}
    problems = []
    for indicator_id in indicator_ids:
        model = f"int_ind_{indicator_id.lower()}"
        node = models.get(model)
        if node is None:
            problems.append(f"{indicator_id}: no model {model}")
            continue
        if not node["config"].get("enabled", True):
            problems.append(f"{indicator_id}: model {model} is disabled")
        if model not in unit_tested:
            problems.append(f"{indicator_id}: no unit test of {model}")
        if not node["description"].strip():
            problems.append(f"{indicator_id}: {model} has no description (model yml or doc block)")
        if model not in unioned:
            problems.append(f"{indicator_id}: {model} is not in the union of "
                            "models/intermediate/int_indicator_person_months.sql")
        if not re.search(rf"^\| `{re.escape(indicator_id)}`", docs_text, re.MULTILINE):
            problems.append(f"{indicator_id}: no definition row in docs/indicators.md")
    known = {f"int_ind_{i.lower()}" for i in indicator_ids}
    problems += [f"{name}: no row in seeds/indicators.csv" for name in sorted(models)
                 if name.startswith("int_ind_") and name not in known]
    return problems


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory, monkeypatch_module) -> dict:
    from dbt.cli.main import dbtRunner

    warehouse = tmp_path_factory.mktemp("parse") / "parse.duckdb"  # parse never opens it
    monkeypatch_module.setenv("HELHEDSPLAN_WAREHOUSE", str(warehouse))
    outcome = dbtRunner().invoke(dbt_args("parse", warehouse) + ["--no-partial-parse"])
    assert outcome.success, outcome.exception
    target = warehouse.parent / f"{warehouse.stem}.dbt" / "target" / "manifest.json"
    return json.loads(target.read_text())


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_every_catalogue_indicator_has_its_model_unit_test_and_docs(manifest):
    assert missing_parts(manifest, catalogue_ids(), INDICATOR_DOCS.read_text()) == []


def test_a_catalogue_row_without_its_parts_is_reported(manifest):
    docs = INDICATOR_DOCS.read_text()
    problems = missing_parts(manifest, [*catalogue_ids(), "X_NEW"], docs)
    assert problems == ["X_NEW: no model int_ind_x_new"]
    # a model whose unit tests and description are gone, and whose definition row is missing
    stripped = json.loads(json.dumps(manifest))
    node = next(n for n in stripped["nodes"].values() if n["name"] == "int_ind_s_deltagelse")
    node["description"] = " "
    stripped["unit_tests"] = {k: u for k, u in stripped["unit_tests"].items()
                              if u["model"] != "int_ind_s_deltagelse"}
    union = next(n for n in stripped["nodes"].values()
                 if n["name"] == "int_indicator_person_months")
    union["depends_on"]["nodes"].remove(node["unique_id"])
    docs = re.sub(r"^\| `S_DELTAGELSE`.*$", "", docs, flags=re.MULTILINE)
    assert missing_parts(stripped, ["S_DELTAGELSE"], docs) == [
        "S_DELTAGELSE: no unit test of int_ind_s_deltagelse",
        "S_DELTAGELSE: int_ind_s_deltagelse has no description (model yml or doc block)",
        ("S_DELTAGELSE: int_ind_s_deltagelse is not in the union of "
         "models/intermediate/int_indicator_person_months.sql"),
        "S_DELTAGELSE: no definition row in docs/indicators.md",
    ] + [f"{name}: no row in seeds/indicators.csv" for name in sorted(
        f"int_ind_{i.lower()}" for i in catalogue_ids() if i != "S_DELTAGELSE")]


def test_the_exposures_reach_every_published_mart(manifest):
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    published = set(exposures["evaluators_published_file"]["depends_on"]["nodes"])
    marts = {key for key, n in manifest["nodes"].items()
             if n["resource_type"] == "model" and n["fqn"][1] == "marts"
             and n["name"] != "indicator_values_unsuppressed"}
    assert published == marts
    for name, exposure in exposures.items():
        assert set(exposure["depends_on"]["nodes"]) <= published, name


# --- imports and references ----------------------------------------------------------------

CODE_DIRS = ("pipelines", "tests", "scripts", "notebooks")


def _imported_top_level_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for folder in CODE_DIRS:
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    names.setdefault(module.split(".")[0], str(path.relative_to(PROJECT_ROOT)))
    return names


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_imported_package_is_declared():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    requirements = project["project"]["dependencies"] + [
        r for group in project.get("dependency-groups", {}).values() for r in group
        if isinstance(r, str)]
    declared = {_normalise(re.split(r"[\s=<>!~\[;]", r, maxsplit=1)[0]) for r in requirements}
    local = {"pipelines", "support", "conftest", "__future__"} | {
        p.stem for p in (PROJECT_ROOT / "tests").glob("test_*.py")}
    distributions = importlib.metadata.packages_distributions()
    undeclared = []
    for name, where in sorted(_imported_top_level_names().items()):
        if name in sys.stdlib_module_names or name in local:
            continue
        providers = {_normalise(d) for d in distributions.get(name, [name])}
        if not providers & declared:
            undeclared.append(f"{name} ({where})")
    assert undeclared == []


REPOSITORY_TEXT = ("README.md", "Makefile", "pyproject.toml", "dbt_project.yml", "profiles.yml",
                   ".ci", "docs", "models", "macros", "seeds", "config", "expectations",
                   *CODE_DIRS)
OUTSIDE = re.compile(r"\.\./shared|shared" + "/spec")  # split so this file does not match itself


def test_nothing_refers_outside_the_repository():
    hits = []
    for entry in REPOSITORY_TEXT:
        root = PROJECT_ROOT / entry
        for path in [root] if root.is_file() else sorted(root.rglob("*")):
            if not path.is_file() or path.suffix in {".png", ".pyc", ".duckdb"}:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if OUTSIDE.search(line):
                    hits.append(f"{path.relative_to(PROJECT_ROOT)}:{number}")
    assert hits == []
