//! The typed input of every output: what is printed, already in words (Vietnamese, with the English
//! where cheap). Built by [`crate::assemble`], rendered by [`crate::markup`] and [`crate::xlsx`].

use chrono::NaiveDate;

use ansinh_domain::review::MovementRow;

/// The header of an official document of the commune.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Letterhead {
    /// The issuing body, e.g. "ỦY BAN NHÂN DÂN XÃ TÂN LẬP" (printed in capitals).
    pub issuer: String,
    /// The unit above the commune (district or province), if known.
    pub upper: Option<String>,
    /// The place of the date line, e.g. "Tân Lập".
    pub place: String,
    /// The date of the document.
    pub date: NaiveDate,
}

/// One household line of a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListRow {
    pub head_name: String,
    pub household_code: String,
    /// The village (thôn, tổ dân phố), or the address when the household is recorded under the commune.
    pub village: String,
    pub class_vi: String,
    pub transition_vi: String,
}

/// One list of the decision (poor, near-poor, escaped poverty, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub title_vi: String,
    pub title_en: String,
    pub rows: Vec<ListRow>,
}

/// The lists approved by a round (annexes of the commune's decision).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionList {
    pub head: Letterhead,
    pub round: i64,
    pub year: i32,
    /// "định kỳ" or "thường xuyên".
    pub kind_vi: String,
    pub commune: String,
    pub standard_id: String,
    pub approved_on: NaiveDate,
    /// The snapshot printed (1, or more after a reopening).
    pub snapshot_seq: i64,
    pub sections: Vec<Section>,
}

/// The certificate of one poor or near-poor household.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    pub head_name: String,
    pub household_code: String,
    pub address: String,
    /// "HỘ NGHÈO" or "HỘ CẬN NGHÈO".
    pub class_title: String,
    pub class_vi: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificates {
    pub head: Letterhead,
    pub round: i64,
    pub year: i32,
    pub commune: String,
    pub standard_id: String,
    pub approved_on: NaiveDate,
    pub households: Vec<Certificate>,
}

/// One vote of the meeting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoteRow {
    pub head_name: String,
    pub household_code: String,
    /// The class proposed to the meeting.
    pub proposed_vi: String,
    pub agree: u32,
    pub disagree: u32,
    pub agreed: bool,
}

/// The minutes of a village meeting (biên bản họp).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Minutes {
    pub head: Letterhead,
    pub round: i64,
    pub year: i32,
    pub meeting: i64,
    pub village: String,
    pub held_on: NaiveDate,
    pub attendees: u32,
    /// (name, role in Vietnamese).
    pub participants: Vec<(String, String)>,
    pub votes: Vec<VoteRow>,
    /// A result passes with at least this share of the attendees agreeing.
    pub pass_percent: u32,
    pub agreed: bool,
}

/// One line of the posted list: the head's name, the village and the class, nothing else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostedRow {
    pub head_name: String,
    pub village: String,
    pub class_vi: String,
    pub class_en: String,
}

/// The list to post at the village house and the commune office.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostedList {
    pub head: Letterhead,
    pub round: i64,
    pub year: i32,
    pub commune: String,
    /// The posting period, once posted.
    pub posted: Option<(NaiveDate, NaiveDate)>,
    /// The results are the approved snapshot's (else the latest forms').
    pub approved: bool,
    pub rows: Vec<PostedRow>,
}

/// The counts of one village.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VillageRow {
    pub village: String,
    pub reviewed: u64,
    pub poor: u64,
    pub near_poor: u64,
    pub average: u64,
    pub escaped_poverty: u64,
    pub escaped_near_poverty: u64,
    pub newly_poor: u64,
    pub re_poor: u64,
    pub newly_near_poor: u64,
}

/// A count of poor and near-poor households under one heading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CountRow {
    pub label_vi: String,
    pub label_en: String,
    /// `None`: not recorded in the registry.
    pub poor: Option<u64>,
    pub near_poor: Option<u64>,
}

/// The year-on-year movement against an earlier approved periodic round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Movement {
    pub from_year: i32,
    pub rows: Vec<MovementRow>,
    pub total: MovementRow,
}

/// The summary tables for the upper level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub head: Letterhead,
    pub round: i64,
    pub year: i32,
    pub commune: String,
    pub standard_id: String,
    pub approved_on: NaiveDate,
    pub villages: Vec<VillageRow>,
    pub total: VillageRow,
    pub causes: Vec<CountRow>,
    pub indicators: Vec<CountRow>,
    pub groups: Vec<CountRow>,
    pub movement: Option<Movement>,
    /// What the reader must know (derived tables, missing data).
    pub notes: Vec<String>,
}
