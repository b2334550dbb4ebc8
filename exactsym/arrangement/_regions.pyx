# cython: language_level=3, boundscheck=False, wraparound=False
"""Thin Cython wrapper over csrc/arrangement/es_lp.c: all float LPs of one region
in one call (centre LP and one facet LP per neuron). Floats only propose;
exactsym.arrangement.witnesses checks every proposal exactly."""

import numpy as np

cdef extern from "arrangement/es_lp.h":
    int es_region_lps(int H, int n0, const double *A, const double *c, const int *s,
                      int has_box, double lo, double hi, const int *todo,
                      double *center, double *radius,
                      double *tstar, double *pts, int *supp, int *status) nogil
    int es_lp_maxlast(int m, int n, const double *G, const double *g,
                      double *y, double *u, double *value, double *work, int *iwork) nogil
    long es_lp_work_doubles(int m, int n)
    long es_lp_work_ints(int m, int n)


def region_lps(A, c, s, box, todo):
    """Run the LPs of one region.

    A (H x n0), c (H): float forms; s (H): signs; box: None or (lo, hi);
    todo (H): which facet LPs to run. Returns (ok, center, radius, tstar,
    pts, supp, status) as numpy arrays (see es_lp.h).
    """
    cdef double[:, ::1] Aa = np.ascontiguousarray(A, dtype=np.float64)
    cdef double[::1] ca = np.ascontiguousarray(c, dtype=np.float64)
    cdef int[::1] sa = np.ascontiguousarray(s, dtype=np.intc)
    cdef int[::1] ta = np.ascontiguousarray(todo, dtype=np.intc)
    cdef int H = Aa.shape[0]
    cdef int n0 = Aa.shape[1]
    cdef double[::1] center = np.zeros(n0)
    cdef double[::1] tstar = np.zeros(H)
    cdef double[:, ::1] pts = np.zeros((H, n0))
    cdef int[:, ::1] supp = np.full((H, n0 + 1), -1, dtype=np.intc)
    cdef int[::1] status = np.full(H, -1, dtype=np.intc)
    cdef double radius = 0.0
    cdef int has_box = 0
    cdef double lo = 0.0, hi = 0.0
    if box is not None:
        has_box = 1
        lo = float(box[0]); hi = float(box[1])
    cdef int rc
    with nogil:
        rc = es_region_lps(H, n0, &Aa[0, 0], &ca[0], &sa[0], has_box, lo, hi, &ta[0],
                           &center[0], &radius, &tstar[0], &pts[0, 0], &supp[0, 0], &status[0])
    return rc, np.asarray(center), radius, np.asarray(tstar), np.asarray(pts), np.asarray(supp), np.asarray(status)


def lp_maxlast(G, g):
    """max y[-1] s.t. G y <= g (y free). Returns (ok, y, u, value)."""
    cdef double[:, ::1] Ga = np.ascontiguousarray(G, dtype=np.float64)
    cdef double[::1] ga = np.ascontiguousarray(g, dtype=np.float64)
    cdef int m = Ga.shape[0]
    cdef int n = Ga.shape[1]
    cdef double[::1] y = np.zeros(n)
    cdef double[::1] u = np.zeros(m)
    cdef double[::1] work = np.zeros(es_lp_work_doubles(m, n))
    cdef int[::1] iwork = np.zeros(es_lp_work_ints(m, n), dtype=np.intc)
    cdef double value = 0.0
    cdef int rc
    with nogil:
        rc = es_lp_maxlast(m, n, &Ga[0, 0], &ga[0], &y[0], &u[0], &value, &work[0], &iwork[0])
    return rc == 0, np.asarray(y), np.asarray(u), value


cdef extern from "arrangement/es_farkas.h":
    int es_farkas_region(int H, int n0, const long long *M, const int *s, const int *supp,
                         const int *which, int has_box, long long lo_num, long long lo_den,
                         long long hi_num, long long hi_den,
                         int *status, long long *det2, long long *num2, long long *cnum2) nogil


def _join(hi, lo):
    return (int(hi) << 64) + (int(lo) & 0xFFFFFFFFFFFFFFFF)


