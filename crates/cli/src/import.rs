//! `calloff import catalogue`: a supplier's price list as one change request, with a progress bar.

use calloff_app::imports::{self, ImportError};
use calloff_app::{auth, App};
use calloff_interop::price_list::{Format, Progress};
use std::io::{IsTerminal, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct CatalogueArgs {
    /// The price list: CSV or XLSX.
    pub file: PathBuf,
    /// The framework's reference, e.g. LON-ICT-2025.
    #[arg(long)]
    pub framework: String,
    /// Email of the supplier user the change request is submitted as.
    #[arg(long = "as")]
    pub as_user: String,
    /// Title of the change request (default: the file's name).
    #[arg(long)]
    pub title: Option<String>,
    /// Date the changes take effect (YYYY-MM-DD) for rows without their own; default today.
    #[arg(long)]
    pub effective_from: Option<String>,
}

/// A one-line progress bar on standard error, redrawn as reading moves on.
fn draw(progress: Progress) {
    const WIDTH: u64 = 30;
    let done = progress.done.min(progress.total);
    let filled = usize::try_from((done * WIDTH).checked_div(progress.total).unwrap_or(0)).unwrap_or(0);
    let mut err = std::io::stderr();
    let _ = write!(
        err,
        "\rChecking [{}{}] {:>3}%",
        "#".repeat(filled),
        " ".repeat(30usize.saturating_sub(filled)),
        (done * 100).checked_div(progress.total).unwrap_or(0)
    );
    let _ = err.flush();
}

pub async fn catalogue(app: &App, args: CatalogueArgs) -> anyhow::Result<()> {
    let actor = auth::actor_by_email(app, &args.as_user).await?;
    let mut conn = app.db.pool().acquire().await?;
    let framework = calloff_store::frameworks::find_by_reference(&mut conn, &args.framework)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no framework with reference {}", args.framework))?
        .framework;
    drop(conn);
    let mut file =
        std::fs::File::open(&args.file).map_err(|e| anyhow::anyhow!("cannot open {}: {e}", args.file.display()))?;
    let size = file.metadata()?.len();
    let mut signature = [0u8; 4];
    let read = file.read(&mut signature)?;
    file.seek(SeekFrom::Start(0))?;
    let format = Format::sniff(&signature[..read]);
    let title = args.title.clone().unwrap_or_else(|| {
        format!(
            "Price list {}",
            args.file.file_name().unwrap_or_default().to_string_lossy()
        )
    });
    let show_progress = std::io::stderr().is_terminal();
    let started = std::time::Instant::now();
    let outcome = imports::price_list(
        app,
        &actor,
        &framework.id,
        &title,
        args.effective_from.as_deref(),
        (format, std::io::BufReader::new(file), size),
        |p| {
            if show_progress {
                draw(p)
            }
        },
    )
    .await;
    if show_progress {
        eprintln!();
    }
    match outcome {
        Ok(imported) => {
            let peak = peak_memory_mb()
                .map(|mb| format!(", peak memory {mb:.1} MB"))
                .unwrap_or_default();
            println!(
                "Imported {} rows in {:.2} s{peak} as change request {} ({} changes, {} rows unchanged), waiting for the framework manager's approval",
                imported.rows,
                started.elapsed().as_secs_f64(),
                imported.request.id,
                imported.request.change_count,
                imported.unchanged
            );
            Ok(())
        }
        Err(ImportError::Cells { errors, total }) => {
            for e in &errors {
                println!("{e}");
            }
            if total > errors.len() {
                println!("... and {} more", total - errors.len());
            }
            anyhow::bail!("{} has {total} error(s); nothing was imported", args.file.display())
        }
        Err(ImportError::App(e)) => anyhow::bail!("{e}; nothing was imported"),
    }
}

/// This process's peak resident memory in MB (Linux's VmHWM), if the system says.
pub fn peak_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024.0 / 1_000_000.0)
}

