/* SPDX-License-Identifier: MIT */
/*
 * Option parsing shared by the commands.  Hand-written instead of
 * getopt_long so the accepted forms are the same on every libc:
 * "--opt VALUE", "--opt=VALUE", "-o FILE", "--" ends options, and "-"
 * alone is a positional argument (stdin/stdout).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Length of the well-formed UTF-8 sequence at p that is not a C1 control
 * (U+0080..U+009F), or 0. */
static size_t printable_utf8(const unsigned char *p)
{
	size_t n = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : 2;
	uint32_t cp = p[0] & (0x7f >> n);
	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	for (size_t k = 1; k < n; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[k] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp < 0xe000) || (cp >= 0x80 && cp < 0xa0))
		return 0;
	return n;
}

/*
 * Messages quote what the input said (keys, values, file names), so they
 * never reach the terminal raw: control characters (C0, DEL, C1) and bytes
 * that are not UTF-8 are written as \xNN.
 */
void cli_fputs_escaped(const char *text, FILE *f)
{
	const unsigned char *p = (const unsigned char *)text;
	while (*p) {
		size_t n = *p >= 0x80 ? printable_utf8(p) : 1;
		if (*p < 0x20 || *p == 0x7f || n == 0) {
			fprintf(f, "\\x%02x", *p);
			n = 1;
		} else {
			fwrite(p, 1, n, f);
		}
		p += n;
	}
}

void cli_err(const char *fmt, ...)
{
	char small[512], *msg = small;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(small) && (msg = malloc((size_t)n + 1))) {
		va_start(ap, fmt);
		vsnprintf(msg, (size_t)n + 1, fmt, ap);
		va_end(ap);
	} else if (n >= (int)sizeof(small)) {
		msg = small; /* cut, but still said */
	}
	fputs("vsmm: ", stderr);
	cli_fputs_escaped(n < 0 ? fmt : msg, stderr);
	fputc('\n', stderr);
	if (msg != small)
		free(msg);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Digits of one base, with overflow and range checks; no sign, no
 * spaces, at least one digit. */
