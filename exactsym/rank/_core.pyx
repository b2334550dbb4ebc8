# cython: language_level=3, boundscheck=False, wraparound=False
"""Thin Cython wrapper over csrc/core: word-size modular arithmetic."""

from libc.stdint cimport uint64_t

cdef extern from "core/es_modp.h":
    uint64_t es_mulmod(uint64_t a, uint64_t b, uint64_t p)
    uint64_t es_powmod(uint64_t a, uint64_t e, uint64_t p)
    uint64_t es_invmod(uint64_t a, uint64_t p)
    int es_is_prime(uint64_t n)


def is_prime(n):
    """Deterministic primality for 0 <= n < 2^64 (Miller-Rabin, 12 prime bases)."""
    if n < 0 or n >= 2**64:
        raise ValueError("n must lie in [0, 2^64)")
    return bool(es_is_prime(<uint64_t>n))


def residue(num, den, p):
    """num/den mod p for integers num, den and a prime p < 2^63 not dividing den."""
    if not 2 <= p < 2**63:
        raise ValueError("p must lie in [2, 2^63)")
    cdef uint64_t P = p
    cdef uint64_t d = den % p
    if d == 0:
        raise ZeroDivisionError("p divides the denominator")
    return int(es_mulmod(<uint64_t>(num % p), es_invmod(d, P), P))
