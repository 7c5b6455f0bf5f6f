/*
 * fuzz_elf.c - libFuzzer target for the ELF loader: arbitrary bytes must be
 * rejected cleanly or loaded; loaded programs go through the verifier and,
 * if accepted, must behave identically in the interpreter and the JIT.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../tools/host.h"

static unsigned char varena[BPF_VERIFY_ARENA_SIZE] __attribute__((aligned(16)));
static unsigned char arena[1 << 20] __attribute__((aligned(16)));
static struct bpf_elf_obj obj;
static struct host_env env;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[160];
    if (!bpf_elf_load(data, size, arena, sizeof(arena), &obj, err, sizeof(err)))
        return 0;
    for (uint32_t i = 0; i < obj.nprogs; i++) {
        struct bpf_prog p;
        struct bpf_verify_result res;
        struct bpf_verify_opts opts = {0, 20000};
        bpf_elf_get_prog(&obj, i, &p);
        if (!bpf_verify(&p, &opts, varena, sizeof(varena), &res))
            continue;
        uint64_t ri, rj;
        char msg[200];
        host_env_init(&env, p.hook, data, size < 200 ? size : 200);
        if (!host_run_both(&p, &env, &ri, &rj, msg, sizeof(msg))) {
            fprintf(stderr, "MISMATCH in %s: %s\n", obj.progs[i].name, msg);
            abort();
        }
    }
    return 0;
}
