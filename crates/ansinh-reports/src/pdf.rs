//! A small document model and its PDF writer: letterhead, titles, paragraphs, tables (header repeated on
//! every page), signatures, page breaks; A4 portrait or landscape; page numbers "n/N".
//!
//! Text is set in DejaVu Serif Condensed (regular and bold, embedded whole in every PDF as TrueType
//! CID fonts with a ToUnicode map, so text can be searched and copied). The fonts cover Vietnamese
//! (ậ, ữ, đ, Đ as precomposed glyphs; text is NFC throughout ansinh, so no shaping is needed).
//!
//! Why not typst: typst as a library was tried first; its tree (~250 crates) also changes the feature
//! set of the workspace's shared crates (syn and every proc macro after it), so adding it rebuilt
//! nearly every dependency — far beyond the CI build budget on 2 cores. This writer needs only
//! `pdf-writer` and `ttf-parser`, neither with dependencies of its own beyond the standard ones.

use std::collections::BTreeMap;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Finish, Name, Rect, Ref, Str};

use crate::{ReportError, Result};

const REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSerifCondensed.ttf");
const BOLD: &[u8] = include_bytes!("../fonts/DejaVuSerifCondensed-Bold.ttf");

/// A typeset PDF and its page count.
#[derive(Clone, Debug)]
pub struct Pdf {
    pub bytes: Vec<u8>,
    pub pages: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

/// One block of a document.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// Two columns: the issuing body (left), the national motto (right); then the date line (right).
    Letterhead {
        left: Vec<String>,
        dateline: String,
    },
    Para {
        text: String,
        size: f32,
        bold: bool,
        align: Align,
    },
    /// Relative column widths, header row (bold, repeated on each page), rows.
    Table {
        widths: Vec<f32>,
        header: Vec<String>,
        rows: Vec<Vec<String>>,
        /// The last row is a total (bold).
        total: bool,
    },
    /// Two signature columns (each: lines, the first bold).
    Signature {
        left: Vec<String>,
        right: Vec<String>,
    },
    Space(f32),
    PageBreak,
}

/// A document: what is printed, block by block.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Doc {
    pub landscape: bool,
    pub blocks: Vec<Block>,
}

impl Doc {
    /// Every text of the document in order, one line per piece (for tests and search).
    pub fn text(&self) -> String {
        let mut out = Vec::new();
        for b in &self.blocks {
            match b {
                Block::Letterhead { left, dateline } => {
                    out.extend(left.iter().cloned());
                    out.push(MOTTO[0].to_string());
                    out.push(MOTTO[1].to_string());
                    out.push(dateline.clone());
                }
                Block::Para { text, .. } => out.push(text.clone()),
                Block::Table { header, rows, .. } => {
                    out.push(header.join(" | "));
                    for r in rows {
                        out.push(r.join(" | "));
                    }
                }
                Block::Signature { left, right } => {
                    out.extend(left.iter().cloned());
                    out.extend(right.iter().cloned());
                }
                Block::Space(_) | Block::PageBreak => {}
            }
        }
        out.join("\n")
    }
    pub fn push(&mut self, b: Block) {
        self.blocks.push(b);
    }
    pub fn para(&mut self, text: impl Into<String>) {
        self.push(Block::Para {
            text: text.into(),
            size: 11.0,
            bold: false,
            align: Align::Left,
        });
    }
    /// An A4 landscape document opening with a centred title and, when not empty, a subtitle: the
    /// web application's printable tables.
    pub fn landscape(title: impl Into<String>, subtitle: impl Into<String>) -> Doc {
        let mut d = Doc {
            landscape: true,
            blocks: Vec::new(),
        };
        d.styled(title, 14.0, true, Align::Center);
        let sub = subtitle.into();
        if !sub.is_empty() {
            d.styled(sub, 11.0, true, Align::Center);
        }
        d
    }
    /// A bold section heading.
    pub fn heading(&mut self, text: impl Into<String>) {
        self.styled(text, 12.0, true, Align::Left);
    }
    pub fn styled(&mut self, text: impl Into<String>, size: f32, bold: bool, align: Align) {
        self.push(Block::Para {
            text: text.into(),
            size,
            bold,
            align,
        });
    }
}

