/* Online Gaussian elimination mod p and Jacobian rows mod p (exactsym issue 3).
 *
 * Two arithmetic paths share one interface:
 *  - "double" path, p < 2^26: residues are held as centred doubles in
 *    [-(p-1)/2, (p-1)/2]; a product of two is below 2^50 and a sum of kc such
 *    products plus one residue stays below 2^53, so dgemm computes it
 *    exactly.  The basis is kept fully reduced (Gauss-Jordan), so a block of
 *    new rows is reduced by one (chunked) matrix product R -= R[:,piv] B.
 *  - "u64" path, any odd prime p < 2^63: residues in [0, p), 128-bit
 *    products, rows reduced one at a time against an echelon basis.
 *
 * Memory: the basis holds at most `target` rows of `ncols` entries.
 */
#ifndef ES_RANK_H
#define ES_RANK_H
#include <stdint.h>

/* Fortran BLAS dgemm, as exported by scipy.linalg.cython_blas. */
typedef void (*es_dgemm_t)(char *transa, char *transb, int *m, int *n, int *k,
                           double *alpha, double *a, int *lda, double *b, int *ldb,
                           double *beta, double *c, int *ldc);

#define ES_OK 0
#define ES_ENOMEM (-1)
#define ES_EINVAL (-2)
#define ES_EOVERFLOW (-3)

typedef struct {
    int64_t ncols, target, rank, rows_seen;
    uint64_t p;
    int use_double;
    int64_t block;        /* rows per block (double path) */
    int64_t kc;           /* longest exact inner dimension of one dgemm (double path) */
    int64_t *pivots;      /* [target] pivot column of basis row j */
    int64_t *indep;       /* [target] input row index of basis row j */
    unsigned char *is_pivot; /* [ncols] */
    double *B;            /* [target * ncols] double path basis (Gauss-Jordan reduced) */
    uint64_t *Bu;         /* [target * ncols] u64 path basis (echelon, insertion order) */
    double *R;            /* [block * ncols] block buffer */
    int64_t *colperm;     /* [ncols] double path: storage position -> column */
    int64_t *pos;         /* [ncols] double path: column -> storage position */
    int64_t *newpiv;      /* [block] */
    int64_t *rowid;       /* [block] */
    unsigned char *accepted; /* [block] */
    int64_t *cnt;         /* [block] unreduced updates per block row */
    uint64_t *urow;       /* [ncols] u64 path scratch */
    es_dgemm_t dgemm;
    double dp, dh, pinv;  /* p, (p-1)/2, 1/p as doubles */
} es_elim;

/* Create an eliminator; dgemm may be NULL (portable C product is used).
 * force_u64 selects the 128-bit path even for small p.  Returns NULL on a
 * bad argument or out of memory; *err says which. */
es_elim *es_elim_new(int64_t ncols, int64_t target, uint64_t p, es_dgemm_t dgemm,
                     int force_u64, int64_t block, int *err);
void es_elim_free(es_elim *e);
/* Feed nrows rows (row-major, residues in [0, p)).  Stops early when the
 * rank reaches the target; *consumed says how many rows were used.
 * Returns ES_OK or a negative error. */
int es_elim_add_rows(es_elim *e, const uint64_t *rows, int64_t nrows, int64_t *consumed);
/* Copy basis row j (residues in [0, p)) into out[ncols]. */
int es_elim_basis_row(const es_elim *e, int64_t j, uint64_t *out);

/* Jacobian rows dF_k/dtheta mod p for npts points.
 * arch[0..depth] widths; theta: D residues in the canonical flat order
 * (layer by layer, W row-major, then b); X: npts x n0 residues;
 * pattern: npts x H entries +1/-1 (the exact activation pattern);
 * out: (npts * n_d) x D residues in [0, p).  Returns ES_OK or an error. */
int es_jacobian_modp(int64_t depth, const int64_t *arch, const uint64_t *theta, uint64_t p,
                     int64_t npts, const uint64_t *X, const int8_t *pattern, uint64_t *out);

/* Portable column-major C = alpha*A*B + beta*C (transa = transb = 'N'). */
void es_naive_dgemm(char *transa, char *transb, int *m, int *n, int *k,
                    double *alpha, double *a, int *lda, double *b, int *ldb,
                    double *beta, double *c, int *ldc);
#endif
