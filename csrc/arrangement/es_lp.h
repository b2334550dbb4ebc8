/* Small dense linear programs for region enumeration (float proposals only).
 *
 * es_lp_maxlast solves  max y[n-1]  s.t.  G y <= g  (y free, G is m x n, row-major)
 * through its dual      min g.u     s.t.  G^T u = e_{n-1},  u >= 0,
 * with a two-phase tableau simplex (Dantzig pricing, Bland's rule after a
 * number of pivots, so it terminates).  The dual has only n equality rows,
 * so the tableau is n x (m + n): tiny for the n0 <= ~10 used here.
 *
 * Nothing here decides anything: the caller turns the primal point y into an
 * exact rational witness and the dual support {i : u_i > 0} into exact Farkas
 * multipliers, and checks both in exact arithmetic (SPEC sections 5 and 9).
 */
#ifndef ES_LP_H
#define ES_LP_H

#define ES_LP_OK 0
#define ES_LP_FAIL 1      /* numerical trouble / iteration cap: caller falls back */
#define ES_LP_NOMEM 2

/* work must hold es_lp_work_doubles(m, n) doubles, iwork es_lp_work_ints(m, n) ints. */
long es_lp_work_doubles(int m, int n);
long es_lp_work_ints(int m, int n);
int es_lp_maxlast(int m, int n, const double *G, const double *g,
                  double *y, double *u, double *value, double *work, int *iwork);

/* All LPs of one region (see es_lp.c for the constraint numbering).
 *   A: H x n0 forms, c: H constants, s: H signs (+1/-1),
 *   has_box, lo, hi: the cube [lo,hi]^n0 (ignored when has_box == 0),
 *   todo[h] != 0: run the facet LP of neuron h.
 * Outputs: center (n0), radius; per neuron h with todo[h]:
 *   tstar[h], pts[h*n0 ...] (a point on z_h = 0 when tstar > 0),
 *   supp[h*(n0+1) ...] (constraint ids of the dual support, -1 padded),
 *   status[h] (ES_LP_OK / ES_LP_FAIL; 3 = zero gradient, not attempted).
 * Returns ES_LP_OK, or ES_LP_FAIL when the centre LP failed. */
int es_region_lps(int H, int n0, const double *A, const double *c, const int *s,
                  int has_box, double lo, double hi, const int *todo,
                  double *center, double *radius,
                  double *tstar, double *pts, int *supp, int *status);

#endif
