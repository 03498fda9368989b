//! `plan` throughput: steady state (all linked, 1% changed) and first run (all new), at 1k,
//! 10k and 100k employees. Run with `cargo bench -p hris-sync-benches --bench plan`.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use hris_sync_benches::{employees, now, policy, steady_state};
use hris_sync_core::plan;

fn bench_plan(c: &mut Criterion) {
    let policy = policy();
    let now = now();
    let mut group = c.benchmark_group("plan");
    group.sample_size(10);
    for n in [1_000usize, 10_000, 100_000] {
        let mut staff = employees(n);
        let users = steady_state(&mut staff, 1);
        group.bench_with_input(BenchmarkId::new("steady_1pct", n), &n, |b, _| {
            b.iter(|| black_box(plan(black_box(&staff), black_box(&users), &policy, now)));
        });
        let fresh = employees(n);
        group.bench_with_input(BenchmarkId::new("first_run", n), &n, |b, _| {
            b.iter(|| black_box(plan(black_box(&fresh), &[], &policy, now)));
        });
    }
    group.finish();
}

criterion_group!(benches, bench_plan);
criterion_main!(benches);
