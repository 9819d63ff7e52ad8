//! The one place the outputs' input structs are built from the stores; the CLI and the web both call
//! these functions. Reads only.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use ansinh_domain::collation::vi_sort_key;
use ansinh_domain::registry::{HouseholdId, Labour, UnitId, UnitKind};
use ansinh_domain::review::{HouseholdMove, RoundKind, Transition, Workflow, movement_table};
use ansinh_domain::standard::{Class, Standard};
use ansinh_store::review::{ReviewStore, RoundId, Snapshot, StoredRound};
use ansinh_store::{Store, StoredHousehold, StoredUnit};

use crate::model::{
    Certificate, Certificates, CountRow, DecisionList, Letterhead, ListRow, Minutes, Movement,
    PostedList, PostedRow, Section, Summary, VillageRow, VoteRow,
};
use crate::{ReportError, Result};

/// What is read from the registry once per output: the units and the commune's households.
struct Registry {
    units: HashMap<UnitId, StoredUnit>,
    households: HashMap<HouseholdId, StoredHousehold>,
}

fn subtree(all: &[StoredUnit], root: UnitId) -> Vec<UnitId> {
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let p = out[i];
        for u in all {
            if u.unit.parent == Some(p) && !out.contains(&u.id) {
                out.push(u.id);
            }
        }
        i += 1;
    }
    out
}

async fn registry<S: Store>(s: &S, commune: UnitId) -> Result<Registry> {
    let all = s.all_units().await?;
    let ids = subtree(&all, commune);
    let households = s
        .households_in_units(&ids)
        .await?
        .into_iter()
        .map(|h| (h.id, h))
        .collect();
    Ok(Registry {
        units: all.into_iter().map(|u| (u.id, u)).collect(),
        households,
    })
}

impl Registry {
    fn name(&self, id: UnitId) -> String {
        self.units
            .get(&id)
            .map(|u| u.unit.name.to_string())
            .unwrap_or_default()
    }
    /// The village of a household: the name of the village it is recorded under, else its address.
    fn village(&self, h: HouseholdId, unit: UnitId) -> String {
        match self.units.get(&unit) {
            Some(u) if u.unit.kind == UnitKind::Village => u.unit.name.to_string(),
            _ => self
                .households
                .get(&h)
                .map(|x| x.household.address.to_string())
                .unwrap_or_default(),
        }
    }
    fn head(&self, h: HouseholdId) -> String {
        self.households
            .get(&h)
            .map(|x| x.household.head_name.to_string())
            .unwrap_or_default()
    }
    /// The unit a summary row counts under: the village, or the commune for a household recorded
    /// under the commune itself.
    fn row_label(&self, unit: UnitId) -> String {
        self.name(unit)
    }
    fn letterhead(&self, commune: UnitId, date: NaiveDate) -> Letterhead {
        let name = self.name(commune);
        let upper = self
            .units
            .get(&commune)
            .and_then(|u| u.unit.parent)
            .map(|p| format!("UBND {}", self.name(p)));
        Letterhead {
            issuer: format!("Ủy ban nhân dân {name}"),
            upper,
            place: place_of(&name),
            date,
        }
    }
}

/// The place of the date line: the commune's name without "Xã", "Phường", "Thị trấn", "Đặc khu".
fn place_of(name: &str) -> String {
    for p in [
        "Xã ",
        "Phường ",
        "Thị trấn ",
        "Đặc khu ",
        "xã ",
        "phường ",
        "thị trấn ",
    ] {
        if let Some(rest) = name.strip_prefix(p) {
            return rest.to_string();
        }
    }
    name.to_string()
}

fn transition_vi(code: &str) -> String {
    Transition::parse(code)
        .map(|t| t.vi().to_string())
        .unwrap_or_else(|| code.to_string())
}

