/* SPDX-License-Identifier: MIT */
/* ICH9 AHCI (00:1f.2) and SMBus (00:1f.3) as PCI functions (ich9fn.c). */
#ifndef VSMM_ENGINE_ICH9FN_H
#define VSMM_ENGINE_ICH9FN_H

#define SATA_DEVFN 0xFA	 /* 00:1f.2 */
#define SMBUS_DEVFN 0xFB /* 00:1f.3 */

struct machine;

void ich9fn_reset(struct machine *m);
/* Map or unmap the AHCI BAR after a configuration change; -1 on error. */
int ich9fn_sync(struct machine *m);

#endif /* VSMM_ENGINE_ICH9FN_H */
