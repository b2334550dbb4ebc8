r"""p-adic (Dixon) lifting of the kernel directions that CRT leaves open (``proofs/modular-lemma.md`` §4).

With rows I and pivots P of the first elimination (``J[I, P]`` invertible mod
p) and integer rows :math:`\tilde J = \operatorname{diag}(c_x) J` (``c_x`` as in
:mod:`.kernel`), the reduced kernel vector of a free column c is
:math:`n_c[P] = -x`, :math:`n_c[c] = 1`, where :math:`\tilde A x = \tilde b`,
:math:`\tilde A = \tilde J[I, P]`, :math:`\tilde b = \tilde J[I, c]`
(row scaling does not change x). Dixon: :math:`C = \tilde A^{-1} \bmod p`;
:math:`\rho_0 = \tilde b`, :math:`d_i = C\rho_i \bmod p` (centred),
:math:`\rho_{i+1} = (\rho_i - \tilde A d_i)/p` (an exact integer vector), and
:math:`x \equiv \sum_i d_i p^i \pmod{p^s}`. By induction
:math:`|\rho_i| \le \|\tilde b\|_\infty + r \|\tilde A\|_{\max}` entrywise, below
:math:`2^{b + \log_2 r + 1}` with ``b`` from :func:`.kernel.row_norm_bits`, so
:math:`\rho_i` is kept as residues modulo word primes :math:`q_j` whose
product exceeds twice that bound, and :math:`\rho_i \bmod p` is recovered by
Garner's mixed-radix CRT (symmetric range). Rational reconstruction of x mod
:math:`p^s` gives a candidate; it is *accepted only after* the exact
Jacobian-vector product :math:`J_Z w = 0` at every point (``proofs/local-kernels.md``,
Lemma LK2), so the lifting itself needs no proof.
"""

from __future__ import annotations

import math
import time

import numpy as np

from . import _modp
from .blocks import jacobian_rows_mod
from .modular import blas_threads

__all__ = ["lift_directions"]



