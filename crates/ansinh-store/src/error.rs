//! Storage errors: typed, with a stable `code()` and a message in Vietnamese and in English.
//! `Display` is the English message; internal causes (driver errors) stay in `Backend` for the log.

use chrono::NaiveDate;

use ansinh_domain::registry::{CitizenId, HouseholdCode, RegistryError, UnitCode};

/// What kind of record an error or an audit entry is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Entity {
    Unit,
    Household,
    Member,
    Classification,
    /// A reorganisation of administrative units (merge, split, rename) on a date.
    Reorganisation,
    /// An application event that changes no record (an export, a view of personal data).
    Event,
}

impl Entity {
    pub const ALL: [Entity; 6] = [
        Entity::Unit,
        Entity::Household,
        Entity::Member,
        Entity::Classification,
        Entity::Reorganisation,
        Entity::Event,
    ];
    /// Stable code, as stored in the audit trail.
    pub fn code(self) -> &'static str {
        match self {
            Entity::Unit => "unit",
            Entity::Household => "household",
            Entity::Member => "member",
            Entity::Classification => "classification",
            Entity::Reorganisation => "reorganisation",
            Entity::Event => "event",
        }
    }
    pub fn from_code(s: &str) -> Option<Entity> {
        Entity::ALL.into_iter().find(|e| e.code() == s)
    }
    pub fn vi(self) -> &'static str {
        match self {
            Entity::Unit => "đơn vị hành chính",
            Entity::Household => "hộ",
            Entity::Member => "thành viên",
            Entity::Classification => "kết quả phân loại",
            Entity::Reorganisation => "sắp xếp đơn vị hành chính",
            Entity::Event => "sự kiện",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Entity::Unit => "administrative unit",
            Entity::Household => "household",
            Entity::Member => "member",
            Entity::Classification => "classification",
            Entity::Reorganisation => "reorganisation",
            Entity::Event => "event",
        }
    }
}

/// Why a request was refused before anything was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invalid {
    /// A change to or deletion of an existing record needs a reason.
    ReasonRequired,
    /// An end date on or before its start date.
    DateRange { from: NaiveDate, to: NaiveDate },
    /// Another unit with the same code is valid during part of the same period.
    UnitOverlap { code: UnitCode },
    /// A reorganisation that does not fit the units it names.
    Reorganisation { detail: ReorganisationProblem },
    /// The household was deleted; it can be read but not changed.
    HouseholdDeleted { household: HouseholdCode },
    /// A value that failed domain validation (for example a stored citizen ID that no longer parses).
    Value(RegistryError),
    /// A backup file that failed verification (damaged, or not an ansinh registry this program knows).
    Backup { reason: String },
    /// A change of accounts that would leave the registry unmanageable or an account without scope.
    Account(AccountProblem),
}

/// What is wrong with a change of accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountProblem {
    /// The change would leave no active administrator.
    LastAdministrator,
    /// Every role but the administrator works within a unit.
    UnitRequired,
    /// A partner agency account names the agency (partner list) it works for.
    AgencyRequired,
}

/// What is wrong with a reorganisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReorganisationProblem {
    /// It names no unit on one side.
    Empty,
    /// A unit that ends is not valid the day before the reorganisation.
    NotValidBefore { code: UnitCode },
    /// A unit that begins does not start on the reorganisation date.
    NotStartingOn { code: UnitCode },
}

/// An error of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The person is already a live member of another household.
    #[error(
        "citizen ID {citizen_id} is already a member of household {household_a}; it cannot also be a member of household {household_b}"
    )]
    Conflict {
        citizen_id: CitizenId,
        /// The household the person already belongs to.
        household_a: HouseholdCode,
        /// The household the change tried to add the person to.
        household_b: HouseholdCode,
    },
    /// Someone else saved the household since it was read: nothing was written.
    #[error(
        "household {household} was changed by someone else since you opened it (your version {expected}, now {found}); nothing was saved"
    )]
    StaleVersion {
        household: HouseholdCode,
        expected: i64,
        found: i64,
    },
    #[error("{} {key} not found", what.en())]
    NotFound { what: Entity, key: String },
    #[error("{} {key} already exists", what.en())]
    Duplicate { what: Entity, key: String },
    #[error("{}", invalid_en(.0))]
    Invalid(Invalid),
    /// The database failed or returned something unexpected. The message is for the log, not the user.
    #[error("storage failure: {message}")]
    Backend { message: String },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl StoreError {
    pub fn backend(e: impl std::fmt::Display) -> StoreError {
        StoreError::Backend {
            message: e.to_string(),
        }
    }

    /// Stable code, the key the UI translates.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Conflict { .. } => "REG_CITIZEN_ID_CONFLICT",
            StoreError::StaleVersion { .. } => "REG_STALE_VERSION",
            StoreError::NotFound { .. } => "REG_NOT_FOUND",
            StoreError::Duplicate { .. } => "REG_DUPLICATE",
            StoreError::Invalid(Invalid::ReasonRequired) => "REG_REASON_REQUIRED",
            StoreError::Invalid(Invalid::Backup { .. }) => "REG_BACKUP_INVALID",
            StoreError::Invalid(Invalid::Account(AccountProblem::LastAdministrator)) => {
                "ACC_LAST_ADMIN"
            }
            StoreError::Invalid(Invalid::Account(AccountProblem::UnitRequired)) => {
                "ACC_UNIT_REQUIRED"
            }
            StoreError::Invalid(Invalid::Account(AccountProblem::AgencyRequired)) => {
                "ACC_AGENCY_REQUIRED"
            }
            StoreError::Invalid(_) => "REG_INVALID",
            StoreError::Backend { .. } => "REG_BACKEND",
        }
    }

    pub fn message_en(&self) -> String {
        self.to_string()
    }

    pub fn message_vi(&self) -> String {
        match self {
            StoreError::Conflict {
                citizen_id,
                household_a,
                household_b,
            } => format!(
                "người có số định danh {citizen_id} đang là thành viên của hộ {household_a}; không thể đồng thời là thành viên của hộ {household_b}"
            ),
            StoreError::StaleVersion {
                household,
                expected,
                found,
            } => format!(
                "hộ {household} đã được người khác sửa kể từ khi bạn mở (phiên bản của bạn {expected}, hiện tại {found}); chưa có gì được lưu"
            ),
            StoreError::NotFound { what, key } => format!("không tìm thấy {} {key}", what.vi()),
            StoreError::Duplicate { what, key } => format!("{} {key} đã tồn tại", what.vi()),
            StoreError::Invalid(i) => invalid_vi(i),
            StoreError::Backend { .. } => {
                "lỗi lưu trữ dữ liệu; xin thử lại hoặc báo quản trị viên".into()
            }
        }
    }
}

