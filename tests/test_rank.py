"""The rank kernel (csrc/modp via exactsym._modp) against python-flint's exact nmod_mat rank."""

import random

import flint
import numpy as np
import pytest

from exactsym.rank import _modp
from exactsym.rank.modular import PRIME_RANGES, random_prime, rank_mod_p, residues

P_SMALL = 1048583          # prime in [2^20, 2^21): double path, one dgemm pass
P_EDGE = 67108859          # largest prime below 2^26: double path, inner chunk of a few terms
P_BIG = 4611686018427387847  # prime below 2^62: 128-bit path


def _random_matrix(rng, m, n, r, p):
    """m x n matrix mod p of rank <= r (product of random factors), with zero rows mixed in."""
    if r == 0:
        return np.zeros((m, n), dtype=np.uint64)
    A = [[rng.randrange(p) for _ in range(r)] for _ in range(m)]
    B = [[rng.randrange(p) for _ in range(n)] for _ in range(r)]
    M = (flint.nmod_mat(A, p) * flint.nmod_mat(B, p))
    out = np.array([[int(M[i, j]) for j in range(n)] for i in range(m)], dtype=np.uint64)
    if m > 2 and rng.random() < 0.3:
        out[rng.randrange(m)] = 0
    return out


def _check_basis(M, res, p):
    """rows/pivots form an invertible minor, and rows are the greedy (lex-first) row basis."""
    if res.rank == 0:
        assert not M.any() or res.rows_seen == 0 or res.rank == 0
        return
    sub = flint.nmod_mat([[int(M[i, j]) for j in res.pivots] for i in res.rows], p)
    assert sub.det() != 0
    assert len(set(res.pivots)) == res.rank and len(set(res.rows)) == res.rank
    # greedy: row i is selected iff it is independent of the rows before it
    sel = set(res.rows)
    for i in range(res.rows_seen):
        before = flint.nmod_mat([[int(v) for v in M[k]] for k in range(i)], p).rank() if i else 0
        upto = flint.nmod_mat([[int(v) for v in M[k]] for k in range(i + 1)], p).rank()
        assert (upto > before) == (i in sel)


@pytest.mark.parametrize("p", [P_SMALL, P_EDGE, P_BIG])
def test_rank_matches_flint_many(p):
    rng = random.Random(p)
    shapes = [(1, 1), (1, 5), (5, 1), (2, 2), (3, 7), (7, 3), (40, 10), (10, 40), (60, 60),
              (130, 90), (90, 130), (200, 150)]
    count = 0
    for m, n in shapes:
        for _ in range(8 if m * n < 5000 else 3):
            r = rng.randint(0, min(m, n))
            M = _random_matrix(rng, m, n, r, p)
            want = flint.nmod_mat([[int(v) for v in row] for row in M], p).rank()
            for kw in ({"block": 1}, {"block": 7}, {"block": 128}, {"force_u64": True},
                       {"blas": False, "block": 16}):
                res = rank_mod_p(M, p, **kw)
                assert res.rank == want, (m, n, r, kw)
                count += 1
            if m * n <= 2000:
                _check_basis(M, rank_mod_p(M, p, block=5), p)
    assert count > 300


def test_target_stops_early():
    rng = random.Random(7)
    for _ in range(40):
        m, n = rng.randint(1, 80), rng.randint(1, 80)
        M = _random_matrix(rng, m, n, rng.randint(0, min(m, n)), P_SMALL)
        full = rank_mod_p(M, P_SMALL).rank
        t = rng.randint(0, n)
        for kw in ({"block": 16}, {"force_u64": True}):
            res = rank_mod_p(M, P_SMALL, target=t, **kw)
            assert res.rank == min(t, full)
            if res.rank == t and t > 0:
                # stopped at the row that reached the target
                assert res.rows_seen == res.rows[-1] + 1


def test_online_streaming_equals_one_shot():
    rng = random.Random(3)
    M = _random_matrix(rng, 300, 120, 90, P_SMALL)
    e = _modp.Eliminator(120, 120, P_SMALL, block=32)
    for s in range(0, 300, 37):
        e.add_rows(np.ascontiguousarray(M[s:s + 37]))
    one = rank_mod_p(M, P_SMALL)
    assert e.rank == one.rank == 90
    assert e.independent_rows == one.rows and e.pivots == one.pivots


def test_basis_is_reduced_echelon_of_row_space():
    rng = random.Random(11)
    M = _random_matrix(rng, 50, 30, 20, P_SMALL)
    e = _modp.Eliminator(30, 30, P_SMALL, block=8)
    e.add_rows(M)
    out = np.empty(30, dtype=np.uint64)
    B = []
    for j in range(e.rank):
        e.basis_row(j, out)
        B.append([int(v) for v in out])
    Bm = flint.nmod_mat(B, P_SMALL)
    # fully reduced: identity on the pivot columns
    for j in range(e.rank):
        for k, c in enumerate(e.pivots):
            assert B[j][c] == (1 if j == k else 0)
    # same row space as M
    stacked = flint.nmod_mat(B + [[int(v) for v in row] for row in M], P_SMALL)
    assert stacked.rank() == Bm.rank() == 20


def test_exactness_at_the_dgemm_bound():
    """Worst-case entries (all +-(p-1)/2) for the largest double-path prime: chunking keeps it exact."""
    p = P_EDGE
    e = _modp.Eliminator(64, 64, p)
    assert e.path == "double" and 1 <= e.inner_chunk <= 4
    h = (p - 1) // 2
    rng = random.Random(5)
    M = np.array([[rng.choice([h, p - h, 1, p - 1]) for _ in range(64)] for _ in range(64)], dtype=np.uint64)
    want = flint.nmod_mat([[int(v) for v in row] for row in M], p).rank()
    assert rank_mod_p(M, p).rank == want == rank_mod_p(M, p, force_u64=True).rank


def test_integer_and_rational_input():
    M = [[1, 2, 3], [2, 4, 6], [-1, 0, 5]]
    assert rank_mod_p(np.array(M), P_SMALL).rank == 2
    from fractions import Fraction
    Q = [[Fraction(1, 3), Fraction(2, 3)], [Fraction(1, 2), Fraction(1)]]
    assert rank_mod_p(Q, P_SMALL).rank == 1
    assert list(residues([Fraction(1, 2)], 7)) == [4]
    with pytest.raises(ZeroDivisionError):
        residues([Fraction(1, 7)], 7)


def test_bad_arguments():
    with pytest.raises(ValueError):
        _modp.Eliminator(3, 3, 15)          # not prime
    with pytest.raises(ValueError):
        _modp.Eliminator(3, 4, P_SMALL)     # target > ncols
    with pytest.raises(ValueError):
        _modp.Eliminator(0, 0, P_SMALL)
    e = _modp.Eliminator(3, 3, P_SMALL)
    with pytest.raises(ValueError):
        e.add_rows(np.array([[P_SMALL, 0, 0]], dtype=np.uint64))  # not a residue
    with pytest.raises(ValueError):
        e.add_rows(np.zeros((1, 4), dtype=np.uint64))
    e2 = _modp.Eliminator(3, 3, P_BIG)
    with pytest.raises(ValueError):
        e2.add_rows(np.array([[P_BIG, 0, 0]], dtype=np.uint64))


def test_random_prime_range_and_avoid():
    for kind, (lo, hi) in PRIME_RANGES.items():
        p = random_prime(1, kind)
        assert lo <= p < hi
        assert flint.fmpz(p).is_prime()
    p = random_prime(2)
    q = random_prime(2, avoid=[p * 3])
    assert q != p and random_prime(2, exclude=[p]) != p
