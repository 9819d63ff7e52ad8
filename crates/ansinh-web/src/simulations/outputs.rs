//! The simulation's downloads: the workbook and the PDF of one run's view.

use super::*;

fn sheet(
    wb: &mut rust_xlsxwriter::Workbook,
    name: &str,
    head: &[&str],
    rows: &[Vec<String>],
) -> Result<(), WebError> {
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name(name).map_err(xl)?;
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(xl)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, v).map_err(xl)?;
        }
    }
    ws.set_column_width(0, 30).map_err(xl)?;
    Ok(())
}

/// The run as a workbook: classes, changes, communes, indicators, budget.
pub fn workbook(v: &View) -> Result<Vec<u8>, WebError> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let classes: Vec<Vec<String>> = v.class_rows();
    sheet(
        &mut wb,
        "Phan loai",
        &[
            "Phân loại / Class",
            "Chuẩn gốc / Base",
            "Mô phỏng / Scenario",
            "Chênh lệch / Change",
        ],
        &classes,
    )?;
    let moves: Vec<Vec<String>> = v.move_rows();
    sheet(
        &mut wb,
        "Doi phan loai",
        &[
            "Từ / From",
            "Sang / To",
            "Hộ / Households",
            "Nhân khẩu / Persons",
        ],
        &moves,
    )?;
    let communes: Vec<Vec<String>> = v
        .communes
        .iter()
        .map(|c| {
            vec![
                format!("{} {}", c.code, c.name),
                c.households.clone(),
                c.changed.clone(),
                c.poor_base.clone(),
                c.poor_alt.clone(),
                c.near_base.clone(),
                c.near_alt.clone(),
            ]
        })
        .collect();
    sheet(
        &mut wb,
        "Theo xa",
        &[
            "Xã / Commune",
            "Số hộ / Households",
            "Đổi phân loại / Changing",
            "Nghèo (gốc) / Poor (base)",
            "Nghèo (mô phỏng) / Poor (scenario)",
            "Cận nghèo (gốc) / Near-poor (base)",
            "Cận nghèo (mô phỏng) / Near-poor (scenario)",
        ],
        &communes,
    )?;
    let inds: Vec<Vec<String>> = v
        .indicators
        .iter()
        .map(|i| {
            vec![
                format!("{} {}", i.name, i.note),
                i.base.clone(),
                i.alt.clone(),
                i.newly.clone(),
                i.no_longer.clone(),
            ]
        })
        .collect();
    sheet(
        &mut wb,
        "Chi so",
        &[
            "Chỉ số / Indicator",
            "Thiếu hụt (gốc) / Deprived (base)",
            "Thiếu hụt (mô phỏng) / Deprived (scenario)",
            "Mới thiếu hụt / Newly deprived",
            "Không còn tính / No longer counted",
        ],
        &inds,
    )?;
    let budget: Vec<Vec<String>> = v
        .budget
        .iter()
        .map(|b| {
            vec![
                b.policy.clone(),
                b.counts.clone(),
                b.per_unit.clone(),
                b.base_units.clone(),
                b.alt_units.clone(),
                b.delta.clone(),
                if b.unconfirmed {
                    "chưa xác nhận / unconfirmed".into()
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    sheet(
        &mut wb,
        "Kinh phi",
        &[
            "Chính sách / Policy",
            "Tính theo / Counted by",
            "Mức / đối tượng / Per unit",
            "Đối tượng (gốc) / Units (base)",
            "Đối tượng (mô phỏng) / Units (scenario)",
            "Chênh lệch kinh phí / Budget change",
            "Ghi chú / Note",
        ],
        &budget,
    )?;
    wb.save_to_buffer().map_err(xl)
}

/// The run as a printable document (A4 landscape).
pub fn document(l: Lang, v: &View, year: i32) -> Doc {
    let mut d = Doc::landscape(
        l.pick(
            "KẾT QUẢ MÔ PHỎNG ÁP DỤNG CHUẨN NGHÈO",
            "WHAT-IF SIMULATION OF A POVERTY STANDARD",
        ),
        v.title.clone(),
    );
    d.para(format!(
        "{} {} · {} {} · {} {}",
        v.households,
        l.pick("hộ", "households"),
        v.persons,
        l.pick("nhân khẩu", "persons"),
        l.pick("đổi phân loại:", "changing class:"),
        v.changed
    ));
    let t = |rows: Vec<Vec<String>>, head: &[&str], widths: Vec<f32>| Block::Table {
        widths,
        header: head.iter().map(|s| s.to_string()).collect(),
        rows,
        total: false,
    };
    d.push(t(
        v.class_rows(),
        &[
            l.pick("Phân loại (hộ)", "Class (households)"),
            l.pick("Chuẩn gốc", "Base"),
            l.pick("Mô phỏng", "Scenario"),
            l.pick("Chênh lệch", "Change"),
        ],
        vec![4.0, 2.0, 2.0, 2.0],
    ));
    if !v.moves.is_empty() {
        d.push(Block::Space(6.0));
        d.push(t(
            v.move_rows(),
            &[
                l.pick("Từ", "From"),
                l.pick("Sang", "To"),
                l.pick("Hộ", "Households"),
                l.pick("Nhân khẩu", "Persons"),
            ],
            vec![3.0, 3.0, 2.0, 2.0],
        ));
    }
    d.push(Block::Space(6.0));
    d.push(t(
        v.communes
            .iter()
            .map(|c| {
                vec![
                    format!("{} {}", c.code, c.name),
                    c.households.clone(),
                    c.changed.clone(),
                    format!("{} → {}", c.poor_base, c.poor_alt),
                    format!("{} → {}", c.near_base, c.near_alt),
                ]
            })
            .collect(),
        &[
            l.pick("Xã", "Commune"),
            l.pick("Số hộ", "Households"),
            l.pick("Đổi phân loại", "Changing"),
            l.pick("Hộ nghèo", "Poor"),
            l.pick("Hộ cận nghèo", "Near-poor"),
        ],
        vec![4.0, 1.5, 1.5, 2.0, 2.0],
    ));
    d.push(Block::Space(6.0));
    d.heading(format!(
        "{} {year}",
        l.pick("Tác động kinh phí năm", "Budget impact in")
    ));
    let mut rows: Vec<Vec<String>> = v
        .budget
        .iter()
        .map(|b| {
            vec![
                b.policy.clone(),
                b.per_unit.clone(),
                format!("{} → {}", b.base_units, b.alt_units),
                b.delta.clone(),
            ]
        })
        .collect();
    rows.push(vec![
        l.pick("Tổng", "Total").to_string(),
        String::new(),
        String::new(),
        v.budget_total.clone(),
    ]);
    d.push(Block::Table {
        widths: vec![5.0, 2.0, 2.0, 2.2],
        header: [
            l.pick("Chính sách", "Policy"),
            l.pick("Mức / đối tượng", "Per unit"),
            l.pick("Đối tượng", "Units"),
            l.pick("Chênh lệch", "Change"),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        rows,
        total: true,
    });
    for c in &v.caveats {
        d.para(format!("{}: {c}", l.pick("Chưa xác nhận", "Unconfirmed")));
    }
    d
}
