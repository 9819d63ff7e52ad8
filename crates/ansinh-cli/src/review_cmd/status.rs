//! `ansinh review status`: the round's step, households, deadlines, open complaints and the actions
//! allowed next (the app's `next_actions`, the web's too), each with the command that does it.

use anyhow::Result;

use ansinh_app::review::{self as app, dmy};
use ansinh_domain::review::{Workflow, WorkflowSet};
use ansinh_store::Store;
use ansinh_store::review::{ReviewStore, RoundId, StoredRound};

use super::{review_err, store_err, workflow_of};

/// Prints the state of a round.
pub(super) async fn status<S: Store + ReviewStore>(
    s: &S,
    set: &WorkflowSet,
    round: i64,
) -> Result<()> {
    let r = s.review_round(RoundId(round)).await.map_err(review_err)?;
    let wf = workflow_of(set, &r)?;
    let unit = s.unit(r.unit).await.map_err(store_err)?;
    let listed = s.review_list(r.id).await.map_err(review_err)?.len();
    let scored = s.review_forms(r.id).await.map_err(review_err)?.len();
    let open_complaints = s
        .complaints(r.id)
        .await
        .map_err(review_err)?
        .iter()
        .filter(|c| c.resolved.is_none())
        .count();
    let today = chrono::Local::now().date_naive();
    println!(
        "Đợt rà soát / round {}: {} / {} {}, {} ({})",
        r.id,
        r.round.kind.vi(),
        r.round.kind.en(),
        r.round.year,
        unit.unit.name.as_str(),
        unit.unit.code
    );
    println!(
        "Chuẩn / standard: {}; quy trình / workflow: {}",
        r.standard_id, r.workflow_id
    );
    println!(
        "Bước / step: {} / {} (từ / since {})",
        r.round.stage.vi(),
        r.round.stage.en(),
        dmy(r.round.stage_since)
    );
    println!(
        "Hộ / households: {listed} trong danh sách / listed, {scored} đã chấm điểm / scored, {open_complaints} khiếu nại chưa giải quyết / open complaints"
    );
    println!(
        "Lần họp / meetings: {}, lần phê duyệt / approvals: {}, lần mở lại / reopenings: {}",
        r.round.meetings, r.round.approvals, r.round.reopenings
    );
    let deadlines = r.round.deadlines(wf);
    if deadlines.is_empty() {
        println!("Hạn / deadlines: không có / none");
    }
    for d in &deadlines {
        let overdue = if d.overdue(today) {
            " — QUÁ HẠN / OVERDUE"
        } else {
            ""
        };
        let unconfirmed = if d.unconfirmed.is_some() {
            " (số ngày chưa xác nhận / days count UNCONFIRMED)"
        } else {
            ""
        };
        println!(
            "Hạn / deadline: {} / {}: {}{overdue}{unconfirmed}",
            d.vi,
            d.en,
            dmy(d.due)
        );
    }
    let classes: std::collections::HashMap<_, _> = s
        .review_forms(r.id)
        .await
        .map_err(review_err)?
        .into_iter()
        .map(|f| (f.form.household, f.form.class))
        .collect();
    for (h, code) in s.review_list(r.id).await.map_err(review_err)? {
        match classes.get(&h) {
            Some(c) => println!("Hộ / household {code}: {} / {}", c.vi(), c.en()),
            None => println!("Hộ / household {code}: chưa chấm điểm / not scored"),
        }
    }
    for c in s.complaints(r.id).await.map_err(review_err)? {
        if c.resolved.is_none() {
            let overdue = if app::complaint_overdue(&c, today) {
                " — QUÁ HẠN / OVERDUE"
            } else {
                ""
            };
            println!(
                "Khiếu nại / complaint {}: nhận / filed {}, hạn / due {}{overdue}",
                c.id,
                dmy(c.filed_on),
                dmy(c.due)
            );
        }
    }
    for (cmd, vi, en) in next_actions(&r, wf) {
        println!("Tiếp theo / next: {vi} / {en}{cmd}");
    }
    Ok(())
}

/// The actions allowed at the round's step (the app's [`app::next_actions`], the web's too), each with
/// the command that does it: `(command hint, Vietnamese, English)`.
pub(super) fn next_actions(
    r: &StoredRound,
    wf: &Workflow,
) -> Vec<(String, &'static str, &'static str)> {
    let id = r.id;
    app::next_actions(&r.round, wf)
        .into_iter()
        .map(|n| {
            let hint = match (n.code, n.step) {
                ("end_posting", Some(step)) => format!(
                    " (ansinh review advance {id} --to {} --date …){}",
                    app::step_code(step).replace('_', "-"),
                    r.round
                        .posting_until(wf)
                        .map(|u| format!(" — sau ngày / after {}", dmy(u)))
                        .unwrap_or_default()
                ),
                (_, Some(step)) => format!(
                    " (ansinh review advance {id} --to {} --date …)",
                    app::step_code(step).replace('_', "-")
                ),
                ("add_to_list", _) => {
                    format!(" (ansinh review list {id} --household MÃ/CODE | --all --date …)")
                }
                ("save_form", _) => format!(
                    " (ansinh review form-template {id} --household MÃ/CODE > phieu.toml; ansinh review form {id} --household MÃ/CODE --file phieu.toml)"
                ),
                ("record_meeting", _) => format!(
                    " (ansinh review meeting {id} --village … --date … --attendees N --vote MÃ/CODE=AGREE:DISAGREE …)"
                ),
                ("file_complaint", _) => {
                    format!(" (ansinh review complaint {id} --date … --text …)")
                }
                ("resolve_complaint", _) => format!(
                    " (ansinh review resolve {id} --complaint ID --outcome upheld|rejected --date …)"
                ),
                ("approve", _) => format!(" (ansinh review approve {id} --date …)"),
                ("reopen", _) => {
                    let to: Vec<&str> = app::reopen_targets(&r.round, wf).map(|s| s.code()).collect();
                    format!(
                        " (ansinh review reopen {id} --to {} --date … --reason …)",
                        to.join("|")
                    )
                }
                _ => String::new(),
            };
            (hint, n.vi(), n.en())
        })
        .collect()
}
