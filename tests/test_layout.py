"""The layout's rules, read off the source: the data flow, no import cycle, the trusted base.

Every ``import`` statement of every module is read with :mod:`ast` (module
level and inside functions alike), so a lazy import cannot hide a cycle or
a forbidden dependency.
"""
import ast
import sys
from pathlib import Path

import networkx as nx

PKG = Path(__file__).resolve().parent.parent / "exactsym"

#: layer of each subpackage; a module may import only from its own layer or lower ones
LAYERS = {"network": 0, "check": 1, "fastcheck": 1, "arrangement": 2, "rank": 3, "verdict": 4,
          "experiments": 5, "plot": 5, "cli": 6}
#: modules of check/ that the fast path may import (the entry point and the shared helpers)
FAST_PATH_MAY_USE = ("exactsym.check", "exactsym.check.shared")


def _modules():
    for path in sorted(PKG.rglob("*.py")):
        parts = path.relative_to(PKG.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def _imports(name, path):
    """Absolute names of the exactsym modules (or packages) imported by module ``name``."""
    is_pkg = path.name == "__init__.py"
    pkg = name.split(".") if is_pkg else name.split(".")[:-1]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("exactsym"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg[:len(pkg) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if not mod.startswith("exactsym"):
                continue
            known = dict(_modules())
            for a in node.names:       # "from .pkg import module" imports the module
                sub = f"{mod}.{a.name}"
                out.add(sub if sub in known or (PKG.parent / sub.replace(".", "/")).with_suffix(".pyx").exists()
                        else mod)
    out.discard(name)
    return out


def _graph():
    G = nx.DiGraph()
    for name, path in _modules():
        G.add_node(name)
        for tgt in _imports(name, path):
            G.add_edge(name, tgt)
    return G


def _layer(mod):
    parts = mod.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def test_no_import_cycle():
    G = _graph()
    # a package's __init__ re-exporting its own modules is not a cycle of the design
    H = nx.DiGraph([(a, b) for a, b in G.edges if not b.startswith(a + ".") and not a.startswith(b + ".")])
    cycles = list(nx.simple_cycles(H))
    assert not cycles, cycles[:3]


def test_data_flows_one_way():
    bad = []
    for a, b in _graph().edges:
        la, lb = _layer(a), _layer(b)
        if la is not None and lb is not None and lb > la:
            bad.append((a, b))
    assert not bad, bad


def test_fast_path_uses_only_the_shared_part_of_the_checker():
    bad = [(a, b) for a, b in _graph().edges
           if not a.startswith("exactsym.check") and b.startswith("exactsym.check")
           and not (b in FAST_PATH_MAY_USE or b.startswith("exactsym.check.shared."))]
    assert not bad, bad


def test_trusted_base_imports_only_the_standard_library_and_the_parser():
    allowed_exactsym = {"exactsym.network.model", "exactsym.network.numbers"}
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    bad = []
    for name, path in _modules():
        if not name.startswith("exactsym.check"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                mods = [node.module]
            else:
                continue
            bad += [(name, m) for m in mods if m.split(".")[0] not in stdlib]
        bad += [(name, m) for m in _imports(name, path)
                if not m.startswith("exactsym.check") and m not in allowed_exactsym]
    assert not bad, bad


def test_the_rules_can_fail():
    """The reader finds a lazy import inside a function, so the rules above can fail."""
    name, path = next((n, p) for n, p in _modules() if n == "exactsym.arrangement.result")
    assert "exactsym.arrangement.graphs" in _imports(name, path)
    assert _layer("exactsym.cli.main") > _layer("exactsym.network.model")
