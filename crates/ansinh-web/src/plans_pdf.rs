//! Printable plan checks and budget forecasts: `/plans/{id}/check.pdf` (the findings of a plan table,
//! each with the printed value, the recomputed one, the formula and the inputs, and the count of cells
//! by result) and `/plans/{id}/forecast.pdf` (budget per policy and year, per funding source, the total
//! and the unconfirmed points it depends on). Same rights as the pages ([`Action::ReadPlans`]).

use crate::routing::Router;
use crate::routing::get;
use axum::extract::{Path, State};
use axum::response::Response;

use ansinh_domain::policy::PolicySet;
use ansinh_domain::policy::forecast::{Forecast, Inputs};
use ansinh_domain::policy::plan::{Plan, Report, Status};
use ansinh_reports::pdf::{Block, Doc};

use crate::auth::{Action, Authorized};
use crate::error::WebError;
use crate::i18n::{Lang, date};
use crate::pages::download;
use crate::plans::{checked_plan, forecast_of, status_label};
use crate::{App, Backend};

pub fn routes<S: Backend>() -> Router<App<S>> {
    Router::new()
        .route("/plans/{id}/check.pdf", get(check_pdf::<S>))
        .route("/plans/{id}/forecast.pdf", get(forecast_pdf::<S>))
}

fn pdf_response(doc: &Doc, name: String) -> Result<Response, WebError> {
    let pdf = ansinh_reports::pdf::render(doc).map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(download(pdf.bytes, "application/pdf", &name))
}

