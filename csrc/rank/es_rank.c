/* Online Gaussian elimination mod p; see es_rank.h for the mathematics. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/es_modp.h"
#include "rank/es_rank.h"

#define TWO52 4503599627370496.0 /* 2^52 */

/* Centred residue of an integer-valued double x with |x| <= 2^52.
 * q*p stays below 2^53 and x - q*p is a small integer, so every step is
 * exact; a misrounded quotient is corrected by the loops (at most once). */
static inline double es_red(double x, double p, double pinv, double h) {
    /* round-to-nearest of x/p by the 1.5*2^52 trick (|x/p| < 2^51; no libm
     * call, so the loops vectorise) */
    const double magic = 6755399441055744.0;
    double q = (x * pinv + magic) - magic;
    double r = x - q * p;
    r = r > h ? r - p : r;
    r = r < -h ? r + p : r;
    return r;
}

static inline double es_centre(uint64_t v, uint64_t p) {
    return v > (p - 1) / 2 ? -(double)(p - v) : (double)v;
}

static inline uint64_t es_uncentre(double v, uint64_t p) {
    return v < 0 ? p - (uint64_t)(-v) : (uint64_t)v;
}

void es_naive_dgemm(char *transa, char *transb, int *m, int *n, int *k,
                    double *alpha, double *a, int *lda, double *b, int *ldb,
                    double *beta, double *c, int *ldc) {
    (void)transa; (void)transb;
    int M = *m, N = *n, K = *k;
    for (int j = 0; j < N; j++) {
        double *cj = c + (int64_t)j * *ldc;
        if (*beta != 1.0)
            for (int i = 0; i < M; i++) cj[i] *= *beta;
        for (int l = 0; l < K; l++) {
            double s = *alpha * b[l + (int64_t)j * *ldb];
            if (s == 0.0) continue;
            const double *al = a + (int64_t)l * *lda;
            for (int i = 0; i < M; i++) cj[i] += s * al[i];
        }
    }
}

void es_elim_free(es_elim *e) {
    if (!e) return;
    free(e->pivots); free(e->indep); free(e->is_pivot); free(e->B); free(e->Bu);
    free(e->R); free(e->newpiv); free(e->rowid);
    free(e->accepted); free(e->urow); free(e->cnt); free(e->colperm); free(e->pos);
    free(e);
}

static void *es_alloc(int64_t n, size_t size, int *ok) {
    /* n * size must fit size_t; zero-size requests still return a pointer */
    if (n < 0 || (uint64_t)n > (SIZE_MAX / 2) / (size ? size : 1)) { *ok = 0; return NULL; }
    void *q = calloc(n > 0 ? (size_t)n : 1, size);
    if (!q) *ok = 0;
    return q;
}

es_elim *es_elim_new(int64_t ncols, int64_t target, uint64_t p, es_dgemm_t dgemm,
                     int force_u64, int64_t block, int *err) {
    *err = ES_EINVAL;
    if (ncols < 1 || ncols > 0x7fffffffLL || target < 0 || target > ncols) return NULL;
    if (p < 3 || p >= (1ULL << 63) || !es_is_prime(p)) return NULL;
    if (block < 1) block = 1;
    if (block > 4096) block = 4096;
    es_elim *e = calloc(1, sizeof(es_elim));
    if (!e) { *err = ES_ENOMEM; return NULL; }
    e->ncols = ncols; e->target = target; e->p = p;
    e->use_double = !force_u64 && p < (1ULL << 26);
    e->block = block;
    e->dgemm = dgemm ? dgemm : es_naive_dgemm;
    int ok = 1;
    int64_t t1 = target > 0 ? target : 1;
    e->pivots = es_alloc(t1, sizeof(int64_t), &ok);
    e->indep = es_alloc(t1, sizeof(int64_t), &ok);
    e->is_pivot = es_alloc(ncols, 1, &ok);
    if (ok && (uint64_t)t1 > (uint64_t)INT64_MAX / (uint64_t)ncols) ok = 0;
    if (e->use_double) {
        uint64_t h = (p - 1) / 2;
        /* |residue| <= h; kc products of two residues plus one residue <= 2^52 */
        uint64_t kc = ((1ULL << 52) - h) / (h * h);
        if (kc < 1) ok = 0;
        e->kc = kc > 0x7fffffffULL ? 0x7fffffff : (int64_t)kc;
        e->dp = (double)p; e->dh = (double)h; e->pinv = 1.0 / (double)p;
        if (ok && (uint64_t)block > (uint64_t)INT64_MAX / (uint64_t)ncols) ok = 0;
        if (ok) {
            e->B = es_alloc(t1 * ncols, sizeof(double), &ok);
            e->R = es_alloc(block * ncols, sizeof(double), &ok);
            e->newpiv = es_alloc(block, sizeof(int64_t), &ok);
            e->rowid = es_alloc(block, sizeof(int64_t), &ok);
            e->accepted = es_alloc(block, 1, &ok);
            e->cnt = es_alloc(block, sizeof(int64_t), &ok);
            e->colperm = es_alloc(ncols, sizeof(int64_t), &ok);
            e->pos = es_alloc(ncols, sizeof(int64_t), &ok);
            if (ok)
                for (int64_t q = 0; q < ncols; q++) e->colperm[q] = e->pos[q] = q;
        }
    } else if (ok) {
        e->Bu = es_alloc(t1 * ncols, sizeof(uint64_t), &ok);
        e->urow = es_alloc(ncols, sizeof(uint64_t), &ok);
    }
    if (!ok) { es_elim_free(e); *err = ES_ENOMEM; return NULL; }
    *err = ES_OK;
    return e;
}

