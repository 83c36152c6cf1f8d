/* SPDX-License-Identifier: MIT */
/*
 * The smallest program a user of an installed or vendored vsmm writes: it
 * includes <vsmm/vsmm.h>, links libvsmm, and checks that the library it
 * runs with is the one it was compiled against and that an image round
 * trip works.  Built by tests/consumer/consumer.py through Meson (vsmm as
 * a subproject), pkg-config --static and CMake's find_package(vsmm).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <vsmm/vsmm.h>

int main(void)
{
	struct vsmm_cpu_state in, out;
	uint8_t area[512];
	int rc;

	if (strcmp(vsmm_version(), VSMM_VERSION_STRING) != 0) {
		fprintf(stderr, "consumer: header %s, library %s\n", VSMM_VERSION_STRING,
			vsmm_version());
		return 1;
	}
	vsmm_cpu_state_reset(&in);
	in.rip = 0x1234;
	rc = vsmm_image_encode(VSMM_LAYOUT_AMD64, &in, NULL, area, sizeof(area));
	if (rc == VSMM_OK)
		rc = vsmm_image_decode(VSMM_LAYOUT_AMD64, area, sizeof(area), &out, NULL);
	if (rc != VSMM_OK) {
		fprintf(stderr, "consumer: %s\n", vsmm_strerror(rc));
		return 1;
	}
	if (out.rip != in.rip) {
		fprintf(stderr, "consumer: rip 0x%llx after the round trip\n",
			(unsigned long long)out.rip);
		return 1;
	}
	printf("consumer: vsmm %s ok\n", vsmm_version());
	return 0;
}
