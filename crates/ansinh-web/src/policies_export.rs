//! The support policies as downloads: `/policies/export.xlsx` and `/policies/export.pdf`, with the same
//! `?on=…&status=…` as `/policies`: one line per policy and amount period (the amount per unit in each
//! period of the dated reference values 2022–2026), with validity, scope, legal basis, agency, who is
//! eligible, the amount rule, the funding split and the unconfirmed points. Every logged-in role
//! ([`Action::ReadPolicies`]).

use crate::routing::Router;
use crate::routing::get;
use axum::extract::{Query, State};
use axum::response::Response;

use ansinh_reports::pdf::{Block, Doc};

use crate::auth::{Action, Authorized};
use crate::error::WebError;
use crate::i18n::{Lang, date};
use crate::pages::{download, xl};
use crate::plans::{
    PoliciesQuery, all_caveats, amount_text, funding_text, name, periods, readable_condition,
    scope_text, select, valid_text,
};
use crate::{App, Backend};

pub fn routes<S: Backend>() -> Router<App<S>> {
    Router::new()
        .route("/policies/export.xlsx", get(xlsx::<S>))
        .route("/policies/export.pdf", get(pdf::<S>))
}

/// One line: a policy in one period of its amount.
pub struct Line {
    pub id: String,
    pub name: String,
    pub valid: String,
    pub scope: String,
    pub legal_basis: String,
    pub agency: String,
    pub eligible: String,
    pub amount_rule: String,
    pub funding: String,
    pub from: String,
    pub to: String,
    pub amount: i64,
    pub unconfirmed: String,
}

pub fn lines<S>(app: &App<S>, l: Lang, q: &PoliciesQuery) -> Result<Vec<Line>, WebError> {
    let (on, status) = q.resolve(app)?;
    let set = app.policies();
    let mut out = Vec::new();
    for p in select(set, on, status) {
        let (ps, _) = periods(p, set);
        let caveats = all_caveats(p, &ps)
            .iter()
            .map(|c| format!("{}: {}", c.subject, c.note))
            .collect::<Vec<_>>()
            .join("; ");
        for per in &ps {
            out.push(Line {
                id: p.id.clone(),
                name: name(p, l).to_string(),
                valid: valid_text(p, l),
                scope: scope_text(p, l),
                legal_basis: p.legal_basis.clone(),
                agency: p.agency.clone(),
                eligible: readable_condition(&p.eligible.text, l),
                amount_rule: amount_text(p, l),
                funding: funding_text(p, l),
                from: date(per.from),
                to: per
                    .to
                    .map_or_else(|| l.pick("nay", "now").to_string(), date),
                amount: per.vnd,
                unconfirmed: caveats.clone(),
            });
        }
    }
    Ok(out)
}

pub fn workbook(lines: &[Line]) -> Result<Vec<u8>, WebError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0");
    let ws = wb.add_worksheet();
    ws.set_name("Chinh sach").map_err(xl)?;
    let head = [
        "Mã / Id",
        "Chính sách / Policy",
        "Hiệu lực / Valid",
        "Phạm vi / Scope",
        "Căn cứ / Legal basis",
        "Cơ quan / Agency",
        "Đối tượng / Eligible",
        "Cách tính / Amount rule",
        "Nguồn kinh phí / Funding",
        "Từ ngày / From",
        "Đến ngày / To",
        "Mức (đ) / Amount (VND)",
        "Chưa xác nhận / Unconfirmed",
    ];
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(xl)?;
    }
    for (i, ln) in lines.iter().enumerate() {
        let r = 1 + i as u32;
        let texts = [
            &ln.id,
            &ln.name,
            &ln.valid,
            &ln.scope,
            &ln.legal_basis,
            &ln.agency,
            &ln.eligible,
            &ln.amount_rule,
            &ln.funding,
            &ln.from,
            &ln.to,
        ];
        for (c, t) in texts.iter().enumerate() {
            ws.write_string(r, c as u16, t.as_str()).map_err(xl)?;
        }
        ws.write_number_with_format(r, 11, ln.amount as f64, &money)
            .map_err(xl)?;
        ws.write_string(r, 12, &ln.unconfirmed).map_err(xl)?;
    }
    ws.set_column_width(1, 40).map_err(xl)?;
    wb.save_to_buffer().map_err(xl)
}

pub fn document(l: Lang, lines: &[Line]) -> Doc {
    let mut d = Doc::landscape(
        l.pick(
            "CHÍNH SÁCH HỖ TRỢ GIẢM NGHÈO VÀ MỨC HỖ TRỢ THEO THỜI KỲ",
            "SUPPORT POLICIES AND THEIR AMOUNTS BY PERIOD",
        ),
        String::new(),
    );
    d.push(Block::Space(6.0));
    let rows = lines
        .iter()
        .map(|ln| {
            vec![
                format!("{} ({})", ln.name, ln.id),
                ln.valid.clone(),
                ln.amount_rule.clone(),
                ln.funding.clone(),
                format!("{} – {}", ln.from, ln.to),
                l.vnd(ln.amount),
                if ln.unconfirmed.is_empty() {
                    String::new()
                } else {
                    l.pick("chưa xác nhận", "unconfirmed").to_string()
                },
            ]
        })
        .collect();
    d.push(Block::Table {
        widths: vec![4.0, 1.8, 3.2, 2.4, 2.0, 1.6, 1.2],
        header: [
            l.pick("Chính sách", "Policy"),
            l.pick("Hiệu lực", "Valid"),
            l.pick("Cách tính", "Amount rule"),
            l.pick("Nguồn kinh phí", "Funding"),
            l.pick("Thời kỳ", "Period"),
            l.pick("Mức", "Amount"),
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        rows,
        total: false,
    });
    d
}

async fn xlsx<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Query(q): Query<PoliciesQuery>,
) -> Result<Response, WebError> {
    auth.require(Action::ReadPolicies)?;
    let bytes = workbook(&lines(&app, auth.lang, &q)?)?;
    Ok(download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "chinh-sach.xlsx",
    ))
}

async fn pdf<S: Backend>(
    State(app): State<App<S>>,
    auth: Authorized,
    Query(q): Query<PoliciesQuery>,
) -> Result<Response, WebError> {
    auth.require(Action::ReadPolicies)?;
    let doc = document(auth.lang, &lines(&app, auth.lang, &q)?);
    let pdf = ansinh_reports::pdf::render(&doc).map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(download(pdf.bytes, "application/pdf", "chinh-sach.pdf"))
}