/// The latest snapshot of an approved (or reported) round; anything else is refused.
async fn approved<S: ReviewStore>(s: &S, round: RoundId) -> Result<(StoredRound, Snapshot)> {
    let r = s.review_round(round).await?;
    if !r.round.stage.is_locked() {
        return Err(ReportError::NotApproved {
            round,
            stage: r.round.stage,
        });
    }
    let snap = s
        .snapshots(round)
        .await?
        .pop()
        .ok_or(ReportError::NotApproved {
            round,
            stage: r.round.stage,
        })?;
    Ok((r, snap))
}

fn sort_rows(rows: &mut [ListRow]) {
    rows.sort_by(|a, b| {
        a.village
            .cmp(&b.village)
            .then_with(|| vi_sort_key(&a.head_name).cmp(&vi_sort_key(&b.head_name)))
            .then_with(|| a.household_code.cmp(&b.household_code))
    });
}

/// The decision lists of an approved round: poor, near-poor, escaped poverty, escaped near-poverty,
/// and (when any) average living standard; each sorted by village, then head's name.
pub async fn decision<S: Store + ReviewStore>(s: &S, round: RoundId) -> Result<DecisionList> {
    let (r, snap) = approved(s, round).await?;
    let reg = registry(s, r.unit).await?;
    type Pick = fn(Class, Option<Transition>) -> bool;
    let lists: [(&str, &str, Pick); 5] = [
        ("Danh sách hộ nghèo", "Poor households", |c, _| {
            c == Class::Poor
        }),
        (
            "Danh sách hộ cận nghèo",
            "Near-poor households",
            |c, _| c == Class::NearPoor,
        ),
        (
            "Danh sách hộ thoát nghèo",
            "Households that escaped poverty",
            |_, t| {
                matches!(
                    t,
                    Some(Transition::EscapedPoverty | Transition::EscapedPovertyToNearPoor)
                )
            },
        ),
        (
            "Danh sách hộ thoát cận nghèo",
            "Households that escaped near-poverty",
            |_, t| t == Some(Transition::EscapedNearPoverty),
        ),
        (
            "Danh sách hộ có mức sống trung bình",
            "Households with an average living standard",
            |c, _| c == Class::Average,
        ),
    ];
    let mut sections = Vec::new();
    for (i, (vi, en, pick)) in lists.iter().enumerate() {
        let mut rows: Vec<ListRow> = snap
            .entries
            .iter()
            .filter(|e| pick(e.class, Transition::parse(&e.transition)))
            .map(|e| ListRow {
                head_name: reg.head(e.household),
                household_code: e.household_code.to_string(),
                village: reg.village(e.household, e.unit),
                class_vi: e.class.vi().to_string(),
                transition_vi: transition_vi(&e.transition),
            })
            .collect();
        sort_rows(&mut rows);
        // Poor and near-poor are always printed (an empty list says so); the others when they have rows.
        if i < 2 || !rows.is_empty() {
            sections.push(Section {
                title_vi: vi.to_string(),
                title_en: en.to_string(),
                rows,
            });
        }
    }
    Ok(DecisionList {
        head: reg.letterhead(r.unit, snap.approved_on),
        round: r.id.0,
        year: r.round.year,
        kind_vi: r.round.kind.vi().to_string(),
        commune: reg.name(r.unit),
        standard_id: snap.standard_id.clone(),
        approved_on: snap.approved_on,
        snapshot_seq: snap.seq,
        sections,
    })
}