pub const MOTTO: [&str; 2] = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
];

struct Face {
    font: ttf_parser::Face<'static>,
    scale: f32,
}

impl Face {
    fn load(data: &'static [u8]) -> Result<Face> {
        let font = ttf_parser::Face::parse(data, 0)
            .map_err(|e| ReportError::Typeset(format!("font: {e}")))?;
        let scale = 1000.0 / f32::from(font.units_per_em());
        Ok(Face { font, scale })
    }
    fn glyph(&self, c: char) -> u16 {
        self.font.glyph_index(c).map(|g| g.0).unwrap_or(0)
    }
    /// Width in 1/1000 em.
    fn advance(&self, g: u16) -> f32 {
        self.font
            .glyph_hor_advance(ttf_parser::GlyphId(g))
            .map(|a| f32::from(a) * self.scale)
            .unwrap_or(500.0)
    }
    fn width(&self, s: &str, size: f32) -> f32 {
        s.chars().map(|c| self.advance(self.glyph(c))).sum::<f32>() * size / 1000.0
    }
}

/// Whether the embedded regular font has a glyph for every character of `s`.
pub fn covers(s: &str) -> bool {
    Face::load(REGULAR).is_ok_and(|f| {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .all(|c| f.font.glyph_index(c).is_some())
    })
}

#[derive(Clone, Debug)]
enum Op {
    Text {
        x: f32,
        y: f32,
        bold: bool,
        size: f32,
        s: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
    },
}

struct Layout<'a> {
    reg: &'a Face,
    bold: &'a Face,
    w: f32,
    h: f32,
    mx: f32,
    top: f32,
    bottom: f32,
    y: f32,
    pages: Vec<Vec<Op>>,
}

const LEADING: f32 = 1.3;

