//! `ansinh users`: the web application's accounts from the command line — list, add, change role, unit
//! or name, set a new password, disable and enable. The same store methods as the administrator's page
//! (`/admin/users`), so the same rules hold: a role other than administrator works within a unit, the
//! registry keeps an active administrator, a disabled or moved account loses its open sessions, and
//! every change is in the audit trail; a partner agency account names the agency whose list it
//! receives (`--agency bhxh`).
//!
//! A new password is generated and printed once (or read from standard input with `--password-stdin`,
//! at least 10 characters); it is never stored other than as its argon2id hash.

use std::io::Read;
use std::process::ExitCode;

use anyhow::{Result, anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};

use ansinh_domain::registry::{UnitCode, UnitId};
use ansinh_rulebook::Rulebook;
use ansinh_store::accounts::{AccountStore, NewUser, Role, User, UserChange};
use ansinh_store::{ChangeContext, Store, StoreError};
use ansinh_store_any::AnyStore;
use ansinh_web::PasswordCost;

#[derive(Args, Debug, Clone)]
pub struct UsersArgs {
    /// The registry: a SQLite file, or a postgres://… URL.
    #[arg(
        long,
        global = true,
        env = "ANSINH_DATABASE",
        default_value = "ansinh.db"
    )]
    database: String,
    /// Who is acting (recorded in the audit trail).
    #[arg(long, global = true, env = "ANSINH_ACTOR")]
    actor: Option<String>,
    #[command(subcommand)]
    cmd: UsersCmd,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum RoleArg {
    /// Cán bộ xã: edits its commune.
    Commune,
    /// Cán bộ huyện/tỉnh: reads its subtree, records the upper level's opinion.
    Supervisor,
    /// Cơ quan đối tác: reads and exports the lists it is entitled to.
    Partner,
    /// Quản trị viên: the whole registry.
    Admin,
}

impl RoleArg {
    fn role(self) -> Role {
        match self {
            RoleArg::Commune => Role::CommuneOfficer,
            RoleArg::Supervisor => Role::Supervisor,
            RoleArg::Partner => Role::Partner,
            RoleArg::Admin => Role::Admin,
        }
    }
}

#[derive(Subcommand, Debug, Clone)]
enum UsersCmd {
    /// Every account: login, name, role, unit, active.
    List,
    /// Create an account; its first password is printed once.
    Add {
        username: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The unit code the account works in (required except for an administrator).
        #[arg(long)]
        unit: Option<String>,
        /// The person's name as shown in the application.
        #[arg(long)]
        name: String,
        /// For a partner agency: the partner list it receives (an id of policies/exports/partners.toml:
        /// bhxh, school, electricity, vbsp, …).
        #[arg(long)]
        agency: Option<String>,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Change an account's role, unit or name (a change of role or unit ends its sessions).
    Set {
        username: String,
        #[arg(long, value_enum)]
        role: Option<RoleArg>,
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        name: Option<String>,
        /// For a partner agency: the partner list it receives.
        #[arg(long)]
        agency: Option<String>,
        /// Why (recorded in the audit trail).
        #[arg(long)]
        reason: Option<String>,
    },
    /// Set a new password (printed once) and end every session of the account.
    Passwd {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account: it can no longer log in and its sessions end.
    Disable {
        username: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Enable a disabled account again.
    Enable { username: String },
}

fn store_err(e: StoreError) -> anyhow::Error {
    anyhow!("[{}] {}\n{}", e.code(), e.message_vi(), e)
}

pub fn users(a: UsersArgs, rules: &Rulebook) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let s = AnyStore::open(&a.database).await.map_err(store_err)?;
        let out = run(&s, &a, rules).await;
        s.close().await;
        out
    })
}

fn ctx(a: &UsersArgs, reason: Option<&str>) -> ChangeContext {
    let actor = a
        .actor
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "cli".into());
    let c = ChangeContext::new(&actor, "cli");
    match reason {
        Some(r) => c.because(r),
        None => c,
    }
}

async fn find<S: AccountStore>(s: &S, username: &str) -> Result<User> {
    s.user_by_username(username)
        .await
        .map_err(store_err)?
        .ok_or_else(|| {
            anyhow!("[ACC_NOT_FOUND] không có tài khoản `{username}` / no account `{username}`")
        })
}

/// The unit valid today with this code.
async fn unit_of<S: Store>(s: &S, code: &str) -> Result<UnitId> {
    let parsed = UnitCode::parse(code).map_err(|e| anyhow!("`{code}`: {e}"))?;
    let today = chrono::Local::now().date_naive();
    let unit = s.unit_at(&parsed, today).await.map_err(store_err)?;
    unit.map(|u| u.id).ok_or_else(|| {
        anyhow!(
            "[ACC_UNIT_UNKNOWN] không có đơn vị mã {code} hôm nay / no unit with code {code} today"
        )
    })
}

/// An agency named on the command line, checked against the rulebook's partner lists.
fn known_agency(rules: &Rulebook, agency: Option<&str>) -> Result<Option<String>> {
    let Some(a) = agency else { return Ok(None) };
    let partners = rules.partners();
    if partners.iter().any(|p| p.id == a) {
        return Ok(Some(a.to_string()));
    }
    let ids: Vec<&str> = partners.iter().map(|p| p.id.as_str()).collect();
    bail!(
        "[ACC_AGENCY_UNKNOWN] `{a}` không phải cơ quan phối hợp nào (có: {0}) / `{a}` is not a partner agency (known: {0})",
        ids.join(", ")
    )
}

