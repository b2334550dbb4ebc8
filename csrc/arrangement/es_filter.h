/* Floating-point filters with a proven error bound (proofs/float-filter.md).
 *
 * A filter either *proves* the sign of an exact quantity from float64 data
 * or answers 0 ("undecided"), and the caller then decides it exactly in
 * integers.  Inputs are the correctly rounded (at worst faithfully rounded)
 * doubles of exact integers or rationals: |x - x~| <= 2u |x~| with
 * u = 2^-53, every x~ zero or in [2^-1000, 2^1000] in magnitude.
 *
 * es_sign_det: sign of det A (n x n, n <= ES_FILTER_MAXN, |a_ij| <= 1) by
 *   the Laplace expansion along the first row; +1 / -1 when
 *   |d^| > 2^-47 p^ + 2^-1000 (p^ the same expansion of the permanent of
 *   |A|), else 0 (Lemma 1 of proofs/float-filter.md).
 * es_normalize_rows: each row scaled by a power of two so its largest entry
 *   lies in [1/2, 1) (exact); ok[k] = 0 where the row is not finite or its
 *   largest entry is >= 2^1000 (then nothing involving it is filtered).
 * es_farkas_filter: for every h with which[h], proves that the dual support
 *   supp[h] (n0 ids, es_lp.c numbering) gives a Farkas identity
 *   s_h z_h = sum lam_j (column j) + lam_0 with every lam_j > 0 and
 *   lam_0 > 0 (Lemma 2): decided[h] = 1; otherwise 0.
 * es_point_signs: out[c*H+k] = sign of s_k (G_k . X_c) for the normalised
 *   homogeneous points X_c (rows of n x w), proven (Lemma 3), or 2 when
 *   undecided (always for s_k = 0 and for rows or points not ok).
 * es_nonprop_filter: maybe[j*H+k] = 0 where rows j < k are proven not
 *   proportional (a 2x2 minor proven non-zero), 1 otherwise.
 * es_rows_generic: 1 when no row is zero and every pair of rows is proven
 *   not proportional (then the region has no proportionality classes).
 */
#ifndef ES_FILTER_H
#define ES_FILTER_H

#define ES_FILTER_MAXN 6
#define ES_DOT_MAXW 32

int es_filter_ready(void);
int es_sign_det(int n, const double *A);
/* the same evaluation with another bound rel * p^ + abs (tests: a wrong bound must be caught) */
int es_sign_det_bound(int n, const double *A, double rel, double abs_);
void es_normalize_rows(int H, int w, const double *F, double *G, int *ok);
int es_farkas_filter(int H, int n0, const double *G, const int *rowok, const int *s, const int *supp,
                     const int *which, int has_box, double lo, double hi, int *decided);
void es_nonprop_filter(int H, int w, const double *G, const int *rowok, int *maybe);
int es_rows_generic(int H, int w, const double *G, const int *rowok);
void es_point_signs(int H, int w, const double *G, const int *rowok, const int *s,
                    int n, const double *X, const int *xok, int *out);
#endif
