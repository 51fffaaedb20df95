"""Mermaid and dot exports: exact text for a small DAG, escaping that hostile titles cannot break,
Graphviz accepting every export, and `wfc graph`."""
from __future__ import annotations

import dataclasses
import json
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
from wfc.render.drawn_graph import drawn_graph
from wfc.render.graph_export import (GraphShape, dot_escape, edges, mermaid_escape, reduced_edges, render_dot,
                                     render_mermaid)
from wfc.validate import load_workflow

ROOT = Path(__file__).resolve().parent.parent
EXPORTED = sorted((ROOT / "workflows").glob("*.yaml")) + sorted(
    (ROOT / "tests" / "golden" / "workflows").glob("*.yaml")
)
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
    """Three levels, two wide: narrower as columns, so left to right, labels wrapped at mermaid's
    widest default since the chart is far from the width budget."""
    assert render_mermaid(diamond()) == """\
---
config:
  flowchart:
    nodeSpacing: 12
    rankSpacing: 20
    padding: 6
    wrappingWidth: 200
---
flowchart LR
    classDef critical fill:#fff4e6,stroke:#d9480f,stroke-width:3px
    n0["a (1m)<br>Run a"]
    n1["b (3m)<br>Run b"]
    n2["c (2m)<br>Run c"]
    n3["d (1m)<br>Merge #34;all#34; #60;results#62;"]
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
    graph [rankdir=LR, newrank=true, labelloc=t, fontname="Helvetica", label="The demo workflow"];
    node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica"];
    edge [color="#868e96"];
    subgraph cluster_L0 {
        label="Level 1: 1 step"; rank=same; style=dashed; color="#adb5bd";
        n0 [label="a (1m)\\nRun a", color="#d9480f", fillcolor="#fff4e6", penwidth=3];
    }
    subgraph cluster_L1 {
        label="Level 2: 2 steps"; rank=same; style=dashed; color="#adb5bd";
        n1 [label="b (3m)\\nRun b", color="#d9480f", fillcolor="#fff4e6", penwidth=3];
        n2 [label="c (2m)\\nRun c"];
    }
    subgraph cluster_L2 {
        label="Level 3: 1 step"; rank=same; style=dashed; color="#adb5bd";
        n3 [label="d (1m)\\nMerge \\"all\\" <results>", color="#d9480f", fillcolor="#fff4e6", penwidth=3];
    }
    n0 -> n1 [color="#d9480f", penwidth=3];
    n0 -> n2;
    n1 -> n3 [color="#d9480f", penwidth=3];
    n2 -> n3;
}
"""


def chain_with_shortcuts() -> Plan:
    """a -> b -> c -> d, plus the shortcuts a -> c, a -> d and b -> d, and e beside it all."""
    return analyze(make_workflow([
        make_step("a", estimate=MINUTE),
        make_step("b", estimate=MINUTE, needs=["a"]),
        make_step("c", estimate=MINUTE, needs=["a", "b"]),
        make_step("d", estimate=MINUTE, needs=["a", "b", "c"]),
        make_step("e", estimate=MINUTE, needs=["a"]),
    ]))


def test_redundant_edges_are_left_out() -> None:
    plan = chain_with_shortcuts()
    assert edges(plan) == (("a", "b"), ("a", "e"), ("a", "c"), ("b", "c"), ("a", "d"), ("b", "d"), ("c", "d"))
    assert reduced_edges(plan) == (("a", "b"), ("a", "e"), ("b", "c"), ("c", "d"))
    text = render_mermaid(plan)
    assert re.findall(r"n\d --> n\d", text) == ["n0 --> n1", "n0 --> n2", "n1 --> n3", "n3 --> n4"]
    assert "    linkStyle 0,2,3 stroke:#d9480f,stroke-width:3px\n" in text
    assert re.findall(r"n\d -> n\d", render_dot(plan)) == ["n0 -> n1", "n0 -> n2", "n1 -> n3", "n3 -> n4"]