/// A password from standard input (first line), or a fresh random one to print.
fn new_password(from_stdin: bool) -> Result<(String, bool)> {
    if from_stdin {
        let mut buf = String::new();
        std::io::stdin().read_to_string(&mut buf)?;
        let pw = buf.lines().next().unwrap_or("").to_string();
        if pw.chars().count() < 10 {
            bail!(
                "[ACC_PASSWORD_SHORT] mật khẩu cần ít nhất 10 ký tự / the password needs at least 10 characters"
            );
        }
        Ok((pw, false))
    } else {
        let token = ansinh_web::auth::random_token().map_err(|e| anyhow!("{e}"))?;
        Ok((token.chars().take(16).collect(), true))
    }
}

async fn hash(pw: String) -> Result<String> {
    ansinh_web::auth::hash_password(pw, PasswordCost::Standard)
        .await
        .map_err(|e| anyhow!("{e}"))
}

async fn run<S: Store + AccountStore>(s: &S, a: &UsersArgs, rules: &Rulebook) -> Result<ExitCode> {
    match &a.cmd {
        UsersCmd::List => {
            let units = s.all_units().await.map_err(store_err)?;
            let code = |id: Option<UnitId>| {
                id.and_then(|id| units.iter().find(|u| u.id == id))
                    .map(|u| format!("{} {}", u.unit.code, u.unit.name))
                    .unwrap_or_else(|| "—".into())
            };
            println!(
                "{:<20} {:<28} {:<18} {:<32} {:<12} trạng thái / status",
                "tài khoản / login",
                "tên / name",
                "vai trò / role",
                "đơn vị / unit",
                "cơ quan / agency"
            );
            for u in s.users().await.map_err(store_err)? {
                println!(
                    "{:<20} {:<28} {:<18} {:<32} {:<12} {}",
                    u.username,
                    u.display_name,
                    u.role.code(),
                    code(u.unit),
                    u.agency.as_deref().unwrap_or("—"),
                    if u.active {
                        "hoạt động / active"
                    } else {
                        "đã khoá / disabled"
                    }
                );
            }
        }
        UsersCmd::Add {
            username,
            role,
            unit,
            name,
            agency,
            password_stdin,
        } => {
            let agency = known_agency(rules, agency.as_deref())?;
            let unit = match unit {
                Some(code) => Some(unit_of(s, code).await?),
                None => None,
            };
            let role = role.role();
            if role != Role::Admin && unit.is_none() {
                return Err(store_err(StoreError::Invalid(
                    ansinh_store::Invalid::Account(ansinh_store::AccountProblem::UnitRequired),
                )));
            }
            let (pw, generated) = new_password(*password_stdin)?;
            let user = NewUser {
                username: username.clone(),
                display_name: name.clone(),
                password_hash: hash(pw.clone()).await?,
                role,
                unit,
                agency,
            };
            s.create_user(&ctx(a, None), &user)
                .await
                .map_err(store_err)?;
            println!(
                "đã tạo tài khoản / created account {username} ({})",
                role.en()
            );
            if generated {
                println!("mật khẩu / password: {pw}  (chỉ hiện một lần / shown only once)");
            }
        }
        UsersCmd::Set {
            username,
            role,
            unit,
            name,
            agency,
            reason,
        } => {
            let u = find(s, username).await?;
            let agency = match known_agency(rules, agency.as_deref())? {
                Some(a) => Some(a),
                None => u.agency.clone(),
            };
            let unit = match unit {
                Some(code) => Some(unit_of(s, code).await?),
                None => u.unit,
            };
            let role = role.map(RoleArg::role).unwrap_or(u.role);
            let change = UserChange {
                display_name: name.clone().unwrap_or(u.display_name.clone()),
                role,
                // An administrator works over the whole registry.
                unit: if role == Role::Admin { None } else { unit },
                agency,
            };
            let after = s
                .update_user(&ctx(a, reason.as_deref()), u.id, &change)
                .await
                .map_err(store_err)?;
            println!(
                "đã sửa tài khoản / changed account {} ({})",
                after.username,
                after.role.en()
            );
        }
        UsersCmd::Passwd {
            username,
            password_stdin,
        } => {
            let u = find(s, username).await?;
            let (pw, generated) = new_password(*password_stdin)?;
            let h = hash(pw.clone()).await?;
            s.set_password_hash(&ctx(a, None), u.id, &h, None)
                .await
                .map_err(store_err)?;
            println!("đã đặt mật khẩu mới / new password set for {username}");
            if generated {
                println!("mật khẩu / password: {pw}  (chỉ hiện một lần / shown only once)");
            }
        }
        UsersCmd::Disable { username, reason } => {
            let u = find(s, username).await?;
            s.set_user_active(&ctx(a, reason.as_deref()), u.id, false)
                .await
                .map_err(store_err)?;
            println!("đã khoá tài khoản / disabled account {username}");
        }
        UsersCmd::Enable { username } => {
            let u = find(s, username).await?;
            s.set_user_active(&ctx(a, None), u.id, true)
                .await
                .map_err(store_err)?;
            println!("đã mở khoá tài khoản / enabled account {username}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
