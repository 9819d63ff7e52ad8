//! The summary workbook for the upper level: one sheet per table, a title and the round on the first
//! two rows, the headers on row 4, the data from row 5 (rows 1-based as in a spreadsheet).

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::markup::{MOVEMENT_HEADERS, VILLAGE_HEADERS};
use crate::model::{CountRow, Summary, VillageRow};
use crate::{ReportError, Result, dmy};

fn xl(e: XlsxError) -> ReportError {
    ReportError::Xlsx(e.to_string())
}

/// The first data row (0-based).
pub const FIRST_ROW: u32 = 4;

fn sheet<'a>(
    wb: &'a mut Workbook,
    name: &str,
    title: &str,
    s: &Summary,
    headers: &[&str],
) -> Result<&'a mut Worksheet> {
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name(name).map_err(xl)?;
    ws.write_string_with_format(0, 0, title, &bold)
        .map_err(xl)?;
    ws.write_string(
        1,
        0,
        format!(
            "{} — năm {} — đợt rà soát số {}, phê duyệt ngày {}, chuẩn {}",
            s.commune,
            s.year,
            s.round,
            dmy(s.approved_on),
            s.standard_id
        ),
    )
    .map_err(xl)?;
    for (c, h) in headers.iter().enumerate() {
        let col = u16::try_from(c).map_err(|e| ReportError::Xlsx(e.to_string()))?;
        ws.write_string_with_format(3, col, *h, &bold).map_err(xl)?;
    }
    ws.set_column_width(0, 36).map_err(xl)?;
    Ok(ws)
}

fn num(ws: &mut Worksheet, row: u32, col: u16, v: u64) -> Result<()> {
    ws.write_number(row, col, v as f64).map_err(xl)?;
    Ok(())
}

fn village_row(ws: &mut Worksheet, row: u32, v: &VillageRow) -> Result<()> {
    ws.write_string(row, 0, &v.village).map_err(xl)?;
    let vals = [
        v.reviewed,
        v.poor,
        v.near_poor,
        v.escaped_poverty,
        v.escaped_near_poverty,
        v.newly_poor,
        v.re_poor,
        v.newly_near_poor,
        v.average,
    ];
    for (i, x) in vals.iter().enumerate() {
        num(ws, row, (i + 1) as u16, *x)?;
    }
    Ok(())
}

fn count_sheet(
    wb: &mut Workbook,
    name: &str,
    title: &str,
    s: &Summary,
    first: &str,
    rows: &[CountRow],
) -> Result<()> {
    let ws = sheet(
        wb,
        name,
        title,
        s,
        &[
            first,
            "Hộ nghèo / Poor",
            "Hộ cận nghèo / Near-poor",
            "English",
        ],
    )?;
    for (i, r) in rows.iter().enumerate() {
        let row = FIRST_ROW + i as u32;
        ws.write_string(row, 0, &r.label_vi).map_err(xl)?;
        for (col, v) in [(1u16, r.poor), (2, r.near_poor)] {
            match v {
                Some(v) => num(ws, row, col, v)?,
                None => {
                    ws.write_string(row, col, "không có dữ liệu").map_err(xl)?;
                }
            }
        }
        ws.write_string(row, 3, &r.label_en).map_err(xl)?;
    }
    Ok(())
}

/// The summary workbook: sheets `Theo thôn`, `Theo nguyên nhân`, `Theo chỉ số`, `Theo nhóm`,
/// `Biến động` (the last row of the village and movement sheets is the total), and `Ghi chú`.
pub fn summary(s: &Summary) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    {
        let ws = sheet(
            &mut wb,
            "Theo thôn",
            "Kết quả rà soát hộ nghèo, hộ cận nghèo theo thôn / By village",
            s,
            &VILLAGE_HEADERS,
        )?;
        for (i, v) in s.villages.iter().enumerate() {
            village_row(ws, FIRST_ROW + i as u32, v)?;
        }
        village_row(ws, FIRST_ROW + s.villages.len() as u32, &s.total)?;
    }
    count_sheet(
        &mut wb,
        "Theo nguyên nhân",
        "Theo nguyên nhân (thiếu hụt chủ yếu) / By cause (main deprivations)",
        s,
        "Nguyên nhân",
        &s.causes,
    )?;
    count_sheet(
        &mut wb,
        "Theo chỉ số",
        "Theo chỉ số thiếu hụt / By indicator deprived",
        s,
        "Chỉ số",
        &s.indicators,
    )?;
    count_sheet(
        &mut wb,
        "Theo nhóm",
        "Theo nhóm đối tượng / By group",
        s,
        "Nhóm",
        &s.groups,
    )?;
    {
        let ws = sheet(
            &mut wb,
            "Biến động",
            &match &s.movement {
                Some(m) => format!(
                    "Biến động hộ nghèo, hộ cận nghèo so với năm {} / Year-on-year movement",
                    m.from_year
                ),
                None => "Biến động: chưa có đợt rà soát định kỳ năm trước được phê duyệt / no earlier approved periodic round".into(),
            },
            s,
            &MOVEMENT_HEADERS,
        )?;
        if let Some(m) = &s.movement {
            let mut row = FIRST_ROW;
            let all = m
                .rows
                .iter()
                .map(|r| (r, r.unit.as_str()))
                .chain(std::iter::once((&m.total, "Tổng cộng")));
            for (r, label) in all {
                for cells in crate::markup::movement_cells(r, label) {
                    ws.write_string(row, 0, &cells[0]).map_err(xl)?;
                    ws.write_string(row, 1, &cells[1]).map_err(xl)?;
                    for (c, v) in cells.iter().enumerate().skip(2) {
                        let v: u64 = v.parse().unwrap_or_default();
                        num(ws, row, c as u16, v)?;
                    }
                    row += 1;
                }
            }
        }
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name("Ghi chú").map_err(xl)?;
        ws.set_column_width(0, 120).map_err(xl)?;
        for (i, n) in s.notes.iter().enumerate() {
            ws.write_string(i as u32, 0, n).map_err(xl)?;
        }
    }
    wb.save_to_buffer().map_err(xl)
}
