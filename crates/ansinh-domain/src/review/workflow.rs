//! The review procedure as data (`review/*.toml`): the steps of each kind of round, the periodic window,
//! and the days counts of every deadline. A province may ship its own file (`jurisdiction = "NN"`), which
//! replaces the national one for its communes. Values marked `unconfirmed = true` become [`Caveat`]s.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use serde::Deserialize;
use toml::Spanned;

use super::Caveat;
use super::round::{RoundKind, Stage};
use crate::file_error::{FileError, Origin};

const CODE: &str = "REVIEW_CONFIG";

/// A number of days: calendar days, or working days (Monday to Friday; public holidays are not known to
/// ansinh and count as working days).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayCount {
    pub days: u32,
    pub working: bool,
    /// The note when the count is not confirmed by a source.
    pub unconfirmed: Option<String>,
}

fn is_working(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

impl DayCount {
    pub fn calendar(days: u32) -> DayCount {
        DayCount {
            days,
            working: false,
            unconfirmed: None,
        }
    }

    /// The last day of a period of this length that begins on `from` (`from` counts when it is a day of
    /// the kind counted). A period of 0 days ends the day before `from`.
    pub fn last_day(&self, from: NaiveDate) -> NaiveDate {
        if self.days == 0 {
            return from.pred_opt().unwrap_or(from);
        }
        if !self.working {
            return from
                .checked_add_days(Days::new(u64::from(self.days) - 1))
                .unwrap_or(NaiveDate::MAX);
        }
        let mut d = from;
        let mut n = 0;
        loop {
            if is_working(d) {
                n += 1;
                if n == self.days {
                    return d;
                }
            }
            match d.succ_opt() {
                Some(next) => d = next,
                None => return d,
            }
        }
    }

    /// The deadline this many days after `from` (the day of `from` not counted).
    pub fn due(&self, from: NaiveDate) -> NaiveDate {
        match from.succ_opt() {
            Some(next) if self.days > 0 => self.last_day(next),
            _ => from,
        }
    }

    pub fn describe_vi(&self) -> String {
        format!(
            "{} ngày{}",
            self.days,
            if self.working { " làm việc" } else { "" }
        )
    }

    pub fn describe_en(&self) -> String {
        format!(
            "{} {}day(s)",
            self.days,
            if self.working { "working " } else { "" }
        )
    }
}

/// A number of months.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonthCount {
    pub months: u32,
    pub unconfirmed: Option<String>,
}

impl MonthCount {
    /// `from` plus the months (the end of the month when the day does not exist).
    pub fn after(&self, from: NaiveDate) -> NaiveDate {
        from.checked_add_months(Months::new(self.months))
            .unwrap_or(NaiveDate::MAX)
    }
}

/// The review procedure of one period, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Workflow {
    pub id: String,
    pub name_vi: String,
    pub name_en: String,
    pub legal_basis: String,
    /// `None` for the national procedure, else the province code it belongs to.
    pub jurisdiction: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// The periodic window, `(month, day)` of its first and last day.
    pub window_start: (u32, u32),
    pub window_end: (u32, u32),
    pub periodic_steps: Vec<Stage>,
    pub regular_steps: Vec<Stage>,
    /// Regular reviews start on this day of each month.
    pub regular_start_day: u32,
    /// Regular reviews: from the start of the review to the decision and certificate.
    pub decision_days: DayCount,
    /// The village meeting agrees when at least this share (in percent) of attendees agree.
    pub pass_percent: u32,
    pub posting: DayCount,
    pub complaint_resolve: DayCount,
    pub consultation_reply: DayCount,
    pub newly_escaped: MonthCount,
    /// Re-poor when the household escaped poverty within this many months (0: at any time).
    pub re_poor_lookback: MonthCount,
    pub caveats: Vec<Caveat>,
    pub file: String,
}

impl Workflow {
    /// The steps of a kind of round, in order; the round is approved after the last one.
    pub fn steps(&self, kind: RoundKind) -> &[Stage] {
        match kind {
            RoundKind::Periodic => &self.periodic_steps,
            RoundKind::Regular => &self.regular_steps,
        }
    }

    /// The periodic review window of a year: its first and last day.
    pub fn window(&self, year: i32) -> (NaiveDate, NaiveDate) {
        let d =
            |(m, day): (u32, u32)| NaiveDate::from_ymd_opt(year, m, day).unwrap_or(NaiveDate::MIN);
        (d(self.window_start), d(self.window_end))
    }

    /// The day a regular review of a request received on `received` starts: the next start day of a
    /// month, on or after the day received.
    pub fn regular_start(&self, received: NaiveDate) -> NaiveDate {
        let this = received.with_day(self.regular_start_day);
        match this {
            Some(d) if d >= received => d,
            _ => received
                .with_day(1)
                .and_then(|d| d.checked_add_months(Months::new(1)))
                .and_then(|d| d.with_day(self.regular_start_day))
                .unwrap_or(received),
        }
    }

    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && self.valid_to.is_none_or(|to| date <= to)
    }

    /// Whether a meeting with `agree` of `attendees` agreeing passes.
    pub fn passes(&self, agree: u32, attendees: u32) -> bool {
        attendees > 0
            && u64::from(agree) * 100 >= u64::from(self.pass_percent) * u64::from(attendees)
    }
}

