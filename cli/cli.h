/* SPDX-License-Identifier: MIT */
/*
 * Shared pieces of the `vsmm` command-line tool: the command table, option
 * parsing, image and file I/O, the JSON state format and text printing.
 *
 * The tool uses only the public API (include/vsmm/vsmm.h).  Everything here
 * returns a status instead of exiting, so the pieces can be unit-tested;
 * only main() turns statuses into exit codes.
 */
#ifndef VSMM_CLI_H
#define VSMM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "vsmm/vsmm.h"

/* Exit statuses (documented in vsmm.1 and docs/json.md). */
#define CLI_EXIT_OK 0
#define CLI_EXIT_NO \
	1 /* check: would shut down (or undecided); rsm: shutdown; diff: differ */
#define CLI_EXIT_ERR 2 /* usage, input, output or library error */

#if defined(__GNUC__) || defined(__clang__)
#define CLI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CLI_PRINTF(a, b)
#endif

/* "vsmm: <message>" on stderr. */
void cli_err(const char *fmt, ...) CLI_PRINTF(1, 2);
/* text with control characters and non-UTF-8 bytes escaped as \xNN: how
 * cli_err prints its message. */
void cli_fputs_escaped(const char *text, FILE *f);

/* ------------------------------------------------------------------ */
/* Commands                                                             */
/* ------------------------------------------------------------------ */

struct cli_command {
	const char *name;
	int (*fn)(int argc, char **argv); /* argv[0] is the command name */
	const char *help;		  /* one line for `vsmm --help` */
	const char *usage;		  /* the full `vsmm CMD --help` text */
};

const struct cli_command *cli_command_find(const char *name);
extern const struct cli_command cli_commands[];
extern const size_t cli_ncommands;

#define CLI_COMMAND_DECL(name) \
	int cmd_##name(int argc, char **argv); \
	extern const char cmd_##name##_usage[]

CLI_COMMAND_DECL(decode);
CLI_COMMAND_DECL(check);
CLI_COMMAND_DECL(smi);
CLI_COMMAND_DECL(rsm);
CLI_COMMAND_DECL(encode);
CLI_COMMAND_DECL(diff);
CLI_COMMAND_DECL(layouts);
CLI_COMMAND_DECL(demo);
CLI_COMMAND_DECL(run);
CLI_COMMAND_DECL(savestate);
CLI_COMMAND_DECL(help);

/* ------------------------------------------------------------------ */
/* Options                                                              */
/* ------------------------------------------------------------------ */

/* Which options a command accepts. */
#define CLI_OPT_MODEL (1u << 0)	    /* --model intel|amd */
#define CLI_OPT_LAYOUT (1u << 1)    /* --layout auto|p6-32|amd64|intel64 */
#define CLI_OPT_SEMANTICS (1u << 2) /* --semantics kvm|hardware */
#define CLI_OPT_JSON (1u << 3)	    /* --json */
#define CLI_OPT_OUTPUT (1u << 4)    /* -o FILE, --output FILE */
#define CLI_OPT_STATE (1u << 5)	    /* --state FILE */
#define CLI_OPT_DUMP (1u << 6)	    /* --dump-base ADDR */
#define CLI_OPT_SMBASE (1u << 7)    /* --smbase ADDR */
#define CLI_OPT_RECORD (1u << 8)    /* --halted, --vmx */
#define CLI_OPT_WIDTH (1u << 9)	    /* --width N */
#define CLI_OPT_FLAVOUR (1u << 10)  /* --flavour intel|amd|ovmf */
#define CLI_OPT_CPU_ID (1u << 11)   /* --cpu-id N */
/* check and rsm run RSM on an image the same way: the same options. */
#define CLI_OPTS_RSM \
	(CLI_OPT_MODEL | CLI_OPT_SEMANTICS | CLI_OPT_LAYOUT | CLI_OPT_JSON | \
	 CLI_OPT_DUMP | CLI_OPT_SMBASE | CLI_OPT_RECORD)

#define CLI_MAX_ARGS 4

/* Option help shared by the usage texts (keep in step with vsmm.1). */
#define CLI_HELP_IMAGE \
	"IMAGE is a file of exactly one state-save area (512 bytes; 1024 for\n" \
	"intel64), or '-' for stdin.  With --dump-base ADDR --smbase ADDR it is\n" \
	"a physical-memory dump whose first byte is at ADDR, and the area is\n" \
	"read at SMBASE+0xfe00 (SMBASE+0xfc00 for intel64).  ADDR is hex with\n" \
	"0x, or decimal.\n"
