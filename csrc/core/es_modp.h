/* Word-size modular arithmetic for exactsym: p < 2^63, 128-bit products. */
#ifndef ES_MODP_H
#define ES_MODP_H
#include <stdint.h>

static inline uint64_t es_mulmod(uint64_t a, uint64_t b, uint64_t p) {
    return (uint64_t)(((unsigned __int128)a * b) % p);
}
static inline uint64_t es_addmod(uint64_t a, uint64_t b, uint64_t p) {
    uint64_t s = a + b;  /* a, b < p < 2^63: no overflow */
    return s >= p ? s - p : s;
}
static inline uint64_t es_submod(uint64_t a, uint64_t b, uint64_t p) {
    return a >= b ? a - b : a + (p - b);
}
uint64_t es_powmod(uint64_t a, uint64_t e, uint64_t p);
/* Inverse of a mod p (p prime, a != 0 mod p); returns 0 when a == 0 mod p. */
uint64_t es_invmod(uint64_t a, uint64_t p);
/* Deterministic Miller-Rabin for n < 2^64. */
int es_is_prime(uint64_t n);
#endif
