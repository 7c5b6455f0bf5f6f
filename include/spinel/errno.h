/* Kernel call error codes, shared by the kernel and user space.
 * A kernel call returns a value >= 0 on success and -E_xxx on failure. */
#ifndef SPINEL_ERRNO_H
#define SPINEL_ERRNO_H

#define E_INVAL 1 /* an argument is out of range or malformed */
#define E_FAULT 2 /* a pointer argument names memory the caller cannot access */
#define E_ALIGN 3 /* a pointer argument is not aligned as the call requires */
#define E_NOSYS 4 /* no such kernel call */
#define E_NOMEM 5 /* out of physical memory or of the caller's kernel-memory quota */
#define E_AGAIN 6 /* nothing available now; try again */
#define E_PERM  7 /* the capability does not carry the needed rights */
#define E_NOENT 8 /* no such object */
#define E_RANGE 9 /* a length or count is too large */
#define E_BUSY  10 /* the object is in use */
#define E_VERIFY 11 /* the extension verifier refused the program */
#define E_IO    12 /* the device reported an error */
#define E_MAX   12

#endif
