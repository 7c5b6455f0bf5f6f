/*
 * bpf_elf.c - ELF64 relocatable object loader for BPF programs.
 *
 * All structures are read with memcpy from the (possibly unaligned, possibly
 * hostile) input buffer after bounds checks.
 */
#include "bpf_elf.h"

#include "ext_env.h"

#define EM_BPF        247
#define ET_REL        1
#define SHT_PROGBITS  1
#define SHT_SYMTAB    2
#define SHT_RELA      4
#define SHT_NOBITS    8
#define SHT_REL       9
#define SHF_WRITE     0x1
#define SHF_EXECINSTR 0x4
#define R_BPF_NONE    0
#define R_BPF_64_64   1
#define R_BPF_64_32   10
#define MAX_SECTIONS  4096

struct elf64_ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_shdr {
    uint32_t name, type;
    uint64_t flags, addr, offset, size;
    uint32_t link, info;
    uint64_t addralign, entsize;
};

struct elf64_sym {
    uint32_t name;
    uint8_t info, other;
    uint16_t shndx;
    uint64_t value, size;
};

struct elf64_rel {
    uint64_t offset, info;
};

struct loader {
    const uint8_t *elf;
    size_t size;
    struct elf64_ehdr eh;
    uint8_t *arena;
    size_t arena_size, used;
    char *err;
    size_t errlen;
    struct bpf_elf_obj *obj;
    const struct bpf_elf_imports *imports;   /* may be NULL */
    int32_t imp_at[64];                      /* per program: where import i was appended (-1) */
    uint32_t prog_len;                       /* per program: slots used so far */
    uint32_t symtab;                         /* section index of .symtab (0: none) */
    uint32_t text;                           /* section index of .text (0: none) */
    uint32_t data_sec[BPF_MAX_DATA_REGIONS]; /* section index of each data region */
};

/* Data region index of section `sec`, or -1. */
static int region_of(const struct loader *l, uint32_t sec)
{
    for (uint32_t r = 0; r < l->obj->ndata; r++)
        if (l->data_sec[r] == sec)
            return (int)r;
    return -1;
}

static bool fail(struct loader *l, const char *msg, const char *detail)
{
    size_t i = 0;
    if (!l->errlen)
        return false;
    for (const char *p = msg; *p && i + 1 < l->errlen; p++)
        l->err[i++] = *p;
    if (detail) {
        for (const char *p = ": "; *p && i + 1 < l->errlen; p++)
            l->err[i++] = *p;
        for (const char *p = detail; *p && i + 1 < l->errlen; p++)
            l->err[i++] = *p;
    }
    l->err[i] = 0;
    return false;
}

/* Is [off, off+len) inside the file? (overflow safe) */
static bool in_file(const struct loader *l, uint64_t off, uint64_t len)
{
    return off <= l->size && len <= l->size - off;
}

static bool get_shdr(struct loader *l, uint32_t idx, struct elf64_shdr *sh)
{
    if (idx >= l->eh.shnum)
        return fail(l, "section index out of range", NULL);
    memcpy(sh, l->elf + l->eh.shoff + (uint64_t)idx * sizeof(*sh), sizeof(*sh));
    if (sh->type != SHT_NOBITS && !in_file(l, sh->offset, sh->size))
        return fail(l, "section extends beyond end of file", NULL);
    return true;
}

/* NUL-terminated string at strtab section `sec` offset `off`, or NULL. */
static const char *get_str(struct loader *l, uint32_t sec, uint32_t off)
{
    struct elf64_shdr sh;
    if (!get_shdr(l, sec, &sh) || sh.type == SHT_NOBITS)
        return NULL;
    if (off >= sh.size)
        return NULL;
    const char *s = (const char *)l->elf + sh.offset + off;
    for (uint64_t i = 0; off + i < sh.size; i++)
        if (s[i] == 0)
            return s;
    return NULL;
}

static const char *sec_name(struct loader *l, uint32_t idx)
{
    struct elf64_shdr sh;
    if (!get_shdr(l, idx, &sh))
        return NULL;
    return get_str(l, l->eh.shstrndx, sh.name);
}

static bool starts_with(const char *s, const char *p)
{
    while (*p && *s == *p) {
        s++;
        p++;
    }
    return *p == 0;
}