#define CLI_HELP_MODEL \
	"  --model intel|amd   the virtual CPU (default intel).  intel: a modern\n" \
	"                      long-mode Intel CPU with VMX, PAE, PSE, PGE, PCID,\n" \
	"                      NX, SMEP, SMAP, FSGSBASE, XSAVE, UMIP, PKU, SYSCALL,\n" \
	"                      MAXPHYADDR 46.  amd: the same with SVM and FFXSR\n" \
	"                      instead of VMX, MAXPHYADDR 48.  With the p6-32\n" \
	"                      layout the same vendor without long mode (and\n" \
	"                      PCID) is used, as KVM does when CPUID lacks LM.\n"
#define CLI_HELP_LAYOUT_AUTO \
	"  --layout auto|p6-32|amd64|intel64\n" \
	"                      the save-state map.  auto (default) decides from\n" \
	"                      the revision id at 0x7efc: low 16 bits 0x0000 =\n" \
	"                      p6-32, 0x0064 = amd64, 0x0100 or 0x0101 =\n" \
	"                      intel64; any other is an error.\n"
#define CLI_HELP_SEMANTICS \
	"  --semantics kvm|hardware\n" \
	"                      whose rules: Linux KVM's (default) or the\n" \
	"                      processor's per the Intel SDM / AMD APM.\n"
#define CLI_HELP_DUMP \
	"  --dump-base ADDR    IMAGE is a memory dump starting at physical ADDR\n" \
	"  --smbase ADDR       SMBASE of the vCPU (locates the area in a dump)\n"
#define CLI_HELP_RECORD \
	"  --halted            the SMI interrupted a HLT: under hardware\n" \
	"                      semantics RSM then honours the image's auto-HALT\n" \
	"                      restart field (1 = back to the halted state)\n" \
	"  --vmx               the vCPU was in VMX operation when the SMI came\n" \
	"                      (Intel): RSM returns to VMX operation\n"
#define CLI_HELP_JSON "  --json              print JSON (docs/json.md) instead of text\n"
/* The option help of CLI_OPTS_RSM. */
#define CLI_HELP_RSM \
	CLI_HELP_MODEL CLI_HELP_SEMANTICS CLI_HELP_LAYOUT_AUTO CLI_HELP_DUMP \
		CLI_HELP_RECORD CLI_HELP_JSON

struct cli_opts {
	enum vsmm_vendor vendor;       /* default intel */
	enum vsmm_layout layout;       /* default auto */
	enum vsmm_semantics semantics; /* default kvm */
	bool json;
	const char *output;
	const char *state;
	bool has_dump_base;
	uint64_t dump_base;
	bool has_smbase;
	uint32_t smbase;
	bool halted; /* the SMI interrupted a HLT (hardware semantics) */
	bool vmx;    /* the vCPU was in VMX operation at the SMI (Intel) */
	bool has_width;
	uint32_t width; /* --width: bytes */
	bool has_flavour;
	enum vsmm_mm_flavour flavour; /* --flavour */
	bool has_cpu_id;
	uint64_t cpu_id;		/* --cpu-id: the PROCESSOR_ID */
	const char *args[CLI_MAX_ARGS]; /* positional arguments */
	int nargs;
};

/*
 * A row of an option table (vsmm's commands in cli/opts.c, vsmm run in
 * engines/unicorn/cli.c): "--name VALUE", "--name=VALUE", the alias (a
 * short form matched exactly, "-o VALUE"), or a flag without value.
 */
struct cli_option {
	const char *name;  /* "--model" */
	const char *alias; /* "-o", or NULL */
	bool has_value;
	unsigned mask; /* the row counts where (mask & allowed) != 0 */
	int id;	       /* what the table's owner switches on */
};

enum cli_option_status {
	CLI_OPTION_OK,	     /* *opt matched; *value is its value (NULL for a flag) */
	CLI_OPTION_UNKNOWN,  /* no row of the table is argv[*i] */
	CLI_OPTION_NO_VALUE, /* *opt needs a value and argv has none left */
};

/* Match argv[*i] against the table's rows for `allowed`; *i moves past a
 * separate value.  Reports nothing: the caller words its errors. */
enum cli_option_status cli_option_match(const struct cli_option *table, size_t n,
					unsigned allowed, int *i, int argc, char **argv,
					const struct cli_option **opt,
					const char **value);

/* Parse argv[1..] of a command.  Returns 0 (go on), 1 (--help was printed:
 * exit 0) or -1 (usage error, already reported: exit 2). */
int cli_opts_parse(const struct cli_command *cmd, unsigned allowed, int min_args,
		   int max_args, int argc, char **argv, struct cli_opts *o);

/* An address or number on the command line: 0x-prefixed hex or decimal,
 * no sign, no trailing characters, at most max.  0 or -1. */
int cli_parse_number(const char *s, uint64_t max, uint64_t *out);

/* A JSON integer: a string "0x" followed by 1..16 hex digits, at most max.
 * 0 or -1. */
int cli_parse_hex(const char *s, uint64_t max, uint64_t *out);

