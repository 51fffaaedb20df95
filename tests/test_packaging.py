"""The distribution as a user gets it: `python -m build` makes the sdist and, from the sdist alone,
the wheel; that wheel installed by itself in a fresh virtual environment validates and compiles a
project that is not this repository, byte for byte as the repository's own outputs.

Built from a copy of the tracked files, so the work tree gets no build/ or egg-info litter and
nothing untracked can make the sdist look complete.
"""
from __future__ import annotations

import email
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List

import pytest

ROOT = Path(__file__).resolve().parent.parent
NAME = "wfc-compiler"
SHIPPED = "review-all"


@dataclass(frozen=True)
class Built:
    sdist: Path
    wheel: Path
    venv: Path

    def tool(self, name: str) -> str:
        return str(self.venv / "bin" / name)


def _tracked_copy(target: Path) -> None:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode("utf-8").split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def _run(command: List[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout: the sdist is built from the tracked files")
    base = tmp_path_factory.mktemp("packaging")
    source = base / "source"
    _tracked_copy(source)
    build = _run([sys.executable, "-m", "build", "--outdir", str(base / "dist"), str(source)], base)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
    wheel = next((base / "dist").glob("*.whl"))
    install = _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], base)
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    yield Built(next((base / "dist").glob("*.tar.gz")), wheel, venv)


def _project(root: Path) -> Path:
    """A project of a user's: one shipped workflow, no schema/, no compiler sources beside it."""
    (root / "workflows").mkdir(parents=True)
    shutil.copy(ROOT / "workflows" / f"{SHIPPED}.yaml", root / "workflows" / f"{SHIPPED}.yaml")
    return root


def test_the_sdist_carries_the_schemas_and_templates_and_no_tests(built: Built) -> None:
    with tarfile.open(built.sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    schemas = {f"schema/{path.name}" for path in (ROOT / "schema").glob("*.json")}
    templates = {f"compiler/wfc/templates/{path.name}" for path in (ROOT / "compiler/wfc/templates").glob("[!.]*")}
    assert schemas | templates | {"LICENSE", "README.md", "pyproject.toml", "setup.py"} <= names
    assert not [name for name in names if name.startswith(("tests/", "bench/", "generated/"))]


def test_the_wheel_ships_every_schema_and_template_byte_for_byte(built: Built) -> None:
    with zipfile.ZipFile(built.wheel) as archive:
        for path in sorted((ROOT / "schema").glob("*.json")):
            assert archive.read(f"wfc/schema/{path.name}") == path.read_bytes(), path.name
        for path in sorted((ROOT / "compiler/wfc/templates").glob("[!.]*")):
            assert archive.read(f"wfc/templates/{path.name}") == path.read_bytes(), path.name


def test_the_metadata_names_the_distribution_its_license_and_every_import(built: Built) -> None:
    with zipfile.ZipFile(built.wheel) as archive:
        info = next(name for name in archive.namelist() if name.endswith(".dist-info/METADATA"))
        metadata = email.message_from_bytes(archive.read(info))
        licence = archive.read(info.replace("METADATA", "licenses/LICENSE"))
        scripts = archive.read(info.replace("METADATA", "entry_points.txt")).decode("utf-8")
    assert (metadata["Name"], metadata["License-Expression"], metadata["License-File"]) == (NAME, "MIT", "LICENSE")
    assert licence == (ROOT / "LICENSE").read_bytes()
    required = {entry.split(";")[0].split(">")[0].strip().lower() for entry in metadata.get_all("Requires-Dist")
                if "extra ==" not in entry}
    assert {"click", "jinja2", "jsonschema", "markdown-it-py", "markupsafe", "rich", "ruamel.yaml"} <= required
    assert scripts == "[console_scripts]\nwfc = wfc.cli:main\n"


def test_every_module_imports_in_the_fresh_environment(built: Built, tmp_path: Path) -> None:
    """An import the metadata does not declare fails here (the fresh venv has only what it declares);
    only the extras' own packages may be missing."""
    script = ("import importlib, pkgutil, wfc\n"
              "for info in sorted(pkgutil.walk_packages(wfc.__path__, 'wfc.'), key=lambda i: i.name):\n"
              "    try:\n        importlib.import_module(info.name)\n"
              "    except ModuleNotFoundError as error:\n"
              "        if (error.name or '').split('.')[0] not in {'dask', 'distributed'}:\n            raise\n"
              "print('ok')\n")
    result = _run([built.tool("python"), "-c", script], tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "ok\n", "")


def test_the_installed_wheel_alone_validates_and_compiles_a_project(built: Built, tmp_path: Path) -> None:
    project = _project(tmp_path / "project")
    validate = _run([built.tool("wfc"), "validate"], project)
    assert (validate.returncode, validate.stdout) == (0, "")
    assert validate.stderr == "0 errors, 0 warnings in 1 file\n"
    compiled = _run([built.tool("wfc"), "compile", "workflows/"], project)
    assert compiled.returncode == 0, compiled.stderr
    written = sorted(path.relative_to(project / "generated").as_posix()
                     for path in (project / "generated").rglob("*") if path.is_file() and path.name != ".wfc-state")
    assert compiled.stderr.endswith(f"compiled 1 workflow: {len(written)} written, 0 unchanged, 0 pruned\n")
    expected = {"review-all.plan.json", "review_all.py", "commands/review-all.md", "workflows/review-all.js"}
    assert expected <= set(written)
    for name in written:
        alone, shipped = ((root / "generated" / name).read_text().splitlines(True) for root in (project, ROOT))
        if name.startswith("agents/"):
            # An agent shared across the catalogue names its first writer there; alone, review-all writes it.
            assert alone[1].startswith("# Generated by wfc from workflows/review-all.yaml "), name
            alone, shipped = alone[:1] + alone[2:], shipped[:1] + shipped[2:]
        assert alone == shipped, name
    check = _run([built.tool("wfc"), "compile", "--check", "workflows/"], project)
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_installed_wheel_reports_a_broken_workflow_without_a_traceback(built: Built, tmp_path: Path) -> None:
    project = _project(tmp_path / "project")
    path = project / "workflows" / f"{SHIPPED}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("    needs:", "    neds:", 1), encoding="utf-8")
    result = _run([built.tool("wfc"), "validate", "--format", "json"], project)
    assert result.returncode == 1
    codes = [entry["code"] for entry in json.loads(result.stdout)]
    assert "WFC010" in codes and "Traceback" not in result.stderr


def test_the_installed_wheel_prints_its_schemas_unchanged(built: Built, tmp_path: Path) -> None:
    workflow = _run([built.tool("wfc"), "schema"], tmp_path)
    plan = _run([built.tool("wfc"), "schema", "--plan"], tmp_path)
    assert workflow.stdout.encode("utf-8") == (ROOT / "schema" / "workflow.schema.json").read_bytes()
    assert plan.stdout.encode("utf-8") == (ROOT / "schema" / "plan.schema.json").read_bytes()

