// SPDX-License-Identifier: GPL-2.0
/*
 * A KVM workload for `make demo`: kvm-workload VMS VCPUS SECONDS creates VMS
 * VMs of VCPUS vCPUs and runs each vCPU in a thread of its own for SECONDS,
 * over and over through the guest code of kvm_util.h (port I/O, MMIO and HLT
 * exits, in proportions that differ between vCPUs), then exits. With two VMs
 * or more, the first has its local APICs in the kernel: its vCPUs halt there,
 * and a signal every 20 ms wakes them, which fills the halt histograms.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "kvm_util.h"

static double deadline;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void wake(int sig)
{
	(void)sig;
}

/* A vCPU that halts in the kernel: each signal ends one wait. */
static void *run_halting_vcpu(void *arg)
{
	struct vcpu *v = arg;

	if (program_vcpu(v, 2, 0, 1))
		return NULL;
	while (now() < deadline)
		if (ioctl(v->fd, KVM_RUN, NULL) && errno != EINTR)
			break;
	return NULL;
}

static void *run_vcpu(void *arg)
{
	struct vcpu *v = arg;
	int round = 0;

	while (now() < deadline) {
		if (program_vcpu(v, 5 + v->id * 3, 1 + v->id, 1 + round % 2) ||
		    run_to_done(v))
			break;
		round++;
		usleep(1000);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int nr_vms = argc > 1 ? atoi(argv[1]) : 2;
	int nr_vcpus = argc > 2 ? atoi(argv[2]) : 2;
	int seconds = argc > 3 ? atoi(argv[3]) : 10;
	pthread_t threads[64 * MAX_VCPUS];
	struct vm vms[64];
	int i, j, n = 0;

	if (nr_vms < 1 || nr_vms > 64 || nr_vcpus < 1 || nr_vcpus > MAX_VCPUS) {
		fprintf(stderr, "usage: kvm-workload [VMS (1-64) [VCPUS (1-%d) [SECONDS]]]\n",
			MAX_VCPUS);
		return 2;
	}
	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	run_size = kvm_fd < 0 ? -1 : ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size <= 0) {
		perror("/dev/kvm");
		return 1;
	}
	deadline = now() + seconds;
	sigaction(SIGUSR1, &(struct sigaction){ .sa_handler = wake }, NULL);
	for (i = 0; i < nr_vms; i++) {
		bool halting = i == 0 && nr_vms > 1;

		if (create_vm(&vms[i], halting, nr_vcpus)) {
			perror("KVM_CREATE_VM");
			return 1;
		}
		printf("kvm-workload: VM %s with %d vCPUs%s\n", vms[i].name, nr_vcpus,
		       halting ? " halting in the kernel" : "");
		for (j = 0; j < nr_vcpus; j++)
			pthread_create(&threads[n++], NULL,
				       halting ? run_halting_vcpu : run_vcpu, &vms[i].vcpu[j]);
	}
	fflush(stdout);
	while (nr_vms > 1 && now() < deadline) {
		usleep(20000);
		for (j = 0; j < nr_vcpus; j++)
			pthread_kill(threads[j], SIGUSR1);
	}
	for (i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	for (i = 0; i < nr_vms; i++)
		destroy_vm(&vms[i]);
	return 0;
}
