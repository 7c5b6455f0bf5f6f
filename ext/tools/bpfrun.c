/*
 * bpfrun prog.o inputfile [section] - verify each program section (or only
 * `section`), run it through the interpreter and the JIT on the same input
 * and print both results.  Exit status non-zero if verification fails or the
 * two results (r0 or final memory) differ.
 *
 * The input file is the packet for packet hooks, otherwise raw bytes copied
 * over the context (pointer fields are then set by bpfrun) followed by the
 * initial contents of the state region.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: %s prog.o inputfile [section]\n", argv[0]);
        return 2;
    }
    size_t len, in_len;
    uint8_t *elf = host_read_file(argv[1], &len);
    uint8_t *input = host_read_file(argv[2], &in_len);
    if (!elf || !input) {
        perror(!elf ? argv[1] : argv[2]);
        return 2;
    }
    static struct bpf_elf_obj obj;
    static struct host_env env;
    size_t arena_size = 4u << 20;
    void *arena = malloc(arena_size);
    void *varena = malloc(BPF_VERIFY_ARENA_SIZE);
    char err[160];
    if (!arena || !varena || !bpf_elf_load(elf, len, arena, arena_size, &obj, err, sizeof(err))) {
        fprintf(stderr, "%s: load error: %s\n", argv[1], arena ? err : "out of memory");
        return 2;
    }
    int status = 0, ran = 0;
    for (uint32_t i = 0; i < obj.nprogs; i++) {
        struct bpf_prog p;
        struct bpf_verify_result res;
        if (argc == 4 && strcmp(argv[3], obj.progs[i].name))
            continue;
        bpf_elf_get_prog(&obj, i, &p);
        ran++;
        if (!bpf_verify(&p, NULL, varena, BPF_VERIFY_ARENA_SIZE, &res)) {
            printf("%s: rejected at insn %u: %s\n", obj.progs[i].name, res.insn, res.reason);
            status = 1;
            continue;
        }
        uint64_t ri = 0, rj = 0;
        host_env_init(&env, p.hook, input, in_len);
        bool same = host_run_both(&p, &env, &ri, &rj, err, sizeof(err));
        printf("%s: interp=%llu (%#llx) jit=%llu (%#llx)%s%s\n", obj.progs[i].name,
               (unsigned long long)ri, (unsigned long long)ri, (unsigned long long)rj,
               (unsigned long long)rj, same ? "" : " MISMATCH: ", same ? "" : err);
        if (!same)
            status = 1;
    }
    if (!ran) {
        fprintf(stderr, "no matching program section\n");
        status = 2;
    }
    free(varena);
    free(arena);
    free(input);
    free(elf);
    return status;
}
