//! Live hardware: the `GpuProbe` trait, its NVML implementation and a snapshot
//! (fake) probe for tests and for reproducing another machine's state.
