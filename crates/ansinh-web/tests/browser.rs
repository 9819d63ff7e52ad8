//! End-to-end tests in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`,
//! installed by `scripts/browser-setup.sh`) driven over WebDriver (fantoccini) against the application
//! served on a loopback port, on the embedded SQLite database with the small demo province. They walk
//! what an officer does — the public page, login, a search typed without diacritics, a household's
//! explained classification, an edit refused beside its field and then saved, an import with a rejected
//! row, an in-year review walked to its approval (with a step out of time refused), the English switch, a phone-sized screen — and the refusal of a record of
//! another commune. Screenshots of the main pages are saved under the target directory
//! (`$CARGO_TARGET_TMPDIR/screenshots/*.png`; the path is printed).
//!
//! Without Chromium the test is skipped, except under `CI=true`, where it fails: CI installs it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use ansinh_domain::registry::HouseholdCode;
use ansinh_rulebook::Rulebook;
use ansinh_store::Store;
use ansinh_store_sqlite::SqliteStore;
use ansinh_web::demo::{self, DemoSize};
use ansinh_web::{App, Config, PasswordCost, router};

const WAIT: Duration = Duration::from_secs(20);

/// The repository's rule folders, read from disk like a province's rules folder.
fn registry() -> Rulebook {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    Rulebook::load(std::path::Path::new(root)).unwrap()
}

