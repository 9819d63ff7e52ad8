//! Column builders: turn text cells (CSV, XLSX) or Arrow arrays (Parquet) into typed domain columns.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type,
};
use arrow_array::{Array, DictionaryArray, types::ArrowDictionaryKeyType};
use arrow_buffer::ArrowNativeType;
use arrow_schema::DataType;

use ansinh_domain::columnar::{Column, FALSE, NULL_CODE, TRUE, UNKNOWN};
use ansinh_domain::schema::{EnumValue, FieldType};
use ansinh_domain::text::search_key;

/// What a column holds.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    /// A key (household id, unit code): whole number, never empty.
    Key,
    /// A key kept as runs of equal consecutive values (members' household ids, which come grouped):
    /// never empty; the column itself is not kept.
    RunKey,
    Int,
    Float,
    Bool,
    Enum(&'static [EnumValue]),
    /// Free text (member names), kept only for explanations.
    Label,
}

impl Kind {
    pub fn of(ty: FieldType) -> Kind {
        match ty {
            FieldType::Bool => Kind::Bool,
            FieldType::Int => Kind::Int,
            FieldType::Float => Kind::Float,
            FieldType::Enum(v) => Kind::Enum(v),
        }
    }
}

/// Values of one column as they are read.
#[derive(Debug)]
pub(crate) struct ColBuilder {
    pub kind: Kind,
    pub ints: Vec<i64>,
    pub valid: Vec<bool>,
    pub has_null: bool,
    pub floats: Vec<f64>,
    pub bytes: Vec<u8>,
    pub labels: Vec<String>,
    /// For [`Kind::RunKey`]: (value, number of consecutive rows).
    pub runs: Vec<(i64, u32)>,
}

/// A cell that failed: index within the pushed array, and why.
pub(crate) type CellError = (usize, String);

fn parse_int(s: &str) -> Option<i64> {
    if let Ok(v) = s.parse::<i64>() {
        return Some(v);
    }
    // Vietnamese or English digit grouping: 1.500.000 or 1,500,000
    let groups: Vec<&str> = s.split(['.', ',']).collect();
    if groups.len() > 1
        && !groups[0].is_empty()
        && groups[0].len() <= 3
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
    {
        return groups.concat().parse().ok();
    }
    // 12.0 from a spreadsheet
    s.parse::<f64>()
        .ok()
        .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
        .map(|f| f as i64)
}

fn parse_bool(s: &str) -> Option<bool> {
    match search_key(s).as_str() {
        "true" | "1" | "yes" | "y" | "co" | "x" => Some(true),
        "false" | "0" | "no" | "n" | "khong" => Some(false),
        _ => None,
    }
}

fn enum_code(values: &[EnumValue], s: &str) -> Option<u8> {
    if let Some(i) = values.iter().position(|v| v.code == s) {
        return Some(i as u8);
    }
    let key = search_key(s);
    values
        .iter()
        .position(|v| search_key(v.vi) == key || search_key(v.en) == key || v.code == key)
        .map(|i| i as u8)
}

fn allowed(values: &[EnumValue]) -> String {
    values.iter().map(|v| v.code).collect::<Vec<_>>().join(", ")
}

impl ColBuilder {
    pub fn new(kind: Kind) -> ColBuilder {
        ColBuilder {
            kind,
            ints: Vec::new(),
            valid: Vec::new(),
            has_null: false,
            floats: Vec::new(),
            bytes: Vec::new(),
            labels: Vec::new(),
            runs: Vec::new(),
        }
    }

    fn push_null(&mut self) -> Result<(), String> {
        match self.kind {
            Kind::Key | Kind::RunKey => return Err("must not be empty".into()),
            Kind::Int => {
                self.materialise_valid();
                self.ints.push(0);
                self.valid.push(false);
            }
            Kind::Float => self.floats.push(f64::NAN),
            Kind::Bool => self.bytes.push(UNKNOWN),
            Kind::Enum(_) => self.bytes.push(NULL_CODE),
            Kind::Label => self.labels.push(String::new()),
        }
        Ok(())
    }