impl Layout<'_> {
    fn face(&self, bold: bool) -> &Face {
        if bold { self.bold } else { self.reg }
    }
    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let n = self.pages.len() - 1;
        &mut self.pages[n]
    }
    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = self.h - self.top;
    }
    fn ensure(&mut self, height: f32) {
        if self.y - height < self.bottom {
            self.new_page();
        }
    }
    /// Breaks `text` into lines no wider than `width`.
    fn wrap(&self, text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
        let face = self.face(bold);
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            for word in para.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_string()
                } else {
                    format!("{line} {word}")
                };
                if face.width(&candidate, size) <= width || line.is_empty() {
                    line = candidate;
                } else {
                    lines.push(std::mem::take(&mut line));
                    line = word.to_string();
                }
                // A word wider than the column: cut it by characters.
                while face.width(&line, size) > width && line.chars().count() > 1 {
                    let mut cut = String::new();
                    for c in line.chars() {
                        let mut next = cut.clone();
                        next.push(c);
                        if face.width(&next, size) > width && !cut.is_empty() {
                            break;
                        }
                        cut = next;
                    }
                    let rest: String = line.chars().skip(cut.chars().count()).collect();
                    lines.push(cut);
                    line = rest;
                }
            }
            lines.push(line);
        }
        lines
    }
    fn text_at(&mut self, x: f32, y: f32, s: &str, size: f32, bold: bool) {
        if !s.is_empty() {
            self.ops().push(Op::Text {
                x,
                y,
                bold,
                size,
                s: s.to_string(),
            });
        }
    }
    #[allow(clippy::too_many_arguments)]
    fn aligned(&mut self, x0: f32, width: f32, y: f32, s: &str, size: f32, bold: bool, a: Align) {
        let w = self.face(bold).width(s, size);
        let x = match a {
            Align::Left => x0,
            Align::Center => x0 + (width - w) / 2.0,
            Align::Right => x0 + width - w,
        };
        self.text_at(x, y, s, size, bold);
    }
    fn para(&mut self, text: &str, size: f32, bold: bool, a: Align) {
        let width = self.w - 2.0 * self.mx;
        for line in self.wrap(text, size, bold, width) {
            self.ensure(size * LEADING);
            self.y -= size * LEADING;
            let (mx, y) = (self.mx, self.y);
            self.aligned(mx, width, y + size * 0.25, &line, size, bold, a);
        }
    }
    /// Lines of a column block, centred; returns the height used.
    fn column(&mut self, x: f32, width: f32, top: f32, lines: &[(String, bool)], size: f32) -> f32 {
        let mut y = top;
        for (text, bold) in lines {
            for l in self.wrap(text, size, *bold, width) {
                y -= size * LEADING;
                self.aligned(x, width, y + size * 0.25, &l, size, *bold, Align::Center);
            }
        }
        top - y
    }
    fn letterhead(&mut self, left: &[String], dateline: &str) {
        let width = self.w - 2.0 * self.mx;
        let lw = width * 0.4;
        let rw = width - lw;
        self.ensure(80.0);
        let top = self.y;
        let l: Vec<(String, bool)> = left
            .iter()
            .enumerate()
            .map(|(i, s)| (s.to_uppercase(), i + 1 == left.len()))
            .collect();
        let (mx, rx) = (self.mx, self.mx + lw);
        let hl = self.column(mx, lw, top, &l, 10.5);
        let r = vec![(MOTTO[0].to_string(), true), (MOTTO[1].to_string(), true)];
        let hr = self.column(rx, rw, top, &r, 10.5);
        // The rules under the motto and the issuer.
        let mw = self.bold.width(MOTTO[1], 10.5);
        let y = top - hr - 5.0;
        self.ops().push(Op::Line {
            x1: rx + (rw - mw) / 2.0,
            y1: y,
            x2: rx + (rw + mw) / 2.0,
            y2: y,
        });
        let y2 = top - hl - 5.0;
        self.ops().push(Op::Line {
            x1: mx + lw * 0.35,
            y1: y2,
            x2: mx + lw * 0.65,
            y2,
        });
        self.y = top - hl.max(hr) - 8.0;
        self.y -= 11.0 * LEADING;
        let y = self.y;
        self.aligned(mx, width, y + 3.0, dateline, 11.0, false, Align::Right);
        self.y -= 10.0;
    }
    fn table(&mut self, widths: &[f32], header: &[String], rows: &[Vec<String>], total: bool) {
        let size = 9.5;
        let pad = 3.0;
        let width = self.w - 2.0 * self.mx;
        let sum: f32 = widths.iter().sum::<f32>().max(0.001);
        let cols: Vec<f32> = widths.iter().map(|w| w / sum * width).collect();
        let cell_lines = |l: &Layout, row: &[String], bold: bool| -> Vec<Vec<String>> {
            cols.iter()
                .enumerate()
                .map(|(i, w)| {
                    l.wrap(
                        row.get(i).map(String::as_str).unwrap_or(""),
                        size,
                        bold,
                        w - 2.0 * pad,
                    )
                })
                .collect()
        };
        let head = cell_lines(self, header, true);
        let draw = |l: &mut Layout, cells: &[Vec<String>], bold: bool| {
            let n = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let h = n as f32 * size * LEADING + 2.0 * pad;
            let mut x = l.mx;
            let top = l.y;
            for (i, c) in cells.iter().enumerate() {
                let w = cols[i];
                l.ops().push(Op::Rect {
                    x,
                    y: top - h,
                    w,
                    h,
                });
                for (k, line) in c.iter().enumerate() {
                    let y = top - pad - (k as f32 + 1.0) * size * LEADING + size * 0.3;
                    let numeric = line
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '%' || c == '.');
                    let a = if bold {
                        Align::Center
                    } else if numeric {
                        Align::Right
                    } else {
                        Align::Left
                    };
                    l.aligned(x + pad, w - 2.0 * pad, y, line, size, bold, a);
                }
                x += w;
            }
            l.y -= h;
            h
        };
        let height_of = |cells: &[Vec<String>]| {
            cells.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32 * size * LEADING + 2.0 * pad
        };
        let hh = height_of(&head);
        self.ensure(hh * 2.0);
        draw(self, &head, true);
        for (i, r) in rows.iter().enumerate() {
            let bold = total && i + 1 == rows.len();
            let cells = cell_lines(self, r, bold);
            let h = height_of(&cells);
            if self.y - h < self.bottom {
                self.new_page();
                draw(self, &head, true);
            }
            draw(self, &cells, bold);
        }
        self.y -= 6.0;
    }
    fn signature(&mut self, left: &[String], right: &[String]) {
        let width = self.w - 2.0 * self.mx;
        let lines = left.len().max(right.len()) as f32;
        self.ensure(lines * 11.0 * LEADING + 70.0);
        self.y -= 12.0;
        let top = self.y;
        let col = |v: &[String]| -> Vec<(String, bool)> {
            v.iter()
                .enumerate()
                .map(|(i, s)| (s.clone(), i == 0 || s.chars().all(|c| !c.is_lowercase())))
                .collect()
        };
        let mx = self.mx;
        let a = self.column(mx, width / 2.0, top, &col(left), 11.0);
        let b = self.column(mx + width / 2.0, width / 2.0, top, &col(right), 11.0);
        self.y = top - a.max(b) - 6.0;
    }
}

