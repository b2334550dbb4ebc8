# cython: language_level=3, boundscheck=False, wraparound=False
"""Thin Cython wrapper over csrc/modp: Jacobian rows mod p and online
Gaussian elimination mod p (see csrc/modp/es_rank.h for the mathematics).

BLAS: at import time the Fortran ``dgemm`` exported by
``scipy.linalg.cython_blas`` is looked up as a PyCapsule and its function
pointer handed to C, so building needs no scipy; without scipy a portable C
product is used (same exact results, slower).
"""

from libc.stdint cimport uint64_t, int64_t, int8_t
from cpython.pycapsule cimport PyCapsule_GetPointer, PyCapsule_GetName

cdef extern from "rank/es_rank.h":
    ctypedef void (*es_dgemm_t)(char*, char*, int*, int*, int*, double*, double*, int*,
                                double*, int*, double*, double*, int*) noexcept nogil
    ctypedef struct es_elim:
        int64_t ncols, target, rank, rows_seen
        uint64_t p
        int use_double
        int64_t block, kc
        int64_t *pivots
        int64_t *indep
    es_elim *es_elim_new(int64_t ncols, int64_t target, uint64_t p, es_dgemm_t dgemm,
                         int force_u64, int64_t block, int *err) nogil
    void es_elim_free(es_elim *e) nogil
    int es_elim_add_rows(es_elim *e, const uint64_t *rows, int64_t nrows, int64_t *consumed) nogil
    int es_elim_basis_row(const es_elim *e, int64_t j, uint64_t *out) nogil
    int es_jacobian_modp(int64_t depth, const int64_t *arch, const uint64_t *theta, uint64_t p,
                         int64_t npts, const uint64_t *X, const int8_t *pattern, uint64_t *out) nogil
    int ES_OK, ES_ENOMEM, ES_EINVAL, ES_EOVERFLOW

cdef es_dgemm_t _dgemm = NULL
BLAS = None


def _cython_blas():
    """scipy's ``linalg.cython_blas`` extension, loaded from its file without running
    ``scipy/linalg/__init__.py`` (which imports all of scipy.linalg: about 0.5 s of every
    command's start-up); the plain import is the fallback."""
    import importlib.util
    import os
    try:
        spec = importlib.util.find_spec("scipy")
        d = os.path.join(os.path.dirname(spec.origin), "linalg")
        so = sorted(f for f in os.listdir(d) if f.startswith("cython_blas.") and f.endswith((".so", ".pyd")))
        s = importlib.util.spec_from_file_location("scipy.linalg.cython_blas", os.path.join(d, so[0]))
        mod = importlib.util.module_from_spec(s)
        s.loader.exec_module(mod)
        return mod
    except Exception:
        from scipy.linalg import cython_blas
        return cython_blas


def _load_blas():
    global _dgemm, BLAS
    try:
        cap = _cython_blas().__pyx_capi__["dgemm"]
    except Exception:
        return
    cdef const char *name = PyCapsule_GetName(cap)
    _dgemm = <es_dgemm_t>PyCapsule_GetPointer(cap, name)
    BLAS = "scipy.linalg.cython_blas.dgemm"


_load_blas()

#: Largest prime handled by the double/dgemm path.
DOUBLE_PATH_LIMIT = 2 ** 26


cdef _raise(int rc, what):
    if rc == ES_ENOMEM:
        raise MemoryError(what)
    if rc == ES_EOVERFLOW:
        raise OverflowError(f"{what}: size limit or internal invariant violated")
    raise ValueError(f"{what}: invalid argument")


