//! Preparation (Step 2): from validation code to a compiled, interface-checked
//! [`PreparedArtifact`].
//!
//! The size check comes before any parsing; compilation runs on its own thread, waited for with
//! the compile timeout; then the module's imports and exports are checked against the host ABI.
//! The memory and disk caches around this live in [`crate::PvfHost`] and
//! [`crate::artifact_cache`].

use std::sync::mpsc;
use std::time::Duration;

use atoll_primitives::host_abi::{self, export, import};
use atoll_primitives::{ValidationCode, ValidationCodeHash};
use wasmtime::{Engine, ExternType, Module, ValType};

use crate::error::InternalError;
use crate::host_functions::signature_of;

/// Why validation code was not prepared. Every variant but [`PrepareError::Internal`] is a
/// verdict on the code; `Internal` is the host's own failure and never makes code invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrepareError {
    /// The code is larger than `max_code_size`; it was not parsed.
    #[error("validation code of {size} bytes exceeds the limit of {max} bytes")]
    CodeTooLarge {
        /// The code's size in bytes.
        size: usize,
        /// The limit.
        max: u32,
    },
    /// The bytes are not a valid Wasm module for our engine (malformed, or using a disabled
    /// proposal such as SIMD or threads).
    #[error("invalid Wasm module: {0}")]
    InvalidWasm(String),
    /// An import that is not a host function of module `atoll`.
    #[error("import {module}::{name} is not a host function of module `atoll`")]
    UnknownImport {
        /// The import's module.
        module: String,
        /// The import's name.
        name: String,
    },
    /// A host function imported with the wrong type.
    #[error("import atoll::{name} has type {found}, the host ABI says {expected}")]
    BadImportSignature {
        /// The import's name.
        name: String,
        /// The ABI's signature.
        expected: String,
        /// The module's type.
        found: String,
    },
    /// A required export (`memory`, `atoll_alloc`, `validate_block`) is absent.
    #[error("missing export `{0}`")]
    MissingExport(&'static str),
    /// A required export has the wrong type.
    #[error("export `{name}` has type {found}, expected {expected}")]
    BadExportSignature {
        /// The export's name.
        name: &'static str,
        /// The ABI's type.
        expected: &'static str,
        /// The module's type.
        found: String,
    },
    /// Compilation took longer than the compile timeout.
    #[error("compilation took longer than {limit_ms} ms")]
    CompileTimeout {
        /// The timeout in milliseconds.
        limit_ms: u64,
    },
    /// The compiler refused a module that validated (for example an implementation limit).
    #[error("compilation failed: {0}")]
    Compile(String),
    /// The host failed while preparing; says nothing about the code.
    #[error("internal error while preparing: {0}")]
    Internal(InternalError),
}

impl PrepareError {
    /// Whether this is the host's own failure rather than a verdict on the code.
    pub fn is_internal(&self) -> bool {
        matches!(self, PrepareError::Internal(_))
    }
}

/// Where a prepared artifact came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArtifactSource {
    /// Compiled from the Wasm code by this host.
    Compiled,
    /// Loaded from the on-disk artifact cache.
    DiskCache,
}

/// Validation code compiled for this host's engine, with its interface checked: ready to
/// instantiate.
#[derive(Debug)]
pub struct PreparedArtifact {
    code_hash: ValidationCodeHash,
    module: Module,
    source: ArtifactSource,
    preparation_time: Duration,
}

impl PreparedArtifact {
    /// Wraps a compiled, checked module.
    pub(crate) fn new(
        code_hash: ValidationCodeHash,
        module: Module,
        source: ArtifactSource,
        preparation_time: Duration,
    ) -> PreparedArtifact {
        PreparedArtifact { code_hash, module, source, preparation_time }
    }

    /// The hash of the code it was prepared from.
    pub fn code_hash(&self) -> ValidationCodeHash {
        self.code_hash
    }

    /// Whether it was compiled or loaded from disk.
    pub fn source(&self) -> ArtifactSource {
        self.source
    }

    /// How long compiling (or loading and verifying) it took.
    pub fn preparation_time(&self) -> Duration {
        self.preparation_time
    }

    /// The compiled module.
    pub(crate) fn module(&self) -> &Module {
        &self.module
    }
}

/// Step 2: the size check, before any parsing.
pub(crate) fn check_code_size(code: &ValidationCode, max: u32) -> Result<(), PrepareError> {
    let size = code.0.len();
    if u32::try_from(size).map_or(true, |s| s > max) {
        return Err(PrepareError::CodeTooLarge { size, max });
    }
    Ok(())
}

