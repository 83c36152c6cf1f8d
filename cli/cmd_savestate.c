/* SPDX-License-Identifier: MIT */
/*
 * vsmm savestate read|write: EFI_MM_CPU_PROTOCOL ReadSaveState and
 * WriteSaveState on an image, answered as EDK2's libraries answer them
 * (vsmm_mm_read_save_state / vsmm_mm_write_save_state).
 */
#include <string.h>

#include "cli.h"

#define SAVESTATE_HELP_COMMON \
	"REGISTER is an EFI_MM_SAVE_STATE_REGISTER name without its prefix\n" \
	"(RAX, GDTBASE, RFLAGS, IO, LMA, PROCESSOR_ID, ...; any case) or its\n" \
	"number (38, or 0x26).\n\n" \
	"Options:\n" \
	"  --width N           bytes to read or write (default: the register's\n" \
	"                      width in the flavour's table for this image; 1\n" \
	"                      for LMA, 8 for PROCESSOR_ID, the structure for IO)\n" \
	"  --flavour intel|amd|ovmf\n" \
	"                      whose library answers: intel (IntelMmSaveStateLib,\n" \
	"                      64-bit map for a 1024-byte image, 32-bit map for a\n" \
	"                      512-byte one), amd (AmdMmSaveStateLib, AMD64 map),\n" \
	"                      ovmf (OVMF's SmmCpuFeaturesLib up to\n" \
	"                      edk2-stable202302, the map QEMU/KVM write).\n" \
	"                      Default from the image's layout: intel64 -> intel,\n" \
	"                      amd64 and p6-32 -> ovmf.\n" \
	"  --layout auto|p6-32|amd64|intel64\n" \
	"                      the image's layout (default auto: from the\n" \
	"                      revision id); it only picks the default flavour\n"

const char cmd_savestate_usage[] =
	"Usage: vsmm savestate read IMAGE REGISTER [--width N]\n"
	"                      [--flavour intel|amd|ovmf] [--cpu-id N] [--json]\n"
	"       vsmm savestate write IMAGE REGISTER VALUE [--width N]\n"
	"                      [--flavour intel|amd|ovmf] -o OUT\n\n"
	"EFI_MM_CPU_PROTOCOL ReadSaveState / WriteSaveState on a state-save\n"
	"image, with the register numbers, widths, split fields, writability\n"
	"and results of EDK2's save-state libraries (docs/compat.md).  A read\n"
	"prints the value as a hex number (IO: its JSON object); a refused read\n"
	"or write prints the EFI status name (EFI_NOT_FOUND,\n"
	"EFI_INVALID_PARAMETER, EFI_UNSUPPORTED) and exits 1.\n"
	"See 'vsmm savestate read --help' and 'vsmm savestate write --help'.\n";

static const char read_usage[] =
	"Usage: vsmm savestate read IMAGE REGISTER [--width N]\n"
	"                      [--flavour intel|amd|ovmf] [--cpu-id N] [--json]\n"
	"                      [--layout ...] [--dump-base ADDR --smbase ADDR]\n\n"
	"ReadSaveState(Width, Register) on IMAGE as EDK2 answers it.  Prints the\n"
	"value as a hex number (the bytes read, little-endian), the IO\n"
	"pseudo-register as a JSON object {io_data, io_port, io_width,\n"
	"io_type}; exit 0.  If EDK2 refuses, prints the EFI status name\n"
	"(EFI_NOT_FOUND, EFI_INVALID_PARAMETER or EFI_UNSUPPORTED) on stdout,\n"
	"its meaning on stderr, and exits 1.\n\n" CLI_HELP_IMAGE
	"\n" SAVESTATE_HELP_COMMON
	"  --cpu-id N          the CPU's ProcessorId, read back by PROCESSOR_ID\n"
	"                      (without it PROCESSOR_ID is EFI_NOT_FOUND)\n" CLI_HELP_DUMP
	"  --json              print a JSON object (docs/json.md) instead\n";

static const char write_usage[] =
	"Usage: vsmm savestate write IMAGE REGISTER VALUE [--width N]\n"
	"                      [--flavour intel|amd|ovmf] [--layout ...] -o OUT\n\n"
	"WriteSaveState(Width, Register, VALUE) on a copy of IMAGE as EDK2 does\n"
	"it, and the result written to OUT (whole or not at all; '-' =\n"
	"stdout).  VALUE is a number (0x hex or decimal) that fits in the\n"
	"width; it is stored little-endian.  If EDK2 refuses the write, prints\n"
	"the EFI status name on stdout, its meaning on stderr, writes nothing\n"
	"and exits 1.  Writes of LMA and PROCESSOR_ID succeed and change\n"
	"nothing, as in EDK2.\n\n"
	"IMAGE is a file of exactly one state-save area (512 bytes; 1024 for\n"
	"intel64), or '-' for stdin.\n\n" SAVESTATE_HELP_COMMON
	"  -o, --output OUT    where the new image goes\n";