fn fmt_err(e: impl std::fmt::Display) -> ReportError {
    ReportError::Typeset(e.to_string())
}

/// Lays out and writes the document.
pub fn render(doc: &Doc) -> Result<Pdf> {
    let reg = Face::load(REGULAR)?;
    let bold = Face::load(BOLD)?;
    let (w, h) = if doc.landscape {
        (841.89, 595.28)
    } else {
        (595.28, 841.89)
    };
    let mut l = Layout {
        reg: &reg,
        bold: &bold,
        w,
        h,
        mx: 50.0,
        top: 45.0,
        bottom: 50.0,
        y: h - 45.0,
        pages: vec![Vec::new()],
    };
    for b in &doc.blocks {
        match b {
            Block::Letterhead { left, dateline } => l.letterhead(left, dateline),
            Block::Para {
                text,
                size,
                bold,
                align,
            } => l.para(text, *size, *bold, *align),
            Block::Table {
                widths,
                header,
                rows,
                total,
            } => l.table(widths, header, rows, *total),
            Block::Signature { left, right } => l.signature(left, right),
            Block::Space(s) => l.y -= s,
            Block::PageBreak => l.new_page(),
        }
    }
    let mut pages = std::mem::take(&mut l.pages);
    let n = pages.len();
    for (i, p) in pages.iter_mut().enumerate() {
        let s = format!("{}/{n}", i + 1);
        let x = (w - reg.width(&s, 9.0)) / 2.0;
        p.push(Op::Text {
            x,
            y: 25.0,
            bold: false,
            size: 9.0,
            s,
        });
    }
    write(&pages, w, h, &reg, &bold).map(|bytes| Pdf { bytes, pages: n })
}

