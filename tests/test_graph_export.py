"""Mermaid and dot exports: exact text for a small DAG, escaping that hostile titles cannot break,
Graphviz accepting every export, and `wfc graph`."""
from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import List

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from factories import MINUTE, make_step, make_workflow
from wfc.analysis import analyze
from wfc.cli import cli
from wfc.analysis.plan import Plan
from wfc.render.graph_export import dot_escape, mermaid_escape, render_dot, render_mermaid
from wfc.validate import load_workflow

ROOT = Path(__file__).resolve().parent.parent
EXPORTED = sorted((ROOT / "workflows").glob("*.yaml")) + sorted((ROOT / "tests" / "golden" / "workflows").glob("*.yaml"))
HOSTILE = ['say "hi"', "a`b```c", "x]\ny[z", "<b>bold</b> & #35; %%", "end", "subgraph", "a\\lb\\N", "{{ args.x }}",
           "-->", "日本語" * 40, "\x00\x07\x1b\x7f", "';\"}{"]


def diamond() -> Plan:
    """a -> (b, c) -> d with b the longer branch: the critical path is a, b, d."""
    return analyze(make_workflow([
        make_step("a", estimate=MINUTE),
        make_step("b", estimate=3 * MINUTE, needs=["a"]),
        make_step("c", estimate=2 * MINUTE, needs=["a"]),
        make_step("d", estimate=MINUTE, needs=["b", "c"], title='Merge "all" <results>'),
    ]))


def test_mermaid_of_a_diamond() -> None:
    assert render_mermaid(diamond()) == """\
flowchart TD
    classDef critical fill:#fff4e6,stroke:#d9480f,stroke-width:3px
    subgraph L0["Level 1: 1 step"]
        n0["a: Run a (1m)"]
    end
    subgraph L1["Level 2: 2 steps"]
        n1["b: Run b (3m)"]
        n2["c: Run c (2m)"]
    end
    subgraph L2["Level 3: 1 step"]
        n3["d: Merge #34;all#34; #60;results#62; (1m)"]
    end
    n0 --> n1
    n0 --> n2
    n1 --> n3
    n2 --> n3
    linkStyle 0,2 stroke:#d9480f,stroke-width:3px
    class n0,n1,n3 critical
"""


def test_dot_of_a_diamond() -> None:
    assert render_dot(diamond()) == """\
digraph "demo" {
    graph [rankdir=TB, labelloc=t, fontname="Helvetica", label="The demo workflow"];
    node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica"];
    edge [color="#868e96"];
    subgraph cluster_L0 {
        label="Level 1: 1 step"; style=dashed; color="#adb5bd";
        n0 [label="a: Run a (1m)", color="#d9480f", fillcolor="#fff4e6", penwidth=3];
    }
    subgraph cluster_L1 {
        label="Level 2: 2 steps"; style=dashed; color="#adb5bd";
        n1 [label="b: Run b (3m)", color="#d9480f", fillcolor="#fff4e6", penwidth=3];
        n2 [label="c: Run c (2m)"];
    }
    subgraph cluster_L2 {
        label="Level 3: 1 step"; style=dashed; color="#adb5bd";
        n3 [label="d: Merge \\"all\\" <results> (1m)", color="#d9480f", fillcolor="#fff4e6", penwidth=3];
    }
    n0 -> n1 [color="#d9480f", penwidth=3];
    n0 -> n2;
    n1 -> n3 [color="#d9480f", penwidth=3];
    n2 -> n3;
}
"""


def test_escapes() -> None:
    assert mermaid_escape('a "b" `c`\n#d;<e>&') == "a #34;b#34; #96;c#96; #35;d#59;#60;e#62;#38;"
    assert dot_escape('a "b"\\l\nc\x07') == 'a \\"b\\"\\\\l c'


def test_long_titles_are_cut_in_labels() -> None:
    plan = analyze(make_workflow([make_step("a", estimate=MINUTE, title="x" * 100)]))
    assert f'n0["a: {"x" * 59}#8230; (1m)"]' in render_mermaid(plan)


def with_titles(plan: Plan, titles: List[str]) -> Plan:
    workflow = plan.workflow
    steps = tuple(dataclasses.replace(step, title=titles[index % len(titles)]) for index, step in enumerate(workflow.steps))
    return analyze(dataclasses.replace(workflow, steps=steps, title=titles[-1], name=titles[0]))


_MERMAID_LINE = re.compile(r'^(flowchart TD|    classDef critical .*|    subgraph L\d+\["[^"]*"\]|        n\d+\["[^"<>`\n]*"\]|'
                           r"    end|    n\d+ --> n\d+|    linkStyle [\d,]+ .*|    class [n\d,]+ critical)$")


