/* SPDX-License-Identifier: MIT */
/* Command line of `vsmm run` (see docs/engine.md). */
#include "vsmm_run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "machine.h"
#include "run.h"
#include "run_status.h"

static const char usage[] =
	"Usage: vsmm run --bios IMAGE [OPTIONS...]\n"
	"       vsmm run --pflash CODE[,VARS] [OPTIONS...]\n"
	"\n"
	"Run a flat BIOS image on the Unicorn CPU engine, with vsmm delivering\n"
	"SMIs and executing RSM.  The machine matches QEMU's q35 as far as the\n"
	"guest can tell: RAM from 0, the image mapped below 4 GiB and its last\n"
	"128 KiB below 1 MiB, reset state CS:IP F000:FFF0, SMBASE 0x30000.\n"
	"\n"
	"  --bios IMAGE         flat image, a multiple of 64 KiB, at most 16 MiB\n"
	"  --pflash CODE[,VARS] split flash images instead (QEMU's two pflash\n"
	"                       units): CODE read-only at the top below 4 GiB,\n"
	"                       VARS a CFI flash right below it (changes are\n"
	"                       not written back); 4 KiB multiples\n"
	"  --model intel|amd    CPU vendor (default intel)\n"
	"  --layout NAME        auto|p6-32|amd64|intel64 (default auto: the\n"
	"                       semantics' pairing; p6-32 also drops long mode)\n"
	"  --semantics S        kvm|hardware (default kvm)\n"
	"  --ram SIZE           guest RAM, e.g. 128M (default 128M, max 2G)\n"
	"  --smram BASE:SIZE    RAM visible only in SMM (reads 0xFF, writes\n"
	"                       dropped outside SMM); 4 KiB aligned\n"
	"  --option-rom FILE    an option ROM for the firmware, passed as fw_cfg\n"
	"                       genroms/NAME (QEMU's -option-rom); repeatable,\n"
	"                       up to 8\n"
	"  --serial FILE        COM1 (a 16550A at 0x3F8) transmits into FILE\n"
	"                       (- for standard output); without it there\n"
	"                       is no COM1, as with QEMU's -serial none\n"
	"  --trace              each SMI, RSM and sync-port cycle as a JSON\n"
	"                       line on stderr; last, where the run stopped\n"
	"  --max-insns N        stop after N instructions (exit 6)\n"
	"  --timeout S          stop after S seconds (exit 6)\n"
	"\n"
	"Devices: ports 0xE9 and 0x402 debug console (stdout), port 0xF4 exit\n"
	"with status (V << 1) | 1, port 0xB2 APM control (an SMI once the LPC\n"
	"bridge's SMI_EN.APMC_EN is set), port 0xB3 APM scratch, port 0xB4 SMI\n"
	"timer (write N: SMI after N instructions or when the vCPU halts), ports\n"
	"0xB8/0xBC a DMA device (write the source address to 0xB8, then the\n"
	"destination to 0xBC: it copies 4 bytes as a device would, never seeing\n"
	"SMRAM), port 0x0E sync (an IN saves, resets and restores the vCPU, as\n"
	"KVM's smm_test host does), a local APIC at IA32_APIC_BASE (0xFEE00000;\n"
	"self-IPIs fixed/SMI/NMI, a timer counting instructions).  Exceptions,\n"
	"INT n and interrupts go through the IVT or the IDT.\n"
	"The q35 chipset as QEMU 7.2 has it: PCI (0xCF8/0xCFC, MMCONFIG), the MCH\n"
	"00:00.0 (PAM, SMRAM, ESMRAMC/TSEG, F_SMBASE), ICH9 LPC 00:1f.0 (PM timer,\n"
	"SMI_EN, reset at 0xCF9), AHCI 00:1f.2, SMBus 00:1f.3, PIC, PIT, RTC/CMOS,\n"
	"i8042, HPET, fw_cfg (0x510/0x511, DMA 0x514).  Time is virtual: 10 ns\n"
	"per instruction (docs/engine.md).\n"
	"\n"
	"Exit status (the guest's outcome, unlike the other commands' 0/1/2):\n"
	"0 the vCPU halted with nothing pending; odd: the guest's\n"
	"exit port value; 2 shutdown (a triple fault, or RSM refused the image;\n"
	"reason on stderr); 4 the guest did something this engine cannot\n"
	"emulate, or a state it cannot run (a task gate, virtual-8086 mode, #UD,\n"
	"unmapped memory, a run that executed nothing); 6 --max-insns or\n"
	"--timeout reached, whatever the guest does; 8 the engine is\n"
	"unavailable (self-check failed);\n"
	"10 internal error; 64 usage; 66 unreadable or malformed image;\n"
	"74 the --serial file cannot be written.\n";

