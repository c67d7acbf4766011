use crate::error::{StoreError, StoreResult};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// SQLite-only settings for each new connection: WAL lets readers run beside the writer; FULL
/// sync keeps every acknowledged write through a power cut.
const SQLITE_PRAGMAS: [&str; 3] = [
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
];

/// How long a connection waits for SQLite's write lock before reporting busy.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 10_000;
/// SQLite writes one at a time; a few connections serve concurrent readers in WAL mode.
const SQLITE_MAX_CONNECTIONS: u32 = 8;
const POSTGRES_MAX_CONNECTIONS: u32 = 32;
/// Attempts of a transaction that failed on a serialization failure or a busy database.
pub const MAX_ATTEMPTS: u32 = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn of_url(url: &str) -> Result<Dialect, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Dialect::Postgres)
        } else if url.starts_with("sqlite:") {
            Ok(Dialect::Sqlite)
        } else {
            Err(format!(
                "database URL must start with sqlite: or postgres:// (got \"{url}\")"
            ))
        }
    }
}

pub type WriteTx = Transaction<'static, sqlx::Any>;

/// A connection pool and the dialect behind it.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    dialect: Dialect,
}

impl Db {
    /// Connects, creating the SQLite file (and its folder) if needed. Does not migrate.
    pub async fn connect(url: &str) -> StoreResult<Db> {
        sqlx::any::install_default_drivers();
        let dialect = Dialect::of_url(url).map_err(StoreError::corrupt)?;
        let pool = match dialect {
            Dialect::Sqlite => {
                create_sqlite_folder(url);
                let url = sqlite_url_with_create(url);
                let options = AnyConnectOptions::from_str(&url)?;
                AnyPoolOptions::new()
                    .max_connections(SQLITE_MAX_CONNECTIONS)
                    .test_before_acquire(false)
                    .acquire_timeout(Duration::from_secs(30))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            for pragma in SQLITE_PRAGMAS {
                                conn.execute(pragma).await?;
                            }
                            conn.execute(format!("PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}").as_str())
                                .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Dialect::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(POSTGRES_MAX_CONNECTIONS)
                    // No ping round trip on every checkout: a broken connection fails its query,
                    // and the pool replaces it.
                    .test_before_acquire(false)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect(url)
                    .await?
            }
        };
        Ok(Db { pool, dialect })
    }