/* The name of a layout, "auto" for VSMM_LAYOUT_AUTO.  (Vendor and
 * semantics names are the library's: vsmm_vendor_name() and friends.) */
const char *cli_layout_name(enum vsmm_layout l);

/* The CPU model of --model for a layout: the vendor's long-mode preset,
 * or its preset without long mode for p6-32 (as KVM does when CPUID lacks
 * LM).  layout may be AUTO (then the model keeps choosing). */
int cli_model_for(enum vsmm_vendor vendor, enum vsmm_layout layout,
		  struct vsmm_model *model);

/* ------------------------------------------------------------------ */
/* Files                                                                */
/* ------------------------------------------------------------------ */

/* A file read for a command: a regular file is read on demand (dumps may
 * be large); stdin and other streams are read whole, up to a limit. */
struct cli_input {
	const char *name; /* for messages */
	int fd;
	bool owned_fd;
	bool seekable;
	uint64_t size;
	uint8_t *data; /* whole contents when !seekable */
};

/* Open path ("-" = stdin).  limit caps what is read from a stream; a
 * longer stream is an error.  0 or -1 (reported). */
int cli_input_open(struct cli_input *in, const char *path, uint64_t limit);
/* Read len bytes at off; -1 if any of them lies outside the file. */
int cli_input_read(const struct cli_input *in, uint64_t off, void *buf, size_t len);
void cli_input_close(struct cli_input *in);

/* Write a whole file or nothing: a temporary file in the destination
 * directory, then rename.  "-" writes to stdout.  0 or -1 (reported). */
int cli_write_file(const char *path, const void *data, size_t len);

/* Flush stdout and report a failed write (e.g. a full disk).  Returns the
 * exit status to use: rc unchanged, or CLI_EXIT_ERR. */
int cli_finish_stdout(int rc);

/* ------------------------------------------------------------------ */
/* Save-state images                                                    */
/* ------------------------------------------------------------------ */

struct cli_image {
	enum vsmm_layout layout;
	const struct vsmm_layout_desc *desc;
	uint8_t area[VSMM_IMAGE_MAX];
	size_t len;
	uint32_t revision; /* the dword at 0x7EFC */
	bool auto_chosen;  /* the layout came from the revision id */
	bool from_dump;
	uint64_t area_addr;   /* physical address of area[0] (dumps) */
	struct cli_input src; /* the dump, kept open for page-table reads */
	uint64_t dump_base;
};

/*
 * Load IMAGE as the options say: exactly the layout's area size, or the
 * area at SMBASE+area_offset of a dump with --dump-base/--smbase.  The
 * layout is o->layout, or chosen from the revision id under auto.
 * 0, or -1 (reported; nothing is left open, and cli_image_close() on it
 * again is harmless).
 */
int cli_image_load(struct cli_image *img, const char *path, const struct cli_opts *o);
void cli_image_close(struct cli_image *img);

/* SMBASE of the vCPU that RSMs this image: --smbase, else the image's own
 * SMBASE field. */
uint32_t cli_image_smbase(const struct cli_image *img, const struct cli_opts *o);

/* ------------------------------------------------------------------ */
/* An in-memory platform                                                */
/* ------------------------------------------------------------------ */

/*
 * Guest memory as the CLI models it: the state-save area at its physical
 * address (read and written), over an optional dump (read only); every
 * other byte reads as zero and cannot be written.
 */
struct cli_memory {
	uint64_t area_addr;
	uint8_t *area;
	size_t area_len;
	const struct cli_input *dump; /* may be NULL */
	uint64_t dump_base;
};

extern const struct vsmm_platform_ops cli_platform_ops;

/* The vCPU that RSMs an image (check, rsm, demo).  Do not move it after
 * cli_rsm_setup(): the vCPU points at mem and model. */
struct cli_rsm {
	struct vsmm_model model;
	struct vsmm_vcpu vcpu;
	struct cli_memory mem;
};

/* A reset vCPU of --model (for the image's layout) and --semantics in the
 * SMM entry environment, SMBASE from --smbase or the image, the image in
 * memory at SMBASE+area_offset, and the --halted/--vmx records.  0 or -1
 * (reported). */
int cli_rsm_setup(struct cli_rsm *r, struct cli_image *img, const struct cli_opts *o);
/* check and rsm: cli_image_load() of path, then cli_rsm_setup().  0, or
 * -1 (reported; the image is closed). */
int cli_rsm_open(struct cli_rsm *r, struct cli_image *img, const char *path,
		 const struct cli_opts *o);
/* A vCPU taking an SMI (smi, demo); the area it writes lands in area[]. */
struct cli_smi {
	struct vsmm_model model;
	struct vsmm_vcpu vcpu;
	struct cli_memory mem;
	uint8_t area[VSMM_IMAGE_MAX];
	const struct vsmm_layout_desc *desc; /* the layout written */
};

