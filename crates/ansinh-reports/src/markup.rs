//! The documents as blocks ([`Doc`]): what each PDF prints, in order. Tests read them with
//! [`Doc::text`]; [`crate::pdf::render`] lays them out.

use crate::dmy;
use crate::model::{
    Certificates, CountRow, DecisionList, Letterhead, Minutes, PostedList, Summary, VillageRow,
};
use crate::pdf::{Align, Block, Doc};

fn letterhead(doc: &mut Doc, h: &Letterhead) {
    let mut left = Vec::new();
    if let Some(u) = &h.upper {
        left.push(u.clone());
    }
    left.push(h.issuer.clone());
    doc.push(Block::Letterhead {
        left,
        dateline: format!("{}, ngày {}", h.place, dmy(h.date)),
    });
}

fn title(doc: &mut Doc, vi: &str, en: &str) {
    doc.push(Block::Space(6.0));
    doc.styled(vi, 13.5, true, Align::Center);
    doc.styled(en, 9.5, false, Align::Center);
    doc.push(Block::Space(4.0));
}

fn heading(doc: &mut Doc, vi: &str, en: &str) {
    doc.push(Block::Space(6.0));
    doc.styled(format!("{vi} / {en}"), 11.0, true, Align::Left);
}

fn table(doc: &mut Doc, widths: &[f32], header: &[&str], rows: Vec<Vec<String>>, total: bool) {
    doc.push(Block::Table {
        widths: widths.to_vec(),
        header: header.iter().map(|h| h.to_string()).collect(),
        rows,
        total,
    });
}

fn chair_signature(doc: &mut Doc) {
    doc.push(Block::Signature {
        left: vec![],
        right: vec![
            "TM. ỦY BAN NHÂN DÂN".into(),
            "CHỦ TỊCH".into(),
            "(Ký, ghi rõ họ tên, đóng dấu)".into(),
        ],
    });
}

/// The decision lists.
pub fn decision(d: &DecisionList) -> Doc {
    let mut doc = Doc::default();
    letterhead(&mut doc, &d.head);
    title(
        &mut doc,
        &format!(
            "DANH SÁCH HỘ NGHÈO, HỘ CẬN NGHÈO NĂM {} CỦA {}",
            d.year,
            d.commune.to_uppercase()
        ),
        &format!(
            "Poor and near-poor households of {} approved for {}",
            d.commune, d.year
        ),
    );
    doc.styled(
        format!(
            "(Kết quả {} đợt số {}, phê duyệt ngày {}, theo chuẩn {}{})",
            d.kind_vi,
            d.round,
            dmy(d.approved_on),
            d.standard_id,
            if d.snapshot_seq > 1 {
                format!("; phê duyệt lần {}", d.snapshot_seq)
            } else {
                String::new()
            }
        ),
        10.0,
        false,
        Align::Center,
    );
    for (i, s) in d.sections.iter().enumerate() {
        heading(&mut doc, &format!("{}. {}", i + 1, s.title_vi), &s.title_en);
        if s.rows.is_empty() {
            doc.para("Không có hộ nào. / None.");
            continue;
        }
        let rows = s
            .rows
            .iter()
            .enumerate()
            .map(|(n, r)| {
                vec![
                    (n + 1).to_string(),
                    r.head_name.clone(),
                    r.household_code.clone(),
                    r.village.clone(),
                    r.class_vi.clone(),
                    r.transition_vi.clone(),
                ]
            })
            .collect();
        table(
            &mut doc,
            &[0.5, 2.2, 1.0, 1.8, 1.2, 2.0],
            &[
                "STT",
                "Họ và tên chủ hộ",
                "Mã hộ",
                "Thôn, tổ dân phố",
                "Phân loại",
                "Diễn biến",
            ],
            rows,
            false,
        );
        doc.para(format!(
            "Tổng số: {} hộ / Total: {}",
            s.rows.len(),
            s.rows.len()
        ));
    }
    chair_signature(&mut doc);
    doc
}

