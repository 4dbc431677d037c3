//! Property tests: no snapshot content, however absurd, makes the checks or the
//! parser panic (snapshot files are user input).

mod hardware_common;

use hardware_common::*;
use memmath::hardware::{check_with, observe, LiveInputs, MigState, Snapshot};
use memmath::units::Bytes;
use proptest::prelude::*;

fn device_strategy() -> impl Strategy<Value = (u64, u64, u64, Option<u64>, String, u8, bool)> {
    (
        any::<u64>(),
        any::<u64>(),
        any::<u64>(),
        proptest::option::of(any::<u64>()),
        "[ -~]{0,24}",
        0u8..20,
        any::<bool>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn checks_never_panic(
        devices in proptest::collection::vec(device_strategy(), 0..5),
        tp in 1u64..9,
        plan_total in any::<u64>(),
    ) {
        let mut snap = snapshot(Vec::new());
        for (i, (total, free, used, reserved, name, cc, mig)) in devices.into_iter().enumerate() {
            let mut d = h100(i as u32);
            d.memory.total_bytes = Bytes(total);
            d.memory.free_bytes = Bytes(free);
            d.memory.used_bytes = Bytes(used);
            d.memory.reserved_bytes = reserved.map(Bytes);
            d.name = name;
            d.compute_capability = Some(format!("{}.{}", cc / 2 + 5, cc % 10));
            d.mig = Some(MigState { current: mig, pending: !mig });
            d.processes = Some(vec![process(1, "p", used / (1 << 20))]);
            snap.devices.push(d);
        }
        let spec = spec(spec_json(tp));
        let mut resolved = resolved(resolved_json());
        resolved.gpu.memory_bytes = Bytes(plan_total);
        // plan::compute on any GPU total: an absurd one is MEM000 (no plan),
        // which the checks must take as well as a plan.
        let plan = memmath::plan::compute(&spec, &resolved).ok();
        let r = check_with(
            LiveInputs { spec: &spec, resolved: &resolved, plan: plan.as_ref() },
            &snap,
            memmath::plan::compute,
        );
        prop_assert_eq!(r.section.device_count, snap.devices.len());
        if let Some(plan) = &plan {
            let _ = observe(&snap, &[1], plan);
        }
        // Whatever was probed can be saved.
        let _ = snap.to_json();
    }

    #[test]
    fn parser_never_panics(text in "\\PC{0,200}") {
        let _ = Snapshot::from_json(&text);
    }
}
