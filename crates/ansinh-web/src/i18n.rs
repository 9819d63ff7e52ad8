//! Vietnamese first, English switchable: a typed message table (a missing translation does not compile)
//! and the Vietnamese way of writing numbers (`1.500.000 đ`, `12,5%`) and dates (`dd/mm/yyyy`).

use chrono::NaiveDate;

use ansinh_domain::money::{group_thousands, group_thousands_en};

/// The interface language. Vietnamese is the default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
    /// The other language (for the switch link).
    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }
    pub fn t(self) -> &'static Labels {
        match self {
            Lang::Vi => &VI,
            Lang::En => &EN,
        }
    }
    /// A pair of strings, the one of this language.
    pub fn pick<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }

    /// `1.500.000 đ` (vi) or `1,500,000 VND` (en).
    pub fn vnd(self, v: i64) -> String {
        match self {
            Lang::Vi => format!("{} đ", group_thousands(v)),
            Lang::En => format!("{} VND", group_thousands_en(v)),
        }
    }
    /// A count with grouped thousands: `12.345` (vi) or `12,345` (en).
    pub fn int(self, v: i64) -> String {
        match self {
            Lang::Vi => group_thousands(v),
            Lang::En => group_thousands_en(v),
        }
    }
    /// A share as a percentage with one decimal: `12,5%` (vi) or `12.5%` (en); `–` when `of` is 0.
    pub fn percent(self, part: i64, of: i64) -> String {
        if of <= 0 {
            return "–".into();
        }
        let tenths = (part * 1000 + of / 2) / of;
        let sep = match self {
            Lang::Vi => ',',
            Lang::En => '.',
        };
        format!("{}{sep}{}%", tenths / 10, tenths % 10)
    }
}

/// `dd/mm/yyyy`, in both languages (the form Vietnamese offices use).
pub fn date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