static const struct cli_command read_cmd = { "savestate read", NULL, NULL, read_usage };
static const struct cli_command write_cmd = { "savestate write", NULL, NULL,
					      write_usage };

/* The largest --width; the buffer the library fills or reads. */
static uint8_t buffer[0x10000];

static const char *io_width_name(uint32_t w)
{
	static const char *const names[] = { "UINT8", "UINT16", "UINT32", "UINT64" };

	return w < 4 ? names[w] : "UNKNOWN";
}

static const char *io_type_name(uint32_t t)
{
	switch (t) {
	case VSMM_MM_IO_TYPE_INPUT: return "INPUT";
	case VSMM_MM_IO_TYPE_OUTPUT: return "OUTPUT";
	case VSMM_MM_IO_TYPE_STRING: return "STRING";
	case VSMM_MM_IO_TYPE_REP_PREFIX: return "REP_PREFIX";
	default: return "UNKNOWN";
	}
}

static json_object *io_to_json(const struct vsmm_mm_io_info *io)
{
	json_object *j = json_object_new_object();

	json_object_object_add(j, "io_data", cli_json_hex(io->io_data));
	json_object_object_add(j, "io_port", cli_json_hex(io->io_port));
	json_object_object_add(j, "io_width",
			       json_object_new_string(io_width_name(io->io_width)));
	json_object_object_add(j, "io_type",
			       json_object_new_string(io_type_name(io->io_type)));
	return j;
}

