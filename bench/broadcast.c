/* SPDX-License-Identifier: MIT */
/*
 * Benchmark 4: a broadcast SMI.  N vCPUs, each with its own thread, model,
 * vCPU struct and SMRAM, take SMI + RSM round trips at the same time.  The
 * core keeps no globals and takes no locks, so total throughput should
 * grow with the cores the machine has and the CPU time one round trip
 * costs should not grow with N.
 *
 *   bench-broadcast [MAX_VCPUS]   (default 64)
 */
#define _POSIX_C_SOURCE 200809L /* pthread barriers, sysconf */
#include "common.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RUNS 5
#define TOTAL_ROUND_TRIPS 1000000u /* split over the vCPUs of a run */

struct worker {
	pthread_t thread;
	pthread_barrier_t *start;
	uint64_t round_trips;
	uint64_t cpu_ns;
	int rc;
	/* Keep each worker's results on its own cache line. */
	char pad[64];
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct bench_case c = { "amd64/intel", VSMM_LAYOUT_AMD64, VSMM_VENDOR_INTEL,
				      false, VSMM_SEMANTICS_KVM };
	/* Allocated by the thread itself, so it sits in memory first touched
	 * by the CPU that runs it, and padded to whole cache lines. */
	struct bench_vcpu *bv = aligned_alloc(64, (sizeof(*bv) + 63) & ~63ul);
	bool set_up = false;
	uint64_t t0;
	int rc = VSMM_E_INVAL;

	if (bv)
		rc = bench_vcpu_setup(bv, &c);
	set_up = rc == VSMM_OK;
	if (set_up)
		rc = bench_round_trip_checked(bv);
	pthread_barrier_wait(w->start);
	if (rc == VSMM_OK) {
		t0 = bench_thread_cpu_ns();
		for (uint64_t i = 0; i < w->round_trips; i++) {
			rc |= vsmm_enter_smm(&bv->vcpu);
			rc |= vsmm_leave_smm(&bv->vcpu);
		}
		w->cpu_ns = bench_thread_cpu_ns() - t0;
	}
	if (set_up)
		bench_vcpu_teardown(bv);
	w->rc = rc;
	free(bv);
	return NULL;
}

struct run {
	double per_s;	  /* round trips per second, all vCPUs */
	double cpu_ns_rt; /* thread CPU time per round trip */
	double cores;	  /* thread CPU time / wall time: cores actually had */
};

static int run_once(unsigned nvcpus, struct run *out)
{
	struct worker *w = calloc(nvcpus, sizeof(*w));
	pthread_barrier_t start;
	uint64_t t0, wall, total = 0, cpu = 0;
	unsigned created = 0;
	int rc = 0;

	if (!w || pthread_barrier_init(&start, NULL, nvcpus + 1)) {
		free(w);
		return -1;
	}
	for (unsigned i = 0; i < nvcpus; i++) {
		w[i].start = &start;
		w[i].round_trips = TOTAL_ROUND_TRIPS / nvcpus;
		if (pthread_create(&w[i].thread, NULL, worker_main, &w[i]))
			break;
		created++;
	}
	if (created != nvcpus) {
		/* The barrier can never open: give up without waiting. */
		fprintf(stderr, "bench-broadcast: could not start %u threads\n", nvcpus);
		exit(1);
	}
	pthread_barrier_wait(&start);
	t0 = bench_now_ns();
	for (unsigned i = 0; i < nvcpus; i++) {
		pthread_join(w[i].thread, NULL);
		rc |= w[i].rc;
		total += w[i].round_trips;
		cpu += w[i].cpu_ns;
	}
	wall = bench_now_ns() - t0;
	out->per_s = (double)total * 1e9 / (double)wall;
	out->cpu_ns_rt = (double)cpu / (double)total;
	out->cores = (double)cpu / (double)wall;
	pthread_barrier_destroy(&start);
	free(w);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned max = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 64;
	double one = 0, two = 0;

	if (argc > 2 || max == 0 || max > 4096) {
		fprintf(stderr, "usage: bench-broadcast [MAX_VCPUS (1..4096)]\n");
		return 2;
	}
	printf("# broadcast SMI: N vCPUs in N threads, %u round trips in all, "
	       "median of %d runs; %ld online CPUs\n",
	       TOTAL_ROUND_TRIPS, RUNS, sysconf(_SC_NPROCESSORS_ONLN));
	/* "cores used" says how much CPU the threads got: on a shared
	 * machine a speedup below the core count may be the other load. */
	printf("  %6s %16s %22s %11s\n", "vCPUs", "round trips/s",
	       "CPU ns per round trip", "cores used");
	for (unsigned n = 1; n <= max; n *= 2) {
		double per_s[RUNS], cpu[RUNS], cores[RUNS];
		struct bench_stats s, c, k;

		for (unsigned r = 0; r < RUNS; r++) {
			struct run one_run;

			if (run_once(n, &one_run)) {
				fprintf(stderr,
					"bench-broadcast: a round trip "
					"failed with %u vCPUs\n",
					n);
				return 1;
			}
			per_s[r] = one_run.per_s;
			cpu[r] = one_run.cpu_ns_rt;
			cores[r] = one_run.cores;
		}
		s = bench_stats_of(per_s, RUNS);
		c = bench_stats_of(cpu, RUNS);
		k = bench_stats_of(cores, RUNS);
		printf("  %6u %16.0f %22.1f %11.2f\n", n, s.median, c.median, k.median);
		if (n == 1)
			one = s.median;
		if (n == 2)
			two = s.median;
	}
	if (one > 0 && two > 0)
		printf("broadcast_speedup_2cores: %.2f\n", two / one);
	return 0;
}
