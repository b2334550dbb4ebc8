/* See es_filter.h and proofs/float-filter.md (the lemma this code implements:
 * the evaluation order below is the one the proof analyses, so do not
 * "simplify" it).  Compiled without contraction (-ffp-contract=off); the
 * proof covers an FMA too, since it only removes roundings. */
#include <fenv.h>
#include <float.h>
#include <math.h>
#include "arrangement/es_filter.h"

#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "es_filter.c needs FLT_EVAL_METHOD == 0 (double evaluated in double, no x87 extended precision)"
#endif
#if DBL_MANT_DIG != 53 || FLT_RADIX != 2
#error "es_filter.c needs IEEE 754 binary64 doubles"
#endif
#if defined(__FAST_MATH__) || (defined(__FINITE_MATH_ONLY__) && __FINITE_MATH_ONLY__)
#error "es_filter.c must not be built with -ffast-math / -Ofast (the error bound assumes IEEE semantics)"
#endif
#if defined(__SSE2__) && (defined(__x86_64__) || defined(__i386__))
#include <xmmintrin.h>
/* SSE arithmetic obeys MXCSR, not the x87 word that fegetround() reads on glibc: require
 * round-to-nearest (RC bits 13-14 clear) and no flush-to-zero / denormals-are-zero (bits 15, 6). */
static int mxcsr_ok(void) { return (_mm_getcsr() & 0xE040u) == 0; }
#else
static int mxcsr_ok(void) { return 1; }
#endif

#define BOUND_REL 0x1p-47      /* 64 u, u = 2^-53 */
#define BOUND_ABS 0x1p-1000
#define IN_MAX 0x1p1000        /* inputs (before scaling) are below this, or refused */
#define IN_MIN 0x1p-1000       /* non-zero inputs are at least this */

int es_filter_ready(void) { return fegetround() == FE_TONEAREST && mxcsr_ok(); }

/* det and permanent of the k x k submatrix: rows row..n-1, the columns in mask (k of them). */
static void laplace(int n, const double *A, int row, unsigned mask, double *d, double *p) {
    if (row == n - 1) {
        int j = __builtin_ctz(mask);
        *d = A[row * n + j];
        *p = fabs(*d);
        return;
    }
    double acc = 0.0, pacc = 0.0;
    int t = 0;
    for (int j = 0; j < n; j++) {
        if (!(mask & (1u << j))) continue;
        double dm, pm;
        laplace(n, A, row + 1, mask & ~(1u << j), &dm, &pm);
        double a = A[row * n + j];
        double term = a * dm;
        double pterm = fabs(a) * pm;
        if (t & 1) term = -term;
        if (t == 0) { acc = term; pacc = pterm; }
        else { acc = acc + term; pacc = pacc + pterm; }
        t++;
    }
    *d = acc;
    *p = pacc;
}

int es_sign_det_bound(int n, const double *A, double rel, double abs_) {
    if (n < 1 || n > ES_FILTER_MAXN) return 0;
    for (int i = 0; i < n * n; i++)
        if (!(fabs(A[i]) <= 1.0)) return 0;        /* also refuses NaN */
    double d, p;
    laplace(n, A, 0, (1u << n) - 1, &d, &p);
    double bound = rel * p + abs_;
    if (d > bound) return 1;
    if (-d > bound) return -1;
    return 0;
}

int es_sign_det(int n, const double *A) { return es_sign_det_bound(n, A, BOUND_REL, BOUND_ABS); }

static int scale_vec(int w, const double *x, double *y) {
    double mx = 0.0;
    for (int i = 0; i < w; i++) {
        double a = fabs(x[i]);
        if (!(a < IN_MAX)) return 0;               /* inf, NaN or too large */
        if (a != 0.0 && a < IN_MIN) return 0;
        if (a > mx) mx = a;
    }
    int e = 0;
    if (mx > 0.0) frexp(mx, &e);                   /* mx = f 2^e, f in [1/2, 1) */
    for (int i = 0; i < w; i++) {
        y[i] = ldexp(x[i], -e);
        /* exact when y[i] is zero or normal; refused otherwise (never rounded) */
        if (y[i] != 0.0 && !(fabs(y[i]) >= DBL_MIN)) return 0;
        if (ldexp(y[i], e) != x[i]) return 0;
    }
    return 1;
}

void es_normalize_rows(int H, int w, const double *F, double *G, int *ok) {
    for (int k = 0; k < H; k++) ok[k] = scale_vec(w, F + (long)k * w, G + (long)k * w);
}

/* column of constraint id cid (es_lp.c numbering) as w = n0 + 1 doubles; 0 if unusable */
static int column(int H, int n0, const double *G, const int *rowok, const int *s, int cid,
                  int has_box, const double *boxc, double *col) {
    int w = n0 + 1;
    if (cid >= 0 && cid < H) {
        if (!rowok[cid]) return 0;
        for (int i = 0; i < w; i++) col[i] = s[cid] > 0 ? G[(long)cid * w + i] : -G[(long)cid * w + i];
        return 1;
    }
    if (!has_box || cid < H || cid >= H + 2 * n0) return 0;
    int i0 = (cid - H) / 2, side = (cid - H) % 2;
    double raw[ES_FILTER_MAXN + 1];
    for (int i = 0; i < w; i++) raw[i] = 0.0;
    raw[i0] = side == 0 ? 1.0 : -1.0;
    raw[n0] = boxc[side];
    return scale_vec(w, raw, col);
}

