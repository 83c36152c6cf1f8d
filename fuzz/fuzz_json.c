/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target 3: the JSON state files of the CLI (docs/json.md), as
 * `vsmm smi --state` and `vsmm encode` read them.
 *
 * Input: the bytes of a state file.  They go through the CLI's own code:
 * cli_json_parse() + cli_state_from_json() in memory, and the whole
 * document loader cli_state_doc_load() (a bare state or a `decode --json`
 * document) through a memfd path, exactly as a file named on the command
 * line.
 *
 * Invariants:
 *  - Bad input is an error with a message, never a crash, a leak (the
 *    ASan build has LeakSanitizer) or a partial object.
 *  - Every key the parser accepted is printed back by cli_state_to_json()
 *    with the same value (nothing is silently truncated or dropped), and
 *    print -> parse -> print is a fixed point.
 *  - A loaded document encodes (as `vsmm encode` does) to an image whose
 *    `decode --json` document loads and encodes back to the same bytes.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"
#include "testlib.h"

static int memfd = -1, devnull = -1, saved_stderr = -1;
static char memfd_path[64];

static void setup(void)
{
	if (memfd >= 0)
		return;
	memfd = memfd_create("vsmm-fuzz-json", 0);
	devnull = open("/dev/null", O_WRONLY);
	saved_stderr = dup(2);
	FZ_CHECK(memfd >= 0 && devnull >= 0 && saved_stderr >= 0,
		 "cannot set up the memfd or /dev/null");
	snprintf(memfd_path, sizeof(memfd_path), "/proc/self/fd/%d", memfd);
}

/* Load a document from bytes through a path, with the CLI's messages to
 * stderr silenced (a hostile file makes one per input). */
static int doc_load(const void *text, size_t len, struct cli_state_doc *doc)
{
	int rc;

	FZ_CHECK(ftruncate(memfd, 0) == 0 && pwrite(memfd, text, len, 0) == (ssize_t)len,
		 "memfd write failed");
	fflush(stderr);
	dup2(devnull, 2);
	rc = cli_state_doc_load(memfd_path, doc);
	fflush(stderr);
	dup2(saved_stderr, 2);
	return rc;
}

static uint64_t hex_of(json_object *v)
{
	uint64_t n = 0;

	FZ_CHECK(cli_parse_hex(json_object_get_string(v), UINT64_MAX, &n) == 0,
		 "\"%s\" is not hex", json_object_get_string(v));
	return n;
}

/* Every accepted input key shows up in the printed state with its value. */
static void check_printed(json_object *in, json_object *out, const char *path)
{
	json_object_object_foreach(in, key, val)
	{
		json_object *got = NULL;

		FZ_CHECK(json_object_object_get_ex(out, key, &got),
			 "accepted key %s.%s is not printed back", path, key);
		switch (json_object_get_type(val)) {
		case json_type_string:
			FZ_CHECK(hex_of(val) == hex_of(got),
				 "%s.%s: parsed %s, printed %s", path, key,
				 json_object_get_string(val),
				 json_object_get_string(got));
			break;
		case json_type_boolean:
			FZ_CHECK(json_object_get_boolean(val) ==
					 json_object_get_boolean(got),
				 "%s.%s: boolean changed", path, key);
			break;
		case json_type_object: check_printed(val, got, key); break;
		default:
			FZ_CHECK(0, "%s.%s: a %s was accepted", path, key,
				 json_type_to_name(json_object_get_type(val)));
		}
	}
}

static void check_state_fixed_point(json_object *in, const struct vsmm_cpu_state *s)
{
	static struct vsmm_cpu_state s2;
	json_object *j1 = cli_state_to_json(s), *back = NULL;
	char *t1 = strdup(json_object_to_json_string_ext(j1, JSON_C_TO_STRING_PLAIN));
	char err[200] = "";
	const char *diff;

	FZ_CHECK(t1 != NULL, "out of memory");
	check_printed(in, j1, "state");
	FZ_CHECK(cli_json_parse(t1, strlen(t1), &back, err, sizeof(err)) == 0,
		 "printed state does not parse: %s", err);
	memset(&s2, 0, sizeof(s2));
	FZ_CHECK(cli_state_from_json(back, "", &s2, err, sizeof(err)) == 0,
		 "printed state is refused: %s", err);
	diff = fz_state_diff(s, &s2, FZ_CMP_ALL);
	FZ_CHECK(diff == NULL, "print -> parse changes the state: %s", diff);
	json_object_put(back);
	back = cli_state_to_json(&s2);
	FZ_CHECK(strcmp(t1, json_object_to_json_string_ext(back,
							   JSON_C_TO_STRING_PLAIN)) == 0,
		 "print -> parse -> print is not a fixed point");
	json_object_put(back);
	json_object_put(j1);
	free(t1);
}

