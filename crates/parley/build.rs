//! Gives the `parley` binary (and its tests) a RUNPATH to the CTranslate2 runtime that
//! `scripts/fetch-models.sh` unpacked, so it starts without LD_LIBRARY_PATH. A build
//! script's link arguments do not reach dependents, so parley-asr cannot do this for us.

fn main() {
    println!("cargo:rerun-if-env-changed=CMAKE_LIBRARY_PATH");
    let dirs = std::env::var("CMAKE_LIBRARY_PATH").unwrap_or_default();
    for dir in std::env::split_paths(&dirs) {
        if dir.join("libctranslate2.so").exists() {
            if let Ok(dir) = dir.canonicalize() {
                println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
            }
        }
    }
}
