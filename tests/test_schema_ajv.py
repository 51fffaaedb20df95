"""The schemas under Ajv's strict mode, as SchemaStore's CI compiles every schema it hosts: no
union types, no unknown keywords, every `required` name declared, every keyword with its type.
Ajv and ajv-formats are pinned in tests/ajv/package.json and installed with npm on first use."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest

ROOT = Path(__file__).resolve().parent.parent
AJV_DIR = ROOT / "tests" / "ajv"
SCHEMAS = [ROOT / "schema" / name for name in ("workflow.schema.json", "plan.schema.json", "report.schema.json")]


@pytest.fixture(scope="module")
def node() -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed to install and run Ajv")
    if not (AJV_DIR / "node_modules" / "ajv" / "package.json").is_file():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=AJV_DIR, check=True,
                       capture_output=True, timeout=300)
    return node


def strict_messages(node: str, *schemas: Path) -> Dict[str, List[str]]:
    done = subprocess.run([node, str(AJV_DIR / "strict_check.js"), *map(str, schemas)], cwd=AJV_DIR,
                          capture_output=True, text=True, timeout=120, check=True)
    return {Path(entry["file"]).name: entry["messages"] for entry in map(json.loads, done.stdout.splitlines())}


def test_every_schema_is_clean_under_ajv_strict_mode(node: str) -> None:
    assert strict_messages(node, *SCHEMAS) == {path.name: [] for path in SCHEMAS}


def test_ajv_strict_mode_does_flag_what_the_schemas_avoid(node: str, tmp_path: Path) -> None:
    """The check can fail: the constructs the workflow schema was rewritten to avoid are reported."""
    bad = tmp_path / "bad.schema.json"
    bad.write_text(json.dumps({
        "$schema": "https://json-schema.org/draft/2020-12/schema", "$anchor": "x", "type": "object",
        "properties": {"a": {"type": ["string", "number"]}}, "oneOf": [{"required": ["b"]}]}), encoding="utf-8")
    messages = strict_messages(node, bad)["bad.schema.json"]
    assert any('unknown keyword: "$anchor"' in message for message in messages)
    assert any("allowUnionTypes" in message for message in messages)
    assert any('required property "b" is not defined' in message for message in messages)