    fn push_run(&mut self, v: i64) {
        match self.runs.last_mut() {
            Some((last, n)) if *last == v && *n < u32::MAX => *n += 1,
            _ => self.runs.push((v, 1)),
        }
    }

    fn push_int(&mut self, v: i64) {
        if matches!(self.kind, Kind::RunKey) {
            return self.push_run(v);
        }
        self.ints.push(v);
        if self.has_null {
            self.valid.push(true);
        }
    }

    /// Validity is kept only once a null has been seen; until then every value is valid.
    fn materialise_valid(&mut self) {
        if !self.has_null {
            self.valid.clear();
            self.valid.resize(self.ints.len(), true);
            self.has_null = true;
        }
    }

    /// Reserves room for `n` more values.
    pub fn reserve(&mut self, n: usize) {
        match self.kind {
            Kind::Key | Kind::Int => self.ints.reserve(n),
            Kind::RunKey => {}
            Kind::Float => self.floats.reserve(n),
            Kind::Bool | Kind::Enum(_) => self.bytes.reserve(n),
            Kind::Label => self.labels.reserve(n),
        }
    }

    /// One text cell (CSV, or an XLSX string). Empty means "not recorded".
    pub fn push_text(&mut self, raw: &str) -> Result<(), String> {
        let s = raw.trim();
        if s.is_empty() {
            return self.push_null();
        }
        match self.kind {
            Kind::Key | Kind::RunKey | Kind::Int => match parse_int(s) {
                Some(v) => self.push_int(v),
                None => return Err(format!("`{s}` is not a whole number")),
            },
            Kind::Float => match s
                .parse::<f64>()
                .or_else(|_| s.replace(',', ".").parse::<f64>())
            {
                Ok(v) if v.is_finite() => self.floats.push(v),
                _ => return Err(format!("`{s}` is not a number")),
            },
            Kind::Bool => match parse_bool(s) {
                Some(b) => self.bytes.push(if b { TRUE } else { FALSE }),
                None => return Err(format!("`{s}` is not true/false")),
            },
            Kind::Enum(values) => match enum_code(values, s) {
                Some(c) => self.bytes.push(c),
                None => {
                    return Err(format!(
                        "`{s}` is not an allowed value (allowed: {})",
                        allowed(values)
                    ));
                }
            },
            Kind::Label => self
                .labels
                .push(ansinh_domain::text::NfcText::new(s).as_str().to_string()),
        }
        Ok(())
    }

    /// A numeric spreadsheet cell.
    pub fn push_number(&mut self, v: f64) -> Result<(), String> {
        match self.kind {
            Kind::Key | Kind::RunKey | Kind::Int if v.fract() == 0.0 && v.abs() < 9.0e15 => {
                self.push_int(v as i64)
            }
            Kind::Key | Kind::RunKey | Kind::Int => {
                return Err(format!("`{v}` is not a whole number"));
            }
            Kind::Float => self.floats.push(v),
            Kind::Bool if v == 0.0 || v == 1.0 => {
                self.bytes.push(if v == 1.0 { TRUE } else { FALSE })
            }
            _ => return self.push_text(&v.to_string()),
        }
        Ok(())
    }

    /// A boolean spreadsheet cell.
    pub fn push_bool(&mut self, b: bool) -> Result<(), String> {
        match self.kind {
            Kind::Bool => {
                self.bytes.push(if b { TRUE } else { FALSE });
                Ok(())
            }
            _ => self.push_text(if b { "true" } else { "false" }),
        }
    }

