/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Real KVM VMs for the in-guest programs on x86: VMs with a memory slot of
 * real-mode guest code that makes a chosen number of port I/O exits, MMIO exits
 * and HLTs, and their vCPUs (kvm_vm.h). Reading KVM's binary stats fds is in
 * kvm_stats.h.
 */
#ifndef STATSFS_GUEST_KVM_UTIL_H
#define STATSFS_GUEST_KVM_UTIL_H

/* What the guest code does (program_vcpu()), and what a run saw (run_to_done()). */
#define VCPU_ARCH_FIELDS \
	int n_io, n_mmio, n_hlt; \
	int seen_io, seen_mmio, seen_hlt;
#define VM_ARCH_FIELDS bool irqchip;
#include "kvm_vm.h"

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

/* Real mode, CS at 0: the guest code runs at GUEST_CODE_GPA. */
static inline int vcpu_arch_init(struct vm *vm, struct vcpu *v)
{
	struct kvm_sregs sregs;

	(void)vm;
	if (ioctl(v->fd, KVM_GET_SREGS, &sregs))
		return -errno;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	return ioctl(v->fd, KVM_SET_SREGS, &sregs) ? -errno : 0;
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

/* A VM with the guest code, a split irqchip if @irqchip, and @nr_vcpus vCPUs. */
static inline int create_vm(struct vm *vm, bool irqchip, int nr_vcpus)
{
	int r = create_vm_with_code(vm, GUEST_CODE_GPA, guest_code, sizeof(guest_code));

	if (r)
		return r;
	vm->irqchip = irqchip;
	/* A split irqchip: the local APICs in the kernel, the rest (none) outside. */
	if (irqchip) {
		struct kvm_enable_cap cap = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args = { 24 } };

		if (ioctl(vm->fd, KVM_ENABLE_CAP, &cap))
			return -errno;
	}
	return create_vcpus(vm, nr_vcpus);
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