/// Chromium and its driver, or `None` (skip) outside CI.
fn browser_binaries() -> Option<(PathBuf, PathBuf)> {
    let pick = |var: &str, default: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(default))
    };
    let chromium = pick("ANSINH_CHROMIUM", "/usr/bin/chromium");
    let driver = pick("ANSINH_CHROMEDRIVER", "/usr/bin/chromedriver");
    if chromium.exists() && driver.exists() {
        return Some((chromium, driver));
    }
    assert!(
        !std::env::var("CI").is_ok_and(|v| v == "true" || v == "1"),
        "Chromium or ChromeDriver is missing under CI (run scripts/browser-setup.sh): {} {}",
        chromium.display(),
        driver.display()
    );
    eprintln!("Chromium is not installed: skipping the browser tests (scripts/browser-setup.sh)");
    None
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The ChromeDriver process, killed when the test ends (also on failure).
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Browser {
    client: Client,
    base: String,
    shots: PathBuf,
    _driver: Driver,
    _profile: TempDir,
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Browser {
    async fn start(chromium: &Path, driver: &Path, base: String) -> Browser {
        let port = free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let driver = Driver(child);
        let profile = TempDir(
            std::env::temp_dir().join(format!("ansinh-chromium-{}-{port}", std::process::id())),
        );
        std::fs::create_dir_all(&profile.0).unwrap();
        // The flags keep a root, offline, GPU-less Chromium quiet: no sandbox (root), no background
        // connections (the network is closed), a fresh profile, an office screen of 1366×768.
        let caps = json!({
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1366,768",
                    format!("--user-data-dir={}", profile.0.display()),
                ]
            }
        });
        let serde_json::Value::Object(caps) = caps else {
            unreachable!()
        };
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        // ChromeDriver takes a moment to listen.
        for _ in 0..100 {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
                    std::fs::create_dir_all(&shots).unwrap();
                    return Browser {
                        client,
                        base,
                        shots,
                        _driver: driver,
                        _profile: profile,
                    };
                }
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("could not start a ChromeDriver session: {last:?}");
    }

    async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
    }

    async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_string()
    }

    async fn text(&self, css: &str) -> String {
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let e = self
                .client
                .wait()
                .at_most(WAIT)
                .for_element(Locator::Css(css))
                .await
                .unwrap_or_else(|e| panic!("no element {css}: {e}"));
            match e.text().await {
                Ok(t) => return t,
                // Replaced by a swap or a navigation in between: read the new one.
                Err(_) if std::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(err) => panic!("text of {css}: {err}"),
            }
        }
    }

    /// Waits for the input (a click before may still be loading the next page), then types into it;
    /// an input replaced while typing (the page changed under it) is looked up again.
    async fn fill(&self, css: &str, value: &str) {
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let e = self
                .client
                .wait()
                .at_most(WAIT)
                .for_element(Locator::Css(css))
                .await
                .unwrap_or_else(|e| panic!("no input {css}: {e}"));
            let typed = match e.clear().await {
                Ok(()) => e.send_keys(value).await,
                Err(err) => Err(err),
            };
            match typed {
                Ok(()) => return,
                Err(err) if std::time::Instant::now() < deadline => {
                    eprintln!("fill {css}: {err}; again");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(err) => panic!("fill {css}: {err}"),
            }
        }
    }

    /// Clicks the element; an htmx swap may replace it between finding and clicking, so a stale
    /// element is looked up again.
    async fn click(&self, css: &str) {
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let e = self
                .client
                .wait()
                .at_most(WAIT)
                .for_element(Locator::Css(css))
                .await
                .unwrap_or_else(|e| panic!("no element {css}: {e}"));
            match e.click().await {
                Ok(()) => return,
                Err(err) if std::time::Instant::now() < deadline => {
                    eprintln!("click {css}: {err}; again");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(err) => panic!("click {css}: {err}"),
            }
        }
    }

    /// Clicks a submit button and waits until the next page has loaded (a `goto` straight after a
    /// click could cancel the form's request in flight).
    async fn submit(&self, css: &str) {
        self.client
            .execute("window.__ansinh_before_submit = true;", vec![])
            .await
            .unwrap();
        self.click(css).await;
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let same = self
                .client
                .execute("return window.__ansinh_before_submit === true;", vec![])
                .await;
            match same {
                Ok(serde_json::Value::Bool(false)) => return,
                _ if std::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                _ => panic!("{css}: no page came back after the click"),
            }
        }
    }

    /// Waits until the page's text contains `needle` (htmx swaps and redirects take a moment).
    async fn wait_for_text(&self, needle: &str) -> String {
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let body = self.text("body").await;
            if body.contains(needle) {
                return body;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the page {} never showed {needle:?}; it shows:\n{body}",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{name}: not a PNG");
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        eprintln!("screenshot: {}", path.display());
    }

    async fn login(&self, user: &str) {
        self.goto("/login").await;
        self.fill("#username", user).await;
        self.fill("#password", demo::PASSWORD).await;
        self.click("form[action='/login'] button[type=submit]")
            .await;
        let deadline = std::time::Instant::now() + WAIT;
        while self.path().await == "/login" {
            assert!(
                std::time::Instant::now() < deadline,
                "login of {user} failed"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn logout(&self) {
        self.click("form[action='/logout'] button").await;
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css("#username"))
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_in_a_real_browser() {
    let Some((chromium, driver)) = browser_binaries() else {
        return;
    };
    let db = std::env::temp_dir().join(format!("ansinh-browser-{}.db", std::process::id()));
    let _db = TempFile(db.clone());
    let store = SqliteStore::open(&db).await.unwrap();
    let reg = registry();
    demo::load(&store, &reg, DemoSize::SMALL, PasswordCost::Fast)
        .await
        .unwrap();
    // A household of the other demo commune: commune A's officer must never reach it.
    let other = store
        .household_by_code(&HouseholdCode::parse("HD02010001").unwrap())
        .await
        .unwrap();
    let commune_a = store
        .unit_at(
            &ansinh_domain::registry::UnitCode::parse("D01").unwrap(),
            chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
        )
        .await
        .unwrap()
        .unwrap()
        .id
        .0;
    let other_head: Vec<String> = other
        .members
        .iter()
        .map(|m| m.member.full_name.to_string())
        .collect();
    let config = Config {
        password_cost: PasswordCost::Fast,
        today: chrono::NaiveDate::from_ymd_opt(2026, 6, 1),
        ..Config::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router(App::new(store, reg, config));
    tokio::spawn(async move { axum::serve(listener, app).await });
    // `localhost` is a secure context, so the session cookie marked `Secure` (the default) is sent.
    let b = Browser::start(
        &chromium,
        &driver,
        format!("http://localhost:{}", addr.port()),
    )
    .await;

    // The public transparency page needs no login and shows no personal identifiers.
    b.goto("/public").await;
    b.wait_for_text("Xã Tân Lập").await;
    b.screenshot("01-public").await;

    // A commune officer logs in and lands on the dashboard of the commune.
    b.login("xa.tanlap").await;
    assert_eq!(b.path().await, "/dashboard");
    b.wait_for_text("Tân Lập").await;
    b.screenshot("02-dashboard").await;

    // Search without diacritics finds the names written with them (htmx live search).
    b.goto("/households").await;
    b.fill("input[name=q]", "nguyen").await;
    let page = b.wait_for_text("Nguyễn").await;
    assert!(!page.contains("Tỉnh Khác"));
    b.screenshot("03-search").await;

    // The first result's page explains the class: income against the line, the indicators.
    b.click("#results tbody a").await;
    let explanation = b.text("#explanation").await;
    assert!(
        explanation.contains("Thu nhập") || explanation.contains("thu nhập"),
        "{explanation}"
    );
    assert!(!b.text("#class").await.is_empty());
    b.screenshot("04-household").await;

    // Editing: a bad floor area comes back beside its field, with nothing stored; a valid one with
    // its reason is saved and the household page says so.
    let household_path = b.path().await;
    b.goto(&format!("{household_path}/edit")).await;
    b.fill("#f-floor_area_m2", "abc").await;
    b.fill("#f-reason", "Đo lại diện tích nhà").await;
    b.click("form.record button[type=submit]").await;
    let err = b.text("#e-floor_area_m2").await;
    assert!(!err.is_empty(), "no message beside the floor area");
    b.screenshot("05-edit-field-error").await;
    b.fill("#f-floor_area_m2", "42").await;
    b.click("form.record button[type=submit]").await;
    b.wait_for_text("42").await;
    let deadline = std::time::Instant::now() + WAIT;
    while b.path().await != household_path {
        assert!(
            std::time::Instant::now() < deadline,
            "the save did not return to the household"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.screenshot("06-household-saved").await;

    // Import with errors: a CSV with one good and one bad row, the valid rows taken; the rejected row
    // is reported with its row, column and reason, and the workbook to fix is offered.
    let csv = std::env::temp_dir().join(format!("ansinh-browser-{}-ho.csv", std::process::id()));
    let _csv = TempFile(csv.clone());
    std::fs::write(
        &csv,
        "household_code,unit_code,head_name,address,monthly_income_vnd,income_recorded_on\n\
         HD01019001,D01-01,Lê Văn Tâm,Số 1 Thôn Đông,4.000.000,2025-10-01\n\
         HD01019002,D01-01,Lê Thị Hoa,Số 2 Thôn Đông,không rõ,2025-10-01\n",
    )
    .unwrap();
    b.goto("/registry").await;
    b.client
        .find(Locator::Css("#file"))
        .await
        .unwrap()
        .send_keys(&csv.display().to_string())
        .await
        .unwrap();
    b.click("input[name=on_error][value=take_valid]").await;
    b.click("form[action='/registry/import'] button[type=submit]")
        .await;
    assert_eq!(b.text("#rows-rejected").await.trim(), "1");
    let rejected = b.text("#rejected").await;
    assert!(
        rejected.contains("monthly_income_vnd") || rejected.contains("Thu nhập"),
        "{rejected}"
    );
    b.client
        .find(Locator::Css("#rejected-workbook"))
        .await
        .unwrap();
    b.screenshot("07-import-errors").await;

    // The review in the browser: an in-year request walked to its approval, step by step, each step's
    // form on the round's page; a step out of time is refused with its message and nothing moves.
    review_round_to_approval(&b, commune_a).await;

    // A record of another commune, by guessing its id: not found, nothing of it shown.
    b.goto(&format!("/households/{}", other.id.0)).await;
    let refused = b.wait_for_text("Không tìm thấy").await;
    for name in &other_head {
        assert!(
            !refused.contains(name.as_str()),
            "another commune's member shown"
        );
    }
    b.screenshot("15-other-commune-refused").await;

    // The Hanoi plan's Appendix 1 recomputed cell by cell: 2.022 − 607 printed as 1.416 stands out.
    b.goto("/plans/hanoi-2022-2025-appendix-1/check").await;
    b.wait_for_text("Không khớp").await;
    let cell = b
        .client
        .find(Locator::XPath("//td[a[@href='#cell-poor-hh-y2025']]"))
        .await
        .unwrap();
    assert_eq!(cell.text().await.unwrap(), "1.416");
    assert_eq!(
        cell.css_value("background-color").await.unwrap(),
        "rgba(248, 215, 218, 1)",
        "the mismatch is highlighted"
    );
    b.screenshot("18-plan-check-mismatch").await;

    // The demo targets beside the commune's approved rounds, and a what-if run on the commune.
    b.goto("/targets/demo-2025-2026").await;
    b.wait_for_text("Thực hiện (đợt rà soát đã phê duyệt)")
        .await;
    b.screenshot("19-targets-progress").await;
    b.goto("/simulations?with=sim-raise-lines-10pct&unit=D01&year=2025")
        .await;
    b.wait_for_text("Tác động kinh phí").await;
    b.screenshot("20-simulation").await;

    // English on request; numbers and dates keep the Vietnamese forms.
    b.goto("/lang/en?next=/dashboard").await;
    b.wait_for_text("Households").await;
    b.screenshot("16-dashboard-en").await;
    b.goto("/lang/vi?next=/households").await;

    // A phone-sized screen still shows the list.
    b.client.set_window_size(390, 844).await.unwrap();
    b.goto("/households").await;
    b.wait_for_text("Nguyễn").await;
    b.screenshot("17-households-phone").await;
    b.client.set_window_size(1366, 768).await.unwrap();

    b.logout().await;
    // After logout the pages ask for a login again.
    b.goto("/households").await;
    b.client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#username"))
        .await
        .unwrap();
    b.client.clone().close().await.unwrap();
}

/// Fills the text input `css` inside the step form of `action` on the round page and submits it.
async fn step(b: &Browser, action: &str, on: &str) {
    let form = format!("#actions form[data-action={action}]");
    b.fill(&format!("{form} input[name=on]"), on).await;
    b.submit(&format!("{form} button[type=submit]")).await;
}

async fn review_round_to_approval(b: &Browser, commune: i64) {
    // Form 01 received on 02/04/2026 for household HD01010002: the round opens at the scoring step.
    b.goto(&format!("/review/units/{commune}")).await;
    b.fill("#hcode", "HD01010002").await;
    b.fill("#received", "02/04/2026").await;
    b.click("form[action$='/requests'] button[type=submit]")
        .await;
    b.wait_for_text("30/04/2026").await;
    let round = b.path().await;
    assert!(round.starts_with("/review/rounds/"), "{round}");
    b.screenshot("11-review-round-opened").await;

    // The review form: the quick screen, score A (every characteristic answered) and score B (three
    // indicators deprived); the scores are computed as the officer answers, the engine's explanation
    // stands beside the form.
    b.goto(&format!("{round}/households")).await;
    b.click("#listed tbody a").await;
    b.fill("#surveyed", "15/04/2026").await;
    b.client
        .execute(
            "for (const s of document.querySelectorAll('select[name^=\"a.\"]')) { s.selectedIndex = 1; }
             const names = [...new Set([...document.querySelectorAll('input[type=radio][name^=\"b.\"]')].map(r => r.name))];
             names.forEach((n, i) => document.querySelector(`input[name=\"${n}\"][value=\"${i < 3 ? 1 : 0}\"]`).click());
             document.querySelector('select[name^=\"a.\"]').dispatchEvent(new Event('change', {bubbles: true}));",
            vec![],
        )
        .await
        .unwrap();
    // Score B counts 10 points per deprived indicator: three of them, 30.
    b.wait_for_text("30").await;
    assert!(!b.text("#explanation").await.is_empty());
    assert!(b.text("#scores").await.contains("30"));
    b.screenshot("12-review-form").await;
    b.submit("#review-form button[type=submit]:not(.secondary)")
        .await;
    b.goto(&round).await;
    step(b, "finish_scoring", "15/04/2026").await;

    // The village meeting: 15 of 20 agree.
    b.goto(&format!("{round}/meeting")).await;
    b.fill("#meeting-form input[name=village]", "Nhà văn hoá thôn Đông")
        .await;
    b.fill("#meeting-form input[name=held_on]", "16/04/2026")
        .await;
    b.fill("#meeting-form input[name=attendees]", "20").await;
    b.fill("#meeting-form input[name='p.name.0']", "Nguyễn Văn Trưởng")
        .await;
    b.fill("#meeting-form input[name='p.name.1']", "Trần Thị Ký")
        .await;
    b.fill("#meeting-form input[name^='v.agree.']", "15").await;
    b.fill("#meeting-form input[name^='v.disagree.']", "5")
        .await;
    b.click("#meeting-form button[type=submit]").await;
    b.goto(&round).await;
    step(b, "post", "17/04/2026").await;
    // Ending the posting before its period is over is refused, with the reason, and nothing moves.
    step(b, "end_posting", "18/04/2026").await;
    b.client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("[role=alert], .err"))
        .await
        .unwrap();
    assert!(
        b.wait_for_text("REVIEW_POSTING_NOT_ENDED")
            .await
            .contains("21/04/2026")
    );
    assert_eq!(b.text("#stage").await, "niêm yết công khai");
    b.screenshot("13-review-refused").await;
    b.goto(&round).await;
    step(b, "end_posting", "22/04/2026").await;
    b.goto(&round).await;
    step(b, "close_complaints", "22/04/2026").await;
    b.goto(&round).await;
    b.fill(
        "#actions form[data-action=approve] input[name=on]",
        "24/04/2026",
    )
    .await;
    b.click("#actions form[data-action=approve] button[type=submit]")
        .await;
    b.goto(&format!("{round}/results")).await;
    b.wait_for_text("HD01010002").await;
    assert_eq!(b.text("#stage").await, "đã công nhận");
    assert!(b.text("#locked").await.contains("khoá"));
    b.screenshot("14-review-approved").await;
}

struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}