static bool streq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static void *arena_alloc(struct loader *l, uint64_t size)
{
    uint64_t aligned = (size + 15) & ~(uint64_t)15;
    if (aligned < size || aligned > l->arena_size - l->used)
        return NULL;
    void *p = l->arena + l->used;
    l->used += aligned;
    return p;
}

static void copy_name(char *dst, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < BPF_ELF_NAME_MAX; i++)
        dst[i] = src[i];
    dst[i] = 0;
}

static bool get_sym(struct loader *l, uint32_t idx, struct elf64_sym *sym)
{
    struct elf64_shdr sh;
    if (!l->symtab)
        return fail(l, "relocation without symbol table", NULL);
    if (!get_shdr(l, l->symtab, &sh))
        return false;
    if ((uint64_t)idx >= sh.size / sizeof(*sym))
        return fail(l, "relocation symbol index out of range", NULL);
    memcpy(sym, l->elf + sh.offset + (uint64_t)idx * sizeof(*sym), sizeof(*sym));
    return true;
}

static const char *sym_name(struct loader *l, const struct elf64_sym *sym)
{
    struct elf64_shdr sh;
    if (!get_shdr(l, l->symtab, &sh))
        return NULL;
    return get_str(l, sh.link, sym->name);
}

/* Index of the import named `name`, or -1. */
static int import_index(struct loader *l, const char *name)
{
    for (uint32_t i = 0; l->imports && i < l->imports->n && i < 64; i++)
        if (streq(l->imports->names[i], name))
            return (int)i;
    return -1;
}

/* Total length of the imports section `sec`'s calls use (each counted once
 * per section; an import used from a program and .text is counted twice:
 * room enough, never too little). */
static bool imports_needed(struct loader *l, uint32_t sec, uint64_t *total)
{
    bool seen[64] = {false};
    for (uint32_t i = 1; i < l->eh.shnum; i++) {
        struct elf64_shdr rs;
        if (!get_shdr(l, i, &rs))
            return false;
        if (rs.type != SHT_REL || rs.info != sec)
            continue;
        uint64_t n = rs.size / sizeof(struct elf64_rel);
        for (uint64_t k = 0; k < n; k++) {
            struct elf64_rel r;
            struct elf64_sym sym;
            memcpy(&r, l->elf + rs.offset + k * sizeof(r), sizeof(r));
            if ((uint32_t)r.info != R_BPF_64_32)
                continue;
            if (!get_sym(l, (uint32_t)(r.info >> 32), &sym))
                return false;
            if (sym.shndx != 0)
                continue;
            const char *name = sym_name(l, &sym);
            if (!name)
                return fail(l, "bad symbol name", NULL);
            int x = import_index(l, name);
            if (x < 0)
                return fail(l, "unresolved import", name);
            if (!seen[x]) {
                seen[x] = true;
                *total += l->imports->lens[x];
            }
        }
    }
    return true;
}

/* Does section `sec` have a call relocation into .text? */
static bool calls_text(struct loader *l, uint32_t sec, bool *uses)
{
    *uses = false;
    for (uint32_t i = 1; i < l->eh.shnum; i++) {
        struct elf64_shdr rs;
        if (!get_shdr(l, i, &rs))
            return false;
        if (rs.type != SHT_REL || rs.info != sec)
            continue;
        uint64_t n = rs.size / sizeof(struct elf64_rel);
        for (uint64_t k = 0; k < n; k++) {
            struct elf64_rel r;
            struct elf64_sym sym;
            memcpy(&r, l->elf + rs.offset + k * sizeof(r), sizeof(r));
            if ((uint32_t)r.info != R_BPF_64_32)
                continue;
            if (!get_sym(l, (uint32_t)(r.info >> 32), &sym))
                return false;
            if (sym.shndx == l->text && l->text)
                *uses = true;
        }
    }
    return true;
}

/*
 * Apply the relocations of code section `sec`, whose instructions start at
 * index `base` of `insns` (n slots in total).  `prog_sec`/`text_base` locate
 * the program's own section and the appended copy of .text (if any).
 */
