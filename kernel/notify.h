/* Notification objects (notify.c) and devices (dev.c). */
#ifndef KERNEL_NOTIFY_H
#define KERNEL_NOTIFY_H

#include "types.h"
#include "env.h"

#define NNOTIFY 128 /* notification objects, system-wide */

/* Rings channel chan of the object named `object` (a CAP_NOTIFY's object):
 * 1 if an env was rung, 0 if kept pending, -E_NOENT if the object is gone. */
int notify_ring(u64 object, u32 chan);
/* The object named by slot of e if its capability has `need` rights. */
int notify_object(struct env *e, u64 slot, u8 need, u64 *object);
/* Called when a CAP_NOTIFY original goes away (cap.c). */
void notify_release(u64 object);

/* Called when a CAP_DEVICE original goes away (cap.c). */
void dev_release(u64 object);
/* The console's receive interrupt (trap.c). */
void dev_console_intr(void);
/* Routes the console's receive interrupt at boot, if there is an I/O APIC. */
void dev_init(void);

#endif
