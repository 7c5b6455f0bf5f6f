/*
 * bpfcheck prog.o - print the verifier's verdict for every program section.
 * Exit status 0 if all programs are accepted, 1 otherwise (including files
 * that cannot be read or parsed), 2 on usage errors.
 */
#include <stdio.h>
#include <stdlib.h>

#include "host.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s prog.o\n", argv[0]);
        return 2;
    }
    size_t len;
    uint8_t *elf = host_read_file(argv[1], &len);
    if (!elf) {
        perror(argv[1]);
        return 1;
    }
    static struct bpf_elf_obj obj;
    size_t arena_size = 4u << 20;
    void *arena = malloc(arena_size);
    void *varena = malloc(BPF_VERIFY_ARENA_SIZE);
    char err[160];
    if (!arena || !varena || !bpf_elf_load(elf, len, arena, arena_size, &obj, err, sizeof(err))) {
        fprintf(stderr, "%s: load error: %s\n", argv[1], arena ? err : "out of memory");
        return 1;
    }
    int status = 0;
    for (uint32_t i = 0; i < obj.nprogs; i++) {
        struct bpf_prog p;
        struct bpf_verify_result res;
        bpf_elf_get_prog(&obj, i, &p);
        if (bpf_verify(&p, NULL, varena, BPF_VERIFY_ARENA_SIZE, &res)) {
            printf("%s: %s: accepted (%u insns, %llu steps)\n", argv[1], obj.progs[i].name, p.len,
                   (unsigned long long)res.steps);
        } else {
            printf("%s: %s: rejected at insn %u: %s\n", argv[1], obj.progs[i].name, res.insn,
                   res.reason);
            status = 1;
        }
    }
    free(varena);
    free(arena);
    free(elf);
    return status;
}
