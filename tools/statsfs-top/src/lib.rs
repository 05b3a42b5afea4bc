// SPDX-License-Identifier: GPL-2.0
//! statsfs-top: a kvm_stat-style reader, logger and Prometheus exporter for statsfs
//! (`/sys/kernel/stats`), or any directory laid out like it.

pub mod cli;
pub mod error;
pub mod expo;
pub mod guests;
pub mod mount;
pub mod output;
pub mod prom;
pub mod run;
pub mod serve;
pub mod tree;
pub mod tui;
pub mod units;
pub mod view;