def test_a_critical_edge_is_drawn_even_when_a_chain_implies_it() -> None:
    """With steps that take no time a shortcut can be the critical path; it stays drawn whole."""
    plan = analyze(make_workflow([
        make_step("a", estimate=MINUTE),
        make_step("b", estimate=0.0, needs=["a"]),
        make_step("c", estimate=MINUTE, needs=["a", "b"]),
    ]))
    path = plan.critical_path
    assert set(zip(path, path[1:])) <= set(reduced_edges(plan))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.booleans(), min_size=8, max_size=8), min_size=8, max_size=8))
def test_the_reduction_keeps_reachability_and_drops_every_implied_edge(matrix: List[List[bool]]) -> None:
    """On random DAGs: the same steps reach each other, and no kept edge is implied by the others
    (unless it is on the critical path)."""
    steps = [make_step(f"s{i}", estimate=MINUTE, needs=[f"s{j}" for j in range(i) if matrix[i][j]]) for i in range(8)]
    plan = analyze(make_workflow(steps))
    kept = reduced_edges(plan)
    assert closure(kept) == closure(edges(plan))
    on_path = set(zip(plan.critical_path, plan.critical_path[1:]))
    for edge in kept:
        if edge not in on_path:
            assert edge[1] not in closure([other for other in kept if other != edge]).get(edge[0], set())


def closure(pairs: object) -> dict:
    reach: dict = {}
    for source, target in pairs:  # type: ignore[attr-defined]
        reach.setdefault(source, set()).add(target)
    changed = True
    while changed:
        changed = False
        for targets in reach.values():
            more = set().union(*(reach.get(target, set()) for target in targets)) - targets
            if more:
                targets |= more
                changed = True
    return reach


def test_direction_and_wrap_follow_the_shape() -> None:
    """A long chain reads top down, a wide fan left to right; labels wrap narrower as the chart
    grows, never below the minimum."""
    chain = analyze(make_workflow([make_step("s0", estimate=MINUTE)] + [
        make_step(f"s{i}", estimate=MINUTE, needs=[f"s{i - 1}"]) for i in range(1, 12)]))
    fan = analyze(make_workflow([make_step("root", estimate=MINUTE)] + [
        make_step(f"leaf{i}", estimate=MINUTE, needs=["root"]) for i in range(30)]))
    assert (GraphShape(chain).left_to_right, GraphShape(chain).wrap) == (False, 200)
    assert (GraphShape(fan).left_to_right, GraphShape(fan).wrap) == (True, 200)
    assert render_mermaid(chain).splitlines()[8] == "flowchart TD"
    wide = analyze(make_workflow([make_step("root", estimate=MINUTE)] + [
        make_step(f"mid{i}", estimate=MINUTE, needs=["root"]) for i in range(12)] + [
        make_step(f"s{i}", estimate=MINUTE, needs=[f"s{i - 1}" if i else "mid0"]) for i in range(25)]))
    assert (GraphShape(wide).left_to_right, GraphShape(wide).wrap) == (False, 90)


def test_groups_are_boxes_only_when_they_are_bands_of_levels() -> None:
    banded = analyze(make_workflow([
        make_step("a", estimate=MINUTE, group="First"),
        make_step("b", estimate=MINUTE, needs=["a"], group="Then"),
        make_step("c", estimate=MINUTE, needs=["a"], group="Then"),
        make_step("d", estimate=MINUTE, needs=["b", "c"], group="Last #1"),
    ]))
    text = render_mermaid(banded)
    assert """    subgraph G0["First"]
        n0["a (1m)<br>Run a"]
    end
    subgraph G1["Then"]
        n1["b (1m)<br>Run b"]
        n2["c (1m)<br>Run c"]
    end
    subgraph G2["Last #35;1"]
        n3["d (1m)<br>Run d"]
    end
""" in text
    assert "    subgraphTitleMargin:\n      top: 0\n      bottom: 24\n" in text.replace("subGraph", "subgraph")
    steps = list(banded.workflow.steps)
    overlapping = dataclasses.replace(banded.workflow, steps=tuple(
        dataclasses.replace(step, group="First") if step.id == "b" else step for step in steps))
    ungrouped = dataclasses.replace(banded.workflow, steps=tuple(
        dataclasses.replace(step, group=None) if step.id == "d" else step for step in steps))
    for workflow in (overlapping, ungrouped):
        assert "subgraph" not in render_mermaid(analyze(workflow))


