//! Spawn benchmark (under construction).
fn main() {}
