// SPDX-License-Identifier: GPL-2.0
//! The exporter's model and formats: names, labels, types, units, per-VM series by
//! default, the VM info metric, histogram sums only where exact, hostile names escaped.

mod common;

use common::*;
use statsfs_top::expo::{self, Format};
use statsfs_top::prom::{self, Options};
use statsfs_top::tree;

fn exposition(root: &std::path::Path, opts: &Options, format: Format) -> String {
    prom::exposition(root, opts, format).unwrap()
}

fn opts(proc: &std::path::Path) -> Options {
    Options {
        proc: proc.to_path_buf(),
        ..Options::default()
    }
}

#[test]
fn exporter_per_vm_by_default_from_the_kernels_sums() {
    let t = kvm_tree([10, 20, 30], true);
    let proc = fake_proc();
    let text = exposition(t.path(), &opts(proc.path()), Format::OpenMetrics);
    assert!(
        text.contains("# TYPE statsfs_kvm_exits counter\n"),
        "{text}"
    );
    // The VM's own sum over its vCPUs, no vCPU series, no kvm/ sum over VMs.
    assert!(
        text.contains("statsfs_kvm_exits_total{vm=\"100-11\"} 10\n"),
        "{text}"
    );
    assert!(!text.contains("vcpu="), "{text}");
    assert!(!text.contains("statsfs_kvm_exits_total 60"), "{text}");
    // A VM's own value (not a sum) is there too, as a gauge.
    assert!(
        text.contains("# TYPE statsfs_kvm_pages_4k gauge\n"),
        "{text}"
    );
    assert!(
        text.contains("statsfs_kvm_pages_4k{vm=\"200-7\"} 512\n"),
        "{text}"
    );
    // --per-vcpu: the vCPUs' series, and not the VM sums that would count them twice.
    let per_vcpu = Options {
        per_vcpu: true,
        ..opts(proc.path())
    };
    let text = exposition(t.path(), &per_vcpu, Format::OpenMetrics);
    assert!(
        text.contains("statsfs_kvm_exits_total{vm=\"100-11\",vcpu=\"0\"} 10\n"),
        "{text}"
    );
    assert!(
        !text.contains("statsfs_kvm_exits_total{vm=\"100-11\"} "),
        "{text}"
    );
    let with = Options {
        with_aggregates: true,
        ..opts(proc.path())
    };
    let text = exposition(t.path(), &with, Format::OpenMetrics);
    assert!(text.contains("statsfs_kvm_exits_total 60\n"), "{text}");
}

#[test]
fn exporter_vm_info_names_the_guest() {
    let t = kvm_tree([10, 20, 30], true);
    let proc = fake_proc();
    let om = exposition(t.path(), &opts(proc.path()), Format::OpenMetrics);
    assert!(om.contains("# TYPE statsfs_kvm_vm info\n"), "{om}");
    assert!(
        om.contains("statsfs_kvm_vm_info{vm=\"100-12\",name=\"web,1\",pid=\"100\"} 1\n"),
        "{om}"
    );
    assert!(
        om.contains("statsfs_kvm_vm_info{vm=\"200-7\",name=\"kvm-workload\",pid=\"200\"} 1\n"),
        "{om}"
    );
    let text = exposition(t.path(), &opts(proc.path()), Format::Text);
    assert!(
        text.contains("# TYPE statsfs_kvm_vm_info gauge\n"),
        "{text}"
    );
}

#[test]
fn exporter_units_and_histogram_sums_where_exact() {
    let t = kvm_tree([10, 20, 30], true);
    let proc = fake_proc();
    let text = exposition(t.path(), &opts(proc.path()), Format::OpenMetrics);
    // Nanoseconds become seconds, with the unit in the name.
    assert!(
        text.contains("# UNIT statsfs_kvm_halt_wait_seconds seconds\n"),
        "{text}"
    );
    assert!(
        text.contains("statsfs_kvm_halt_wait_seconds_total{vm=\"200-7\"} 1.5\n"),
        "{text}"
    );
    // A log histogram: cumulative buckets in seconds, +Inf last; its sum from halt_wait_ns.
    assert!(
        text.contains("# TYPE statsfs_kvm_halt_wait_hist_seconds histogram\n"),
        "{text}"
    );
    assert!(
        text.contains("statsfs_kvm_halt_wait_hist_seconds_bucket{vm=\"100-11\",le=\"0.0\"} 1\n"),
        "{text}"
    );
    assert!(
        text.contains("statsfs_kvm_halt_wait_hist_seconds_bucket{vm=\"100-11\",le=\"+Inf\"} 6\n"),
        "{text}"
    );
    assert!(
        text.contains("statsfs_kvm_halt_wait_hist_seconds_sum{vm=\"100-11\"} 1.5\n"),
        "{text}"
    );
    assert!(
        text.contains("statsfs_kvm_halt_wait_hist_seconds_count{vm=\"100-11\"} 6\n"),
        "{text}"
    );
    assert!(!text.contains("NaN"), "{text}");
    assert!(!text.contains("mp_state"), "{text}");
    assert!(text.ends_with("# EOF\n"));
    // A histogram with no _ns total beside it: no _sum (and, as OpenMetrics wants, no
    // _count without one).
    let dir = tempfile::tempdir().unwrap();
    let line = |i: u32| format!("u64 unsigned sum - log_hist none 10^0 bucket={i}/2");
    write_lines(
        dir.path(),
        "",
        &[
            ("x/sizes_hist/0".into(), "4".into(), line(0)),
            ("x/sizes_hist/1".into(), "5".into(), line(1)),
        ],
        true,
    );
    let text = exposition(dir.path(), &opts(proc.path()), Format::OpenMetrics);
    assert!(
        text.contains("statsfs_x_sizes_hist_bucket{le=\"+Inf\"} 9\n"),
        "{text}"
    );
    assert!(!text.contains("_sum") && !text.contains("_count"), "{text}");
}