    /// All values of an Arrow array.
    pub fn push_arrow(&mut self, arr: &dyn Array) -> Result<(), CellError> {
        // Dictionaries resolve their own nulls (push_dict); computing logical nulls for them would build a
        // bitmap per batch for nothing.
        let nulls = if matches!(arr.data_type(), DataType::Dictionary(_, _)) {
            None
        } else {
            arr.logical_nulls()
        };
        let is_null = |i: usize| nulls.as_ref().is_some_and(|n| n.is_null(i));
        if matches!(self.kind, Kind::Key | Kind::RunKey) && arr.null_count() > 0 {
            let i = (0..arr.len()).find(|&i| is_null(i)).unwrap_or(0);
            return Err((i, "must not be empty".into()));
        }
        macro_rules! ints {
            ($t:ty) => {{
                let a = arr.as_primitive::<$t>();
                match self.kind {
                    Kind::RunKey => {
                        for v in a.values().iter() {
                            self.push_run(*v as i64);
                        }
                    }
                    Kind::Key | Kind::Int => {
                        match &nulls {
                            Some(n) if n.null_count() > 0 => {
                                self.materialise_valid();
                                self.valid.extend(n.iter());
                            }
                            _ if self.has_null => {
                                self.valid.extend(std::iter::repeat_n(true, a.len()))
                            }
                            _ => {}
                        }
                        self.ints.extend(a.values().iter().map(|v| *v as i64));
                    }
                    Kind::Float => self.floats.extend(
                        a.values()
                            .iter()
                            .enumerate()
                            .map(|(i, v)| if is_null(i) { f64::NAN } else { *v as f64 }),
                    ),
                    Kind::Bool => {
                        for (i, v) in a.values().iter().enumerate() {
                            let v = *v as i64;
                            if is_null(i) {
                                self.bytes.push(UNKNOWN);
                            } else if v == 0 || v == 1 {
                                self.bytes.push(if v == 1 { TRUE } else { FALSE });
                            } else {
                                return Err((i, format!("`{v}` is not true/false")));
                            }
                        }
                    }
                    _ => return Err((0, "expected text, found numbers".into())),
                }
            }};
        }
        match arr.data_type() {
            DataType::Int8 => ints!(Int8Type),
            DataType::Int16 => ints!(Int16Type),
            DataType::Int32 => ints!(Int32Type),
            DataType::Int64 => ints!(Int64Type),
            DataType::UInt8 => ints!(UInt8Type),
            DataType::UInt16 => ints!(UInt16Type),
            DataType::UInt32 => ints!(UInt32Type),
            DataType::Float32 | DataType::Float64 if matches!(self.kind, Kind::Float) => {
                let nan = |i: usize, v: f64| if is_null(i) { f64::NAN } else { v };
                if arr.data_type() == &DataType::Float32 {
                    let a = arr.as_primitive::<Float32Type>().values();
                    self.floats
                        .extend(a.iter().enumerate().map(|(i, v)| nan(i, *v as f64)));
                } else {
                    let a = arr.as_primitive::<Float64Type>().values();
                    self.floats
                        .extend(a.iter().enumerate().map(|(i, v)| nan(i, *v)));
                }
            }
            DataType::Float32 | DataType::Float64 => {
                let vals: Vec<f64> = if arr.data_type() == &DataType::Float32 {
                    arr.as_primitive::<Float32Type>()
                        .values()
                        .iter()
                        .map(|v| *v as f64)
                        .collect()
                } else {
                    arr.as_primitive::<Float64Type>().values().to_vec()
                };
                for (i, v) in vals.into_iter().enumerate() {
                    let r = if is_null(i) {
                        self.push_null()
                    } else {
                        self.push_number(v)
                    };
                    r.map_err(|e| (i, e))?;
                }
            }
            DataType::Boolean => {
                let a = arr.as_boolean();
                for i in 0..a.len() {
                    let r = if is_null(i) {
                        self.push_null()
                    } else {
                        self.push_bool(a.value(i))
                    };
                    r.map_err(|e| (i, e))?;
                }
            }
            DataType::Dictionary(k, _) => match k.as_ref() {
                DataType::Int8 => self.push_dict(arr.as_dictionary::<Int8Type>())?,
                DataType::Int16 => self.push_dict(arr.as_dictionary::<Int16Type>())?,
                DataType::Int32 => self.push_dict(arr.as_dictionary::<Int32Type>())?,
                DataType::UInt8 => self.push_dict(arr.as_dictionary::<UInt8Type>())?,
                DataType::UInt32 => self.push_dict(arr.as_dictionary::<UInt32Type>())?,
                other => return Err((0, format!("unsupported dictionary key type {other}"))),
            },
            DataType::Utf8 => {
                let a = arr.as_string::<i32>();
                for i in 0..a.len() {
                    let r = if is_null(i) {
                        self.push_null()
                    } else {
                        self.push_text(a.value(i))
                    };
                    r.map_err(|e| (i, e))?;
                }
            }
            DataType::LargeUtf8 => {
                let a = arr.as_string::<i64>();
                for i in 0..a.len() {
                    let r = if is_null(i) {
                        self.push_null()
                    } else {
                        self.push_text(a.value(i))
                    };
                    r.map_err(|e| (i, e))?;
                }
            }
            DataType::Utf8View => {
                let a = arr.as_string_view();
                for i in 0..a.len() {
                    let r = if is_null(i) {
                        self.push_null()
                    } else {
                        self.push_text(a.value(i))
                    };
                    r.map_err(|e| (i, e))?;
                }
            }
            other => return Err((0, format!("unsupported column type {other}"))),
        }
        Ok(())
    }