def _centred(a, q):
    a = np.asarray(a, dtype=np.int64) % q
    return np.where(a > q // 2, a - q, a).astype(np.float64)


def _matmul_mod(A, B, q):
    """(A @ B) mod q for centred float64 residues (exact: |entries| < 2^20, inner < 2^12 per chunk)."""
    out = np.zeros((A.shape[0], B.shape[1]), dtype=np.int64)
    for s in range(0, A.shape[1], 2048):
        out = (out + (A[:, s:s + 2048] @ B[s:s + 2048]).astype(np.int64)) % q
    return out


def _inverse_mod(A_u, p):
    """Inverse of the r x r matrix A (uint64 residues) mod p by Gauss-Jordan on [A | I], or None."""
    r = A_u.shape[0]
    e = _modp.Eliminator(2 * r, r, p)
    M = np.zeros((r, 2 * r), dtype=np.uint64)
    M[:, :r] = A_u
    M[np.arange(r), r + np.arange(r)] = 1
    with blas_threads():
        e.add_rows(np.ascontiguousarray(M))
    if e.rank != r or sorted(e.pivots) != list(range(r)):
        return None
    B = e.basis_matrix()
    order = np.argsort(np.array(e.pivots))
    return B[order][:, r:]


def _garner_mod_p(res, qs, p):
    """Integers with |v| < prod(qs)/2 from residues ``res[j]`` mod ``qs[j]``; returns v mod p."""
    digits = []
    for j, q in enumerate(qs):
        s = np.zeros_like(res[j])
        w = 1
        for i in range(j):
            s = (s + digits[i] * (w % q)) % q
            w *= qs[i]
        digits.append(((res[j] - s) % q) * pow(w % q, -1, q) % q)
    Q = math.prod(qs)
    half = (Q - 1) // 2
    hd, h = [], half
    for q in qs:
        hd.append(h % q)
        h //= q
    gt = np.zeros(res[0].shape, dtype=bool)
    eq = np.ones(res[0].shape, dtype=bool)
    for j in range(len(qs) - 1, -1, -1):
        gt |= eq & (digits[j] > hd[j])
        eq &= digits[j] == hd[j]
    val = np.zeros(res[0].shape, dtype=np.int64)
    w = 1
    for j, q in enumerate(qs):
        val = (val + digits[j] % p * (w % p)) % p
        w *= q
    return (val - gt * (Q % p)) % p


def lift_directions(net, points, labels, el, C, need, primes, reconstruct, check, deadline=None,
                    progress=None, max_bits: int = 8192):
    """Pivot coordinates (sorted pivots) of n_c for the columns C, proven: ``{index in C: Fractions}``.

    ``need``: the bits of :func:`.kernel.row_norm_bits` (they size the residual's primes);
    ``reconstruct``: the rational reconstruction of :mod:`.kernel` (passed in, so that this
    module does not import it back); ``check(t, col)``: the exact test of :math:`J n_{C[t]} = 0`
    for candidate pivot coordinates (a Jacobian-vector product over the integers). A candidate
    is tried once it repeats at two successive precisions, and accepted on that test alone.
    """
    p, r = el.p, el.rank
    if p >= 1 << 21:   # the centred float products below are exact for residues < 2^20 only
        return {}
    rows = list(el.independent_rows)
    P = sorted(el.pivots)
    rbits = need + r.bit_length() + 2
    qs = []
    while sum(q.bit_length() - 1 for q in qs) < rbits + 1:
        qs.append(next(primes))
    scale = _row_scale(net, points, rows)
    Aq, res, Cinv = {}, {}, None
    for q in [p] + qs:   # keep only what the lifting needs: O((t + 1) r^2) doubles
        JI = jacobian_rows_mod(net, points, labels, q, rows)
        cq = np.array([c % q for c in scale], dtype=np.int64)[:, None]   # residues < 2^21: products < 2^42
        A = JI[:, P].astype(np.int64) * cq % q
        res[q] = JI[:, C].astype(np.int64) * cq % q
        del JI
        if q == p:
            Ainv = _inverse_mod(A.astype(np.uint64), p)
            if Ainv is None:
                return {}
            Cinv = _centred(Ainv, p)
            del Ainv
        else:
            Aq[q] = _centred(A, q)
        del A
    active = list(range(len(C)))
    prev = {}
    x = np.zeros((r, len(C)), dtype=object)
    pk, done = 1, {}
    inv_p = {q: pow(p, -1, q) for q in qs}
    step = 0
    while active and pk.bit_length() < max_bits:
        if deadline is not None and time.monotonic() > deadline:
            break
        d = _matmul_mod(Cinv, _centred(res[p][:, active], p), p)
        d = np.where(d > p // 2, d - p, d)
        x[:, active] = x[:, active] + d.astype(object) * pk
        for q in qs:
            t = (res[q][:, active] - _matmul_mod(Aq[q], d.astype(np.float64), q)) % q
            res[q][:, active] = t * inv_p[q] % q
        res[p][:, active] = _garner_mod_p([res[q][:, active] for q in qs], qs, p)
        pk *= p
        step += 1
        newly = _try_accept_checked(x, pk, active, reconstruct, prev, check) if step % 2 == 0 else {}
        done.update(newly)
        active = [j for j in active if j not in newly]
        if step % 3 == 0 or newly:
            if progress:
                progress(f"kernel (p-adic): {pk.bit_length()} bits, {len(done)} of {len(C)} directions proven")
    return done


def _try_accept_checked(x, pk, active, reconstruct, prev, check):
    """Candidates mod p^k that equal the previous attempt's and pass the exact ``check``."""
    out = {}
    for j in active:
        col = np.array([int(v) % pk for v in x[:, j]], dtype=object).reshape(-1, 1)
        V = reconstruct(col, pk)
        if V is None:
            prev.pop(j, None)
            continue
        cand = -V[:, 0]
        if j in prev and np.array_equal(prev[j], cand) and check(j, cand):
            out[j] = cand
        prev[j] = cand
    return out


def _row_scale(net, points, rows):
    """c_x = s_x * prod_l q_l for the point of each row (c_x J_x is an integer row)."""
    qprod = 1
    for W, b in net.layers:
        L = 1
        for v in [v for row in W for v in row] + list(b):
            L = L * v.denominator // math.gcd(L, v.denominator)
        qprod *= L
    out = []
    for g in rows:
        s = 1
        for v in points[g // net.n_out]:
            s = s * v.denominator // math.gcd(s, v.denominator)
        out.append(s * qprod)
    return out
