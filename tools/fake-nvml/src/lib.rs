//! A fake `libnvidia-ml.so.1`: the NVML entry points memmath's probe calls
//! (through `nvml-wrapper`), answering from the memmath GPU snapshot file named
//! by `MEMMATH_FAKE_NVML` instead of a driver. With its folder first on
//! `LD_LIBRARY_PATH`, the real `memmath verify` / `check --hardware` /
//! `report --hardware` / `verify --observe` run their NVML success path on a
//! machine without a GPU.
//!
//! `MEMMATH_FAKE_NVML_FAIL` makes chosen calls fail: a comma-separated list of
//! `FUNCTION[@DEVICE][=CODE]` (`nvmlDeviceGetMemoryInfo_v2@1=15`); CODE is an
//! `nvmlReturn_t` number, 999 (`NVML_ERROR_UNKNOWN`) when left out.
//!
//! Semantics follow NVIDIA's nvml.h (NVML API reference,
//! https://docs.nvidia.com/deploy/nvml-api/): out-parameters and string
//! buffers are checked, a too-small buffer is `NVML_ERROR_INSUFFICIENT_SIZE`,
//! a query before `nvmlInit` is `NVML_ERROR_UNINITIALIZED`, and a field the
//! snapshot leaves `null` is what NVML answers when it cannot say (see
//! [`Device`]).

use serde_json::Value;
use std::ffi::{c_char, c_int, c_uint, c_ulonglong, c_void};
use std::io::Read;
use std::sync::{Mutex, MutexGuard};

// nvmlReturn_t values (nvml.h, `nvmlReturn_enum`).
const SUCCESS: c_int = 0;
const ERROR_UNINITIALIZED: c_int = 1;
const ERROR_INVALID_ARGUMENT: c_int = 2;
const ERROR_NOT_SUPPORTED: c_int = 3;
const ERROR_NO_PERMISSION: c_int = 4;
const ERROR_NOT_FOUND: c_int = 6;
const ERROR_INSUFFICIENT_SIZE: c_int = 7;
const ERROR_DRIVER_NOT_LOADED: c_int = 9;
const ERROR_UNKNOWN: c_int = 999;

/// `NVML_VALUE_NOT_AVAILABLE` as an unsigned long long: a process whose
/// memory NVML cannot attribute.
const VALUE_NOT_AVAILABLE: c_ulonglong = c_ulonglong::MAX;

/// `NVML_STRUCT_VERSION(Memory, 2)`: size of `nvmlMemory_v2_t` | 2 << 24.
const MEMORY_V2_VERSION: c_uint = (std::mem::size_of::<MemoryV2>() as c_uint) | (2 << 24);

/// A snapshot file is a few hundred KiB at most; refuse anything larger than
/// memmath itself accepts.
const SNAPSHOT_LIMIT: u64 = 16 << 20;

/// `nvmlMemory_t` (v1).
#[repr(C)]
pub struct MemoryV1 {
    total: c_ulonglong,
    free: c_ulonglong,
    used: c_ulonglong,
}

/// `nvmlMemory_v2_t`.
#[repr(C)]
pub struct MemoryV2 {
    version: c_uint,
    total: c_ulonglong,
    reserved: c_ulonglong,
    free: c_ulonglong,
    used: c_ulonglong,
}

/// `nvmlProcessInfo_t` (the v2 layout the `_v3` process queries fill).
#[repr(C)]
pub struct ProcessInfo {
    pid: c_uint,
    used_gpu_memory: c_ulonglong,
    gpu_instance_id: c_uint,
    compute_instance_id: c_uint,
}

/// One GPU of the snapshot. `None` fields are answered the way NVML answers
/// when it cannot tell: no UUID or compute capability -> NOT_SUPPORTED, no
/// MIG support -> NOT_SUPPORTED, processes not listable -> NO_PERMISSION, no
/// reserved figure -> 0 (the v1 API has none).
struct Device {
    name: String,
    uuid: Option<String>,
    total: u64,
    free: u64,
    used: u64,
    reserved: Option<u64>,
    compute_capability: Option<(c_int, c_int)>,
    mig: Option<(c_uint, c_uint)>,
    processes: Option<Vec<Process>>,
}