// ------------------------------------------------------------------ file format

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Names {
    vi: String,
    en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DaysFile {
    days: u32,
    #[serde(default)]
    working: bool,
    #[serde(default)]
    unconfirmed: bool,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MonthsFile {
    months: u32,
    #[serde(default)]
    unconfirmed: bool,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeriodicFile {
    window_start: Spanned<String>,
    window_end: Spanned<String>,
    steps: Spanned<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegularFile {
    start_day: Spanned<u32>,
    decision_days: DaysFile,
    steps: Spanned<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MeetingFile {
    pass_percent: Spanned<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PostingFile {
    days: DaysFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ComplaintsFile {
    resolve: DaysFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsultationFile {
    reply: DaysFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TransitionsFile {
    newly_escaped_months: MonthsFile,
    re_poor_lookback_months: MonthsFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkflowFile {
    id: String,
    name: Names,
    legal_basis: String,
    jurisdiction: Option<String>,
    valid_from: toml::value::Datetime,
    valid_to: Option<toml::value::Datetime>,
    periodic: PeriodicFile,
    regular: RegularFile,
    meeting: MeetingFile,
    posting: PostingFile,
    complaints: ComplaintsFile,
    consultation: ConsultationFile,
    transitions: TransitionsFile,
}

fn toml_date(d: &toml::value::Datetime) -> Option<NaiveDate> {
    let date = d.date?;
    NaiveDate::from_ymd_opt(
        i32::from(date.year),
        u32::from(date.month),
        u32::from(date.day),
    )
}

fn month_day(s: &str) -> Option<(u32, u32)> {
    let (m, d) = s.split_once('-')?;
    let (m, d): (u32, u32) = (m.parse().ok()?, d.parse().ok()?);
    // A leap year accepts every real month-day.
    NaiveDate::from_ymd_opt(2024, m, d).map(|_| (m, d))
}

/// Builds one workflow from its file.
fn build(file: &str, src: &str) -> Result<Workflow, Vec<FileError>> {
    let o = Origin { file, src };
    let f: WorkflowFile = toml::from_str(src).map_err(|e| vec![o.syntax(CODE, &e)])?;
    let err = |offset: Option<usize>, msg: String| o.err(offset, CODE, msg);
    let mut errors = Vec::new();
    let mut caveats = Vec::new();
    let mut days = |name: &str, d: DaysFile| {
        let unconfirmed = d
            .unconfirmed
            .then(|| d.note.clone().unwrap_or_else(|| "unconfirmed".into()));
        if let Some(n) = &unconfirmed {
            caveats.push(Caveat {
                subject: format!("workflow:{name}"),
                note: n.clone(),
            });
        }
        DayCount {
            days: d.days,
            working: d.working,
            unconfirmed,
        }
    };
    let decision_days = days("regular.decision_days", f.regular.decision_days);
    let posting = days("posting.days", f.posting.days);
    let complaint_resolve = days("complaints.resolve", f.complaints.resolve);
    let consultation_reply = days("consultation.reply", f.consultation.reply);
    let mut months = |name: &str, m: MonthsFile| {
        let unconfirmed = m
            .unconfirmed
            .then(|| m.note.clone().unwrap_or_else(|| "unconfirmed".into()));
        if let Some(n) = &unconfirmed {
            caveats.push(Caveat {
                subject: format!("workflow:{name}"),
                note: n.clone(),
            });
        }
        MonthCount {
            months: m.months,
            unconfirmed,
        }
    };
    let newly_escaped = months(
        "transitions.newly_escaped_months",
        f.transitions.newly_escaped_months,
    );
    let re_poor_lookback = months(
        "transitions.re_poor_lookback_months",
        f.transitions.re_poor_lookback_months,
    );
    if posting.days == 0 {
        errors.push(err(
            None,
            "the posting period needs at least one day".into(),
        ));
    }
    let mut window = |s: &Spanned<String>| match month_day(s.get_ref()) {
        Some(md) => md,
        None => {
            errors.push(err(
                Some(s.span().start),
                format!("`{}` is not a month and day such as \"09-01\"", s.get_ref()),
            ));
            (1, 1)
        }
    };
    let window_start = window(&f.periodic.window_start);
    let window_end = window(&f.periodic.window_end);
    if window_end < window_start {
        errors.push(err(
            Some(f.periodic.window_end.span().start),
            "the window ends before it starts".into(),
        ));
    }
    let mut steps = |s: &Spanned<Vec<String>>, kind: RoundKind| -> Vec<Stage> {
        let mut out: Vec<Stage> = Vec::new();
        for name in s.get_ref() {
            match Stage::parse(name).filter(|st| st.is_step()) {
                Some(st) if out.last().is_none_or(|l| *l < st) => out.push(st),
                Some(_) => errors.push(err(
                    Some(s.span().start),
                    format!("step `{name}` is out of order or repeated (order: listing, scoring, meeting, posting, complaints, consultation, decision)"),
                )),
                None => errors.push(err(
                    Some(s.span().start),
                    format!("unknown step `{name}` (known: listing, scoring, meeting, posting, complaints, consultation, decision)"),
                )),
            }
        }
        let required: &[Stage] = match kind {
            RoundKind::Periodic => &[
                Stage::Listing,
                Stage::Scoring,
                Stage::Meeting,
                Stage::Posting,
                Stage::Decision,
            ],
            RoundKind::Regular => &[
                Stage::Scoring,
                Stage::Meeting,
                Stage::Posting,
                Stage::Decision,
            ],
        };
        for r in required {
            if !out.contains(r) {
                errors.push(err(
                    Some(s.span().start),
                    format!("the {} review needs the step `{}`", kind.code(), r.code()),
                ));
            }
        }
        if kind == RoundKind::Regular && out.contains(&Stage::Listing) {
            errors.push(err(
                Some(s.span().start),
                "a regular review has no listing step (its list is the household's request)".into(),
            ));
        }
        out
    };
    let periodic_steps = steps(&f.periodic.steps, RoundKind::Periodic);
    let regular_steps = steps(&f.regular.steps, RoundKind::Regular);
    let start_day = *f.regular.start_day.get_ref();
    if !(1..=28).contains(&start_day) {
        errors.push(err(
            Some(f.regular.start_day.span().start),
            "the start day of regular reviews is a day from 1 to 28".into(),
        ));
    }
    let pass = *f.meeting.pass_percent.get_ref();
    if !(1..=100).contains(&pass) {
        errors.push(err(
            Some(f.meeting.pass_percent.span().start),
            "the pass share is a percentage from 1 to 100".into(),
        ));
    }
    let valid_from = toml_date(&f.valid_from);
    let valid_to = f.valid_to.as_ref().map(toml_date);
    if valid_from.is_none() || valid_to.is_some_and(|d| d.is_none()) {
        errors.push(err(None, "dates are written like 2021-09-01".into()));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Workflow {
        id: f.id,
        name_vi: f.name.vi,
        name_en: f.name.en,
        legal_basis: f.legal_basis,
        jurisdiction: f.jurisdiction,
        valid_from: valid_from.unwrap_or(NaiveDate::MIN),
        valid_to: valid_to.flatten(),
        window_start,
        window_end,
        periodic_steps,
        regular_steps,
        regular_start_day: start_day,
        decision_days,
        pass_percent: pass,
        posting,
        complaint_resolve,
        consultation_reply,
        newly_escaped,
        re_poor_lookback,
        caveats,
        file: file.to_string(),
    })
}

/// Every loaded workflow.
#[derive(Clone, Debug, Default)]
pub struct WorkflowSet {
    workflows: Vec<Workflow>,
}

impl WorkflowSet {
    /// Loads `(file name, contents)`: every file loads, or nothing does and every problem is returned.
    pub fn load(files: &[(String, String)]) -> Result<WorkflowSet, Vec<FileError>> {
        let mut errors = Vec::new();
        let mut workflows: Vec<Workflow> = Vec::new();
        for (name, src) in files {
            match build(name, src) {
                Ok(w) => {
                    if workflows
                        .iter()
                        .any(|x| x.id == w.id && x.jurisdiction == w.jurisdiction)
                    {
                        errors.push(FileError::new(
                            name.as_str(),
                            CODE,
                            format!(
                                "workflow `{}` is defined twice for the same jurisdiction",
                                w.id
                            ),
                        ));
                    }
                    workflows.push(w);
                }
                Err(mut e) => errors.append(&mut e),
            }
        }
        if errors.is_empty() {
            workflows.sort_by(|a, b| a.valid_from.cmp(&b.valid_from).then(a.id.cmp(&b.id)));
            Ok(WorkflowSet { workflows })
        } else {
            Err(errors)
        }
    }

    pub fn all(&self) -> &[Workflow] {
        &self.workflows
    }

    /// The workflow `id` of the province when it has its own, else the national one.
    pub fn get(&self, id: &str, province: Option<&str>) -> Option<&Workflow> {
        let same = |w: &&Workflow| w.id == id;
        province
            .and_then(|p| {
                self.workflows
                    .iter()
                    .filter(same)
                    .find(|w| w.jurisdiction.as_deref() == Some(p))
            })
            .or_else(|| {
                self.workflows
                    .iter()
                    .filter(same)
                    .find(|w| w.jurisdiction.is_none())
            })
    }

    /// The workflow in force on a date (the province's own first).
    pub fn in_force(&self, date: NaiveDate, province: Option<&str>) -> Option<&Workflow> {
        let live = || self.workflows.iter().filter(|w| w.in_force_on(date));
        province
            .and_then(|p| live().rfind(|w| w.jurisdiction.as_deref() == Some(p)))
            .or_else(|| live().rfind(|w| w.jurisdiction.is_none()))
    }
}