static bool apply_relocs(struct loader *l, uint32_t sec, uint32_t base, struct bpf_insn *insns,
                         uint32_t n, uint32_t sec_len, uint32_t prog_sec, uint32_t text_base,
                         bool has_text)
{
    for (uint32_t i = 1; i < l->eh.shnum; i++) {
        struct elf64_shdr rs;
        if (!get_shdr(l, i, &rs))
            return false;
        if (rs.type == SHT_RELA && rs.info == sec)
            return fail(l, "RELA relocations are not supported", NULL);
        if (rs.type != SHT_REL || rs.info != sec)
            continue;
        if (rs.link != l->symtab)
            return fail(l, "relocation section uses an unknown symbol table", NULL);
        uint64_t nrel = rs.size / sizeof(struct elf64_rel);
        for (uint64_t k = 0; k < nrel; k++) {
            struct elf64_rel r;
            struct elf64_sym sym;
            memcpy(&r, l->elf + rs.offset + k * sizeof(r), sizeof(r));
            uint32_t type = (uint32_t)r.info;
            if (type == R_BPF_NONE)
                continue;
            if (r.offset % 8 || r.offset / 8 >= sec_len)
                return fail(l, "relocation offset out of range", NULL);
            uint32_t idx = base + (uint32_t)(r.offset / 8);
            struct bpf_insn *in = &insns[idx];
            if (!get_sym(l, (uint32_t)(r.info >> 32), &sym))
                return false;
            if (type == R_BPF_64_32) {
                if (in->code != (BPF_JMP | BPF_CALL) || in->src != BPF_PSEUDO_CALL)
                    return fail(l, "R_BPF_64_32 relocation on a non-call instruction", NULL);
                uint32_t tbase;
                if (sym.shndx == 0) { /* an import: append its code once */
                    const char *name = sym_name(l, &sym);
                    int x = name ? import_index(l, name) : -1;
                    if (x < 0)
                        return fail(l, "unresolved import", name);
                    if (l->imp_at[x] < 0) {
                        uint32_t len = l->imports->lens[x];
                        if (len > n - l->prog_len)
                            return fail(l, "no room for an import", name);
                        memcpy(&insns[l->prog_len], l->imports->insns[x], len * 8);
                        l->imp_at[x] = (int32_t)l->prog_len;
                        l->prog_len += len;
                    }
                    in->imm = (int32_t)(l->imp_at[x] - ((int64_t)idx + 1));
                    continue;
                }
                if (sym.shndx == prog_sec)
                    tbase = 0;
                else if (has_text && sym.shndx == l->text)
                    tbase = text_base;
                else
                    return fail(l, "call to a function outside the program and .text", NULL);
                if (sym.value % 8)
                    return fail(l, "misaligned call target", NULL);
                int64_t tgt = (int64_t)tbase + (int64_t)(sym.value / 8) + in->imm + 1;
                if (sym.value / 8 > n || tgt < 0 || tgt >= n)
                    return fail(l, "call target out of range", NULL);
                in->imm = (int32_t)(tgt - ((int64_t)idx + 1));
            } else if (type == R_BPF_64_64) {
                if (in->code != BPF_LDDW_CODE || idx + 1 >= n || r.offset / 8 + 1 >= sec_len)
                    return fail(l, "R_BPF_64_64 relocation on a non-lddw instruction", NULL);
                int reg = sym.shndx ? region_of(l, sym.shndx) : -1;
                if (reg < 0)
                    return fail(l, "lddw relocation against an unsupported section/symbol", NULL);
                uint64_t off = sym.value + (uint64_t)(uint32_t)in->imm;
                if (sym.value > l->obj->data[reg].size || off > l->obj->data[reg].size)
                    return fail(l, "lddw relocation offset outside its section", NULL);
                in->src = BPF_PSEUDO_MAP_VALUE;
                in->imm = reg;
                insns[idx + 1].imm = (int32_t)off;
            } else {
                return fail(l, "unsupported relocation type in code", NULL);
            }
        }
    }
    return true;
}

