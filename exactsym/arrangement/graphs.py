r"""networkx graphs of a region enumeration, and their GraphML / JSON export.

* **Dual graph**: one node per activation region (attributes ``pattern`` as a
  ``+``/``-`` string, ``point``), one edge per facet, labelled by the flipped
  neuron (``neuron`` flat hidden index, ``layer``, ``unit``, ``point`` the exact
  facet witness). Facets on the box boundary lead nowhere and are not edges.
* **Neuron graph**: one node per hidden neuron with

  - ``empty``: no region has a facet on its bent hyperplane
    :math:`\{z_{l,j} = 0\}` (within the domain, in codimension 1);
  - ``pieces``: the number of facets on it; ``components``: the number of
    connected components, ``connected`` when exactly one. Two facets of
    neuron h are adjacent when they continue each other across another
    neuron k's bent hyperplane, i.e. when the dual graph has the square
    :math:`R \overset{h}{-} R^h,\ R \overset{k}{-} R^k,\ R^h \overset{k}{-} R^{hk},\ R^k \overset{h}{-} R^{hk}`
    (around a generic codimension-2 crossing of the two bent hyperplanes
    the four regions meet; Rolnick & Kording 2020, Phuong & Lampert 2020);
  - ``bends_along``: the neurons k of earlier layers across which the form of
    :math:`z_h` changes in such a square (the bent hyperplane bends there);
  - ``meets``: every neuron k that appears in such a square with h;

  and one edge ``{h, k}`` per met pair (``bend`` true when h bends along k
  or k along h).

The topological summaries (``connected``, ``meets``) are read off the
certified dual graph; they describe codimension-1 pieces joined through
generic crossings and are reported, not certified.
"""

from __future__ import annotations

import json

import networkx as nx

from ..network.numbers import fmt

__all__ = ["dual_graph", "neuron_graph", "to_graphml", "to_json", "write_graphs"]


def _neuron_names(net):
    return [(l, j) for l in range(1, net.depth) for j in range(net.architecture[l])]


def dual_graph(result) -> nx.Graph:
    net = result.net
    names = _neuron_names(net)
    G = nx.Graph(n0=net.n0, H=net.H, complete=bool(result.complete))
    for reg in result.regions:
        G.add_node(reg.index, pattern="".join("+" if v > 0 else "-" if v < 0 else "0" for v in reg.pattern),
                   point=[fmt(v) for v in reg.point])
    for (r, h), e in result.facets.items():
        if e[0] == "facet" and r < e[1]:
            l, j = names[h]
            pt = {} if e[2] is None else {"point": [fmt(v) for v in e[2]]}   # lean results keep no point
            G.add_edge(r, e[1], neuron=h, layer=l, unit=j, **pt)
    return G


def neuron_graph(result) -> nx.Graph:
    from .forms import IntegerForms
    net = result.net
    names = _neuron_names(net)
    H = net.H
    adj = {}
    for (r, h), e in result.facets.items():
        if e[0] == "facet":
            adj.setdefault(r, {})[h] = e[1]
    forms_cache = {}
    F = IntegerForms(net) if H else None

    def form(r, h):
        if r not in forms_cache:
            forms_cache[r] = F.forms(result.regions[r].pattern)
        return forms_cache[r][h]

    N = nx.Graph(n0=net.n0, H=H)
    pieces = {h: [] for h in range(H)}
    for r, nb in adj.items():
        for h, k in nb.items():
            if r < k:
                pieces[h].append((r, k))
    meets = {h: set() for h in range(H)}
    bends = {h: set() for h in range(H)}
    comps = {}
    for h in range(H):
        idx = {p: i for i, p in enumerate(pieces[h])}
        parent = list(range(len(idx)))

        def find(i):
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i
        for (r1, r2), i in idx.items():
            for k, r3 in adj.get(r1, {}).items():
                if k == h:
                    continue
                r4 = adj.get(r2, {}).get(k)
                if r4 is None or adj.get(r3, {}).get(h) != r4:
                    continue
                meets[h].add(k)
                if names[k][0] < names[h][0] and form(r1, h) != form(r3, h):
                    bends[h].add(k)
                j = idx.get((min(r3, r4), max(r3, r4)))
                if j is not None:
                    a, b = find(i), find(j)
                    if a != b:
                        parent[a] = b
        comps[h] = len({find(i) for i in range(len(idx))})
    for h in range(H):
        l, j = names[h]
        N.add_node(h, layer=l, unit=j, empty=not pieces[h], pieces=len(pieces[h]), components=comps[h],
                   connected=comps[h] == 1, bends_along=sorted(bends[h]), meets=sorted(meets[h]))
    for h in range(H):
        for k in meets[h]:
            if h < k:
                N.add_edge(h, k, bend=(k in bends[h]) or (h in bends[k]))
    return N


def _flatten(G: nx.Graph) -> nx.Graph:
    """Copy with list attributes as JSON strings (GraphML stores scalars only)."""
    H = G.copy()
    for _, d in list(H.nodes(data=True)) + [(None, d) for *_, d in H.edges(data=True)]:
        for k, v in list(d.items()):
            if isinstance(v, (list, tuple, dict)):
                d[k] = json.dumps(v)
    for k, v in list(H.graph.items()):
        if isinstance(v, (list, tuple, dict)):
            H.graph[k] = json.dumps(v)
    return H


def to_graphml(G: nx.Graph, path) -> None:
    nx.write_graphml(_flatten(G), str(path))


def to_json(G: nx.Graph) -> dict:
    return nx.node_link_data(G, edges="edges") if _has_edges_kw() else nx.node_link_data(G)


def _has_edges_kw() -> bool:
    import inspect
    try:
        return "edges" in inspect.signature(nx.node_link_data).parameters
    except (TypeError, ValueError):
        return False


def write_graphs(result, path) -> list[str]:
    """Write both graphs. ``*.json``: one object ``{"dual": ..., "neurons": ...}`` (node-link);
    otherwise GraphML: the dual graph at ``path`` and the neuron graph next to it
    (``NAME.neurons.graphml``). Returns the paths written."""
    path = str(path)
    if path.endswith(".json"):
        from ..network.io import write_json_atomic
        write_json_atomic(path, {"format": "exactsym-graphs/1", "dual": to_json(result.dual_graph),
                                 "neurons": to_json(result.neuron_graph)}, indent=None)
        return [path]
    stem = path[:-len(".graphml")] if path.endswith(".graphml") else path
    other = stem + ".neurons.graphml"
    to_graphml(result.dual_graph, path)
    to_graphml(result.neuron_graph, other)
    return [path, other]
