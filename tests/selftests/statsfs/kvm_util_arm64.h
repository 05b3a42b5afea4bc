/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Real KVM VMs for the in-guest programs on arm64: VMs with a memory slot of
 * AArch64 code that makes a chosen number of MMIO exits (stores outside any
 * memory slot), HVCs (SMCCC_VERSION, which KVM answers itself) and WFIs,
 * and their vCPUs, initialised as KVM_ARM_PREFERRED_TARGET says; what does
 * not depend on the architecture is kvm_vm.h's, as on x86.
 */
#ifndef STATSFS_GUEST_KVM_UTIL_ARM64_H
#define STATSFS_GUEST_KVM_UTIL_ARM64_H

/* What the guest code does (program_vcpu()), and what a run saw (run_to_done()). */
#define VCPU_ARCH_FIELDS \
	int n_mmio, n_hvc, n_wfi; \
	int seen_mmio;
#define VM_ARCH_FIELDS
#include "kvm_vm.h"

#define GUEST_CODE_GPA 0x10000
#define MMIO_GPA 0x100000
#define DONE_GPA 0x100008

/*
 * At GUEST_CODE_GPA, with the MMU off: x19 stores to MMIO_GPA (x22), x20 HVCs
 * calling SMCCC_VERSION, x21 WFIs, then a store to DONE_GPA (x23), forever.
 * The HVC clobbers x0-x3 (SMCCC), so the counts live in x19-x21.
 */
extern const uint8_t guest_code[], guest_code_end[];
asm(".pushsection .rodata\n"
	".balign 4\n"
	".global guest_code\n"
	"guest_code:\n"
	"0:	cbz	x19, 1f\n"
	"	str	x19, [x22]\n"
	"	sub	x19, x19, #1\n"
	"	b	0b\n"
	"1:	cbz	x20, 2f\n"
	"	mov	x0, #0x80000000\n"		/* SMCCC_VERSION */
	"	hvc	#0\n"
	"	sub	x20, x20, #1\n"
	"	b	1b\n"
	"2:	cbz	x21, 3f\n"
	"	wfi\n"
	"	sub	x21, x21, #1\n"
	"	b	2b\n"
	"3:	str	xzr, [x23]\n"
	"	b	3b\n"
	".global guest_code_end\n"
	"guest_code_end:\n"
	".popsection\n");

/* The KVM_{GET,SET}_ONE_REG id of core register @off (a struct kvm_regs offset). */
#define CORE_REG(off) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
		       ((off) / sizeof(__u32)))
#define CORE_X(n) CORE_REG(offsetof(struct kvm_regs, regs.regs[n]))
#define CORE_PC CORE_REG(offsetof(struct kvm_regs, regs.pc))

static inline int set_reg(struct vcpu *v, uint64_t id, uint64_t value)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)&value };

	return ioctl(v->fd, KVM_SET_ONE_REG, &reg) ? -errno : 0;
}

/* Initialised as KVM_ARM_PREFERRED_TARGET says. */
static inline int vcpu_arch_init(struct vm *vm, struct vcpu *v)
{
	struct kvm_vcpu_init init;

	memset(&init, 0, sizeof(init));
	if (ioctl(vm->fd, KVM_ARM_PREFERRED_TARGET, &init))
		return -errno;
	return ioctl(v->fd, KVM_ARM_VCPU_INIT, &init) ? -errno : 0;
}

/* Loads the guest code's counts into @v's registers and points it at the code. */
static inline int program_vcpu(struct vcpu *v, int n_mmio, int n_hvc, int n_wfi)
{
	int r;

	v->n_mmio = n_mmio;
	v->n_hvc = n_hvc;
	v->n_wfi = n_wfi;
	r = set_reg(v, CORE_X(19), n_mmio);
	if (!r)
		r = set_reg(v, CORE_X(20), n_hvc);
	if (!r)
		r = set_reg(v, CORE_X(21), n_wfi);
	if (!r)
		r = set_reg(v, CORE_X(22), MMIO_GPA);
	if (!r)
		r = set_reg(v, CORE_X(23), DONE_GPA);
	if (!r)
		r = set_reg(v, CORE_PC, GUEST_CODE_GPA);
	return r;
}

/* A VM with the guest code and @nr_vcpus vCPUs. */
static inline int create_vm(struct vm *vm, int nr_vcpus)
{
	int r = create_vm_with_code(vm, GUEST_CODE_GPA, guest_code,
				    guest_code_end - guest_code);

	return r ? r : create_vcpus(vm, nr_vcpus);
}

/*
 * Runs @v until its guest code stores to DONE_GPA, counting the MMIO exits;
 * KVM_RUN interrupted by a signal (a WFI waiting in the kernel) is run again.
 * Returns NULL or a description of what went wrong.
 */
static inline const char *run_to_done(struct vcpu *v)
{
	int guard;

	for (guard = 0; guard < 100000; guard++) {
		if (ioctl(v->fd, KVM_RUN, NULL)) {
			if (errno == EINTR)
				continue;
			return "KVM_RUN failed";
		}
		switch (v->run->exit_reason) {
		case KVM_EXIT_MMIO:
			if (!v->run->mmio.is_write)
				return "an MMIO read";
			if (v->run->mmio.phys_addr == DONE_GPA)
				return NULL;
			if (v->run->mmio.phys_addr != MMIO_GPA)
				return "MMIO at an unexpected address";
			v->seen_mmio++;
			break;
		case KVM_EXIT_INTR:
			break;
		default:
			fprintf(stderr, "# exit reason %u\n", v->run->exit_reason);
			return "unexpected exit reason";
		}
	}
	return "the guest never finished";
}

#endif /* STATSFS_GUEST_KVM_UTIL_ARM64_H */
