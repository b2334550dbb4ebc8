/* Dense two-phase simplex for the small LPs of region enumeration.
 * See es_lp.h.  Floats only *propose*; every result is re-checked exactly by
 * the caller (exactsym/regions.py), so a wrong answer here can cost time or
 * completeness, never correctness.
 *
 * Constraint ids used by es_region_lps (shared with regions.py):
 *   0..H-1        neuron k:      s_k z_k(x) >= t |a_k|
 *   H + 2i        box face i lo: x_i - lo   >= t
 *   H + 2i + 1    box face i hi: hi - x_i   >= t
 *   H + 2 n0      the cap t <= 1 (keeps the LP bounded on unbounded regions)
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "arrangement/es_lp.h"

#define EPS_RC 1e-10     /* reduced-cost tolerance */
#define EPS_PIV 1e-11    /* smallest acceptable pivot */
#define MAX_DANTZIG 200
#define MAX_ITER 5000

long es_lp_work_doubles(int m, int n) { return (long)n * (m + n + 1) + (m + n + 1) + 8; }
long es_lp_work_ints(int m, int n) { return n + 8; }

static void pivot(double *T, double *d, int *basis, int n, int W, int r, int jc) {
    double *pr = T + (long)r * W;
    double inv = 1.0 / pr[jc];
    for (int j = 0; j < W; j++) pr[j] *= inv;
    pr[jc] = 1.0;
    for (int i = 0; i < n; i++) {
        if (i == r) continue;
        double *pi = T + (long)i * W;
        double f = pi[jc];
        if (f != 0.0) {
            for (int j = 0; j < W; j++) pi[j] -= f * pr[j];
            pi[jc] = 0.0;
        }
    }
    double f = d[jc];
    if (f != 0.0) {
        for (int j = 0; j < W; j++) d[j] -= f * pr[j];
        d[jc] = 0.0;
    }
    basis[r] = jc;
}

/* simplex iterations over entering columns 0..ncand-1; returns 0 optimal, 1 failure */
static int iterate(double *T, double *d, int *basis, int n, int W, int ncand) {
    for (int it = 0; it < MAX_ITER; it++) {
        int jc = -1;
        if (it < MAX_DANTZIG) {
            double best = -EPS_RC;
            for (int j = 0; j < ncand; j++)
                if (d[j] < best) { best = d[j]; jc = j; }
        } else {
            for (int j = 0; j < ncand; j++)
                if (d[j] < -EPS_RC) { jc = j; break; }
        }
        if (jc < 0) return 0;
        int r = -1;
        double bestratio = 0.0;
        for (int i = 0; i < n; i++) {
            double a = T[(long)i * W + jc];
            if (a > EPS_PIV) {
                double ratio = T[(long)i * W + W - 1] / a;
                if (r < 0 || ratio < bestratio - 1e-14 ||
                    (ratio <= bestratio + 1e-14 && basis[i] < basis[r])) {
                    r = i; bestratio = ratio;
                }
            }
        }
        if (r < 0) return 1;  /* dual unbounded: primal infeasible (cannot happen here) */
        pivot(T, d, basis, n, W, r, jc);
    }
    return 1;
}

