//! A stand-in for `cubecl-llvm` 0.11.3 with no LLVM: the types `cubecl-cuda` names for its
//! LLVM/PTX compiler, and a compiler that refuses every kernel.
//!
//! `cubecl-cuda` compiles kernels either as CUDA C++ through NVRTC or through LLVM; pinn's
//! `cuda` feature turns on cubecl's `cuda-cpp`, which makes NVRTC the compiler at run time
//! (`cubecl_cuda::CudaBackend::default`), so nothing here is called. Should it be, the error
//! says so instead of producing a kernel.

use core::fmt;

use cubecl_core::ir::nvidia::SmArch;
use cubecl_environment::backtrace::BackTrace;
use cubecl_runtime::compiler::{CompilationError, Compiler};
use cubecl_runtime::kernel::{BufferIOAttr, KernelDefinition};

/// The NVPTX target's PTX versions.
pub mod nvptx {
    /// The PTX ISA version of a driver.
    pub mod ptx_version {
        use core::fmt;

        /// A PTX ISA version (8.7 is `87`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct PtxVersion(u32);

        impl PtxVersion {
            /// Always `None`: without LLVM no PTX is emitted, so no version is chosen.
            pub fn for_driver(_driver: i32) -> Option<Self> {
                None
            }
        }

        impl fmt::Display for PtxVersion {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "ptx{}", self.0)
            }
        }
    }
}

/// What the LLVM backend would lower.
pub mod shared {
    /// The device features the LLVM backend can honour.
    pub mod lowered_features {
        use cubecl_core::ir::DeviceProperties;

        /// The GPU targets of the LLVM backend.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum GpuTarget {
            /// NVIDIA PTX.
            Nvptx,
        }

        /// Leaves `props` as they are: called only when the LLVM backend is the compiler in
        /// use, and this one compiles nothing.
        pub fn restrict_features(_props: &mut DeviceProperties, _target: GpuTarget) {}
    }
}

/// The LLVM targets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LlvmTarget {
    /// The host CPU.
    #[default]
    Cpu,
    /// NVIDIA PTX.
    Nvptx,
}

/// The LLVM compiler's options (the fields cubecl-cuda sets).
#[derive(Clone, Debug, Default)]
pub struct PlironOptions {
    /// AMD architecture (unused: no AMD target here).
    pub arch: Option<()>,
    /// NVIDIA architecture.
    pub sm_arch: Option<SmArch>,
    /// PTX version to emit.
    pub ptx_version: Option<nvptx::ptx_version::PtxVersion>,
    /// Scalars and metadata in the kernel parameter block.
    pub grid_constants: bool,
}

/// A compiled PTX module (never produced here).
#[derive(Clone, Debug)]
pub struct NvptxModule {
    /// NUL-terminated PTX assembly.
    pub ptx: Vec<core::ffi::c_char>,
    /// Kernel entry point symbol.
    pub entrypoint: String,
    /// IR for logging and cache keys.
    pub ir: String,
    /// Shared memory per launch, in bytes.
    pub shared_memory_size: usize,
    /// Buffer access modes in binding order.
    pub io: Vec<BufferIOAttr>,
}

/// What the LLVM compiler produces.
#[derive(Debug)]
pub enum PlironArtifact {
    /// PTX for the CUDA driver.
    NvptxCode(NvptxModule),
}

impl fmt::Display for PlironArtifact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NvptxCode(module) => f.write_str(&module.ir),
        }
    }
}

/// The LLVM compiler, absent: every kernel is refused.
#[derive(Clone, Debug, Default)]
pub struct PlironCompiler {
    /// The target it was asked for.
    pub target: LlvmTarget,
}

impl Compiler for PlironCompiler {
    type Representation = PlironArtifact;
    type CompilationOptions = PlironOptions;

    fn compile(
        &mut self,
        _kernel: KernelDefinition,
        _options: &Self::CompilationOptions,
    ) -> Result<Self::Representation, CompilationError> {
        Err(CompilationError::UnsupportedInstruction {
            reason: "this build has no LLVM kernel compiler (pinn replaces cubecl-llvm); \
                     CUDA kernels are compiled by NVRTC (cubecl's `cuda-cpp` feature)"
                .into(),
            backtrace: BackTrace::capture(),
        })
    }

    fn extension(&self) -> &'static str {
        "ll"
    }

    fn lang_tag(&self) -> &'static str {
        "llvm"
    }
}