struct Process {
    pid: u32,
    name: Option<String>,
    used: Option<u64>,
}

/// The machine the library pretends to be, plus the calls told to fail.
struct Machine {
    driver_version: Option<String>,
    /// `12.4` as NVML encodes it: 1000 x major + 10 x minor.
    cuda_driver_version: Option<c_int>,
    devices: Vec<Device>,
    failures: Vec<Failure>,
}

struct Failure {
    function: String,
    device: Option<u32>,
    code: c_int,
}

/// Initialised state: the machine and NVML's init reference count.
struct State {
    machine: Option<Machine>,
    init_count: u32,
}

static STATE: Mutex<State> = Mutex::new(State {
    machine: None,
    init_count: 0,
});

fn state() -> MutexGuard<'static, State> {
    // The library never panics while holding the lock (and aborts on panic),
    // so a poisoned lock cannot hold half-written state.
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

fn load() -> Result<Machine, String> {
    let path = std::env::var_os("MEMMATH_FAKE_NVML")
        .ok_or("MEMMATH_FAKE_NVML is not set (the snapshot file to answer from)")?;
    let file = std::fs::File::open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.to_string_lossy()))?;
    let mut text = String::new();
    file.take(SNAPSHOT_LIMIT + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read {}: {e}", path.to_string_lossy()))?;
    if text.len() as u64 > SNAPSHOT_LIMIT {
        return Err(format!("{} is over 16 MiB", path.to_string_lossy()));
    }
    let value: Value = serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
    let mut machine = machine(&value)?;
    if let Ok(spec) = std::env::var("MEMMATH_FAKE_NVML_FAIL") {
        machine.failures = failures(&spec)?;
    }
    Ok(machine)
}

fn machine(v: &Value) -> Result<Machine, String> {
    if v["format"] != "memmath-gpu-snapshot" || v["version"] != 1 {
        return Err("not a memmath-gpu-snapshot version 1 file".into());
    }
    let cuda_driver_version = match v["cuda_driver_version"].as_str() {
        None => None,
        Some(s) => Some(cuda_version(s).ok_or(format!("cuda_driver_version {s:?}"))?),
    };
    let devices = v["devices"].as_array().ok_or("`devices` is not a list")?;
    let mut out = Vec::with_capacity(devices.len());
    for (i, d) in devices.iter().enumerate() {
        // NVML numbers devices 0..count; a snapshot written by memmath does too.
        if d["index"].as_u64() != Some(i as u64) {
            return Err(format!("device {i}: `index` must be {i}"));
        }
        out.push(device(d).map_err(|e| format!("device {i}: {e}"))?);
    }
    Ok(Machine {
        driver_version: opt_str(&v["driver_version"]),
        cuda_driver_version,
        devices: out,
        failures: Vec::new(),
    })
}