int es_lp_maxlast(int m, int n, const double *G, const double *g,
                  double *y, double *u, double *value, double *work, int *iwork) {
    int W = m + n + 1;
    double *T = work;
    double *d = work + (long)n * W;
    int *basis = iwork;
    memset(T, 0, sizeof(double) * (long)n * W);
    for (int r = 0; r < n; r++) {
        double *tr = T + (long)r * W;
        for (int j = 0; j < m; j++) tr[j] = G[(long)j * n + r];
        tr[m + r] = 1.0;
        tr[W - 1] = (r == n - 1) ? 1.0 : 0.0;
        basis[r] = m + r;
    }
    /* phase 1: minimise the sum of artificials */
    for (int j = 0; j < W; j++) {
        double s = (j >= m && j < m + n) ? 1.0 : 0.0;
        for (int r = 0; r < n; r++) s -= T[(long)r * W + j];
        d[j] = s;
    }
    if (iterate(T, d, basis, n, W, m)) return ES_LP_FAIL;
    double infeas = 0.0;
    for (int r = 0; r < n; r++)
        if (basis[r] >= m) infeas += T[(long)r * W + W - 1];
    if (infeas > 1e-8) return ES_LP_FAIL;
    for (int r = 0; r < n; r++) {
        if (basis[r] < m) continue;
        int jb = -1; double bv = 1e-9;
        for (int j = 0; j < m; j++) {
            double a = fabs(T[(long)r * W + j]);
            if (a > bv) { bv = a; jb = j; }
        }
        if (jb >= 0) pivot(T, d, basis, n, W, r, jb);
    }
    /* phase 2: reduced costs of g */
    for (int j = 0; j < W; j++) {
        double s = (j < m) ? g[j] : 0.0;
        for (int r = 0; r < n; r++) {
            double cb = basis[r] < m ? g[basis[r]] : 0.0;
            s -= cb * T[(long)r * W + j];
        }
        d[j] = s;
    }
    if (iterate(T, d, basis, n, W, m)) return ES_LP_FAIL;
    double val = 0.0;
    for (int j = 0; j < m; j++) u[j] = 0.0;
    for (int r = 0; r < n; r++) {
        double rhs = T[(long)r * W + W - 1];
        if (basis[r] < m) { u[basis[r]] = rhs; val += g[basis[r]] * rhs; }
    }
    for (int r = 0; r < n; r++) y[r] = -d[m + r];
    *value = val;
    if (!isfinite(val)) return ES_LP_FAIL;
    return ES_LP_OK;
}