fn safe(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

const STATUSES: [Status; 6] = [
    Status::Consistent,
    Status::Given,
    Status::Rounding,
    Status::Repriced,
    Status::Inconsistent,
    Status::Error,
];

/// The check of a plan table as a document: counts by result, then every finding.
pub fn check_doc(l: Lang, plan: &Plan, report: &Report) -> Doc {
    let mut d = Doc::landscape(
        l.pick("KẾT QUẢ KIỂM TRA BẢNG KẾ HOẠCH", "CHECK OF A PLAN TABLE"),
        l.pick(&plan.title_vi, &plan.title_en).to_string(),
    );
    d.para(format!("{}: {}", l.pick("Nguồn", "Source"), plan.source));
    d.para(format!(
        "{}: {} · {}: {} · {}: {}",
        l.pick("Ban hành", "Issued"),
        date(plan.issued),
        l.pick("Đơn vị", "Unit"),
        plan.unit,
        l.pick("Làm tròn", "Rounding"),
        plan.rounding.code()
    ));
    let counts: Vec<String> = STATUSES
        .iter()
        .map(|s| (s, report.count(*s)))
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{}: {n}", status_label(*s, l)))
        .collect();
    d.para(format!(
        "{} {} — {}",
        report.cells.len(),
        l.pick("ô đã tính lại", "cells recomputed"),
        counts.join("; ")
    ));
    d.push(Block::Space(6.0));
    let findings: Vec<Vec<String>> = report
        .findings()
        .map(|c| {
            let mut why = c.reason.clone();
            if let Some(k) = &c.known {
                why.push_str(&format!(" [{}: {k}]", l.pick("đã biết", "known")));
            }
            for cv in &c.caveats {
                why.push_str(&format!(
                    " [{}: {}]",
                    l.pick("chưa xác nhận", "unconfirmed"),
                    cv.note
                ));
            }
            vec![
                c.label.clone(),
                status_label(c.status, l).to_string(),
                c.printed.clone().unwrap_or_default(),
                c.recomputed.clone().unwrap_or_default(),
                format!("{} ({})", c.formula, c.inputs.join("; ")),
                why,
            ]
        })
        .collect();
    if findings.is_empty() {
        d.para(l.pick("Mọi ô đều khớp.", "Every cell follows."));
    } else {
        d.heading(l.pick("Các ô cần xem lại", "Findings"));
        d.push(Block::Table {
            widths: vec![3.0, 1.4, 1.2, 1.2, 3.6, 3.6],
            header: [
                l.pick("Ô", "Cell"),
                l.pick("Kết quả", "Result"),
                l.pick("Số in", "Printed"),
                l.pick("Tính lại", "Recomputed"),
                l.pick("Công thức, số liệu", "Formula, inputs"),
                l.pick("Nhận xét", "Reason"),
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            rows: findings,
            total: false,
        });
    }
    d
}

/// A budget forecast as a document: per policy and year, per funding source, and the total.
pub fn forecast_doc(l: Lang, set: &PolicySet, id: &str, inputs: &Inputs, f: &Forecast) -> Doc {
    let mut d = Doc::landscape(
        l.pick(
            "DỰ BÁO KINH PHÍ THỰC HIỆN CHÍNH SÁCH GIẢM NGHÈO",
            "BUDGET FORECAST OF POVERTY-REDUCTION POLICIES",
        ),
        id.to_string(),
    );
    d.para(l.pick(
        "Kinh phí theo chính sách, năm và nguồn, tính với giá trị tham chiếu đang hiệu lực từng tháng. Đơn vị: đồng.",
        "Budget by policy, year and funding source, priced with the reference values in force each month. Unit: VND.",
    ));
    let money = |v: i128| l.vnd(i64::try_from(v).unwrap_or(i64::MAX));
    let per_policy = f.by_policy_year();
    let mut header = vec![l.pick("Chính sách", "Policy").to_string()];
    header.extend(inputs.years.iter().map(|y| y.to_string()));
    header.push(l.pick("Tổng", "Total").to_string());
    let mut rows = Vec::new();
    for (p, years) in &per_policy {
        let name = set.get(p).map_or(p.to_string(), |x| {
            l.pick(&x.name_vi, &x.name_en).to_string()
        });
        let mut r = vec![name];
        r.extend(
            inputs
                .years
                .iter()
                .map(|y| money(years.get(y).copied().unwrap_or(0))),
        );
        r.push(money(years.values().sum()));
        rows.push(r);
    }
    let by_year = f.by_year();
    let mut total = vec![l.pick("Tổng", "Total").to_string()];
    total.extend(
        inputs
            .years
            .iter()
            .map(|y| money(by_year.get(y).copied().unwrap_or(0))),
    );
    total.push(money(f.total()));
    rows.push(total);
    let mut widths = vec![5.0];
    widths.extend(inputs.years.iter().map(|_| 1.8));
    widths.push(2.0);
    d.push(Block::Table {
        widths,
        header,
        rows,
        total: true,
    });
    d.push(Block::Space(6.0));
    d.heading(l.pick("Theo nguồn kinh phí", "By funding source"));
    let mut rows: Vec<Vec<String>> = f
        .by_source()
        .into_iter()
        .map(|(s, v)| vec![s, money(v)])
        .collect();
    rows.push(vec![l.pick("Tổng", "Total").to_string(), money(f.total())]);
    d.push(Block::Table {
        widths: vec![5.0, 2.0],
        header: vec![
            l.pick("Nguồn", "Source").to_string(),
            l.pick("Kinh phí", "Amount").to_string(),
        ],
        rows,
        total: true,
    });
    let caveats: Vec<String> = f
        .caveats
        .iter()
        .flat_map(|(p, cs)| cs.iter().map(move |c| format!("{p}: {}", c.note)))
        .collect();
    if !caveats.is_empty() {
        d.push(Block::Space(6.0));
        d.heading(l.pick("Chưa xác nhận", "Unconfirmed"));
        for c in caveats {
            d.para(c);
        }
    }
    if !f.skipped.is_empty() {
        d.push(Block::Space(6.0));
        d.heading(l.pick("Không dự báo được", "Not forecast"));
        for (p, why) in &f.skipped {
            d.para(format!("{p}: {why}"));
        }
    }
    d
}

async fn check_pdf<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    auth.require(Action::ReadPlans)?;
    let (plan, report) = checked_plan(&app, &id, false)?;
    pdf_response(
        &check_doc(auth.lang, &plan, &report),
        format!("kiem-tra-{}.pdf", safe(&plan.id)),
    )
}

async fn forecast_pdf<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    auth.require(Action::ReadPlans)?;
    let (inputs, f) = forecast_of(&app, &id, false)?;
    let set = app.policies();
    pdf_response(
        &forecast_doc(auth.lang, set, &id, &inputs, &f),
        format!("du-bao-{}.pdf", safe(&id)),
    )
}
