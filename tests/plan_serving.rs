//! End-to-end serving plans through `plan::compute`.

mod plan_support;

use memmath::spec::{Quantization, WeightDtype};
use plan_support::*;
use serde_json::json;

#[test]
fn llama_8b_on_h100_default_vllm() {
    let spec = serving(json!({}));
    let r = resolved(
        llama31_8b(),
        WeightDtype::Bf16,
        Quantization::None,
        None,
        h100(),
    );
    let p = plan(&spec, &r);
    println!("{}", serde_json::to_string_pretty(&p).unwrap_or_default());
    let kv = p.kv_cache.as_ref().expect("serving has kv");
    assert_eq!(kv.bytes_per_token_per_gpu, 131_072);
    assert_eq!(p.per_gpu.weights_bytes.get(), 16_060_522_496);
}
