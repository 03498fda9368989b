//! The audit trail on disk (docs/rules.md §13): `--audit FILE` appends one JSON line per
//! record, and `hris-sync audit --employee ID` shows one person's history from it.
//!
//! The file is opened like the credentials file ([`crate::private_file`]: created `0600`,
//! never through a symbolic link, refused if others may read it), appended to, and flushed to
//! disk after each batch of records, which the engine hands over after every apply phase. A
//! record holds no password, pass or token.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufRead as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;
use hris_sync_core::chrono::{DateTime, Utc};
use hris_sync_core::engine::{AuditRecord, AuditSink};
use hris_sync_core::{Error, ErrorKind, Result};
use serde_json::Value;

/// The `--audit FILE` sink.
#[derive(Debug)]
pub struct AuditFile {
    path: PathBuf,
    file: Mutex<File>,
}

impl AuditFile {
    /// Append to `path`, created `0600` if it does not exist.
    ///
    /// # Errors
    /// When the file cannot be opened or is refused; the message names it.
    pub fn open(path: &Path) -> Result<Self> {
        let file = crate::private_file::open(path, crate::private_file::Mode::Append)
            .map_err(|e| Error::config(format!("--audit {}: {e}", path.display())))?;
        Ok(Self {
            path: path.to_owned(),
            file: Mutex::new(file),
        })
    }
}

#[async_trait]
impl AuditSink for AuditFile {
    async fn record(&self, records: &[AuditRecord]) -> Result<()> {
        let mut text = String::new();
        for r in records {
            text.push_str(&r.to_json_line());
            text.push('\n');
        }
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(|e| {
                Error::new(
                    ErrorKind::Other,
                    format!("--audit {}: {e}", self.path.display()),
                )
            })
    }
}

/// One record of the history.
struct Row {
    at: DateTime<Utc>,
    what: String,
    status: String,
    upn: String,
    account: String,
    run: String,
    changes: String,
    reason: String,
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn short(v: &Value) -> String {
    match v {
        Value::Null => "∅".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn changes(v: &Value) -> String {
    v.get("changes")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, c)| format!("{k}: {} → {}", short(&c["from"]), short(&c["to"])))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// `employee`'s records in the audit file at `path`, at or after `since`, newest first, as a
/// table. Lines that are no record (a torn last line after a crash) are skipped and counted
/// below the table.
///
/// # Errors
/// When the file cannot be read.
pub fn history(path: &Path, employee: &str, since: Option<DateTime<Utc>>) -> Result<String> {
    let file =
        File::open(path).map_err(|e| Error::config(format!("--file {}: {e}", path.display())))?;
    let mut rows: Vec<(DateTime<Utc>, usize, Row)> = Vec::new();
    let mut unreadable = 0usize;
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| Error::config(format!("--file {}: {e}", path.display())))?;
        if line.trim().is_empty() {
            continue;
        }
        let Ok(v) = serde_json::from_str::<Value>(&line) else {
            unreadable += 1;
            continue;
        };
        let Some(at) = hris_sync_core::time::parse_instant(&text(&v, "at")) else {
            unreadable += 1;
            continue;
        };
        if text(&v, "employee_id") != employee || since.is_some_and(|s| at < s) {
            continue;
        }
        rows.push((
            at,
            n,
            Row {
                at,
                what: text(&v, "kind"),
                status: text(&v, "status"),
                upn: text(&v, "upn"),
                account: text(&v, "account"),
                run: text(&v, "run"),
                changes: changes(&v),
                reason: {
                    let reason = text(&v, "reason");
                    if reason.is_empty() {
                        text(&v, "rule")
                    } else {
                        reason
                    }
                },
            },
        ));
    }
    // Newest first; within one cycle, the order written, last first.
    rows.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    let mut out = String::new();
    if rows.is_empty() {
        let _ = writeln!(
            out,
            "No audit records for employee {employee} in {}.",
            path.display()
        );
    } else {
        let _ = writeln!(
            out,
            "Employee {employee}: {} audit records, newest first (UTC)\n",
            rows.len()
        );
        let table: Vec<[String; 6]> = std::iter::once(
            ["TIME", "ACTION", "STATUS", "ACCOUNT", "WHY", "CHANGES"].map(str::to_owned),
        )
        .chain(rows.iter().map(|(_, _, r)| {
            let account = match (r.upn.is_empty(), r.account.is_empty()) {
                (false, _) => r.upn.clone(),
                (true, false) => r.account.clone(),
                (true, true) => "—".to_owned(),
            };
            [
                r.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                r.what.clone(),
                r.status.clone(),
                account,
                r.reason.clone(),
                r.changes.clone(),
            ]
        }))
        .collect();
        let mut widths = [0usize; 5];
        for row in &table {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        for row in &table {
            let mut line = String::new();
            for (cell, w) in row.iter().zip(widths) {
                let _ = write!(line, "{cell:<w$}  ");
            }
            line.push_str(&row[5]);
            let _ = writeln!(out, "{}", line.trim_end());
        }
        let runs: std::collections::BTreeSet<&str> =
            rows.iter().map(|(_, _, r)| r.run.as_str()).collect();
        let n = runs.len();
        let noun = if n == 1 { "run" } else { "runs" };
        let _ = writeln!(
            out,
            "\n{n} {noun}; account ids and run ids are in the file."
        );
    }
    if unreadable > 0 {
        let _ = writeln!(
            out,
            "({unreadable} lines of the file are no audit record and were skipped)"
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_persons_history_newest_first_torn_lines_counted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let lines = [
            r#"{"at":"2026-12-01T08:00:00Z","run":"r1","account":"u9","kind":"create","employee_id":"7","upn":"ann@demo.com","changes":{"givenName":{"from":null,"to":"Ann"}},"status":"applied","reason":null}"#,
            r#"{"at":"2026-12-01T08:00:00Z","run":"r1","account":null,"kind":"skip","employee_id":"8","upn":null,"changes":{},"status":"skipped","reason":"no email"}"#,
            r#"{"at":"2026-12-03T08:00:00Z","run":"r2","account":"u9","kind":"disable","employee_id":"7","upn":"ann@demo.com","changes":{"accountEnabled":{"from":true,"to":false}},"status":"applied","reason":"S5: left"}"#,
            r#"{"at":"2026-12-03T08:00:0"#,
        ];
        std::fs::write(&path, lines.join("\n")).unwrap();
        let table = history(&path, "7", None).unwrap();
        let disable = table.find("disable").unwrap();
        let create = table.find("create").unwrap();
        assert!(disable < create, "newest first:\n{table}");
        assert!(table.contains("accountEnabled: true → false"), "{table}");
        assert!(table.contains("S5: left"), "{table}");
        assert!(table.contains("2026-12-03 08:00:00  disable"), "{table}");
        assert!(table.contains("2 runs"), "{table}");
        assert!(
            !table.contains("no email"),
            "another person's record:\n{table}"
        );
        assert!(
            table.contains("1 lines of the file are no audit record"),
            "{table}"
        );
        let since = hris_sync_core::time::parse_instant("2026-12-02T00:00:00Z");
        let table = history(&path, "7", since).unwrap();
        assert!(!table.contains("create"), "{table}");
        assert!(
            history(&path, "99", None)
                .unwrap()
                .starts_with("No audit records")
        );
    }
}