/* ---- u64 path: one row at a time against an echelon basis ---------------- */
static int es_add_row_u64(es_elim *e, const uint64_t *src) {
    const uint64_t p = e->p;
    const int64_t n = e->ncols;
    uint64_t *r = e->urow;
    for (int64_t c = 0; c < n; c++) {
        if (src[c] >= p) return ES_EINVAL;
        r[c] = src[c];
    }
    /* Basis row j has 1 at its pivot and 0 at the pivots of rows < j, so
     * reducing in insertion order clears every pivot column of r. */
    for (int64_t j = 0; j < e->rank; j++) {
        uint64_t f = r[e->pivots[j]];
        if (!f) continue;
        const uint64_t *b = e->Bu + j * n;
        uint64_t nf = p - f;
        for (int64_t c = 0; c < n; c++)
            if (b[c]) r[c] = es_addmod(r[c], es_mulmod(nf, b[c], p), p);
    }
    int64_t piv = -1;
    for (int64_t c = 0; c < n; c++)
        if (r[c]) { piv = c; break; }
    if (piv < 0) return 0;
    if (e->is_pivot[piv]) return ES_EOVERFLOW; /* internal invariant broken */
    uint64_t inv = es_invmod(r[piv], p);
    uint64_t *b = e->Bu + e->rank * n;
    for (int64_t c = 0; c < n; c++) b[c] = r[c] ? es_mulmod(r[c], inv, p) : 0;
    e->pivots[e->rank] = piv;
    e->indep[e->rank] = e->rows_seen;
    e->is_pivot[piv] = 1;
    e->rank++;
    return 1;
}

/* ---- double path -------------------------------------------------------- */

/* C(m x n, col-major, ldc) -= A(m x k, lda) B(k x n, ldb), inner dimension
 * chunked to kc with a centred reduction of C after each chunk. */
static void es_gemm_sub(es_elim *e, int64_t m, int64_t n, int64_t k,
                        double *a, int64_t lda, double *b, int64_t ldb,
                        double *c, int64_t ldc) {
    char N = 'N';
    double alpha = -1.0, beta = 1.0;
    int im = (int)m, in = (int)n, ilda = (int)lda, ildb = (int)ldb, ildc = (int)ldc;
    for (int64_t k0 = 0; k0 < k; k0 += e->kc) {
        int ik = (int)(k - k0 < e->kc ? k - k0 : e->kc);
        e->dgemm(&N, &N, &im, &in, &ik, &alpha, a + k0 * lda, &ilda, b + k0, &ildb,
                 &beta, c, &ildc);
        for (int64_t j = 0; j < n; j++) {
            double *cj = c + j * ldc;
            for (int64_t i = 0; i < m; i++) cj[i] = es_red(cj[i], e->dp, e->pinv, e->dh);
        }
    }
}

/* Swap storage positions a and b of the double-path column order, in the
 * basis rows [0, nbasis) and the block rows [0, nblock). */
