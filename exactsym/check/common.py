r"""Certificate parsing for the claim modules of the trusted checker. Standard library only.

The exact mathematics the checker shares with the fast path is in
:mod:`exactsym.check.shared` and re-exported here for the claim modules.
"""

from __future__ import annotations

from fractions import Fraction

from ..network.model import Network, NetworkError
from .shared.exact import (  # noqa: F401
    CheckFailure,
    affine_forms,
    det_nonzero_mod_p,
    is_prime,
    jacobian_row,
    jacobian_rows,
    labels_of,
    pre_activations,
    rational,
    residue,
)

__all__ = ["CheckFailure", "rational", "rational_vector", "load_network", "is_prime",
           "pre_activations", "jacobian_row", "jacobian_rows", "det_nonzero_mod_p",
           "residue", "affine_forms", "parse_domain", "in_domain_strict"]


def rational_vector(v, n: int | None, where: str) -> list[Fraction]:
    if not isinstance(v, list):
        raise CheckFailure(f"{where}: not a list")
    if n is not None and len(v) != n:
        raise CheckFailure(f"{where}: has {len(v)} entries, expected {n}")
    return [rational(x, f"{where}[{i}]") for i, x in enumerate(v)]


def integer(v, where: str, lo: int | None = None, hi: int | None = None) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise CheckFailure(f"{where}: not an integer")
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise CheckFailure(f"{where}: {v} out of range")
    return v


def load_network(cert: dict) -> Network:
    """The certificate's network, after checking its SHA-256."""
    try:
        net = Network.from_dict(cert.get("network"))
    except NetworkError as e:
        raise CheckFailure(f"network: {e}") from None
    if cert.get("network_sha256") != net.sha256():
        raise CheckFailure("network_sha256 does not match the network")
    return net


def parse_domain(dom, n0: int):
    """``"R^n"`` (returns None) or ``{"box": [lo, hi]}`` (returns ``(lo, hi)``, the cube [lo,hi]^n0)."""
    if dom == "R^n" or dom == f"R^{n0}":
        return None
    if isinstance(dom, dict) and set(dom) == {"box"}:
        b = dom["box"]
        if not isinstance(b, list) or len(b) != 2:
            raise CheckFailure("domain box must be [lo, hi]")
        lo, hi = rational(b[0], "domain.box[0]"), rational(b[1], "domain.box[1]")
        if not lo < hi:
            raise CheckFailure("domain box is empty")
        return (lo, hi)
    raise CheckFailure(f"unknown domain {dom!r}")


def in_domain_strict(x, box) -> bool:
    return box is None or all(box[0] < v < box[1] for v in x)
