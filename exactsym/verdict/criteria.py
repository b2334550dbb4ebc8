r"""Proven criteria for "no hidden symmetries", decided exactly.

The shallow criterion (depth 2 on R^n0): conditions (i)-(iv) of
``proofs/shallow-criterion.md``; the proof there shows that together they
imply that theta has no hidden symmetries.
"""

from __future__ import annotations

import time
from fractions import Fraction
from itertools import product

from ..check.shared.flips import SEARCH_LIMIT, flip_matrices, rref_kernel
from ..network.model import Network


class Deadline(Exception):
    """The wall-clock budget ran out during the exponential search of (iv)."""


def zero_one_search(vectors, limit_free: int = SEARCH_LIMIT, deadline: float | None = None,
                    first_only: bool = True):
    """A nonempty S with ``sum_{j in S} vectors[j] = 0``, or None; exact, with a wall-clock deadline.

    Same enumeration as :func:`exactsym.check.shared.flips.zero_one_kernel_vectors`
    (a 0/1 kernel vector is the combination of the kernel basis with its own
    values on the free coordinates), checking ``time.monotonic()`` against
    ``deadline`` every 1024 candidates (raises :class:`Deadline`). With
    ``first_only=False`` returns the list of all such sets instead.
    """
    basis, free = rref_kernel(vectors)
    if len(free) > limit_free:
        raise OverflowError(f"kernel dimension {len(free)} exceeds the search limit {limit_free}")
    n = len(vectors)
    found = []
    for t, bits in enumerate(product((0, 1), repeat=len(free))):
        if deadline is not None and t % 1024 == 0 and time.monotonic() > deadline:
            raise Deadline(f"time limit reached after {t} of {2 ** len(free)} flip sets")
        if not any(bits):
            continue
        v = [sum((bt * bv[i] for bt, bv in zip(bits, basis)), Fraction(0)) for i in range(n)]
        if all(x in (0, 1) for x in v):
            found.append([i for i in range(n) if v[i] == 1])
            if first_only:
                return found[0]
    return None if first_only else found

__all__ = ["shallow_criterion", "zero_one_search", "Deadline"]


def shallow_criterion(net: Network, deadline: float | None = None) -> dict:
    """Conditions (i)-(iv) of the shallow criterion, decided exactly (depth 2 only).

    Returns ``{"i": bool, "ii": bool, "iii": bool, "iv": bool | None, "failing": [...],
    "kernel_dimension": k}``; ``iv`` is None when the kernel of the matrices
    ``c_j w_j^T`` has more than ``SEARCH_LIMIT`` free coordinates or the
    search passes ``deadline`` (an absolute ``time.monotonic()`` value).
    """
    if net.depth != 2:
        raise ValueError("the shallow criterion is for depth d = 2")
    W, b = net.layers[0]
    C = net.layers[1][0]
    n1 = net.architecture[1]
    out = {"failing": []}
    out["i"] = all(any(W[j]) for j in range(n1))
    if not out["i"]:
        out["failing"].append("(i) some hidden neuron has zero incoming weights w_j = 0")
    out["ii"] = all(any(C[i][j] for i in range(len(C))) for j in range(n1))
    if not out["ii"]:
        out["failing"].append("(ii) some hidden neuron has a zero outgoing column c_j = 0")
    rows = [list(W[j]) + [b[j]] for j in range(n1)]
    prop = []
    for j in range(n1):
        for k in range(j + 1, n1):
            rj, rk = rows[j], rows[k]
            if all(rj[a] * rk[c] == rj[c] * rk[a] for a in range(len(rj)) for c in range(a + 1, len(rj))):
                prop.append((j, k))
    out["iii"] = not prop
    if prop:
        out["failing"].append(f"(iii) rows {prop[0][0]} and {prop[0][1]} are proportional")
    vecs = flip_matrices(net, 1)
    _, free = rref_kernel(vecs)
    out["kernel_dimension"] = len(free)
    try:
        S = zero_one_search(vecs, limit_free=SEARCH_LIMIT, deadline=deadline)
        out["iv"] = not S
        if S:
            out["failing"].append(f"(iv) the flip set {S} has sum c_j w_j^T = 0")
    except (OverflowError, Deadline) as e:
        out["iv"] = None
        out["failing"].append(f"(iv) not decided: {e}")
    return out
