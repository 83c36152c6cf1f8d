/* SPDX-License-Identifier: MIT */
/*
 * The JSON state format of docs/json.md, both ways, with json-c.
 *
 * Every integer is a string "0x<lower-case hex>" so 64-bit values survive
 * JSON readers that turn numbers into doubles.  Input is strict: an
 * unknown key, a wrong type, a string that is not hex or a value wider
 * than its field is an error that names the key path, because a typo in a
 * hand-written state must not silently become zero.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* A scalar integer member of struct vsmm_cpu_state. */
struct int_key {
	const char *key;
	size_t off;
	unsigned bits; /* width of the member */
};

#define STATE_INT(k, member, b) \
	{ \
		k, offsetof(struct vsmm_cpu_state, member), b \
	}

/* In the order docs/json.md lists them; cr2 and svm_vmcb12 are vsmm
 * extensions (the state struct has them, the list does not). */
static const struct int_key int_keys[] = {
	STATE_INT("rax", gpr[VSMM_RAX], 64), STATE_INT("rbx", gpr[VSMM_RBX], 64),
	STATE_INT("rcx", gpr[VSMM_RCX], 64), STATE_INT("rdx", gpr[VSMM_RDX], 64),
	STATE_INT("rsi", gpr[VSMM_RSI], 64), STATE_INT("rdi", gpr[VSMM_RDI], 64),
	STATE_INT("rbp", gpr[VSMM_RBP], 64), STATE_INT("rsp", gpr[VSMM_RSP], 64),
	STATE_INT("r8", gpr[VSMM_R8], 64),   STATE_INT("r9", gpr[VSMM_R9], 64),
	STATE_INT("r10", gpr[VSMM_R10], 64), STATE_INT("r11", gpr[VSMM_R11], 64),
	STATE_INT("r12", gpr[VSMM_R12], 64), STATE_INT("r13", gpr[VSMM_R13], 64),
	STATE_INT("r14", gpr[VSMM_R14], 64), STATE_INT("r15", gpr[VSMM_R15], 64),
	STATE_INT("rip", rip, 64),	     STATE_INT("rflags", rflags, 64),
	STATE_INT("cr0", cr0, 64),	     STATE_INT("cr2", cr2, 64),
	STATE_INT("cr3", cr3, 64),	     STATE_INT("cr4", cr4, 64),
	STATE_INT("efer", efer, 64),	     STATE_INT("dr6", dr6, 64),
	STATE_INT("dr7", dr7, 64),	     STATE_INT("smbase", smbase, 32),
};

/* Segment keys, in enum vsmm_sreg order. */
static const char *const seg_keys[VSMM_SREG_COUNT] = VSMM_SREG_NAMES;

struct bool_key {
	const char *key;
	size_t off;
};

#define STATE_BOOL(k) \
	{ \
#k, offsetof(struct vsmm_cpu_state, k) \
	}

/* The flags first; nmi_pending, halted, vmx_on and guest_mode
 * are vsmm extensions (issue 7 needs halted and vmx_on). */
static const struct bool_key bool_keys[] = {
	STATE_BOOL(smm),	 STATE_BOOL(nmi_masked),   STATE_BOOL(smm_inside_nmi),
	STATE_BOOL(smi_pending), STATE_BOOL(init_latched), STATE_BOOL(shutdown),
	STATE_BOOL(nmi_pending), STATE_BOOL(halted),	   STATE_BOOL(vmx_on),
	STATE_BOOL(guest_mode),
};

json_object *cli_json_hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	return json_object_new_string(buf);
}

/* "prefix.key" (just "key" under an empty prefix) for messages; a long
 * hostile key is cut, never overflows. */
void cli_join_path(char *out, size_t n, const char *prefix, const char *key)
{
	size_t lp = strlen(prefix), lk = strlen(key), i = 0;

	for (size_t k = 0; k < lp && i + 1 < n; k++)
		out[i++] = prefix[k];
	if (lp && i + 1 < n)
		out[i++] = '.';
	for (size_t k = 0; k < lk && i + 1 < n; k++)
		out[i++] = key[k];
	out[i] = '\0';
}

static uint64_t load_int(const void *base, size_t off, unsigned bits)
{
	const char *p = (const char *)base + off;

	switch (bits) {
	case 8: return *(const uint8_t *)p;
	case 16: return *(const uint16_t *)p;
	case 32: return *(const uint32_t *)p;
	default: return *(const uint64_t *)p;
	}
}