static int bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "vsmm run: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(see vsmm run --help)\n");
	return RUN_EXIT_USAGE;
}

/* A number with an optional K/M/G suffix (powers of 1024). */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return -1;
	unsigned shift = 0;
	if (*end == 'K' || *end == 'k')
		shift = 10, end++;
	else if (*end == 'M' || *end == 'm')
		shift = 20, end++;
	else if (*end == 'G' || *end == 'g')
		shift = 30, end++;
	if (*end || (shift && v > (~0ull >> shift)))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

static int parse_smram(const char *s, uint64_t *base, uint64_t *size)
{
	char buf[64];
	const char *colon = strchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, (size_t)(colon - s));
	buf[colon - s] = '\0';
	if (parse_size(buf, base) || parse_size(colon + 1, size) || !*size)
		return -1;
	return 0;
}

/* The options of vsmm run, matched by the CLI's option code (cli/opts.c). */
enum {
	RUN_TRACE,
	RUN_BIOS,
	RUN_MODEL,
	RUN_LAYOUT,
	RUN_SEMANTICS,
	RUN_RAM,
	RUN_SMRAM,
	RUN_MAX_INSNS,
	RUN_TIMEOUT,
	RUN_PFLASH,
	RUN_OPTION_ROM,
	RUN_SERIAL,
};

static const struct cli_option run_options[] = {
	{ "--trace", NULL, false, 1, RUN_TRACE },
	{ "--bios", NULL, true, 1, RUN_BIOS },
	{ "--model", NULL, true, 1, RUN_MODEL },
	{ "--layout", NULL, true, 1, RUN_LAYOUT },
	{ "--semantics", NULL, true, 1, RUN_SEMANTICS },
	{ "--ram", NULL, true, 1, RUN_RAM },
	{ "--smram", NULL, true, 1, RUN_SMRAM },
	{ "--max-insns", NULL, true, 1, RUN_MAX_INSNS },
	{ "--timeout", NULL, true, 1, RUN_TIMEOUT },
	{ "--pflash", NULL, true, 1, RUN_PFLASH },
	{ "--option-rom", NULL, true, 1, RUN_OPTION_ROM },
	{ "--serial", NULL, true, 1, RUN_SERIAL },
};

/* --serial's path ("-": standard output), opened once the line parsed. */
static const char *serial_path;

/* The CODE part of --pflash CODE,VARS (the config keeps a pointer). */
static char pflash_code[4096];

/* --pflash CODE or CODE,VARS: QEMU's two flash units. */
static int set_pflash(const char *v, struct machine_config *c)
{
	const char *comma = strchr(v, ',');

	if (!*v || comma == v || (comma && !comma[1]) ||
	    (comma && strchr(comma + 1, ',')))
		return bad("--pflash '%s' must be CODE or CODE,VARS", v);
	if (comma) {
		size_t n = (size_t)(comma - v);
		if (n >= sizeof(pflash_code))
			return bad("--pflash '%s': the CODE path is too long", v);
		memcpy(pflash_code, v, n);
		pflash_code[n] = '\0';
		c->pflash_vars = comma + 1;
	} else {
		if (strlen(v) >= sizeof(pflash_code))
			return bad("--pflash '%s': the CODE path is too long", v);
		memcpy(pflash_code, v, strlen(v) + 1);
	}
	c->pflash = true;
	return 0;
}

