/* SPDX-License-Identifier: MIT */
/*
 * Internal helpers shared by the core (src/).  Never installed.
 *
 * Guest bytes are read and written only through the little-endian helpers
 * below: they are correct on any host endianness, on unaligned buffers,
 * and never alias the hostile buffer as a wider type.  Loads assemble
 * bytes; stores on a little-endian host copy the value's bytes with
 * memcpy (one store), elsewhere they split it into bytes.
 */
#ifndef VSMM_INTERNAL_H
#define VSMM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vsmm/vsmm.h"

#define VSMM__ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Run one rule; if it fails, return its reason from the enclosing
 * function (the checks and the RSM loads chain rules this way). */
#define VSMM__TRY(expr) \
	do { \
		enum vsmm_reason try_ = (expr); \
		if (try_ != VSMM_REASON_NONE) \
			return try_; \
	} while (0)

#if defined(__GNUC__) || defined(__clang__)
#define VSMM__MUST_CHECK __attribute__((warn_unused_result))
/* A path taken only when a rule fails: kept out of line, so the common
 * path around it keeps its registers. */
#define VSMM__COLD __attribute__((cold, noinline))
#else
#define VSMM__MUST_CHECK
#define VSMM__COLD
#endif

static inline uint8_t vsmm__ld8(const uint8_t *p)
{
	return p[0];
}

static inline uint16_t vsmm__ld16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static inline uint32_t vsmm__ld32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t vsmm__ld64(const uint8_t *p)
{
	return (uint64_t)vsmm__ld32(p) | (uint64_t)vsmm__ld32(p + 4) << 32;
}

static inline void vsmm__st8(uint8_t *p, uint8_t v)
{
	p[0] = v;
}

/*
 * Stores.  Byte by byte, GCC 12 merges the bytes of a field into one store
 * only where its SLP vectorizer leaves them alone: in the codec it built
 * vectors of four bytes instead, for the high half of some 8-byte rows (in
 * every row after a 2-byte one in intel64's encoder, which then cost twice
 * its ~140 stores; docs/performance.md).  A memcpy of the value is a
 * single store to every compiler, and is the same bytes on a host known
 * to be little-endian.
 */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
	__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define VSMM__LE_HOST 1
#else
#define VSMM__LE_HOST 0
#endif

static inline void vsmm__st16(uint8_t *p, uint16_t v)
{
#if VSMM__LE_HOST
	memcpy(p, &v, sizeof(v));
#else
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
#endif
}

static inline void vsmm__st32(uint8_t *p, uint32_t v)
{
#if VSMM__LE_HOST
	memcpy(p, &v, sizeof(v));
#else
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
#endif
}

static inline void vsmm__st64(uint8_t *p, uint64_t v)
{
#if VSMM__LE_HOST
	memcpy(p, &v, sizeof(v));
#else
	vsmm__st32(p, (uint32_t)v);
	vsmm__st32(p + 4, (uint32_t)(v >> 32));
#endif
}

/*
 * Sixteen bytes as one SSE2 register, where the compiler targets SSE2
 * (every x86-64, little-endian: byte i of the area is byte i of the
 * register).  The codec moves whole segment records so (layout.c); hosts
 * without SSE2 take its scalar path.  The loads and stores are unaligned
 * and may alias anything (the intrinsics' types say so).
 */
#if defined(__SSE2__)
#include <emmintrin.h>
#define VSMM__SSE2 1
static inline __m128i vsmm__ld128(const uint8_t *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

static inline void vsmm__st128(uint8_t *p, __m128i v)
{
	_mm_storeu_si128((__m128i *)(void *)p, v);
}
#else
#define VSMM__SSE2 0
#endif

/* Load/store a field of 1, 2, 4 or 8 bytes, zero-extended. */
static inline uint64_t vsmm__ld(const uint8_t *p, unsigned size)
{
	switch (size) {
	case 1: return vsmm__ld8(p);
	case 2: return vsmm__ld16(p);
	case 4: return vsmm__ld32(p);
	default: return vsmm__ld64(p);
	}
}

static inline void vsmm__st(uint8_t *p, unsigned size, uint64_t v)
{
	switch (size) {
	case 1: vsmm__st8(p, (uint8_t)v); break;
	case 2: vsmm__st16(p, (uint16_t)v); break;
	case 4: vsmm__st32(p, (uint32_t)v); break;
	default: vsmm__st64(p, v); break;
	}
}

#endif /* VSMM_INTERNAL_H */