/// The certificates, one page per household.
pub fn certificates(c: &Certificates) -> Doc {
    let mut doc = Doc::default();
    for (i, h) in c.households.iter().enumerate() {
        if i > 0 {
            doc.push(Block::PageBreak);
        }
        letterhead(&mut doc, &c.head);
        doc.push(Block::Space(30.0));
        doc.styled("GIẤY CHỨNG NHẬN", 20.0, true, Align::Center);
        doc.styled(h.class_title.clone(), 17.0, true, Align::Center);
        doc.styled(format!("Năm {}", c.year), 13.0, false, Align::Center);
        doc.styled(
            format!(
                "Certificate of {} status, {}",
                if h.class_title.contains("CẬN") {
                    "near-poor household"
                } else {
                    "poor household"
                },
                c.year
            ),
            9.5,
            false,
            Align::Center,
        );
        doc.push(Block::Space(24.0));
        doc.styled(
            format!("{} chứng nhận:", c.head.issuer),
            12.0,
            false,
            Align::Left,
        );
        doc.push(Block::Space(6.0));
        doc.styled(
            format!("Hộ gia đình ông/bà: {}", h.head_name),
            12.0,
            true,
            Align::Left,
        );
        doc.styled(
            format!("Mã hộ: {}", h.household_code),
            12.0,
            false,
            Align::Left,
        );
        doc.styled(format!("Địa chỉ: {}", h.address), 12.0, false, Align::Left);
        doc.push(Block::Space(6.0));
        doc.styled(
            format!(
                "Là {} năm {} theo chuẩn {} (kết quả rà soát đợt số {} được phê duyệt ngày {}).",
                h.class_vi,
                c.year,
                c.standard_id,
                c.round,
                dmy(c.approved_on)
            ),
            12.0,
            false,
            Align::Left,
        );
        chair_signature(&mut doc);
    }
    if c.households.is_empty() {
        letterhead(&mut doc, &c.head);
        doc.para("Không có hộ nghèo, hộ cận nghèo nào. / No poor or near-poor household.");
    }
    doc
}

/// The minutes of a village meeting.
pub fn minutes(m: &Minutes) -> Doc {
    let mut doc = Doc::default();
    letterhead(&mut doc, &m.head);
    title(
        &mut doc,
        "BIÊN BẢN HỌP DÂN",
        "Minutes of the village meeting",
    );
    doc.styled(
        format!(
            "Về việc thống nhất kết quả rà soát hộ nghèo, hộ cận nghèo năm {} (đợt rà soát số {}, cuộc họp số {})",
            m.year, m.round, m.meeting
        ),
        11.0,
        true,
        Align::Center,
    );
    doc.push(Block::Space(6.0));
    doc.para(format!("Thời gian: ngày {}.", dmy(m.held_on)));
    doc.para(format!("Địa điểm: {}.", m.village));
    doc.para(format!("Số người dự họp: {}.", m.attendees));
    doc.styled("I. Thành phần tham dự:", 11.0, true, Align::Left);
    for (name, role) in &m.participants {
        doc.para(format!("- {name} — {role}"));
    }
    doc.styled("II. Kết quả biểu quyết:", 11.0, true, Align::Left);
    let rows = m
        .votes
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let share = if m.attendees == 0 {
                0
            } else {
                (u64::from(v.agree) * 100 + u64::from(m.attendees) / 2) / u64::from(m.attendees)
            };
            vec![
                (i + 1).to_string(),
                v.head_name.clone(),
                v.household_code.clone(),
                v.proposed_vi.clone(),
                v.agree.to_string(),
                v.disagree.to_string(),
                format!("{share}%"),
                if v.agreed {
                    "Thống nhất".into()
                } else {
                    "Không thống nhất".into()
                },
            ]
        })
        .collect();
    table(
        &mut doc,
        &[0.5, 2.0, 0.9, 1.3, 0.8, 0.9, 0.7, 1.4],
        &[
            "STT",
            "Chủ hộ",
            "Mã hộ",
            "Đề xuất",
            "Đồng ý",
            "Không đồng ý",
            "Tỷ lệ",
            "Kết quả",
        ],
        rows,
        false,
    );
    doc.para(format!(
        "Kết quả của một hộ được thông qua khi có từ {}% số người dự họp đồng ý.",
        m.pass_percent
    ));
    doc.para(if m.agreed {
        "Kết luận: cuộc họp thống nhất kết quả rà soát của tất cả các hộ được biểu quyết."
    } else {
        "Kết luận: có hộ chưa đủ số người dự họp đồng ý; các hộ này được rà soát, chấm điểm lại và họp lại."
    });
    doc.para(
        "Biên bản lập thành 02 bản: 01 bản lưu tại thôn, 01 bản gửi Ban Chỉ đạo rà soát cấp xã.",
    );
    let name_of = |role: &str| {
        m.participants
            .iter()
            .find(|(_, r)| r.starts_with(role))
            .map(|(n, _)| n.clone())
            .unwrap_or_default()
    };
    doc.push(Block::Signature {
        left: vec![
            "THƯ KÝ".into(),
            "(Ký, ghi rõ họ tên)".into(),
            String::new(),
            String::new(),
            name_of("thư ký"),
        ],
        right: vec![
            "CHỦ TRÌ".into(),
            "(Ký, ghi rõ họ tên)".into(),
            String::new(),
            String::new(),
            name_of("chủ trì"),
        ],
    });
    doc
}