fn write(pages: &[Vec<Op>], w: f32, h: f32, reg: &Face, bold: &Face) -> Result<Vec<u8>> {
    // Glyphs used per font, with the character each stands for (for the ToUnicode map and widths).
    let mut used: [BTreeMap<u16, char>; 2] = [BTreeMap::new(), BTreeMap::new()];
    for p in pages {
        for op in p {
            if let Op::Text { bold: b, s, .. } = op {
                let f = if *b { bold } else { reg };
                for c in s.chars() {
                    used[usize::from(*b)].entry(f.glyph(c)).or_insert(c);
                }
            }
        }
    }
    let mut pdf = pdf_writer::Pdf::new();
    let mut next = 1;
    let mut id = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let catalog = id();
    let tree = id();
    let fonts: Vec<[Ref; 5]> = (0..2).map(|_| [id(), id(), id(), id(), id()]).collect();
    let page_ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (id(), id())).collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().map(|p| p.0))
        .count(i32::try_from(pages.len()).map_err(fmt_err)?);
    let names = [Name(b"F1"), Name(b"F2")];
    for (k, (face, data, base)) in [
        (reg, REGULAR, Name(b"DejaVuSerifCondensed")),
        (bold, BOLD, Name(b"DejaVuSerifCondensed-Bold")),
    ]
    .into_iter()
    .enumerate()
    {
        let [type0, cid, desc, file, cmap] = fonts[k];
        let info = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        pdf.type0_font(type0)
            .base_font(base)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap);
        {
            let mut c = pdf.cid_font(cid);
            c.subtype(CidFontType::Type2);
            c.base_font(base);
            c.system_info(info);
            c.font_descriptor(desc);
            c.default_width(500.0);
            c.cid_to_gid_map_predefined(Name(b"Identity"));
            let mut ws = c.widths();
            for g in used[k].keys() {
                ws.consecutive(*g, [face.advance(*g)]);
            }
        }
        let f = &face.font;
        let bb = f.global_bounding_box();
        let s = face.scale;
        pdf.font_descriptor(desc)
            .name(base)
            .flags(FontFlags::NON_SYMBOLIC | FontFlags::SERIF)
            .bbox(Rect::new(
                f32::from(bb.x_min) * s,
                f32::from(bb.y_min) * s,
                f32::from(bb.x_max) * s,
                f32::from(bb.y_max) * s,
            ))
            .italic_angle(0.0)
            .ascent(f32::from(f.ascender()) * s)
            .descent(f32::from(f.descender()) * s)
            .cap_height(f.capital_height().map_or(700.0, |c| f32::from(c) * s))
            .stem_v(if k == 1 { 140.0 } else { 80.0 })
            .font_file2(file);
        pdf.stream(file, data).pair(
            Name(b"Length1"),
            i32::try_from(data.len()).map_err(fmt_err)?,
        );
        let mut map = UnicodeCmap::new(Name(b"Custom"), info);
        for (g, c) in &used[k] {
            map.pair(*g, *c);
        }
        pdf.cmap(cmap, &map.finish());
    }
    for (p, (page, content_id)) in pages.iter().zip(&page_ids) {
        let mut c = Content::new();
        c.set_line_width(0.5);
        for op in p {
            match op {
                Op::Text {
                    x,
                    y,
                    bold: b,
                    size,
                    s,
                } => {
                    let f = if *b { bold } else { reg };
                    let mut bytes = Vec::with_capacity(s.len() * 2);
                    for ch in s.chars() {
                        bytes.extend_from_slice(&f.glyph(ch).to_be_bytes());
                    }
                    c.begin_text();
                    c.set_font(names[usize::from(*b)], *size);
                    c.next_line(*x, *y);
                    c.show(Str(&bytes));
                    c.end_text();
                }
                Op::Rect { x, y, w, h } => {
                    c.rect(*x, *y, *w, *h);
                    c.stroke();
                }
                Op::Line { x1, y1, x2, y2 } => {
                    c.move_to(*x1, *y1);
                    c.line_to(*x2, *y2);
                    c.stroke();
                }
            }
        }
        let mut pg = pdf.page(*page);
        pg.media_box(Rect::new(0.0, 0.0, w, h));
        pg.parent(tree);
        pg.contents(*content_id);
        {
            let mut res = pg.resources();
            let mut fd = res.fonts();
            fd.pair(names[0], fonts[0][0]);
            fd.pair(names[1], fonts[1][0]);
        }
        pg.finish();
        pdf.stream(*content_id, &c.finish());
    }
    Ok(pdf.finish())
}