static void es_swap_cols(es_elim *e, int64_t a, int64_t b, int64_t nbasis, int64_t nblock) {
    if (a == b) return;
    const int64_t n = e->ncols;
    for (int64_t r = 0; r < nbasis; r++) {
        double *x = e->B + r * n, t = x[a]; x[a] = x[b]; x[b] = t;
    }
    for (int64_t r = 0; r < nblock; r++) {
        double *x = e->R + r * n, t = x[a]; x[a] = x[b]; x[b] = t;
    }
    int64_t ca = e->colperm[a], cb = e->colperm[b];
    e->colperm[a] = cb; e->colperm[b] = ca;
    e->pos[cb] = a; e->pos[ca] = b;
}

/* Double path.  Storage keeps the columns permuted so that the pivot
 * columns of the basis occupy positions [0, rank): there the basis is the
 * identity and every reduced row is 0, so all products run on the
 * contiguous non-pivot part [rank, ncols) only (about a third of the work of
 * a full Gauss-Jordan on square input). */
static int es_block_double(es_elim *e, const uint64_t *rows, int64_t nb, int64_t *consumed) {
    const int64_t n = e->ncols, r0 = e->rank;
    const uint64_t p = e->p;
    const double dp = e->dp, pinv = e->pinv, dh = e->dh;
    double *R = e->R;
    const int64_t *cp = e->colperm;
    if (nb <= 0 || nb > e->block) return ES_EINVAL;
    for (int64_t i = 0; i < nb; i++) {
        const uint64_t *src = rows + i * n;
        double *ri = R + i * n;
        for (int64_t q = 0; q < n; q++) {
            uint64_t v = src[cp[q]];
            if (v >= p) return ES_EINVAL;
            ri[q] = es_centre(v, p);
        }
    }
    /* 1. R -= R[:, 0:r0] B: B[:, 0:r0] = I, so only positions [r0, n) need
     *    the product; positions [0, r0) become exactly 0.  Row-major R
     *    (nb x n) is column-major R^T (n x nb): R^T[r0:, :] -= B^T[r0:, :] R^T[:r0, :]. */
    if (r0 > 0) {
        if (r0 < n) es_gemm_sub(e, n - r0, nb, r0, e->B + r0, n, R, n, R + r0, n);
        for (int64_t i = 0; i < nb; i++) memset(R + i * n, 0, (size_t)r0 * sizeof(double));
    }
    /* 2. Gauss-Jordan inside the block, rows in input order; the pivot of a
     *    row is its first nonzero entry in the original column order.
     *    Updates r_j -= f r_i are applied without reduction (f and r_i are
     *    reduced, so each adds at most h^2 in magnitude); cnt[j] counts them
     *    and row j is reduced before it could pass kc - 1 updates, before its
     *    pivot search, and before it leaves the block. */
    int64_t k = 0, used = nb;
    int64_t *cnt = e->cnt;
    memset(e->accepted, 0, (size_t)nb);
    memset(cnt, 0, (size_t)nb * sizeof(int64_t));
    const int64_t lim = e->kc - 1;
    for (int64_t i = 0; i < nb; i++) {
        if (r0 + k >= e->target) { used = i; break; }
        double *ri = R + i * n;
        const int64_t t = r0 + k; /* first free position */
        if (cnt[i]) {
            for (int64_t q = t; q < n; q++) ri[q] = es_red(ri[q], dp, pinv, dh);
            cnt[i] = 0;
        }
        int64_t piv = -1;
        for (int64_t c = 0; c < n; c++) {
            int64_t q = e->pos[c];
            if (q >= t && ri[q] != 0.0) { piv = c; break; }
        }
        if (piv < 0) continue;
        if (e->is_pivot[piv]) return ES_EOVERFLOW; /* invariant broken */
        es_swap_cols(e, e->pos[piv], t, r0, nb);
        uint64_t inv = es_invmod(es_uncentre(ri[t], p), p);
        double dinv = es_centre(inv, p);
        for (int64_t q = t; q < n; q++) ri[q] = es_red(ri[q] * dinv, dp, pinv, dh);
        ri[t] = 1.0;
        for (int64_t j = 0; j < nb; j++) {
            if (j == i || (j < i && !e->accepted[j])) continue;
            double *rj = R + j * n;
            double f = cnt[j] ? es_red(rj[t], dp, pinv, dh) : rj[t];
            if (f == 0.0) { rj[t] = 0.0; continue; }
            if (cnt[j] >= lim) {
                for (int64_t q = t; q < n; q++) rj[q] = es_red(rj[q], dp, pinv, dh);
                cnt[j] = 0;
            }
            for (int64_t q = t; q < n; q++) rj[q] -= f * ri[q];
            rj[t] = 0.0; /* exactly: f was the reduced value there */
            cnt[j]++;
        }
        e->is_pivot[piv] = 1;
        e->accepted[i] = 1;
        e->newpiv[k] = piv;
        e->rowid[k] = e->rows_seen + i;
        k++;
    }
    *consumed = used;
    if (k == 0) return ES_OK;
    /* compact the accepted rows to the front of R, reduced */
    int64_t m = 0;
    for (int64_t i = 0; i < used; i++) {
        if (!e->accepted[i]) continue;
        double *ri = R + i * n;
        if (cnt[i]) {
            for (int64_t q = r0; q < n; q++) ri[q] = es_red(ri[q], dp, pinv, dh);
            cnt[i] = 0;
        }
        if (m != i) memmove(R + m * n, ri, (size_t)n * sizeof(double));
        m++;
    }
    /* 3. B_old -= B_old[:, r0:r0+k] R': keeps the basis fully reduced; only
     *    positions [r0+k, n) need the product, [r0, r0+k) become 0.
     *    Column-major: B^T[r0+k:, :r0] -= R'^T[r0+k:, :k] B^T[r0:r0+k, :r0]. */
    const int64_t r1 = r0 + k;
    if (r0 > 0) {
        if (r1 < n) es_gemm_sub(e, n - r1, r0, k, R + r1, n, e->B + r0, n, e->B + r1, n);
        for (int64_t r = 0; r < r0; r++) memset(e->B + r * n + r0, 0, (size_t)k * sizeof(double));
    }
    /* 4. append */
    for (int64_t s = 0; s < k; s++) {
        memcpy(e->B + (r0 + s) * n, R + s * n, (size_t)n * sizeof(double));
        e->pivots[r0 + s] = e->newpiv[s];
        e->indep[r0 + s] = e->rowid[s];
    }
    e->rank = r1;
    return ES_OK;
}

