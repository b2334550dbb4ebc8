r"""Certificate parsing for the claim modules of the trusted checker. Standard library only.

Everything a certificate says is read strictly here, so that each number has
exactly one spelling and nothing the checker does not read can ride along:

* :func:`strict_loads`: JSON with duplicate keys and ``NaN``/``Infinity`` rejected;
* :func:`rational` (canonical ``"p/q"``/``"p"`` strings only), :func:`integer`
  (JSON integers only, not ``true``, not ``1.0``), :func:`keys` (an object has
  exactly the allowed keys);
* :func:`strict_network`: an ``exactsym-net/1`` object whose entries are all
  canonical (what :meth:`Network.to_dict` writes), then the network parser;
* :func:`parse_domain`: ``"R^n"`` or ``{"box": [lo, hi]}``.

The exact mathematics the checker shares with the fast path is in
:mod:`exactsym.check.shared` and re-exported here for the claim modules.
"""

from __future__ import annotations

import json
from fractions import Fraction

from ..network.model import FORMAT as NET_FORMAT
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

__all__ = ["CheckFailure", "rational", "rational_vector", "integer", "keys", "strict_loads",
           "strict_network", "load_network", "is_prime", "pre_activations", "jacobian_row",
           "jacobian_rows", "det_nonzero_mod_p", "residue", "affine_forms", "parse_domain",
           "domain_words", "in_domain_strict"]


def _no_duplicates(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise ValueError(f"duplicate key {k!r} in a JSON object")
        obj[k] = v
    return obj


def _no_constant(name):
    raise ValueError(f"{name} is not a JSON number a certificate may carry")


def strict_loads(text):
    """``json.loads`` that rejects duplicate keys (instead of keeping the last) and
    ``NaN``/``Infinity``; raises ``ValueError`` (``JSONDecodeError`` is one)."""
    return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)


def keys(obj, where: str, required=(), optional=()) -> dict:
    """Check that ``obj`` is an object with every required key and no other key than
    the required and optional ones; returns ``obj``."""
    if not isinstance(obj, dict):
        raise CheckFailure(f"{where} is missing or not an object")
    missing = [k for k in required if k not in obj]
    if missing:
        raise CheckFailure(f"{where}: missing key {missing[0]!r}")
    allowed = set(required) | set(optional)
    extra = sorted(str(k) for k in obj if k not in allowed)
    if extra:
        raise CheckFailure(f"{where}: unknown key {extra[0]!r}")
    return obj


#: optional progress callback ``f(line)`` for long checks, set by the command line (never by a certificate)
PROGRESS = None


def progress(step: int, total: int, what: str, every: int = 256) -> None:
    """Report ``what: step/total`` through :data:`PROGRESS` every ``every`` steps (and at the end)."""
    if PROGRESS is not None and total > every and (step % every == 0 or step == total):
        PROGRESS(f"{what}: {step}/{total}")


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


def strict_network(obj, where: str = "network") -> Network:
    """Parse a network object of a certificate strictly (module docstring).

    Before the network parser (which accepts decimals, floats and other
    spellings from user files) sees it, every key and entry is checked:
    exactly ``format``, ``architecture``, ``layers``; widths are JSON
    integers; each layer is exactly ``{"W", "b"}``; every entry is a
    canonical rational string. A certificate's network then *is* its
    canonical serialisation, which its SHA-256 names.
    """
    keys(obj, where, required=("format", "architecture", "layers"))
    if obj["format"] != NET_FORMAT:
        raise CheckFailure(f"{where}: format is {obj['format']!r}, expected {NET_FORMAT!r}")
    arch, layers = obj["architecture"], obj["layers"]
    if not isinstance(arch, list) or not isinstance(layers, list):
        raise CheckFailure(f"{where}: architecture and layers must be lists")
    for i, n in enumerate(arch):
        integer(n, f"{where}.architecture[{i}]", lo=1)
    for l, layer in enumerate(layers, start=1):
        w = f"{where}.layers[{l - 1}]"
        keys(layer, w, required=("W", "b"))
        W, b = layer["W"], layer["b"]
        if not isinstance(W, list) or not isinstance(b, list) or not all(isinstance(r, list) for r in W):
            raise CheckFailure(f"{w}: W must be a list of rows and b a list")
        for i, row in enumerate(W):
            for j, v in enumerate(row):
                rational(v, f"{w}.W[{i}][{j}]")
        for i, v in enumerate(b):
            rational(v, f"{w}.b[{i}]")
    try:
        return Network.from_dict(obj)
    except NetworkError as e:
        raise CheckFailure(f"{where}: {e}") from None


def load_network(cert: dict) -> Network:
    """The certificate's network (parsed strictly), after checking its SHA-256."""
    net = strict_network(cert.get("network"))
    sha = cert.get("network_sha256")
    if not isinstance(sha, str) or sha != net.sha256():
        raise CheckFailure("network_sha256 does not match the network")
    return net


def parse_domain(dom, n0: int):
    """``"R^n"`` (returns None) or exactly ``{"box": [lo, hi]}`` with canonical
    rationals ``lo < hi`` (returns ``(lo, hi)``, the cube [lo,hi]^n0). One spelling
    each: ``"R^2"`` is not accepted for ``"R^n"`` (the bound prime of ``fdim>=r``
    hashes the domain as written)."""
    if dom == "R^n":
        return None
    if isinstance(dom, dict) and set(dom) == {"box"}:
        b = dom["box"]
        if not isinstance(b, list) or len(b) != 2:
            raise CheckFailure("domain box must be [lo, hi]")
        lo, hi = rational(b[0], "domain.box[0]"), rational(b[1], "domain.box[1]")
        if not lo < hi:
            raise CheckFailure("domain box is empty")
        return (lo, hi)
    if dom is None:
        raise CheckFailure("domain is missing")
    raise CheckFailure(f"unknown domain {str(dom)[:60]!r}")


def domain_words(box, n0: int) -> str:
    """The domain as the checker prints it: ``R^n0`` or ``[lo,hi]^n0``."""
    if box is None:
        return f"R^{n0}"
    return f"[{_fmt(box[0])},{_fmt(box[1])}]^{n0}"


def _fmt(q: Fraction) -> str:
    return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"


def in_domain_strict(x, box) -> bool:
    return box is None or all(box[0] < v < box[1] for v in x)