/* In memory: parse, then read a bare state. */
static void check_parse(const uint8_t *data, size_t size)
{
	static struct vsmm_cpu_state s;
	json_object *obj = NULL;
	char err[200] = "";

	if (cli_json_parse((const char *)data, size, &obj, err, sizeof(err)) != 0) {
		FZ_CHECK(err[0] != '\0' && obj == NULL,
			 "refused JSON without a message or with an object");
		return;
	}
	FZ_CHECK(obj != NULL || size > 0, "accepted JSON without an object");
	memset(&s, 0, sizeof(s));
	if (cli_state_from_json(obj, "", &s, err, sizeof(err)) != 0)
		FZ_CHECK(err[0] != '\0', "refused state without a message");
	else
		check_state_fixed_point(obj, &s);
	json_object_put(obj);
}

/* What `vsmm encode` does with a loaded document. */
static int encode_doc(struct cli_state_doc *doc, uint8_t *area, size_t *len)
{
	enum vsmm_layout layout = doc->layout != VSMM_LAYOUT_AUTO ? doc->layout
								  : VSMM_LAYOUT_AMD64;
	const struct vsmm_layout_desc *d = vsmm_layout_get(layout);
	int rc;

	FZ_CHECK(d != NULL, "document layout %d has no description", (int)layout);
	*len = d->area_size;
	rc = vsmm_image_encode(layout, &doc->state, NULL, area, *len);
	if (rc != VSMM_OK || !doc->has_extras)
		return rc;
	if (!doc->has_revision)
		doc->extras.revision = cli_area_revision(area, *len);
	return vsmm_image_encode(layout, &doc->state, &doc->extras, area, *len);
}

/* The `decode --json` document of an image. */
static char *decode_doc(enum vsmm_layout layout, const uint8_t *area, size_t len)
{
	static struct vsmm_cpu_state s;
	static struct vsmm_image_extras x;
	const struct vsmm_layout_desc *d = vsmm_layout_get(layout);
	json_object *o = json_object_new_object(), *extras;
	char *text;

	FZ_CHECK(vsmm_image_decode(layout, area, len, &s, &x) == VSMM_OK,
		 "decode refused an encoded image");
	extras = cli_extras_to_json(d, &x);
	json_object_object_add(o, "layout", json_object_new_string(d->name));
	json_object_object_add(o, "revision", cli_json_hex(x.revision));
	json_object_object_add(o, "state", cli_state_to_json(&s));
	json_object_object_foreach(extras, key, val)
		json_object_object_add(o, key, json_object_get(val));
	json_object_put(extras);
	text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	json_object_put(o);
	FZ_CHECK(text != NULL, "out of memory");
	return text;
}

/* Through the file loader: load, encode, decode --json, load, encode. */
static void check_document(const uint8_t *data, size_t size)
{
	static struct cli_state_doc doc, doc2;
	uint8_t a1[VSMM_IMAGE_MAX], a2[VSMM_IMAGE_MAX];
	size_t n1, n2;
	char *text;
	int rc;

	if (doc_load(data, size, &doc) != 0)
		return;
	rc = encode_doc(&doc, a1, &n1);
	FZ_CHECK(rc == VSMM_OK, "encode of a loaded document: %s", vsmm_status_name(rc));
	text = decode_doc(doc.layout != VSMM_LAYOUT_AUTO ? doc.layout : VSMM_LAYOUT_AMD64,
			  a1, n1);
	rc = doc_load(text, strlen(text), &doc2);
	FZ_CHECK(rc == 0,
		 "the decode --json document of an encoded image is "
		 "refused:\n%s",
		 text);
	free(text);
	FZ_CHECK(encode_doc(&doc2, a2, &n2) == VSMM_OK && n1 == n2 &&
			 memcmp(a1, a2, n1) == 0,
		 "decode | encode does not give back the image");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	snprintf(fz_context, sizeof(fz_context), "json input of %zu bytes", size);
	check_parse(data, size);
	check_document(data, size);
	return 0;
}