/// One certificate per poor or near-poor household of the round's latest snapshot (poor first, then
/// near-poor, each by village and head's name).
pub async fn certificates<S: Store + ReviewStore>(s: &S, round: RoundId) -> Result<Certificates> {
    let (r, snap) = approved(s, round).await?;
    let reg = registry(s, r.unit).await?;
    let commune = reg.name(r.unit);
    let mut households = Vec::new();
    for (class, title) in [(Class::Poor, "HỘ NGHÈO"), (Class::NearPoor, "HỘ CẬN NGHÈO")] {
        let mut rows: Vec<(ListRow, String)> = snap
            .entries
            .iter()
            .filter(|e| e.class == class)
            .map(|e| {
                let village = reg.village(e.household, e.unit);
                let address = if village.is_empty() || village == commune {
                    commune.clone()
                } else {
                    format!("{village}, {commune}")
                };
                (
                    ListRow {
                        head_name: reg.head(e.household),
                        household_code: e.household_code.to_string(),
                        village,
                        class_vi: class.vi().to_string(),
                        transition_vi: String::new(),
                    },
                    address,
                )
            })
            .collect();
        rows.sort_by(|a, b| {
            a.0.village
                .cmp(&b.0.village)
                .then_with(|| vi_sort_key(&a.0.head_name).cmp(&vi_sort_key(&b.0.head_name)))
                .then_with(|| a.0.household_code.cmp(&b.0.household_code))
        });
        households.extend(rows.into_iter().map(|(l, address)| Certificate {
            head_name: l.head_name,
            household_code: l.household_code,
            address,
            class_title: title.to_string(),
            class_vi: class.vi().to_string(),
        }));
    }
    Ok(Certificates {
        head: reg.letterhead(r.unit, snap.approved_on),
        round: r.id.0,
        year: r.round.year,
        commune,
        standard_id: snap.standard_id.clone(),
        approved_on: snap.approved_on,
        households,
    })
}

/// The minutes of one village meeting of the round (`meeting`: its id; `None`: the latest).
pub async fn minutes<S: Store + ReviewStore>(
    s: &S,
    round: RoundId,
    meeting: Option<i64>,
    wf: &Workflow,
) -> Result<Minutes> {
    let r = s.review_round(round).await?;
    let meetings = s.review_meetings(round).await?;
    let m = match meeting {
        Some(id) => meetings.into_iter().find(|m| m.id == id),
        None => meetings.into_iter().last(),
    }
    .ok_or(ReportError::NoMeeting { round, meeting })?;
    let reg = registry(s, r.unit).await?;
    let mut votes = Vec::new();
    for (h, t) in m.households.iter().zip(&m.meeting.votes) {
        // The class proposed to the meeting: the latest form revision surveyed by the meeting day.
        let revs = s.form_revisions(round, *h).await?;
        let proposed = revs
            .iter()
            .rev()
            .find(|f| f.form.surveyed_on <= m.meeting.held_on)
            .or_else(|| revs.last())
            .map(|f| f.form.class.vi().to_string())
            .unwrap_or_else(|| "chưa chấm điểm".into());
        votes.push(VoteRow {
            head_name: reg.head(*h),
            household_code: t.household.clone(),
            proposed_vi: proposed,
            agree: t.agree,
            disagree: t.disagree,
            agreed: wf.passes(t.agree, m.meeting.attendees),
        });
    }
    let mut ps = m.meeting.participants.clone();
    ps.sort_by_key(|p| p.role);
    let mut head = reg.letterhead(r.unit, m.meeting.held_on);
    head.upper = Some(head.issuer.clone());
    head.issuer = format!("Thôn {}", m.meeting.village);
    Ok(Minutes {
        head,
        round: r.id.0,
        year: r.round.year,
        meeting: m.id,
        village: m.meeting.village.clone(),
        held_on: m.meeting.held_on,
        attendees: m.meeting.attendees,
        participants: ps
            .iter()
            .map(|p| (p.name.clone(), p.role.vi().to_string()))
            .collect(),
        votes,
        pass_percent: wf.pass_percent,
        agreed: m.agreed,
    })
}

