# Spinel: an exokernel for x86-64.
#   make          build the kernel (build/spinel.elf) and the boot image
#   make run      boot under QEMU, console on this terminal (Ctrl-A X quits)
#   make test     host unit tests, then the in-guest test suite under QEMU
#   make test-linux   the Linux test corpus (tests/linux) under Spinel
#   make linux-record record its expected results on this Linux host
#   make fuzz-kernel  the kernel-call fuzzer over several seeds (SEEDS, CALLS)
#   make test-crash   the disk file system's long crash run (CRASHPOINTS, SEED)
#   make iso      GRUB-bootable ISO (build/spinel.iso); make test-iso boots it
#   make qemu-gdb QEMU halted with a gdb stub (then run gdb here)
#   make bench    microbenchmarks on Spinel and on Linux, side by side (then bench-disk, bench-smp)
#   make bench-disk   the storage workload on Spinel's diskd and Linux's ext4
#   make bench-smp    the scalability table: Spinel and Linux on 1, 2 and 4 CPUs
#   make litmus-smp   the SB/MP/LB litmus tests, two million runs each, on two of Spinel's CPUs
#   make barrier-smp  every barrier algorithm and pthread_barrier 100,000 episodes on 4 CPUs
#   make format   clang-format every C file

B        := build
ACCEL    ?= tcg
QEMU     ?= qemu-system-x86_64
MEM      ?= 256M
SMP      ?= 1
GDBPORT  ?= $(shell expr 26000 + $$(id -u) % 5000)

CC       := gcc
LD       := ld
OBJCOPY  := objcopy
WARN     := -Wall -Wextra -Werror
COMMON   := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-stack-protector -fno-pie \
            -fno-asynchronous-unwind-tables -Iinclude -I$(B)/gen

# No kernel stack frame may be big enough to step over a stack's 4 KiB guard
# page (kernel/cpu.h): -Wframe-larger-than keeps them well below.
KCFLAGS  := $(COMMON) -mcmodel=kernel -mno-red-zone -mgeneral-regs-only -mno-sse -mno-mmx \
            -fno-omit-frame-pointer -fno-builtin -Wframe-larger-than=2048 -MMD -MP
KASFLAGS := -g -MMD -MP -Iinclude -I$(B)/gen
UCFLAGS  := $(COMMON) -fno-builtin -fno-tree-loop-distribute-patterns -MMD -MP
ULDFLAGS := -static -nostdlib -no-pie -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack \
            -Wl,--build-id=none

