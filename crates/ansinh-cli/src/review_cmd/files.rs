//! Writing the review's outputs to files: the posted list as CSV or XLSX, and the checks of a
//! file name.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};

pub(super) fn report_err(e: ansinh_reports::ReportError) -> anyhow::Error {
    anyhow!("[{}] {}\n{}", e.code(), e.message_vi(), e.message_en())
}

pub(super) fn ext(out: &Path) -> String {
    out.extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default()
}

pub(super) fn need_pdf(out: &Path) -> Result<()> {
    if ext(out) != "pdf" {
        bail!(
            "{}: chỉ ghi được tệp .pdf / only a .pdf file can be written",
            out.display()
        );
    }
    Ok(())
}

pub(super) fn write_file(out: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(out, bytes).with_context(|| out.display().to_string())
}

const HEADERS: [&str; 5] = [
    "STT",
    "Họ và tên chủ hộ",
    "Thôn, tổ dân phố",
    "Phân loại",
    "Class (en)",
];

pub(super) fn write_csv(out: &Path, rows: &[ansinh_reports::model::PostedRow]) -> Result<()> {
    let mut w = csv::Writer::from_path(out).with_context(|| out.display().to_string())?;
    w.write_record(HEADERS)?;
    for (i, r) in rows.iter().enumerate() {
        w.write_record([
            (i + 1).to_string(),
            r.head_name.clone(),
            r.village.clone(),
            r.class_vi.clone(),
            r.class_en.clone(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

pub(super) fn write_xlsx(out: &Path, rows: &[ansinh_reports::model::PostedRow]) -> Result<()> {
    let xl = |e: rust_xlsxwriter::XlsxError| anyhow!("{}: {e}", out.display());
    let mut wb = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("Danh sách niêm yết").map_err(xl)?;
    for (c, h) in HEADERS.iter().enumerate() {
        let col = u16::try_from(c).map_err(|e| anyhow!("{e}"))?;
        ws.write_string_with_format(0, col, *h, &bold).map_err(xl)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = u32::try_from(i + 1).map_err(|e| anyhow!("{e}"))?;
        ws.write_number(row, 0, (i + 1) as f64).map_err(xl)?;
        ws.write_string(row, 1, &r.head_name).map_err(xl)?;
        ws.write_string(row, 2, &r.village).map_err(xl)?;
        ws.write_string(row, 3, &r.class_vi).map_err(xl)?;
        ws.write_string(row, 4, &r.class_en).map_err(xl)?;
    }
    wb.save(out).map_err(xl)?;
    Ok(())
}