/* One matched option with its value v; 0 or the usage exit status. */
static int set_option(int id, const char *v, struct machine_config *c)
{
	char *end;

	switch (id) {
	case RUN_TRACE: c->trace = true; return 0;
	case RUN_BIOS: c->bios_path = v; return 0;
	case RUN_MODEL:
		if (vsmm_vendor_from_name(v, &c->vendor))
			return bad("unknown --model '%s' (intel or amd)", v);
		return 0;
	case RUN_LAYOUT:
		if (vsmm_layout_from_name(v, &c->layout) != VSMM_OK)
			return bad("unknown --layout '%s' (auto, p6-32, "
				   "amd64 or intel64)",
				   v);
		return 0;
	case RUN_SEMANTICS:
		if (vsmm_semantics_from_name(v, &c->semantics))
			return bad("unknown --semantics '%s' (kvm or "
				   "hardware)",
				   v);
		return 0;
	case RUN_RAM:
		if (parse_size(v, &c->ram_size) || c->ram_size < (2u << 20) ||
		    c->ram_size > MACHINE_MAX_RAM || c->ram_size % 0x1000)
			return bad("--ram '%s' must be 2M..2G, a multiple "
				   "of 4K",
				   v);
		return 0;
	case RUN_SMRAM:
		if (parse_smram(v, &c->smram_base, &c->smram_size))
			return bad("--smram '%s' must be BASE:SIZE, e.g. "
				   "0x800000:0x100000",
				   v);
		return 0;
	case RUN_MAX_INSNS:
		if (parse_size(v, &c->max_insns) || !c->max_insns)
			return bad("--max-insns '%s' must be a positive "
				   "number",
				   v);
		return 0;
	case RUN_TIMEOUT:
		errno = 0;
		c->timeout_s = strtod(v, &end);
		if (errno || *end || end == v || !(c->timeout_s > 0))
			return bad("--timeout '%s' must be a positive "
				   "number of seconds",
				   v);
		return 0;
	case RUN_PFLASH: return set_pflash(v, c);
	case RUN_SERIAL:
		if (!*v)
			return bad(
				"%s",
				"--serial needs a file name, or - for standard output");
		serial_path = v;
		return 0;
	case RUN_OPTION_ROM:
		if (c->n_option_roms >= MACHINE_MAX_OPTION_ROMS)
			return bad("%s", "at most 8 --option-rom");
		c->option_roms[c->n_option_roms++] = v;
		return 0;
	default: return bad("unknown argument '%s'", v);
	}
}

static int parse_args(int argc, char **argv, struct machine_config *c)
{
	for (int i = 1; i < argc; i++) {
		const struct cli_option *opt;
		const char *v;
		int err;

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return -1;
		}
		switch (cli_option_match(run_options,
					 sizeof(run_options) / sizeof(run_options[0]), 1,
					 &i, argc, argv, &opt, &v)) {
		case CLI_OPTION_OK: break;
		case CLI_OPTION_NO_VALUE: return bad("%s needs a value", opt->name);
		default: return bad("unknown argument '%s'", argv[i]);
		}
		if ((err = set_option(opt->id, v, c)) != 0)
			return err;
	}
	if (c->pflash && c->bios_path)
		return bad("%s", "--bios and --pflash exclude each other");
	if (c->pflash)
		c->bios_path = pflash_code;
	if (!c->bios_path)
		return bad("%s", "--bios IMAGE is required (or --pflash "
				 "CODE[,VARS])");
	return 0;
}

int vsmm_run_main(int argc, char **argv)
{
	struct machine_config cfg = {
		.vendor = VSMM_VENDOR_INTEL,
		.layout = VSMM_LAYOUT_AUTO,
		.semantics = VSMM_SEMANTICS_KVM,
		.ram_size = MACHINE_DEFAULT_RAM,
		.console = stdout,
		.log = stderr,
	};
	int rc = parse_args(argc, argv, &cfg);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (serial_path) {
		cfg.serial = strcmp(serial_path, "-") ? fopen(serial_path, "wb") : stdout;
		if (!cfg.serial) {
			fprintf(stderr, "vsmm run: --serial '%s': cannot create: %s\n",
				serial_path, strerror(errno));
			return RUN_EXIT_CANT_CREATE;
		}
		setvbuf(cfg.serial, NULL, _IONBF, 0);
	}
	struct machine m;
	/* Debug-console output appears as the guest writes it (QEMU's
	 * isa-debugcon does not buffer either), even if the run is killed. */
	setvbuf(cfg.console, NULL, _IONBF, 0);
	rc = machine_init(&m, &cfg);
	if (rc == 0)
		rc = machine_run(&m);
	fflush(cfg.console);
	machine_destroy(&m);
	if (cfg.serial && cfg.serial != stdout && fclose(cfg.serial) && rc == 0)
		rc = RUN_EXIT_CANT_CREATE;
	return rc;
}
