//! The village meeting that agrees the review results (Decision 24/2021, Art. 4(3)): chaired by the
//! village head, with a secretary; a household's result is agreed when at least the workflow's share
//! (50%) of the attendees agree, else the household is scored again and the meeting held again. The
//! minutes are made in 2 copies, signed by the chair, the secretary and household representatives.

use std::collections::BTreeSet;
use std::fmt::Write;

use chrono::NaiveDate;

use super::ReviewError;
use super::workflow::Workflow;

/// A participant's role at the meeting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// The village head (trưởng thôn), who chairs.
    Chair,
    Secretary,
    /// Commune review steering committee.
    SteeringCommittee,
    /// Commune official in charge of poverty reduction.
    CommuneOfficer,
    /// Village Party cell secretary.
    PartySecretary,
    /// Mass organisations.
    MassOrganisation,
    Reviewer,
    /// Commune Vietnam Fatherland Front, invited to supervise.
    FatherlandFront,
    HouseholdRepresentative,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Chair,
        Role::Secretary,
        Role::SteeringCommittee,
        Role::CommuneOfficer,
        Role::PartySecretary,
        Role::MassOrganisation,
        Role::Reviewer,
        Role::FatherlandFront,
        Role::HouseholdRepresentative,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Role::Chair => "chair",
            Role::Secretary => "secretary",
            Role::SteeringCommittee => "steering_committee",
            Role::CommuneOfficer => "commune_officer",
            Role::PartySecretary => "party_secretary",
            Role::MassOrganisation => "mass_organisation",
            Role::Reviewer => "reviewer",
            Role::FatherlandFront => "fatherland_front",
            Role::HouseholdRepresentative => "household_representative",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == s)
    }
    pub fn vi(self) -> &'static str {
        match self {
            Role::Chair => "chủ trì (trưởng thôn)",
            Role::Secretary => "thư ký",
            Role::SteeringCommittee => "Ban Chỉ đạo rà soát cấp xã",
            Role::CommuneOfficer => "công chức phụ trách giảm nghèo cấp xã",
            Role::PartySecretary => "bí thư chi bộ thôn",
            Role::MassOrganisation => "đại diện tổ chức đoàn thể",
            Role::Reviewer => "rà soát viên",
            Role::FatherlandFront => "Ủy ban Mặt trận Tổ quốc cấp xã (giám sát)",
            Role::HouseholdRepresentative => "đại diện hộ gia đình",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Role::Chair => "chair (village head)",
            Role::Secretary => "secretary",
            Role::SteeringCommittee => "commune review steering committee",
            Role::CommuneOfficer => "commune poverty-reduction officer",
            Role::PartySecretary => "village Party cell secretary",
            Role::MassOrganisation => "mass organisation representative",
            Role::Reviewer => "reviewer",
            Role::FatherlandFront => "commune Fatherland Front (supervising)",
            Role::HouseholdRepresentative => "household representative",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Participant {
    pub name: String,
    pub role: Role,
}

/// The vote on one household's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    pub household: String,
    pub agree: u32,
    pub disagree: u32,
}

/// A village meeting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meeting {
    /// The village (thôn, tổ dân phố) code or name.
    pub village: String,
    pub held_on: NaiveDate,
    /// Number of people present (the base of the agreement share).
    pub attendees: u32,
    pub participants: Vec<Participant>,
    pub votes: Vec<Tally>,
}

/// Which households' results were agreed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MeetingResult {
    pub agreed: Vec<String>,
    /// To be scored again, then met on again.
    pub failed: Vec<String>,
}

impl Meeting {
    /// Checks the meeting and counts the votes.
    pub fn result(&self, wf: &Workflow) -> Result<MeetingResult, ReviewError> {
        if self.attendees == 0 {
            return Err(ReviewError::BadTally {
                detail: "no attendees / không có người dự họp".into(),
            });
        }
        for role in [Role::Chair, Role::Secretary] {
            if !self.participants.iter().any(|p| p.role == role) {
                return Err(ReviewError::MissingRole { role });
            }
        }
        let mut seen = BTreeSet::new();
        let mut out = MeetingResult::default();
        for t in &self.votes {
            if !seen.insert(t.household.as_str()) {
                return Err(ReviewError::BadTally {
                    detail: format!(
                        "household {} is voted on twice / hộ {} được biểu quyết hai lần",
                        t.household, t.household
                    ),
                });
            }
            if u64::from(t.agree) + u64::from(t.disagree) > u64::from(self.attendees) {
                return Err(ReviewError::BadTally {
                    detail: format!(
                        "household {}: {} votes for {} attendees / hộ {}: {} phiếu cho {} người dự",
                        t.household,
                        u64::from(t.agree) + u64::from(t.disagree),
                        self.attendees,
                        t.household,
                        u64::from(t.agree) + u64::from(t.disagree),
                        self.attendees
                    ),
                });
            }
            if wf.passes(t.agree, self.attendees) {
                out.agreed.push(t.household.clone());
            } else {
                out.failed.push(t.household.clone());
            }
        }
        Ok(out)
    }

    /// The minutes (biên bản họp dân) as a printable text in Vietnamese. `label` gives each household's
    /// line (head of household and proposed result) from its code; personal ID numbers never appear.
    pub fn minutes_vi(&self, wf: &Workflow, label: &dyn Fn(&str) -> String) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM");
        let _ = writeln!(s, "Độc lập - Tự do - Hạnh phúc");
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "BIÊN BẢN HỌP DÂN THỐNG NHẤT KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO"
        );
        let _ = writeln!(
            s,
            "Thôn/tổ dân phố: {}    Ngày họp: {}",
            self.village,
            self.held_on.format("%d/%m/%Y")
        );
        let _ = writeln!(s, "Số người dự họp: {}", self.attendees);
        let _ = writeln!(s);
        let _ = writeln!(s, "I. THÀNH PHẦN");
        let mut ps: Vec<&Participant> = self.participants.iter().collect();
        ps.sort_by_key(|p| p.role);
        for p in ps {
            let _ = writeln!(s, "  - {} — {}", p.name, p.role.vi());
        }
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "II. KẾT QUẢ BIỂU QUYẾT (thông qua khi có từ {}% người dự họp đồng ý)",
            wf.pass_percent
        );
        for (i, t) in self.votes.iter().enumerate() {
            let pct = u64::from(t.agree) * 100 / u64::from(self.attendees.max(1));
            let verdict = if wf.passes(t.agree, self.attendees) {
                "thống nhất"
            } else {
                "chưa thống nhất — rà soát lại và họp lại"
            };
            let _ = writeln!(
                s,
                "  {}. {} — đồng ý {}/{} ({}%), không đồng ý {}: {}",
                i + 1,
                label(&t.household),
                t.agree,
                self.attendees,
                pct,
                t.disagree,
                verdict
            );
        }
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "Biên bản lập thành 02 bản: 01 bản lưu tại thôn, 01 bản gửi Ban Chỉ đạo rà soát cấp xã."
        );
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "THƯ KÝ                  CHỦ TRÌ                  ĐẠI DIỆN CÁC HỘ GIA ĐÌNH"
        );
        s
    }
}