/* Deliver an SMI to a vCPU of --model/--layout/--semantics in `state`
 * (r zeroed by the caller).  Returns a VSMM_* status. */
int cli_smi_deliver(struct cli_smi *r, const struct cli_opts *o,
		    const struct vsmm_cpu_state *state);

/* "layout amd64 (from the revision id), revision ..., model ..., semantics ..." */
/*
 * Where RSM takes the image's hidden segment state from: NULL when the
 * image carries it (every map but an intel64 one without vsmm's records),
 * else "descriptor tables" (read through the dump) or, with no dump to
 * read them from, "unavailable" (docs/compat.md).
 */
const char *cli_hidden_state(const struct cli_rsm *r, const struct cli_image *img);

void cli_print_context(FILE *f, const struct cli_image *img, const struct cli_opts *o);
/* layout, revision, model and semantics keys (of the image read by check
 * and rsm, or written by smi). */
void cli_context_to_json(json_object *obj, const struct vsmm_layout_desc *desc,
			 uint32_t revision, const struct cli_opts *o);

/* ------------------------------------------------------------------ */
/* JSON                                                                 */
/* ------------------------------------------------------------------ */

/* "prefix.key" ("key" if prefix is empty) into out, cut to fit. */
void cli_join_path(char *out, size_t n, const char *prefix, const char *key);

/* "0x..." lower-case hex string object. */
json_object *cli_json_hex(uint64_t v);
/* A state object with every key of docs/json.md. */
json_object *cli_state_to_json(const struct vsmm_cpu_state *s);

/*
 * Fill *s from a state object.  Absent keys leave zero/false (the caller
 * zeroes *s).  Unknown keys, wrong types, non-hex strings and values that
 * do not fit their field are errors naming the key path (prefix.key);
 * the message goes to err.  0 or -1.
 */
int cli_state_from_json(json_object *obj, const char *prefix, struct vsmm_cpu_state *s,
			char *err, size_t errlen);

/* The layout-specific fields of a layout (names as in its field table). */
json_object *cli_extras_to_json(const struct vsmm_layout_desc *desc,
				const struct vsmm_image_extras *x);
/* If key names an extras field, parse it into *x: 1 (taken), 0 (not an
 * extras key) or -1 (bad value, message in err). */
int cli_extras_key_from_json(const char *key, json_object *val, const char *prefix,
			     struct vsmm_image_extras *x, char *err, size_t errlen);

/* A state file: a bare state, or a decode --json document. */
struct cli_state_doc {
	struct vsmm_cpu_state state;
	enum vsmm_layout layout; /* AUTO if the file names none */
	struct vsmm_image_extras extras;
	bool has_extras; /* any layout field or revision given */
	bool has_revision;
};

/* Read and check a state file ("-" = stdin).  0 or -1 (reported). */
int cli_state_doc_load(const char *path, struct cli_state_doc *d);

/* The revision id (the dword at 0x7EFC) of an area of len 512 or 1024. */
uint32_t cli_area_revision(const uint8_t *area, size_t len);

/* Parse a JSON document from a file ("-" = stdin).  0 or -1 (reported). */
int cli_json_load(const char *path, json_object **out);
/* The checks json-c does not make (cli/json_strict.c): no key twice in
 * one object, no escaped NUL and no raw control character in a string.
 * text must be JSON json-c accepted.  0, or -1 with a sentence in err. */
int cli_json_strict_check(const char *text, size_t len, char *err, size_t errlen);
/* Parse a JSON document from memory (json-c's strict syntax plus
 * cli_json_strict_check); message in err on failure. */
int cli_json_parse(const char *text, size_t len, json_object **out, char *err,
		   size_t errlen);
/* Print pretty JSON and a newline to f (smi prints to stderr when the
 * image goes to stdout), or to stdout. */
void cli_json_fprint(FILE *f, json_object *obj);
void cli_json_print(json_object *obj);

/* ------------------------------------------------------------------ */
/* Text output                                                          */
/* ------------------------------------------------------------------ */

void cli_print_state(FILE *f, const struct vsmm_cpu_state *s);
/* Mode, RIP/RSP, RFLAGS, control registers, CS/SS, SMBASE: a tour's view. */
void cli_print_state_brief(FILE *f, const struct vsmm_cpu_state *s);
/* Every field of the layout: offset, size, value and description. */
void cli_print_fields(FILE *f, const struct vsmm_layout_desc *desc, const uint8_t *area);
/* The shutdown report: rule, field, offset, value, message, reference. */
void cli_print_shutdown(FILE *f, const struct vsmm_shutdown *why);
/* Add reason, message, field, offset, value and ref keys to o. */
void cli_shutdown_to_json(json_object *o, const struct vsmm_shutdown *why);

#endif /* VSMM_CLI_H */