static void store_int(void *base, size_t off, unsigned bits, uint64_t v)
{
	char *p = (char *)base + off;

	switch (bits) {
	case 8: *(uint8_t *)p = (uint8_t)v; break;
	case 16: *(uint16_t *)p = (uint16_t)v; break;
	case 32: *(uint32_t *)p = (uint32_t)v; break;
	default: *(uint64_t *)p = v; break;
	}
}

static json_object *seg_to_json(const struct vsmm_seg *g)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "selector", cli_json_hex(g->selector));
	json_object_object_add(o, "base", cli_json_hex(g->base));
	json_object_object_add(o, "limit", cli_json_hex(g->limit));
	json_object_object_add(o, "attr", cli_json_hex(g->attr));
	return o;
}

static json_object *dtable_to_json(const struct vsmm_dtable *t)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "base", cli_json_hex(t->base));
	json_object_object_add(o, "limit", cli_json_hex(t->limit));
	return o;
}

json_object *cli_state_to_json(const struct vsmm_cpu_state *s)
{
	json_object *o = json_object_new_object();

	for (size_t i = 0; i < sizeof(int_keys) / sizeof(int_keys[0]); i++)
		json_object_object_add(
			o, int_keys[i].key,
			cli_json_hex(load_int(s, int_keys[i].off, int_keys[i].bits)));
	for (int i = 0; i < VSMM_SREG_COUNT; i++)
		json_object_object_add(o, seg_keys[i], seg_to_json(&s->seg[i]));
	json_object_object_add(o, "gdtr", dtable_to_json(&s->gdtr));
	json_object_object_add(o, "idtr", dtable_to_json(&s->idtr));
	for (size_t i = 0; i < sizeof(bool_keys) / sizeof(bool_keys[0]); i++) {
		const bool *b = (const bool *)((const char *)s + bool_keys[i].off);

		json_object_object_add(o, bool_keys[i].key, json_object_new_boolean(*b));
	}
	json_object_object_add(o, "int_shadow", cli_json_hex(s->int_shadow));
	json_object_object_add(o, "svm_vmcb12", cli_json_hex(s->svm_vmcb12));
	return o;
}

/* ------------------------------------------------------------------ */
/* Input                                                                */
/* ------------------------------------------------------------------ */

struct parse_ctx {
	char *err;
	size_t errlen;
};

static int fail(struct parse_ctx *c, const char *fmt, ...) CLI_PRINTF(2, 3);

static int fail(struct parse_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* "a number", "an object"...: what the input had instead. */
static const char *type_text(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null: return "null";
	case json_type_boolean: return "a boolean";
	case json_type_double:
	case json_type_int: return "a number";
	case json_type_object: return "an object";
	case json_type_array: return "an array";
	case json_type_string: return "a string";
	}
	return "something else";
}

static uint64_t max_of(unsigned bits)
{
	return bits >= 64 ? UINT64_MAX : (1ull << bits) - 1;
}

/* A hex string that fits in `bits`. */
static int get_hex(struct parse_ctx *c, const char *path, json_object *v, unsigned bits,
		   uint64_t *out)
{
	const char *str;

	if (!json_object_is_type(v, json_type_string))
		return fail(c,
			    "%s: expected a hex string such as \"0x1f\", got "
			    "%s",
			    path, type_text(v));
	str = json_object_get_string(v);
	if (cli_parse_hex(str, UINT64_MAX, out) != 0)
		return fail(c,
			    "%s: \"%.40s\" is not a hex number \"0x...\" of at "
			    "most 64 bits",
			    path, str);
	if (*out > max_of(bits))
		return fail(c, "%s: %s does not fit in %u bits", path, str, bits);
	return 0;
}

static int get_bool(struct parse_ctx *c, const char *path, json_object *v, bool *out)
{
	if (!json_object_is_type(v, json_type_boolean))
		return fail(c, "%s: expected true or false, got %s", path, type_text(v));
	*out = json_object_get_boolean(v);
	return 0;
}

static int want_object(struct parse_ctx *c, const char *path, json_object *v)
{
	if (!json_object_is_type(v, json_type_object))
		return fail(c, "%s: expected an object, got %s", path, type_text(v));
	return 0;
}

static int seg_from_json(struct parse_ctx *c, const char *path, json_object *v,
			 struct vsmm_seg *g)
{
	char sub[96];
	uint64_t n;