/* The bytes read, as a little-endian number (at most 8 of them). */
static uint64_t le_value(const uint8_t *b, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n && i < 8; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

/* IMAGE REGISTER, the flavour and the width every subcommand needs. */
struct request {
	struct cli_image img;
	struct vsmm_mm_cpu cpu;
	uint32_t reg;
	size_t width;
};

static int request_open(struct request *q, const char *cmd, const struct cli_opts *o)
{
	if (vsmm_mm_register_parse(o->args[1], &q->reg) != VSMM_OK) {
		cli_err("%s: unknown register '%s' (an EFI name without its "
			"prefix such as RAX, GDTBASE or IO, or a number)",
			cmd, o->args[1]);
		return -1;
	}
	if (cli_image_load(&q->img, o->args[0], o) != 0)
		return -1;
	memset(&q->cpu, 0, sizeof(q->cpu));
	q->cpu.flavour = o->has_flavour ? o->flavour
					: vsmm_mm_flavour_for_layout(q->img.layout);
	q->cpu.processor_id_valid = o->has_cpu_id;
	q->cpu.processor_id = o->cpu_id;
	/* lma 0: intel reads the 64-bit map of a 1024-byte image and the
	 * 32-bit map of a 512-byte one (a CPU without long mode). */
	q->width = o->has_width ? o->width
				: vsmm_mm_register_width(&q->cpu, q->img.area, q->img.len,
							 q->reg);
	return 0;
}

static const char *reg_label(uint32_t reg, char *buf, size_t n)
{
	const char *name = vsmm_mm_register_name(reg);

	if (name)
		snprintf(buf, n, "%s (%u)", name, reg);
	else
		snprintf(buf, n, "register %u", reg);
	return buf;
}

/* The refusal's meaning on stderr; its name on stdout unless the JSON
 * object carries it. */
static void report_refusal(const char *cmd, const struct request *q, int st,
			   bool name_on_stdout)
{
	char label[48];

	if (name_on_stdout)
		printf("%s\n", vsmm_efi_status_name(st));
	cli_err("%s: %s, width %zu, flavour %s: %s: %s", cmd,
		reg_label(q->reg, label, sizeof(label)), q->width,
		vsmm_mm_flavour_name(q->cpu.flavour), vsmm_efi_status_name(st),
		vsmm_efi_status_text(st));
}

static json_object *request_to_json(const struct request *q, int st)
{
	json_object *j = json_object_new_object();
	const char *name = vsmm_mm_register_name(q->reg);

	json_object_object_add(j, "register", name ? json_object_new_string(name) : NULL);
	json_object_object_add(j, "number", json_object_new_int64(q->reg));
	json_object_object_add(
		j, "flavour",
		json_object_new_string(vsmm_mm_flavour_name(q->cpu.flavour)));
	json_object_object_add(j, "layout", json_object_new_string(q->img.desc->name));
	json_object_object_add(j, "width", json_object_new_int64((int64_t)q->width));
	json_object_object_add(j, "status",
			       json_object_new_string(vsmm_efi_status_name(st)));
	return j;
}

static int savestate_read(int argc, char **argv)
{
	const unsigned allowed = CLI_OPT_WIDTH | CLI_OPT_FLAVOUR | CLI_OPT_CPU_ID |
				 CLI_OPT_JSON | CLI_OPT_LAYOUT | CLI_OPT_DUMP |
				 CLI_OPT_SMBASE;
	struct cli_opts o;
	struct request q;
	int rc, st;

	rc = cli_opts_parse(&read_cmd, allowed, 2, 2, argc, argv, &o);
	if (rc)
		return rc > 0 ? cli_finish_stdout(CLI_EXIT_OK) : CLI_EXIT_ERR;
	if (request_open(&q, read_cmd.name, &o) != 0)
		return CLI_EXIT_ERR;
	memset(buffer, 0, sizeof(buffer));
	st = vsmm_mm_read_save_state(&q.cpu, q.img.area, q.img.len, q.reg, q.width,
				     buffer);
	cli_image_close(&q.img);

	json_object *value = NULL;
	if (st == VSMM_EFI_SUCCESS) {
		if (q.reg == VSMM_MM_REG_IO) {
			struct vsmm_mm_io_info io;

			memcpy(&io, buffer, sizeof(io));
			value = io_to_json(&io);
		} else {
			value = cli_json_hex(le_value(buffer, q.width));
		}
	}
	if (o.json) {
		json_object *j = request_to_json(&q, st);

		if (value)
			json_object_object_add(j, "value", value);
		cli_json_print(j);
		json_object_put(j);
		if (st != VSMM_EFI_SUCCESS)
			report_refusal(read_cmd.name, &q, st, false);
	} else if (value) {
		if (json_object_is_type(value, json_type_object))
			cli_json_print(value);
		else
			printf("%s\n", json_object_get_string(value));
		json_object_put(value);
	} else {
		report_refusal(read_cmd.name, &q, st, true);
	}
	return cli_finish_stdout(st == VSMM_EFI_SUCCESS ? CLI_EXIT_OK : CLI_EXIT_NO);
}

static int savestate_write(int argc, char **argv)
{
	const unsigned allowed = CLI_OPT_WIDTH | CLI_OPT_FLAVOUR | CLI_OPT_LAYOUT |
				 CLI_OPT_OUTPUT;
	struct cli_opts o;
	struct request q;
	uint64_t value, max;
	int rc, st;

	rc = cli_opts_parse(&write_cmd, allowed, 3, 3, argc, argv, &o);
	if (rc)
		return rc > 0 ? cli_finish_stdout(CLI_EXIT_OK) : CLI_EXIT_ERR;
	if (!o.output) {
		cli_err("%s: -o OUT is required; try 'vsmm savestate write --help'",
			write_cmd.name);
		return CLI_EXIT_ERR;
	}
	if (request_open(&q, write_cmd.name, &o) != 0)
		return CLI_EXIT_ERR;
	/* Without --width a register the map lacks gets width 0, and the
	 * library answers for it (EFI_NOT_FOUND or EFI_UNSUPPORTED). */
	max = q.width >= 8 || (q.width == 0 && !o.has_width)
		      ? UINT64_MAX
		      : (1ull << (8 * q.width)) - 1;
	if (cli_parse_number(o.args[2], max, &value) != 0) {
		cli_err("%s: VALUE '%s' is not a number (0x hex or decimal) that "
			"fits in %zu byte%s",
			write_cmd.name, o.args[2], q.width, q.width == 1 ? "" : "s");
		cli_image_close(&q.img);
		return CLI_EXIT_ERR;
	}
	memset(buffer, 0, sizeof(buffer));
	for (size_t i = 0; i < 8 && i < q.width; i++)
		buffer[i] = (uint8_t)(value >> (8 * i));
	st = vsmm_mm_write_save_state(&q.cpu, q.img.area, q.img.len, q.reg, q.width,
				      buffer);
	if (st != VSMM_EFI_SUCCESS) {
		report_refusal(write_cmd.name, &q, st, true);
		cli_image_close(&q.img);
		return cli_finish_stdout(CLI_EXIT_NO);
	}
	rc = cli_write_file(o.output, q.img.area, q.img.len);
	cli_image_close(&q.img);
	return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_ERR;
}

int cmd_savestate(int argc, char **argv)
{
	if (argc < 2) {
		cli_err("savestate: expected 'read' or 'write'; try 'vsmm "
			"savestate --help'");
		return CLI_EXIT_ERR;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(cmd_savestate_usage, stdout);
		return cli_finish_stdout(CLI_EXIT_OK);
	}
	if (strcmp(argv[1], "read") == 0)
		return savestate_read(argc - 1, argv + 1);
	if (strcmp(argv[1], "write") == 0)
		return savestate_write(argc - 1, argv + 1);
	cli_err("savestate: unknown subcommand '%s' (read or write); try 'vsmm "
		"savestate --help'",
		argv[1]);
	return CLI_EXIT_ERR;
}