#[derive(clap::Args)]
pub struct MiArgs {
    /// The return: CSV or XLSX.
    pub file: PathBuf,
    /// The framework's reference, e.g. LON-ICT-2025.
    #[arg(long)]
    pub framework: String,
    /// The month the return is for, as YYYY-MM.
    #[arg(long)]
    pub period: String,
    /// Email of the supplier user the return is submitted as.
    #[arg(long = "as")]
    pub as_user: String,
    /// Stage at most this many rows, then exit at once with status 3 as if killed (to show
    /// that the next run resumes).
    #[arg(long, hide = true)]
    pub stop_after_rows: Option<i64>,
}

/// Percent of the file done, redrawn only when it changes.
struct Bar {
    shown: Option<u64>,
    on: bool,
}

impl Bar {
    fn show(&mut self, progress: Progress) {
        let percent = (progress.done.min(progress.total) * 100)
            .checked_div(progress.total)
            .unwrap_or(0);
        if self.on && self.shown != Some(percent) {
            self.shown = Some(percent);
            draw(progress);
        }
    }
}

pub async fn mi(app: &App, args: MiArgs) -> anyhow::Result<()> {
    use calloff_app::returns::{self, MiImportError, MiImportOptions};
    let actor = auth::actor_by_email(app, &args.as_user).await?;
    let month = calloff_domain::mi_return::Month::parse("period", &args.period)
        .map_err(|e| anyhow::anyhow!("--period: {}", e.message))?;
    let mut conn = app.db.pool().acquire().await?;
    let framework = calloff_store::frameworks::find_by_reference(&mut conn, &args.framework)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no framework with reference {}", args.framework))?
        .framework;
    drop(conn);
    let mut file =
        std::fs::File::open(&args.file).map_err(|e| anyhow::anyhow!("cannot open {}: {e}", args.file.display()))?;
    let size = file.metadata()?.len();
    let mut signature = [0u8; 4];
    let read = file.read(&mut signature)?;
    file.seek(SeekFrom::Start(0))?;
    let format = Format::sniff(&signature[..read]);
    // Progress goes to standard error, so a terminal shows it and a log gets the last figure.
    let mut bar = Bar {
        shown: None,
        on: std::io::stderr().is_terminal() || std::env::var_os("CALLOFF_PROGRESS").is_some(),
    };
    let started = std::time::Instant::now();
    let outcome = returns::import_file(
        app,
        &actor,
        &framework.id,
        month,
        (format, file, size),
        MiImportOptions {
            stop_after_rows: args.stop_after_rows,
            batch_rows: 0,
        },
        |p| bar.show(p),
    )
    .await;
    if bar.on {
        eprintln!();
    }
    let peak = peak_memory_mb()
        .map(|mb| format!(", peak memory {mb:.1} MB"))
        .unwrap_or_default();
    match outcome {
        Ok(imported) if imported.already_imported => {
            println!(
                "Already imported: {} is version {} of return {} ({} rows); nothing new was made",
                args.file.display(),
                imported.version.version,
                imported.return_record.reference,
                imported.rows
            );
            Ok(())
        }
        Ok(imported) => {
            let resumed = if imported.resumed_after > 0 {
                format!(" (resumed after row {})", imported.resumed_after)
            } else {
                String::new()
            };
            println!(
                "Imported {} rows in {:.2} s{peak}{resumed} as version {} ({}) of return {}: {} invoiced, management charge {}",
                imported.rows,
                started.elapsed().as_secs_f64(),
                imported.version.version,
                imported.version.kind.as_str(),
                imported.return_record.reference,
                imported.version.totals.value,
                imported.version.totals.charge
            );
            Ok(())
        }
        Err(MiImportError::Stopped { staged }) => {
            println!("Stopped after staging {staged} rows{peak}; run again with the same file to resume");
            std::process::exit(3);
        }
        Err(MiImportError::Cells { errors, total }) => {
            for e in &errors {
                println!("{e}");
            }
            if total > errors.len() {
                println!("... and {} more", total - errors.len());
            }
            anyhow::bail!("{} has {total} error(s); nothing was imported", args.file.display())
        }
        Err(MiImportError::App(e)) => anyhow::bail!("{e}; nothing was imported"),
    }
}