#[test]
fn exporter_text_format() {
    let t = kvm_tree([10, 20, 30], true);
    let proc = fake_proc();
    let text = exposition(t.path(), &opts(proc.path()), Format::Text);
    // The 0.0.4 text names counters' samples in HELP and TYPE, and has no UNIT or EOF.
    assert!(
        text.contains("# TYPE statsfs_kvm_exits_total counter\n"),
        "{text}"
    );
    assert!(text.contains("# HELP statsfs_kvm_exits_total "), "{text}");
    assert!(
        !text.contains("# UNIT") && !text.contains("# EOF"),
        "{text}"
    );
    // A value of no known type is untyped there (unknown in OpenMetrics).
    let plain = kvm_tree([10, 20, 30], false);
    let text = exposition(plain.path(), &opts(proc.path()), Format::Text);
    assert!(
        text.contains(" untyped\n") && !text.contains(" unknown\n"),
        "{text}"
    );
    let om = exposition(plain.path(), &opts(proc.path()), Format::OpenMetrics);
    assert!(om.contains(" unknown\n"), "{om}");
}

#[test]
fn exporter_net_labels() {
    let dir = tempfile::tempdir().unwrap();
    let dev = "u64 unsigned sum - cumulative bytes 10^0 -";
    write_lines(
        dir.path(),
        "",
        &[
            (
                "net/rx_bytes".into(),
                "300".into(),
                "u64 unsigned sum aggregate cumulative bytes 10^0 -".into(),
            ),
            ("net/dev/eth0/rx_bytes".into(), "100".into(), dev.into()),
            ("net/dev/rx_bytes/rx_bytes".into(), "200".into(), dev.into()),
        ],
        true,
    );
    let text = exposition(dir.path(), &Options::default(), Format::OpenMetrics);
    assert!(
        text.contains("# TYPE statsfs_net_rx_bytes counter\n"),
        "{text}"
    );
    assert!(
        text.contains("# UNIT statsfs_net_rx_bytes bytes\n"),
        "{text}"
    );
    assert!(
        text.contains("statsfs_net_rx_bytes_total{device=\"eth0\"} 100\n"),
        "{text}"
    );
    // A device named like a value is a device like any other.
    assert!(
        text.contains("statsfs_net_rx_bytes_total{device=\"rx_bytes\"} 200\n"),
        "{text}"
    );
    assert!(!text.contains("statsfs_net_rx_bytes_total 300"), "{text}");
}

#[test]
fn exporter_escapes_hostile_names() {
    // A network device named to end the label set, and a directory name holding a newline
    // and a metric of its own: both stay label values, in both formats.
    let dir = tempfile::tempdir().unwrap();
    let evil_dev = dir.path().join("net/dev/x\"}1 \\");
    std::fs::create_dir_all(&evil_dev).unwrap();
    std::fs::write(evil_dev.join("rx_bytes"), "7\n").unwrap();
    let evil_dir = dir.path().join("other/a\nevil_metric{a=\"b\"} 5");
    std::fs::create_dir_all(&evil_dir).unwrap();
    std::fs::write(evil_dir.join("count"), "3\n").unwrap();
    for format in [Format::OpenMetrics, Format::Text] {
        let text = exposition(dir.path(), &Options::default(), format);
        assert!(
            text.contains("statsfs_net_rx_bytes{device=\"x\\\"}1 \\\\\"} 7\n"),
            "{text}"
        );
        assert!(
            text.contains("{path=\"a\\nevil_metric{a=\\\"b\\\"} 5\"} 3\n"),
            "{text}"
        );
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            assert!(line.starts_with("statsfs_"), "{line:?} in {text}");
        }
    }
}

#[test]
fn exporter_skips_values_whose_schema_is_gone() {
    // A VM destroyed between the reads of .values and .schema: its values have no schema
    // line, and are left out rather than exported untyped.
    let t = kvm_tree([10, 20, 30], true);
    let mut snap = tree::read(t.path()).unwrap();
    snap.schema.retain(|p, _| !p.starts_with("kvm/200-7/"));
    let fams = prom::families(&snap, &Options::default());
    let text = expo::encode(&fams, Format::OpenMetrics);
    assert!(!text.contains("200-7\"}"), "{text}");
    assert!(!text.contains("unknown"), "{text}");
}
