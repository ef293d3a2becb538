//! Test harness: run the built binary, parse its JSON report, locate the
//! real fixtures in `../shared` (skipping with a note when absent), and
//! pack directories into archives in memory.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `bundle-scan` with `args`; `stdin` is fed when given.
pub fn run_with_stdin(args: &[&str], stdin: Option<&[u8]>) -> Run {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_bundle-scan"))
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS")
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    if let Some(data) = stdin {
        let mut pipe = child.stdin.take().expect("stdin piped");
        pipe.write_all(data).expect("write stdin");
    }
    let out = child.wait_with_output().expect("binary finishes");
    Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn run(args: &[&str]) -> Run {
    run_with_stdin(args, None)
}

/// The JSON report for `input` (exit status 0 asserted).
pub fn report(input: &Path) -> Value {
    let input = input.to_str().expect("utf-8 path");
    let run = run(&["--format", "json", input]);
    assert_eq!(run.status, 0, "bundle-scan {input} failed:\n{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("bad JSON ({e}):\n{}", run.stdout))
}

/// A folder or file of `../shared/fixtures/real`, or `None` (with a note)
/// when the shared fixtures are not beside the repository.
pub fn real(relative: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/real").join(relative);
    if path.exists() {
        Some(path)
    } else {
        eprintln!(
            "note: skipping, {} is absent (../shared/fixtures/real is not beside this clone)",
            path.display()
        );
        None
    }
}

/// A path below `../shared` (seeds, fixtures), or `None` with a note when absent.
pub fn shared(relative: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared").join(relative);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("note: skipping, {} is absent (../shared is not beside this clone)", path.display());
        None
    }
}

/// A fixture of this repository (`tests/fixtures/...`).
pub fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(relative)
}

pub fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().expect("findings array")
}

pub fn ids(report: &Value) -> Vec<String> {
    findings(report).iter().map(|f| f["id"].as_str().unwrap_or_default().to_string()).collect()
}

pub fn finding<'a>(report: &'a Value, id: &str) -> &'a Value {
    findings(report)
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no finding {id}; findings: {:?}", ids(report)))
}

/// `namespace/name` of each pod in finding `id`, sorted, deduplicated.
pub fn pods(report: &Value, id: &str) -> Vec<String> {
    let mut pods: Vec<String> = finding(report, id)["pods"]
        .as_array()
        .expect("pods")
        .iter()
        .map(|p| format!("{}/{}", p["namespace"].as_str().unwrap_or(""), p["name"].as_str().unwrap_or("")))
        .collect();
    pods.dedup();
    pods
}

/// Every file below `dir` packed as a tar (paths relative to `dir`'s parent,
/// so the archive has a top directory like real bundles), gzipped.
pub fn tar_gz_of_dir(dir: &Path) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    tar.follow_symlinks(false);
    let name = dir.file_name().expect("dir has a name");
    tar.append_dir_all(name, dir).expect("pack dir");
    tar.into_inner().expect("finish tar").finish().expect("finish gzip")
}

/// A tar.gz holding one member `name` with `data`.
pub fn tar_gz_with(name: &str, data: &[u8]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    let mut header = tar::Header::new_gnu();
    header.set_size(data.len() as u64);
    header.set_mode(0o600);
    header.set_cksum();
    tar.append_data(&mut header, name, data).expect("append");
    tar.into_inner().expect("finish tar").finish().expect("finish gzip")
}

/// Writes `data` to a new file named `name` in a fresh temporary directory.
pub fn temp_file(name: &str, data: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, data).expect("write temp file");
    (dir, path)
}

/// The report with what legitimately differs between two readings of the
/// same bundle (the input name, entry paths in warnings) removed.
pub fn comparable(mut report: Value) -> Value {
    report["summary"]["input"] = Value::Null;
    report["warnings"] = Value::Null;
    report
}
