//! Integration tests, one binary, a module per area (as ripgrep's `tests/`).

mod batching;
mod capture;
mod configs;
mod docs;
mod download;
mod end_to_end;
mod fuzz;
mod handwriting;
mod idx;
mod infer;
mod interruption;
mod mnist_facts;
mod model;
mod model_files;
mod preprocessing;
mod report;
mod sparse_input;
mod vocabulary;
mod web_api;
mod web_page;
