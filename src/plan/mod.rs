//! PURE memory math: a typed spec and its resolved model/GPU in, a [`Plan`] out.
//!
//! No I/O anywhere below this module. One file per quantity (weights, sharding,
//! kv_cache, activations (with vLLM's sampler warm-up in `sampler` and fused-MoE
//! workspace in `moe_workspace`), runtime, engine defaults, optimizer, host, capacity;
//! `derived` for the figures reports print that follow from a plan's own numbers);
//! every formula carries its equation and public source in a comment. The
//! [`Plan`] serializes to the JSON plan of design.md section 4: those key names
//! are a contract. docs/memory-math.md walks through every formula.

pub mod activations;
mod blame;
pub mod capacity;
mod compute;
pub mod derived;
pub mod engine;
pub mod extras;
pub mod host;
pub mod hybrid;
pub mod kernel_path;
pub mod kv_cache;
pub mod layers;
pub mod math;
pub mod moe_workspace;
pub mod optimizer;
pub mod pp_stage;
pub mod runtime;
pub mod sampler;
pub mod sharding;
pub mod state;
mod types;
pub mod unquantized;
pub mod weights;

pub use compute::compute;
pub use derived::{derive, Derived};
pub use types::*;
