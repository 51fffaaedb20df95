from __future__ import annotations

import pytest

from factories import make_step, make_workflow, review_all
from wfc.analysis.graph import GraphError, build_graph


def diamond():
    return make_workflow([
        make_step("fetch", estimate=10, outputs=["raw"]),
        make_step("left", estimate=5, inputs=["raw"]),
        make_step("right", estimate=7, needs=["fetch"]),
        make_step("join", estimate=1, needs=["left", "right"]),
    ])


def test_edges_come_from_needs_and_from_producers_of_inputs() -> None:
    graph = build_graph(diamond())
    assert graph.dependencies_of("left") == ("fetch",)
    assert graph.dependencies_of("right") == ("fetch",)
    assert graph.dependencies_of("join") == ("left", "right")
    assert graph.dependents_of("fetch") == ("left", "right")
    assert graph.dependents_of("join") == ()


def test_a_need_and_an_input_on_the_same_step_make_one_edge() -> None:
    graph = build_graph(make_workflow([
        make_step("a", estimate=1, outputs=["x"]),
        make_step("b", estimate=1, needs=["a"], inputs=["x"]),
    ]))
    assert graph.dependencies_of("b") == ("a",)
    assert graph.dependents_of("a") == ("b",)


def test_levels_are_topological_generations_sorted_by_id() -> None:
    graph = build_graph(diamond())
    assert graph.levels() == (("fetch",), ("left", "right"), ("join",))
    assert graph.level_of("join") == 2
    assert graph.topological_order() == ("fetch", "left", "right", "join")


def test_a_step_sits_one_level_below_its_deepest_dependency() -> None:
    graph = build_graph(make_workflow([
        make_step("a", estimate=1),
        make_step("b", estimate=1, needs=["a"]),
        make_step("c", estimate=1, needs=["a", "b"]),
    ]))
    assert graph.levels() == (("a",), ("b",), ("c",))


def test_ancestors_descendants_sources_sinks() -> None:
    graph = build_graph(review_all())
    assert graph.ancestors_of("report") == {"analyze", "quality", "best-practices", "architecture",
                                            "performance", "security"}
    assert graph.ancestors_of("analyze") == set()
    assert graph.descendants_of("quality") == {"report"}
    assert graph.sources() == ("analyze",)
    assert graph.sinks() == ("report",)


def test_context_relations() -> None:
    graph = build_graph(review_all())
    assert graph.producer_of("codebase") == "analyze"
    assert graph.consumers_of("codebase") == ("architecture", "best-practices", "performance",
                                              "quality", "security")
    assert graph.consumers_of("nothing") == ()
    assert graph.is_produced("codebase") and not graph.is_produced("nothing")


def test_a_cycle_is_an_internal_error_naming_it() -> None:
    graph = build_graph(make_workflow([
        make_step("a", estimate=1, needs=["c"]),
        make_step("b", estimate=1, needs=["a"]),
        make_step("c", estimate=1, needs=["b"]),
    ]))
    with pytest.raises(GraphError, match=r"internal error: dependency cycle (\w -> ){3}\w reached"):
        graph.levels()


def test_unknown_references_are_internal_errors() -> None:
    with pytest.raises(GraphError, match="step 'a' needs 'ghost', which is not a step"):
        build_graph(make_workflow([make_step("a", estimate=1, needs=["ghost"])]))
    with pytest.raises(GraphError, match="step 'a' reads 'ghost', which no step produces"):
        build_graph(make_workflow([make_step("a", estimate=1, inputs=["ghost"])]))
    with pytest.raises(GraphError, match="'x' has two producers, 'a' and 'b'"):
        build_graph(make_workflow([make_step("a", estimate=1, outputs=["x"]),
                                   make_step("b", estimate=1, outputs=["x"])]))
