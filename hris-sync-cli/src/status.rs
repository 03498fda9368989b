//! The status page (`GET /` of the `--listen` server, docs/rules.md §13): one server-rendered
//! HTML page, no JavaScript, for the administrator paged at 7 a.m. — the last cycles with a
//! chart of the last 24 hours, what needs a human (conflicts, held disables, failed actions,
//! notices) and what to do about each, webhook health, and the version.
//!
//! The board is filled by the watch loop after each cycle; [`render`] turns it into HTML, every
//! value escaped. The page names people: it is an admin view (see [`crate::serve`] for who may
//! see it).

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use hris_sync_core::chrono::{DateTime, Utc};
use hris_sync_core::engine::{CycleResult, ReportKind, Status};

use crate::webhook::InboxCounts;

/// What started a cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CycleKind {
    /// The schedule (`--interval`).
    Periodic,
    /// Webhook notifications.
    Targeted,
}

/// One cycle, as the page lists it.
#[derive(Clone, Debug)]
struct CycleRow {
    at: SystemTime,
    kind: CycleKind,
    took: Duration,
    /// `None`: the cycle failed as a whole.
    counts: Option<[usize; 6]>,
    result: String,
    ok: bool,
}

/// Something that needs a human.
#[derive(Clone, Debug)]
struct Item {
    what: &'static str,
    employee: String,
    upn: String,
    why: String,
    todo: String,
}

/// The cycles and the open items, shared by the watch loop and the server.
#[derive(Debug, Default)]
pub struct Board {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    cycles: VecDeque<CycleRow>,
    items: Vec<Item>,
}

/// Cycles kept for the page: the last 24 hours, at most this many.
const KEPT: usize = 500;

impl Board {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn push(&self, row: CycleRow) {
        let mut b = self.lock();
        let day_ago = row.at.checked_sub(Duration::from_secs(86_400));
        while b.cycles.len() >= KEPT
            || b.cycles
                .front()
                .is_some_and(|c| day_ago.is_some_and(|d| c.at < d))
        {
            b.cycles.pop_front();
        }
        b.cycles.push_back(row);
    }

    /// A cycle that ran to its end at `at`. A periodic cycle's items replace the open ones (it
    /// saw everyone); a targeted one's are added.
    pub fn cycle_done(
        &self,
        result: &CycleResult,
        took: Duration,
        kind: CycleKind,
        at: SystemTime,
    ) {
        let s = &result.report.summary;
        let counts = [
            s.created,
            s.linked,
            s.updated,
            s.disabled + s.enabled,
            s.failed,
            s.held,
        ];
        let code = result.exit_code();
        let result_text = match code {
            0 => "ok".to_owned(),
            3 => "held by a safety guard".to_owned(),
            _ => format!("{} failed", s.failed),
        };
        self.push(CycleRow {
            at,
            kind,
            took,
            counts: Some(counts),
            result: result_text,
            ok: code == 0,
        });
        let items = items(result);
        let mut b = self.lock();
        if kind == CycleKind::Periodic {
            b.items = items;
        } else {
            b.items.extend(items);
            // Between two periodic cycles, the newest items at most.
            let over = b.items.len().saturating_sub(KEPT);
            b.items.drain(..over);
        }
    }

    /// A cycle that failed as a whole (a read, a check) with `error`.
    pub fn cycle_failed(&self, error: &str, took: Duration, kind: CycleKind, at: SystemTime) {
        self.push(CycleRow {
            at,
            kind,
            took,
            counts: None,
            result: error.to_owned(),
            ok: false,
        });
    }
}

fn items(result: &CycleResult) -> Vec<Item> {
    let explain = |id: &str| format!("run `hris-sync explain {id}` to see each step");
    result
        .report
        .actions
        .iter()
        .filter_map(|a| {
            let (what, todo) = match (a.status, a.kind) {
                (Status::Failed, _) => (
                    "failed",
                    format!("the next cycle tries again; if it keeps failing, {}", explain(&a.employee_id)),
                ),
                (Status::Held, _) => (
                    "held",
                    "check the leavers in HR; if they are right, run once with --allow-mass-disable".to_owned(),
                ),
                (_, ReportKind::Conflict) => (
                    "conflict",
                    format!("fix the account or the HR record so one account matches; {}", explain(&a.employee_id)),
                ),
                (_, ReportKind::Notice) => ("notice", explain(&a.employee_id)),
                _ => return None,
            };
            Some(Item {
                what,
                employee: a.employee_id.clone(),
                upn: a.upn.clone().unwrap_or_default(),
                why: a.reason.clone().unwrap_or_default(),
                todo,
            })
        })
        .collect()
}