KSRCS := $(filter-out kernel/asm-offsets.c,$(wildcard kernel/*.c kernel/lib/*.c kernel/dev/*.c kernel/arch/x86_64/*.c))
KASMS := $(wildcard kernel/arch/x86_64/*.S)
# The eBPF verifier and JIT (ext/) are linked into the kernel too.
EXT_KSRCS := ext/bpf_elf.c ext/verifier.c ext/jit_x86_64.c ext/hooks.c
KOBJS := $(KSRCS:%.c=$(B)/%.o) $(KASMS:%.S=$(B)/%.o) $(EXT_KSRCS:ext/%.c=$(B)/kernel/ext/%.o)

LIBUNIX_OBJS := $(B)/lib/unix/proc/proc.o $(B)/lib/unix/fd/fd.o $(B)/lib/unix/fs/fs.o $(B)/lib/unix/shm/shm.o \
                $(B)/lib/unix/net/net.o
LIBC_OBJS := $(B)/lib/c/crt0.o $(B)/lib/c/libc.o $(B)/lib/c/malloc.o $(B)/lib/exo/exo.o $(B)/lib/exo/upcall.o $(B)/lib/unix/thread/thread.o
SH_PROGS  := $(patsubst user/sh/%.c,$(B)/user/%,$(wildcard user/sh/*.c))
UPROGS    := $(B)/user/init $(B)/user/unixd $(B)/user/diskd $(B)/user/httpd $(B)/user/netd $(patsubst user/tests/%.c,$(B)/user/%,$(wildcard user/tests/t_*.c)) \
             $(B)/user/bench $(B)/user/bench_disk $(patsubst user/bench/%.c,$(B)/user/%,$(wildcard user/bench/*.c)) \
             $(SH_PROGS) $(B)/user/linuxtests $(B)/user/barrier_smp $(B)/user/mn_barrier_smp
SCRIPTS   := $(wildcard user/sh/*.sh)

QEMU_ACCEL := $(if $(filter kvm,$(ACCEL)),-accel kvm -cpu host,-accel tcg -cpu max)
QEMU_BASE  := $(QEMU) $(QEMU_ACCEL) -m $(MEM) -smp $(SMP) -no-reboot \
              -kernel $(B)/spinel.bin -initrd $(B)/initrd.cpio \
              -device isa-debug-exit,iobase=0xf4,iosize=0x04

# The disk: a raw image as a modern-only virtio-blk device. make run keeps
# build/disk.img (made on first use, DISK_SIZE); make test makes a fresh
# scratch image every run.
DISK_SIZE  ?= 256M
DISK_IMG   := $(B)/disk.img
TEST_DISK  := $(B)/test-disk.img
qemu_disk   = -drive file=$(1),if=none,id=d0,format=raw -device virtio-blk-pci,drive=d0,disable-legacy=on

# The network card: a modern-only virtio-net device on QEMU's user
# networking (the guest is 10.0.2.15, the gateway 10.0.2.2).
# make run forwards the host's port HTTP_PORT to the guest's web server.
QEMU_NET   := -netdev user,id=n0 -device virtio-net-pci,netdev=n0,disable-legacy=on
HTTP_PORT  ?= 8080
# ... and NETD_PORT to port 8080 of netd's address (10.0.2.16), where a
# server run in the guest (busybox httpd -p 8080) answers.
NETD_PORT  ?= 8088
QEMU_NET_RUN := -netdev user,id=n0,hostfwd=tcp:127.0.0.1:$(HTTP_PORT)-:80,hostfwd=tcp:127.0.0.1:$(NETD_PORT)-10.0.2.16:8080 -device virtio-net-pci,netdev=n0,disable-legacy=on

HOST_TOOLS := gcc:gcc ld:binutils make:make cpio:cpio $(QEMU):qemu-system-x86

.SECONDARY:
.DELETE_ON_ERROR:
.PHONY: all docs run run-bench run-bench-linux run-boot bench-net bench-disk bench-smp litmus-smp barrier-smp test test-crash fuzz-kernel iso test-iso qemu-gdb bench format clean deps check-host \
        test-linux linux-record linux-record-check FORCE
all: $(B)/spinel.elf $(B)/spinel.bin $(B)/initrd.cpio

deps:
	@tools/need.sh $(HOST_TOOLS)

# ---- generated from the kernel-call table ----
GEN := $(B)/gen/spinel/kcall_nums.h $(B)/gen/kcall_table.h $(B)/gen/exo_calls.h $(B)/gen/asm-offsets.h
$(B)/gen/asm-offsets.h: kernel/asm-offsets.c kernel/cpu.h kernel/env.h kernel/trap.h kernel/arch/x86_64/x86.h include/spinel/exo.h include/spinel/errno.h $(B)/gen/spinel/kcall_nums.h
	@mkdir -p $(@D)
	$(CC) $(KCFLAGS) -S $< -o $(B)/gen/asm-offsets.s
	@{ echo "/* Generated from kernel/asm-offsets.c. Do not edit. */"; \
	   sed -n 's/.*->\([A-Z_0-9]*\) \$$\{0,1\}\(-\{0,1\}[0-9]*\).*/#define \1 \2/p' $(B)/gen/asm-offsets.s; } > $@
$(B)/gen/spinel/kcall_nums.h: kernel/kcalls.tbl tools/kcalls.awk
	@mkdir -p $(@D)
	awk -v out=nums -f tools/kcalls.awk $< > $@
$(B)/gen/kcall_table.h: kernel/kcalls.tbl tools/kcalls.awk
	@mkdir -p $(@D)
	awk -v out=kernel -f tools/kcalls.awk $< > $@
$(B)/gen/exo_calls.h: kernel/kcalls.tbl tools/kcalls.awk
	@mkdir -p $(@D)
	awk -v out=user -f tools/kcalls.awk $< > $@
docs: docs/kernel-calls.md
docs/kernel-calls.md: kernel/kcalls.tbl tools/kcalls.awk
	awk -v out=doc -f tools/kcalls.awk $< > $@

# ---- kernel ----
$(B)/kernel/%.o: kernel/%.c | $(GEN)
	@mkdir -p $(@D)
	$(CC) $(KCFLAGS) -c $< -o $@
$(B)/kernel/ext/%.o: ext/%.c | $(GEN)
	@mkdir -p $(@D)
	$(CC) $(KCFLAGS) -c $< -o $@
$(B)/kernel/%.o: kernel/%.S | $(GEN)
	@mkdir -p $(@D)
	$(CC) $(KASFLAGS) -c $< -o $@

# Two links: the second fills .ksyms (the last section) with the symbols of
# the first; no code moves, which the cmp below checks.
$(B)/ksyms0.S: tools/mkksyms.sh
	@mkdir -p $(@D)
	tools/mkksyms.sh > $@
$(B)/%.o: $(B)/%.S
	$(CC) -c $< -o $@
$(B)/spinel.pass1.elf: $(KOBJS) $(B)/ksyms0.o kernel/arch/x86_64/kernel.ld
	$(LD) -n --no-warn-rwx-segments -T kernel/arch/x86_64/kernel.ld -o $@ $(KOBJS) $(B)/ksyms0.o
$(B)/ksyms.S: $(B)/spinel.pass1.elf tools/mkksyms.sh
	tools/mkksyms.sh $< > $@
$(B)/spinel.elf: $(B)/spinel.pass1.elf $(B)/ksyms.o
	$(LD) -n --no-warn-rwx-segments -T kernel/arch/x86_64/kernel.ld -o $@ $(KOBJS) $(B)/ksyms.o
	@nm $(B)/spinel.pass1.elf | grep ' [tT] ' > $(B)/syms1.txt; \
	 nm $@ | grep ' [tT] ' > $(B)/syms2.txt; \
	 cmp -s $(B)/syms1.txt $(B)/syms2.txt || { echo "ksyms: code moved between links"; exit 1; }
$(B)/spinel.bin: $(B)/spinel.elf
	$(OBJCOPY) -O binary $< $@

# ---- user programs and the boot image ----
$(B)/lib/%.o: lib/%.c | $(GEN)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -c $< -o $@
$(B)/lib/%.o: lib/%.S | $(GEN)
	@mkdir -p $(@D)
	$(CC) $(KASFLAGS) -c $< -o $@
$(B)/ulinuxtests/%.o: user/linuxtests/%.c | $(GEN)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -c $< -o $@
$(B)/user/%.o: user/%.c | $(GEN)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -c $< -o $@
$(B)/user/%: $(B)/user/%.o $(LIBC_OBJS)
	$(CC) $(ULDFLAGS) -o $@ $(LIBC_OBJS) $<
$(B)/user/t_%: $(B)/user/tests/t_%.o $(LIBC_OBJS)
	$(CC) $(ULDFLAGS) -o $@ $(LIBC_OBJS) $<

$(B)/ubench/%.o: user/bench/%.c | $(GEN)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -c $< -o $@
$(B)/user/bench_%: $(B)/ubench/bench_%.o $(LIBC_OBJS)
	$(CC) $(ULDFLAGS) -o $@ $(LIBC_OBJS) $<
# The scalability rows (tools/bench/smp.sh: lib/unix for the fork and pipe
# rows) and the litmus tests on Spinel's CPUs (make litmus-smp) link lib/barrier.
$(B)/user/bench_smp: $(B)/ubench/bench_smp.o $(LIBC_OBJS) $(B)/lib/barrier/barrier.o $(LIBUNIX_OBJS)
	$(CC) $(ULDFLAGS) -o $@ $(LIBC_OBJS) $< $(B)/lib/barrier/barrier.o $(LIBUNIX_OBJS)
$(B)/user/litmus_smp: $(B)/ubench/litmus_smp.o $(LIBC_OBJS) $(B)/lib/barrier/barrier.o
	$(CC) $(ULDFLAGS) -o $@ $(LIBC_OBJS) $< $(B)/lib/barrier/barrier.o
# domain_create's child: three instructions, no C library (bench_exit.c).
$(B)/user/bench_exit: $(B)/ubench/bench_exit.o
	$(CC) $(ULDFLAGS) -o $@ $<
$(B)/bench/%.o: bench/%.c | $(GEN)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -c $< -o $@
$(B)/user/bench: $(B)/bench/bench.o $(B)/bench/plat_spinel.o $(LIBC_OBJS) $(B)/uext/objs.o $(LIBUNIX_OBJS)
	$(CC) $(ULDFLAGS) -o $@ $(LIBC_OBJS) $(B)/bench/bench.o $(B)/bench/plat_spinel.o $(B)/uext/objs.o $(LIBUNIX_OBJS)

# Extensions: restricted C built with clang for the BPF target, embedded in
# the programs that load them (user/ext/*.bpf.c -> ext_obj_NAME symbols).
UEXT := $(patsubst user/ext/%.bpf.c,$(B)/uext/%.o,$(wildcard user/ext/*.bpf.c))
$(B)/uext/%.o: user/ext/%.bpf.c ext/ext_ctx.h
	@tools/need.sh clang:clang
	@mkdir -p $(@D)
	clang -O2 -target bpf -Wall -Werror -Iext -c $< -o $@
# The large ones (user/ext/big: the tests of bounded loading, t_objquota and
# t_extbound) go into an object of their own, so that the other programs
# (the benchmark's fork copies its whole image) do not carry them.
UEXT_BIG := $(patsubst user/ext/%.bpf.c,$(B)/uext/%.o,$(wildcard user/ext/big/*.bpf.c))
$(B)/uext/objs.S: $(UEXT)
$(B)/uext/bigobjs.S: $(UEXT_BIG)
$(B)/uext/objs.S $(B)/uext/bigobjs.S:
	@for o in $^; do n=$$(basename $$o .o); \
	  printf '    .section .rodata\n    .balign 8\n    .global ext_obj_%s, ext_obj_%s_end\next_obj_%s:\n    .incbin "%s"\next_obj_%s_end:\n' $$n $$n $$n $$o $$n; \
	 done > $@; echo '    .section .note.GNU-stack, "", @progbits' >> $@
$(B)/uext/objs.o $(B)/uext/bigobjs.o: $(B)/uext/%.o: $(B)/uext/%.S
	$(CC) -c $< -o $@
# Programs of the Unix library OS link libunix too: the shell and its
# utilities (user/sh), init, and the t_unix_* tests.
$(B)/ush/%.o: user/sh/%.c | $(GEN)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -c $< -o $@
$(SH_PROGS): $(B)/user/%: $(B)/ush/%.o $(LIBC_OBJS) $(LIBUNIX_OBJS)
	$(CC) $(ULDFLAGS) -o $@ $(LIBC_OBJS) $(LIBUNIX_OBJS) $<
# unixd: the library OS's server (the only writer of the shared state).
$(B)/user/unixd: $(B)/lib/unix/srv/srv.o $(B)/lib/unix/fs/fs.o $(LIBC_OBJS)
	$(CC) $(ULDFLAGS) -o $@ $(LIBC_OBJS) $(B)/lib/unix/srv/srv.o $(B)/lib/unix/fs/fs.o
$(B)/user/init: $(B)/user/init.o $(LIBC_OBJS) $(LIBUNIX_OBJS)
	$(CC) $(ULDFLAGS) -o $@ $(LIBC_OBJS) $(LIBUNIX_OBJS) $<
$(B)/user/t_unix_%: $(B)/user/tests/t_unix_%.o $(LIBC_OBJS) $(LIBUNIX_OBJS)
	$(CC) $(ULDFLAGS) -o $@ $(LIBC_OBJS) $(LIBUNIX_OBJS) $<
# The Linux test corpus's in-guest runner (user/linuxtests, make test-linux).
$(B)/user/linuxtests: $(B)/ulinuxtests/linuxtests.o $(LIBC_OBJS) $(LIBUNIX_OBJS)
	$(CC) $(ULDFLAGS) -o $@ $(LIBC_OBJS) $(LIBUNIX_OBJS) $<

# ---- lib/net: lwIP from Debian's source package, fetched and unpacked at
# build time by tools/lwip.sh (never committed), with lib/net's port. lwIP
# is third-party code: built with its own warnings off (-w).
LWIP_DIR    := $(B)/lwip-src/lwip-2.1.3/src
LWIP_STAMP  := $(B)/lwip-src/.unpacked
LWIP_SRCS   := core/init.c core/def.c core/inet_chksum.c core/ip.c core/mem.c core/memp.c \
               core/netif.c core/pbuf.c core/stats.c core/sys.c core/tcp.c core/tcp_in.c \
               core/tcp_out.c core/timeouts.c core/udp.c core/ipv4/etharp.c core/ipv4/icmp.c \
               core/ipv4/ip4.c core/ipv4/ip4_addr.c core/ipv4/ip4_frag.c core/ipv4/dhcp.c \
               netif/ethernet.c
LWIP_OBJS   := $(LWIP_SRCS:%.c=$(B)/lwip/%.o)
LNET_CFLAGS := $(UCFLAGS) -Ilib/net -Ilib/net/include -I$(LWIP_DIR)/include
LIBNET_OBJS := $(B)/lib/net/lnet.o $(B)/lib/net/sock.o $(B)/lib/net/csum.o $(B)/lib/net/filter_obj.o $(LWIP_OBJS)
$(LWIP_STAMP):
	@tools/lwip.sh $(B)/lwip-src
$(B)/lwip/%.o: $(LWIP_STAMP) lib/net/lwipopts.h lib/net/arch/cc.h
	@mkdir -p $(@D)
	$(CC) $(filter-out -Werror -MMD -MP -O2,$(LNET_CFLAGS)) -Os -ffunction-sections -fdata-sections -w \
	    -c $(LWIP_DIR)/$*.c -o $@
$(B)/lib/net/%.o: lib/net/%.c $(LWIP_STAMP) | $(GEN)
	@mkdir -p $(@D)
	$(CC) $(LNET_CFLAGS) -c $< -o $@
$(B)/lib/net/filter.bpf.o: lib/net/filter.bpf.c ext/ext_ctx.h
	@tools/need.sh clang:clang
	@mkdir -p $(@D)
	clang -O2 -target bpf -Wall -Werror -Iext -c $< -o $@
$(B)/lib/net/filter_obj.o: $(B)/lib/net/filter.bpf.o
	printf '    .section .rodata\n    .balign 8\n    .global lnet_filter_obj, lnet_filter_obj_end\nlnet_filter_obj:\n    .incbin "%s"\nlnet_filter_obj_end:\n    .section .note.GNU-stack, "", @progbits\n' $< > $(B)/lib/net/filter_obj.S
	$(CC) -c $(B)/lib/net/filter_obj.S -o $@
# Programs of the network library OS.
# (lwIP is built in sections: the boot image holds only what each program uses)
$(B)/user/httpd: $(B)/unet/httpd.o $(B)/user/httpd_fs.o $(B)/lib/unix/fs/fs.o $(LIBC_OBJS) $(LIBNET_OBJS)
	$(CC) $(ULDFLAGS) -Wl,--gc-sections -o $@ $(LIBC_OBJS) $< $(B)/user/httpd_fs.o $(B)/lib/unix/fs/fs.o $(LIBNET_OBJS)
$(B)/user/netd: $(B)/unet/netd.o $(LIBC_OBJS) $(LIBNET_OBJS)
	$(CC) $(ULDFLAGS) -Wl,--gc-sections -o $@ $(LIBC_OBJS) $< $(LIBNET_OBJS)
$(B)/unet/netd.o: user/netd.c $(LWIP_STAMP) | $(GEN)
	@mkdir -p $(dir $@)
	$(CC) $(LNET_CFLAGS) -c $< -o $@
$(B)/unet/httpd.o: user/httpd.c $(LWIP_STAMP) | $(GEN)
	@mkdir -p $(@D)
	$(CC) $(LNET_CFLAGS) -c $< -o $@
NET_PROGS := $(B)/user/t_lnet_srv $(B)/user/t_lnet_cli $(B)/user/t_http_cli $(B)/user/t_sock_srv \
             $(B)/user/t_sock_cli $(B)/user/t_dhcp_cli
$(NET_PROGS): $(B)/user/%: $(B)/user/tests/%.o $(LIBC_OBJS) $(LIBNET_OBJS)
	$(CC) $(ULDFLAGS) -Wl,--gc-sections -o $@ $(LIBC_OBJS) $< $(LIBNET_OBJS)
$(NET_PROGS:$(B)/user/%=$(B)/user/tests/%.o): $(B)/user/tests/%.o: user/tests/%.c $(LWIP_STAMP) | $(GEN)
	@mkdir -p $(@D)
	$(CC) $(LNET_CFLAGS) -c $< -o $@

EXT_PROGS := $(B)/user/t_ext $(B)/user/t_extmod $(B)/user/t_objquota_child $(B)/user/t_fuzz \
             $(B)/user/t_fuzz_child $(B)/user/t_net $(B)/user/t_net_child $(B)/user/t_net0 \
             $(B)/user/t_stat $(B)/user/t_netsrc $(B)/user/t_dhcp
$(EXT_PROGS): $(B)/user/%: $(B)/user/tests/%.o $(LIBC_OBJS) $(B)/uext/objs.o
	$(CC) $(ULDFLAGS) -o $@ $(LIBC_OBJS) $< $(B)/uext/objs.o
# The barriers' test links lib/barrier.
BARRIER_PROGS := $(B)/user/t_barrier $(B)/user/t_barrier_child $(B)/user/t_litmus
$(BARRIER_PROGS): $(B)/user/%: $(B)/user/tests/%.o $(LIBC_OBJS) $(B)/lib/barrier/barrier.o
	$(CC) $(ULDFLAGS) -o $@ $(LIBC_OBJS) $< $(B)/lib/barrier/barrier.o
# M:N threads (lib/mn) and their test.
MN_OBJS := $(B)/lib/mn/mn.o $(B)/lib/mn/switch.o $(B)/lib/barrier/barrier.o
MN_PROGS := $(B)/user/t_mn
$(MN_PROGS): $(B)/user/%: $(B)/user/tests/%.o $(LIBC_OBJS) $(MN_OBJS)
	$(CC) $(ULDFLAGS) -o $@ $(LIBC_OBJS) $< $(MN_OBJS)
# LRPC (lib/lrpc, whose idle contexts use lib/mn) and its test.
LRPC_PROGS := $(B)/user/t_lrpc $(B)/user/t_lrpc_srv
$(LRPC_PROGS): $(B)/user/%: $(B)/user/tests/%.o $(LIBC_OBJS) $(B)/lib/lrpc/lrpc.o $(MN_OBJS)
	$(CC) $(ULDFLAGS) -o $@ $(LIBC_OBJS) $< $(B)/lib/lrpc/lrpc.o $(MN_OBJS)
# The disk's tests link libblk (lib/blk).
BLK_PROGS := $(filter-out $(B)/user/t_blk_diskfs,$(patsubst user/tests/%.c,$(B)/user/%,$(wildcard user/tests/t_blk*.c)))
$(BLK_PROGS): $(B)/user/%: $(B)/user/tests/%.o $(LIBC_OBJS) $(B)/lib/blk/blk.o
	$(CC) $(ULDFLAGS) -o $@ $(LIBC_OBJS) $< $(B)/lib/blk/blk.o
# ... and the disk file system on it (lib/diskfs; libgcc for popcount).
$(B)/user/t_blk_diskfs: $(B)/user/tests/t_blk_diskfs.o $(LIBC_OBJS) $(B)/lib/blk/blk.o \
                        $(B)/lib/diskfs/diskfs.o $(B)/lib/diskfs/check.o
	$(CC) $(ULDFLAGS) -o $@ $(LIBC_OBJS) $< $(B)/lib/blk/blk.o $(B)/lib/diskfs/diskfs.o \
	    $(B)/lib/diskfs/check.o -lgcc
EXT_BIG_PROGS := $(B)/user/t_objquota $(B)/user/t_extbound
$(EXT_BIG_PROGS): $(B)/user/%: $(B)/user/tests/%.o $(LIBC_OBJS) $(B)/uext/objs.o $(B)/uext/bigobjs.o
	$(CC) $(ULDFLAGS) -o $@ $(LIBC_OBJS) $< $(B)/uext/objs.o $(B)/uext/bigobjs.o
# The disk file system in the guest (lib/diskfs on libblk).
DISKFS_OBJS := $(B)/lib/diskfs/diskfs.o $(B)/lib/diskfs/check.o $(B)/lib/diskfs/blkdev.o
$(B)/user/t_diskfs $(B)/user/t_diskzc: $(B)/user/%: $(B)/user/tests/%.o $(LIBC_OBJS) $(B)/lib/blk/blk.o \
                                         $(DISKFS_OBJS) $(B)/lib/diskfs/diskc.o
	$(CC) $(ULDFLAGS) -o $@ $(LIBC_OBJS) $< $(B)/lib/blk/blk.o $(DISKFS_OBJS) $(B)/lib/diskfs/diskc.o
# The storage benchmark's Spinel side (bench/disk.c, make bench-disk): a
# native client of diskd.
$(B)/bench/disk-spinel.o: bench/disk.c | $(GEN)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -DDISK_SPINEL -c $< -o $@
$(B)/user/bench_disk: $(B)/bench/disk-spinel.o $(B)/bench/disk_spinel.o $(LIBC_OBJS) $(B)/lib/blk/blk.o \
                      $(DISKFS_OBJS) $(B)/lib/diskfs/diskc.o
	$(CC) $(ULDFLAGS) -o $@ $(LIBC_OBJS) $(B)/bench/disk-spinel.o $(B)/bench/disk_spinel.o \
	    $(B)/lib/blk/blk.o $(DISKFS_OBJS) $(B)/lib/diskfs/diskc.o
# diskd: the disk file system as a server env (lib/diskfs/diskd.h).
$(B)/user/diskd: $(B)/user/diskd.o $(LIBC_OBJS) $(B)/lib/blk/blk.o $(DISKFS_OBJS)
	$(CC) $(ULDFLAGS) -o $@ $(LIBC_OBJS) $< $(B)/lib/blk/blk.o $(DISKFS_OBJS)

# Programs of foreign-ABI envs (kernel/upcall.c): their `syscall` is
# reflected to them, so libexo enters the kernel by the `int $0x81` gate
# (-DEXO_FOREIGN); their own copies of libc, libexo and libunix.
FCFLAGS    := $(UCFLAGS) -DEXO_FOREIGN
FLIBC_OBJS := $(LIBC_OBJS:$(B)/lib/%=$(B)/flib/%)
FLIBUNIX_OBJS := $(LIBUNIX_OBJS:$(B)/lib/%=$(B)/flib/%)
$(B)/flib/%.o: lib/%.c | $(GEN)
	@mkdir -p $(@D)
	$(CC) $(FCFLAGS) -c $< -o $@
$(B)/flib/%.o: lib/%.S | $(GEN)
	@mkdir -p $(@D)
	$(CC) $(KASFLAGS) -DEXO_FOREIGN -c $< -o $@
FOREIGN_TESTS := $(patsubst user/tests/%.c,$(B)/user/%,$(wildcard user/tests/t_foreign*.c))
$(B)/ftests/%.o: user/tests/%.c | $(GEN)
	@mkdir -p $(@D)
	$(CC) $(FCFLAGS) -c $< -o $@
$(FOREIGN_TESTS): $(B)/user/%: $(B)/ftests/%.o $(FLIBC_OBJS)
	$(CC) $(ULDFLAGS) -o $@ $(FLIBC_OBJS) $<

# The Linux personality (lib/linux): /bin/linux, linked high so that a
# Linux program's own addresses (0x400000 ...) stay free.
LINUX_OBJS := $(B)/flib/linux/main.o $(B)/flib/linux/load.o $(B)/flib/linux/sys.o $(B)/flib/linux/lock.o \
              $(B)/flib/linux/entry.o $(B)/flib/linux/net.o
$(B)/user/linux: $(LINUX_OBJS) $(FLIBC_OBJS) $(FLIBUNIX_OBJS)
	$(CC) $(ULDFLAGS) -Wl,-Ttext-segment=0x70000000 -o $@ $(FLIBC_OBJS) $(FLIBUNIX_OBJS) $(LINUX_OBJS)
UPROGS += $(B)/user/linux
$(B)/user/t_linux: $(B)/user/tests/t_linux.o $(LIBC_OBJS) $(LIBUNIX_OBJS)
	$(CC) $(ULDFLAGS) -o $@ $(LIBC_OBJS) $(LIBUNIX_OBJS) $<

# Debian's busybox-static, downloaded at build time (never committed) into
# the boot image as /bin/busybox (tools/linux/fetch-debs.sh).
BUSYBOX := $(B)/linux/pkg/busybox-static/bin/busybox
$(BUSYBOX):
	@B=$(B) tools/linux/fetch-debs.sh busybox-static >/dev/null
# Linux programs written here (user/lxbin): built by the host's gcc as
# static Linux executables (no C library), run by the personality.
LX_PROGS := $(patsubst user/lxbin/%.c,$(B)/linux/bin/%,$(wildcard user/lxbin/*.c))
$(B)/linux/bin/%: user/lxbin/%.c
	@mkdir -p $(@D)
	$(CC) -static -nostdlib -O2 -fno-pie -no-pie -fno-stack-protector $(WARN) -o $@ $<
LINUX_BINS := $(BUSYBOX) $(LX_PROGS)

$(B)/initrd.cpio: $(UPROGS) $(LINUX_BINS) user/tests.manifest $(SCRIPTS)
	@tools/need.sh cpio:cpio
	@rm -rf $(B)/initrd && mkdir -p $(B)/initrd
	cp $(UPROGS) $(B)/initrd/
	strip --strip-debug $(addprefix $(B)/initrd/,$(notdir $(UPROGS)))
	cp $(B)/initrd/sh $(B)/initrd/spsh  # (Spinel's shell by a name busybox's sh leaves alone)
	cp $(LINUX_BINS) $(B)/initrd/
	cp user/tests.manifest $(B)/initrd/tests
	$(if $(SCRIPTS),cp $(SCRIPTS) $(B)/initrd/)
	cd $(B)/initrd && ls | LC_ALL=C sort | cpio --quiet -o -H newc > ../initrd.cpio

# ---- the Linux test corpus (tests/linux, docs/testing.md) ----
# The boot image of make test-linux: the ordinary one (less the test
# programs, for room in the file system), plus Debian's
# busybox-static (/bin/busybox), the corpus under /bin/linux-corpus/ (its
# manifest with the recorded exit statuses, the scripts, the recorded
# outputs, the C programs built for musl and glibc), and a kernel test manifest that runs only the runner.
# (c and dyn do not fit together in the 16 MiB file system: the glibc
# programs of c take 4.2 MiB, dyn's root 5.6 MiB; run dyn in its own boot,
# as make test does with LINUX_GROUPS="sh sash bash dyn".)
LINUX_GROUPS    ?= sh bash sash c
LINUX_CASES := $(wildcard $(foreach g,$(LINUX_GROUPS),tests/linux/$(g)/*))
LINUX_TEST_SECS ?= 3000
LINUX_KEEP      := t_smap_ac t_nmi t_slots_good t_slots_bad t_ext t_pct_server
# A file of cases to leave out (NAME first on a line; make test gives
# tests/linux/known-failures): none by default.
LINUX_SKIP      ?=
LINUX_MEM       ?= 512M
LINUX_QEMU      := $(QEMU) $(QEMU_ACCEL) -m $(LINUX_MEM) -smp $(SMP) -no-reboot \
                   -kernel $(B)/spinel.bin -initrd $(B)/initrd-linux.cpio \
                   -device isa-debug-exit,iobase=0xf4,iosize=0x04
$(B)/initrd-linux.cpio: $(B)/initrd.cpio $(LINUX_CASES) tools/linux/cases.sh tools/linux/build-c.sh \
                        tools/linux/fetch-debs.sh tools/linux/dynroot.sh FORCE
	$(if $(and $(filter c,$(LINUX_GROUPS)),$(filter dyn,$(LINUX_GROUPS))),\
	  $(error LINUX_GROUPS: c and dyn do not fit together in the file system; boot them apart))
	@rm -rf $(B)/initrd-linux && cp -r $(B)/initrd $(B)/initrd-linux
	@# (room in the file system: no test programs but those the kernel's unit tests run)
	cd $(B)/initrd-linux && rm -f t_* bench* && cp $(addprefix ../initrd/,$(LINUX_KEEP)) .
	cp "$$(tools/linux/fetch-debs.sh busybox-static)/bin/busybox" $(B)/initrd-linux/busybox
	$(if $(filter bash,$(LINUX_GROUPS)),cp "$$(tools/linux/fetch-debs.sh bash-static)/bin/bash-static" $(B)/initrd-linux/)
	$(if $(filter sash,$(LINUX_GROUPS)),cp "$$(tools/linux/fetch-debs.sh sash)/bin/sash" $(B)/initrd-linux/)
	@d=$(B)/initrd-linux/linux-corpus && mkdir -p $$d && \
	 for g in $(filter-out c,$(LINUX_GROUPS)); do mkdir -p $$d/$$g && cp tests/linux/$$g/* $$d/$$g/ && rm -f $$d/$$g/*.status; done
	$(if $(filter c,$(LINUX_GROUPS)),c=$$(tools/linux/build-c.sh) && d=$(B)/initrd-linux/linux-corpus/c && \
	 mkdir -p $$d && cp tests/linux/c/*.out $$d/ && cp -r $$c/musl $$c/glibc $$d/)
	@# (group dyn: the root of lua5.4, sqlite3 and their libraries, which the personality moves to /)
	$(if $(filter dyn,$(LINUX_GROUPS)),r=$$(tools/linux/dynroot.sh) && cp -r $$r $(B)/initrd-linux/linux-root && \
	 rm -f $(B)/initrd-linux/linux-corpus/dyn/*.c)
	tools/linux/cases.sh $(LINUX_GROUPS) | awk -v skipfile="$(LINUX_SKIP)" \
	    'BEGIN { while (skipfile != "" && (getline l < skipfile) > 0) { split(l, w, " "); if (w[1] !~ /^#/) skip[w[1]] = 1 } } \
	     !($$1 in skip)' > $(B)/initrd-linux/linux-corpus/manifest
	@# (t_ext: the kernel's final check wants an extension to have been loaded)
	printf 't_ext  exit:0\nlinuxtests  exit:0  $(LINUX_TEST_SECS)  256\n' > $(B)/initrd-linux/tests
	cd $(B)/initrd-linux && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort | cpio --quiet -o -H newc > ../initrd-linux.cpio

# Boots Spinel with that image and runs every case (not part of make test
# until the Linux personality runs them): one PASS/FAIL line per case.
# LINUX_GROUPS="sh c" (say) builds the image with those groups only;
# LINUX_SKIP=FILE leaves out the cases FILE names.
test-linux: deps all $(B)/initrd-linux.cpio
	@rm -f $(B)/test-linux-disk.img && truncate -s 64M $(B)/test-linux-disk.img
	@tools/linux/test-linux.sh "$(LINUX_QEMU) $(call qemu_disk,$(B)/test-linux-disk.img) $(QEMU_NET) -display none -serial stdio -append test"
FORCE:

# Records the corpus's expected results on this Linux host (root: a chroot).
linux-record:
	tools/linux/record.sh
linux-record-check:
	tools/linux/record.sh --check

# ---- running ----
run: deps all $(DISK_IMG)
	@tools/linux/run-disk.sh $(DISK_IMG) # (Debian's lua5.4 and sqlite3 on the disk, once)
	@echo "Booting Spinel under QEMU ($(ACCEL)). Ctrl-A X quits."
	@echo "The web server answers at http://localhost:$(HTTP_PORT)/ (curl http://localhost:$(HTTP_PORT)/)."
	$(QEMU_BASE) $(call qemu_disk,$(DISK_IMG)) $(QEMU_NET_RUN) -nographic -append ""; true

# Made once; never overwritten (it holds what make run wrote).
$(DISK_IMG):
	@mkdir -p $(@D)
	truncate -s $(DISK_SIZE) $@

test: deps all
	@rm -f $(TEST_DISK) && truncate -s 64M $(TEST_DISK)
	@TEST_DISK=$(TEST_DISK) tools/run-tests.sh "$(QEMU_BASE) $(call qemu_disk,$(TEST_DISK)) $(QEMU_NET) -display none -serial stdio -append test"

# Crash consistency of lib/diskfs, longer than make test's short runs: on
# the host, a workload cut at CRASHPOINTS random block writes, the unflushed
# ones dropped or reordered; then in the guest on the virtio disk, the
# machine stopped by the kernel's crash point at CRASHPOINTS random block
# writes, each followed by the host's fsck and a second boot that checks
# what fsync acknowledged (lib/diskfs/README.md).
CRASHPOINTS ?= 300
SEED ?= 1
test-crash: deps all
	$(MAKE) -C lib/diskfs all test-crash CRASHPOINTS=$(CRASHPOINTS) SEED=$(SEED)
	tools/diskfs-crash.sh $(CRASHPOINTS) $(SEED) "$(QEMU_BASE) $(call qemu_disk,$(B)/diskfs-crash.img) -display none -serial stdio"

# The kernel-call fuzzer, longer than make test's run (docs/testing.md):
#   make fuzz-kernel SEEDS="1 2 3" CALLS=100000 [FLAGS=15] [MINIMIZE=40] [OPS=...]
# (with a scratch disk of its own, so that the block calls reach a device)
fuzz-kernel: deps all
	@rm -f $(B)/fuzz-disk.img && truncate -s 64M $(B)/fuzz-disk.img
	@SEEDS="$(SEEDS)" CALLS="$(CALLS)" FLAGS="$(FLAGS)" MINIMIZE="$(MINIMIZE)" OPS="$(OPS)" TRACEFROM="$(TRACEFROM)" \
	 tools/fuzz-kernel.sh "$(QEMU_BASE) $(call qemu_disk,$(B)/fuzz-disk.img) -display none -serial stdio"

iso: $(B)/spinel.iso
$(B)/spinel.iso: $(B)/spinel.bin $(B)/initrd.cpio tools/grub.cfg
	@tools/need.sh grub-mkrescue:grub-common /usr/lib/grub/i386-pc/multiboot.mod:grub-pc-bin xorriso:xorriso mformat:mtools
	rm -rf $(B)/iso && mkdir -p $(B)/iso/boot/grub
	cp $(B)/spinel.bin $(B)/initrd.cpio $(B)/iso/boot/
	cp tools/grub.cfg $(B)/iso/boot/grub/grub.cfg
	grub-mkrescue -o $@ $(B)/iso 2>/dev/null

test-iso: $(B)/spinel.iso
	tools/test-iso.sh

qemu-gdb: deps all
	@echo "target remote localhost:$(GDBPORT)" > $(B)/gdbport
	@echo "QEMU waits for gdb on port $(GDBPORT): run 'gdb' in this directory (see .gdbinit)."
	$(QEMU_BASE) -nographic -append "" -S -gdb tcp::$(GDBPORT)

# The benchmark suite on Spinel alone, deterministic (icount); make bench
# runs it next to Linux.
# tools/bench/run.sh exports the same settings it uses for Linux.
BENCH_QEMU_ACCEL ?= -accel tcg -icount shift=0,sleep=off -cpu qemu64
BENCH_QEMU_MEM   ?= 512M
BENCH_QEMU_RTC   ?= base=2025-01-01T00:00:00,clock=vm
BENCH_QEMU := $(QEMU) $(BENCH_QEMU_ACCEL) -m $(BENCH_QEMU_MEM) -rtc $(BENCH_QEMU_RTC) -smp 1 \
              -no-reboot -kernel $(B)/spinel.bin -initrd $(B)/initrd.cpio \
              -device isa-debug-exit,iobase=0xf4,iosize=0x04 -display none -serial stdio
run-bench: deps all
	@timeout 600 $(BENCH_QEMU) -append bench < /dev/null; test $$? = 1

# The Spinel-Linux column: the suite's Linux build (the static binary that
# tools/bench/run.sh boots on Linux, with its /bin/exit0 and busybox) run
# unmodified under the Linux personality; user/lxbench.c starts it.
BENCH_LINUX_DIR ?= $(B)/bench
$(B)/user/lxbench: $(B)/user/lxbench.o $(LIBC_OBJS) $(LIBUNIX_OBJS)
	$(CC) $(ULDFLAGS) -o $@ $(LIBC_OBJS) $(LIBUNIX_OBJS) $<
$(B)/initrd-lxbench.cpio: $(B)/initrd.cpio $(B)/user/lxbench FORCE
	@test -x $(BENCH_LINUX_DIR)/bench-linux || { echo "no $(BENCH_LINUX_DIR)/bench-linux: make bench builds it"; exit 1; }
	@rm -rf $(B)/initrd-lxbench && cp -r $(B)/initrd $(B)/initrd-lxbench
	@cd $(B)/initrd-lxbench && rm -f t_* bench*
	@# (as init: the first program named init gets most of the memory, as on Linux)
	cp $(B)/user/lxbench $(B)/initrd-lxbench/init
	cp $(BENCH_LINUX_DIR)/bench-linux $(BENCH_LINUX_DIR)/exit0 $(B)/initrd-lxbench/
	cd $(B)/initrd-lxbench && ls | LC_ALL=C sort | cpio --quiet -o -H newc > ../initrd-lxbench.cpio
run-bench-linux: deps all $(B)/initrd-lxbench.cpio
	@timeout 600 $(subst $(B)/initrd.cpio,$(B)/initrd-lxbench.cpio,$(BENCH_QEMU)) -append "" < /dev/null; test $$? = 1

# An ordinary boot under the bench settings, for the boot row: run.sh adds
# the cost-model plugin, which ends QEMU at the shell's first prompt.
run-boot: deps all
	@timeout 600 $(BENCH_QEMU) -append "" < /dev/null

bench: deps all
	SPINEL_BENCH_CMD="make -s run-bench" SPINEL_BOOT_CMD="make -s run-boot" SPINEL_LINUX_CMD="make -s run-bench-linux" \
	    tools/bench/run.sh $(BENCH_ARGS)
	tools/bench/disk.sh
	tools/bench/smp.sh || echo "make bench: the scalability table (tools/bench/smp.sh) did not finish; see build/bench/smp-*.log"

# The scalability table alone: Spinel and Linux with -smp 1, 2 and 4, under
# -icount and under multi-threaded TCG (tools/bench/smp.sh,
# user/bench/bench_smp.c, bench/smp_linux.c).
bench-smp: deps all
	tools/bench/smp.sh

# The litmus tests (SB, MP, LB) LITMUS_RUNS times each (default two
# million) on two of Spinel's CPUs (user/bench/litmus_smp.c), under
# multi-threaded TCG: LITMUS_SMP CPUs (default 2; the last two run the
# tests). Prints the count of every outcome. LITMUS_ACCEL='-accel
# tcg,thread=single' runs them under single-threaded TCG, which interleaves
# the vCPUs and can never show store buffering. (make test runs t_litmus,
# the same program with 20,000 runs.)
LITMUS_SMP ?= 2
LITMUS_RUNS ?= 2000000
LITMUS_ACCEL ?= -accel tcg,thread=multi -cpu max
$(B)/litmus-runs: FORCE
	@mkdir -p $(@D); echo $(LITMUS_RUNS) | cmp -s - $@ || echo $(LITMUS_RUNS) > $@
$(B)/ubench/litmus_smp.o: user/bench/litmus_smp.c $(B)/litmus-runs | $(GEN)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -DLITMUS_RUNS=$(LITMUS_RUNS)UL -c $< -o $@
litmus-smp: deps all
	@timeout 14400 $(QEMU) $(LITMUS_ACCEL) -m $(MEM) -smp $(LITMUS_SMP) -no-reboot \
	    -kernel $(B)/spinel.bin -initrd $(B)/initrd.cpio -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	    -display none -serial stdio -append init=litmus_smp < /dev/null | tee $(B)/litmus-smp.log
	@grep -aq '^litmus: 4 passed, 0 failed' $(B)/litmus-smp.log

# Every barrier algorithm of lib/barrier (t_barrier: four envs, one per CPU)
# and lib/mn's pthread_barrier_* over each of them (t_mn: eight strands on
# four VPs) BARRIER_EPISODES times (default 100,000) on BARRIER_SMP CPUs
# (default 4), each episode checked for a thread that passed early; under
# -icount by default (BARRIER_ACCEL), t_mn under multi-threaded TCG
# (MN_BARRIER_ACCEL: under -icount at four CPUs it stalls after its
# barriers, docs/design.md). make test runs the same programs with 200
# episodes.
BARRIER_SMP ?= 4
BARRIER_EPISODES ?= 100000
BARRIER_ACCEL ?= -accel tcg -icount shift=0,sleep=off -cpu max
MN_BARRIER_ACCEL ?= -accel tcg,thread=multi -cpu max
$(B)/barrier-episodes: FORCE
	@mkdir -p $(@D); echo $(BARRIER_EPISODES) | cmp -s - $@ || echo $(BARRIER_EPISODES) > $@
$(B)/user/tests/barrier_smp.o: user/tests/t_barrier.c $(B)/barrier-episodes | $(GEN)
	$(CC) $(UCFLAGS) -DBT_EPISODES=$(BARRIER_EPISODES) -c $< -o $@
$(B)/user/tests/mn_barrier_smp.o: user/tests/t_mn.c $(B)/barrier-episodes | $(GEN)
	$(CC) $(UCFLAGS) -DMN_BAR_EPISODES=$(BARRIER_EPISODES) -c $< -o $@
$(B)/user/barrier_smp: $(B)/user/tests/barrier_smp.o $(LIBC_OBJS) $(B)/lib/barrier/barrier.o
	$(CC) $(ULDFLAGS) -o $@ $(LIBC_OBJS) $< $(B)/lib/barrier/barrier.o
$(B)/user/mn_barrier_smp: $(B)/user/tests/mn_barrier_smp.o $(LIBC_OBJS) $(MN_OBJS)
	$(CC) $(ULDFLAGS) -o $@ $(LIBC_OBJS) $< $(MN_OBJS)
barrier-smp: deps all
	@for p in barrier_smp mn_barrier_smp; do \
	    accel="$(BARRIER_ACCEL)"; [ $$p = barrier_smp ] || accel="$(MN_BARRIER_ACCEL)"; \
	    timeout 14400 $(QEMU) $$accel -m $(MEM) -smp $(BARRIER_SMP) -no-reboot \
	        -kernel $(B)/spinel.bin -initrd $(B)/initrd.cpio -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	        -display none -serial stdio -append init=$$p < /dev/null | tee $(B)/$$p.log; \
	    grep -aq "^$$p stopped: exit 0" $(B)/$$p.log || { echo "barrier-smp: $$p failed"; exit 1; }; \
	done

# The storage benchmark alone: the same file workload on Spinel's diskd and
# on Linux's ext4, each on a fresh virtio disk (tools/bench/disk.sh).
bench-disk: deps all
	tools/bench/disk.sh

# The web servers under the same HTTP load from the host (ab): Spinel's
# httpd against busybox httpd on Debian's Linux, same QEMU (tools/bench/net.sh).
bench-net: deps all
	tools/bench/net.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(B)

-include $(shell find $(B)/kernel $(B)/lib $(B)/user $(B)/ubench $(B)/bench $(B)/ush $(B)/unet $(B)/flib $(B)/ftests $(B)/ulinuxtests -type f -name '*.d' 2>/dev/null)