fn device(d: &Value) -> Result<Device, String> {
    let m = &d["memory"];
    let bytes = |key: &str| m[key].as_u64().ok_or(format!("memory.{key}"));
    let compute_capability = match d["compute_capability"].as_str() {
        None => None,
        Some(s) => {
            let (major, minor) = s
                .split_once('.')
                .ok_or(format!("compute_capability {s:?}"))?;
            Some((
                major
                    .parse()
                    .map_err(|_| format!("compute_capability {s:?}"))?,
                minor
                    .parse()
                    .map_err(|_| format!("compute_capability {s:?}"))?,
            ))
        }
    };
    let mig = match &d["mig"] {
        Value::Null => None,
        mig => Some((
            c_uint::from(mig["current"].as_bool().ok_or("mig.current")?),
            c_uint::from(mig["pending"].as_bool().ok_or("mig.pending")?),
        )),
    };
    let processes = match &d["processes"] {
        Value::Null => None,
        Value::Array(list) => Some(
            list.iter()
                .map(|p| {
                    Ok(Process {
                        pid: p["pid"]
                            .as_u64()
                            .and_then(|n| u32::try_from(n).ok())
                            .ok_or("process pid")?,
                        name: opt_str(&p["name"]),
                        used: p["used_bytes"].as_u64(),
                    })
                })
                .collect::<Result<Vec<_>, String>>()?,
        ),
        _ => return Err("`processes` is not a list".into()),
    };
    Ok(Device {
        name: d["name"].as_str().ok_or("name")?.to_string(),
        uuid: opt_str(&d["uuid"]),
        total: bytes("total_bytes")?,
        free: bytes("free_bytes")?,
        used: bytes("used_bytes")?,
        reserved: m["reserved_bytes"].as_u64(),
        compute_capability,
        mig,
        processes,
    })
}

fn opt_str(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

/// `12.4` -> 12040 (nvml.h: `NVML_CUDA_DRIVER_VERSION_MAJOR(v) = v / 1000`,
/// `MINOR(v) = (v % 1000) / 10`).
fn cuda_version(s: &str) -> Option<c_int> {
    let (major, minor) = s.split_once('.')?;
    let major: c_int = major.parse().ok()?;
    let minor: c_int = minor.parse().ok()?;
    if !(0..100).contains(&minor) {
        return None;
    }
    major.checked_mul(1000)?.checked_add(minor * 10)
}

fn failures(spec: &str) -> Result<Vec<Failure>, String> {
    spec.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|entry| {
            let entry = entry.trim();
            let (target, code) = match entry.split_once('=') {
                Some((t, c)) => (
                    t,
                    c.parse()
                        .map_err(|_| format!("MEMMATH_FAKE_NVML_FAIL: bad code in {entry:?}"))?,
                ),
                None => (entry, ERROR_UNKNOWN),
            };
            let (function, device) =
                match target.split_once('@') {
                    Some((f, d)) => (
                        f,
                        Some(d.parse().map_err(|_| {
                            format!("MEMMATH_FAKE_NVML_FAIL: bad device in {entry:?}")
                        })?),
                    ),
                    None => (target, None),
                };
            Ok(Failure {
                function: function.to_string(),
                device,
                code,
            })
        })
        .collect()
}

impl Machine {
    /// The code a call is told to return, if any.
    fn injected(&self, function: &str, device: Option<u32>) -> Option<c_int> {
        self.failures
            .iter()
            .find(|f| f.function == function && (f.device.is_none() || f.device == device))
            .map(|f| f.code)
    }
}

/// Run `body` on the initialised machine, after the failure injection for
/// `function` (on `device`, when the call is about one).
fn with_machine(
    function: &str,
    device: Option<u32>,
    body: impl FnOnce(&Machine) -> c_int,
) -> c_int {
    let st = state();
    let Some(machine) = st.machine.as_ref() else {
        return ERROR_UNINITIALIZED;
    };
    if let Some(code) = machine.injected(function, device) {
        return code;
    }
    body(machine)
}

/// A device handle is its index + 1 (never null).
fn handle_index(handle: *mut c_void) -> u32 {
    (handle as usize).wrapping_sub(1) as u32
}

fn with_device(
    function: &str,
    handle: *mut c_void,
    body: impl FnOnce(&Device, u32) -> c_int,
) -> c_int {
    let index = handle_index(handle);
    with_machine(function, Some(index), |m| {
        match m.devices.get(index as usize) {
            Some(d) => body(d, index),
            None => ERROR_INVALID_ARGUMENT,
        }
    })
}

