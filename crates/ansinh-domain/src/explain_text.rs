//! The words of an explanation, in Vietnamese and English, as an officer would read them to the family.

use crate::classify::{Explanation, Outcome};
use crate::money::{group_thousands, group_thousands_en};
use crate::schema;
use crate::standard::{Rule, Standard};

type Labels = [(Option<String>, Option<i64>)];

fn member_label(labels: &Labels, k: usize, vi: bool) -> String {
    let (name, age) = labels.get(k).cloned().unwrap_or((None, None));
    let name = name.unwrap_or_else(|| {
        if vi {
            format!("thành viên {}", k + 1)
        } else {
            format!("member {}", k + 1)
        }
    });
    match age {
        Some(a) if vi => format!("{name}, {a} tuổi"),
        Some(a) => format!("{name}, {a}"),
        None => name,
    }
}

fn field_label(name: &str, vi: bool) -> String {
    match schema::field(name) {
        Some(f) if vi => f.def().vi.to_string(),
        Some(f) => f.def().en.to_string(),
        None => name.to_string(),
    }
}

/// Renders the explanation text.
pub(crate) fn render(
    std: &Standard,
    e: &Explanation,
    labels: &Labels,
    rule: Option<&Rule>,
    vi: bool,
) -> String {
    let money = |v: i64| {
        if vi {
            format!("{} đ", group_thousands(v))
        } else {
            format!("{} VND", group_thousands_en(v))
        }
    };
    let area_label = e.area.map(|a| {
        let v = schema::AREA.iter().find(|x| x.code == a);
        v.map_or(a.to_string(), |v| {
            if vi {
                v.vi.to_string()
            } else {
                v.en.to_string()
            }
        })
    });
    let mut parts: Vec<String> = Vec::new();
    parts.push(match (vi, &area_label) {
        (true, Some(a)) => format!("Hộ {} người, khu vực {a}", e.size),
        (true, None) => format!("Hộ {} người", e.size),
        (false, Some(a)) => format!("Household of {} ({a})", e.size),
        (false, None) => format!("Household of {}", e.size),
    });

    // Income against every line the rules up to the deciding one use.
    let mut used = Vec::new();
    for r in &std.rules {
        r.ir.thresholds(&mut used);
        if rule.is_some_and(|x| x.id == r.id) {
            break;
        }
    }
    match (e.income, e.income_per_capita) {
        (Some(total), Some(pc)) => {
            let pcr = pc.round() as i64;
            let mut cmp = Vec::new();
            for t in used {
                let th = &std.thresholds[t as usize];
                let Some(area) = e.area else { continue };
                let line = if area == "urban" { th.urban } else { th.rural };
                let below = (total as i128) <= (line as i128) * (e.size as i128);
                let name = if vi { &th.vi } else { &th.en };
                let op = if below { "≤" } else { ">" };
                match &area_label {
                    Some(a) => cmp.push(format!("{op} {name} {} ({a})", money(line))),
                    None => cmp.push(format!("{op} {name} {}", money(line))),
                }
            }
            let lead = if vi {
                format!("thu nhập bình quân {}/người/tháng", money(pcr))
            } else {
                format!("income per person {} a month", money(pcr))
            };
            parts.push(if cmp.is_empty() {
                lead
            } else {
                format!("{lead} {}", cmp.join(", "))
            });
        }
        _ => parts.push(if vi {
            "chưa có số liệu thu nhập".into()
        } else {
            "income not recorded".into()
        }),
    }

    let deprived: Vec<String> = e
        .indicators
        .iter()
        .filter(|i| i.outcome == Outcome::Deprived)
        .map(|i| {
            let name = if vi { &i.vi } else { &i.en };
            if i.members.is_empty() {
                name.clone()
            } else {
                let who: Vec<String> = i
                    .members
                    .iter()
                    .map(|&k| member_label(labels, k, vi))
                    .collect();
                format!("{name} ({})", who.join("; "))
            }
        })
        .collect();
    parts.push(match (vi, deprived.is_empty()) {
        (true, true) => "không thiếu hụt chỉ số nào".into(),
        (true, false) => format!(
            "thiếu hụt {} chỉ số: {}",
            deprived.len(),
            deprived.join(", ")
        ),
        (false, true) => "no deprivation".into(),
        (false, false) => format!(
            "deprived on {} indicator(s): {}",
            deprived.len(),
            deprived.join(", ")
        ),
    });
    let unknown: Vec<String> = e
        .indicators
        .iter()
        .filter_map(|i| match &i.outcome {
            Outcome::Unknown { missing } => {
                let m: Vec<String> = missing.iter().map(|f| field_label(f, vi)).collect();
                let name = if vi { &i.vi } else { &i.en };
                Some(if vi {
                    format!("{name} (thiếu: {})", m.join(", "))
                } else {
                    format!("{name} (missing: {})", m.join(", "))
                })
            }
            _ => None,
        })
        .collect();
    if !unknown.is_empty() {
        parts.push(if vi {
            format!(
                "chưa xác định được {} chỉ số: {}",
                unknown.len(),
                unknown.join(", ")
            )
        } else {
            format!(
                "{} indicator(s) undecided: {}",
                unknown.len(),
                unknown.join(", ")
            )
        });
    }
    let mut text = parts.join("; ");
    text.push_str(". ");
    match (e.class, rule) {
        (Some(c), Some(r)) => {
            if vi {
                text.push_str(&format!(
                    "Kết luận: {} (quy tắc `{}`: {}).",
                    c.vi(),
                    r.id,
                    r.vi
                ));
            } else {
                text.push_str(&format!("Result: {} (rule `{}`: {}).", c.en(), r.id, r.en));
            }
        }
        _ => {
            let m: Vec<String> = e.missing.iter().map(|f| field_label(f, vi)).collect();
            if vi {
                text.push_str(&format!(
                    "Chưa đủ dữ liệu để xếp loại hộ; cần bổ sung: {}.",
                    m.join(", ")
                ));
            } else {
                text.push_str(&format!(
                    "The data does not decide the class; still needed: {}.",
                    m.join(", ")
                ));
            }
        }
    }
    if !e.caveats.is_empty() {
        text.push_str(if vi {
            " Lưu ý: kết quả dựa trên nội dung chuẩn chưa được đối chiếu với văn bản chính thức (UNCONFIRMED)."
        } else {
            " Note: this result depends on points of the standard not yet checked against the official text (UNCONFIRMED)."
        });
    }
    text
}
