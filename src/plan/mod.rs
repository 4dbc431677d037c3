//! PURE memory math: a typed spec and its resolved model/GPU in, a [`Plan`] out.
//!
//! No I/O anywhere below this module. One file per quantity (weights, kv_cache,
//! activations, runtime, optimizer, host, capacity); every formula carries its
//! equation and public source in a comment. The [`Plan`] serializes to the JSON
//! plan of design.md section 4: those key names are a contract.

mod compute;
mod types;

pub use compute::compute;
pub use types::*;
