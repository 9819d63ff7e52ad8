//! The review's steps from the command line, through the use cases of `ansinh-app` (the same code the
//! web runs): the list, forms, the village meeting, complaints, the approval and reopening. Households
//! are named by their code (`ansinh review status` and the posted list show them).

use std::path::Path;

use anyhow::{Result, anyhow, bail};
use chrono::NaiveDate;

use ansinh_app::review::{self as app, Env, FormDraft, MeetingDraft, dmy};
use ansinh_app::{Actor, AppError};
use ansinh_domain::registry::HouseholdId;
use ansinh_domain::review::{ComplaintOutcome, Participant, Role, Stage};
use ansinh_store::Store;
use ansinh_store::review::{ReviewStore, RoundId, StoredRound};

/// A refusal or error of a use case, with its code, in Vietnamese and English.
pub fn app_err(e: AppError) -> anyhow::Error {
    match &e {
        AppError::Internal(m) => anyhow!("[{}] {}\n{m}", e.code(), e.vi()),
        _ => anyhow!("[{}] {}\n{}", e.code(), e.vi(), e.en()),
    }
}

/// The listed household of the round with this code.
async fn listed<S: Store + ReviewStore>(s: &S, r: RoundId, code: &str) -> Result<HouseholdId> {
    let list = s.review_list(r).await.map_err(|e| app_err(e.into()))?;
    list.iter()
        .find(|(_, c)| c.to_string() == code.trim())
        .map(|(h, _)| *h)
        .ok_or_else(|| {
            anyhow!(
                "hộ {code} không có trong danh sách của đợt {r} / household {code} is not on the list of round {r}"
            )
        })
}

/// Adds households (by code) of the round's commune to its list, or every one with `all`.
pub async fn list<S: Store + ReviewStore>(
    env: &Env<'_, S>,
    actor: &Actor,
    round: RoundId,
    codes: &[String],
    all: bool,
    on: NaiveDate,
) -> Result<()> {
    let r = env
        .store
        .review_round(round)
        .await
        .map_err(|e| app_err(e.into()))?;
    let of_commune = app::commune_households(env.store, r.unit)
        .await
        .map_err(app_err)?;
    let mut ids = Vec::new();
    for c in codes {
        let h = of_commune
            .iter()
            .find(|h| h.household.code.to_string() == c.trim())
            .ok_or_else(|| {
                anyhow!("xã không có hộ mã {c} / the commune has no household with code {c}")
            })?;
        ids.push(h.id);
    }
    if ids.is_empty() && !all {
        bail!("cần --household MÃ hoặc --all / --household CODE or --all is needed");
    }
    let n = app::add_to_list(env, actor, round, &ids, all, on)
        .await
        .map_err(app_err)?;
    println!("đã thêm {n} hộ vào danh sách / added {n} households to the list");
    Ok(())
}

/// The key/value pairs of a form file: TOML with `surveyed_on`, `region` and the tables `[a]`
/// (characteristic = option), `[b]` (indicator = 1 deprived / 0 not), `[q]` (criterion = 1 met).
pub fn form_file_pairs(path: &Path) -> Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    let table: toml::Table =
        toml::from_str(&text).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    let scalar = |v: &toml::Value| match v {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Boolean(b) => Some(if *b { "1" } else { "0" }.to_string()),
        _ => None,
    };
    let mut out = Vec::new();
    for (k, v) in &table {
        match v {
            toml::Value::Table(t) if matches!(k.as_str(), "a" | "b" | "q") => {
                for (kk, vv) in t {
                    let val = scalar(vv).ok_or_else(|| {
                        anyhow!("{}: {k}.{kk}: cần chữ, số hoặc true/false / a text, number or true/false is needed", path.display())
                    })?;
                    out.push((format!("{k}.{kk}"), val));
                }
            }
            _ => match scalar(v) {
                Some(val) if matches!(k.as_str(), "surveyed_on" | "region") => {
                    out.push((k.clone(), val))
                }
                _ => bail!(
                    "{}: khóa không dùng được `{k}` / unusable key `{k}` (surveyed_on, region, [a], [b], [q])",
                    path.display()
                ),
            },
        }
    }
    Ok(out)
}

