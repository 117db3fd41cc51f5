//! Run-time choice of backend and float precision.

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use burn::Tensor;
use burn::tensor::{Device, FloatDType};
use serde::{Deserialize, Serialize};

use crate::precision::check_f64;

/// A burn backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// burn 0.22's pure-Rust CPU backend (the default: fastest on the step benchmark).
    #[default]
    Flex,
    /// The ndarray CPU backend (deprecated upstream in burn 0.22, kept for comparison).
    Ndarray,
    /// The wgpu GPU backend (needs the `wgpu` cargo feature; f32 only).
    Wgpu,
    /// burn's CUDA backend through CubeCL, kernels compiled by NVRTC (needs the `cuda` cargo
    /// feature and an NVIDIA driver; f64 only where [`crate::precision::check_f64`] accepts it).
    Cuda,
}

/// The float precision of every tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Dtype {
    /// 32-bit floats.
    #[default]
    F32,
    /// 64-bit floats (the CPU backends, and a GPU backend where [`crate::precision::check_f64`]
    /// measures f64 arithmetic).
    F64,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Flex => "flex",
            Self::Ndarray => "ndarray",
            Self::Wgpu => "wgpu",
            Self::Cuda => "cuda",
        })
    }
}

impl FromStr for Backend {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "flex" => Ok(Self::Flex),
            "ndarray" => Ok(Self::Ndarray),
            "wgpu" => Ok(Self::Wgpu),
            "cuda" => Ok(Self::Cuda),
            _ => Err(format!(
                "unknown backend `{s}`; expected flex, ndarray, wgpu or cuda"
            )),
        }
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::F32 => "f32",
            Self::F64 => "f64",
        })
    }
}

impl FromStr for Dtype {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "f32" => Ok(Self::F32),
            "f64" => Ok(Self::F64),
            _ => Err(format!("unknown dtype `{s}`; expected f32 or f64")),
        }
    }
}

impl Backend {
    /// Worker threads for the loss: `requested`, at most one per core (more only add
    /// threads, one shard of points each), or one per core; always 1 on a GPU backend, whose
    /// ops are already parallel (sharding would only add synchronisation).
    pub fn loss_threads(self, requested: Option<usize>) -> usize {
        match self {
            Self::Wgpu | Self::Cuda => 1,
            Self::Flex | Self::Ndarray => {
                requested.map_or_else(default_threads, |n| n.clamp(1, default_threads()))
            }
        }
    }

    /// Points per batch (about: equal batches where the rows allow) of the dense layers'
    /// products on this backend ([`crate::Dense::with_row_chunk`]): on a GPU the backward pass's reductions over all the
    /// points (weight and bias gradients) otherwise run serially in burn 0.22's kernels;
    /// `None` on the CPU backends, whose results stay those of the plain products.
    pub fn row_chunk(self) -> Option<usize> {
        match self {
            Self::Wgpu | Self::Cuda => Some(GPU_ROW_CHUNK),
            Self::Flex | Self::Ndarray => None,
        }
    }

    /// Whether this is a GPU backend (one loss shard, rows in chunks, ops queued on a device).
    pub fn is_gpu(self) -> bool {
        matches!(self, Self::Wgpu | Self::Cuda)
    }

    /// Interior points per loss shard at most, several shards to a thread (`None`: one shard
    /// per thread): on the CPU with fused layers, whose stacked streams of a small shard stay
    /// in the cache (flex, 4096 points, one thread: 16 shards of 256 take 0.85 of the time of
    /// one shard; with burn's ops, 16 shards are no faster). GPUs want one large batch.
    pub fn shard_points(self, fused: bool) -> Option<usize> {
        (fused && !self.is_gpu()).then_some(CPU_SHARD_POINTS)
    }

    /// Whether the fused tanh layer ([`crate::fused`]) has a kernel on this backend.
    pub fn has_fused_kernel(self) -> bool {
        self != Self::Ndarray
    }

    /// Whether this build has the backend compiled in.
    pub fn is_built(self) -> bool {
        match self {
            Self::Flex | Self::Ndarray => true,
            Self::Wgpu => cfg!(feature = "wgpu"),
            Self::Cuda => cfg!(feature = "cuda"),
        }
    }

    /// Whether `dtype` can run on this backend; the error says what to use instead.
    pub fn supports(self, dtype: Dtype) -> Result<(), String> {
        if self == Self::Wgpu && dtype == Dtype::F64 {
            return Err(
                "dtype f64 is not supported on wgpu (its f64 exp/tanh/sin are wrong); use \
                 dtype f32, or backend flex for f64"
                    .into(),
            );
        }
        Ok(())
    }
}