/// The list to post: head's name, village and class, nothing else.
pub fn posted(p: &PostedList) -> Doc {
    let mut doc = Doc::default();
    letterhead(&mut doc, &p.head);
    title(
        &mut doc,
        &format!(
            "DANH SÁCH NIÊM YẾT CÔNG KHAI KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM {}",
            p.year
        ),
        &format!(
            "Review results posted for public comment, {}, {}",
            p.commune, p.year
        ),
    );
    if let Some((from, until)) = p.posted {
        doc.styled(
            format!(
                "Thời gian niêm yết: từ ngày {} đến hết ngày {}",
                dmy(from),
                dmy(until)
            ),
            10.0,
            false,
            Align::Center,
        );
    }
    if !p.approved {
        doc.styled(
            "(Kết quả chưa được phê duyệt / results not yet approved)",
            10.0,
            false,
            Align::Center,
        );
    }
    let rows = p
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            vec![
                (i + 1).to_string(),
                r.head_name.clone(),
                r.village.clone(),
                r.class_vi.clone(),
            ]
        })
        .collect();
    table(
        &mut doc,
        &[0.5, 2.5, 2.0, 1.5],
        &["STT", "Họ và tên chủ hộ", "Thôn, tổ dân phố", "Phân loại"],
        rows,
        false,
    );
    doc.para(format!(
        "Tổng số: {} hộ. Mọi ý kiến, khiếu nại xin gửi Ủy ban nhân dân xã trong thời gian niêm yết.",
        p.rows.len()
    ));
    chair_signature(&mut doc);
    doc
}

fn n(v: u64) -> String {
    v.to_string()
}

fn opt(v: Option<u64>) -> String {
    v.map(n)
        .unwrap_or_else(|| "không có dữ liệu / not recorded".into())
}

fn village_cells(v: &VillageRow) -> Vec<String> {
    vec![
        v.village.clone(),
        n(v.reviewed),
        n(v.poor),
        n(v.near_poor),
        n(v.escaped_poverty),
        n(v.escaped_near_poverty),
        n(v.newly_poor),
        n(v.re_poor),
        n(v.newly_near_poor),
        n(v.average),
    ]
}

/// The village table's headers (shared with the workbook).
pub const VILLAGE_HEADERS: [&str; 10] = [
    "Thôn, tổ dân phố",
    "Số hộ rà soát",
    "Hộ nghèo",
    "Hộ cận nghèo",
    "Thoát nghèo",
    "Thoát cận nghèo",
    "Nghèo mới",
    "Tái nghèo",
    "Cận nghèo mới",
    "Mức sống trung bình",
];

/// The movement table's headers (shared with the workbook).
pub const MOVEMENT_HEADERS: [&str; 11] = [
    "Thôn, tổ dân phố",
    "Danh sách",
    "Đầu kỳ",
    "Giảm: sang danh sách kia",
    "Giảm: thoát",
    "Giảm: khác",
    "Tăng: từ danh sách kia",
    "Tăng: tái",
    "Tăng: phát sinh mới",
    "Tăng: khác",
    "Cuối kỳ",
];

