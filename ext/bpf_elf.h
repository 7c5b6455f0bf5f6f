/*
 * bpf_elf.h - loader for ELF64 relocatable objects built with
 * `clang -O2 -target bpf -c prog.c`.
 */
#ifndef EXT_BPF_ELF_H
#define EXT_BPF_ELF_H

#include "prog.h"

#define BPF_ELF_MAX_PROGS 16
#define BPF_ELF_NAME_MAX  64

struct bpf_elf_prog {
    char name[BPF_ELF_NAME_MAX]; /* section name, e.g. "filter/packet" */
    const struct ext_hook *hook; /* NULL if no hook matches the name */
    struct bpf_insn *insns;      /* in the caller's arena, relocated */
    uint32_t len;
};

/* A function a module exports to others: a global function in .text that
 * makes no bpf-to-bpf calls and no data references (so its code can be
 * copied into an importing program, where the verifier checks it against
 * the caller's actual argument types: the signature check). */
#define BPF_ELF_MAX_EXPORTS 16
struct bpf_elf_export {
    char name[BPF_ELF_NAME_MAX];
    struct bpf_insn *insns; /* in the caller's arena */
    uint32_t len;
};

/* Functions available to resolve a program's imports (calls to undefined
 * symbols), by name. */
struct bpf_elf_imports {
    uint32_t n;
    const char *const *names;
    const struct bpf_insn *const *insns;
    const uint32_t *lens;
};

struct bpf_elf_obj {
    struct bpf_elf_prog progs[BPF_ELF_MAX_PROGS];
    uint32_t nprogs;
    struct bpf_data_region data[BPF_MAX_DATA_REGIONS]; /* .rodata*, .data*, .bss* */
    uint32_t ndata;
    char data_names[BPF_MAX_DATA_REGIONS][BPF_ELF_NAME_MAX];
    struct bpf_elf_export exports[BPF_ELF_MAX_EXPORTS];
    uint32_t nexports;
};

/*
 * Parse `elf` (size bytes).  Instructions and data sections are copied into
 * `arena`; `elf` is not referenced afterwards.  Every offset and size is
 * checked, so arbitrary input is safe.  On error returns false and writes a
 * message to err.
 *
 * Program sections are executable sections other than .text; functions in
 * .text called from a program are appended to that program's copy.  Calls
 * (R_BPF_64_32) become pc-relative bpf-to-bpf calls; lddw relocations
 * (R_BPF_64_64) against data sections become lddw src=BPF_PSEUDO_MAP_VALUE,
 * imm = data region index, second imm = offset.
 */
bool bpf_elf_load(const void *elf, size_t size, void *arena, size_t arena_size,
                  struct bpf_elf_obj *obj, char *err, size_t errlen);
/* The same, resolving calls to undefined functions against `imports` (each
 * used one is appended to the calling program, like .text functions); an
 * unresolved import is an error. NULL imports: like bpf_elf_load. */
bool bpf_elf_load_with(const void *elf, size_t size, void *arena, size_t arena_size,
                       struct bpf_elf_obj *obj, char *err, size_t errlen,
                       const struct bpf_elf_imports *imports);

/* Fill a struct bpf_prog for program i of obj. */
void bpf_elf_get_prog(const struct bpf_elf_obj *obj, uint32_t i, struct bpf_prog *out);

#endif /* EXT_BPF_ELF_H */