    /// Connects for reading only, to a database that must already exist and be migrated to this
    /// build's latest version: nothing is created, migrated or written (for `audit verify`).
    pub async fn connect_read_only(url: &str) -> StoreResult<Db> {
        sqlx::any::install_default_drivers();
        let dialect = Dialect::of_url(url).map_err(StoreError::corrupt)?;
        let pool = match dialect {
            Dialect::Sqlite => {
                let path = sqlite_path(url);
                if path == ":memory:" || !std::path::Path::new(path).is_file() {
                    return Err(StoreError::NotReady(format!("there is no SQLite database at {path}")));
                }
                let options = AnyConnectOptions::from_str(&format!("sqlite://{path}?mode=ro"))?;
                AnyPoolOptions::new()
                    .max_connections(1)
                    .after_connect(|conn, _| {
                        Box::pin(async move { conn.execute("PRAGMA query_only = ON").await.map(|_| ()) })
                    })
                    .connect_with(options)
                    .await?
            }
            Dialect::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(1)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
                                .await
                                .map(|_| ())
                        })
                    })
                    .connect(url)
                    .await?
            }
        };
        let db = Db { pool, dialect };
        db.require_latest_schema().await?;
        Ok(db)
    }

    /// Refuses a database that is empty, or not migrated to this build's latest version.
    async fn require_latest_schema(&self) -> StoreResult<()> {
        let latest = match self.dialect {
            Dialect::Sqlite => sqlx::migrate!("migrations/sqlite")
                .migrations
                .iter()
                .map(|m| m.version)
                .max(),
            Dialect::Postgres => sqlx::migrate!("migrations/postgres")
                .migrations
                .iter()
                .map(|m| m.version)
                .max(),
        }
        .unwrap_or_default();
        let applied: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_one(&self.pool)
            .await
            .map_err(|_| StoreError::NotReady("the database is empty: it has never been migrated".into()))?;
        match applied {
            Some(version) if version >= latest => Ok(()),
            Some(version) => Err(StoreError::NotReady(format!(
                "the database is migrated to version {version}, not {latest}: run `calloff migrate` first"
            ))),
            None => Err(StoreError::NotReady(
                "the database is empty: it has never been migrated".into(),
            )),
        }
    }

    /// Connects and applies the migrations of the URL's dialect.
    pub async fn open(url: &str) -> StoreResult<Db> {
        let db = Db::connect(url).await?;
        db.migrate().await?;
        Ok(db)
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        match self.dialect {
            Dialect::Sqlite => sqlx::migrate!("migrations/sqlite").run(&self.pool).await?,
            Dialect::Postgres => sqlx::migrate!("migrations/postgres").run(&self.pool).await?,
        }
        // Items stored before search had its own words get them now (ADR 0004).
        let mut conn = self.pool.acquire().await?;
        crate::catalogue::index_unindexed(&mut conn).await?;
        Ok(())
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Begins a write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`),
    /// so a transaction that reads before it writes cannot fail to upgrade its lock.
    pub async fn begin_write(&self) -> StoreResult<WriteTx> {
        Ok(match self.dialect {
            Dialect::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Dialect::Postgres => self.pool.begin().await?,
        })
    }

    /// [`Db::begin_write`] on a connection the caller already holds.
    pub async fn begin_write_on<'c>(
        &self,
        conn: &'c mut sqlx::AnyConnection,
    ) -> StoreResult<Transaction<'c, sqlx::Any>> {
        use sqlx::Connection;
        Ok(match self.dialect {
            Dialect::Sqlite => conn.begin_with("BEGIN IMMEDIATE").await?,
            Dialect::Postgres => conn.begin().await?,
        })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Pause before retry `attempt` (1-based): exponential from 2 ms, capped, with full jitter.
pub fn retry_backoff(attempt: u32) -> Duration {
    use rand::Rng;
    let cap_ms = (2u64 << attempt.min(7)).min(200);
    Duration::from_millis(rand::thread_rng().gen_range(1..=cap_ms))
}

fn sqlite_path(url: &str) -> &str {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    rest.split('?').next().unwrap_or(rest)
}

fn create_sqlite_folder(url: &str) {
    let path = std::path::Path::new(sqlite_path(url));
    if let Some(parent) = path.parent() {
        if !parent.as_os_str().is_empty() && path.as_os_str() != ":memory:" {
            let _ = std::fs::create_dir_all(parent);
        }
    }
}

fn sqlite_url_with_create(url: &str) -> String {
    if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// An error that may be cured by running the whole transaction again.
pub trait Retryable {
    fn is_retryable(&self) -> bool;
}

impl Retryable for StoreError {
    fn is_retryable(&self) -> bool {
        StoreError::is_retryable(self)
    }
}

/// Counts the attempts of one transaction and decides whether to try again.
#[derive(Debug, Default)]
pub struct Attempts {
    tries: u32,
}

impl Attempts {
    /// After a failed attempt: waits a jittered backoff and returns true if the error is
    /// retryable and [`MAX_ATTEMPTS`] has not been reached.
    pub async fn retry(&mut self, error: &impl Retryable) -> bool {
        self.tries += 1;
        if !error.is_retryable() || self.tries >= MAX_ATTEMPTS {
            return false;
        }
        tokio::time::sleep(retry_backoff(self.tries)).await;
        true
    }
}

/// Runs `attempt` (a whole transaction) until it succeeds, fails for good, or has been tried
/// [`MAX_ATTEMPTS`] times, with jittered backoff between tries.
pub async fn with_retries<T, E, F, Fut>(mut attempt: F) -> Result<T, E>
where
    E: Retryable,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let mut attempts = Attempts::default();
    loop {
        match attempt().await {
            Err(e) if attempts.retry(&e).await => continue,
            result => return result,
        }
    }
}

/// The server URL with its database name replaced, keeping any query string.
pub fn with_database_name(server_url: &str, name: &str) -> String {
    let (base, query) = server_url
        .split_once('?')
        .map(|(b, q)| (b, Some(q)))
        .unwrap_or((server_url, None));
    let base = base.rsplit_once('/').map(|(b, _)| b).unwrap_or(base);
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Creates a PostgreSQL database for tests or benchmarks; returns its URL.
pub async fn create_postgres_database(server_url: &str, name: &str) -> Result<String, sqlx::Error> {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut admin = sqlx::AnyConnection::connect(server_url).await?;
    admin.execute(format!("CREATE DATABASE {name}").as_str()).await?;
    admin.close().await?;
    Ok(with_database_name(server_url, name))
}

pub async fn drop_postgres_database(server_url: &str, name: &str) -> Result<(), sqlx::Error> {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut admin = sqlx::AnyConnection::connect(server_url).await?;
    admin
        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
        .await?;
    admin.close().await?;
    Ok(())
}
