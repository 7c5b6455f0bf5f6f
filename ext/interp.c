/*
 * interp.c - RFC 9669 interpreter with defensive memory checks.
 */
#include "interp.h"

#include "ext_env.h"

/* Per-frame saved state for bpf-to-bpf calls. */
struct frame {
    uint64_t saved[4]; /* caller's r6..r9 */
    uint32_t ret_pc;   /* instruction to continue at */
};

/* Memory the running program may access. */
struct mem_region {
    uintptr_t base;
    uint64_t size;
    bool writable;
};

#define MAX_REGIONS (3 + EXT_MAX_HOOK_REGIONS + BPF_MAX_DATA_REGIONS)

struct vm {
    const struct bpf_prog *prog;
    uint8_t *ctx;
    struct mem_region regions[MAX_REGIONS];
    int nregions;
    uint8_t stack[BPF_MAX_CALL_DEPTH * BPF_STACK_SIZE] __attribute__((aligned(16)));
};

static uint64_t load_ctx_u64(const uint8_t *ctx, uint16_t off)
{
    uint64_t v;
    memcpy(&v, ctx + off, sizeof(v));
    return v;
}

/* Build the list of accessible regions from the hook descriptor and ctx. */
static void setup_regions(struct vm *vm)
{
    const struct ext_hook *hook = vm->prog->hook;
    int n = 0;
    /* regions[0] is the stack of the active frames; set_stack_region() keeps
     * it exact as frames are pushed and popped. */
    vm->regions[n++] = (struct mem_region){0, 0, true};
    if (hook) {
        uint64_t pkt = 0, pkt_end = 0;
        bool has_pkt = false;
        for (uint32_t i = 0; i < hook->nfields; i++) {
            const struct ext_ctx_field *f = &hook->fields[i];
            if (f->kind == EXT_FIELD_PKT_START) {
                pkt = load_ctx_u64(vm->ctx, f->off);
                has_pkt = true;
            } else if (f->kind == EXT_FIELD_PKT_END) {
                pkt_end = load_ctx_u64(vm->ctx, f->off);
            } else if (f->kind == EXT_FIELD_REGION && f->region < hook->nregions) {
                uint64_t b = load_ctx_u64(vm->ctx, f->off);
                if (b)
                    vm->regions[n++] =
                        (struct mem_region){(uintptr_t)b, hook->regions[f->region].size,
                                            hook->regions[f->region].writable};
            }
        }
        if (has_pkt && pkt_end >= pkt)
            vm->regions[n++] = (struct mem_region){(uintptr_t)pkt, pkt_end - pkt, false};
    }
    for (uint32_t i = 0; i < vm->prog->ndata && n < MAX_REGIONS; i++) {
        const struct bpf_data_region *d = &vm->prog->data[i];
        vm->regions[n++] = (struct mem_region){(uintptr_t)d->base, d->size, d->writable};
    }
    vm->nregions = n;
}

/* Context accesses must lie inside one field with the needed right. */
static bool ctx_access_ok(const struct vm *vm, uint64_t off, int size, bool write)
{
    const struct ext_hook *hook = vm->prog->hook;
    if (!hook)
        return false;
    for (uint32_t i = 0; i < hook->nfields; i++) {
        const struct ext_ctx_field *f = &hook->fields[i];
        if (off >= f->off && off + (uint64_t)size <= (uint64_t)f->off + f->size)
            return (f->rights & (write ? EXT_F_WRITE : EXT_F_READ)) != 0;
    }
    return false;
}

/* Frames 0..depth may be accessed (a callee may use its callers' stacks). */
static void set_stack_region(struct vm *vm, int depth)
{
    uint64_t used = (uint64_t)(depth + 1) * BPF_STACK_SIZE;
    vm->regions[0].base = (uintptr_t)vm->stack + sizeof(vm->stack) - used;
    vm->regions[0].size = used;
}

static bool mem_ok(const struct vm *vm, uint64_t addr, int size, bool write)
{
    if (addr + (uint64_t)size < addr)
        return false;
    uintptr_t c = (uintptr_t)vm->ctx;
    if (vm->ctx && vm->prog->hook && addr >= c && addr - c < vm->prog->hook->ctx_size)
        return ctx_access_ok(vm, addr - c, size, write);
    for (int i = 0; i < vm->nregions; i++) {
        const struct mem_region *r = &vm->regions[i];
        if (addr >= r->base && addr - r->base <= r->size &&
            r->size - (addr - r->base) >= (uint64_t)size)
            return write ? r->writable : true;
    }
    return false;
}