int es_region_lps(int H, int n0, const double *A, const double *c, const int *s,
                  int has_box, double lo, double hi, const int *todo,
                  double *center, double *radius,
                  double *tstar, double *pts, int *supp, int *status) {
    int mmax = H + 2 * n0 + 1, nmax = n0 + 1;
    double *G = malloc(sizeof(double) * ((long)mmax * nmax + mmax + mmax * 2 + nmax
                                         + H + es_lp_work_doubles(mmax, nmax)));
    int *ids = malloc(sizeof(int) * (mmax + es_lp_work_ints(mmax, nmax)));
    if (!G || !ids) { free(G); free(ids); return ES_LP_NOMEM; }
    double *g = G + (long)mmax * nmax;
    double *u = g + mmax;              /* 2*mmax reserved */
    double *y = u + 2 * mmax;
    double *nrm = y + nmax;
    double *work = nrm + H;
    int *iwork = ids + mmax;
    for (int k = 0; k < H; k++) {
        double q = 0.0;
        for (int i = 0; i < n0; i++) q += A[(long)k * n0 + i] * A[(long)k * n0 + i];
        nrm[k] = sqrt(q);
    }
    double amax = 0.0;
    for (int k = 0; k < H; k++) if (nrm[k] > amax) amax = nrm[k];
    double tiny = 1e-13 * (amax > 0 ? amax : 1.0);

    /* ---- Chebyshev-type centre: max t, s_k z_k >= t |a_k|, box faces >= t, t <= 1 */
    int m = 0, n = n0 + 1;
    for (int k = 0; k < H; k++) {
        if (nrm[k] <= tiny) continue;
        for (int i = 0; i < n0; i++) G[(long)m * n + i] = -s[k] * A[(long)k * n0 + i] / nrm[k];
        G[(long)m * n + n0] = 1.0;
        g[m] = s[k] * c[k] / nrm[k];
        ids[m++] = k;
    }
    if (has_box) {
        for (int i = 0; i < n0; i++) {
            for (int q = 0; q < 2; q++) {
                for (int jj = 0; jj < n0; jj++) G[(long)m * n + jj] = 0.0;
                G[(long)m * n + i] = q ? 1.0 : -1.0;
                G[(long)m * n + n0] = 1.0;
                g[m] = q ? hi : -lo;
                ids[m++] = H + 2 * i + q;
            }
        }
    }
    for (int jj = 0; jj < n0; jj++) G[(long)m * n + jj] = 0.0;
    G[(long)m * n + n0] = 1.0;
    g[m] = 1.0;
    ids[m++] = H + 2 * n0;
    double val;
    int rc = es_lp_maxlast(m, n, G, g, y, u, &val, work, iwork);
    if (rc != ES_LP_OK) { free(G); free(ids); return ES_LP_FAIL; }
    for (int i = 0; i < n0; i++) center[i] = y[i];
    *radius = val;

    /* ---- facet LPs: max t on z_h = 0 (x_j eliminated), others >= t |a_k| */
    for (int h = 0; h < H; h++) {
        if (!todo[h]) continue;
        for (int q = 0; q <= n0; q++) supp[(long)h * (n0 + 1) + q] = -1;
        if (nrm[h] <= tiny) { status[h] = 3; continue; }
        const double *ah = A + (long)h * n0;
        int jx = 0;
        for (int i = 1; i < n0; i++) if (fabs(ah[i]) > fabs(ah[jx])) jx = i;
        n = n0;  /* variables: x_i (i != jx) in order, then t */
        m = 0;
        /* substitute x_jx = -(c_h + sum_{i != jx} a_h[i] x_i) / a_h[jx] into alpha.x + t <= beta */
#define ADDROW(ALPHA, BETA, ID) do { \
            double aj_ = (ALPHA)[jx] / ah[jx]; int col_ = 0; \
            for (int i_ = 0; i_ < n0; i_++) { if (i_ == jx) continue; \
                G[(long)m * n + col_++] = (ALPHA)[i_] - aj_ * ah[i_]; } \
            G[(long)m * n + n - 1] = 1.0; \
            g[m] = (BETA) + aj_ * c[h]; ids[m++] = (ID); } while (0)
        double alpha[64];
        double *al = n0 <= 64 ? alpha : NULL;
        if (!al) { status[h] = ES_LP_FAIL; continue; }
        for (int k = 0; k < H; k++) {
            if (k == h || nrm[k] <= tiny) continue;
            for (int i = 0; i < n0; i++) al[i] = -s[k] * A[(long)k * n0 + i] / nrm[k];
            ADDROW(al, s[k] * c[k] / nrm[k], k);
        }
        if (has_box) {
            for (int i = 0; i < n0; i++) {
                for (int q = 0; q < 2; q++) {
                    for (int jj = 0; jj < n0; jj++) al[jj] = 0.0;
                    al[i] = q ? 1.0 : -1.0;
                    ADDROW(al, q ? hi : -lo, H + 2 * i + q);
                }
            }
        }
        for (int jj = 0; jj < n - 1; jj++) G[(long)m * n + jj] = 0.0;
        G[(long)m * n + n - 1] = 1.0;
        g[m] = 1.0;
        ids[m++] = H + 2 * n0;
#undef ADDROW
        rc = es_lp_maxlast(m, n, G, g, y, u, &val, work, iwork);
        status[h] = rc;
        if (rc != ES_LP_OK) continue;
        tstar[h] = val;
        double acc = c[h];
        int col = 0;
        for (int i = 0; i < n0; i++) {
            if (i == jx) continue;
            pts[(long)h * n0 + i] = y[col];
            acc += ah[i] * y[col];
            col++;
        }
        pts[(long)h * n0 + jx] = -acc / ah[jx];
        int q = 0;
        for (int r = 0; r < m && q <= n0; r++)
            if (u[r] > 1e-13 && ids[r] != H + 2 * n0) supp[(long)h * (n0 + 1) + q++] = ids[r];
    }
    free(G); free(ids);
    return ES_LP_OK;
}