/// Step 2: validates and compiles `code` on a thread of its own, waiting at most `timeout`. On
/// a timeout the thread is left to finish in the background (cranelift cannot be interrupted);
/// its result is dropped.
pub(crate) fn compile_with_timeout(
    engine: &Engine,
    code: &ValidationCode,
    timeout: Duration,
) -> Result<Module, PrepareError> {
    let (tx, rx) = mpsc::sync_channel(1);
    let engine = engine.clone();
    let bytes = code.0.clone();
    std::thread::Builder::new()
        .name("pvf-compile".into())
        .spawn(move || {
            // The receiver is gone after a timeout; nobody wants the result then.
            let _ = tx.send(compile(&engine, &bytes));
        })
        .map_err(|e| {
            PrepareError::Internal(InternalError::ThreadSpawn {
                what: "compilation",
                error: e.to_string(),
            })
        })?;
    match rx.recv_timeout(timeout) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(PrepareError::CompileTimeout {
            limit_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
        }),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err(PrepareError::Internal(InternalError::CompilationLost {
                code_hash: code.hash().0.to_string(),
            }))
        }
    }
}

/// Validates (the code's fault if it fails), then compiles (a compiler refusal of a valid module
/// is also the code's: implementation limits).
fn compile(engine: &Engine, bytes: &[u8]) -> Result<Module, PrepareError> {
    Module::validate(engine, bytes).map_err(|e| PrepareError::InvalidWasm(format!("{e:#}")))?;
    Module::new(engine, bytes).map_err(|e| PrepareError::Compile(format!("{e:#}")))
}

/// Step 2: the module's imports are host functions of module `atoll` with the ABI's exact
/// signatures; it exports `memory`, `atoll_alloc(i32) -> i32` and
/// `validate_block(i32, i32) -> i64`.
pub(crate) fn check_interface(module: &Module) -> Result<(), PrepareError> {
    for imp in module.imports() {
        let unknown = || PrepareError::UnknownImport {
            module: imp.module().to_string(),
            name: imp.name().to_string(),
        };
        if imp.module() != host_abi::HOST_MODULE || !import::ALL.contains(&imp.name()) {
            return Err(unknown());
        }
        let Some(expected) = signature_of(imp.name()) else {
            return Err(PrepareError::Internal(InternalError::Invariant(
                "every name of host_abi::import::ALL has a signature in host_functions::SIGNATURES",
            )));
        };
        let ok = match imp.ty() {
            ExternType::Func(f) => {
                let params: Vec<ValType> = f.params().collect();
                let results: Vec<ValType> = f.results().collect();
                expected.matches(&params, &results)
            }
            _ => false,
        };
        if !ok {
            return Err(PrepareError::BadImportSignature {
                name: imp.name().to_string(),
                expected: expected.to_string(),
                found: describe(&imp.ty()),
            });
        }
    }
    check_export(module, export::MEMORY, "memory", |ty| matches!(ty, ExternType::Memory(_)))?;
    check_export(module, export::ALLOC, "func (i32) -> i32", |ty| {
        func_is(ty, &[ValType::I32], &[ValType::I32])
    })?;
    check_export(module, export::VALIDATE_BLOCK, "func (i32, i32) -> i64", |ty| {
        func_is(ty, &[ValType::I32, ValType::I32], &[ValType::I64])
    })?;
    Ok(())
}

fn check_export(
    module: &Module,
    name: &'static str,
    expected: &'static str,
    ok: impl Fn(&ExternType) -> bool,
) -> Result<(), PrepareError> {
    let Some(ty) = module.get_export(name) else { return Err(PrepareError::MissingExport(name)) };
    if !ok(&ty) {
        return Err(PrepareError::BadExportSignature { name, expected, found: describe(&ty) });
    }
    Ok(())
}

/// Whether `ty` is a function of exactly these integer params and results.
pub(crate) fn func_is(ty: &ExternType, params: &[ValType], results: &[ValType]) -> bool {
    let ExternType::Func(f) = ty else { return false };
    let same = |a: &ValType, b: &ValType| {
        matches!((a, b), (ValType::I32, ValType::I32) | (ValType::I64, ValType::I64))
    };
    f.params().len() == params.len()
        && f.results().len() == results.len()
        && f.params().zip(params).all(|(a, b)| same(&a, b))
        && f.results().zip(results).all(|(a, b)| same(&a, b))
}

/// A short description of an extern type for error messages.
fn describe(ty: &ExternType) -> String {
    match ty {
        ExternType::Func(f) => {
            let params: Vec<String> = f.params().map(|p| p.to_string()).collect();
            let results: Vec<String> = f.results().map(|r| r.to_string()).collect();
            format!("func ({}) -> ({})", params.join(", "), results.join(", "))
        }
        ExternType::Global(_) => "global".into(),
        ExternType::Table(_) => "table".into(),
        ExternType::Memory(_) => "memory".into(),
        ExternType::Tag(_) => "tag".into(),
    }
}
