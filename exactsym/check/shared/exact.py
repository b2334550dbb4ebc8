r"""Exact helpers shared by the fast path and the trusted checker.

Standard library and the network parser only: residues and primality,
exact pre-activations, the exact parameter Jacobian at a point, and the
affine forms of every neuron on a region.
"""

from __future__ import annotations

import re
from fractions import Fraction
from math import gcd

from ...network.model import Network
from ...network.numbers import parse_entry

__all__ = ["gauss_jordan", "CheckFailure", "rational", "is_prime", "residue", "pre_activations", "labels_of",
           "jacobian_rows", "jacobian_row", "det_nonzero_mod_p", "affine_forms"]


class CheckFailure(Exception):
    """The certificate is not valid; the message says why (one line)."""


#: a canonical rational: ASCII digits, optional '-', no leading zeros, denominator > 1
_CANONICAL = re.compile(r"(-?)(0|[1-9][0-9]*)(?:/([1-9][0-9]*))?")
#: longest numerator or denominator (decimal digits) a certificate may carry
MAX_DIGITS = 4000


def rational(v, where: str) -> Fraction:
    """Parse a certificate rational: only the canonical ASCII strings ``"p/q"`` and ``"p"``.

    Canonical means what :func:`exactsym.network.numbers.fmt` writes: ``p`` has
    no leading zeros and no ``+``, ``-0`` is excluded, ``q > 1`` and
    ``gcd(p, q) = 1``; no spaces, no Unicode digits (which ``int()``
    accepts), no decimals or exponents, no JSON numbers. Each rational then
    has exactly one spelling, so no number in a certificate can be rewritten
    without changing its value. ``Fraction`` objects (never produced by JSON)
    pass unchanged, for the fast path's own calls of the shared transforms.
    """
    if isinstance(v, Fraction):
        return v
    if not isinstance(v, str):
        raise CheckFailure(f"{where}: {_kind(v)} is not a rational string \"p/q\" or \"p\"")
    m = _CANONICAL.fullmatch(v) if len(v) <= 2 * MAX_DIGITS + 2 else None
    if m is None:
        raise CheckFailure(f"{where}: {_short(v)} is not a canonical rational \"p/q\" or \"p\"")
    sign, p, q = m.groups()
    if len(p) > MAX_DIGITS or (q and len(q) > MAX_DIGITS):
        raise CheckFailure(f"{where}: {_short(v)} has too many digits")
    num, den = int(p), int(q) if q else 1
    if sign and num == 0:
        raise CheckFailure(f"{where}: \"-0\" is not canonical (write \"0\")")
    if q and (den == 1 or gcd(num, den) != 1):
        raise CheckFailure(f"{where}: {_short(v)} is not in lowest terms with denominator > 1")
    return Fraction(-num if sign else num, den)


def _kind(v) -> str:
    if isinstance(v, bool):
        return f"boolean {str(v).lower()}"
    if isinstance(v, (int, float)):
        return f"JSON number {_short(v)}"
    return type(v).__name__ if not isinstance(v, (list, dict)) else ("a list" if isinstance(v, list) else "an object")


def _short(v) -> str:
    r = repr(v)
    return r if len(r) <= 40 else r[:37] + "..."


def is_prime(n: int) -> bool:
    """Deterministic Miller-Rabin for n < 3.3e24 (first 13 prime bases)."""
    if n < 2:
        return False
    bases = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41)
    for q in bases:
        if n % q == 0:
            return n == q
    if n >= 3317044064679887385961981:
        raise CheckFailure("prime too large for the deterministic test")
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for a in bases:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def residue(q: Fraction, p: int) -> int:
    """q mod p; fails when p divides the denominator."""
    if q.denominator % p == 0:
        raise CheckFailure(f"prime {p} divides a denominator")
    return q.numerator * pow(q.denominator, -1, p) % p


def pre_activations(net: Network, x) -> list[list[Fraction]]:
    """Exact pre-activations ``z_1..z_d`` at x (the network's own exact evaluator)."""
    return net.preactivations(x)


def labels_of(zs) -> list[int]:
    return [(v > 0) - (v < 0) for z in zs[:-1] for v in z]