/// `s` with `& < > " '` escaped for HTML text and attributes.
#[must_use]
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn time(t: SystemTime) -> String {
    DateTime::<Utc>::from(t)
        .format("%Y-%m-%d %H:%M:%S UTC")
        .to_string()
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border-bottom:1px solid #ddd;\
padding:.3em .6em;text-align:left;vertical-align:top}th{background:#f4f4f4}.ok{color:#1a7f37}\
.bad{color:#b42318}.held{color:#9a6700}h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.5em}";

/// The page at `now`, with the webhook receiver's counts when it is on.
#[must_use]
pub fn render(board: &Board, webhooks: Option<InboxCounts>, now: SystemTime) -> String {
    let b = board.lock();
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>hris-sync status</title>\
         <style>{STYLE}</style></head><body><h1>hris-sync status</h1><p>hris-sync {} · page made {}</p>",
        env!("CARGO_PKG_VERSION"),
        time(now)
    );
    let _ = write!(out, "<h2>Needs a human ({})</h2>", b.items.len());
    if b.items.is_empty() {
        out.push_str("<p class=\"ok\" id=\"nothing\">Nothing: the last cycle left no conflict, held, failed or noted action.</p>");
    } else {
        out.push_str("<table id=\"attention\"><tr><th>what</th><th>employee</th><th>account</th><th>why</th><th>what to do</th></tr>");
        for i in &b.items {
            let class = if matches!(i.what, "held" | "notice") {
                "held"
            } else {
                "bad"
            };
            let _ = write!(
                out,
                "<tr class=\"{class}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                i.what,
                escape(&i.employee),
                escape(&i.upn),
                escape(&i.why),
                escape(&i.todo)
            );
        }
        out.push_str("</table>");
    }
    out.push_str("<h2>Last 24 hours</h2>");
    out.push_str(&chart(&b.cycles, now));
    out.push_str("<table id=\"cycles\"><tr><th>when</th><th>kind</th><th>created</th><th>linked</th>\
        <th>updated</th><th>disabled / enabled</th><th>failed</th><th>held</th><th>took</th><th>result</th></tr>");
    for c in b.cycles.iter().rev().take(20) {
        let kind = match c.kind {
            CycleKind::Periodic => "periodic",
            CycleKind::Targeted => "webhook",
        };
        let cells = c.counts.map_or_else(
            || "<td colspan=\"6\">—</td>".to_owned(),
            |n| n.iter().map(|v| format!("<td>{v}</td>")).collect(),
        );
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{kind}</td>{cells}<td>{:.1} s</td><td class=\"{}\">{}</td></tr>",
            time(c.at),
            c.took.as_secs_f64(),
            if c.ok { "ok" } else { "bad" },
            escape(&c.result)
        );
    }
    out.push_str("</table>");
    out.push_str("<h2>Webhooks</h2>");
    match webhooks {
        None => out.push_str("<p id=\"webhooks\">Not receiving (no PERSONIO_WEBHOOK_TOKEN).</p>"),
        Some(w) => {
            let last = w.last_delivery.map_or_else(|| "none yet".to_owned(), time);
            let _ = write!(
                out,
                "<table id=\"webhooks\"><tr><th>last delivery</th><td>{last}</td></tr>\
                 <tr><th>accepted</th><td>{}</td></tr><tr><th>duplicates dropped</th><td>{}</td></tr>\
                 <tr><th>refused: wrong or missing token</th><td>{}</td></tr>\
                 <tr><th>ignored: unusable</th><td>{}</td></tr>\
                 <tr><th>ignored: another company's</th><td>{}</td></tr></table>",
                w.accepted, w.duplicates, w.refused, w.ignored, w.other_company
            );
        }
    }
    out.push_str("</body></html>");
    out
}

/// An inline SVG of the last 24 hours: one bar per cycle at its time, as tall as its writes
/// (a square-root scale), green when it succeeded, red when not.
fn chart(cycles: &VecDeque<CycleRow>, now: SystemTime) -> String {
    const W: f64 = 720.0;
    const H: f64 = 100.0;
    let day = 86_400.0;
    let writes = |c: &CycleRow| c.counts.map_or(0, |n| n[..4].iter().sum::<usize>());
    #[allow(clippy::cast_precision_loss)]
    let top = cycles.iter().map(writes).max().unwrap_or(0).max(1) as f64;
    let mut svg = format!(
        "<svg id=\"chart\" width=\"{W}\" height=\"{}\" viewBox=\"0 0 {W} {}\" role=\"img\" \
         aria-label=\"cycles of the last 24 hours\"><rect x=\"0\" y=\"0\" width=\"{W}\" height=\"{H}\" \
         fill=\"#fafafa\" stroke=\"#ddd\"/>",
        H + 16.0,
        H + 16.0
    );
    for c in cycles {
        let age = now.duration_since(c.at).unwrap_or_default().as_secs_f64();
        if age > day {
            continue;
        }
        let x = W * (1.0 - age / day);
        #[allow(clippy::cast_precision_loss)]
        let n = writes(c) as f64;
        let h = 2.0 + (H - 4.0) * (n / top).sqrt();
        let colour = if c.ok { "#1a7f37" } else { "#b42318" };
        let _ = write!(
            svg,
            "<rect class=\"bar\" x=\"{:.1}\" y=\"{:.1}\" width=\"3\" height=\"{h:.1}\" fill=\"{colour}\"><title>{}: {} writes</title></rect>",
            (x - 1.5).max(0.0),
            H - h,
            time(c.at),
            writes(c)
        );
    }
    let _ = write!(
        svg,
        "<text x=\"2\" y=\"{}\" font-size=\"11\">24 h ago</text><text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">now</text></svg>",
        H + 13.0,
        W - 2.0,
        H + 13.0
    );
    svg
}

#[cfg(test)]
mod tests;