static bool load_data_sections(struct loader *l)
{
    for (uint32_t i = 1; i < l->eh.shnum; i++) {
        struct elf64_shdr sh;
        if (!get_shdr(l, i, &sh))
            return false;
        const char *name = sec_name(l, i);
        if (!name)
            return fail(l, "bad section name", NULL);
        bool ro = starts_with(name, ".rodata");
        bool rw = starts_with(name, ".data") || starts_with(name, ".bss");
        if (!(ro || rw) || (sh.flags & SHF_EXECINSTR))
            continue;
        if (sh.type != SHT_PROGBITS && sh.type != SHT_NOBITS)
            continue;
        if (l->obj->ndata >= BPF_MAX_DATA_REGIONS)
            return fail(l, "too many data sections", name);
        if (sh.size > (1u << 20))
            return fail(l, "data section too large", name);
        uint8_t *p = arena_alloc(l, sh.size ? sh.size : 1);
        if (!p)
            return fail(l, "arena too small for data section", name);
        if (sh.type == SHT_NOBITS)
            memset(p, 0, sh.size);
        else
            memcpy(p, l->elf + sh.offset, sh.size);
        uint32_t r = l->obj->ndata++;
        copy_name(l->obj->data_names[r], name);
        l->obj->data[r].name = l->obj->data_names[r];
        l->obj->data[r].base = p;
        l->obj->data[r].size = (uint32_t)sh.size;
        l->obj->data[r].writable = rw;
        l->data_sec[r] = i;
    }
    return true;
}

bool bpf_elf_load(const void *elf, size_t size, void *arena, size_t arena_size,
                  struct bpf_elf_obj *obj, char *err, size_t errlen)
{
    return bpf_elf_load_with(elf, size, arena, arena_size, obj, err, errlen, NULL);
}

/* Records the module's exports: global functions in .text that call no other
 * function and reference no data. */
static bool find_exports(struct loader *l)
{
    struct elf64_shdr sh, ts;
    if (!l->symtab || !l->text || !get_shdr(l, l->symtab, &sh) || !get_shdr(l, l->text, &ts))
        return true;
    uint64_t nsym = sh.size / sizeof(struct elf64_sym);
    for (uint64_t i = 1; i < nsym && l->obj->nexports < BPF_ELF_MAX_EXPORTS; i++) {
        struct elf64_sym sym;
        if (!get_sym(l, (uint32_t)i, &sym))
            return false;
        if (sym.shndx != l->text || (sym.info >> 4) != 1 /* GLOBAL */ ||
            (sym.info & 0xf) != 2 /* FUNC */ || sym.value % 8 || sym.size % 8 || sym.size == 0 ||
            sym.value > ts.size || sym.size > ts.size - sym.value)
            continue;
        const char *name = sym_name(l, &sym);
        if (!name)
            continue;
        uint32_t len = (uint32_t)(sym.size / 8);
        const struct bpf_insn *code = (const struct bpf_insn *)(l->elf + ts.offset + sym.value);
        bool self_contained = true;
        for (uint32_t k = 0; k < len; k++) {
            if ((code[k].code == (BPF_JMP | BPF_CALL) && code[k].src == BPF_PSEUDO_CALL) ||
                code[k].code == BPF_LDDW_CODE)
                self_contained = false;
        }
        if (!self_contained)
            continue;
        struct bpf_insn *copy = arena_alloc(l, (uint64_t)len * sizeof(*copy));
        if (!copy)
            return fail(l, "arena too small for exports", name);
        memcpy(copy, code, (uint64_t)len * 8);
        struct bpf_elf_export *x = &l->obj->exports[l->obj->nexports++];
        copy_name(x->name, name);
        x->insns = copy;
        x->len = len;
    }
    return true;
}