def test_escapes() -> None:
    assert mermaid_escape('a "b" `c`\n#d;<e>&') == "a #34;b#34; #96;c#96; #35;d#59;#60;e#62;#38;"
    assert dot_escape('a "b"\\l\nc\x07') == 'a \\"b\\"\\\\l c'


def test_long_titles_are_cut_in_labels() -> None:
    plan = analyze(make_workflow([make_step("a", estimate=MINUTE, title="x" * 100)]))
    assert f'n0["a (1m)<br>{"x" * 49}#8230;"]' in render_mermaid(plan)
    assert f'n0 [label="a (1m)\\n{"x" * 28}\\n{"x" * 21}…"' in render_dot(plan)


def with_titles(plan: Plan, titles: List[str]) -> Plan:
    workflow = plan.workflow
    steps = tuple(
        dataclasses.replace(step, title=titles[index % len(titles)]) for index, step in enumerate(workflow.steps)
    )
    return analyze(dataclasses.replace(workflow, steps=steps, title=titles[-1], name=titles[0]))


_MERMAID_LINE = re.compile(r'^(---|config:|  flowchart:|    [a-zA-Z]+: \d+|flowchart (TD|LR)|    classDef critical .*|'
                           r'    n\d+\["[^"<>`\n]*<br>[^"<>`\n]*"\]|    n\d+ --> n\d+|    linkStyle [\d,]+ .*|'
                           r"    class [n\d,]+ critical)$")


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
        done = subprocess.run(
            command, capture_output=True, text=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        )
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
    graph = drawn_graph(plan)  # a fan-out is one node
    assert svg.count('class="node"') == len(graph.nodes)
    assert svg.count('class="edge"') == len(graph.edges)
    assert svg.count('class="cluster"') == len(plan.levels)


@pytest.mark.parametrize("path", EXPORTED, ids=lambda p: p.stem)
def test_graphviz_puts_each_level_on_one_rank(dot_program: str, path: Path) -> None:
    """Where dot really placed the nodes (`-Tjson`): every level on one rank, the ranks in level
    order, so no edge is drawn flat between two nodes of one rank."""
    plan = analyze(load_workflow(path))
    done = subprocess.run([dot_program, "-Tjson"], input=render_dot(plan).encode("utf-8"), capture_output=True)
    assert done.returncode == 0 and not done.stderr, done.stderr.decode("utf-8", "replace")
    placed = {item["name"]: [float(value) for value in item["pos"].split(",")]
              for item in json.loads(done.stdout)["objects"] if "pos" in item}
    shape = GraphShape(plan)
    axis, ahead = (0, 1.0) if shape.left_to_right else (1, -1.0)  # dot's y grows upwards
    ranks = [{placed[shape.ids[key]][axis] for key in level} for level in shape.graph.levels]
    assert all(len(rank) == 1 for rank in ranks), ranks
    order = [ahead * next(iter(rank)) for rank in ranks]
    assert order == sorted(order) and len(set(order)) == len(order)
    assert all(placed[shape.ids[a]][axis] != placed[shape.ids[b]][axis] for a, b in shape.graph.edges)


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
    assert (
        f"cannot write {missing.as_posix()}: the directory {missing.parent.as_posix()} does not exist" in result.stderr
    )
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


# -- fan-outs ----------------------------------------------------------------------------------