static uint64_t mem_load(uint64_t addr, int size)
{
    const void *p = (const void *)(uintptr_t)addr;
    switch (size) {
    case 1:
        return *(const uint8_t *)p;
    case 2: {
        uint16_t v;
        memcpy(&v, p, 2);
        return v;
    }
    case 4: {
        uint32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    default: {
        uint64_t v;
        memcpy(&v, p, 8);
        return v;
    }
    }
}

static void mem_store(uint64_t addr, int size, uint64_t v)
{
    void *p = (void *)(uintptr_t)addr;
    switch (size) {
    case 1:
        *(uint8_t *)p = (uint8_t)v;
        break;
    case 2: {
        uint16_t x = (uint16_t)v;
        memcpy(p, &x, 2);
        break;
    }
    case 4: {
        uint32_t x = (uint32_t)v;
        memcpy(p, &x, 4);
        break;
    }
    default:
        memcpy(p, &v, 8);
        break;
    }
}

static uint64_t sign_extend(uint64_t v, int size)
{
    switch (size) {
    case 1:
        return (uint64_t)(int64_t)(int8_t)v;
    case 2:
        return (uint64_t)(int64_t)(int16_t)v;
    case 4:
        return (uint64_t)(int64_t)(int32_t)v;
    default:
        return v;
    }
}

/* Atomic read-modify-write (the interpreter is single threaded per call). */
static bool do_atomic(uint64_t *reg, uint64_t *r0, uint64_t addr, int size, int32_t op)
{
    uint64_t old = mem_load(addr, size), src = *reg, nv;
    uint64_t mask = size == 4 ? 0xffffffffull : ~0ull;
    switch (op) {
    case BPF_ADD:
    case BPF_ADD | BPF_FETCH:
        nv = old + src;
        break;
    case BPF_OR:
    case BPF_OR | BPF_FETCH:
        nv = old | src;
        break;
    case BPF_AND:
    case BPF_AND | BPF_FETCH:
        nv = old & src;
        break;
    case BPF_XOR:
    case BPF_XOR | BPF_FETCH:
        nv = old ^ src;
        break;
    case BPF_XCHG:
        nv = src;
        break;
    case BPF_CMPXCHG:
        nv = ((*r0 & mask) == old) ? src : old;
        mem_store(addr, size, nv);
        *r0 = old;
        return true;
    default:
        return false;
    }
    mem_store(addr, size, nv & mask);
    if (op & BPF_FETCH)
        *reg = old;
    return true;
}

int bpf_interp_run(const struct bpf_prog *prog, const bpf_helper_fn *helpers, void *ctx,
                   uint64_t max_steps, uint64_t *ret)
{
    struct vm vm;
    struct frame frames[BPF_MAX_CALL_DEPTH];
    uint64_t reg[BPF_NREGS] = {0};
    int depth = 0;
    uint32_t pc = 0;
    uint64_t steps = 0;

    vm.prog = prog;
    vm.ctx = ctx;
    setup_regions(&vm);
    set_stack_region(&vm, 0);
    memset(vm.stack, 0, sizeof(vm.stack));
    reg[1] = (uintptr_t)ctx;
    reg[10] = (uintptr_t)vm.stack + sizeof(vm.stack); /* frames grow downwards */

    for (;;) {
        if (pc >= prog->len)
            return BPF_EXEC_EINSN;
        if (max_steps && ++steps > max_steps)
            return BPF_EXEC_EBUDGET;
        const struct bpf_insn *in = &prog->insns[pc];
        uint8_t code = in->code, cls = BPF_CLASS(code);
        uint64_t *dst = &reg[in->dst];
        if (in->dst >= BPF_NREGS || in->src >= BPF_NREGS)
            return BPF_EXEC_EINSN;
        uint64_t src;
        pc++;
        switch (cls) {
        case BPF_ALU:
        case BPF_ALU64: {
            if (BPF_OP(code) == BPF_END || BPF_OP(code) == BPF_NEG)
                src = 0;
            else if (BPF_SRC(code) == BPF_X)
                src = reg[in->src];
            else
                src = (uint64_t)(int64_t)in->imm;
            if (BPF_OP(code) == BPF_MOV && BPF_SRC(code) == BPF_K && in->off)
                return BPF_EXEC_EINSN;
            if (!bpf_alu_eval(code, in->off, in->imm, *dst, src, dst))
                return BPF_EXEC_EINSN;
            break;
        }
        case BPF_LD:
            if (code != BPF_LDDW_CODE || pc >= prog->len)
                return BPF_EXEC_EINSN;
            if (in->src == 0) {
                *dst = (uint32_t)in->imm | ((uint64_t)(uint32_t)prog->insns[pc].imm << 32);
            } else if (in->src == BPF_PSEUDO_MAP_VALUE) {
                if ((uint32_t)in->imm >= prog->ndata)
                    return BPF_EXEC_EINSN;
                *dst = (uintptr_t)prog->data[in->imm].base + (uint64_t)(int64_t)prog->insns[pc].imm;
            } else {
                return BPF_EXEC_EINSN;
            }
            pc++;
            break;
        case BPF_LDX: {
            int sz = bpf_size_bytes(code);
            uint64_t addr = reg[in->src] + (uint64_t)(int64_t)in->off;
            if (BPF_MODE(code) != BPF_MEM && BPF_MODE(code) != BPF_MEMSX)
                return BPF_EXEC_EINSN;
            if (!mem_ok(&vm, addr, sz, false))
                return BPF_EXEC_EFAULT;
            uint64_t v = mem_load(addr, sz);
            *dst = BPF_MODE(code) == BPF_MEMSX ? sign_extend(v, sz) : v;
            break;
        }
        case BPF_ST:
        case BPF_STX: {
            int sz = bpf_size_bytes(code);
            uint64_t addr = *dst + (uint64_t)(int64_t)in->off;
            if (cls == BPF_STX && BPF_MODE(code) == BPF_ATOMIC) {
                if (sz != 4 && sz != 8)
                    return BPF_EXEC_EINSN;
                if (!mem_ok(&vm, addr, sz, true))
                    return BPF_EXEC_EFAULT;
                if (!do_atomic(&reg[in->src], &reg[0], addr, sz, in->imm))
                    return BPF_EXEC_EINSN;
                if (sz == 4 && (in->imm & BPF_FETCH)) {
                    if (in->imm == BPF_CMPXCHG)
                        reg[0] = (uint32_t)reg[0];
                    else
                        reg[in->src] = (uint32_t)reg[in->src];
                }
                break;
            }
            if (BPF_MODE(code) != BPF_MEM)
                return BPF_EXEC_EINSN;
            if (!mem_ok(&vm, addr, sz, true))
                return BPF_EXEC_EFAULT;
            mem_store(addr, sz, cls == BPF_STX ? reg[in->src] : (uint64_t)(int64_t)in->imm);
            break;
        }
        case BPF_JMP:
        case BPF_JMP32: {
            uint8_t op = BPF_OP(code);
            if (op == BPF_JA) {
                pc += cls == BPF_JMP32 ? in->imm : in->off;
                break;
            }
            if (cls == BPF_JMP && op == BPF_EXIT) {
                if (depth == 0) {
                    *ret = reg[0];
                    return BPF_EXEC_OK;
                }
                depth--;
                memcpy(&reg[6], frames[depth].saved, sizeof(frames[depth].saved));
                reg[10] += BPF_STACK_SIZE;
                set_stack_region(&vm, depth);
                pc = frames[depth].ret_pc;
                break;
            }
            if (cls == BPF_JMP && op == BPF_CALL) {
                if (in->src == BPF_PSEUDO_CALL) {
                    if (depth + 1 >= BPF_MAX_CALL_DEPTH)
                        return BPF_EXEC_EDEPTH;
                    memcpy(frames[depth].saved, &reg[6], sizeof(frames[depth].saved));
                    frames[depth].ret_pc = pc;
                    depth++;
                    reg[10] -= BPF_STACK_SIZE;
                    set_stack_region(&vm, depth);
                    pc += in->imm;
                } else if (in->src == BPF_PSEUDO_HELPER) {
                    if (in->imm <= 0 || in->imm >= EXT_HELPER_MAX || !helpers || !helpers[in->imm])
                        return BPF_EXEC_EHELPER;
                    reg[0] = helpers[in->imm](reg[1], reg[2], reg[3], reg[4], reg[5]);
                } else {
                    return BPF_EXEC_EINSN;
                }
                break;
            }
            src = BPF_SRC(code) == BPF_X ? reg[in->src] : (uint64_t)(int64_t)in->imm;
            if (op > BPF_JSLE || op == BPF_CALL || op == BPF_EXIT)
                return BPF_EXEC_EINSN;
            if (bpf_jmp_eval(op, cls == BPF_JMP32, *dst, src))
                pc += in->off;
            break;
        }
        default:
            return BPF_EXEC_EINSN;
        }
    }
}

const char *bpf_exec_strerror(int status)
{
    switch (status) {
    case BPF_EXEC_OK:
        return "ok";
    case BPF_EXEC_EFAULT:
        return "memory access outside allowed regions";
    case BPF_EXEC_EINSN:
        return "invalid instruction";
    case BPF_EXEC_EDEPTH:
        return "call depth exceeded";
    case BPF_EXEC_EHELPER:
        return "unknown helper";
    case BPF_EXEC_EBUDGET:
        return "instruction budget exhausted";
    default:
        return "unknown error";
    }
}