/// The list to post: every listed household with the head's name, the village and the class (the
/// approved snapshot's once the round is locked, otherwise the latest form's; "chưa chấm điểm" when not
/// scored), sorted by village then name. Dated the first posting day, else `today`.
pub async fn posted_list<S: Store + ReviewStore>(
    s: &S,
    round: RoundId,
    wf: &Workflow,
    today: NaiveDate,
) -> Result<PostedList> {
    let r = s.review_round(round).await?;
    let reg = registry(s, r.unit).await?;
    let mut classes: HashMap<HouseholdId, Class> = s
        .review_forms(round)
        .await?
        .into_iter()
        .map(|f| (f.form.household, f.form.class))
        .collect();
    let mut approved = false;
    if r.round.stage.is_locked()
        && let Some(snap) = s.snapshots(round).await?.pop()
    {
        approved = true;
        for e in snap.entries {
            classes.insert(e.household, e.class);
        }
    }
    let mut rows = Vec::new();
    for (id, _) in s.review_list(round).await? {
        let unit = reg
            .households
            .get(&id)
            .map(|h| h.household.unit)
            .unwrap_or(r.unit);
        let (class_vi, class_en) = match classes.get(&id) {
            Some(c) => (c.vi().to_string(), c.en().to_string()),
            None => ("chưa chấm điểm".to_string(), "not scored".to_string()),
        };
        rows.push(PostedRow {
            head_name: reg.head(id),
            village: reg.village(id, unit),
            class_vi,
            class_en,
        });
    }
    rows.sort_by(|a, b| {
        a.village
            .cmp(&b.village)
            .then_with(|| vi_sort_key(&a.head_name).cmp(&vi_sort_key(&b.head_name)))
    });
    let posted = r
        .round
        .posted_on
        .and_then(|from| r.round.posting_until(wf).map(|until| (from, until)));
    Ok(PostedList {
        head: reg.letterhead(r.unit, r.round.posted_on.unwrap_or(today)),
        round: r.id.0,
        year: r.round.year,
        commune: reg.name(r.unit),
        posted,
        approved,
        rows,
    })
}

/// The commune's periodic round of `year`, approved: refused when it has none.
async fn periodic_round<S: Store + ReviewStore>(
    s: &S,
    commune: UnitId,
    year: i32,
) -> Result<Option<StoredRound>> {
    Ok(s.review_rounds(commune)
        .await?
        .into_iter()
        .find(|r| r.round.kind == RoundKind::Periodic && r.round.year == year))
}

/// Counts of poor and near-poor households among entries passing `pick`.
fn count(
    entries: &[&ansinh_store::review::SnapshotEntry],
    pick: impl Fn(&ansinh_store::review::SnapshotEntry) -> bool,
) -> (u64, u64) {
    let mut out = (0, 0);
    for e in entries.iter().filter(|e| pick(e)) {
        match e.class {
            Class::Poor => out.0 += 1,
            Class::NearPoor => out.1 += 1,
            _ => {}
        }
    }
    out
}

fn row(vi: &str, en: &str, (p, n): (u64, u64)) -> CountRow {
    CountRow {
        label_vi: vi.to_string(),
        label_en: en.to_string(),
        poor: Some(p),
        near_poor: Some(n),
    }
}

