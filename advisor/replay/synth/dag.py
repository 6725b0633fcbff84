"""Dependency tables as layered DAGs (job_blocked_by over job), drawn with networkx."""

from __future__ import annotations

import random
from dataclasses import replace

import networkx as nx

from advisor.catalog.profile import Distribution


def build_dag(nodes: int, fan_in: Distribution, depth: int, max_fan_out: int | None,
              rng: random.Random) -> nx.DiGraph:
    """A layered DAG over nodes ``0..nodes-1``; an edge ``u -> v`` means v depends on u.

    The nodes are split, in order, into ``depth`` layers; the first layer has no
    incoming edges and every other node draws its fan-in from ``fan_in``
    (its mean raised so that the mean over all nodes holds). Each node's first
    blocker is in the layer just before it, so the longest chain is ``depth``
    nodes; further blockers mostly come from that layer too, else from any
    earlier one. Picks lean towards the start of a layer, which makes a few
    hubs with large fan-out, up to ``max_fan_out``. Edges always run from a
    lower to a higher node, so the graph is acyclic by construction.
    """
    graph: nx.DiGraph[int] = nx.DiGraph()
    graph.add_nodes_from(range(nodes))
    layers = max(1, min(depth, nodes))
    starts = [layer * nodes // layers for layer in range(layers + 1)]
    rest = nodes - starts[1]
    if rest <= 0:
        return graph
    if fan_in.mean is not None and fan_in.total is None:
        fan_in = replace(fan_in, mean=fan_in.mean * nodes / rest)
    wanted = fan_in.allocate(rest, rng, tabulate=True)
    room = [max_fan_out or nodes] * nodes
    draw = rng.random
    edges: list[tuple[int, int]] = []
    for layer in range(1, layers):
        before, first, end = starts[layer - 1], starts[layer], starts[layer + 1]
        span = first - before
        for node in range(first, end):
            want = min(wanted[node - starts[1]], first)
            chosen: list[int] = []
            for _ in range(4 * want + 4):
                if len(chosen) >= want:
                    break
                if not chosen or draw() < 0.7:
                    pick = before + int(span * draw() ** 2)
                else:
                    pick = int(first * draw())
                if room[pick] > 0 and pick not in chosen:
                    chosen.append(pick)
                    room[pick] -= 1
            edges.extend((pick, node) for pick in chosen)
    graph.add_edges_from(edges)
    return graph
