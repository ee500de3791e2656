//! Analysis throughput (being written).
fn main() {}