/// Interior points per loss shard on the CPU with fused layers ([`Backend::shard_points`]).
pub const CPU_SHARD_POINTS: usize = 256;

/// Points per batch (about) of the dense layers' products on a GPU ([`Backend::row_chunk`]).
pub const GPU_ROW_CHUNK: usize = 256;

/// One worker per available core.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// An autodiff device of the given backend with its default float dtype set; on a GPU, f64
/// only after [`check_f64`] has measured that the device computes it.
///
/// burn fixes a device's dtype at its first tensor, so this must run before any tensor exists
/// on that backend in this process; a second call with another dtype is an error.
pub fn autodiff_device(backend: Backend, dtype: Dtype) -> Result<Device, String> {
    backend.supports(dtype)?;
    let device = configured_device(backend, dtype)?;
    if backend.is_gpu() && dtype == Dtype::F64 {
        without_panics(|| check_f64(&device))
            .and_then(|checked| checked)
            .map_err(|why| {
                format!(
                    "dtype f64 is not usable on {backend} ({why}); use dtype f32, or backend \
                     flex for f64"
                )
            })?;
    }
    Ok(device.autodiff())
}

/// The backend's device with its float dtype set and a first tensor read back (a GPU runtime
/// loads its driver there); neither [`Backend::supports`] nor [`check_f64`] is consulted (for
/// measuring a device, [`crate::precision`]; to train, [`autodiff_device`]).
pub fn configured_device(backend: Backend, dtype: Dtype) -> Result<Device, String> {
    let device = match backend {
        Backend::Flex => Device::flex(),
        #[allow(deprecated)]
        Backend::Ndarray => Device::ndarray(),
        Backend::Wgpu => wgpu_device()?,
        Backend::Cuda => cuda_device()?,
    };
    let float = match dtype {
        Dtype::F32 => FloatDType::F32,
        Dtype::F64 => FloatDType::F64,
    };
    let first_tensor = || {
        let mut device = device;
        if let Err(e) = device.configure(float) {
            // Already configured (an earlier call in this process): fine if it is the same dtype.
            if device.settings().float_dtype != float {
                return Err(format!(
                    "cannot use {dtype} on {backend}: {e} (the dtype is fixed once per process)"
                ));
            }
        }
        Tensor::<1>::zeros([1], &device).into_data();
        Ok(device)
    };
    if !backend.is_gpu() {
        return first_tensor();
    }
    without_panics(first_tensor).map_err(|why| {
        format!("backend {backend} is not usable on this machine ({why}); use --backend flex")
    })?
}

/// A panic's message for a one-line error: its first line, at most 200 characters.
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or_default();
    match line.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_string(),
    }
}

/// `f()`, or the first line of the first panic's message while it ran (a GPU runtime's answer
/// to a missing driver, adapter or feature; often raised on the runtime's own thread, whose
/// panic then shows on this one only as a closed channel), without the panics' reports.
fn without_panics<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let first: Arc<Mutex<Option<String>>> = Arc::default();
    let hook = std::panic::take_hook();
    let record = first.clone();
    std::panic::set_hook(Box::new(move |info| {
        let mut first = record.lock().unwrap_or_else(|e| e.into_inner());
        if first.is_none() {
            let why = info
                .payload()
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| info.payload().downcast_ref::<&str>().copied())
                .unwrap_or("the runtime panicked");
            *first = Some(first_line(why));
        }
    }));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    outcome.map_err(|_| {
        let first = first.lock().unwrap_or_else(|e| e.into_inner()).take();
        first.unwrap_or_else(|| "the runtime panicked".into())
    })
}

#[cfg(feature = "wgpu")]
fn wgpu_device() -> Result<Device, String> {
    Ok(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice))
}

#[cfg(not(feature = "wgpu"))]
fn wgpu_device() -> Result<Device, String> {
    Err(
        "this build has no wgpu backend; rebuild with `--features wgpu` (e.g. `cargo run \
         --release --features wgpu -- train …`) or use --backend flex"
            .into(),
    )
}

#[cfg(feature = "cuda")]
fn cuda_device() -> Result<Device, String> {
    Ok(Device::cuda(0))
}

#[cfg(not(feature = "cuda"))]
fn cuda_device() -> Result<Device, String> {
    Err(
        "this build has no cuda backend; rebuild with `--features cuda` (e.g. `cargo run \
         --release --features cuda -- train …`) or use --backend flex"
            .into(),
    )
}
