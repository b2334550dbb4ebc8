/* Exact Farkas multipliers of one region in 128-bit integer arithmetic.
 *
 * For each neuron h marked in `which`, with the dual support supp[h] (constraint
 * ids as in es_lp.c, -1 padded), solve exactly
 *     s_h a_h = sum_{k in S} lam_k s_k a_k + sum_{f in S} mu_f grad g_f
 * by Cramer's rule (Bareiss determinants) when |S| = n0, and
 *     lam_0 = s_h c_h - sum lam_k s_k c_k - sum mu_f g_f(0)
 * on the integer forms M (row k = [a_k | c_k], scaled by a positive integer).
 * Results are numerators over a common positive denominator det:
 *     lam_j = num[h][j] / det[h],  lam_0 = cnum[h] / (det[h] * L)
 * with L = lcm of the box denominators (1 without a box).
 * status[h]: 0 certified (all >= 0, and lam_0 > 0 or a box multiplier > 0 or
 * a neuron not proportional to h with lam > 0); 1 not decided here (singular,
 * not square, overflow, or a sign fails: the caller retries in Python);
 * 2 only proportional neurons and lam_0 = 0 (coinciding zero sets).
 * 128-bit values are returned as (hi, lo) int64 pairs: v = hi * 2^64 + (uint64)lo.
 */
#ifndef ES_FARKAS_H
#define ES_FARKAS_H
#include <stdint.h>

int es_farkas_region(int H, int n0, const int64_t *M, const int *s, const int *supp,
                     const int *which, int has_box, int64_t lo_num, int64_t lo_den,
                     int64_t hi_num, int64_t hi_den,
                     int *status, int64_t *det2, int64_t *num2, int64_t *cnum2);
#endif