/// `KEY=VALUE` flags.
pub fn set_pairs(sets: &[String]) -> Result<Vec<(String, String)>> {
    sets.iter()
        .map(|s| {
            s.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| anyhow!("--set {s}: cần KHÓA=GIÁ_TRỊ / KEY=VALUE is needed"))
        })
        .collect()
}

/// A form as TOML the officer edits, with the options of every characteristic in comments.
pub fn form_toml(start: &app::FormStart<'_>, round: RoundId) -> String {
    let d = &start.draft;
    let t = start.tables;
    let code = start.household.household.code.to_string();
    let mut o = String::new();
    o.push_str(&format!(
        "# Phiếu rà soát hộ {code}, đợt {round} / review form of household {code}, round {round}\n"
    ));
    o.push_str(&format!(
        "# {} ({}){}\n",
        t.name_vi,
        t.id,
        if t.placeholder {
            " — BẢNG ĐIỂM TẠM, chưa phải bảng chính thức / PLACEHOLDER point tables"
        } else {
            ""
        }
    ));
    if start.suggested {
        o.push_str("# Điền sẵn từ sổ hộ; kiểm tra lại từng dòng / filled in from the registry; check every line\n");
    }
    o.push_str(&format!(
        "# ansinh review form {round} --household {code} --file <this file>\n\n"
    ));
    o.push_str(&format!(
        "surveyed_on = \"{}\"\n",
        d.surveyed_on.map(dmy).unwrap_or_default()
    ));
    let regions: Vec<String> = t
        .regions
        .iter()
        .map(|r| format!("{} ({})", r.id, r.vi))
        .collect();
    o.push_str(&format!(
        "# {}\nregion = \"{}\"\n\n",
        regions.join(" | "),
        d.region
    ));
    o.push_str(
        "# Điểm A: một phương án cho mỗi đặc điểm / score A: one option per characteristic\n[a]\n",
    );
    for c in &t.characteristics {
        let opts: Vec<&str> = c.options.iter().map(|x| x.id.as_str()).collect();
        o.push_str(&format!("# {} / {}: {}\n", c.vi, c.en, opts.join(" | ")));
        match d.answers.get(&c.id) {
            Some(a) => o.push_str(&format!("{} = \"{a}\"\n", c.id)),
            None => o.push_str(&format!("# {} = \"\"\n", c.id)),
        }
    }
    o.push_str("\n# Điểm B: 1 = thiếu hụt, 0 = không / score B: 1 = deprived, 0 = not\n[b]\n");
    for i in &start.standard.indicators {
        o.push_str(&format!("# {} / {}\n", i.vi, i.en));
        match d.deprived.get(&i.id) {
            Some(b) => o.push_str(&format!("{} = {}\n", i.id, u8::from(*b))),
            None => o.push_str(&format!("# {} = \n", i.id)),
        }
    }
    if let Some(q) = &t.quick_screen {
        o.push_str("\n# Phiếu A: 1 = có / quick screen: 1 = met\n[q]\n");
        for c in &q.criteria {
            let met = d.quick.contains(&c.id);
            o.push_str(&format!(
                "# {} / {}\n{} = {}\n",
                c.vi,
                c.en,
                c.id,
                u8::from(met)
            ));
        }
    }
    o
}