macro_rules! labels {
    ($($key:ident: $vi:literal, $en:literal;)+) => {
        /// Every fixed text of the interface.
        #[derive(Debug)]
        pub struct Labels { $(pub $key: &'static str,)+ }
        pub static VI: Labels = Labels { $($key: $vi,)+ };
        pub static EN: Labels = Labels { $($key: $en,)+ };
        #[cfg(test)]
        pub(crate) fn all_pairs() -> Vec<(&'static str, &'static str, &'static str)> {
            vec![$((stringify!($key), $vi, $en),)+]
        }
    };
}

labels! {
    app_name: "An Sinh — quản lý giảm nghèo", "An Sinh — poverty reduction";
    skip_to_content: "Chuyển đến nội dung", "Skip to content";
    switch_lang: "English", "Tiếng Việt";
    login: "Đăng nhập", "Log in";
    logout: "Đăng xuất", "Log out";
    username: "Tên đăng nhập", "User name";
    password: "Mật khẩu", "Password";
    login_failed: "Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong user name or password.";
    login_limited: "Đăng nhập sai quá nhiều lần. Xin thử lại sau ít phút.", "Too many failed logins. Please try again in a few minutes.";
    login_expired: "Phiên làm việc đã hết hạn, xin đăng nhập lại.", "Your session has ended; please log in again.";
    form_expired: "Biểu mẫu đã hết hạn, xin thử lại.", "The form has expired; please try again.";
    nav_dashboard: "Tổng quan", "Dashboard";
    nav_households: "Hộ gia đình", "Households";
    nav_lists: "Danh sách hộ nghèo, cận nghèo", "Poor and near-poor lists";
    nav_password: "Đổi mật khẩu", "Change password";
    nav_api: "API", "API";
    unit: "Đơn vị", "Unit";
    whole_country: "Toàn quốc", "Whole country";
    role: "Vai trò", "Role";
    households: "Số hộ", "Households";
    persons: "Số nhân khẩu", "Persons";
    poor: "Hộ nghèo", "Poor";
    near_poor: "Hộ cận nghèo", "Near-poor";
    incomplete: "Chưa đủ dữ liệu", "Incomplete data";
    rate: "Tỷ lệ", "Rate";
    count: "Số lượng", "Count";
    trend_by_year: "Diễn biến qua các năm", "Trend by year";
    year: "Năm", "Year";
    by_indicator: "Thiếu hụt theo chỉ số (hộ)", "Deprivation by indicator (households)";
    indicator: "Chỉ số", "Indicator";
    deprived_households: "Số hộ thiếu hụt", "Households deprived";
    by_unit: "Theo đơn vị trực thuộc", "By unit below";
    standard: "Chuẩn nghèo áp dụng", "Standard applied";
    as_of: "Tính đến ngày", "As of";
    unconfirmed_note: "Chuẩn này có điểm CHƯA ĐƯỢC XÁC NHẬN với văn bản chính thức; kết quả phụ thuộc vào các điểm đó.", "This standard has points NOT YET CONFIRMED against the official text; results depend on them.";
    search: "Tìm kiếm", "Search";
    search_hint: "Tên chủ hộ hoặc địa chỉ (gõ không dấu cũng được)", "Head's name or address (diacritics optional)";
    search_results: "Kết quả tìm kiếm", "Search results";
    no_results: "Không tìm thấy hộ nào.", "No household found.";
    household_code: "Mã hộ", "Household code";
    head_name: "Chủ hộ", "Head of household";
    address: "Địa chỉ", "Address";
    village: "Thôn/tổ dân phố", "Village";
    class: "Phân loại", "Class";
    filter_class: "Lọc theo phân loại", "Filter by class";
    all: "Tất cả", "All";
    apply: "Áp dụng", "Apply";
    previous: "Trang trước", "Previous";
    next: "Trang sau", "Next";
    page: "Trang", "Page";
    members: "Thành viên", "Members";
    full_name: "Họ và tên", "Full name";
    date_of_birth: "Ngày sinh", "Date of birth";
    sex: "Giới tính", "Sex";
    relation: "Quan hệ với chủ hộ", "Relation to head";
    citizen_id: "Số định danh", "Citizen ID";
    dwelling: "Nhà ở và điều kiện sống", "Dwelling and living conditions";
    housing: "Chất lượng nhà ở", "Housing";
    floor_area: "Diện tích ở (m²)", "Floor area (m²)";
    water: "Nguồn nước", "Water source";
    toilet: "Nhà tiêu", "Toilet";
    income: "Thu nhập bình quân tháng của hộ", "Household monthly income";
    income_per_capita: "Thu nhập bình quân đầu người/tháng", "Monthly income per person";
    not_recorded: "chưa ghi nhận", "not recorded";
    yes: "có", "yes";
    no: "không", "no";
    explanation: "Giải thích kết quả phân loại", "Why this class";
    outcome: "Kết quả", "Outcome";
    deprived: "Thiếu hụt", "Deprived";
    not_deprived: "Không thiếu hụt", "Not deprived";
    undecided: "Chưa xác định (thiếu dữ liệu)", "Undecided (data missing)";
    missing_fields: "Cần bổ sung", "Still needed";
    history: "Lịch sử phân loại", "Classification history";
    recorded_by: "Người ghi", "Recorded by";
    audit_trail: "Nhật ký thay đổi", "Audit trail";
    when: "Thời điểm", "When";
    who: "Người thực hiện", "Who";
    action: "Thao tác", "Action";
    reason: "Lý do", "Reason";
    deleted: "Hộ đã bị xoá", "Household deleted";
    current_password: "Mật khẩu hiện tại", "Current password";
    new_password: "Mật khẩu mới (ít nhất 10 ký tự)", "New password (at least 10 characters)";
    repeat_password: "Nhập lại mật khẩu mới", "Repeat the new password";
    save: "Lưu", "Save";
    password_changed: "Đã đổi mật khẩu. Các phiên đăng nhập khác đã bị đóng.", "Password changed. Your other sessions were closed.";
    password_wrong: "Mật khẩu hiện tại không đúng.", "The current password is wrong.";
    password_short: "Mật khẩu mới phải có ít nhất 10 ký tự.", "The new password needs at least 10 characters.";
    password_mismatch: "Hai lần nhập mật khẩu mới không giống nhau.", "The two new passwords differ.";
    public_list_title: "Danh sách hộ nghèo, hộ cận nghèo được công khai", "Published list of poor and near-poor households";
    public_list_note: "Danh sách niêm yết công khai theo kết quả rà soát gần nhất. Không công bố số định danh hay ngày sinh.", "List posted publicly from the latest review. No citizen IDs or dates of birth are published.";
    public_list_off: "Đơn vị này không công khai danh sách trên mạng.", "This unit does not publish its lists online.";
    public_lists_setting: "Công khai danh sách trên trang công khai", "Publish lists on the public page";
    turn_on: "Bật công khai", "Publish";
    turn_off: "Tắt công khai", "Stop publishing";
    public_page: "Trang công khai", "Public page";
    not_found: "Không tìm thấy trang hoặc bản ghi này (hoặc bạn không có quyền xem).", "Page or record not found (or you may not see it).";
    forbidden: "Vai trò của bạn không được dùng chức năng này.", "Your role may not use this function.";
    server_error: "Đã có lỗi. Xin thử lại hoặc báo quản trị viên.", "Something went wrong. Please try again or tell the administrator.";
    error: "Lỗi", "Error";
    back_home: "Về trang tổng quan", "Back to the dashboard";
    no_classification: "Chưa có kết quả rà soát.", "No review result yet.";
    more_results: "Còn nhiều kết quả hơn; hãy gõ thêm để thu hẹp.", "More results exist; type more to narrow them.";
    // Editing households and members, import and export (edit.rs, transfer.rs).
    nav_registry: "Nhập, xuất dữ liệu", "Import and export";
    saved: "Đã lưu thay đổi.", "Changes saved.";
    edit: "Sửa", "Edit";
    edit_household: "Sửa thông tin hộ", "Edit the household";
    new_household: "Thêm hộ mới", "New household";
    add_member: "Thêm thành viên", "Add a member";
    edit_member: "Sửa thông tin thành viên", "Edit a member";
    end_membership: "Thôi là thành viên", "End membership";
    create: "Tạo hộ", "Create the household";
    cancel: "Quay lại", "Back";
    section_general: "Thông tin chung", "General";
    section_living: "Nhà ở, nước sinh hoạt, vệ sinh", "Dwelling, water and sanitation";
    section_services: "Thông tin và dịch vụ", "Information and services";
    section_incomes: "Thu nhập theo từng lần ghi nhận", "Incomes as recorded";
    section_head: "Chủ hộ (thành viên đầu tiên)", "Head of household (first member)";
    section_person: "Thông tin cá nhân", "Personal details";
    section_work: "Việc làm, giáo dục, sức khoẻ", "Work, education and health";
    section_membership: "Thời gian là thành viên", "Membership";
    income_date: "Ngày ghi nhận", "Recorded on";
    income_amount: "Thu nhập bình quân tháng (đồng)", "Monthly income (VND)";
    income_note: "Ghi chú", "Note";
    incomes_hint: "Để trống cả ngày và số tiền của một dòng để xoá dòng đó.", "Leave a row's date and amount empty to remove it.";
    income_incomplete: "Cần cả ngày ghi nhận và số tiền.", "Both the date and the amount are needed.";
    income_twice: "Đã có một khoản thu nhập ghi nhận cùng ngày.", "Another income is recorded on the same day.";
    income_future: "Ngày ghi nhận không được sau hôm nay.", "The date cannot be after today.";
    bad_date: "Ngày không hợp lệ; viết dạng dd/mm/yyyy, ví dụ 05/03/1980.", "Not a valid date; write dd/mm/yyyy, e.g. 05/03/1980.";
    bad_amount: "Số tiền không hợp lệ; số đồng nguyên, không âm, ví dụ 1.500.000.", "Not a valid amount; whole VND, not negative, e.g. 1.500.000.";
    date_hint: "dd/mm/yyyy", "dd/mm/yyyy";
    unit_choice: "Thôn/tổ dân phố (hoặc xã, phường)", "Village (or commune, ward)";
    unit_invalid: "Chọn một đơn vị thuộc phạm vi bạn quản lý.", "Choose one of the units you manage.";
    not_recorded_choice: "— chưa ghi nhận —", "— not recorded —";
    reason_change: "Lý do sửa (bắt buộc, ghi vào nhật ký thay đổi)", "Reason for the change (required; kept in the audit trail)";
    reason_optional: "Ghi chú cho nhật ký (không bắt buộc)", "Note for the audit trail (optional)";
    reason_required: "Cần nêu lý do sửa.", "A reason is required.";
    not_saved_errors: "Chưa lưu: xin sửa các ô được đánh dấu.", "Not saved: please correct the marked fields.";
    stale_title: "Chưa lưu: hộ này vừa được người khác sửa.", "Not saved: someone else has just changed this household.";
    stale_note: "Không có gì bị ghi đè. Biểu mẫu dưới đây hiện giá trị mới nhất; nếu vẫn cần, hãy nhập lại thay đổi của bạn rồi lưu.", "Nothing was overwritten. The form below shows the latest values; if still needed, enter your changes again and save.";
    stale_by: "Người đã lưu trước", "Saved before you by";
    stale_at: "lúc", "at";
    your_input: "Những gì bạn đã nhập (chưa lưu)", "What you entered (not saved)";
    end_title: "Kết thúc tư cách thành viên", "End a membership";
    end_kind: "Lý do", "Reason";
    end_died: "Qua đời", "Died";
    end_moved: "Chuyển đi nơi khác", "Moved away";
    end_married: "Kết hôn, về sống ở hộ khác", "Married into another household";
    end_split: "Tách hộ", "Split off into a new household";
    end_other: "Lý do khác", "Another reason";
    end_note: "Ghi chú (bắt buộc khi chọn lý do khác)", "Note (required for another reason)";
    end_kind_required: "Chọn lý do kết thúc.", "Choose why the membership ends.";
    end_note_required: "Xin ghi rõ lý do.", "Please describe the reason.";
    end_date_required: "Cần ngày thôi là thành viên.", "The end date is required.";
    end_before_start: "Ngày thôi là thành viên phải sau ngày bắt đầu.", "The membership must end after it starts.";
    registry_title: "Nhập và xuất dữ liệu hộ gia đình", "Import and export household data";
    import_title: "Nhập từ tệp Excel hoặc CSV", "Import from an Excel or CSV file";
    import_file: "Tệp (.xlsx hoặc .csv, tối đa 20 MB)", "File (.xlsx or .csv, at most 20 MB)";
    on_error_label: "Khi có dòng lỗi", "When some rows have errors";
    on_error_reject: "Không nhập gì cả (từ chối cả tệp)", "Import nothing (reject the whole file)";
    on_error_take: "Nhập các hộ hợp lệ, bỏ qua các dòng lỗi", "Import the valid households, skip the rows with errors";
    dry_run: "Chỉ kiểm tra, chưa ghi vào cơ sở dữ liệu", "Check only; write nothing";
    import_button: "Nhập tệp", "Import the file";
    template_link: "Tải tệp mẫu (.xlsx)", "Download the template (.xlsx)";
    import_scope_note: "Chỉ nhập được hộ của các đơn vị bạn quản lý; dòng của đơn vị khác bị từ chối. Nhập lại cùng tệp không thay đổi gì.", "Only households of the units you manage are imported; rows of other units are rejected. Importing the same file again changes nothing.";
    import_result: "Kết quả nhập", "Import result";
    rows_read: "Số dòng đã đọc", "Rows read";
    households_valid: "Hộ hợp lệ", "Valid households";
    members_valid: "Thành viên hợp lệ", "Valid members";
    units_valid: "Đơn vị hợp lệ", "Valid units";
    rows_rejected: "Số dòng bị từ chối", "Rows rejected";
    written: "Đã ghi vào cơ sở dữ liệu", "Written to the registry";
    inserted: "thêm mới", "new";
    updated: "cập nhật", "updated";
    unchanged: "không đổi", "unchanged";
    nothing_written_dry: "Chạy thử: chưa ghi gì.", "Dry run: nothing was written.";
    nothing_written_errors: "Tệp có lỗi nên chưa ghi gì (bạn đã chọn từ chối cả tệp).", "The file has errors, so nothing was written (you chose to reject the whole file).";
    nothing_to_write: "Không có hộ hợp lệ nào để ghi.", "No valid household to write.";
    rejected_rows: "Các dòng bị từ chối", "Rejected rows";
    source: "Tệp / trang", "File / sheet";
    row: "Dòng", "Row";
    column: "Cột", "Column";
    download_rejected: "Tải các dòng lỗi (.xlsx) để sửa và nhập lại", "Download the rejected rows (.xlsx) to fix and import again";
    errors_cut: "Chỉ hiện các lỗi đầu tiên; tệp các dòng lỗi có đủ.", "Only the first errors are shown; the rejected-rows workbook has them all.";
    skipped_tables: "Bỏ qua (không nhận ra bảng)", "Skipped (not a known table)";
    import_failed: "Không nhập được tệp", "The file could not be imported";
    file_too_large: "Tệp quá lớn (tối đa 20 MB).", "The file is too large (at most 20 MB).";
    file_missing: "Chưa chọn tệp.", "No file was chosen.";
    export_title: "Xuất dữ liệu", "Export";
    export_xlsx: "Tải Excel (.xlsx)", "Download Excel (.xlsx)";
    export_csv_households: "CSV hộ gia đình", "CSV of households";
    export_csv_members: "CSV thành viên", "CSV of members";
    export_csv_units: "CSV đơn vị hành chính", "CSV of units";
    export_note: "Tệp xuất có cùng định dạng với tệp nhập: sửa rồi nhập lại được. Tệp có dữ liệu cá nhân (số định danh, ngày sinh): xin giữ cẩn thận.", "Exports have the import's format: edit and import them again. They hold personal data (citizen IDs, dates of birth): keep them safe.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_the_vietnamese_way() {
        assert_eq!(Lang::Vi.vnd(1_500_000), "1.500.000 đ");
        assert_eq!(Lang::En.vnd(1_500_000), "1,500,000 VND");
        assert_eq!(Lang::Vi.int(12345), "12.345");
        assert_eq!(Lang::Vi.percent(1, 8), "12,5%");
        assert_eq!(Lang::En.percent(1, 3), "33.3%");
        assert_eq!(Lang::Vi.percent(1, 0), "–");
        let d = NaiveDate::from_ymd_opt(2024, 3, 7).unwrap();
        assert_eq!(date(d), "07/03/2024");
    }

    #[test]
    fn every_label_is_translated() {
        for (key, vi, en) in all_pairs() {
            assert!(!vi.trim().is_empty() && !en.trim().is_empty(), "{key}");
        }
    }
}