/// Copy `s` and its NUL into a caller's buffer of `len` bytes.
///
/// # Safety
/// `buf` is null or valid for `len` bytes.
unsafe fn copy_str(s: &str, buf: *mut c_char, len: c_uint) -> c_int {
    if buf.is_null() {
        return ERROR_INVALID_ARGUMENT;
    }
    let bytes = s.as_bytes();
    if bytes.len() + 1 > len as usize {
        return ERROR_INSUFFICIENT_SIZE;
    }
    std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf.cast::<u8>(), bytes.len());
    *buf.add(bytes.len()) = 0;
    SUCCESS
}

fn init() -> c_int {
    let mut st = state();
    if st.init_count == 0 {
        match load() {
            Ok(machine) => {
                if let Some(code) = machine.injected("nvmlInit_v2", None) {
                    return code;
                }
                st.machine = Some(machine);
            }
            Err(why) => {
                // The reason only a person debugging a test needs; NVML itself
                // answers with a bare code.
                eprintln!("memmath-fake-nvml: {why}");
                return ERROR_DRIVER_NOT_LOADED;
            }
        }
    }
    st.init_count += 1;
    SUCCESS
}

#[no_mangle]
pub extern "C" fn nvmlInit_v2() -> c_int {
    init()
}

#[no_mangle]
pub extern "C" fn nvmlInit() -> c_int {
    init()
}

#[no_mangle]
pub extern "C" fn nvmlInitWithFlags(_flags: c_uint) -> c_int {
    init()
}

#[no_mangle]
pub extern "C" fn nvmlShutdown() -> c_int {
    let mut st = state();
    match st.init_count {
        0 => ERROR_UNINITIALIZED,
        n => {
            st.init_count = n - 1;
            if n == 1 {
                st.machine = None;
            }
            SUCCESS
        }
    }
}

/// nvml.h's description of each code (abridged to the ones this fake returns
/// or a test injects; any other code gets NVML's "Unknown Error").
#[no_mangle]
pub extern "C" fn nvmlErrorString(code: c_int) -> *const c_char {
    let text: &'static [u8] = match code {
        SUCCESS => b"Success\0",
        ERROR_UNINITIALIZED => b"Uninitialized\0",
        ERROR_INVALID_ARGUMENT => b"Invalid Argument\0",
        ERROR_NOT_SUPPORTED => b"Not Supported\0",
        ERROR_NO_PERMISSION => b"Insufficient Permissions\0",
        ERROR_NOT_FOUND => b"Not Found\0",
        ERROR_INSUFFICIENT_SIZE => b"Insufficient Size\0",
        ERROR_DRIVER_NOT_LOADED => b"Driver Not Loaded\0",
        15 => b"GPU is lost\0",
        _ => b"Unknown Error\0",
    };
    text.as_ptr().cast()
}

/// # Safety
/// `buf` is null or valid for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn nvmlSystemGetDriverVersion(buf: *mut c_char, len: c_uint) -> c_int {
    with_machine("nvmlSystemGetDriverVersion", None, |m| {
        match &m.driver_version {
            Some(v) => copy_str(v, buf, len),
            None => ERROR_NOT_SUPPORTED,
        }
    })
}

/// # Safety
/// `out` is null or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn nvmlSystemGetCudaDriverVersion_v2(out: *mut c_int) -> c_int {
    cuda_driver_version("nvmlSystemGetCudaDriverVersion_v2", out)
}

/// # Safety
/// `out` is null or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn nvmlSystemGetCudaDriverVersion(out: *mut c_int) -> c_int {
    cuda_driver_version("nvmlSystemGetCudaDriverVersion", out)
}

unsafe fn cuda_driver_version(function: &str, out: *mut c_int) -> c_int {
    with_machine(function, None, |m| {
        if out.is_null() {
            return ERROR_INVALID_ARGUMENT;
        }
        match m.cuda_driver_version {
            Some(v) => {
                *out = v;
                SUCCESS
            }
            None => ERROR_NOT_SUPPORTED,
        }
    })
}

