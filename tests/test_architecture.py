"""The package's shape: no import cycles, and the pricing engine knows nothing of the layers above it."""

from __future__ import annotations

import grimp
import networkx as nx
import pytest

GRAPH = grimp.build_graph("estimator", include_external_packages=False)


def _imports() -> nx.DiGraph:
    """Module -> module it imports (every import, at the top or inside a function)."""
    g = nx.DiGraph()
    for module in GRAPH.modules:
        g.add_node(module)
        for imported in GRAPH.find_modules_directly_imported_by(module):
            g.add_edge(module, imported)
    return g


def test_no_import_cycles():
    cycles = [sorted(group) for group in nx.strongly_connected_components(_imports()) if len(group) > 1]
    assert cycles == []


@pytest.mark.parametrize("lower, higher", [
    ("estimator.pricing", "estimator.words"), ("estimator.pricing", "estimator.quote"),
    ("estimator.pricing", "estimator.batch"), ("estimator.pricing", "estimator.frontdesk"),
    ("estimator.pricing", "estimator.cli"), ("estimator.inputs", "estimator.pricing"),
    ("estimator.reference", "estimator.pricing"), ("estimator.common", "estimator.inputs"),
    ("estimator.pricing", "estimator.cluster"), ("estimator.batch", "estimator.cluster"),
])
def test_a_lower_layer_never_imports_a_higher_one(lower, higher):
    """Data flows down the pipeline once: no stage reaches back up (e.g. pricing -> words)."""
    assert not GRAPH.chain_exists(importer=lower, imported=higher, as_packages=True)


def test_the_engine_knows_nothing_of_streamlit():
    graph = grimp.build_graph("estimator", include_external_packages=True)
    assert "streamlit" not in graph.modules or not graph.chain_exists(
        importer="estimator.pricing", imported="streamlit", as_packages=True)
