/* See es_farkas.h.  Every operation is overflow-checked; on overflow the pair
 * is handed back to the caller (status 1), which redoes it with unbounded
 * integers.  Exactness is never traded for speed. */
#include <string.h>
#include "arrangement/es_farkas.h"

typedef __int128 i128;

static int mul(i128 a, i128 b, i128 *r) { return __builtin_mul_overflow(a, b, r); }
static int add(i128 a, i128 b, i128 *r) { return __builtin_add_overflow(a, b, r); }
static int sub(i128 a, i128 b, i128 *r) { return __builtin_sub_overflow(a, b, r); }

/* Bareiss fraction-free determinant of an n x n matrix (destroys A). 1 on overflow. */
static int bareiss_det(int n, i128 *A, i128 *out) {
    i128 prev = 1;
    int sign = 1;
    for (int k = 0; k < n - 1; k++) {
        if (A[k * n + k] == 0) {
            int p = -1;
            for (int i = k + 1; i < n; i++) if (A[i * n + k] != 0) { p = i; break; }
            if (p < 0) { *out = 0; return 0; }
            for (int j = 0; j < n; j++) { i128 t = A[k * n + j]; A[k * n + j] = A[p * n + j]; A[p * n + j] = t; }
            sign = -sign;
        }
        for (int i = k + 1; i < n; i++) {
            for (int j = k + 1; j < n; j++) {
                i128 x, y, z;
                if (mul(A[i * n + j], A[k * n + k], &x)) return 1;
                if (mul(A[i * n + k], A[k * n + j], &y)) return 1;
                if (sub(x, y, &z)) return 1;
                A[i * n + j] = z / prev;   /* exact by Sylvester's identity */
            }
            A[i * n + k] = 0;
        }
        prev = A[k * n + k];
    }
    *out = sign > 0 ? A[(n - 1) * n + n - 1] : -A[(n - 1) * n + n - 1];
    return 0;
}

static void put(i128 v, int64_t *dst) {
    dst[0] = (int64_t)(v >> 64);
    dst[1] = (int64_t)(uint64_t)v;
}

static int proportional(int w, const int64_t *u, const int64_t *v) {
    for (int i = 0; i < w; i++)
        for (int j = i + 1; j < w; j++)
            if ((i128)u[i] * v[j] != (i128)u[j] * v[i]) return 0;
    return 1;
}

int es_farkas_region(int H, int n0, const int64_t *M, const int *s, const int *supp,
                     const int *which, int has_box, int64_t lo_num, int64_t lo_den,
                     int64_t hi_num, int64_t hi_den,
                     int *status, int64_t *det2, int64_t *num2, int64_t *cnum2) {
    int w = n0 + 1;
    i128 B[64], T[64], cols[8][8];
    if (n0 > 8) { for (int h = 0; h < H; h++) if (which[h]) status[h] = 1; return 0; }
    /* L = lcm(lo_den, hi_den) */
    i128 L = 1;
    if (has_box) {
        int64_t a = lo_den, b = hi_den;
        while (b) { int64_t t = a % b; a = b; b = t; }
        L = (i128)(lo_den / a) * hi_den;
    }
    for (int h = 0; h < H; h++) {
        if (!which[h]) continue;
        status[h] = 1;
        const int *sp = supp + (long)h * (n0 + 1);
        int ids[9], m = 0;
        for (int q = 0; q <= n0; q++) if (sp[q] >= 0) ids[m++] = sp[q];
        if (m != n0) continue;
        int bad = 0;
        for (int j = 0; j < m; j++) {
            int cid = ids[j];
            if (cid < H) {
                for (int i = 0; i < n0; i++) cols[j][i] = (i128)s[cid] * M[(long)cid * w + i];
            } else if (has_box && cid < H + 2 * n0) {
                int i0 = (cid - H) / 2, side = (cid - H) % 2;
                for (int i = 0; i < n0; i++) cols[j][i] = 0;
                cols[j][i0] = side == 0 ? 1 : -1;
            } else bad = 1;
        }
        if (bad) continue;
        i128 tgt[8];
        for (int i = 0; i < n0; i++) tgt[i] = (i128)s[h] * M[(long)h * w + i];
        /* det of B (rows = equations i, columns = support j) */
        for (int i = 0; i < n0; i++) for (int j = 0; j < n0; j++) B[i * n0 + j] = cols[j][i];
        i128 D;
        if (bareiss_det(n0, B, &D) || D == 0) continue;
        i128 N[8];
        int of = 0;
        for (int jj = 0; jj < n0 && !of; jj++) {
            for (int i = 0; i < n0; i++)
                for (int j = 0; j < n0; j++) T[i * n0 + j] = (j == jj) ? tgt[i] : cols[j][i];
            if (bareiss_det(n0, T, &N[jj])) of = 1;
        }
        if (of) continue;
        if (D < 0) { D = -D; for (int j = 0; j < n0; j++) N[j] = -N[j]; }
        int neg = 0;
        for (int j = 0; j < n0; j++) if (N[j] < 0) neg = 1;
        if (neg) continue;
        /* cnum = (s_h c_h D - sum N_k s_k c_k) L - sum N_f g_f(0) L */
        i128 acc, t1, t2;
        if (mul((i128)s[h] * M[(long)h * w + n0], D, &acc)) continue;
        int boxpos = 0, nonprop = 0;
        for (int j = 0; j < n0 && !of; j++) {
            int cid = ids[j];
            if (N[j] == 0) continue;
            if (cid < H) {
                if (mul(N[j], (i128)s[cid] * M[(long)cid * w + n0], &t1) || sub(acc, t1, &acc)) of = 1;
                if (!proportional(w, M + (long)cid * w, M + (long)h * w)) nonprop = 1;
            }
        }
        if (of) continue;
        if (mul(acc, L, &acc)) continue;
        for (int j = 0; j < n0 && !of; j++) {
            int cid = ids[j];
            if (cid < H || N[j] == 0) continue;
            boxpos = 1;
            int side = (cid - H) % 2;
            /* g(0) = -lo = -lo_num/lo_den, or hi = hi_num/hi_den; times L */
            i128 g0L = side == 0 ? -(i128)lo_num * (L / lo_den) : (i128)hi_num * (L / hi_den);
            if (mul(N[j], g0L, &t2) || sub(acc, t2, &acc)) of = 1;
        }
        if (of) continue;
        if (acc < 0) continue;
        put(D, det2 + 2L * h);
        for (int j = 0; j < n0; j++) put(N[j], num2 + 2L * ((long)h * n0 + j));
        put(acc, cnum2 + 2L * h);
        (void)add;
        status[h] = (acc > 0 || boxpos || nonprop) ? 0 : 2;
    }
    return 0;
}