def jacobian_rows(net: Network, x) -> list[list[Fraction]]:
    r"""Exact rows :math:`\partial F_k(x) / \partial\theta`, ``k = 1..n_d``, at a smooth point.

    Backpropagation: :math:`G_d = I`, :math:`G_{l} = G_{l+1} W_{l+1} \Delta_l`
    with :math:`\Delta_l` the 0/1 diagonal of the activation pattern; then
    :math:`\partial F / \partial W_l[i,j] = G_l[:, i]\, a_{l-1}[j]` and
    :math:`\partial F / \partial b_l[i] = G_l[:, i]`.
    Raises :class:`CheckFailure` if x is not smooth.
    """
    zs = net.preactivations(x)
    if 0 in labels_of(zs):
        raise CheckFailure("point is not smooth (a hidden pre-activation is 0)")
    d = net.depth
    acts = [[parse_entry(v) for v in x]]
    for l in range(1, d):
        acts.append([v if v > 0 else Fraction(0) for v in zs[l - 1]])
    nd = net.n_out
    G = [[Fraction(int(i == k)) for i in range(nd)] for k in range(nd)]  # rows: outputs
    blocks = [None] * (d + 1)
    for l in range(d, 0, -1):
        blocks[l] = G
        if l > 1:
            W = net.layers[l - 1][0]
            mask = [v > 0 for v in zs[l - 2]]
            n_prev = len(mask)
            G = [[sum((g[i] * W[i][j] for i in range(len(g))), Fraction(0)) if mask[j] else Fraction(0)
                  for j in range(n_prev)] for g in G]
    rows = []
    for k in range(nd):
        row: list[Fraction] = []
        for l in range(1, d + 1):
            g = blocks[l][k]
            a = acts[l - 1]
            for gi in g:
                row.extend(gi * aj for aj in a)
            row.extend(g)
        rows.append(row)
    return rows


def jacobian_row(net: Network, x, k: int) -> list[Fraction]:
    return jacobian_rows(net, x)[k]


def det_nonzero_mod_p(M: list[list[int]], p: int) -> bool:
    """True when the square matrix M (entries already reduced mod p) is invertible mod p."""
    n = len(M)
    A = [list(r) for r in M]
    for c in range(n):
        piv = next((r for r in range(c, n) if A[r][c] % p), None)
        if piv is None:
            return False
        A[c], A[piv] = A[piv], A[c]
        inv = pow(A[c][c], -1, p)
        pr = [v * inv % p for v in A[c]]
        A[c] = pr
        pc = pr[c + 1:]
        for r in range(c + 1, n):
            f = A[r][c]
            if f:
                row = A[r]
                A[r] = row[:c + 1] + [(a - f * b) % p for a, b in zip(row[c + 1:], pc)]
    return True


def affine_forms(net: Network, pattern) -> list[tuple[list[Fraction], Fraction]]:
    r"""Affine forms :math:`z_{l,j}(x) = a \cdot x + c` of every neuron (hidden, then outputs)
    on the closure of the region with the given ±1 pattern.

    Inside the region, hidden layer l outputs :math:`\Delta_l z_l` with
    :math:`\Delta_l` the 0/1 diagonal of the pattern, so each z is affine in x.
    """
    n0 = net.n0
    A = [[Fraction(int(i == j)) for j in range(n0)] for i in range(n0)]  # a_0 = x: rows of coefficients
    C = [Fraction(0)] * n0
    forms = []
    h = 0
    for l, (W, b) in enumerate(net.layers, start=1):
        nA, nC = [], []
        for row, bi in zip(W, b):
            coef = [sum((row[i] * A[i][j] for i in range(len(row))), Fraction(0)) for j in range(n0)]
            const = sum((row[i] * C[i] for i in range(len(row))), bi)
            nA.append(coef)
            nC.append(const)
            forms.append((coef, const))
        if l < net.depth:
            for j in range(len(nA)):
                if pattern[h + j] < 0:
                    nA[j] = [Fraction(0)] * n0
                    nC[j] = Fraction(0)
            h += len(nA)
        A, C = nA, nC
    return forms


def gauss_jordan(A, ncols: int) -> list[int]:
    """Reduce the rows of ``A`` (lists of Fractions) in place to reduced row echelon form
    over the first ``ncols`` columns; returns the pivot columns (row i has its pivot, 1, in
    column ``pivots[i]``; the pivot columns are zero elsewhere)."""
    pivots, r = [], 0
    for c in range(ncols):
        p = next((i for i in range(r, len(A)) if A[i][c] != 0), None)
        if p is None:
            continue
        A[r], A[p] = A[p], A[r]
        inv = 1 / A[r][c]
        A[r] = [v * inv for v in A[r]]
        for i in range(len(A)):
            if i != r and A[i][c] != 0:
                f = A[i][c]
                A[i] = [a - f * b for a, b in zip(A[i], A[r])]
        pivots.append(c)
        r += 1
        if r == len(A):
            break
    return pivots
