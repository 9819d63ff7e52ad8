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
    request_too_large: "Nội dung gửi lên quá lớn.", "The request is too large.";
    request_unreadable: "Không đọc được nội dung gửi lên, xin thử lại.", "The request could not be read; please try again.";
    nav_dashboard: "Tổng quan", "Dashboard";
    nav_accounts: "Tài khoản", "Accounts";
    ent_title: "Đối tượng hưởng chính sách năm", "Support entitlements, year";
    ent_back: "Đợt rà soát", "Review round";
    ent_year: "Năm", "Year";
    ent_show: "Xem", "Show";
    ent_policy: "Chính sách", "Policy";
    ent_beneficiaries: "Đối tượng", "Beneficiaries";
    ent_year_total: "Kinh phí cả năm", "Amount for the year";
    ent_undecided: "Chưa quyết định", "Cannot decide";
    ent_missing: "Thiếu dữ kiện", "Missing facts";
    ent_total: "Tổng cộng", "Total";
    ent_note: "Theo kết quả rà soát đã phê duyệt; số tiền tính theo từng tháng với các mức chuẩn hiện hành của tháng đó. Trường hợp thiếu dữ kiện trong sổ hộ được liệt kê riêng, không bị bỏ qua. Các danh sách có thông tin cá nhân: mỗi lần tải về được ghi vào nhật ký.", "From the approved review results; amounts priced month by month with the values in force. Cases the registry lacks a fact for are listed apart, never dropped. The lists carry personal data: every download is in the audit trail.";
    ent_downloads: "Tải danh sách", "Downloads";
    ent_all_xlsx: "Toàn bộ danh sách đối tượng (XLSX)", "All beneficiaries (XLSX)";
    ent_link: "Đối tượng hưởng chính sách", "Support entitlements";
    acc_name: "Họ và tên", "Name";
    acc_role: "Vai trò", "Role";
    acc_unit: "Đơn vị", "Unit";
    acc_agency: "Cơ quan phối hợp (danh sách được nhận)", "Partner agency (the list it receives)";
    acc_agency_unknown: "Cơ quan phối hợp không có trong danh mục danh sách gửi cơ quan phối hợp", "The partner agency is not one of the partner lists";
    nav_partner_lists: "Danh sách gửi cơ quan", "Partner lists";
    pl_title: "Danh sách gửi cơ quan phối hợp", "Lists for partner agencies";
    pl_agency: "Cơ quan", "Agency";
    pl_no_agency: "Tài khoản cơ quan phối hợp này chưa được gán cơ quan; hãy đề nghị quản trị viên gán.", "This partner agency account has no agency yet; ask an administrator to set it.";
    pl_note: "Theo các đợt rà soát đã phê duyệt của đơn vị. Danh sách có thông tin cá nhân để cơ quan thực hiện chính sách: mỗi lần tải về được ghi vào nhật ký.", "From the approved review rounds of your units. The lists carry the personal data the agency needs to deliver the support: every download is in the audit trail.";
    pl_none: "Chưa có đợt rà soát nào được phê duyệt.", "No approved review round yet.";
    pl_commune: "Xã, phường", "Commune";
    pl_round: "Đợt rà soát", "Review round";
    acc_state: "Trạng thái", "Status";
    acc_active: "Đang hoạt động", "Active";
    acc_inactive: "Đã khoá", "Disabled";
    acc_reset: "Đặt mật khẩu mới", "New password";
    acc_disable: "Khoá", "Disable";
    acc_enable: "Mở khoá", "Enable";
    acc_create: "Tạo tài khoản", "Create account";
    acc_created: "Đã tạo tài khoản", "Created account";
    acc_changed: "Đã sửa tài khoản", "Changed account";
    acc_password_set: "Đã đặt mật khẩu mới cho", "New password set for";
    acc_enabled: "Đã mở khoá tài khoản", "Enabled account";
    acc_disabled: "Đã khoá tài khoản", "Disabled account";
    acc_new_password: "Mật khẩu của", "Password of";
    acc_shown_once: "chỉ hiện một lần; hãy trao tận tay và đề nghị đổi khi đăng nhập.", "shown only once; hand it over in person and ask for it to be changed at first login.";
    acc_username_rule: "Tên đăng nhập: 3–64 ký tự, chữ thường không dấu, số, dấu chấm, gạch dưới, gạch ngang.", "User name: 3–64 characters, lowercase letters, digits, dot, underscore, hyphen.";
    acc_name_required: "Cần nhập họ và tên.", "The name is required.";
    acc_rules: "Mọi vai trò trừ quản trị viên cần đơn vị làm việc; luôn phải còn một quản trị viên đang hoạt động; đổi vai trò, đơn vị hoặc khoá tài khoản sẽ kết thúc các phiên đăng nhập của tài khoản đó. Mọi thay đổi được ghi vào nhật ký.", "Every role except administrator needs its unit; an active administrator must remain; changing the role or unit, or disabling, ends the account's sessions. Every change is in the audit trail.";
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
    nav_review: "Rà soát", "Review";
    review_title: "Rà soát hộ nghèo, hộ cận nghèo", "Review of poor and near-poor households";
    review_communes: "Các xã, phường", "Communes and wards";
    rounds: "Các đợt rà soát", "Review rounds";
    round: "Đợt rà soát", "Review round";
    kind: "Loại", "Kind";
    stage: "Bước", "Step";
    opened_on: "Ngày mở", "Opened on";
    deadline: "Thời hạn", "Deadline";
    deadlines: "Các thời hạn", "Deadlines";
    no_deadline: "Không có thời hạn đang chạy.", "No deadline running.";
    overdue: "QUÁ HẠN", "OVERDUE";
    unconfirmed_days: "số ngày CHƯA ĐƯỢC XÁC NHẬN", "days count UNCONFIRMED";
    no_rounds: "Chưa có đợt rà soát nào.", "No review round yet.";
    open_periodic: "Mở đợt rà soát định kỳ", "Open the periodic review";
    periodic_window: "Rà soát định kỳ hằng năm thực hiện trong thời gian", "The yearly periodic review runs";
    list_all: "Đưa tất cả hộ của xã vào danh sách rà soát", "Put every household of the commune on the list";
    open_round: "Mở đợt rà soát", "Open the round";
    date: "Ngày", "Date";
    record_request: "Ghi nhận đơn đề nghị rà soát thường xuyên", "Record an in-year review request";
    request_note_start: "Rà soát thường xuyên bắt đầu từ ngày", "In-year reviews start on day";
    request_note_month: "hằng tháng; thời hạn quyết định công nhận và cấp giấy chứng nhận:", "of each month; the decision and certificate are due within:";
    request_form: "Mẫu đơn", "Form";
    form01: "Mẫu số 01 — đề nghị xét duyệt hộ nghèo, hộ cận nghèo", "Form 01 — request to be recognised as poor or near-poor";
    form04: "Mẫu số 04 — đề nghị công nhận thoát nghèo, thoát cận nghèo", "Form 04 — request to be recognised as out of poverty";
    channel: "Hình thức nộp", "Submitted";
    ch_in_person: "Trực tiếp", "In person";
    ch_post: "Qua bưu điện", "By post";
    ch_online: "Trực tuyến", "Online";
    received_on: "Ngày nhận đơn", "Received on";
    review_start: "Ngày bắt đầu rà soát", "Review starts";
    request: "Đơn đề nghị", "Request";
    listed: "Hộ trong danh sách", "Households listed";
    scored: "Đã chấm điểm", "Scored";
    meetings: "Số lần họp dân", "Village meetings";
    approvals: "Số lần phê duyệt", "Approvals";
    reopenings: "Số lần mở lại", "Reopenings";
    open_complaints: "Khiếu nại chưa giải quyết", "Open complaints";
    next_actions: "Việc tiếp theo", "What comes next";
    by_upper: "cấp trên thực hiện", "done by the upper level";
    event_log: "Nhật ký đợt rà soát", "Round event log";
    step_change: "Chuyển bước", "Step change";
    detail: "Chi tiết", "Detail";
    steps: "Các bước", "Steps";
    workflow: "Quy trình", "Procedure";
    round_households: "Danh sách hộ rà soát", "Households of the round";
    add_households: "Thêm hộ vào danh sách", "Add households to the list";
    add_selected: "Thêm các hộ đã chọn", "Add the selected households";
    add_all: "Thêm tất cả hộ chưa có trong danh sách", "Add every household not on the list";
    revision: "Lần nhập", "Revision";
    score_a: "Điểm A (thu nhập)", "Score A (income)";
    score_b: "Điểm B (thiếu hụt)", "Score B (deprivation)";
    by_scores: "Kết quả theo điểm", "Result by scores";
    not_scored: "chưa chấm điểm", "not scored";
    open_form: "Mở phiếu", "Open the form";
    vote: "Họp dân", "Meeting";
    agreed: "đã thống nhất", "agreed";
    not_agreed: "chưa thống nhất — chấm điểm lại, họp lại", "not agreed — score again, meet again";
    not_voted: "chưa biểu quyết", "not voted on";
    review_form: "Phiếu rà soát hộ gia đình", "Household review form";
    surveyed_on: "Ngày rà soát", "Surveyed on";
    quick_screen: "Phiếu A — nhận diện nhanh đặc điểm hộ", "Form A — quick screening";
    quick_met: "Số tiêu chí đạt", "Criteria met";
    quick_excluded: "Hộ đạt đủ số tiêu chí: không thuộc diện rà soát tiếp.", "Enough criteria met: the household is not reviewed further.";
    quick_included: "Hộ thuộc diện rà soát.", "The household is reviewed.";
    income_part: "Phần A — thu nhập (điểm theo đặc điểm của hộ)", "Part A — income (points by characteristic)";
    deprivation_part: "Phần B — thiếu hụt dịch vụ xã hội cơ bản", "Part B — deprivation of basic social services";
    points_per_indicator: "điểm mỗi chỉ số thiếu hụt", "points per deprived indicator";
    region: "Vùng", "Region";
    characteristic: "Đặc điểm", "Characteristic";
    answer: "Trả lời", "Answer";
    points: "Điểm", "Points";
    base_points: "Điểm cơ bản theo vùng", "Base points of the region";
    choose: "— chọn —", "— choose —";
    compute: "Tính điểm", "Compute the scores";
    save_form: "Lưu phiếu", "Save the form";
    scores: "Điểm và kết quả", "Scores and result";
    placeholder_tables: "BẢNG ĐIỂM TẠM — CHƯA PHẢI BẢNG CHÍNH THỨC: điểm và kết quả chỉ để thử nghiệm.", "PLACEHOLDER POINT TABLES — NOT THE OFFICIAL ONES: scores and results are for trial only.";
    suggested: "Các câu trả lời điền sẵn lấy từ sổ hộ; cán bộ cần kiểm tra lại khi rà soát.", "The answers filled in come from the registry; check them during the survey.";
    engine_class: "Phân loại theo dữ liệu sổ hộ (có giải thích)", "Classification from the registry data (explained)";
    form_locked: "Phiếu không sửa được ở bước này.", "The form cannot be changed at this step.";
    revisions: "Các lần nhập phiếu", "Form revisions";
    done: "Đã thực hiện.", "Done.";
    meeting_title: "Họp dân thống nhất kết quả rà soát", "Village meeting on the review results";
    meeting_rule: "Kết quả của một hộ được thông qua khi tỷ lệ người dự họp đồng ý đạt ít nhất", "A household's result is agreed when the share of attendees agreeing is at least";
    meeting_rule2: "Nếu không đạt: rà soát, chấm điểm lại và họp lại.", "Otherwise: score again and meet again.";
    attendees: "Số người dự họp", "Attendees";
    participants: "Thành phần tham dự", "Participants";
    agree: "Đồng ý", "Agree";
    disagree: "Không đồng ý", "Disagree";
    record_meeting: "Ghi kết quả họp", "Record the meeting";
    minutes: "Biên bản", "Minutes";
    print: "In trang này", "Print this page";
    meeting_place: "Thôn/địa điểm họp", "Village / place";
    already_agreed: "đã thống nhất ở lần họp trước", "agreed at an earlier meeting";
    no_meetings: "Chưa có cuộc họp nào.", "No meeting yet.";
    minutes_title: "BIÊN BẢN HỌP DÂN THỐNG NHẤT KẾT QUẢ RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO", "MINUTES OF THE VILLAGE MEETING ON THE RESULTS OF THE POOR AND NEAR-POOR HOUSEHOLD REVIEW";
    nation: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "SOCIALIST REPUBLIC OF VIET NAM";
    motto: "Độc lập - Tự do - Hạnh phúc", "Independence - Freedom - Happiness";
    sign_chair: "CHỦ TRÌ", "CHAIR";
    sign_secretary: "THƯ KÝ", "SECRETARY";
    sign_households: "ĐẠI DIỆN CÁC HỘ GIA ĐÌNH", "HOUSEHOLD REPRESENTATIVES";
    minutes_copies: "Biên bản lập thành 02 bản: 01 bản lưu tại thôn, 01 bản gửi Ban Chỉ đạo rà soát cấp xã.", "Made in 2 copies: one kept by the village, one sent to the commune review steering committee.";
    proposed: "Kết quả đề xuất", "Proposed result";
    conclusion: "Kết luận", "Conclusion";
    posting_title: "Niêm yết công khai kết quả rà soát", "Public posting of the review results";
    posted_on: "Ngày bắt đầu niêm yết", "Posted from";
    posted_until: "Ngày cuối niêm yết", "Last day of the posting";
    not_posted: "Kết quả chưa được niêm yết.", "The results are not posted yet.";
    posted_list: "Danh sách niêm yết", "List to post";
    posted_note: "Danh sách niêm yết tại nhà văn hoá thôn và trụ sở Ủy ban nhân dân xã: chỉ ghi họ tên chủ hộ, thôn và phân loại; không ghi số định danh, ngày sinh.", "The list posted at the village house and the commune office: the head's name, village and class only; no citizen ID, no date of birth.";
    row_no: "STT", "No.";
    complaints_title: "Khiếu nại và giải quyết khiếu nại", "Complaints and their resolution";
    filed_on: "Ngày nhận", "Filed on";
    complaint_text: "Nội dung", "Complaint";
    due: "Hạn giải quyết", "Due";
    resolution: "Kết quả giải quyết", "Resolution";
    file_complaint: "Ghi nhận khiếu nại", "Record a complaint";
    no_household: "(không gắn với hộ cụ thể)", "(about no single household)";
    resolve: "Giải quyết", "Resolve";
    resurvey: "Phúc tra: nhập lại phiếu", "Re-survey: enter a new form";
    finding: "Nội dung xác minh", "What was found";
    no_complaints: "Chưa có khiếu nại.", "No complaint.";
    unresolved: "chưa giải quyết", "not resolved";
    approve_note: "Phê duyệt lưu kết quả của từng hộ thành bản chốt không thay đổi; việc phê duyệt chỉ làm được sau khi kết thúc niêm yết và các bước trước.", "Approval stores each household's result in a snapshot that never changes; it is possible only after the posting and the earlier steps.";
    reopen_to: "Mở lại về bước", "Back to step";
    reopen_reason: "Lý do (bắt buộc)", "Reason (required)";
    results_title: "Kết quả rà soát đã phê duyệt", "Approved review results";
    snapshot: "Bản chốt", "Snapshot";
    approved_on: "Ngày phê duyệt", "Approved on";
    approved_by: "Người phê duyệt", "Approved by";
    transition: "Diễn biến", "Movement";
    newly_escaped_until: "Hộ mới thoát nghèo đến", "Newly escaped until";
    deprived_indicators: "Chỉ số thiếu hụt", "Deprived indicators";
    no_snapshot: "Đợt rà soát chưa được phê duyệt.", "The round is not approved yet.";
    snapshot_note: "Bản chốt không thay đổi khi sổ hộ được sửa sau đó; mỗi lần phê duyệt lại tạo một bản chốt mới.", "A snapshot does not change when the registry is edited later; each new approval makes a new snapshot.";
    by_transition: "Theo diễn biến", "By movement";
    movement_title: "Biến động hộ nghèo, hộ cận nghèo qua các năm", "Year-on-year movement of poor and near-poor households";
    from_year: "Từ năm", "From year";
    to_year: "Đến năm", "To year";
    mv_start: "Đầu kỳ", "Start";
    mv_end: "Cuối kỳ", "End";
    mv_to_other: "Giảm: sang danh sách kia", "Down: to the other list";
    mv_escaped: "Giảm: thoát", "Down: escaped";
    mv_dec_other: "Giảm: lý do khác", "Down: other";
    mv_from_other: "Tăng: từ danh sách kia", "Up: from the other list";
    mv_re: "Tăng: tái nghèo/tái cận nghèo", "Up: re-entered";
    mv_new: "Tăng: phát sinh mới", "Up: newly arising";
    mv_inc_other: "Tăng: lý do khác", "Up: other";
    total: "Tổng", "Total";
    no_movement: "Cần hai đợt rà soát định kỳ đã phê duyệt để so sánh.", "Two approved periodic rounds are needed to compare.";
    latest_approved: "Kết quả phê duyệt gần nhất", "Latest approved result";
    awaiting_upper: "Chờ ý kiến cấp trên", "Awaiting the upper level";
    open_rounds: "Đợt đang thực hiện", "Rounds in progress";
    view: "Xem", "View";
    ac_add_to_list: "Thêm hộ vào danh sách", "Add households to the list";
    ac_close_list: "Chốt danh sách hộ cần rà soát", "Close the list";
    ac_save_form: "Nhập phiếu rà soát, chấm điểm", "Enter the review forms";
    ac_finish_scoring: "Kết thúc chấm điểm", "Finish the scoring";
    ac_record_meeting: "Ghi kết quả họp dân", "Record the village meeting";
    ac_post: "Niêm yết kết quả", "Post the results";
    ac_file_complaint: "Nhận khiếu nại", "Receive complaints";
    ac_end_posting: "Kết thúc niêm yết", "End the posting";
    ac_resolve_complaint: "Giải quyết khiếu nại", "Resolve complaints";
    ac_close_complaints: "Kết thúc giải quyết khiếu nại", "Close the complaints";
    ac_record_consultation: "Ghi ý kiến cấp trên", "Record the upper level's opinion";
    ac_approve: "Phê duyệt, công nhận kết quả", "Approve the results";
    ac_report: "Báo cáo cấp trên", "Report to the upper level";
    ac_reopen: "Mở lại đợt rà soát", "Reopen the round";
    ev_open: "Mở đợt rà soát", "Round opened";
    ev_list_add: "Thêm hộ vào danh sách", "Household listed";
    ev_form: "Lưu phiếu rà soát", "Form saved";
    ev_complaint: "Nhận khiếu nại", "Complaint filed";
    household_not_found: "Không tìm thấy hộ có mã này trong xã.", "No household with this code in the commune.";
    reviewed_households: "hộ được rà soát", "households reviewed";
    locked: "đã khoá — mở lại (có lý do) để sửa", "locked — reopen it (with a reason) to change anything";
    // Policies, plan checks and forecasts (plans.rs).
    nav_policies: "Chính sách", "Policies";
    nav_plans: "Kế hoạch, dự toán", "Plans and budgets";
    policies_title: "Chính sách hỗ trợ giảm nghèo", "Poverty-reduction support policies";
    policies_on: "Tại ngày", "On";
    policies_status: "Hiệu lực", "Validity";
    policies_filter: "Lọc", "Filter";
    policies_count: "chính sách, tính tại ngày", "policies, as on";
    policy: "Chính sách", "Policy";
    policy_id: "Mã", "Id";
    policy_validity: "Thời gian hiệu lực", "Valid";
    policy_scope: "Phạm vi", "Scope";
    policy_amount_rule: "Mức hỗ trợ (công thức)", "Amount rule";
    policy_funding: "Nguồn kinh phí", "Funding";
    policy_legal_basis: "Căn cứ pháp lý", "Legal basis";
    policy_agency: "Cơ quan thực hiện", "Agency responsible";
    policy_eligible: "Đối tượng được hưởng", "Who is eligible";
    policy_members: "Thành viên được tính", "Members counted";
    policy_max_months: "tối đa (tháng)", "at most (months)";
    policy_months: "các tháng", "months";
    policy_rounding: "Làm tròn", "Rounding";
    policy_counts: "Số đối tượng dùng khi lập kế hoạch", "Planning count";
    policy_seeds: "Nguồn trong kế hoạch mẫu", "In the seed plans";
    policy_file: "Tệp", "File";
    policy_parameters: "Tham số", "Parameters";
    policy_parameter: "Tham số", "Parameter";
    policy_value: "Giá trị", "Value";
    policy_note: "Ghi chú", "Note";
    policy_periods: "Mức hỗ trợ theo từng thời kỳ", "Amount by period";
    policy_periods_note: "Tính với giá trị tham chiếu đang hiệu lực ngày đầu mỗi tháng (lương cơ sở 1.490.000 đ → 1.800.000 đ từ 01/07/2023 → 2.340.000 đ từ 01/07/2024), 2022–2026.", "Priced with the reference values in force on the first day of each month (base salary 1,490,000 → 1,800,000 VND from 01/07/2023 → 2,340,000 VND from 01/07/2024), 2022–2026.";
    period_from: "Từ ngày", "From";
    period_to: "Đến ngày", "To";
    policy_amount: "Số tiền", "Amount";
    policy_by_year: "Mức hỗ trợ cả năm", "Amount over each year";
    policy_amount_year: "Số tiền trong năm", "Amount in the year";
    unconfirmed_flag: "Chưa xác nhận", "Unconfirmed";
    reference_values_title: "Giá trị tham chiếu theo thời kỳ", "Dated reference values";
    reference_values_note: "Mỗi giá trị có hiệu lực từ một ngày; chính sách và dự toán dùng giá trị đang hiệu lực từng tháng.", "Each value applies from a date; policies and forecasts use the value in force each month.";
    plans_title: "Kế hoạch, dự toán kinh phí giảm nghèo", "Poverty-reduction plans and budgets";
    plans_note: "Các bảng của kế hoạch mẫu: mỗi ô được tính lại từ số liệu đầu vào và quy định của chính sách.", "The seed plans' tables: every cell recomputed from its inputs and the policy rules.";
    plan: "Kế hoạch", "Plan";
    plan_issued: "Ban hành", "Issued";
    plan_cells: "Số ô kiểm tra", "Cells checked";
    plan_findings: "Các ô cần xem lại", "Findings";
    plan_inconsistent: "không khớp", "inconsistent";
    plan_check: "Kiểm tra bảng", "Check the table";
    plan_forecast: "Dự báo kinh phí", "Budget forecast";
    plan_check_xlsx: "Tải kết quả kiểm tra (.xlsx)", "Download the check (.xlsx)";
    plan_forecast_xlsx: "Tải dự báo (.xlsx)", "Download the forecast (.xlsx)";
    plan_check_pdf: "Bản in kết quả kiểm tra (PDF)", "Printable check (PDF)";
    policies_xlsx: "Tải danh sách chính sách và mức hỗ trợ (.xlsx)", "Download the policies and amounts (.xlsx)";
    policies_pdf: "Bản in (PDF)", "Printable (PDF)";
    plan_forecast_pdf: "Bản in dự báo (PDF)", "Printable forecast (PDF)";
    plan_prices: "Định giá", "Prices";
    plan_table: "Bảng như in, tô màu theo kết quả", "The table as printed, coloured by result";
    plan_row: "Nội dung", "Row";
    plan_no_findings: "Mọi ô đều khớp.", "Every cell follows.";
    plan_checks: "Các kiểm tra khác (tổng, lời văn)", "Other checks (totals, text)";
    plan_assumptions: "Giả định", "Assumptions";
    plan_inferred: "suy ra, chưa xác nhận", "inferred, unconfirmed";
    plan_printed: "Số in trên bảng", "Printed";
    plan_recomputed: "Tính lại", "Recomputed";
    plan_formula: "Công thức", "Formula";
    plan_inputs: "Số liệu đầu vào", "Inputs";
    plan_reason: "Nhận xét", "Reason";
    plan_explained: "Số in ra được từ", "The printed value comes from";
    plan_known: "Đã biết", "Known";
    forecast_note: "Kinh phí theo chính sách, năm và nguồn, tính với giá trị tham chiếu đang hiệu lực từng tháng (khác bảng kế hoạch, vốn giữ giá năm 2022).", "Budget by policy, year and funding source, priced with the reference values in force each month (unlike the plan table, which kept 2022 prices).";
    forecast_by_policy: "Theo chính sách và năm", "By policy and year";
    forecast_by_source: "Theo nguồn kinh phí", "By funding source";
    forecast_projections: "Dự báo số đối tượng", "Projected counts";
    forecast_count: "Số đối tượng", "Count";
    forecast_years: "Đầu năm (tỷ lệ) − giảm", "Start of year (rate) − reduced";
    forecast_end: "Cuối kỳ", "End";
    forecast_lines: "Chi tiết", "Lines";
    forecast_units: "Số đối tượng", "Units";
    forecast_per_unit: "Mức / đối tượng / năm", "Per unit per year";
    forecast_skipped: "Không dự báo được", "Not forecast";
    // Reduction targets (targets_pages.rs).
    nav_targets: "Chỉ tiêu giảm nghèo", "Targets";
    targets_title: "Chỉ tiêu giảm nghèo và tiến độ thực hiện", "Poverty-reduction targets and progress";
    targets_note: "Chỉ tiêu giảm hộ nghèo, hộ cận nghèo theo đơn vị và năm của các kế hoạch; tiến độ tính từ các đợt rà soát định kỳ đã phê duyệt.", "Reduction targets per unit and year of the plans; progress from the approved periodic rounds.";
    targets_units: "Số đơn vị", "Units";
    targets_open: "Xem chỉ tiêu, tiến độ", "Targets and progress";
    targets_xlsx: "Tải bảng tiến độ (.xlsx)", "Download the progress (.xlsx)";
    targets_pdf: "Bản in (PDF)", "Printable (PDF)";
    targets_how: "Đầu năm là số cuối năm trước theo các đợt rà soát đã phê duyệt; chỉ tiêu theo tỷ lệ được áp dụng cho số đầu năm đó. Một năm chỉ có kết luận khi mọi xã của đơn vị đã được phê duyệt.", "The start of a year is the end of the year before in the approved rounds; a share target applies to that start. A year gets a verdict only when every commune of the unit is approved.";
    targets_outside: "Các đơn vị ngoài phạm vi tài khoản chỉ hiển thị số kế hoạch.", "Units outside your account's reach show the plan only.";
    targets_base: "tổng số", "base";
    targets_planned: "Kế hoạch", "Plan";
    targets_observed: "Thực hiện (đợt rà soát đã phê duyệt)", "Observed (approved rounds)";
    targets_start: "Đầu năm", "Start of year";
    targets_reduction: "Giảm", "Reduction";
    targets_end: "Cuối năm", "End of year";
    targets_target: "Chỉ tiêu giảm", "Target";
    targets_reduced: "Đã giảm", "Reduced";
    targets_status: "Kết quả", "Status";
    targets_star: "* Số đầu năm lấy từ kế hoạch (chưa có đợt rà soát năm trước được phê duyệt).", "* Start of year taken from the plan (no approved round of the year before).";
    // What-if simulation (simulations.rs).
    nav_simulations: "Mô phỏng chuẩn nghèo", "Simulations";
    sim_title: "Mô phỏng áp dụng chuẩn nghèo khác", "What-if simulation of another standard";
    sim_note: "Phân loại lại mọi hộ của đơn vị theo một chuẩn khác (nâng chuẩn thu nhập, bỏ một chỉ số, chuẩn 2027-2030…) cùng lúc với chuẩn gốc, và so sánh: hộ đổi phân loại, theo xã, theo chỉ số, tác động kinh phí. Không ghi gì vào cơ sở dữ liệu.", "Classify every household of the unit under another standard (higher income lines, an indicator dropped, the 2027-2030 standard…) beside the base, and compare: households changing class, by commune, by indicator, and the budget impact. Nothing is written.";
    sim_base: "Chuẩn gốc", "Base standard";
    sim_with: "Chuẩn mô phỏng", "Scenario";
    sim_unit: "Đơn vị", "Unit";
    sim_year: "Năm tính kinh phí", "Budget year";
    sim_run: "Chạy mô phỏng", "Run";
    sim_households: "Số hộ", "Households";
    sim_persons: "Nhân khẩu", "Persons";
    sim_classes: "Phân loại", "Classes";
    sim_change: "Chênh lệch", "Change";
    sim_changed: "Đổi phân loại", "Changing class";
    sim_from: "Từ", "From";
    sim_to: "Sang", "To";
    sim_by_commune: "Theo xã", "By commune";
    sim_by_indicator: "Theo chỉ số (hộ thiếu hụt)", "By indicator (deprived households)";
    sim_newly: "Mới thiếu hụt", "Newly deprived";
    sim_no_longer: "Không còn tính", "No longer counted";
    sim_budget: "Tác động kinh phí", "Budget impact";
    sim_counted_by: "Tính theo", "Counted by";
    sim_units: "Đối tượng", "Units";
    sim_not_priced: "Chưa tính kinh phí", "Not priced";
    sim_xlsx: "Tải kết quả (.xlsx)", "Download (.xlsx)";
    sim_pdf: "Bản in (PDF)", "Printable (PDF)";
    sim_poor: "Hộ nghèo", "Poor";
    sim_near_poor: "Hộ cận nghèo", "Near-poor";
    // The review's printable outputs (review_outputs.rs).
    out_printouts: "Bản in", "Printouts";
    out_decision: "Danh sách phê duyệt (PDF)", "Decision lists (PDF)";
    out_certificates: "Giấy chứng nhận hộ nghèo, hộ cận nghèo (PDF)", "Certificates of poor and near-poor status (PDF)";
    out_posted: "Danh sách niêm yết (PDF)", "Posted list (PDF)";
    out_minutes: "Biên bản họp (PDF)", "Minutes (PDF)";
    out_summary_xlsx: "Biểu tổng hợp báo cáo cấp trên (XLSX)", "Summary tables for the upper level (XLSX)";
    out_summary_pdf: "Biểu tổng hợp báo cáo cấp trên (PDF)", "Summary tables for the upper level (PDF)";
    out_needs_approval: "Danh sách phê duyệt và giấy chứng nhận có sau khi kết quả được phê duyệt.", "The decision lists and certificates are available once the results are approved.";
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
