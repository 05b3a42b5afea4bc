/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Real KVM VMs for the in-guest programs, whatever the architecture: a VM with
 * one memory slot holding the guest code, its vCPUs with their run areas, their
 * stats fds, and destroying it all. kvm_util.h (x86) and kvm_util_arm64.h say
 * what differs: the guest code and where it lives, what a vCPU needs once
 * created, the registers that program it, the exits that end its run.
 *
 * The includer defines VCPU_ARCH_FIELDS and VM_ARCH_FIELDS (members of its
 * own in struct vcpu and struct vm) before including this file, and defines
 * vcpu_arch_init() after it.
 */
#ifndef STATSFS_GUEST_KVM_VM_H
#define STATSFS_GUEST_KVM_VM_H

#include <errno.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm_stats.h"

#define MAX_VCPUS 4

struct vcpu {
	int fd;
	int id;
	struct kvm_run *run;
	VCPU_ARCH_FIELDS
};

struct vm {
	int fd;
	char name[32];		/* <pid>-<fd>, as KVM names its debugfs directory */
	int nr_vcpus;
	struct vcpu vcpu[MAX_VCPUS];
	void *mem;
	size_t mem_size;
	VM_ARCH_FIELDS
};

static int kvm_fd;
static int run_size;

/* What vCPU @v of @vm needs once created (registers, KVM_ARM_VCPU_INIT): 0 or -errno. */
static inline int vcpu_arch_init(struct vm *vm, struct vcpu *v);

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

/* Adds vCPU @id to @vm: 0 or -errno. */
static inline int create_vcpu(struct vm *vm, int id)
{
	struct vcpu *v = &vm->vcpu[vm->nr_vcpus];
	int r;

	v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, id);
	if (v->fd < 0)
		return -errno;
	v->id = id;
	v->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED)
		return -errno;
	r = vcpu_arch_init(vm, v);
	if (r)
		return r;
	vm->nr_vcpus++;
	return 0;
}

/* Adds vCPUs 0 to @nr_vcpus - 1 to @vm: 0 or -errno. */
static inline int create_vcpus(struct vm *vm, int nr_vcpus)
{
	int i, r;

	for (i = 0; i < nr_vcpus; i++) {
		r = create_vcpu(vm, i);
		if (r)
			return r;
	}
	return 0;
}

/*
 * Creates @vm (zeroed first) with one page of memory at guest address @gpa
 * holding @size bytes of @code, and no vCPU: 0 or -errno. destroy_vm()
 * undoes it, also after a failure.
 */
static inline int create_vm_with_code(struct vm *vm, uint64_t gpa, const void *code,
				      size_t size)
{
	struct kvm_userspace_memory_region region = { .slot = 0, .guest_phys_addr = gpa };

	memset(vm, 0, sizeof(*vm));
	vm->fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		return -errno;
	snprintf(vm->name, sizeof(vm->name), "%d-%d", getpid(), vm->fd);
	vm->mem_size = sysconf(_SC_PAGESIZE);
	vm->mem = mmap(NULL, vm->mem_size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (vm->mem == MAP_FAILED)
		return -errno;
	memcpy(vm->mem, code, size);
	region.memory_size = vm->mem_size;
	region.userspace_addr = (uintptr_t)vm->mem;
	return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region) ? -errno : 0;
}

static inline void destroy_vm(struct vm *vm)
{
	int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		munmap(vm->vcpu[i].run, run_size);
		close(vm->vcpu[i].fd);
	}
	if (vm->mem && vm->mem != MAP_FAILED)
		munmap(vm->mem, vm->mem_size);
	close(vm->fd);
	vm->nr_vcpus = 0;
	vm->fd = -1;
}

#endif /* STATSFS_GUEST_KVM_VM_H */
