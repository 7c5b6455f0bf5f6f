#ifndef KERNEL_TYPES_H
#define KERNEL_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef u64 paddr_t;
typedef u64 vaddr_t;

#define ARRAY_SIZE(a)    (sizeof(a) / sizeof((a)[0]))
#define ROUNDUP(x, a)    (((x) + (a)-1) & ~((u64)(a)-1))
#define ROUNDDOWN(x, a)  ((x) & ~((u64)(a)-1))
#define MIN(a, b)        ((a) < (b) ? (a) : (b))
#define MAX(a, b)        ((a) > (b) ? (a) : (b))
#define unlikely(x)      __builtin_expect(!!(x), 0)
#define likely(x)        __builtin_expect(!!(x), 1)
#define __noreturn       __attribute__((noreturn))
#define __aligned(n)     __attribute__((aligned(n)))
#define __packed         __attribute__((packed))
#define __unused         __attribute__((unused))
#define STATIC_ASSERT(c) _Static_assert(c, #c)

#endif