/* one pair: 1 when all Cramer signs are proven and agree (Lemma 2), else 0 */
static int farkas_one(int n0, double cols[][ES_FILTER_MAXN + 1], const double *t) {
    double A[ES_FILTER_MAXN * ES_FILTER_MAXN];
    int n = n0;
    for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) A[i * n + j] = cols[j][i];
    int sd = es_sign_det(n, A);
    if (sd == 0) return 0;
    for (int jj = 0; jj < n; jj++) {
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) A[i * n + j] = j == jj ? t[i] : cols[j][i];
        if (es_sign_det(n, A) != sd) return 0;
    }
    int m = n0 + 1;       /* [cols | t] with the constant row: lam_0 det B */
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n0; j++) A[i * m + j] = cols[j][i];
        A[i * m + n0] = t[i];
    }
    return es_sign_det(m, A) == sd;
}

int es_farkas_filter(int H, int n0, const double *G, const int *rowok, const int *s, const int *supp,
                     const int *which, int has_box, double lo, double hi, int *decided) {
    int w = n0 + 1;
    double boxc[2] = {-lo, hi};
    double cols[ES_FILTER_MAXN][ES_FILTER_MAXN + 1], t[ES_FILTER_MAXN + 1];
    int ready = es_filter_ready() && n0 + 1 <= ES_FILTER_MAXN;
    for (int h = 0; h < H; h++) {
        decided[h] = 0;
        if (!which[h] || !ready || !rowok[h]) continue;
        const int *sp = supp + (long)h * w;
        int m = 0, bad = 0;
        for (int q = 0; q < w && !bad; q++) {
            if (sp[q] < 0) continue;
            if (m == n0 || !column(H, n0, G, rowok, s, sp[q], has_box, boxc, cols[m])) bad = 1;
            m++;
        }
        if (bad || m != n0) continue;
        for (int i = 0; i < w; i++) t[i] = s[h] > 0 ? G[(long)h * w + i] : -G[(long)h * w + i];
        decided[h] = farkas_one(n0, cols, t);
    }
    return 0;
}

static int argmax_abs(int w, const double *u) {
    int piv = 0;
    for (int i = 1; i < w; i++) if (fabs(u[i]) > fabs(u[piv])) piv = i;
    return piv;
}

/* 1 when rows u, v are proven not proportional: a 2x2 minor with the pivot column of u is proven non-zero */
static int nonprop(int w, const double *u, int piv, const double *v) {
    if (u[piv] == 0.0) return 0;
    for (int i = 0; i < w; i++) {
        if (i == piv) continue;
        double A[4] = {u[piv], u[i], v[piv], v[i]};
        if (es_sign_det(2, A) != 0) return 1;
    }
    return 0;
}

void es_nonprop_filter(int H, int w, const double *G, const int *rowok, int *maybe) {
    int ready = es_filter_ready();
    for (int j = 0; j < H; j++) {
        const double *u = G + (long)j * w;
        int piv = argmax_abs(w, u);
        for (int k = j + 1; k < H; k++) {
            int proven = ready && rowok[j] && rowok[k] && nonprop(w, u, piv, G + (long)k * w);
            maybe[(long)j * H + k] = !proven;
        }
    }
}

int es_rows_generic(int H, int w, const double *G, const int *rowok) {
    if (!es_filter_ready()) return 0;
    for (int j = 0; j < H; j++) {
        const double *u = G + (long)j * w;
        int piv = argmax_abs(w, u);
        if (!rowok[j] || u[piv] == 0.0) return 0;      /* a zero row is in every class */
        for (int k = j + 1; k < H; k++)
            if (!rowok[k] || !nonprop(w, u, piv, G + (long)k * w)) return 0;
    }
    return 1;
}

/* sign of the dot product x . y (w <= ES_DOT_MAXW terms, |x_i|, |y_i| <= 1), Lemma 3; 0 undecided */
static int sign_dot(int w, const double *x, const double *y) {
    double d = x[0] * y[0], p = fabs(x[0] * y[0]);
    for (int i = 1; i < w; i++) {
        double t = x[i] * y[i];
        d = d + t;
        p = p + fabs(t);
    }
    double bound = BOUND_REL * p + BOUND_ABS;
    if (d > bound) return 1;
    if (-d > bound) return -1;
    return 0;
}

void es_point_signs(int H, int w, const double *G, const int *rowok, const int *s,
                    int n, const double *X, const int *xok, int *out) {
    int ready = es_filter_ready() && w <= ES_DOT_MAXW;
    for (int c = 0; c < n; c++) {
        const double *x = X + (long)c * w;
        for (int k = 0; k < H; k++) {
            int sg = 0;
            if (ready && xok[c] && rowok[k] && s[k] != 0) sg = sign_dot(w, G + (long)k * w, x);
            out[(long)c * H + k] = sg == 0 ? 2 : (s[k] > 0 ? sg : -sg);
        }
    }
}