/// Saves a household's form: its latest revision (or the registry's suggestion), then the file, then
/// the `--set` flags; prints the scores.
#[allow(clippy::too_many_arguments)]
pub async fn form<S: Store + ReviewStore>(
    env: &Env<'_, S>,
    actor: &Actor,
    round: RoundId,
    code: &str,
    file: Option<&Path>,
    sets: &[String],
    today: NaiveDate,
    template: bool,
) -> Result<()> {
    let h = listed(env.store, round, code).await?;
    let start = app::form_start(env, actor, round, h, today)
        .await
        .map_err(app_err)?;
    if template {
        print!("{}", form_toml(&start, round));
        return Ok(());
    }
    let mut draft: FormDraft = start.draft.clone();
    if let Some(f) = file {
        draft.apply_pairs(&form_file_pairs(f)?);
    }
    draft.apply_pairs(&set_pairs(sets)?);
    let scored = app::score(start.tables, start.standard, &draft);
    let rev = app::save_form(env, actor, round, h, &draft, today)
        .await
        .map_err(app_err)?;
    if let Ok(res) = scored.result {
        println!(
            "đã lưu phiếu {rev} của hộ {code}: điểm A {}, điểm B {}, {} / saved form {rev} of household {code}: score A {}, score B {}, {}",
            res.score_a,
            res.score_b,
            res.class.vi(),
            res.score_a,
            res.score_b,
            res.class.en()
        );
    }
    Ok(())
}

/// `ROLE=Name` of a participant.
fn participant(s: &str) -> Result<Participant> {
    let (role, name) = s
        .split_once('=')
        .ok_or_else(|| anyhow!("--participant {s}: cần VAI_TRÒ=Họ tên / ROLE=Name is needed"))?;
    let role = Role::parse(role.trim()).ok_or_else(|| {
        let all: Vec<&str> = Role::ALL.iter().map(|r| r.code()).collect();
        anyhow!("--participant {s}: vai trò / role: {}", all.join(", "))
    })?;
    Ok(Participant {
        name: name.trim().to_string(),
        role,
    })
}

/// Records a village meeting: votes `CODE=AGREE:DISAGREE`.
#[allow(clippy::too_many_arguments)]
pub async fn meeting<S: Store + ReviewStore>(
    env: &Env<'_, S>,
    actor: &Actor,
    round: RoundId,
    village: &str,
    on: NaiveDate,
    attendees: u32,
    participants: &[String],
    votes: &[String],
) -> Result<StoredRound> {
    let mut v = Vec::new();
    for s in votes {
        let bad =
            || anyhow!("--vote {s}: cần MÃ_HỘ=ĐỒNG_Ý:KHÔNG_ĐỒNG_Ý / CODE=AGREE:DISAGREE is needed");
        let (code, counts) = s.split_once('=').ok_or_else(bad)?;
        let (a, d) = counts.split_once(':').ok_or_else(bad)?;
        let agree: u32 = a.trim().parse().map_err(|_| bad())?;
        let disagree: u32 = d.trim().parse().map_err(|_| bad())?;
        v.push((listed(env.store, round, code).await?, agree, disagree));
    }
    let draft = MeetingDraft {
        village: village.to_string(),
        held_on: Some(on),
        attendees,
        participants: participants
            .iter()
            .map(|p| participant(p))
            .collect::<Result<_>>()?,
        votes: v,
    };
    app::record_meeting(env, actor, round, &draft)
        .await
        .map_err(app_err)
}

/// Files a complaint (about a listed household, or the list as a whole).
pub async fn complaint<S: Store + ReviewStore>(
    env: &Env<'_, S>,
    actor: &Actor,
    round: RoundId,
    code: Option<&str>,
    on: NaiveDate,
    text: &str,
) -> Result<i64> {
    let h = match code {
        Some(c) => Some(listed(env.store, round, c).await?),
        None => None,
    };
    app::file_complaint(env, actor, round, h, on, text)
        .await
        .map_err(app_err)
}

/// `upheld` or `rejected`.
pub fn outcome(s: &str) -> Result<ComplaintOutcome> {
    match s {
        "upheld" => Ok(ComplaintOutcome::Upheld),
        "rejected" => Ok(ComplaintOutcome::Rejected),
        _ => bail!("--outcome {s}: upheld (có cơ sở) hoặc / or rejected (không có cơ sở)"),
    }
}

