//! Finds the CTranslate2 runtime that `scripts/fetch-models.sh` unpacked, so that a missing
//! setup step fails with an instruction instead of a linker error, and records the models
//! folder as the default for the binaries built from this checkout.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=CMAKE_LIBRARY_PATH");
    println!("cargo:rerun-if-env-changed=PARLEY_MODELS");
    let lib_dirs = std::env::var("CMAKE_LIBRARY_PATH").unwrap_or_default();
    let found = std::env::split_paths(&lib_dirs)
        .map(|d| d.join("libctranslate2.so"))
        .find(|p| p.exists());
    let Some(lib) = found else {
        panic!(
            "the CTranslate2 runtime was not found on CMAKE_LIBRARY_PATH ({lib_dirs:?}); \
             run scripts/fetch-models.sh first (it fetches the speech models and runtimes \
             and links .parley/models in this checkout)"
        );
    };
    let lib_dir: PathBuf = lib
        .parent()
        .and_then(|d| d.canonicalize().ok())
        .expect("ct2lib folder resolves");
    // The runtime's SONAME has to be found at run time too: tests of this crate get a
    // RUNPATH to it (the `parley` binary's build script does the same for the binary).
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib_dir.display());
    if let Some(models) = lib_dir.parent() {
        println!(
            "cargo:rustc-env=PARLEY_BUILD_MODELS_DIR={}",
            models.display()
        );
    }
}