	if (want_object(c, path, v))
		return -1;
	json_object_object_foreach(v, key, val)
	{
		cli_join_path(sub, sizeof(sub), path, key);
		if (strcmp(key, "selector") == 0) {
			if (get_hex(c, sub, val, 16, &n))
				return -1;
			g->selector = (uint16_t)n;
		} else if (strcmp(key, "base") == 0) {
			if (get_hex(c, sub, val, 64, &g->base))
				return -1;
		} else if (strcmp(key, "limit") == 0) {
			if (get_hex(c, sub, val, 32, &n))
				return -1;
			g->limit = (uint32_t)n;
		} else if (strcmp(key, "attr") == 0) {
			if (get_hex(c, sub, val, 16, &n))
				return -1;
			/* Bits 8-11 do not exist in the access-rights word
			 * (they would be limit 19:16 in a descriptor). */
			if (n & ~(uint64_t)VSMM_SEG_ATTR_MASK)
				return fail(c,
					    "%s: 0x%llx sets bits outside the "
					    "access-rights layout (mask 0xf0ff)",
					    sub, (unsigned long long)n);
			g->attr = (uint16_t)n;
		} else {
			return fail(c,
				    "%s: unknown key (selector, base, limit, "
				    "attr)",
				    sub);
		}
	}
	return 0;
}

static int dtable_from_json(struct parse_ctx *c, const char *path, json_object *v,
			    struct vsmm_dtable *t)
{
	char sub[96];
	uint64_t n;

	if (want_object(c, path, v))
		return -1;
	json_object_object_foreach(v, key, val)
	{
		cli_join_path(sub, sizeof(sub), path, key);
		if (strcmp(key, "base") == 0) {
			if (get_hex(c, sub, val, 64, &t->base))
				return -1;
		} else if (strcmp(key, "limit") == 0) {
			if (get_hex(c, sub, val, 32, &n))
				return -1;
			t->limit = (uint32_t)n;
		} else {
			return fail(c, "%s: unknown key (base, limit)", sub);
		}
	}
	return 0;
}

/* One key of a state object: 0, or -1 (error in c). */
static int state_key(struct parse_ctx *c, const char *path, const char *key,
		     json_object *val, struct vsmm_cpu_state *s)
{
	uint64_t n;

	for (size_t i = 0; i < sizeof(int_keys) / sizeof(int_keys[0]); i++) {
		if (strcmp(key, int_keys[i].key) != 0)
			continue;
		if (get_hex(c, path, val, int_keys[i].bits, &n))
			return -1;
		store_int(s, int_keys[i].off, int_keys[i].bits, n);
		return 0;
	}
	for (int i = 0; i < VSMM_SREG_COUNT; i++)
		if (strcmp(key, seg_keys[i]) == 0)
			return seg_from_json(c, path, val, &s->seg[i]);
	if (strcmp(key, "gdtr") == 0)
		return dtable_from_json(c, path, val, &s->gdtr);
	if (strcmp(key, "idtr") == 0)
		return dtable_from_json(c, path, val, &s->idtr);
	for (size_t i = 0; i < sizeof(bool_keys) / sizeof(bool_keys[0]); i++)
		if (strcmp(key, bool_keys[i].key) == 0)
			return get_bool(c, path, val,
					(bool *)((char *)s + bool_keys[i].off));
	if (strcmp(key, "int_shadow") == 0) {
		if (get_hex(c, path, val, 8, &n))
			return -1;
		s->int_shadow = (uint8_t)n;
		return 0;
	}
	if (strcmp(key, "svm_vmcb12") == 0)
		return get_hex(c, path, val, 64, &s->svm_vmcb12);
	return fail(c, "%s: unknown key (see docs/json.md)", path);
}