int es_elim_add_rows(es_elim *e, const uint64_t *rows, int64_t nrows, int64_t *consumed) {
    *consumed = 0;
    if (!e || nrows < 0) return ES_EINVAL;
    int64_t done = 0;
    while (done < nrows && e->rank < e->target) {
        if (e->use_double) {
            int64_t nb = nrows - done < e->block ? nrows - done : e->block;
            int64_t used = 0;
            int rc = es_block_double(e, rows + done * e->ncols, nb, &used);
            if (rc < 0) return rc;
            done += used;
            e->rows_seen += used;
        } else {
            int rc = es_add_row_u64(e, rows + done * e->ncols);
            if (rc < 0) return rc;
            done++;
            e->rows_seen++;
        }
    }
    *consumed = done;
    return ES_OK;
}

int es_elim_basis_row(const es_elim *e, int64_t j, uint64_t *out) {
    if (!e || j < 0 || j >= e->rank) return ES_EINVAL;
    for (int64_t c = 0; c < e->ncols; c++)
        out[c] = e->use_double ? es_uncentre(e->B[j * e->ncols + e->pos[c]], e->p)
                               : e->Bu[j * e->ncols + c];
    return ES_OK;
}

/* ---- Jacobian rows mod p -------------------------------------------------- */
int es_jacobian_modp(int64_t depth, const int64_t *arch, const uint64_t *theta, uint64_t p,
                     int64_t npts, const uint64_t *X, const int8_t *pattern, uint64_t *out) {
    if (depth < 1 || npts < 0 || p < 2 || p >= (1ULL << 63)) return ES_EINVAL;
    int64_t D = 0, H = 0, wmax = 0, asum = 0;
    for (int64_t l = 0; l <= depth; l++) {
        if (arch[l] < 1 || arch[l] > 10000000) return ES_EINVAL;
        if (arch[l] > wmax) wmax = arch[l];
    }
    for (int64_t l = 1; l <= depth; l++) {
        D += arch[l] * (arch[l - 1] + 1);
        if (D > 100000000) return ES_EOVERFLOW;
        if (l < depth) H += arch[l];
        asum += arch[l - 1];
    }
    const int64_t n0 = arch[0], nd = arch[depth];
    int ok = 1;
    int64_t *off = es_alloc(depth + 1, sizeof(int64_t), &ok);   /* parameter offset of layer l */
    int64_t *aoff = es_alloc(depth + 1, sizeof(int64_t), &ok);  /* offset of a_{l-1} in act */
    uint64_t *act = es_alloc(asum, sizeof(uint64_t), &ok);
    uint64_t *G = es_alloc(nd * wmax, sizeof(uint64_t), &ok);
    uint64_t *G2 = es_alloc(nd * wmax, sizeof(uint64_t), &ok);
    int rc = ES_OK;
    if (!ok) { rc = ES_ENOMEM; goto done; }
    for (int64_t l = 1, o = 0, ao = 0; l <= depth; l++) {
        off[l] = o; aoff[l] = ao;
        o += arch[l] * (arch[l - 1] + 1);
        ao += arch[l - 1];
    }
    for (int64_t c = 0; c < D; c++) if (theta[c] >= p) { rc = ES_EINVAL; goto done; }
    for (int64_t pt = 0; pt < npts; pt++) {
        const uint64_t *x = X + pt * n0;
        const int8_t *pat = pattern + pt * H;
        for (int64_t j = 0; j < n0; j++) {
            if (x[j] >= p) { rc = ES_EINVAL; goto done; }
            act[j] = x[j];
        }
        /* forward: a_l = Delta_l z_l for the hidden layers */
        int64_t h = 0;
        for (int64_t l = 1; l < depth; l++) {
            const int64_t m = arch[l], c = arch[l - 1];
            const uint64_t *W = theta + off[l], *b = theta + off[l] + m * c;
            const uint64_t *a = act + aoff[l];
            uint64_t *an = act + aoff[l + 1];
            for (int64_t i = 0; i < m; i++, h++) {
                int8_t s = pat[h];
                if (s != 1 && s != -1) { rc = ES_EINVAL; goto done; }
                if (s < 0) { an[i] = 0; continue; }
                uint64_t z = b[i];
                for (int64_t j = 0; j < c; j++) z = es_addmod(z, es_mulmod(W[i * c + j], a[j], p), p);
                an[i] = z;
            }
        }
        /* backward: G_d = I, G_l = G_{l+1} W_{l+1} Delta_l */
        memset(G, 0, (size_t)(nd * wmax) * sizeof(uint64_t));
        for (int64_t k = 0; k < nd; k++) G[k * wmax + k] = 1 % p;
        h = H;
        for (int64_t l = depth; l >= 1; l--) {
            const int64_t m = arch[l], c = arch[l - 1];
            const uint64_t *a = act + aoff[l];
            for (int64_t k = 0; k < nd; k++) {
                uint64_t *row = out + (pt * nd + k) * D + off[l];
                const uint64_t *g = G + k * wmax;
                for (int64_t i = 0; i < m; i++) {
                    uint64_t gi = g[i];
                    uint64_t *ri = row + i * c;
                    if (!gi) { memset(ri, 0, (size_t)c * sizeof(uint64_t)); continue; }
                    for (int64_t j = 0; j < c; j++) ri[j] = es_mulmod(gi, a[j], p);
                }
                memcpy(row + m * c, g, (size_t)m * sizeof(uint64_t));
            }
            if (l == 1) break;
            const uint64_t *W = theta + off[l];
            h -= c; /* pattern entries of layer l-1 start at h */
            for (int64_t k = 0; k < nd; k++) {
                const uint64_t *g = G + k * wmax;
                uint64_t *g2 = G2 + k * wmax;
                for (int64_t j = 0; j < c; j++) {
                    if (pat[h + j] < 0) { g2[j] = 0; continue; }
                    uint64_t s = 0;
                    for (int64_t i = 0; i < m; i++)
                        if (g[i]) s = es_addmod(s, es_mulmod(g[i], W[i * c + j], p), p);
                    g2[j] = s;
                }
            }
            uint64_t *tmp = G; G = G2; G2 = tmp;
        }
    }
done:
    free(off); free(aoff); free(act); free(G); free(G2);
    return rc;
}
