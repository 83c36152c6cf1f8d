/* SPDX-License-Identifier: MIT */
/*
 * Reading a state file for `smi`, `encode` and `demo`.  Two forms are
 * accepted (docs/json.md): a bare state object, or a document as
 * `decode --json` prints it ({"layout", "revision", "state", and the
 * layout-specific fields}), so decode and encode round-trip.
 */
#include <string.h>

#include "cli.h"

static int doc_layout(const char *name, json_object *val, enum vsmm_layout *out)
{
	if (!json_object_is_type(val, json_type_string) ||
	    vsmm_layout_from_name(json_object_get_string(val), out) != VSMM_OK) {
		cli_err("%s: layout: expected \"p6-32\", \"amd64\", \"intel64\" "
			"or \"auto\"",
			name);
		return -1;
	}
	return 0;
}

/* The document form: every key is layout, state or an extras field. */
static int read_doc(const char *name, json_object *root, struct cli_state_doc *d)
{
	char err[200];
	json_object *state = NULL;

	json_object_object_foreach(root, key, val)
	{
		int rc;

		if (strcmp(key, "state") == 0) {
			state = val;
			continue;
		}
		if (strcmp(key, "layout") == 0) {
			if (doc_layout(name, val, &d->layout))
				return -1;
			continue;
		}
		rc = cli_extras_key_from_json(key, val, "", &d->extras, err, sizeof(err));
		if (rc < 0) {
			cli_err("%s: %s", name, err);
			return -1;
		}
		if (rc == 0) {
			cli_err("%s: %s: unknown key in a decode document "
				"(layout, revision, state, layout fields)",
				name, key);
			return -1;
		}
		d->has_extras = true;
		if (strcmp(key, "revision") == 0)
			d->has_revision = true;
	}
	if (cli_state_from_json(state, "state", &d->state, err, sizeof(err))) {
		cli_err("%s: %s", name, err);
		return -1;
	}
	return 0;
}

int cli_state_doc_load(const char *path, struct cli_state_doc *d)
{
	json_object *root;
	char err[200];
	int rc;

	memset(d, 0, sizeof(*d));
	d->layout = VSMM_LAYOUT_AUTO;
	if (cli_json_load(path, &root) != 0)
		return -1;
	if (!json_object_is_type(root, json_type_object)) {
		cli_err("%s: expected a JSON object (a state, or a decode "
			"document)",
			strcmp(path, "-") ? path : "<stdin>");
		json_object_put(root);
		return -1;
	}
	/* A state has no "state" key, so its presence tells the forms apart. */
	if (json_object_object_get_ex(root, "state", NULL)) {
		rc = read_doc(strcmp(path, "-") ? path : "<stdin>", root, d);
	} else {
		rc = cli_state_from_json(root, "", &d->state, err, sizeof(err));
		if (rc)
			cli_err("%s: %s", strcmp(path, "-") ? path : "<stdin>", err);
	}
	json_object_put(root);
	return rc;
}
