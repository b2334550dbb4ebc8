r"""Flip matrices and their 0/1 kernel vectors, exactly.

Shared by the shallow criterion's producer, mechanism 6's detector and the
checker. Standard library only.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import product

from ...network.model import Network

__all__ = ["SEARCH_LIMIT", "flip_matrices", "rref_kernel", "zero_one_kernel_vectors"]

Q0 = Fraction(0)
#: largest kernel dimension of the c_j w_j^T for which (iv) is decided (2^k subsets)
SEARCH_LIMIT = 22


def flip_matrices(net: Network, l: int = 1) -> list[list[Fraction]]:
    """Vectorised ``col_j w_j^T`` (weights only) for each neuron j of hidden layer l."""
    W = net.layers[l - 1][0]
    Wn = net.layers[l][0]
    return [[Wn[i][j] * W[j][c] for i in range(len(Wn)) for c in range(len(W[j]))]
            for j in range(len(W))]


def rref_kernel(vectors: list[list[Fraction]]):
    """Exact kernel of the matrix whose *columns* are ``vectors``: (basis, free columns).

    Returns kernel basis vectors ``v`` (length = number of vectors) with
    ``sum_j v_j vectors[j] = 0``, one per free column, ``v[free] = 1`` and
    ``v[other free] = 0``.
    """
    n = len(vectors)
    m = len(vectors[0]) if n else 0
    A = [[vectors[j][i] for j in range(n)] for i in range(m)]
    pivots, r = [], 0
    for c in range(n):
        piv = next((i for i in range(r, m) if A[i][c] != 0), None)
        if piv is None:
            continue
        A[r], A[piv] = A[piv], A[r]
        inv = 1 / A[r][c]
        A[r] = [v * inv for v in A[r]]
        for i in range(m):
            if i != r and A[i][c] != 0:
                f = A[i][c]
                A[i] = [a - f * bb for a, bb in zip(A[i], A[r])]
        pivots.append(c)
        r += 1
        if r == m:
            break
    free = [c for c in range(n) if c not in pivots]
    basis = []
    for f in free:
        v = [Q0] * n
        v[f] = Fraction(1)
        for row, pc in zip(A, pivots):
            v[pc] = -row[f]
        basis.append(v)
    return basis, free


def zero_one_kernel_vectors(vectors, limit_free: int = 22, first_only: bool = True):
    """Nonempty index sets S with ``sum_{j in S} vectors[j] = 0``, decided exactly.

    Any 0/1 kernel vector is the combination of the kernel basis with
    coefficients equal to its own values on the free coordinates, so it is
    enough to try the ``2^f - 1`` nonzero 0/1 assignments of the ``f`` free
    coordinates. Raises ``OverflowError`` when ``f > limit_free``.
    """
    basis, free = rref_kernel(vectors)
    if len(free) > limit_free:
        raise OverflowError(f"kernel dimension {len(free)} exceeds the search limit {limit_free}")
    found = []
    n = len(vectors)
    for bits in product((0, 1), repeat=len(free)):
        if not any(bits):
            continue
        v = [sum((bt * bv[i] for bt, bv in zip(bits, basis)), Q0) for i in range(n)]
        if all(x in (0, 1) for x in v):
            found.append([i for i in range(n) if v[i] == 1])
            if first_only:
                break
    return found
