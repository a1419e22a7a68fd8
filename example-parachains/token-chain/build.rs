//! Builds this runtime to Wasm (see `atoll-wasm-builder`).
fn main() {
    atoll_wasm_builder::build_current_package();
}