/// The summary tables of a commune's approved periodic round of `year`: by village, by cause (main
/// deprivations), by indicator deprived, by group, and the movement against the latest earlier approved
/// periodic round. `standard` (the round's) names the indicators and their dimensions; without it the
/// indicator ids are printed and the cause table has the income-only row alone. Dated `today`.
pub async fn summary<S: Store + ReviewStore>(
    s: &S,
    commune: UnitId,
    year: i32,
    standard: Option<&Standard>,
    today: NaiveDate,
) -> Result<Summary> {
    let reg = registry(s, commune).await?;
    let no_round = || ReportError::NoRound {
        commune: reg.name(commune),
        year,
    };
    let r = periodic_round(s, commune, year)
        .await?
        .ok_or_else(no_round)?;
    let (r, snap) = approved(s, r.id).await?;
    let mut notes = vec![
        "Số liệu theo kết quả đã phê duyệt của đợt rà soát định kỳ; họ tên, thôn và nhóm đối tượng lấy từ sổ hộ tại thời điểm in. / Counts from the approved periodic round; names, villages and groups from the registry at print time.".to_string(),
    ];
    // --- by village
    let mut by: BTreeMap<String, VillageRow> = BTreeMap::new();
    for e in &snap.entries {
        let label = reg.row_label(e.unit);
        let v = by.entry(label.clone()).or_insert_with(|| VillageRow {
            village: label,
            ..VillageRow::default()
        });
        v.reviewed += 1;
        match e.class {
            Class::Poor => v.poor += 1,
            Class::NearPoor => v.near_poor += 1,
            Class::Average => v.average += 1,
            Class::NotPoor => {}
        }
        match Transition::parse(&e.transition) {
            Some(Transition::EscapedPoverty | Transition::EscapedPovertyToNearPoor) => {
                v.escaped_poverty += 1
            }
            Some(Transition::EscapedNearPoverty) => v.escaped_near_poverty += 1,
            Some(Transition::NewlyPoor) => v.newly_poor += 1,
            Some(Transition::RePoor) => v.re_poor += 1,
            Some(Transition::NewlyNearPoor) => v.newly_near_poor += 1,
            _ => {}
        }
    }
    let villages: Vec<VillageRow> = by.into_values().collect();
    let mut total = VillageRow {
        village: "Tổng cộng".into(),
        ..VillageRow::default()
    };
    for v in &villages {
        total.reviewed += v.reviewed;
        total.poor += v.poor;
        total.near_poor += v.near_poor;
        total.average += v.average;
        total.escaped_poverty += v.escaped_poverty;
        total.escaped_near_poverty += v.escaped_near_poverty;
        total.newly_poor += v.newly_poor;
        total.re_poor += v.re_poor;
        total.newly_near_poor += v.newly_near_poor;
    }
    let entries: Vec<&ansinh_store::review::SnapshotEntry> = snap.entries.iter().collect();
    // --- by cause: the main deprivations
    let mut causes = vec![row(
        "Chỉ thiếu hụt thu nhập (không thiếu hụt chỉ số nào)",
        "Lacking income only (no indicator deprived)",
        count(&entries, |e| e.deprived.is_empty()),
    )];
    let dimension_of: HashMap<&str, &str> = standard
        .map(|st| {
            st.indicators
                .iter()
                .map(|i| (i.id.as_str(), i.dimension.as_str()))
                .collect()
        })
        .unwrap_or_default();
    if let Some(st) = standard {
        for d in &st.dimensions {
            causes.push(row(
                &format!("Thiếu hụt {}", d.vi.to_lowercase()),
                &format!("Deprived in {}", d.en.to_lowercase()),
                count(&entries, |e| {
                    e.deprived
                        .iter()
                        .any(|i| dimension_of.get(i.as_str()) == Some(&d.id.as_str()))
                }),
            ));
        }
    }
    notes.push("Sổ hộ không ghi nguyên nhân nghèo: biểu theo nguyên nhân đếm các thiếu hụt chủ yếu (hộ thiếu hụt ít nhất một chỉ số của từng chiều); mọi hộ nghèo, cận nghèo đều thiếu hụt thu nhập theo chuẩn. / The registry records no cause of poverty: the cause table counts the main deprivations (households deprived in at least one indicator of each dimension); every poor and near-poor household lacks income by the standard's definition.".to_string());
    // --- by indicator
    let mut ids: Vec<String> = match standard {
        Some(st) => st.indicators.iter().map(|i| i.id.clone()).collect(),
        None => Vec::new(),
    };
    for e in &snap.entries {
        for i in &e.deprived {
            if !ids.contains(i) {
                ids.push(i.clone());
            }
        }
    }
    let indicators = ids
        .iter()
        .map(|id| {
            let (vi, en) = standard
                .and_then(|st| st.indicators.iter().find(|i| &i.id == id))
                .map(|i| (i.vi.clone(), i.en.clone()))
                .unwrap_or_else(|| (id.clone(), id.clone()));
            row(&vi, &en, count(&entries, |e| e.deprived.contains(id)))
        })
        .collect();
    // --- by group (from the registry's live members)
    let live = |h: HouseholdId| {
        reg.households
            .get(&h)
            .map(|x| {
                x.members
                    .iter()
                    .filter(|m| m.member.end_date.is_none())
                    .map(|m| &m.member)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let minority = |e: &ansinh_store::review::SnapshotEntry| {
        live(e.household).iter().any(|m| {
            m.ethnicity.as_ref().is_some_and(|x| {
                !x.as_str().trim().is_empty() && !x.as_str().trim().eq_ignore_ascii_case("kinh")
            })
        })
    };
    let protected = |e: &ansinh_store::review::SnapshotEntry| {
        live(e.household)
            .iter()
            .any(|m| m.receives_social_allowance == Some(true))
    };
    let no_capacity = |e: &ansinh_store::review::SnapshotEntry| {
        let ms = live(e.household);
        ms.iter().any(|m| m.labour_status.is_some())
            && !ms.iter().any(|m| {
                matches!(
                    m.labour_status,
                    Some(Labour::EmployedFormal | Labour::EmployedInformal | Labour::Unemployed)
                )
            })
    };
    let groups = vec![
        row(
            "Hộ dân tộc thiểu số",
            "Ethnic minority households",
            count(&entries, minority),
        ),
        CountRow {
            label_vi: "Hộ có người có công với cách mạng".into(),
            label_en: "Households with people with merit".into(),
            poor: None,
            near_poor: None,
        },
        row(
            "Hộ có đối tượng bảo trợ xã hội (hưởng trợ cấp xã hội)",
            "Households with protected persons (social allowance)",
            count(&entries, protected),
        ),
        row(
            "Hộ không có khả năng lao động",
            "Households with no working capacity",
            count(&entries, no_capacity),
        ),
    ];
    notes.push("Nhóm đối tượng: dân tộc thiểu số = có thành viên dân tộc khác Kinh; bảo trợ xã hội = có thành viên hưởng trợ cấp xã hội; không có khả năng lao động = không thành viên nào có việc làm hoặc thất nghiệp (tất cả ngoài lực lượng lao động); sổ hộ chưa ghi người có công. / Groups: ethnic minority = a member not of the Kinh group; protected = a member receiving a social allowance; no working capacity = no member employed or unemployed (all outside the labour force); people with merit are not recorded.".to_string());
    // --- movement against the latest earlier approved periodic round
    let mut earlier: Option<(i32, Snapshot)> = None;
    for o in s.review_rounds(commune).await? {
        if o.round.kind != RoundKind::Periodic
            || o.round.year >= year
            || !o.round.stage.is_locked()
            || earlier.as_ref().is_some_and(|(y, _)| *y > o.round.year)
        {
            continue;
        }
        if let Some(sn) = s.snapshots(o.id).await?.pop() {
            earlier = Some((o.round.year, sn));
        }
    }
    let movement = earlier.map(|(from_year, before)| {
        let prev: HashMap<HouseholdId, (Class, UnitId)> = before
            .entries
            .iter()
            .map(|e| (e.household, (e.class, e.unit)))
            .collect();
        let mut moves: Vec<HouseholdMove> = snap
            .entries
            .iter()
            .map(|e| HouseholdMove {
                unit: reg.row_label(e.unit),
                prev: prev.get(&e.household).map(|p| p.0),
                new: Some(e.class),
                transition: Transition::parse(&e.transition),
            })
            .collect();
        let now: std::collections::HashSet<HouseholdId> =
            snap.entries.iter().map(|e| e.household).collect();
        for e in &before.entries {
            if !now.contains(&e.household) {
                moves.push(HouseholdMove {
                    unit: reg.row_label(e.unit),
                    prev: Some(e.class),
                    new: None,
                    transition: None,
                });
            }
        }
        let (rows, total) = movement_table(&moves);
        Movement {
            from_year,
            rows,
            total,
        }
    });
    Ok(Summary {
        head: reg.letterhead(commune, today),
        round: r.id.0,
        year,
        commune: reg.name(commune),
        standard_id: snap.standard_id.clone(),
        approved_on: snap.approved_on,
        villages,
        total,
        causes,
        indicators,
        groups,
        movement,
        notes,
    })
}
