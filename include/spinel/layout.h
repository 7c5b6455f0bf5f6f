/* Virtual address-space layout, shared by the kernel and user space.
 *
 *   0x0000000000000000 .. 0x0000000000400000   never mapped (NULL guard)
 *   0x0000000000400000 .. USER_TOP             user space (ELF images, heap, stacks)
 *   USER_TOP           .. 0xffff800000000000   non-canonical hole
 *   PHYS_MAP_BASE      ..                      direct map of all physical memory
 *   KERNEL_BASE        ..                      kernel image (-2 GiB)
 */
#ifndef SPINEL_LAYOUT_H
#define SPINEL_LAYOUT_H

#define PAGE_SIZE        4096UL
#define USER_MIN         0x0000000000400000UL
#define USER_TOP         0x0000800000000000UL
#define USER_STACK_TOP   0x00007fffffff0000UL
#define USER_STACK_PAGES 16
#define PHYS_MAP_BASE    0xffff800000000000UL
#define KERNEL_BASE      0xffffffff80000000UL
#define KERNEL_TEXT      0xffffffff80200000UL /* first byte of kernel code */

#endif