fn count_rows(rows: &[CountRow]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| {
            vec![
                format!("{} / {}", r.label_vi, r.label_en),
                opt(r.poor),
                opt(r.near_poor),
            ]
        })
        .collect()
}

/// The movement rows of one unit: poor, then near-poor.
pub fn movement_cells(r: &ansinh_domain::review::MovementRow, label: &str) -> [Vec<String>; 2] {
    let f = |list: &str, f: &ansinh_domain::review::Flow| {
        vec![
            label.to_string(),
            list.to_string(),
            n(f.start),
            n(f.dec_to_other_list),
            n(f.dec_escaped),
            n(f.dec_other),
            n(f.inc_from_other_list),
            n(f.inc_re),
            n(f.inc_new),
            n(f.inc_other),
            n(f.end),
        ]
    };
    [f("Hộ nghèo", &r.poor), f("Hộ cận nghèo", &r.near_poor)]
}

/// The summary tables.
pub fn summary(s: &Summary) -> Doc {
    let mut doc = Doc {
        landscape: true,
        ..Doc::default()
    };
    letterhead(&mut doc, &s.head);
    title(
        &mut doc,
        &format!(
            "BÁO CÁO KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM {} CỦA {}",
            s.year,
            s.commune.to_uppercase()
        ),
        &format!(
            "Summary of the {} review of poor and near-poor households, {}",
            s.year, s.commune
        ),
    );
    doc.styled(
        format!(
            "(Đợt rà soát số {}, phê duyệt ngày {}, theo chuẩn {})",
            s.round,
            dmy(s.approved_on),
            s.standard_id
        ),
        10.0,
        false,
        Align::Center,
    );
    heading(&mut doc, "Biểu 1. Kết quả theo thôn", "By village");
    let mut rows: Vec<Vec<String>> = s.villages.iter().map(village_cells).collect();
    rows.push(village_cells(&s.total));
    table(
        &mut doc,
        &[2.2, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
        &VILLAGE_HEADERS,
        rows,
        true,
    );
    let counts = [
        (
            "Biểu 2. Theo nguyên nhân (thiếu hụt chủ yếu)",
            "By cause (main deprivations)",
            "Nguyên nhân / Cause",
            &s.causes,
        ),
        (
            "Biểu 3. Theo chỉ số thiếu hụt",
            "By indicator deprived",
            "Chỉ số / Indicator",
            &s.indicators,
        ),
        (
            "Biểu 4. Theo nhóm đối tượng",
            "By group",
            "Nhóm / Group",
            &s.groups,
        ),
    ];
    for (vi, en, first, rows) in counts {
        heading(&mut doc, vi, en);
        table(
            &mut doc,
            &[4.0, 1.0, 1.0],
            &[first, "Hộ nghèo", "Hộ cận nghèo"],
            count_rows(rows),
            false,
        );
    }
    match &s.movement {
        Some(m) => {
            heading(
                &mut doc,
                &format!("Biểu 5. Biến động so với năm {}", m.from_year),
                "Year-on-year movement",
            );
            let mut rows = Vec::new();
            for r in &m.rows {
                rows.extend(movement_cells(r, &r.unit));
            }
            rows.extend(movement_cells(&m.total, "Tổng cộng"));
            table(
                &mut doc,
                &[1.8, 1.2, 0.8, 1.0, 0.8, 0.8, 1.0, 0.8, 1.0, 0.8, 0.8],
                &MOVEMENT_HEADERS,
                rows,
                false,
            );
        }
        None => {
            heading(&mut doc, "Biểu 5. Biến động", "Year-on-year movement");
            doc.para("Chưa có đợt rà soát định kỳ năm trước được phê duyệt để so sánh. / No earlier approved periodic round to compare with.");
        }
    }
    if !s.notes.is_empty() {
        doc.styled("Ghi chú / Notes:", 10.0, true, Align::Left);
        for note in &s.notes {
            doc.styled(format!("- {note}"), 9.0, false, Align::Left);
        }
    }
    chair_signature(&mut doc);
    doc
}