/// A process's name: the first device listing the pid with a name.
///
/// # Safety
/// `buf` is null or valid for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn nvmlSystemGetProcessName(
    pid: c_uint,
    buf: *mut c_char,
    len: c_uint,
) -> c_int {
    with_machine("nvmlSystemGetProcessName", None, |m| {
        let name = m
            .devices
            .iter()
            .flat_map(|d| d.processes.iter().flatten())
            .filter(|p| p.pid == pid)
            .find_map(|p| p.name.as_deref());
        match name {
            Some(n) => copy_str(n, buf, len),
            None => ERROR_NOT_FOUND,
        }
    })
}

/// # Safety
/// `count` is null or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn nvmlDeviceGetCount_v2(count: *mut c_uint) -> c_int {
    with_machine("nvmlDeviceGetCount_v2", None, |m| {
        if count.is_null() {
            return ERROR_INVALID_ARGUMENT;
        }
        *count = m.devices.len() as c_uint;
        SUCCESS
    })
}

/// # Safety
/// `handle` is null or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn nvmlDeviceGetHandleByIndex_v2(
    index: c_uint,
    handle: *mut *mut c_void,
) -> c_int {
    with_machine("nvmlDeviceGetHandleByIndex_v2", Some(index), |m| {
        if handle.is_null() || index as usize >= m.devices.len() {
            return ERROR_INVALID_ARGUMENT;
        }
        *handle = (index as usize + 1) as *mut c_void;
        SUCCESS
    })
}

/// # Safety
/// `buf` is null or valid for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn nvmlDeviceGetName(
    handle: *mut c_void,
    buf: *mut c_char,
    len: c_uint,
) -> c_int {
    with_device("nvmlDeviceGetName", handle, |d, _| {
        copy_str(&d.name, buf, len)
    })
}

/// # Safety
/// `buf` is null or valid for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn nvmlDeviceGetUUID(
    handle: *mut c_void,
    buf: *mut c_char,
    len: c_uint,
) -> c_int {
    with_device("nvmlDeviceGetUUID", handle, |d, _| match &d.uuid {
        Some(u) => copy_str(u, buf, len),
        None => ERROR_NOT_SUPPORTED,
    })
}

/// # Safety
/// `out` is null or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn nvmlDeviceGetMemoryInfo(handle: *mut c_void, out: *mut MemoryV1) -> c_int {
    with_device("nvmlDeviceGetMemoryInfo", handle, |d, _| {
        if out.is_null() {
            return ERROR_INVALID_ARGUMENT;
        }
        *out = MemoryV1 {
            total: d.total,
            free: d.free,
            used: d.used,
        };
        SUCCESS
    })
}

/// # Safety
/// `out` is null or valid for one `nvmlMemory_v2_t`.
#[no_mangle]
pub unsafe extern "C" fn nvmlDeviceGetMemoryInfo_v2(
    handle: *mut c_void,
    out: *mut MemoryV2,
) -> c_int {
    with_device("nvmlDeviceGetMemoryInfo_v2", handle, |d, _| {
        if out.is_null() {
            return ERROR_INVALID_ARGUMENT;
        }
        // nvml.h: a caller that did not set the struct version gets this.
        if (*out).version != MEMORY_V2_VERSION {
            return 25; // NVML_ERROR_ARGUMENT_VERSION_MISMATCH
        }
        *out = MemoryV2 {
            version: MEMORY_V2_VERSION,
            total: d.total,
            reserved: d.reserved.unwrap_or(0),
            free: d.free,
            used: d.used,
        };
        SUCCESS
    })
}

/// # Safety
/// `major` and `minor` are null or valid for one write each.
#[no_mangle]
pub unsafe extern "C" fn nvmlDeviceGetCudaComputeCapability(
    handle: *mut c_void,
    major: *mut c_int,
    minor: *mut c_int,
) -> c_int {
    with_device("nvmlDeviceGetCudaComputeCapability", handle, |d, _| {
        if major.is_null() || minor.is_null() {
            return ERROR_INVALID_ARGUMENT;
        }
        match d.compute_capability {
            Some((a, b)) => {
                *major = a;
                *minor = b;
                SUCCESS
            }
            None => ERROR_NOT_SUPPORTED,
        }
    })
}