int cli_state_from_json(json_object *obj, const char *prefix, struct vsmm_cpu_state *s,
			char *err, size_t errlen)
{
	struct parse_ctx c = { err, errlen };
	char path[96];

	if (want_object(&c, *prefix ? prefix : "the state", obj))
		return -1;
	json_object_object_foreach(obj, key, val)
	{
		cli_join_path(path, sizeof(path), prefix, key);
		if (state_key(&c, path, key, val, s))
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Layout-specific fields                                               */
/* ------------------------------------------------------------------ */

/* Every member of struct vsmm_image_extras (VSMM_IMAGE_EXTRAS_MAP), under
 * its name, which is the layouts' field name (revision is smm_revision
 * there, and printed apart). */
static const struct int_key extra_keys[] = {
#define EXTRA(type, member, tag, text) \
	{ #member, offsetof(struct vsmm_image_extras, member), 8 * sizeof(type) },
	VSMM_IMAGE_EXTRAS_MAP(EXTRA)
#undef EXTRA
};

static bool layout_has_field(const struct vsmm_layout_desc *d, const char *name)
{
	for (size_t i = 0; i < d->nfields; i++)
		if (d->fields[i].name && strcmp(d->fields[i].name, name) == 0)
			return true;
	return false;
}

json_object *cli_extras_to_json(const struct vsmm_layout_desc *desc,
				const struct vsmm_image_extras *x)
{
	json_object *o = json_object_new_object();

	for (size_t i = 0; i < sizeof(extra_keys) / sizeof(extra_keys[0]); i++)
		if (layout_has_field(desc, extra_keys[i].key))
			json_object_object_add(
				o, extra_keys[i].key,
				cli_json_hex(load_int(x, extra_keys[i].off,
						      extra_keys[i].bits)));
	return o;
}

int cli_extras_key_from_json(const char *key, json_object *val, const char *prefix,
			     struct vsmm_image_extras *x, char *err, size_t errlen)
{
	struct parse_ctx c = { err, errlen };
	char path[96];
	uint64_t n;

	cli_join_path(path, sizeof(path), prefix, key);
	for (size_t i = 0; i < sizeof(extra_keys) / sizeof(extra_keys[0]); i++) {
		if (strcmp(key, extra_keys[i].key) != 0)
			continue;
		if (get_hex(&c, path, val, extra_keys[i].bits, &n))
			return -1;
		store_int(x, extra_keys[i].off, extra_keys[i].bits, n);
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Documents                                                            */
/* ------------------------------------------------------------------ */

int cli_json_parse(const char *text, size_t len, json_object **out, char *err,
		   size_t errlen)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *obj;
	bool fed_end = false;
	size_t end;

	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (len > INT32_MAX || memchr(text, '\0', len)) {
		json_tokener_free(tok);
		snprintf(err, errlen, "not a JSON text (contains NUL bytes)");
		return -1;
	}
	/* Strict: no trailing commas, no single quotes, no junk that json-c
	 * would otherwise forgive in a hand-written state. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	/* A top-level number is only complete at the end of input: say so
	 * by feeding the terminating NUL json-c waits for. */
	if (!obj && json_tokener_get_error(tok) == json_tokener_continue) {
		obj = json_tokener_parse_ex(tok, "", 1);
		fed_end = true;
	}
	/* Offsets count from the start of the last chunk given to json-c. */
	end = (fed_end ? len : 0) + json_tokener_get_parse_end(tok);
	if (!obj) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		snprintf(err, errlen, "invalid JSON at byte %zu: %s",
			 end > len ? len : end,
			 e == json_tokener_continue ? "unexpected end of input"
						    : json_tokener_error_desc(e));
		json_tokener_free(tok);
		return -1;
	}
	json_tokener_free(tok);
	if (fed_end)
		end = len;
	while (end < len && strchr(" \t\r\n", text[end]))
		end++;
	if (end != len) {
		json_object_put(obj);
		snprintf(err, errlen, "invalid JSON: extra text at byte %zu", end);
		return -1;
	}
	if (cli_json_strict_check(text, len, err, errlen)) {
		json_object_put(obj);
		return -1;
	}
	*out = obj;
	return 0;
}

int cli_json_load(const char *path, json_object **out)
{
	struct cli_input in;
	char *text;
	char err[200];
	int rc;

	/* A state is a few KiB; a megabyte is plenty for any document. */
	if (cli_input_open(&in, path, 1u << 20) != 0)
		return -1;
	if (in.size > (1u << 20)) {
		cli_err("%s: larger than 1 MiB, not a vsmm JSON document", in.name);
		cli_input_close(&in);
		return -1;
	}
	text = malloc((size_t)in.size + 1);
	if (!text || cli_input_read(&in, 0, text, (size_t)in.size) != 0) {
		cli_err("%s: %s", in.name, text ? "read error" : "out of memory");
		free(text);
		cli_input_close(&in);
		return -1;
	}
	rc = cli_json_parse(text, (size_t)in.size, out, err, sizeof(err));
	if (rc != 0)
		cli_err("%s: %s", in.name, err);
	free(text);
	cli_input_close(&in);
	return rc;
}

void cli_json_fprint(FILE *f, json_object *obj)
{
	fputs(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_SPACED |
							  JSON_C_TO_STRING_NOSLASHESCAPE),
	      f);
	fputc('\n', f);
}

void cli_json_print(json_object *obj)
{
	cli_json_fprint(stdout, obj);
}