    /// Dictionary-encoded text: each distinct value is parsed once, then rows map through the keys.
    fn push_dict<K: ArrowDictionaryKeyType>(
        &mut self,
        d: &DictionaryArray<K>,
    ) -> Result<(), CellError> {
        let values = d.values();
        let mut sub = ColBuilder::new(self.kind);
        sub.push_arrow(values.as_ref()).map_err(|(i, e)| {
            let row = d
                .keys()
                .values()
                .iter()
                .position(|k| k.as_usize() == i)
                .unwrap_or(0);
            (row, e)
        })?;
        let keys = d.keys();
        let knulls = keys.nulls();
        let n = keys.len();
        match self.kind {
            Kind::Bool | Kind::Enum(_) => {
                let null = if matches!(self.kind, Kind::Bool) {
                    UNKNOWN
                } else {
                    NULL_CODE
                };
                let map = &sub.bytes;
                self.bytes.reserve(n);
                match knulls {
                    None => self
                        .bytes
                        .extend(keys.values().iter().map(|k| map[k.as_usize()])),
                    Some(nl) => {
                        self.bytes
                            .extend(keys.values().iter().enumerate().map(|(i, k)| {
                                if nl.is_null(i) {
                                    null
                                } else {
                                    map[k.as_usize()]
                                }
                            }))
                    }
                }
            }
            _ => {
                for i in 0..n {
                    if knulls.is_some_and(|nl| nl.is_null(i)) {
                        self.push_null().map_err(|e| (i, e))?;
                        continue;
                    }
                    let k = keys.values()[i].as_usize();
                    match self.kind {
                        Kind::RunKey => self.push_run(sub.ints[k]),
                        Kind::Key | Kind::Int => {
                            if sub.has_null && !sub.valid[k] {
                                self.materialise_valid();
                                self.ints.push(0);
                                self.valid.push(false);
                            } else {
                                self.push_int(sub.ints[k]);
                            }
                        }
                        Kind::Float => self.floats.push(sub.floats[k]),
                        Kind::Label => self.labels.push(sub.labels[k].clone()),
                        _ => {}
                    }
                }
            }
        }
        Ok(())
    }

    /// The domain column (not for keys or labels).
    pub fn into_column(self) -> Column {
        match self.kind {
            Kind::Key | Kind::RunKey | Kind::Int => Column::Int {
                values: self.ints,
                valid: if self.has_null {
                    Some(self.valid)
                } else {
                    None
                },
            },
            Kind::Float => Column::Float(self.floats),
            Kind::Bool => Column::Bool(self.bytes),
            Kind::Enum(_) => Column::Enum(self.bytes),
            Kind::Label => Column::Enum(Vec::new()),
        }
    }
}

/// Reorders a column by a permutation of its rows.
pub(crate) fn permute(col: Column, perm: &[usize]) -> Column {
    match col {
        Column::Bool(v) => Column::Bool(perm.iter().map(|&i| v[i]).collect()),
        Column::Enum(v) => Column::Enum(perm.iter().map(|&i| v[i]).collect()),
        Column::Float(v) => Column::Float(perm.iter().map(|&i| v[i]).collect()),
        Column::Int { values, valid } => Column::Int {
            values: perm.iter().map(|&i| values[i]).collect(),
            valid: valid.map(|v| perm.iter().map(|&i| v[i]).collect()),
        },
    }
}
