/* SPDX-License-Identifier: MIT */
/*
 * Benchmark 3: inspector throughput.  What `vsmm inspect`-style tools do
 * per image: decode a state-save area (vsmm_image_decode) and run the
 * whole RSM validation on it (vsmm_rsm_check).  The images are real ones,
 * written by vsmm_enter_smm for each layout, plus copies a handler broke
 * (so the reject path is measured too).  Rates are per second of the
 * thread's CPU time (see roundtrip.c), median of RUNS runs.
 */
#include "common.h"

#include <stdio.h>
#include <string.h>

#include "internal.h"

#define RUNS 21
#define MIN_RUN_NS 5000000u

struct image {
	char name[48];
	enum vsmm_layout layout;
	uint8_t area[VSMM_IMAGE_MAX];
	size_t len;
	const struct vsmm_vcpu *vcpu; /* in SMM: the vCPU RSM would run on */
	bool valid;		      /* should RSM accept it? */
};

static const struct bench_case cases[] = {
	{ "amd64/intel", VSMM_LAYOUT_AMD64, VSMM_VENDOR_INTEL, false,
	  VSMM_SEMANTICS_KVM },
	{ "p6-32/intel", VSMM_LAYOUT_P6_32, VSMM_VENDOR_INTEL, false,
	  VSMM_SEMANTICS_KVM },
	{ "intel64/intel", VSMM_LAYOUT_INTEL64, VSMM_VENDOR_INTEL, false,
	  VSMM_SEMANTICS_KVM },
	{ "amd64/amd", VSMM_LAYOUT_AMD64, VSMM_VENDOR_AMD, false, VSMM_SEMANTICS_KVM },
};
#define NCASES VSMM__ARRAY_SIZE(cases)

static struct bench_vcpu vcpus[NCASES];
static struct image images[2 * NCASES];
static size_t nimages;

/* The descriptor of a named field of a layout, or NULL. */
static const struct vsmm_field_desc *field_find(const struct vsmm_layout_desc *d,
						const char *name)
{
	for (size_t i = 0; i < d->nfields; i++)
		if (strcmp(d->fields[i].name, name) == 0)
			return &d->fields[i];
	return NULL;
}

/* Add the image a real SMI wrote for case c, and a copy whose saved CR0
 * has NW=1 with CD=0 (an illegal combination RSM must refuse). */
static int add_images(size_t ci)
{
	const struct bench_case *c = &cases[ci];
	struct bench_vcpu *bv = &vcpus[ci];
	const struct vsmm_layout_desc *d = vsmm_layout_get(c->layout);
	const struct vsmm_field_desc *cr0;
	struct image *ok, *bad;
	uint32_t at;
	int rc;

	if (!d)
		return VSMM_E_LAYOUT;
	rc = bench_vcpu_setup(bv, c);
	if (rc == 0)
		rc = vsmm_enter_smm(&bv->vcpu);
	if (rc)
		return rc;
	at = VSMM_DEFAULT_SMBASE + d->area_offset - BENCH_MEM_BASE;
	ok = &images[nimages++];
	snprintf(ok->name, sizeof(ok->name), "%s valid", c->name);
	ok->layout = c->layout;
	ok->len = d->area_size;
	memcpy(ok->area, bv->mem.bytes + at, d->area_size);
	ok->vcpu = &bv->vcpu;
	ok->valid = true;

	cr0 = field_find(d, "cr0");
	if (!cr0) {
		fprintf(stderr,
			"%s: layout has no field named cr0; no broken "
			"image for it\n",
			c->name);
		return VSMM_OK;
	}
	bad = &images[nimages++];
	*bad = *ok;
	snprintf(bad->name, sizeof(bad->name), "%s cr0 NW&!CD", c->name);
	/* The field's offset is 0x7Exx-style: from SMBASE + 0x8000. */
	vsmm__st(bad->area + cr0->offset + 0x8000u - d->area_offset, cr0->size,
		 (bv->before.cr0 | VSMM_CR0_NW) & ~VSMM_CR0_CD);
	bad->valid = false;
	return VSMM_OK;
}

/* Decode and check one image; returns whether RSM would accept it, or -1
 * if a call failed for another reason. */
static int inspect(const struct image *im)
{
	struct vsmm_cpu_state st;
	struct vsmm_image_extras ex;
	struct vsmm_shutdown why;
	int rc;

	rc = vsmm_image_decode(im->layout, im->area, im->len, &st, &ex);
	if (rc)
		return -1;
	rc = vsmm_rsm_check(im->vcpu, im->area, im->len, &why, NULL);
	if (rc == VSMM_OK)
		return 1;
	return rc == VSMM_E_SHUTDOWN ? 0 : -1;
}

/* n passes over the images whose validity is `valid`; returns the number
 * of images inspected, 0 on a wrong verdict. */
__attribute__((noinline)) static uint64_t inspect_loop(uint64_t n, bool valid)
{
	uint64_t count = 0;

	for (uint64_t i = 0; i < n; i++) {
		for (size_t k = 0; k < nimages; k++) {
			if (images[k].valid != valid)
				continue;
			if (inspect(&images[k]) != (int)valid)
				return 0;
			count++;
		}
	}
	return count;
}

/* Images per second over RUNS runs. */
static struct bench_stats time_inspect(bool valid, bool *failed)
{
	double per_s[RUNS];
	uint64_t n = 1000;

	for (;;) {
		uint64_t t0 = bench_thread_cpu_ns();

		if (inspect_loop(n, valid) == 0) {
			*failed = true;
			return (struct bench_stats){ 0, 0, 0 };
		}
		if (bench_thread_cpu_ns() - t0 >= MIN_RUN_NS)
			break;
		n *= 2;
	}
	for (unsigned r = 0; r < RUNS; r++) {
		uint64_t t0 = bench_thread_cpu_ns();
		uint64_t count = inspect_loop(n, valid);
		uint64_t dt = bench_thread_cpu_ns() - t0;

		if (count == 0)
			*failed = true;
		per_s[r] = (double)count * 1e9 / (double)dt;
	}
	return bench_stats_of(per_s, RUNS);
}

int main(void)
{
	struct bench_stats good, bad;
	bool failed = false;
	int rc = 0;

	for (size_t i = 0; i < NCASES; i++) {
		rc = add_images(i);
		if (rc) {
			fprintf(stderr, "%s: ", cases[i].name);
			bench_report_status("could not make an image", rc);
			return 1;
		}
	}
	/* The verdicts must be right before they are worth timing. */
	for (size_t k = 0; k < nimages; k++) {
		if (inspect(&images[k]) != (int)images[k].valid) {
			fprintf(stderr, "%s: wrong verdict from decode+check\n",
				images[k].name);
			return 1;
		}
	}
	good = time_inspect(true, &failed);
	bad = time_inspect(false, &failed);
	if (failed) {
		fprintf(stderr, "bench-inspect: a timed call failed\n");
		return 1;
	}
	printf("# inspector: vsmm_image_decode + vsmm_rsm_check, images/s, "
	       "per CPU second, median of %d runs\n",
	       RUNS);
	printf("  %-24s %12.0f /s  [min %.0f, max %.0f]\n", "accepted images",
	       good.median, good.min, good.max);
	printf("  %-24s %12.0f /s  [min %.0f, max %.0f]\n", "refused images (CR0)",
	       bad.median, bad.min, bad.max);
	for (size_t i = 0; i < NCASES; i++)
		bench_vcpu_teardown(&vcpus[i]);
	/* The summary is the full path: images RSM accepts run every check. */
	printf("decode_check_per_s: %.0f\n", good.median);
	return 0;
}
