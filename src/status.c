/* SPDX-License-Identifier: MIT */
/*
 * Status codes and shutdown reasons: the only expansions of
 * VSMM_STATUS_MAP and VSMM_REASON_MAP.
 */
#include <string.h>

#include "internal.h"

struct status_row {
	int value;
	const char *name;
	const char *text;
};

static const struct status_row status_rows[] = {
#define STATUS_ROW(name, value, text) { value, "VSMM_" #name, text },
	VSMM_STATUS_MAP(STATUS_ROW)
#undef STATUS_ROW
};

static const struct status_row *status_find(int status)
{
	for (size_t i = 0; i < VSMM__ARRAY_SIZE(status_rows); i++) {
		if (status_rows[i].value == status)
			return &status_rows[i];
	}
	return NULL;
}

const char *vsmm_status_name(int status)
{
	const struct status_row *row = status_find(status);

	return row ? row->name : "VSMM_E_UNKNOWN";
}

const char *vsmm_strerror(int status)
{
	const struct status_row *row = status_find(status);

	return row ? row->text : "unknown status code";
}

struct reason_row {
	const char *name;
	const char *text;
	const char *ref;
};

/* Indexed by enum vsmm_reason: the enum is generated from the same list. */
static const struct reason_row reason_rows[VSMM_REASON_COUNT] = {
#define REASON_ROW(name, text, ref) { #name, text, ref },
	VSMM_REASON_MAP(REASON_ROW)
#undef REASON_ROW
};

static const struct reason_row *reason_find(enum vsmm_reason reason)
{
	if ((unsigned)reason >= VSMM_REASON_COUNT)
		return NULL;
	return &reason_rows[reason];
}

const char *vsmm_reason_name(enum vsmm_reason reason)
{
	const struct reason_row *row = reason_find(reason);

	return row ? row->name : "UNKNOWN";
}

const char *vsmm_reason_text(enum vsmm_reason reason)
{
	const struct reason_row *row = reason_find(reason);

	return row ? row->text : "unknown shutdown reason";
}

const char *vsmm_reason_ref(enum vsmm_reason reason)
{
	const struct reason_row *row = reason_find(reason);

	return row ? row->ref : "-";
}

enum vsmm_reason vsmm_reason_from_name(const char *name)
{
	if (!name)
		return VSMM_REASON_COUNT;
	for (unsigned i = 0; i < VSMM_REASON_COUNT; i++) {
		if (strcmp(reason_rows[i].name, name) == 0)
			return (enum vsmm_reason)i;
	}
	return VSMM_REASON_COUNT;
}

/* EFI_STATUS results of the EFI_MM_CPU_PROTOCOL mirror (src/mmcpu.c). */
static const struct status_row efi_rows[] = {
#define EFI_ROW(name, value, text) { value, "EFI_" #name, text },
	VSMM_EFI_STATUS_MAP(EFI_ROW)
#undef EFI_ROW
};

static const struct status_row *efi_find(int status)
{
	for (size_t i = 0; i < VSMM__ARRAY_SIZE(efi_rows); i++) {
		if (efi_rows[i].value == status)
			return &efi_rows[i];
	}
	return NULL;
}

const char *vsmm_efi_status_name(int status)
{
	const struct status_row *row = efi_find(status);

	return row ? row->name : "EFI_UNKNOWN";
}

const char *vsmm_efi_status_text(int status)
{
	const struct status_row *row = efi_find(status);

	return row ? row->text : "unknown EFI status";
}
