r"""Ranks mod p and the prime choice behind them (SPEC section 2, modular lemma).

For an integer matrix :math:`M` and any prime :math:`p`,
:math:`\operatorname{rank}_{\mathbb F_p}(M \bmod p) \le \operatorname{rank}_{\mathbb Q} M`
(a nonzero minor mod p is a nonzero integer minor). For a rational matrix
whose denominators are all prime to p the same holds for the matrix reduced
entrywise mod p (clearing a row's denominators multiplies it by a unit mod p).
So a modular rank equal to an upper bound is exact; a smaller one proves
nothing by itself.

Primes. :func:`random_prime` draws uniformly from a documented range and
skips primes that divide a given denominator:

* ``"double"`` (default): primes in ``[2^20, 2^21)``. Residues are centred,
  ``|x| <= (p-1)/2 < 2^20``, so a dot product of up to
  ``(2^52 - h) / h^2 >= 4096`` terms is exact in float64 and dgemm does the
  block updates of the elimination in one pass for ``D`` up to about 4000
  (longer inner dimensions are chunked, with a reduction between chunks).
* ``"u64"``: primes in ``[2^61, 2^62)``, 128-bit products (the fallback, and
  the second, independent prime used to confirm a deficit).

A false deficit happens only when p divides every maximal minor; for a
random p from a range of ~ 2^16 (``double``) or ~ 2^56 (``u64``) primes this
is rare, and any deficit is re-examined exactly (:mod:`exactsym.fdim`).
"""

from __future__ import annotations

import os
import random
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Sequence

import numpy as np

from . import _modp

__all__ = ["PRIME_RANGES", "random_prime", "is_prime", "ModRank", "rank_mod_p",
           "residues", "Eliminator", "blas_threads", "BLAS_THREADS"]

#: Threads for the elimination's dgemm calls (scipy's OpenBLAS only; numpy's
#: own OpenBLAS is untouched). One thread by default: the block products are
#: thin (one side is the block size), and on a busy 2-core machine OpenBLAS's
#: thread hand-off costs more than it gains (measured 0.33 s vs 1.1 s for a
#: 2000 x 2000 rank). Override with EXACTSYM_BLAS_THREADS=N (0: leave as is).
BLAS_THREADS = int(os.environ.get("EXACTSYM_BLAS_THREADS", "1") or 0)
_THREAD_FUNCS = None


def _openblas_thread_funcs():
    """(get, set) of the OpenBLAS that scipy.linalg.cython_blas uses, or None."""
    global _THREAD_FUNCS
    if _THREAD_FUNCS is not None:
        return _THREAD_FUNCS or None
    _THREAD_FUNCS = False
    try:
        import ctypes
        if _modp.BLAS is None:
            return None
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "scipy.libs/libscipy_openblas" in line}
        for path in sorted(paths):
            lib = ctypes.CDLL(path)
            for pre in ("scipy_openblas", "openblas"):
                g = getattr(lib, pre + "_get_num_threads", None)
                st = getattr(lib, pre + "_set_num_threads", None)
                if g is not None and st is not None:
                    g.restype = ctypes.c_int
                    st.argtypes = [ctypes.c_int]
                    _THREAD_FUNCS = (g, st)
                    return _THREAD_FUNCS
    except (OSError, AttributeError, ValueError):
        pass
    return None


@contextmanager
def blas_threads(n: int | None = None):
    """Temporarily run scipy's OpenBLAS with ``n`` threads (default :data:`BLAS_THREADS`)."""
    n = BLAS_THREADS if n is None else n
    funcs = _openblas_thread_funcs() if n and n > 0 else None
    if not funcs:
        yield
        return
    get, set_ = funcs
    old = get()
    set_(n)
    try:
        yield
    finally:
        set_(old)

PRIME_RANGES = {"double": (2 ** 20, 2 ** 21), "u64": (2 ** 61, 2 ** 62)}

Eliminator = _modp.Eliminator


def is_prime(n: int) -> bool:
    """Deterministic primality for ``0 <= n < 2^64``."""
    from . import _core
    return _core.is_prime(n)


def random_prime(rng=None, kind: str = "double", avoid: Iterable[int] = (),
                 exclude: Iterable[int] = ()) -> int:
    """A uniformly random prime from ``PRIME_RANGES[kind]`` dividing no integer in ``avoid``.

    ``rng`` is a :class:`random.Random`, an int seed or None; ``exclude``
    lists primes not to return (e.g. the first prime when a second is wanted).
    """
    if not isinstance(rng, random.Random):
        rng = random.Random(rng)
    lo, hi = PRIME_RANGES[kind]
    avoid = [abs(int(a)) for a in avoid if abs(int(a)) > 1]
    excl = set(exclude)
    for _ in range(100000):
        c = rng.randrange(lo, hi) | 1
        if c in excl or not is_prime(c):
            continue
        if any(a % c == 0 for a in avoid):
            continue
        return c
    raise RuntimeError("no suitable prime found")  # pragma: no cover


def residues(values: Sequence, p: int) -> np.ndarray:
    """Exact residues ``q mod p`` (uint64) of rationals; ZeroDivisionError if p divides a denominator."""
    out = np.empty(len(values), dtype=np.uint64)
    inv = {}  # denominators repeat (dyadic points, common weight denominators)
    for i, v in enumerate(values):
        q = v if type(v) is Fraction else Fraction(v)
        den = q.denominator
        if den == 1:
            out[i] = q.numerator % p
            continue
        di = inv.get(den)
        if di is None:
            d = den % p
            if d == 0:
                raise ZeroDivisionError(f"prime {p} divides the denominator of {q}")
            di = inv[den] = pow(d, -1, p)
        out[i] = q.numerator * di % p
    return out


@dataclass
class ModRank:
    """Result of an elimination mod p: rank, pivot columns and the independent input rows.

    ``J[rows, pivots]`` (rows and pivots paired in basis order) is invertible mod p.
    """
    rank: int
    p: int
    pivots: list
    rows: list
    rows_seen: int
    path: str


def rank_mod_p(M, p: int, target: int | None = None, block: int = 128,
               force_u64: bool = False, blas: bool = True) -> ModRank:
    """Rank mod p of an integer (or rational) matrix, stopping at ``target``.

    ``M``: a 2-D numpy integer array, a list of rows of ints/Fractions, or a
    uint64 array already reduced mod p.
    """
    if isinstance(M, np.ndarray) and M.dtype == np.uint64 and (M.size == 0 or int(M.max()) < p):
        R = np.ascontiguousarray(M)
    elif isinstance(M, np.ndarray) and M.dtype.kind in "iu" and M.size and \
            np.abs(M.astype(np.float64)).max() < 2 ** 62:
        R = np.ascontiguousarray(np.mod(M.astype(np.int64), p).astype(np.uint64))
    else:
        rows = [list(r) for r in M]
        ncols = len(rows[0]) if rows else 0
        R = np.empty((len(rows), ncols), dtype=np.uint64)
        for i, r in enumerate(rows):
            if len(r) != ncols:
                raise ValueError("ragged matrix")
            R[i] = residues(r, p)
    m, n = R.shape if R.ndim == 2 else (0, 0)
    if n == 0:
        return ModRank(0, p, [], [], m, "none")
    tgt = min(m, n) if target is None else min(target, n)
    e = Eliminator(n, tgt, p, blas=blas, force_u64=force_u64, block=block)
    if m:
        with blas_threads():
            e.add_rows(R)
    return ModRank(e.rank, p, e.pivots, e.independent_rows, e.rows_seen, e.path)
