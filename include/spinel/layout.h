/* Virtual address-space layout, shared by the kernel and user space.
 *
 *   0x0000000000000000 .. 0x0000000000400000   never mapped (NULL guard)
 *   0x0000000000400000 .. USER_STACK_TOP       user space (ELF images, heap, stacks)
 *   0x00007f7ffffff000                         the env information page (read-only)
 *   0x00007f8000000000 .. USER_TOP             the env's page tables, read-only (recursive map)
 *   USER_TOP           .. 0xffff800000000000   non-canonical hole
 *   PHYS_MAP_BASE      ..                      direct map of all physical memory
 *   KERNEL_BASE        ..                      kernel image (-2 GiB)
 */
#ifndef SPINEL_LAYOUT_H
#define SPINEL_LAYOUT_H

#define PAGE_SIZE        4096UL
#define USER_MIN         0x0000000000400000UL
#define USER_TOP         0x0000800000000000UL
#define USER_STACK_TOP   0x00007f0000000000UL
#define USER_STACK_PAGES 16
#define PHYS_MAP_BASE    0xffff800000000000UL
#define KERNEL_BASE      0xffffffff80000000UL
#define KERNEL_TEXT      0xffffffff80200000UL /* first byte of kernel code */

#endif