@settings(max_examples=60, deadline=None)
@given(titles=st.lists(st.one_of(st.sampled_from(HOSTILE), st.text()), min_size=1, max_size=4))
def test_hostile_titles_keep_mermaid_lines_well_formed(titles: List[str]) -> None:
    base = diamond()
    text = render_mermaid(with_titles(base, titles))
    assert len(text.splitlines()) == len(render_mermaid(base).splitlines())
    assert all(_MERMAID_LINE.match(line) for line in text.splitlines()), text


@pytest.fixture(scope="module")
def dot_program() -> str:
    """Graphviz's `dot`, installed from Debian when missing and allowed (root), else a skip."""
    found = shutil.which("dot")
    if found:
        return found
    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip("Graphviz `dot` is missing and installing it needs root: apt-get install graphviz")
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "graphviz"]):
        done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        if done.returncode != 0:
            pytest.skip(f"could not install graphviz: {' '.join(command)} failed: {done.stderr[-300:]}")
    return shutil.which("dot") or pytest.skip("graphviz installed but `dot` is not on PATH")


def svg_of(dot: str, text: str) -> str:
    done = subprocess.run([dot, "-Tsvg"], input=text.encode("utf-8"), capture_output=True)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert not done.stderr, done.stderr.decode("utf-8", "replace")  # warnings mean a misread input
    return done.stdout.decode("utf-8")


@pytest.mark.parametrize("path", EXPORTED, ids=lambda p: p.stem)
def test_graphviz_accepts_every_export(dot_program: str, path: Path) -> None:
    plan = analyze(load_workflow(path))
    svg = svg_of(dot_program, render_dot(plan))
    assert svg.count('class="node"') == len(plan.order)
    assert svg.count('class="edge"') == sum(len(step.dependencies) for step in plan.steps)
    assert svg.count('class="cluster"') == len(plan.levels)


def test_graphviz_accepts_hostile_titles(dot_program: str) -> None:
    plan = with_titles(diamond(), HOSTILE)
    svg = svg_of(dot_program, render_dot(plan))
    assert svg.count('class="node"') == 4
    assert "say &quot;hi&quot;" in svg or "say \"hi\"" in svg


# -- wfc graph ---------------------------------------------------------------------------------

REVIEW_ALL = str(ROOT / "workflows" / "review-all.yaml")


def test_graph_command_prints_mermaid_by_default_and_dot_on_request() -> None:
    plan = analyze(load_workflow(REVIEW_ALL))
    runner = CliRunner()
    mermaid = runner.invoke(cli, ["graph", REVIEW_ALL])
    dot = runner.invoke(cli, ["graph", REVIEW_ALL, "--format", "dot"])
    assert (mermaid.exit_code, mermaid.output) == (0, render_mermaid(plan))
    assert (dot.exit_code, dot.output) == (0, render_dot(plan))


def test_graph_command_writes_a_file(tmp_path: Path) -> None:
    target = tmp_path / "review.dot"
    result = CliRunner().invoke(cli, ["graph", REVIEW_ALL, "--format", "dot", "-o", str(target)])
    assert (result.exit_code, result.output) == (0, "")
    assert target.read_bytes() == render_dot(analyze(load_workflow(REVIEW_ALL))).encode("utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["review.dot"]


def test_graph_command_rejects_a_missing_directory_and_an_unknown_format(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "g.mmd"
    result = subprocess.run(["wfc", "graph", REVIEW_ALL, "-o", str(missing)], capture_output=True, text=True)
    assert result.returncode == 2
    assert f"cannot write {missing.as_posix()}: the directory {missing.parent.as_posix()} does not exist" in result.stderr
    bad = subprocess.run(["wfc", "graph", REVIEW_ALL, "--format", "png"], capture_output=True, text=True)
    assert bad.returncode == 2
    assert "'png' is not one of 'mermaid', 'dot'" in bad.stderr


def test_mermaid_escape_keeps_exactly_letters_digits_and_plain_punctuation_for_every_code_point() -> None:
    from wfc.render.graph_export import _MERMAID_PLAIN, mermaid_escape

    for start in range(0x21, 0x110000, 4096):  # every character that `split` leaves alone, in blocks
        chars = [chr(c) for c in range(start, min(start + 4096, 0x110000))
                 if not 0xD800 <= c <= 0xDFFF and not chr(c).isspace()]
        expected = "".join(c if c.isalnum() or c in _MERMAID_PLAIN else f"#{ord(c)};" for c in chars)
        assert mermaid_escape("".join(chars)) == expected
