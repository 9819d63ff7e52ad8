//! Columnar household batches: the in-memory form the engine classifies, one column per catalogue field.
//!
//! Members of a household are contiguous; `offsets[i]..offsets[i + 1]` are the member rows of household `i`.
//! A missing column, or a null cell, means "not recorded": the engine reports it as unknown, never as false.

use crate::schema::{FIELDS, FieldId, Level};

/// Code used for a null enum cell.
pub const NULL_CODE: u8 = u8::MAX;
/// Three-valued booleans, ordered `FALSE < UNKNOWN < TRUE` so that Kleene `and` is `min`, `or` is
/// `max` and `not` is `TRUE - x`.
pub const FALSE: u8 = 0;
pub const UNKNOWN: u8 = 1;
pub const TRUE: u8 = 2;

/// One column of values.
#[derive(Clone, Debug, PartialEq)]
pub enum Column {
    /// `FALSE`, `TRUE` or `UNKNOWN` (null).
    Bool(Vec<u8>),
    /// Whole numbers; `valid[i] == false` marks a null cell.
    Int {
        values: Vec<i64>,
        valid: Option<Vec<bool>>,
    },
    /// Measurements; NaN marks a null cell.
    Float(Vec<f64>),
    /// Enum codes (position in the field's value list); [`NULL_CODE`] marks a null cell.
    Enum(Vec<u8>),
}

impl Column {
    pub fn len(&self) -> usize {
        match self {
            Column::Bool(v) | Column::Enum(v) => v.len(),
            Column::Int { values, .. } => values.len(),
            Column::Float(v) => v.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// True when the cell at `i` is null.
    pub fn is_null(&self, i: usize) -> bool {
        match self {
            Column::Bool(v) => v[i] == UNKNOWN,
            Column::Enum(v) => v[i] == NULL_CODE,
            Column::Int { valid, .. } => valid.as_ref().is_some_and(|v| !v[i]),
            Column::Float(v) => v[i].is_nan(),
        }
    }
}

/// Households with their members, by catalogue field.
#[derive(Clone, Debug, Default)]
pub struct Batch {
    /// `offsets.len() == households + 1`.
    pub offsets: Vec<u32>,
    /// Indexed by [`FieldId`]; only fields of the matching level are set.
    pub columns: Vec<Option<Column>>,
    /// Optional member labels (names) used in explanations; never needed for classification.
    pub member_labels: Option<Vec<String>>,
}

impl Batch {
    /// An empty batch for `households` households whose member counts give the offsets.
    pub fn with_offsets(offsets: Vec<u32>) -> Batch {
        Batch {
            offsets,
            columns: vec![None; FIELDS.len()],
            member_labels: None,
        }
    }
    pub fn households(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }
    pub fn members(&self) -> usize {
        self.offsets.last().copied().unwrap_or(0) as usize
    }
    pub fn column(&self, f: FieldId) -> Option<&Column> {
        self.columns.get(f.0 as usize).and_then(|c| c.as_ref())
    }
    /// Sets a column, checking its length against the level of the field.
    pub fn set(&mut self, f: FieldId, col: Column) -> Result<(), String> {
        let want = match f.def().level {
            Level::Household => self.households(),
            Level::Member => self.members(),
        };
        if col.len() != want {
            return Err(format!(
                "column `{}` has {} values, expected {want}",
                f.def().name,
                col.len()
            ));
        }
        self.columns[f.0 as usize] = Some(col);
        Ok(())
    }
}