cdef class Eliminator:
    """Online Gaussian elimination of rows mod a prime ``p``.

    ``Eliminator(ncols, target, p, blas=True, force_u64=False, block=64)``.
    Rows (residues in ``[0, p)``, a C-contiguous uint64 array) are fed with
    :meth:`add_rows`; the eliminator keeps an echelon basis of at most
    ``target`` rows, so memory is ``O(target * ncols)`` words, and stops as
    soon as the rank reaches ``target``. ``rank``, ``pivots`` (pivot column of
    each basis row) and ``independent_rows`` (global index of the input row
    that produced each basis row; these rows are linearly independent mod p,
    and the square minor on them and the pivots is invertible mod p).
    """
    cdef es_elim *e

    def __cinit__(self, int64_t ncols, int64_t target, p, bint blas=True, bint force_u64=False,
                  int64_t block=64):
        if not 3 <= p < 2 ** 63:
            raise ValueError("p must be an odd prime below 2^63")
        cdef int err = 0
        self.e = es_elim_new(ncols, target, <uint64_t>p, _dgemm if blas else NULL,
                             force_u64, block, &err)
        if self.e == NULL:
            _raise(err, "Eliminator")

    def __dealloc__(self):
        es_elim_free(self.e)

    def add_rows(self, const uint64_t[:, ::1] rows):
        """Feed rows; returns how many were consumed (fewer once the target is reached)."""
        if rows.shape[0] == 0:
            return 0
        if rows.shape[1] != self.e.ncols:
            raise ValueError(f"rows have {rows.shape[1]} columns, expected {self.e.ncols}")
        cdef int64_t consumed = 0
        cdef int rc
        cdef int64_t n = rows.shape[0]
        with nogil:
            rc = es_elim_add_rows(self.e, &rows[0, 0], n, &consumed)
        if rc != ES_OK:
            _raise(rc, "add_rows (entries must be residues in [0, p))")
        return consumed

    @property
    def rank(self):
        return self.e.rank

    @property
    def target(self):
        return self.e.target

    @property
    def ncols(self):
        return self.e.ncols

    @property
    def p(self):
        return self.e.p

    @property
    def done(self):
        return self.e.rank >= self.e.target

    @property
    def rows_seen(self):
        return self.e.rows_seen

    @property
    def path(self):
        return "double" if self.e.use_double else "u64"

    @property
    def inner_chunk(self):
        """Longest exact dgemm inner dimension (double path)."""
        return self.e.kc

    @property
    def pivots(self):
        return [self.e.pivots[j] for j in range(self.e.rank)]

    @property
    def independent_rows(self):
        return [self.e.indep[j] for j in range(self.e.rank)]

    def basis_matrix(self):
        """The basis as a ``(rank, ncols)`` uint64 array of residues in [0, p).

        On the double path the basis is fully reduced (Gauss-Jordan): basis
        row j is 1 at ``pivots[j]`` and 0 at every other pivot column, so for
        each non-pivot column f the vector with 1 at f, ``-B[j, f]`` at
        ``pivots[j]`` and 0 elsewhere spans the kernel of the rows seen, mod p.
        """
        import numpy as np
        out = np.empty((self.e.rank, self.e.ncols), dtype=np.uint64)
        cdef uint64_t[:, ::1] ov = out
        cdef int64_t j
        for j in range(self.e.rank):
            if es_elim_basis_row(self.e, j, &ov[j, 0]) != ES_OK:
                raise IndexError(j)
        return out

    @property
    def reduced(self):
        """True when the basis is fully reduced (the double path)."""
        return bool(self.e.use_double)

    def basis_row(self, int64_t j, uint64_t[::1] out):
        """Copy basis row ``j`` (residues in [0, p)) into ``out``."""
        if out.shape[0] != self.e.ncols:
            raise ValueError("out has the wrong length")
        if es_elim_basis_row(self.e, j, &out[0]) != ES_OK:
            raise IndexError(j)


def jacobian_modp(arch, const uint64_t[::1] theta, p, const uint64_t[:, ::1] X,
                  const int8_t[:, ::1] pattern, uint64_t[:, ::1] out):
    """Write the Jacobian rows dF_k/dtheta mod p of every point into ``out``.

    ``theta``: D residues (canonical order); ``X``: npts x n0 residues;
    ``pattern``: npts x H exact activation pattern (+1/-1); ``out``:
    (npts * n_d) x D uint64. Rows are point-major: row ``i * n_d + k`` is
    output ``k`` at point ``i``.
    """
    cdef int64_t depth = len(arch) - 1
    if depth < 1:
        raise ValueError("architecture needs at least two widths")
    if not 2 <= p < 2 ** 63:
        raise ValueError("p must lie in [2, 2^63)")
    import array
    arr = array.array("q", [int(v) for v in arch])
    cdef int64_t[::1] av = arr
    cdef int64_t D = 0, H = 0, l
    for l in range(1, depth + 1):
        D += av[l] * (av[l - 1] + 1)
        if l < depth:
            H += av[l]
    cdef int64_t npts = X.shape[0]
    if theta.shape[0] != D:
        raise ValueError(f"theta has {theta.shape[0]} entries, architecture needs {D}")
    if X.shape[1] != av[0] or pattern.shape[0] != npts or pattern.shape[1] != H:
        raise ValueError("X or pattern has the wrong shape")
    if out.shape[0] != npts * av[depth] or out.shape[1] != D:
        raise ValueError("out has the wrong shape")
    if npts == 0:
        return
    cdef uint64_t P = p
    cdef int rc
    cdef const int8_t *pp = &pattern[0, 0] if H > 0 else NULL
    cdef int8_t dummy = 1
    if H == 0:
        pp = &dummy
    with nogil:
        rc = es_jacobian_modp(depth, &av[0], &theta[0], P, npts, &X[0, 0], pp, &out[0, 0])
    if rc != ES_OK:
        _raise(rc, "jacobian_modp (entries must be residues, patterns +1/-1)")
