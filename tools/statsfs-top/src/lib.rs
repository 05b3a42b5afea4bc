// SPDX-License-Identifier: GPL-2.0
//! statsfs-top: a kvm_stat-style reader, logger and Prometheus exporter for statsfs
//! (`/sys/kernel/stats`), or any directory laid out like it.

pub mod output;
pub mod prom;
pub mod tree;
pub mod tui;
pub mod view;