impl From<RegistryError> for StoreError {
    fn from(e: RegistryError) -> StoreError {
        StoreError::Invalid(Invalid::Value(e))
    }
}

fn invalid_en(i: &Invalid) -> String {
    match i {
        Invalid::ReasonRequired => "a reason is required to change or delete a record".into(),
        Invalid::DateRange { from, to } => {
            format!("the end date {to} is not after the start date {from}")
        }
        Invalid::UnitOverlap { code } => {
            format!("another unit with code {code} is valid during part of the same period")
        }
        Invalid::Reorganisation { detail } => match detail {
            ReorganisationProblem::Empty => "a reorganisation needs units before and after".into(),
            ReorganisationProblem::NotValidBefore { code } => {
                format!("unit {code} is not valid on the day before the reorganisation")
            }
            ReorganisationProblem::NotStartingOn { code } => {
                format!("unit {code} does not begin on the date of the reorganisation")
            }
        },
        Invalid::HouseholdDeleted { household } => {
            format!("household {household} was deleted and cannot be changed")
        }
        Invalid::Value(e) => e.to_string(),
        Invalid::Backup { reason } => format!("the backup failed verification: {reason}"),
        Invalid::Account(AccountProblem::LastAdministrator) => {
            "this is the last active administrator: make another administrator first".into()
        }
        Invalid::Account(AccountProblem::UnitRequired) => {
            "every role except administrator needs the unit it works in".into()
        }
        Invalid::Account(AccountProblem::AgencyRequired) => {
            "a partner agency account needs the agency it works for (which partner list it receives)"
                .into()
        }
    }
}

fn invalid_vi(i: &Invalid) -> String {
    match i {
        Invalid::ReasonRequired => "cần nêu lý do khi sửa hoặc xoá một bản ghi".into(),
        Invalid::DateRange { from, to } => format!(
            "ngày kết thúc {} không sau ngày bắt đầu {}",
            to.format("%d/%m/%Y"),
            from.format("%d/%m/%Y")
        ),
        Invalid::UnitOverlap { code } => {
            format!("một đơn vị khác có mã {code} có hiệu lực trong cùng thời gian")
        }
        Invalid::Reorganisation { detail } => match detail {
            ReorganisationProblem::Empty => {
                "việc sắp xếp cần có đơn vị trước và sau sắp xếp".into()
            }
            ReorganisationProblem::NotValidBefore { code } => {
                format!("đơn vị {code} không có hiệu lực vào ngày trước khi sắp xếp")
            }
            ReorganisationProblem::NotStartingOn { code } => {
                format!("đơn vị {code} không bắt đầu có hiệu lực vào ngày sắp xếp")
            }
        },
        Invalid::HouseholdDeleted { household } => {
            format!("hộ {household} đã bị xoá, không thể sửa")
        }
        Invalid::Value(e) => e.message_vi(),
        Invalid::Backup { reason } => {
            format!("bản sao lưu không qua được kiểm tra: {reason}")
        }
        Invalid::Account(AccountProblem::LastAdministrator) => {
            "đây là quản trị viên cuối cùng đang hoạt động: hãy tạo một quản trị viên khác trước"
                .into()
        }
        Invalid::Account(AccountProblem::UnitRequired) => {
            "mọi vai trò trừ quản trị viên đều cần đơn vị làm việc".into()
        }
        Invalid::Account(AccountProblem::AgencyRequired) => {
            "tài khoản cơ quan phối hợp cần ghi rõ cơ quan (danh sách được nhận)".into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_names_both_households_and_masks_the_id() {
        let e = StoreError::Conflict {
            citizen_id: CitizenId::parse("001090000123").unwrap(),
            household_a: HouseholdCode::parse("HA").unwrap(),
            household_b: HouseholdCode::parse("HB").unwrap(),
        };
        assert_eq!(e.code(), "REG_CITIZEN_ID_CONFLICT");
        for m in [e.message_en(), e.message_vi()] {
            assert!(m.contains("HA") && m.contains("HB"), "{m}");
            assert!(m.contains("123") && !m.contains("001090"), "{m}");
        }
    }

    #[test]
    fn every_entity_code_round_trips() {
        for e in Entity::ALL {
            assert_eq!(Entity::from_code(e.code()), Some(e));
        }
        let r = StoreError::Invalid(Invalid::ReasonRequired);
        assert_eq!(r.code(), "REG_REASON_REQUIRED");
        assert!(r.message_vi().contains("lý do"));
    }
}