/// The step a `--to` of `reopen` names (`listing`, `scoring`, …).
pub fn stage(s: &str) -> Result<Stage> {
    Stage::parse(s).ok_or_else(|| anyhow!("--to {s}: không phải một bước / not a step"))
}

fn moved(before: &StoredRound, after: &StoredRound) {
    println!(
        "Đợt rà soát / round {}: {} / {} → {} / {}",
        after.id,
        before.round.stage.vi(),
        before.round.stage.en(),
        after.round.stage.vi(),
        after.round.stage.en()
    );
}

/// The review's steps (the commands other than open, status, advance and the outputs).
pub(super) async fn run<S: Store + ReviewStore>(
    env: &Env<'_, S>,
    actor: &Actor,
    cmd: &super::ReviewCmd,
) -> Result<()> {
    use super::ReviewCmd as C;
    let before = |round: i64| async move {
        env.store
            .review_round(RoundId(round))
            .await
            .map_err(|e| app_err(e.into()))
    };
    match cmd {
        C::List {
            round,
            households,
            all,
            date,
        } => {
            let on = crate::parse_date(date)?;
            list(env, actor, RoundId(*round), households, *all, on).await
        }
        C::FormTemplate {
            round,
            household,
            date,
        } => {
            let on = super::date_or_today(date.as_deref())?;
            form(env, actor, RoundId(*round), household, None, &[], on, true).await
        }
        C::Form {
            round,
            household,
            file,
            sets,
            date,
        } => {
            let on = super::date_or_today(date.as_deref())?;
            let f = file.as_deref();
            form(env, actor, RoundId(*round), household, f, sets, on, false).await
        }
        C::Meeting {
            round,
            village,
            date,
            attendees,
            participants,
            votes,
        } => {
            let on = crate::parse_date(date)?;
            let b = before(*round).await?;
            let r = meeting(
                env,
                actor,
                RoundId(*round),
                village,
                on,
                *attendees,
                participants,
                votes,
            )
            .await?;
            moved(&b, &r);
            if r.round.stage == Stage::Scoring {
                println!(
                    "chưa đủ tỷ lệ đồng ý: chấm điểm lại và họp lại / not agreed by enough attendees: score again and meet again"
                );
            }
            Ok(())
        }
        C::Complaint {
            round,
            household,
            date,
            text,
        } => {
            let on = crate::parse_date(date)?;
            let id = complaint(env, actor, RoundId(*round), household.as_deref(), on, text).await?;
            println!("đã nhận khiếu nại {id} / filed complaint {id}");
            Ok(())
        }
        C::Resolve {
            round,
            complaint,
            outcome: o,
            date,
            note,
        } => {
            let on = crate::parse_date(date)?;
            app::resolve_complaint(
                env,
                actor,
                RoundId(*round),
                *complaint,
                on,
                outcome(o)?,
                note,
            )
            .await
            .map_err(app_err)?;
            println!("đã giải quyết khiếu nại {complaint} / resolved complaint {complaint}");
            Ok(())
        }
        C::Approve { round, date } => {
            let on = crate::parse_date(date)?;
            let b = before(*round).await?;
            let snap = app::approve(env, actor, RoundId(*round), on)
                .await
                .map_err(app_err)?;
            let after = before(*round).await?;
            moved(&b, &after);
            let n = env
                .store
                .snapshots(RoundId(*round))
                .await
                .map_err(|e| app_err(e.into()))?
                .into_iter()
                .find(|x| x.id == snap)
                .map_or(0, |x| x.entries.len());
            println!(
                "đã phê duyệt; ảnh chụp kết quả {snap} ({n} hộ) / approved; snapshot {snap} ({n} households)"
            );
            Ok(())
        }
        C::Reopen {
            round,
            to,
            date,
            reason,
        } => {
            let on = crate::parse_date(date)?;
            let b = before(*round).await?;
            let r = app::reopen(env, actor, RoundId(*round), stage(to)?, on, reason)
                .await
                .map_err(app_err)?;
            moved(&b, &r);
            Ok(())
        }
        _ => bail!("not a review step"),
    }
}
