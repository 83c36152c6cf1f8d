/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the CLI's own parts: number parsing, option parsing, the
 * JSON state format (both ways, and every way input can be wrong) and
 * all-or-nothing file output.  The commands themselves are tested end to
 * end by tests/cli/golden.py and tests/cli/hostile.py.
 */
#define _DEFAULT_SOURCE /* mknod, makedev */
#define _XOPEN_SOURCE 700

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"
#include "testlib.h"

/* ------------------------------------------------------------------ */
/* Numbers                                                              */
/* ------------------------------------------------------------------ */

static void test_parse_number(void **unused)
{
	uint64_t v = 0;

	(void)unused;
	assert_int_equal(cli_parse_number("0x30000", UINT64_MAX, &v), 0);
	assert_int_equal(v, 0x30000);
	assert_int_equal(cli_parse_number("196608", UINT64_MAX, &v), 0);
	assert_int_equal(v, 0x30000);
	assert_int_equal(cli_parse_number("0XfFfF", UINT64_MAX, &v), 0);
	assert_int_equal(v, 0xffff);
	assert_int_equal(cli_parse_number("0xffffffffffffffff", UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	/* Overflow of 64 bits, of the option's range, and junk. */
	assert_int_equal(cli_parse_number("0x10000000000000000", UINT64_MAX, &v), -1);
	assert_int_equal(cli_parse_number("18446744073709551616", UINT64_MAX, &v), -1);
	assert_int_equal(cli_parse_number("0x100000000", UINT32_MAX, &v), -1);
	assert_int_equal(cli_parse_number("", UINT64_MAX, &v), -1);
	assert_int_equal(cli_parse_number("0x", UINT64_MAX, &v), -1);
	assert_int_equal(cli_parse_number("-1", UINT64_MAX, &v), -1);
	assert_int_equal(cli_parse_number(" 1", UINT64_MAX, &v), -1);
	assert_int_equal(cli_parse_number("1 ", UINT64_MAX, &v), -1);
	assert_int_equal(cli_parse_number("12a", UINT64_MAX, &v), -1);
	assert_int_equal(cli_parse_number("0x1g", UINT64_MAX, &v), -1);
}

static void test_parse_hex(void **unused)
{
	uint64_t v = 0;

	(void)unused;
	assert_int_equal(cli_parse_hex("0x1f", UINT64_MAX, &v), 0);
	assert_int_equal(v, 0x1f);
	assert_int_equal(cli_parse_hex("0x0000000000000000001", UINT64_MAX, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(cli_parse_hex("0XABCDEF", UINT64_MAX, &v), 0);
	assert_int_equal(v, 0xabcdef);
	/* JSON integers are hex strings only: no decimal, no bare digits. */
	assert_int_equal(cli_parse_hex("31", UINT64_MAX, &v), -1);
	assert_int_equal(cli_parse_hex("1f", UINT64_MAX, &v), -1);
	assert_int_equal(cli_parse_hex("0x", UINT64_MAX, &v), -1);
	assert_int_equal(cli_parse_hex("0x10000000000000000", UINT64_MAX, &v), -1);
	assert_int_equal(cli_parse_hex("0x10000", 0xffff, &v), -1);
	assert_int_equal(cli_parse_hex("0xffff", 0xffff, &v), 0);
	assert_int_equal(cli_parse_hex(NULL, UINT64_MAX, &v), -1);
}

/* ------------------------------------------------------------------ */
/* Options                                                              */
/* ------------------------------------------------------------------ */

static const struct cli_command fake = { "fake", NULL, "", "Usage: fake\n" };

#define ALL_OPTS \
	(CLI_OPT_MODEL | CLI_OPT_LAYOUT | CLI_OPT_SEMANTICS | CLI_OPT_JSON | \
	 CLI_OPT_OUTPUT | CLI_OPT_STATE | CLI_OPT_DUMP | CLI_OPT_SMBASE | \
	 CLI_OPT_RECORD)

static int parse(unsigned allowed, int min, int max, struct cli_opts *o, ...)
{
	char *argv[16] = { "fake" };
	int argc = 1;
	va_list ap;
	char *a;

	va_start(ap, o);
	while ((a = va_arg(ap, char *)) != NULL && argc < 15)
		argv[argc++] = a;
	va_end(ap);
	return cli_opts_parse(&fake, allowed, min, max, argc, argv, o);
}

static void test_opts_forms(void **unused)
{
	struct cli_opts o;

	(void)unused;
	assert_int_equal(parse(ALL_OPTS, 1, 2, &o, "--model=amd", "--layout", "intel64",
			       "--semantics", "hardware", "--json", "img", "-o", "out",
			       "--state=s.json", NULL),
			 0);
	assert_int_equal(o.vendor, VSMM_VENDOR_AMD);
	assert_int_equal(o.layout, VSMM_LAYOUT_INTEL64);
	assert_int_equal(o.semantics, VSMM_SEMANTICS_HARDWARE);
	assert_true(o.json);
	assert_string_equal(o.output, "out");
	assert_string_equal(o.state, "s.json");
	assert_int_equal(o.nargs, 1);
	assert_string_equal(o.args[0], "img");

	/* Defaults. */
	assert_int_equal(parse(ALL_OPTS, 0, 1, &o, NULL), 0);
	assert_int_equal(o.vendor, VSMM_VENDOR_INTEL);
	assert_int_equal(o.layout, VSMM_LAYOUT_AUTO);
	assert_int_equal(o.semantics, VSMM_SEMANTICS_KVM);
	assert_false(o.json);

	/* "-" is stdin, and "--" ends options. */
	assert_int_equal(parse(ALL_OPTS, 2, 2, &o, "-", "--", "--json", NULL), 0);
	assert_string_equal(o.args[0], "-");
	assert_string_equal(o.args[1], "--json");
	assert_false(o.json);

	assert_int_equal(parse(ALL_OPTS, 1, 1, &o, "--dump-base", "0x100000",
			       "--smbase=196608", "d", NULL),
			 0);
	assert_true(o.has_dump_base && o.has_smbase);
	assert_true(o.dump_base == 0x100000);
	assert_int_equal(o.smbase, 0x30000);
	assert_false(o.halted || o.vmx);

	assert_int_equal(parse(ALL_OPTS, 1, 1, &o, "--vmx", "i", "--halted", NULL), 0);
	assert_true(o.halted && o.vmx);
}

static void test_opts_errors(void **unused)
{
	struct cli_opts o;

	(void)unused;
	/* Each is a usage error (-1), reported on stderr. */
	assert_int_equal(parse(ALL_OPTS, 1, 1, &o, NULL), -1);
	assert_int_equal(parse(ALL_OPTS, 1, 1, &o, "a", "b", NULL), -1);
	assert_int_equal(parse(ALL_OPTS, 0, 1, &o, "--bogus", NULL), -1);
	assert_int_equal(parse(ALL_OPTS, 0, 1, &o, "--model", NULL), -1);
	assert_int_equal(parse(ALL_OPTS, 0, 1, &o, "--model", "via", NULL), -1);
	assert_int_equal(parse(ALL_OPTS, 0, 1, &o, "--layout=p6-64", NULL), -1);
	assert_int_equal(parse(ALL_OPTS, 0, 1, &o, "--semantics=qemu", NULL), -1);
	assert_int_equal(parse(ALL_OPTS, 0, 1, &o, "--json=yes", NULL), -1);
	assert_int_equal(parse(ALL_OPTS, 0, 1, &o, "--halted=1", NULL), -1);
	assert_int_equal(parse(CLI_OPT_JSON, 0, 1, &o, "--vmx", NULL), -1);
	assert_int_equal(parse(ALL_OPTS, 0, 1, &o, "--smbase", "0x100000000", NULL), -1);
	assert_int_equal(parse(ALL_OPTS, 0, 1, &o, "--smbase", "zero", NULL), -1);
	assert_int_equal(parse(ALL_OPTS, 0, 1, &o, "--dump-base", "0", NULL), -1);
	/* An option the command does not take. */
	assert_int_equal(parse(CLI_OPT_JSON, 0, 1, &o, "--model", "intel", NULL), -1);
	/* --help is not an error. */
	assert_int_equal(parse(ALL_OPTS, 1, 1, &o, "--help", NULL), 1);
}

/* ------------------------------------------------------------------ */
/* JSON state                                                           */
/* ------------------------------------------------------------------ */

static void fill_state(struct vsmm_cpu_state *s)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < VSMM_GPR_COUNT; i++)
		s->gpr[i] = 0x1111111111111111ull * (uint64_t)(i + 1) + (uint64_t)i;
	s->rip = 0xffffffff81000000ull;
	s->rflags = 0x246;
	s->cr0 = 0x80050033;
	s->cr2 = 0x7fff0000;
	s->cr3 = 0x1234000;
	s->cr4 = 0x3606f0;
	s->efer = 0xd01;
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	for (int i = 0; i < VSMM_SREG_COUNT; i++) {
		s->seg[i].selector = (uint16_t)(0x10 + 8 * i);
		s->seg[i].attr = (uint16_t)(0xa09b ^ (unsigned)i);
		s->seg[i].limit = 0xfffff000u + (uint32_t)i;
		s->seg[i].base = 0xffff800000000000ull + (uint64_t)i;
	}
	s->gdtr.base = 0xfffffe0000001000ull;
	s->gdtr.limit = 0x7f;
	s->idtr.base = 0xfffffe0000000000ull;
	s->idtr.limit = 0xfff;
	s->smbase = 0x7ff00000;
	s->smm = true;
	s->nmi_masked = true;
	s->smi_pending = true;
	s->shutdown = false;
	s->init_latched = true;
	s->halted = true;
	s->vmx_on = true;
	s->int_shadow = 2;
	s->svm_vmcb12 = 0xabc000;
}

/* The option tables' matcher (vsmm's commands and vsmm run): forms,
 * aliases, flags, the allowed mask and a missing value. */
static void test_option_match(void **unused)
{
	static const struct cli_option table[] = {
		{ "--flag", NULL, false, 1, 10 },
		{ "--name", "-n", true, 1, 11 },
		{ "--other", NULL, true, 2, 12 },
	};
	const struct cli_option *opt;
	const char *v;
	int i;
	char *a1[] = { "x", "--flag" };
	char *a2[] = { "x", "--name=val" };
	char *a3[] = { "x", "--name", "val" };
	char *a4[] = { "x", "-n", "val" };
	char *a5[] = { "x", "--flag=1" };
	char *a6[] = { "x", "--name" };
	char *a7[] = { "x", "--other", "v" };
	char *a8[] = { "x", "--names" };
	char *a9[] = { "x", "-n=val" };

	(void)unused;
	i = 1;
	assert_int_equal(cli_option_match(table, 3, 1, &i, 2, a1, &opt, &v),
			 CLI_OPTION_OK);
	assert_int_equal(opt->id, 10);
	assert_null(v);
	assert_int_equal(i, 1);
	i = 1;
	assert_int_equal(cli_option_match(table, 3, 1, &i, 2, a2, &opt, &v),
			 CLI_OPTION_OK);
	assert_string_equal(v, "val");
	assert_int_equal(i, 1);
	i = 1;
	assert_int_equal(cli_option_match(table, 3, 1, &i, 3, a3, &opt, &v),
			 CLI_OPTION_OK);
	assert_string_equal(v, "val");
	assert_int_equal(i, 2);
	i = 1;
	assert_int_equal(cli_option_match(table, 3, 1, &i, 3, a4, &opt, &v),
			 CLI_OPTION_OK);
	assert_int_equal(opt->id, 11);
	assert_int_equal(i, 2);
	i = 1;
	assert_int_equal(cli_option_match(table, 3, 1, &i, 2, a5, &opt, &v),
			 CLI_OPTION_UNKNOWN);
	i = 1;
	assert_int_equal(cli_option_match(table, 3, 1, &i, 2, a6, &opt, &v),
			 CLI_OPTION_NO_VALUE);
	assert_int_equal(opt->id, 11);
	i = 1;
	assert_int_equal(cli_option_match(table, 3, 1, &i, 3, a7, &opt, &v),
			 CLI_OPTION_UNKNOWN);
	i = 1;
	assert_int_equal(cli_option_match(table, 3, 3, &i, 3, a7, &opt, &v),
			 CLI_OPTION_OK);
	assert_int_equal(opt->id, 12);
	i = 1;
	assert_int_equal(cli_option_match(table, 3, 1, &i, 2, a8, &opt, &v),
			 CLI_OPTION_UNKNOWN);
	i = 1;
	assert_int_equal(cli_option_match(table, 3, 1, &i, 2, a9, &opt, &v),
			 CLI_OPTION_UNKNOWN);
}

/* One table of vendor and semantics names: what the printers write, the
 * parsers (vsmm's options and vsmm run's) read back; nothing else. */
static void test_names_round_trip(void **unused)
{
	static const enum vsmm_vendor vendors[] = { VSMM_VENDOR_INTEL, VSMM_VENDOR_AMD };
	static const enum vsmm_semantics sems[] = { VSMM_SEMANTICS_KVM,
						    VSMM_SEMANTICS_HARDWARE };
	enum vsmm_vendor v;
	enum vsmm_semantics s;

	(void)unused;
	for (size_t i = 0; i < 2; i++) {
		v = (enum vsmm_vendor)99;
		assert_int_equal(vsmm_vendor_from_name(vsmm_vendor_name(vendors[i]), &v),
				 VSMM_OK);
		assert_int_equal(v, vendors[i]);
		s = (enum vsmm_semantics)99;
		assert_int_equal(
			vsmm_semantics_from_name(vsmm_semantics_name(sems[i]), &s),
			VSMM_OK);
		assert_int_equal(s, sems[i]);
	}
	assert_string_equal(vsmm_vendor_name(VSMM_VENDOR_AMD), "amd");
	assert_string_equal(vsmm_semantics_name(VSMM_SEMANTICS_HARDWARE), "hardware");
	assert_int_equal(vsmm_vendor_from_name("Intel", &v), VSMM_E_INVAL);
	assert_int_equal(vsmm_vendor_from_name("", &v), VSMM_E_INVAL);
	assert_int_equal(vsmm_semantics_from_name("hw", &s), VSMM_E_INVAL);
	assert_int_equal(vsmm_semantics_from_name("kvm ", &s), VSMM_E_INVAL);
	/* Out of range and NULL: no name, no crash. */
	assert_null(vsmm_vendor_name((enum vsmm_vendor)7));
	assert_null(vsmm_semantics_name(VSMM_SEMANTICS_COUNT));
	assert_int_equal(vsmm_vendor_from_name(NULL, &v), VSMM_E_INVAL);
	assert_int_equal(vsmm_semantics_from_name("kvm", NULL), VSMM_E_INVAL);
}

static void test_state_round_trip(void **unused)
{
	struct vsmm_cpu_state in, out;
	json_object *j, *back;
	const char *text;
	char err[200];

	(void)unused;
	fill_state(&in);
	j = cli_state_to_json(&in);
	text = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
	/* Integers are lower-case hex strings. */
	assert_non_null(strstr(text, "\"rip\":\"0xffffffff81000000\""));
	assert_non_null(strstr(text, "\"smm\":true"));
	assert_non_null(strstr(text, "\"cs\":{\"selector\":\"0x18\""));
	assert_int_equal(cli_json_parse(text, strlen(text), &back, err, sizeof(err)), 0);
	memset(&out, 0, sizeof(out));
	assert_int_equal(cli_state_from_json(back, "", &out, err, sizeof(err)), 0);
	TP_ASSERT_SAME_STATE(&in, &out);
	json_object_put(j);
	json_object_put(back);
}

static void test_state_absent_keys_are_zero(void **unused)
{
	struct vsmm_cpu_state s, zero;
	json_object *j;
	char err[200];
	const char *text = "{\"rip\": \"0x8000\", \"cs\": {\"base\": \"0x30000\"}}";

	(void)unused;
	memset(&zero, 0, sizeof(zero));
	zero.rip = 0x8000;
	zero.seg[VSMM_CS].base = 0x30000;
	assert_int_equal(cli_json_parse(text, strlen(text), &j, err, sizeof(err)), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(cli_state_from_json(j, "", &s, err, sizeof(err)), 0);
	TP_ASSERT_SAME_STATE(&zero, &s);
	json_object_put(j);
}

/* A state text must be refused, with msg in the error. */
static void refuse(const char *text, const char *msg)
{
	struct vsmm_cpu_state s;
	json_object *j;
	char err[200] = "";

	memset(&s, 0, sizeof(s));
	assert_int_equal(cli_json_parse(text, strlen(text), &j, err, sizeof(err)), 0);
	assert_int_equal(cli_state_from_json(j, "state", &s, err, sizeof(err)), -1);
	if (!strstr(err, msg))
		fail_msg("error \"%s\" does not mention \"%s\"", err, msg);
	json_object_put(j);
}

static void test_state_refusals(void **unused)
{
	(void)unused;
	refuse("{\"raxx\": \"0x1\"}", "state.raxx: unknown key");
	refuse("{\"cs\": {\"selector\": \"0x10000\"}}",
	       "state.cs.selector: 0x10000 does not fit in 16 bits");
	refuse("{\"cs\": {\"sel\": \"0x10\"}}", "state.cs.sel: unknown key");
	refuse("{\"tr\": {\"limit\": \"0x100000000\"}}", "state.tr.limit");
	refuse("{\"ds\": {\"attr\": \"0x0f93\"}}", "outside the access-rights");
	refuse("{\"smbase\": \"0x100000000\"}", "does not fit in 32 bits");
	refuse("{\"int_shadow\": \"0x100\"}", "does not fit in 8 bits");
	refuse("{\"rax\": \"0x10000000000000000\"}", "at most 64 bits");
	refuse("{\"rax\": 16}", "expected a hex string");
	refuse("{\"rax\": \"16\"}", "is not a hex number");
	refuse("{\"rax\": \"0xfg\"}", "is not a hex number");
	refuse("{\"rax\": null}", "expected a hex string");
	refuse("{\"smm\": \"true\"}", "state.smm: expected true or false");
	refuse("{\"smm\": 1}", "expected true or false");
	refuse("{\"gdtr\": \"0x0\"}", "state.gdtr: expected an object");
	refuse("{\"gdtr\": {\"selector\": \"0x0\"}}", "state.gdtr.selector: unknown");
	refuse("[]", "state: expected an object");
}

static void test_json_parse_errors(void **unused)
{
	json_object *j = NULL;
	char err[200];

	(void)unused;
	assert_int_equal(cli_json_parse("{", 1, &j, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "invalid JSON"));
	assert_int_equal(cli_json_parse("", 0, &j, err, sizeof(err)), -1);
	assert_int_equal(cli_json_parse("{} {}", 5, &j, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "invalid JSON"));
	/* A bare number is complete at the end of input (no NUL needed). */
	assert_int_equal(cli_json_parse("42", 2, &j, err, sizeof(err)), 0);
	assert_true(json_object_is_type(j, json_type_int));
	json_object_put(j);
	assert_int_equal(cli_json_parse("{\"a\":1,}", 8, &j, err, sizeof(err)), -1);
	assert_int_equal(cli_json_parse("{\"a\"\0:1}", 8, &j, err, sizeof(err)), -1);
	assert_int_equal(cli_json_parse("  {}\n", 5, &j, err, sizeof(err)), 0);
	json_object_put(j);
}

/* ------------------------------------------------------------------ */
/* Files                                                                */
/* ------------------------------------------------------------------ */

static char tmpdir[64];

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_write_file(void **unused)
{
	char path[128], missing[128];
	uint8_t data[512], back[512];
	struct cli_input in;
	struct stat st;

	(void)unused;
	strcpy(tmpdir, "/tmp/vsmm-cli-test-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	snprintf(path, sizeof(path), "%s/image.bin", tmpdir);
	assert_int_equal(cli_write_file(path, data, sizeof(data)), 0);
	/* Exactly one file: the temporary was renamed, not left behind. */
	assert_int_equal(count_entries(tmpdir), 1);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 512);
	assert_true((st.st_mode & 0444) != 0);

	assert_int_equal(cli_input_open(&in, path, 4096), 0);
	assert_true(in.size == 512);
	assert_int_equal(cli_input_read(&in, 0, back, sizeof(back)), 0);
	assert_memory_equal(back, data, sizeof(data));
	assert_int_equal(cli_input_read(&in, 500, back, 12), 0);
	assert_int_equal(cli_input_read(&in, 500, back, 13), -1);
	assert_int_equal(cli_input_read(&in, UINT64_MAX, back, 1), -1);
	cli_input_close(&in);

	/* A directory that does not exist: error, and nothing created. */
	snprintf(missing, sizeof(missing), "%s/no/such/dir/x.img", tmpdir);
	assert_int_equal(cli_write_file(missing, data, sizeof(data)), -1);
	assert_int_equal(count_entries(tmpdir), 1);
	/* A directory as input is refused. */
	assert_int_equal(cli_input_open(&in, tmpdir, 4096), -1);
	unlink(path);
	rmdir(tmpdir);
}

/*
 * -o through a symbolic link, to a FIFO and to character devices (issue
 * 15.4): the link and the nodes stay what they are.  Device nodes are
 * made in the scratch directory when running as root (mknod), so that a
 * regression replaces a private node, never the system's /dev/null or
 * /dev/full; otherwise the system's /dev/full, which a non-root run cannot
 * replace.
 */
static void test_write_special(void **unused)
{
	char dir[] = "/tmp/vsmm-cli-special-XXXXXX";
	char link[80], file[80], fifo[80], null[80], full[80];
	uint8_t data[512], back[600];
	struct stat st;

	(void)unused;
	memset(data, 0x5a, sizeof(data));
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/real.img", dir);
	snprintf(link, sizeof(link), "%s/link.img", dir);
	snprintf(fifo, sizeof(fifo), "%s/pipe", dir);
	snprintf(null, sizeof(null), "%s/null", dir);
	snprintf(full, sizeof(full), "%s/full", dir);

	/* A symbolic link: its target is replaced atomically, the link stays. */
	FILE *f = fopen(file, "wb");
	assert_non_null(f);
	fputs("old", f);
	fclose(f);
	assert_int_equal(symlink("real.img", link), 0);
	assert_int_equal(cli_write_file(link, data, sizeof(data)), 0);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_size, 512);
	assert_int_equal(count_entries(dir), 2); /* no temporary left */

	/* A FIFO: written through to its reader, still a FIFO. */
	assert_int_equal(mkfifo(fifo, 0600), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		FILE *r = fopen(fifo, "rb");
		size_t n = r ? fread(back, 1, sizeof(back), r) : 0;
		_exit(n == sizeof(data) && back[511] == 0x5a ? 0 : 1);
	}
	assert_int_equal(cli_write_file(fifo, data, sizeof(data)), 0);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(lstat(fifo, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));

	/* Character devices: /dev/null swallows, /dev/full says ENOSPC. */
	const char *fullpath = "/dev/full";
	if (geteuid() == 0 && mknod(null, S_IFCHR | 0600, makedev(1, 3)) == 0 &&
	    mknod(full, S_IFCHR | 0600, makedev(1, 7)) == 0) {
		assert_int_equal(cli_write_file(null, data, sizeof(data)), 0);
		assert_int_equal(lstat(null, &st), 0);
		assert_true(S_ISCHR(st.st_mode));
		fullpath = full;
	}
	if (stat(fullpath, &st) == 0 && S_ISCHR(st.st_mode)) {
		assert_int_equal(cli_write_file(fullpath, data, sizeof(data)), -1);
		assert_int_equal(lstat(fullpath, &st), 0);
		assert_true(S_ISCHR(st.st_mode));
	}
	/* A directory is refused, not replaced. */
	assert_int_equal(cli_write_file(dir, data, sizeof(data)), -1);
	unlink(null);
	unlink(full);
	unlink(fifo);
	unlink(link);
	unlink(file);
	assert_int_equal(rmdir(dir), 0);
}

/* ------------------------------------------------------------------ */
/* The in-memory platform                                               */
/* ------------------------------------------------------------------ */

static void test_platform_memory(void **unused)
{
	uint8_t area[16], buf[32], dumpdata[64];
	char path[64];
	struct cli_input dump;
	struct cli_memory m = { 0x1000, area, sizeof(area), NULL, 0 };

	(void)unused;
	for (size_t i = 0; i < sizeof(area); i++)
		area[i] = (uint8_t)(0xa0 + i);
	/* Straddling the start of the area: zeros, then the area. */
	memset(buf, 0x55, sizeof(buf));
	assert_int_equal(cli_platform_ops.read_phys(&m, true, 0xff8, buf, 16), 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(buf[i], 0);
	assert_memory_equal(buf + 8, area, 8);
	/* Far away, and wrapping at the top of the address space: zeros. */
	assert_int_equal(cli_platform_ops.read_phys(&m, false, UINT64_MAX - 3, buf, 8),
			 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(buf[i], 0);
	/* Writes: inside the area only. */
	memset(buf, 0x11, sizeof(buf));
	assert_int_equal(cli_platform_ops.write_phys(&m, true, 0x1004, buf, 12), 0);
	assert_int_equal(area[4], 0x11);
	assert_int_equal(area[15], 0x11);
	assert_int_equal(area[3], 0xa3);
	assert_int_equal(cli_platform_ops.write_phys(&m, true, 0x1008, buf, 9), -1);
	assert_int_equal(cli_platform_ops.write_phys(&m, true, 0xfff, buf, 2), -1);
	assert_int_equal(cli_platform_ops.write_phys(&m, true, UINT64_MAX, buf, 2), -1);

	/* Over a dump: the dump where it is, the area on top of it. */
	for (size_t i = 0; i < sizeof(dumpdata); i++)
		dumpdata[i] = (uint8_t)i;
	snprintf(path, sizeof(path), "/tmp/vsmm-cli-dump-%d", (int)getpid());
	assert_int_equal(cli_write_file(path, dumpdata, sizeof(dumpdata)), 0);
	assert_int_equal(cli_input_open(&dump, path, 4096), 0);
	m.dump = &dump;
	m.dump_base = 0xff0; /* covers 0xff0..0x102f */
	assert_int_equal(cli_platform_ops.read_phys(&m, true, 0xfec, buf, 32), 0);
	assert_int_equal(buf[0], 0);	/* 0xfec: below the dump */
	assert_int_equal(buf[4], 0x00); /* 0xff0: dump byte 0 */
	assert_int_equal(buf[5], 0x01);
	assert_int_equal(buf[19], 0x0f); /* 0xfff: dump byte 15 */
	assert_int_equal(buf[20], 0xa0); /* 0x1000: the area wins */
	assert_int_equal(cli_platform_ops.read_phys(&m, true, 0x1028, buf, 16), 0);
	assert_int_equal(buf[0], 0x38); /* 0x1028: dump byte 56 */
	assert_int_equal(buf[7], 0x3f);
	assert_int_equal(buf[8], 0); /* 0x1030: past the dump */
	cli_input_close(&dump);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_number),
		cmocka_unit_test(test_parse_hex),
		cmocka_unit_test(test_opts_forms),
		cmocka_unit_test(test_opts_errors),
		cmocka_unit_test(test_option_match),
		cmocka_unit_test(test_names_round_trip),
		cmocka_unit_test(test_state_round_trip),
		cmocka_unit_test(test_state_absent_keys_are_zero),
		cmocka_unit_test(test_state_refusals),
		cmocka_unit_test(test_json_parse_errors),
		cmocka_unit_test(test_write_file),
		cmocka_unit_test(test_write_special),
		cmocka_unit_test(test_platform_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
