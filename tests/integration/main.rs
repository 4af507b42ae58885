//! Integration tests, one binary, a module per area (as ripgrep's `tests/`).

mod batching;
mod configs;
mod end_to_end;
mod idx;
mod infer;
mod mnist_facts;
mod model;
mod preprocessing;
mod report;
