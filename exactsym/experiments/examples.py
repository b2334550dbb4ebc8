"""Worked examples with certificates: the files under ``proofs/examples/``.

:func:`build` regenerates every network and certificate deterministically;
the test-suite rebuilds them, compares them with the committed files and
re-checks each certificate with the trusted checker.

* ``flip``: the (1,2,1) flip example of SPEC 4.6, its twin, the
  hidden-symmetry certificate and the equivalence certificate;
* ``mechanism-K``: one network for each mechanism 1-7 with its witness;
* ``shallow-generic``: a generic depth-2 network with no hidden symmetries;
* ``deep-*``: two-hidden-layer networks with no hidden symmetries (the
  two-hidden-layer criterion, bundled with local identifiability);
* ``deep4-*``: a depth-4 network that is locally identifiable (no global
  criterion is proven for depth >= 4).
"""

from __future__ import annotations

import json
from pathlib import Path

from ..network.generate import centred_network, random_network
from ..network.model import Network

__all__ = ["NETWORKS", "build"]


def _flip():
    return Network([1, 2, 1], [([[1], [2]], [0, 1]), ([[2, -1]], [0])])


def _flip_twin():
    return Network([1, 2, 1], [([[-1], [-2]], [0, -1]), ([[2, -1]], [-1])])


NETWORKS = {
    "flip": _flip,
    "mechanism-1": lambda: Network([2, 3, 1], [([[1, 2], [3, -1], [1, 1]], [0, 1, -1]), ([[1, 0, 2]], [0])]),
    "mechanism-2": lambda: Network([1, 2, 2, 1], [([[1], [1]], [0, -1]), ([[1, 1], [-1, -1]], [1, -1]),
                                                  ([[1, 2]], [0])]),
    "mechanism-3": lambda: Network([1, 2, 2, 1], [([[1], [1]], [0, -1]), ([[1, 1], [1, -2]], [1, "1/2"]),
                                                  ([[1, 2]], [0])]),
    "mechanism-4": lambda: Network([2, 2, 1], [([[0, 0], [1, 2]], [3, 1]), ([[2, 1]], [0])]),
    "mechanism-5": lambda: Network([2, 3, 1], [([[1, 2], [2, 4], [1, -1]], [1, 2, 0]), ([[1, 1, 1]], [0])]),
    "mechanism-6": _flip,
    "mechanism-7": lambda: Network([1, 2, 2, 1], [([[1], [1]], [0, -1]), ([[1, 1], [2, 1]], [1, 1]),
                                                  ([[1, 2]], [0])]),
    "shallow-generic": lambda: random_network([2, 4, 1], seed=11),
    "deep-2-6-6-1": lambda: random_network([2, 6, 6, 1], seed=1),
    "deep-3-5-5-1": lambda: random_network([3, 5, 5, 1], seed=1),
    "deep4-2-4-4-4-1": lambda: centred_network([2, 4, 4, 4, 1], seed=0),
}

EXPECTED = {"flip": "hidden-symmetry", "shallow-generic": "no-hidden-symmetries",
            "deep-2-6-6-1": "no-hidden-symmetries", "deep-3-5-5-1": "no-hidden-symmetries",
            "deep4-2-4-4-4-1": "locally-identifiable"}
EXPECTED.update({f"mechanism-{k}": "hidden-symmetry" for k in range(1, 8)})


def _dump(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=None, sort_keys=True) + "\n")


def build(outdir) -> dict:
    """Write every example network and certificate to ``outdir``; returns ``{file: claim}``."""
    from ..verdict.certify import certify
    from ..verdict.equiv import equivalent
    from ..verdict.mechanisms import detect
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, make in NETWORKS.items():
        net = make()
        _dump(out / f"{name}.net.json", net.to_dict())
        if name.startswith("mechanism-"):
            k = int(name.split("-")[1])
            ws = [w for w in detect(net, None, _regions_for(net))[0] if w.mechanism == k]
            if not ws:
                raise RuntimeError(f"{name}: mechanism {k} not found")
            cert = ws[0].certificate
        else:
            res = certify(net, seed=0)
            if res.verdict != EXPECTED[name]:
                raise RuntimeError(f"{name}: verdict {res.verdict}, expected {EXPECTED[name]}")
            cert = res.certificate
        _dump(out / f"{name}.cert.json", cert)
        written[f"{name}.cert.json"] = EXPECTED[name]
    twin = _flip_twin()
    _dump(out / "flip-twin.net.json", twin.to_dict())
    e = equivalent(_flip(), twin)
    _dump(out / "flip-equivalent.cert.json", e.certificate)
    written["flip-equivalent.cert.json"] = "equivalent"
    return written


def _regions_for(net):
    if net.depth < 3:
        return None
    from ..arrangement import regions
    from ..verdict.certify import _RegionFacts
    res = regions(net, progress=False)
    return _RegionFacts(res) if res.complete else None