static int parse_digits(const char *s, unsigned base, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		int d = hexval(*s);

		if (d < 0 || (unsigned)d >= base)
			return -1;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return -1;
		v = v * base + (uint64_t)d;
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

int cli_parse_number(const char *s, uint64_t max, uint64_t *out)
{
	if (!s)
		return -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return parse_digits(s + 2, 16, max, out);
	return parse_digits(s, 10, max, out);
}

int cli_parse_hex(const char *s, uint64_t max, uint64_t *out)
{
	if (!s || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return -1;
	/* Leading zeros are fine ("0x0000ffff"), but not more digits than
	 * any 64-bit value needs once they are stripped. */
	return parse_digits(s + 2, 16, max, out);
}

const char *cli_layout_name(enum vsmm_layout l)
{
	const struct vsmm_layout_desc *d = vsmm_layout_get(l);

	return d ? d->name : "auto";
}

int cli_model_for(enum vsmm_vendor vendor, enum vsmm_layout layout,
		  struct vsmm_model *model)
{
	int rc = vsmm_model_preset(model, vendor, layout != VSMM_LAYOUT_P6_32);

	if (rc != VSMM_OK)
		return rc;
	model->layout = layout;
	return VSMM_OK;
}

static void usage_hint(const struct cli_command *cmd)
{
	fprintf(stderr, "Try 'vsmm %s --help'.\n", cmd->name);
}

enum cli_option_status cli_option_match(const struct cli_option *table, size_t n,
					unsigned allowed, int *i, int argc, char **argv,
					const struct cli_option **opt, const char **value)
{
	const char *arg = argv[*i];
	const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);

	for (size_t k = 0; k < n; k++) {
		const struct cli_option *o = &table[k];
		bool named = strlen(o->name) == len && strncmp(arg, o->name, len) == 0;
		bool alias = o->alias && strcmp(arg, o->alias) == 0;

		if (!(o->mask & allowed) || !(named || alias))
			continue;
		/* A flag takes no "=VALUE": "--json=1" is no option. */
		if (!o->has_value && eq)
			continue;
		*opt = o;
		*value = NULL;
		if (!o->has_value)
			return CLI_OPTION_OK;
		if (eq && named) {
			*value = eq + 1;
			return CLI_OPTION_OK;
		}
		if (*i + 1 >= argc)
			return CLI_OPTION_NO_VALUE;
		*value = argv[++*i];
		return CLI_OPTION_OK;
	}
	*opt = NULL;
	return CLI_OPTION_UNKNOWN;
}

static int set_model(struct cli_opts *o, const char *v)
{
	if (vsmm_vendor_from_name(v, &o->vendor) != VSMM_OK) {
		cli_err("unknown --model '%s' (intel or amd)", v);
		return -1;
	}
	return 0;
}

static int set_layout(struct cli_opts *o, const char *v)
{
	if (vsmm_layout_from_name(v, &o->layout) != VSMM_OK) {
		cli_err("unknown --layout '%s' (auto, p6-32, amd64 or intel64)", v);
		return -1;
	}
	return 0;
}

static int set_semantics(struct cli_opts *o, const char *v)
{
	if (vsmm_semantics_from_name(v, &o->semantics) != VSMM_OK) {
		cli_err("unknown --semantics '%s' (kvm or hardware)", v);
		return -1;
	}
	return 0;
}

static int set_address(const char *opt, const char *v, uint64_t max, uint64_t *out)
{
	if (cli_parse_number(v, max, out) != 0) {
		cli_err("%s '%s' is not a number of at most 0x%llx (hex with 0x, "
			"or decimal)",
			opt, v, (unsigned long long)max);
		return -1;
	}
	return 0;
}

/* The options of the vsmm commands: each command accepts the rows whose
 * mask is in its `allowed` set (CLI_OPT_*). */
enum {
	OPT_JSON,
	OPT_HALTED,
	OPT_VMX,
	OPT_MODEL,
	OPT_LAYOUT,
	OPT_SEMANTICS,
	OPT_OUTPUT,
	OPT_STATE,
	OPT_DUMP_BASE,
	OPT_SMBASE,
	OPT_WIDTH,
	OPT_FLAVOUR,
	OPT_CPU_ID,
};

static const struct cli_option vsmm_options[] = {
	{ "--json", NULL, false, CLI_OPT_JSON, OPT_JSON },
	{ "--halted", NULL, false, CLI_OPT_RECORD, OPT_HALTED },
	{ "--vmx", NULL, false, CLI_OPT_RECORD, OPT_VMX },
	{ "--model", NULL, true, CLI_OPT_MODEL, OPT_MODEL },
	{ "--layout", NULL, true, CLI_OPT_LAYOUT, OPT_LAYOUT },
	{ "--semantics", NULL, true, CLI_OPT_SEMANTICS, OPT_SEMANTICS },
	{ "--output", "-o", true, CLI_OPT_OUTPUT, OPT_OUTPUT },
	{ "--state", NULL, true, CLI_OPT_STATE, OPT_STATE },
	{ "--dump-base", NULL, true, CLI_OPT_DUMP, OPT_DUMP_BASE },
	{ "--smbase", NULL, true, CLI_OPT_SMBASE, OPT_SMBASE },
	{ "--width", NULL, true, CLI_OPT_WIDTH, OPT_WIDTH },
	{ "--flavour", NULL, true, CLI_OPT_FLAVOUR, OPT_FLAVOUR },
	{ "--cpu-id", NULL, true, CLI_OPT_CPU_ID, OPT_CPU_ID },
};

/* The value v of one matched option; 0, or -1 after reporting. */
static int set_option(const struct cli_option *opt, const char *v, struct cli_opts *o)
{
	uint64_t n;

	switch (opt->id) {
	case OPT_JSON: o->json = true; return 0;
	case OPT_HALTED: o->halted = true; return 0;
	case OPT_VMX: o->vmx = true; return 0;
	case OPT_MODEL: return set_model(o, v);
	case OPT_LAYOUT: return set_layout(o, v);
	case OPT_SEMANTICS: return set_semantics(o, v);
	case OPT_OUTPUT: o->output = v; return 0;
	case OPT_STATE: o->state = v; return 0;
	case OPT_DUMP_BASE:
		if (set_address("--dump-base", v, UINT64_MAX, &o->dump_base))
			return -1;
		o->has_dump_base = true;
		return 0;
	case OPT_SMBASE:
		/* SMBASE is a 32-bit register (SDM Vol.3C 32.11). */
		if (set_address("--smbase", v, UINT32_MAX, &n))
			return -1;
		o->smbase = (uint32_t)n;
		o->has_smbase = true;
		return 0;
	case OPT_WIDTH:
		if (set_address("--width", v, 0xffff, &n))
			return -1;
		o->width = (uint32_t)n;
		o->has_width = true;
		return 0;
	case OPT_FLAVOUR:
		if (vsmm_mm_flavour_from_name(v, &o->flavour) != VSMM_OK) {
			cli_err("unknown --flavour '%s' (intel, amd or ovmf)", v);
			return -1;
		}
		o->has_flavour = true;
		return 0;
	case OPT_CPU_ID:
		if (set_address("--cpu-id", v, UINT64_MAX, &o->cpu_id))
			return -1;
		o->has_cpu_id = true;
		return 0;
	default: return -1;
	}
}

/* One option; returns 0, or -1 after reporting. */
static int parse_one(unsigned allowed, int *i, int argc, char **argv, struct cli_opts *o)
{
	const char *arg = argv[*i];
	const struct cli_option *opt;
	const char *v;

	switch (cli_option_match(vsmm_options,
				 sizeof(vsmm_options) / sizeof(vsmm_options[0]), allowed,
				 i, argc, argv, &opt, &v)) {
	case CLI_OPTION_OK: return set_option(opt, v, o);
	case CLI_OPTION_NO_VALUE: cli_err("option %s needs a value", arg); return -1;
	default: cli_err("unknown option '%s'", arg); return -1;
	}
}

int cli_opts_parse(const struct cli_command *cmd, unsigned allowed, int min_args,
		   int max_args, int argc, char **argv, struct cli_opts *o)
{
	bool options_done = false;

	memset(o, 0, sizeof(*o));
	o->vendor = VSMM_VENDOR_INTEL;
	o->layout = VSMM_LAYOUT_AUTO;
	o->semantics = VSMM_SEMANTICS_KVM;

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (!options_done &&
		    (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)) {
			fputs(cmd->usage, stdout);
			return 1;
		}
		if (!options_done && strcmp(arg, "--") == 0) {
			options_done = true;
			continue;
		}
		if (!options_done && arg[0] == '-' && arg[1] != '\0') {
			if (parse_one(allowed, &i, argc, argv, o) != 0) {
				usage_hint(cmd);
				return -1;
			}
			continue;
		}
		if (o->nargs >= max_args || o->nargs >= CLI_MAX_ARGS) {
			cli_err("%s: unexpected argument '%s'", cmd->name, arg);
			usage_hint(cmd);
			return -1;
		}
		o->args[o->nargs++] = arg;
	}
	if (o->nargs < min_args) {
		cli_err("%s: missing argument", cmd->name);
		usage_hint(cmd);
		return -1;
	}
	if (o->has_dump_base && !o->has_smbase) {
		cli_err("%s: --dump-base needs --smbase (the area is at "
			"SMBASE+0xfe00, or +0xfc00 for intel64)",
			cmd->name);
		usage_hint(cmd);
		return -1;
	}
	return 0;
}