bool bpf_elf_load_with(const void *elf, size_t size, void *arena, size_t arena_size,
                       struct bpf_elf_obj *obj, char *err, size_t errlen,
                       const struct bpf_elf_imports *imports)
{
    struct loader ls;
    struct loader *l = &ls;
    memset(l, 0, sizeof(*l));
    l->imports = imports;
    memset(obj, 0, sizeof(*obj));
    l->elf = elf;
    l->size = size;
    l->arena = arena;
    l->arena_size = arena_size;
    l->err = err;
    l->errlen = errlen;
    l->obj = obj;
    if (errlen)
        err[0] = 0;

    if (!elf || size < sizeof(l->eh))
        return fail(l, "file too small for an ELF header", NULL);
    memcpy(&l->eh, elf, sizeof(l->eh));
    const uint8_t *id = l->eh.ident;
    if (id[0] != 0x7f || id[1] != 'E' || id[2] != 'L' || id[3] != 'F')
        return fail(l, "not an ELF file", NULL);
    if (id[4] != 2)
        return fail(l, "not a 64-bit ELF file", NULL);
    if (id[5] != 1)
        return fail(l, "not a little-endian ELF file", NULL);
    if (l->eh.type != ET_REL)
        return fail(l, "not a relocatable object", NULL);
    if (l->eh.machine != EM_BPF)
        return fail(l, "not a BPF object (e_machine)", NULL);
    if (l->eh.shentsize != sizeof(struct elf64_shdr))
        return fail(l, "unexpected section header size", NULL);
    if (l->eh.shnum == 0 || l->eh.shnum > MAX_SECTIONS)
        return fail(l, "bad section count", NULL);
    if (!in_file(l, l->eh.shoff, (uint64_t)l->eh.shnum * sizeof(struct elf64_shdr)))
        return fail(l, "section headers beyond end of file", NULL);
    if (l->eh.shstrndx == 0 || l->eh.shstrndx >= l->eh.shnum)
        return fail(l, "bad section name table index", NULL);

    /* Locate .symtab and .text. */
    for (uint32_t i = 1; i < l->eh.shnum; i++) {
        struct elf64_shdr sh;
        if (!get_shdr(l, i, &sh))
            return false;
        const char *name = sec_name(l, i);
        if (!name)
            return fail(l, "bad section name", NULL);
        if (sh.type == SHT_SYMTAB) {
            if (l->symtab)
                return fail(l, "multiple symbol tables", NULL);
            if (sh.entsize != sizeof(struct elf64_sym))
                return fail(l, "bad symbol table entry size", NULL);
            l->symtab = i;
        }
        if (streq(name, ".text") && sh.type == SHT_PROGBITS)
            l->text = i;
    }
    if (!load_data_sections(l))
        return false;

    for (uint32_t i = 1; i < l->eh.shnum; i++) {
        struct elf64_shdr sh;
        if (!get_shdr(l, i, &sh))
            return false;
        if (sh.type != SHT_PROGBITS || !(sh.flags & SHF_EXECINSTR) || i == l->text)
            continue;
        const char *name = sec_name(l, i);
        if (!name)
            return fail(l, "bad section name", NULL);
        if (sh.size == 0)
            continue;
        if (sh.size % 8)
            return fail(l, "code section size is not a multiple of 8", name);
        if (obj->nprogs >= BPF_ELF_MAX_PROGS)
            return fail(l, "too many program sections", NULL);
        struct elf64_shdr ts = {0};
        bool has_text = false;
        if (!calls_text(l, i, &has_text))
            return false;
        if (has_text && !get_shdr(l, l->text, &ts))
            return false;
        if (has_text && ts.size % 8)
            return fail(l, ".text size is not a multiple of 8", NULL);
        uint64_t n_p = sh.size / 8, n_t = has_text ? ts.size / 8 : 0, n_i = 0;
        if (!imports_needed(l, i, &n_i) || (has_text && !imports_needed(l, l->text, &n_i)))
            return false;
        if (n_p + n_t + n_i > BPF_MAX_INSNS * 4)
            return fail(l, "program too large", name);
        struct bpf_insn *insns = arena_alloc(l, (n_p + n_t + n_i) * sizeof(struct bpf_insn));
        if (!insns)
            return fail(l, "arena too small for program", name);
        memcpy(insns, l->elf + sh.offset, n_p * 8);
        if (has_text)
            memcpy(insns + n_p, l->elf + ts.offset, n_t * 8);
        uint32_t n = (uint32_t)(n_p + n_t + n_i);
        l->prog_len = (uint32_t)(n_p + n_t);
        for (int k = 0; k < 64; k++)
            l->imp_at[k] = -1;
        if (!apply_relocs(l, i, 0, insns, n, (uint32_t)n_p, i, (uint32_t)n_p, has_text))
            return false;
        if (has_text && !apply_relocs(l, l->text, (uint32_t)n_p, insns, n, (uint32_t)n_t, i,
                                      (uint32_t)n_p, has_text))
            return false;
        struct bpf_elf_prog *p = &obj->progs[obj->nprogs++];
        copy_name(p->name, name);
        p->hook = ext_hook_by_section(name);
        p->insns = insns;
        p->len = l->prog_len; /* the imports it used come last */
    }
    if (!find_exports(l))
        return false;
    if (obj->nprogs == 0)
        return fail(l, "no program sections found", NULL);
    return true;
}

void bpf_elf_get_prog(const struct bpf_elf_obj *obj, uint32_t i, struct bpf_prog *out)
{
    out->insns = obj->progs[i].insns;
    out->len = obj->progs[i].len;
    out->hook = obj->progs[i].hook;
    out->data = obj->data;
    out->ndata = obj->ndata;
}
