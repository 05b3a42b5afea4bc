/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Real KVM VMs for the in-guest programs on x86: VMs with a memory slot of
 * real-mode guest code that makes a chosen number of port I/O exits, MMIO exits
 * and HLTs, and their vCPUs. Reading KVM's binary stats fds is in kvm_stats.h.
 */
#ifndef STATSFS_GUEST_KVM_UTIL_H
#define STATSFS_GUEST_KVM_UTIL_H

#include <errno.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm_stats.h"

#define MAX_VCPUS 4
#define GUEST_CODE_GPA 0x1000
#define MMIO_GPA 0x8000
#define IO_PORT 0x10
#define DONE_PORT 0x11

/*
 * Real mode, at GUEST_CODE_GPA: BX port writes, DX MMIO writes, SI HLTs, then
 * a write to DONE_PORT, forever.
 *
 *	mov cx, bx; jcxz 1f; 0: out 0x10, al; loop 0b
 *	1: mov cx, dx; jcxz 1f; 0: mov [0x8000], al; loop 0b
 *	1: mov cx, si; jcxz 1f; 0: hlt; loop 0b
 *	1: out 0x11, al; jmp 1b
 */
static const uint8_t guest_code[] = {
	0x89, 0xd9, 0xe3, 0x04, 0xe6, IO_PORT, 0xe2, 0xfc,
	0x89, 0xd1, 0xe3, 0x05, 0xa2, 0x00, 0x80, 0xe2, 0xfb,
	0x89, 0xf1, 0xe3, 0x03, 0xf4, 0xe2, 0xfd,
	0xe6, DONE_PORT, 0xeb, 0xfc,
};

struct vcpu {
	int fd;
	int id;
	struct kvm_run *run;
	int n_io, n_mmio, n_hlt;	/* what its guest code does */
	int seen_io, seen_mmio, seen_hlt;
};

struct vm {
	int fd;
	char name[32];		/* <pid>-<fd>, as KVM names its debugfs directory */
	bool irqchip;
	int nr_vcpus;
	struct vcpu vcpu[MAX_VCPUS];
	void *mem;
};

static int kvm_fd;
static int run_size;

static inline int vcpu_stats(struct vcpu *v, struct stats *s)
{
	return stats_of(v->fd, s);
}

static inline int vm_stats(struct vm *vm, struct stats *s)
{
	return stats_of(vm->fd, s);
}

/* The value of statistic @name in the stats fd of @vm's vCPU @j (or the VM if -1). */
static inline uint64_t fd_value(struct vm *vm, int j, const char *name, unsigned int bucket)
{
	struct stats s;
	uint64_t v = UINT64_MAX;
	unsigned int k;

	if (j < 0 ? vm_stats(vm, &s) : vcpu_stats(&vm->vcpu[j], &s))
		return v;
	for (k = 0; k < s.h.num_desc; k++)
		if (!strcmp(stats_desc(&s, k)->name, name))
			v = stats_data(&s, stats_desc(&s, k))[bucket];
	stats_free(&s);
	return v;
}

static inline int create_vcpu(struct vm *vm, int id)
{
	struct vcpu *v = &vm->vcpu[vm->nr_vcpus];
	struct kvm_sregs sregs;

	v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, id);
	if (v->fd < 0)
		return -errno;
	v->id = id;
	v->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED)
		return -errno;
	if (ioctl(v->fd, KVM_GET_SREGS, &sregs))
		return -errno;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs))
		return -errno;
	vm->nr_vcpus++;
	return 0;
}

/* Loads the guest code's counts into @v's registers and points it at the code. */
static inline int program_vcpu(struct vcpu *v, int n_io, int n_mmio, int n_hlt)
{
	struct kvm_regs regs = {
		.rip = GUEST_CODE_GPA,
		.rflags = 2,
		.rbx = n_io,
		.rdx = n_mmio,
		.rsi = n_hlt,
	};

	v->n_io = n_io;
	v->n_mmio = n_mmio;
	v->n_hlt = n_hlt;
	return ioctl(v->fd, KVM_SET_REGS, &regs) ? -errno : 0;
}

static inline int create_vm(struct vm *vm, bool irqchip, int nr_vcpus)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = GUEST_CODE_GPA,
		.memory_size = 4096,
	};
	int i, r;

	memset(vm, 0, sizeof(*vm));
	vm->fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		return -errno;
	snprintf(vm->name, sizeof(vm->name), "%d-%d", getpid(), vm->fd);
	vm->irqchip = irqchip;
	vm->mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (vm->mem == MAP_FAILED)
		return -errno;
	memcpy(vm->mem, guest_code, sizeof(guest_code));
	region.userspace_addr = (uintptr_t)vm->mem;
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region))
		return -errno;
	/* A split irqchip: the local APICs in the kernel, the rest (none) outside. */
	if (irqchip) {
		struct kvm_enable_cap cap = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args = { 24 } };

		if (ioctl(vm->fd, KVM_ENABLE_CAP, &cap))
			return -errno;
	}
	for (i = 0; i < nr_vcpus; i++) {
		r = create_vcpu(vm, i);
		if (r)
			return r;
	}
	return 0;
}

static inline void destroy_vm(struct vm *vm)
{
	int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		munmap(vm->vcpu[i].run, run_size);
		close(vm->vcpu[i].fd);
	}
	if (vm->mem && vm->mem != MAP_FAILED)
		munmap(vm->mem, 4096);
	close(vm->fd);
	vm->nr_vcpus = 0;
	vm->fd = -1;
}

/*
 * Runs @v until its guest code reaches DONE_PORT, counting the exits; with no
 * in-kernel irqchip, HLT exits to userspace. Returns 0 or a description.
 */
static inline const char *run_to_done(struct vcpu *v)
{
	int guard;

	for (guard = 0; guard < 100000; guard++) {
		if (ioctl(v->fd, KVM_RUN, NULL))
			return "KVM_RUN failed";
		switch (v->run->exit_reason) {
		case KVM_EXIT_IO:
			if (v->run->io.port == DONE_PORT)
				return NULL;
			if (v->run->io.port != IO_PORT)
				return "I/O to an unexpected port";
			v->seen_io++;
			break;
		case KVM_EXIT_MMIO:
			if (v->run->mmio.phys_addr != MMIO_GPA)
				return "MMIO at an unexpected address";
			v->seen_mmio++;
			break;
		case KVM_EXIT_HLT:
			v->seen_hlt++;
			break;
		case KVM_EXIT_INTR:
			break;
		default:
			return "unexpected exit reason";
		}
	}
	return "the guest never finished";
}

#endif /* STATSFS_GUEST_KVM_UTIL_H */
