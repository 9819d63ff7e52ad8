//! `ansinh serve`: the web application on the embedded SQLite file (default) or on PostgreSQL, with the
//! synthetic demo province on request.

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use clap::Args;

use ansinh_rulebook::Rulebook;
use ansinh_store_any::AnyStore;
use ansinh_web::demo::{self, DemoSize};
use ansinh_web::{App, Backend, Config, PasswordCost};

#[derive(Args)]
pub struct ServeArgs {
    /// The registry: a SQLite file (created if missing) or a `postgres://` URL.
    #[arg(long, env = "ANSINH_DATABASE", default_value = "ansinh.db")]
    database: String,
    /// Load the synthetic demo province (4 communes, 3,000 households, two review rounds) if it is not
    /// there yet, and print the demo logins.
    #[arg(long)]
    demo: bool,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Send cookies over plain HTTP too (only behind a trusted network; use HTTPS otherwise).
    #[arg(long)]
    insecure_cookies: bool,
}

/// Serves the web application with the rulebook loaded at start (`main` refuses to start, before
/// the database is opened, when a rule file is bad).
pub fn serve(a: ServeArgs, rules: &Rulebook) -> Result<ExitCode> {
    let rules = rules.clone();
    let config = Config {
        secure_cookies: !a.insecure_cookies,
        ..Config::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async {
        // One store value, SQLite or PostgreSQL by the --database value: the web app is built once.
        let store = AnyStore::open(&a.database)
            .await
            .map_err(|e| anyhow!("[{}] {}", e.code(), e))?;
        run(store, rules, config, &a).await
    })
}

async fn run<S: Backend>(
    store: S,
    rules: Rulebook,
    config: Config,
    a: &ServeArgs,
) -> Result<ExitCode> {
    let web = |e: ansinh_web::WebError| anyhow!("[{}] {e}", e.code());
    if a.demo {
        eprintln!("đang nạp dữ liệu mẫu / loading the demo province …");
        let s = demo::load(&store, &rules, DemoSize::FULL, PasswordCost::Standard)
            .await
            .map_err(web)?;
        if s.loaded {
            eprintln!(
                "đã nạp {} hộ / loaded {} households",
                s.households, s.households
            );
        }
        eprintln!(
            "tài khoản mẫu / demo logins (mật khẩu / password: {}):",
            demo::PASSWORD
        );
        for l in &s.logins {
            eprintln!("  {:<18} {:<28} {}", l.username, l.role.en(), l.unit);
        }
    } else if let Some(pw) = ansinh_web::ensure_admin(&store, PasswordCost::Standard)
        .await
        .map_err(web)?
    {
        eprintln!("tài khoản quản trị đầu tiên / first administrator: admin / {pw}");
        eprintln!("(đổi mật khẩu sau khi đăng nhập / change it after logging in)");
    }
    let app = App::new(store, rules, config);
    ansinh_web::serve(app, a.bind, |addr| {
        let host = if addr.ip().is_loopback() {
            format!("localhost:{}", addr.port())
        } else {
            addr.to_string()
        };
        eprintln!("ansinh đang chạy / running at http://{host}/  (Ctrl-C để dừng / to stop)");
    })
    .await
    .context("the web server stopped")?;
    Ok(ExitCode::SUCCESS)
}