def farkas_region(M, s, supp, which, box):
    """Exact Farkas multipliers of one region in 128-bit arithmetic (see es_farkas.h).

    M: integer forms (H x (n0+1), every entry below 2^62 in absolute value);
    box: None or ((lo_num, lo_den), (hi_num, hi_den)). Returns
    ``{h: (status, det, [num_j], cnum)}`` for every h in which.
    """
    cdef long long[:, ::1] Ma = np.ascontiguousarray(M, dtype=np.longlong)
    cdef int[::1] sa = np.ascontiguousarray(s, dtype=np.intc)
    cdef int[:, ::1] sp = np.ascontiguousarray(supp, dtype=np.intc)
    cdef int[::1] wa = np.ascontiguousarray(which, dtype=np.intc)
    cdef int H = Ma.shape[0]
    cdef int n0 = Ma.shape[1] - 1
    cdef int[::1] status = np.full(H, -1, dtype=np.intc)
    cdef long long[::1] det2 = np.zeros(2 * H, dtype=np.longlong)
    cdef long long[::1] num2 = np.zeros(2 * H * n0 + 2, dtype=np.longlong)
    cdef long long[::1] cnum2 = np.zeros(2 * H, dtype=np.longlong)
    cdef int has_box = 0
    cdef long long ln = 0, ld = 1, hn = 0, hd = 1
    if box is not None:
        has_box = 1
        ln, ld = box[0]
        hn, hd = box[1]
    with nogil:
        es_farkas_region(H, n0, &Ma[0, 0], &sa[0], &sp[0, 0], &wa[0], has_box, ln, ld, hn, hd,
                         &status[0], &det2[0], &num2[0], &cnum2[0])
    out = {}
    for h in range(H):
        if wa[h]:
            st = status[h]
            if st == 0 or st == 2:
                out[h] = (st, _join(det2[2 * h], det2[2 * h + 1]),
                          [_join(num2[2 * (h * n0 + j)], num2[2 * (h * n0 + j) + 1]) for j in range(n0)],
                          _join(cnum2[2 * h], cnum2[2 * h + 1]))
            else:
                out[h] = (st, None, None, None)
    return out


# ---- floating-point filters with a proven error bound (csrc/arrangement/es_filter.c) ----

from cpython.long cimport PyLong_AsDouble

cdef extern from "arrangement/es_filter.h":
    int es_sign_det(int n, const double *A) nogil
    int es_sign_det_bound(int n, const double *A, double rel, double abs_) nogil
    void es_normalize_rows(int H, int w, const double *F, double *G, int *ok) nogil
    int es_farkas_filter(int H, int n0, const double *G, const int *rowok, const int *s, const int *supp,
                         const int *which, int has_box, double lo, double hi, int *decided) nogil
    void es_nonprop_filter(int H, int w, const double *G, const int *rowok, int *maybe) nogil
    int es_rows_generic(int H, int w, const double *G, const int *rowok) nogil
    void es_point_signs(int H, int w, const double *G, const int *rowok, const int *s,
                        int n, const double *X, const int *xok, int *out) nogil


cdef inline double _dbl(v):
    """The correctly rounded double of the Python int v (inf when |v| >= 2^1024)."""
    try:
        return PyLong_AsDouble(v)
    except OverflowError:
        return float("inf")


def exact_doubles(M):
    """(F, G, ok): F[k][i] the correctly rounded double of the integer M[k][i] (inf when too large);
    G row k of F scaled by a power of two into [1/2, 1) exactly; ok[k] = 0 where that was refused."""
    cdef int H = len(M)
    cdef int w = len(M[0]) if H else 0
    F = np.empty((H, w))
    cdef double[:, ::1] Fa = F
    cdef int k, i
    cdef double x
    for k in range(H):
        row = M[k]
        for i in range(w):
            Fa[k, i] = _dbl(row[i])
    G = np.empty((H, w))
    ok = np.empty(H, dtype=np.intc)
    cdef double[:, ::1] Ga = G
    cdef int[::1] oka = ok
    if H and w:
        with nogil:
            es_normalize_rows(H, w, &Fa[0, 0], &Ga[0, 0], &oka[0])
    return F, G, ok


def sign_det(A):
    """+1 / -1 when the sign of det A (doubles, |a_ij| <= 1, n <= 6) is proven, else 0."""
    cdef double[:, ::1] Aa = np.ascontiguousarray(A, dtype=np.float64)
    return es_sign_det(Aa.shape[0], &Aa[0, 0]) if Aa.shape[0] == Aa.shape[1] and Aa.shape[0] else 0


def sign_det_bound(A, double rel, double abs_):
    """es_sign_det with another bound (for tests: a bound below the proven one must be caught)."""
    cdef double[:, ::1] Aa = np.ascontiguousarray(A, dtype=np.float64)
    return es_sign_det_bound(Aa.shape[0], &Aa[0, 0], rel, abs_) if Aa.shape[0] == Aa.shape[1] and Aa.shape[0] else 0