/// # Safety
/// `current` and `pending` are null or valid for one write each.
#[no_mangle]
pub unsafe extern "C" fn nvmlDeviceGetMigMode(
    handle: *mut c_void,
    current: *mut c_uint,
    pending: *mut c_uint,
) -> c_int {
    with_device("nvmlDeviceGetMigMode", handle, |d, _| {
        if current.is_null() || pending.is_null() {
            return ERROR_INVALID_ARGUMENT;
        }
        match d.mig {
            Some((c, p)) => {
                *current = c;
                *pending = p;
                SUCCESS
            }
            None => ERROR_NOT_SUPPORTED,
        }
    })
}

/// The snapshot's processes, all as compute processes.
///
/// # Safety
/// `count` is null or valid; `infos` is null or valid for `*count` entries.
#[no_mangle]
pub unsafe extern "C" fn nvmlDeviceGetComputeRunningProcesses_v3(
    handle: *mut c_void,
    count: *mut c_uint,
    infos: *mut ProcessInfo,
) -> c_int {
    with_device(
        "nvmlDeviceGetComputeRunningProcesses_v3",
        handle,
        |d, _| match &d.processes {
            Some(list) => fill_processes(list, count, infos),
            None => ERROR_NO_PERMISSION,
        },
    )
}

/// No graphics contexts on a serving node (the snapshot does not tell them
/// apart; memmath merges both lists by pid anyway).
///
/// # Safety
/// `count` is null or valid; `infos` is null or valid for `*count` entries.
#[no_mangle]
pub unsafe extern "C" fn nvmlDeviceGetGraphicsRunningProcesses_v3(
    handle: *mut c_void,
    count: *mut c_uint,
    infos: *mut ProcessInfo,
) -> c_int {
    with_device(
        "nvmlDeviceGetGraphicsRunningProcesses_v3",
        handle,
        |d, _| match &d.processes {
            Some(_) => fill_processes(&[], count, infos),
            None => ERROR_NO_PERMISSION,
        },
    )
}

/// nvml.h: when `*count` is too small, set it to the number needed and return
/// INSUFFICIENT_SIZE; otherwise fill `infos` and set `*count` to the number
/// written.
unsafe fn fill_processes(list: &[Process], count: *mut c_uint, infos: *mut ProcessInfo) -> c_int {
    if count.is_null() {
        return ERROR_INVALID_ARGUMENT;
    }
    let needed = list.len() as c_uint;
    if *count < needed {
        *count = needed;
        return ERROR_INSUFFICIENT_SIZE;
    }
    if needed > 0 && infos.is_null() {
        return ERROR_INVALID_ARGUMENT;
    }
    for (i, p) in list.iter().enumerate() {
        *infos.add(i) = ProcessInfo {
            pid: p.pid,
            used_gpu_memory: p.used.unwrap_or(VALUE_NOT_AVAILABLE),
            // 0xFFFFFFFF: not in a MIG instance (nvml.h).
            gpu_instance_id: c_uint::MAX,
            compute_instance_id: c_uint::MAX,
        };
    }
    *count = needed;
    SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuda_versions_encode_as_nvml_does() {
        assert_eq!(cuda_version("12.4"), Some(12040));
        assert_eq!(cuda_version("11.8"), Some(11080));
        assert_eq!(cuda_version("12"), None);
        assert_eq!(cuda_version("12.100"), None);
    }

    #[test]
    fn failure_specs_parse() {
        let f = failures("nvmlDeviceGetMemoryInfo_v2@1=15, nvmlInit_v2").unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].device, Some(1));
        assert_eq!(f[0].code, 15);
        assert_eq!(f[1].code, ERROR_UNKNOWN);
        assert!(failures("x@y").is_err());
    }
}