FAN_OUT = """\
version: 1
title: Fan
description: Twelve reviews and a review per module found, between a listing and a merge.
context:
  modules: {description: The modules}
steps:
  list: {title: List the modules, prompt: List them., outputs: [modules], estimate: 1m}
  review:
    title: Review {{ item }}
    for_each: [m00, m01, m02, m03, m04, m05, m06, m07, m08, m09, m10, m11]
    needs: [list]
    prompt: Review {{ item }}.
    estimate: 5m
  deep:
    title: Deep review of {{ item }}
    for_each: context.modules
    estimate_items: 4
    prompt: Review {{ item }} deeply.
    estimate: 3m
  merge: {title: Merge, prompt: Merge., needs: [review, deep], estimate: 1m}
  side: {title: Side, prompt: Side., estimate: 1m}
"""


def fan_out_plan(tmp_path: Path) -> Plan:
    source = tmp_path / "fan.yaml"
    source.write_text(FAN_OUT, encoding="utf-8")
    return analyze(load_workflow(source))


def test_a_fan_out_is_drawn_once_marked_with_its_count_and_critical_through_any_instance(tmp_path: Path) -> None:
    plan = fan_out_plan(tmp_path)
    assert len(plan.order) == 16 and plan.critical_path == ("list", "review[m00]", "merge")  # one instance
    graph = drawn_graph(plan)
    assert [(node.key, node.count, node.estimated) for node in graph.nodes] == [
        ("list", None, None), ("side", None, None), ("review", 12, None), ("deep", None, 4), ("merge", None, None)]
    assert graph.edges == (("list", "review"), ("list", "deep"), ("review", "merge"), ("deep", "merge"))
    assert graph.critical_path == ("list", "review", "merge")
    assert render_mermaid(plan).split("flowchart LR\n")[1] == """\
    classDef critical fill:#fff4e6,stroke:#d9480f,stroke-width:3px
    n0["list (1m)<br>List the modules"]
    n1["side (1m)<br>Side"]
    n2["review #215;12 (5m each)<br>Review #123;#123; item #125;#125;"]
    n3["deep #215;#126;4 (3m)<br>Deep review of #123;#123; item #125;#125;"]
    n4["merge (1m)<br>Merge"]
    n0 --> n2
    n0 --> n3
    n2 --> n4
    n3 --> n4
    linkStyle 0,2 stroke:#d9480f,stroke-width:3px
    class n0,n2,n4 critical
"""
    dot = render_dot(plan)
    assert '        n2 [label="review ×12 (5m each)\\nReview {{ item }}", color="#d9480f", fillcolor="#fff4e6", ' \
        'penwidth=3];' in dot.splitlines()
    assert '        n3 [label="deep ×~4 (3m)\\nDeep review of {{ item }}"];' in dot.splitlines()
    assert [line.strip() for line in dot.splitlines() if "->" in line] == [
        'n0 -> n2 [color="#d9480f", penwidth=3];', "n0 -> n3;", 'n2 -> n4 [color="#d9480f", penwidth=3];', "n3 -> n4;"]
    assert 'label="Level 2: 2 steps"' in dot


def test_the_html_graph_draws_a_fan_out_once_too(tmp_path: Path) -> None:
    from wfc.report import build_report
    from wfc.report.svg import dag_svg

    (report,) = build_report([fan_out_plan(tmp_path)]).workflows
    svg = dag_svg(report)
    assert re.findall(r'<g class="([^"]+)" data-node="([^"]+)"', svg) == [
        ("node crit", "list"), ("node", "side"), ("node crit", "review"), ("node", "deep"), ("node crit", "merge")]
    assert sorted(re.findall(r'<path class="(edge(?: crit)?)" data-edge="([^"]+)"', svg)) == [
        ("edge", "deep merge"), ("edge", "list deep"), ("edge crit", "list review"), ("edge crit", "review merge")]
    assert "<title>review ×12: Review {{ item }} (5m each)</title>" in svg