def farkas_filter(G, ok, s, supp, which, box):
    """decided[h] = 1 where the Farkas identity on supp[h] is proven (all multipliers and lam_0 > 0)."""
    cdef double[:, ::1] Ga = G
    cdef int[::1] oka = ok
    cdef int[::1] sa = np.ascontiguousarray(s, dtype=np.intc)
    cdef int[:, ::1] sp = np.ascontiguousarray(supp, dtype=np.intc)
    cdef int[::1] wa = np.ascontiguousarray(which, dtype=np.intc)
    cdef int H = Ga.shape[0]
    cdef int n0 = Ga.shape[1] - 1
    dec = np.zeros(H, dtype=np.intc)
    cdef int[::1] da = dec
    cdef int has_box = 0
    cdef double lo = 0.0, hi = 0.0
    if box is not None:
        has_box = 1
        lo = box[0]
        hi = box[1]
    with nogil:
        es_farkas_filter(H, n0, &Ga[0, 0], &oka[0], &sa[0], &sp[0, 0], &wa[0], has_box, lo, hi, &da[0])
    return dec


def farkas_proven_codes(G, ok, s, supp, which, box):
    """``(hs, codes)``: the h with a proven Farkas support (es_farkas_filter) and each support's code
    ``sum_i (id_i + 1) << (20 i)`` over its ids in increasing order (ids below 2^20 - 1)."""
    dec = farkas_filter(G, ok, s, supp, which, box)
    cdef int[::1] da = dec
    cdef int[:, ::1] sp = np.ascontiguousarray(supp, dtype=np.intc)
    cdef int H = da.shape[0]
    cdef int w = sp.shape[1]
    cdef int h, q, i, j, m, t
    cdef int ids[64]
    hs, codes = [], []
    if w > 64:
        return hs, codes
    for h in range(H):
        if not da[h]:
            continue
        m = 0
        for q in range(w):
            if sp[h, q] >= 0:
                ids[m] = sp[h, q]
                m += 1
        for i in range(1, m):            # insertion sort: m <= n0
            t = ids[i]
            j = i - 1
            while j >= 0 and ids[j] > t:
                ids[j + 1] = ids[j]
                j -= 1
            ids[j + 1] = t
        code = 0
        for i in range(m - 1, -1, -1):
            code = (code << 20) | (ids[i] + 1)
        hs.append(h)
        codes.append(code)
    return hs, codes


def nonprop_filter(G, ok):
    """maybe (H x H, upper triangle): 0 where rows j < k are proven not proportional."""
    cdef double[:, ::1] Ga = G
    cdef int[::1] oka = ok
    cdef int H = Ga.shape[0]
    mb = np.zeros((H, H), dtype=np.intc)
    cdef int[:, ::1] ma = mb
    if H:
        with nogil:
            es_nonprop_filter(H, Ga.shape[1], &Ga[0, 0], &oka[0], &ma[0, 0])
    return mb


def point_signs(G, ok, s, cands):
    """signs (n x H): s_k z_k(P/Q) > 0 -> 1, < 0 -> -1 (proven), 2 undecided; cands: [(P, Q)] of ints."""
    cdef double[:, ::1] Ga = G
    cdef int[::1] oka = ok
    cdef int[::1] sa = np.ascontiguousarray(s, dtype=np.intc)
    cdef int H = Ga.shape[0]
    cdef int w = Ga.shape[1]
    cdef int n = len(cands)
    X = np.empty((n, w))
    cdef double[:, ::1] Xa = X
    cdef int c, i
    for c in range(n):
        P, Q = cands[c]
        for i in range(w - 1):
            Xa[c, i] = _dbl(P[i])
        Xa[c, w - 1] = _dbl(Q)
    Xn = np.empty((n, w))
    xok = np.empty(n, dtype=np.intc)
    out = np.empty((n, H), dtype=np.intc)
    cdef double[:, ::1] Xna = Xn
    cdef int[::1] xoka = xok
    cdef int[:, ::1] oa = out
    if n and H:
        with nogil:
            es_normalize_rows(n, w, &Xa[0, 0], &Xna[0, 0], &xoka[0])
            es_point_signs(H, w, &Ga[0, 0], &oka[0], &sa[0], n, &Xna[0, 0], &xoka[0], &oa[0, 0])
    return out


def rows_generic(G, ok):
    """True when no row of G is zero and every pair of rows is proven not proportional."""
    cdef double[:, ::1] Ga = G
    cdef int[::1] oka = ok
    cdef int r = 0
    if Ga.shape[0]:
        with nogil:
            r = es_rows_generic(Ga.shape[0], Ga.shape[1], &Ga[0, 0], &oka[0])
    return r == 1 or Ga.shape[0] == 0
