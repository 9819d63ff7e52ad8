//! One trait for every error a person can see: a stable code and the message in Vietnamese and English.
//! The web, the CLI and a catalogue of codes read errors through it.

use crate::expr::ExprError;
use crate::file_error::FileError;
use crate::registry::RegistryError;
use crate::review::ReviewError;

/// An error with a stable code and a message in both languages.
pub trait Coded {
    /// The stable code (`STD_EXPR`, `REVIEW_LOCKED`, `IN_CELL`, …), the key a translation is found by.
    fn code(&self) -> &'static str;
    /// The message in Vietnamese.
    fn vi(&self) -> String;
    /// The message in English.
    fn en(&self) -> String;
}

impl Coded for FileError {
    fn code(&self) -> &'static str {
        self.code
    }
    fn vi(&self) -> String {
        self.to_string_vi()
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

impl Coded for ReviewError {
    fn code(&self) -> &'static str {
        ReviewError::code(self)
    }
    fn vi(&self) -> String {
        self.message_vi()
    }
    fn en(&self) -> String {
        self.message_en()
    }
}

impl Coded for RegistryError {
    fn code(&self) -> &'static str {
        RegistryError::code(self)
    }
    fn vi(&self) -> String {
        self.message_vi()
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

/// An expression error on its own (outside a file it is a `STD_EXPR`, `POL_EXPR`, … [`FileError`]).
impl Coded for ExprError {
    fn code(&self) -> &'static str {
        "EXPR_INVALID"
    }
    fn vi(&self) -> String {
        format!("Biểu thức không hợp lệ: {}", self.message)
    }
    fn en(&self) -> String {
        self.message.clone()
    }
}
