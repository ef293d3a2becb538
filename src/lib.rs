//! bundle-scan: offline root-cause analysis of Kubernetes support bundles.
//!
//! The data flows through five stages, one module each:
//!
//! ```text
//! input ──Entry──▶ decode ──Objects──▶ classify ──Verdict──▶ group ──Report──▶ report
//! (tar.gz, dir,    (JSON/YAML →       (one Aho-Corasick     (pods by cause,    (table, JSON,
//!  file, stdin)     Event/Pod/Node)    over all runbooks)    then workload)     Markdown)
//! ```
//!
//! [`scan`] wires them together (and is the only place that uses threads);
//! [`runbook`] loads the corpus the classifier is built from; [`model`] holds
//! the normalised objects; [`text`] redacts and neutralises bundle text.

pub mod classify;
pub mod cli;
pub mod config;
pub mod decode;
pub mod group;
pub mod input;
pub mod model;
pub mod report;
pub mod runbook;
pub mod scan;
pub mod text;

pub use scan::{run, Outcome};
