use calloff_store::{all_statements, Dialect};
use calloff_test_support::{Backend, TestDb};
use sqlx::{Executor, Row};
use std::collections::BTreeSet;

/// Table, column, a portable type name and whether NULL is allowed, for every column.
async fn columns(test_db: &TestDb) -> BTreeSet<(String, String, String, bool)> {
    let sql = match test_db.db.dialect() {
        Dialect::Sqlite => {
            "SELECT m.name AS table_name, p.name AS column_name, lower(p.type) AS data_type, \
             CASE WHEN p.\"notnull\" = 1 THEN 'NO' ELSE 'YES' END AS is_nullable \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' \
             AND m.name NOT LIKE 'catalogue_items_search%'"
        }
        Dialect::Postgres => {
            "SELECT CAST(table_name AS TEXT) AS table_name, CAST(column_name AS TEXT) AS column_name, \
             CAST(data_type AS TEXT) AS data_type, CAST(is_nullable AS TEXT) AS is_nullable \
             FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'"
        }
    };
    let rows = sqlx::query(sql).fetch_all(test_db.db.pool()).await.unwrap();
    rows.iter()
        .map(|r| {
            let ty: String = r.get("data_type");
            let portable = match ty.as_str() {
                "bigint" => "bigint",
                "integer" => "integer",
                "text" => "text",
                other => panic!("column type {other} is not portable"),
            };
            let nullable: String = r.get("is_nullable");
            (
                r.get("table_name"),
                r.get("column_name"),
                portable.to_string(),
                nullable == "YES",
            )
        })
        .collect()
}

/// The indexes the migrations name (constraint-backed indexes are named differently by each
/// database and are covered by the columns and the prepare test). The full-text search index is
/// the one structure that differs by design (ADR 0004): FTS5 on SQLite, GIN on PostgreSQL.
async fn named_indexes(test_db: &TestDb) -> BTreeSet<String> {
    let sql = match test_db.db.dialect() {
        Dialect::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND name NOT LIKE 'sqlite_%' \
             AND name NOT LIKE 'catalogue_items_search%'"
        }
        Dialect::Postgres => {
            "SELECT CAST(indexname AS TEXT) AS name FROM pg_indexes WHERE schemaname = 'public' \
             AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key' AND indexname NOT LIKE 'catalogue_items_search%'"
        }
    };
    let rows = sqlx::query(sql).fetch_all(test_db.db.pool()).await.unwrap();
    rows.iter().map(|r| r.get::<String, _>("name")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_schemas_have_the_same_tables_columns_and_types() {
    let sqlite = TestDb::new(Backend::Sqlite).await;
    let postgres = TestDb::new(Backend::Postgres).await;
    let (s, p) = (columns(&sqlite).await, columns(&postgres).await);
    assert!(s.len() > 50, "expected the whole schema, found {} columns", s.len());
    assert_eq!(s, p, "SQLite and PostgreSQL schemas differ");
    assert!(s.contains(&(
        "call_offs".to_string(),
        "contract_value".to_string(),
        "bigint".to_string(),
        false
    )));
    let (si, pi) = (named_indexes(&sqlite).await, named_indexes(&postgres).await);
    assert!(si.contains("call_offs_by_buyer"), "{si:?}");
    assert_eq!(si, pi, "SQLite and PostgreSQL indexes differ");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_dialects_have_the_same_migration_versions() {
    let names = |dir: &str| -> BTreeSet<String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../store/migrations")
            .join(dir);
        std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(names("sqlite"), names("postgres"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_statement_prepares_on_both_databases() {
    let statements = all_statements();
    assert!(statements.len() > 40, "found only {} statements", statements.len());
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let test_db = TestDb::new(backend).await;
        let mut conn = test_db.db.pool().acquire().await.unwrap();
        let own = calloff_store::search::dialect_statements(test_db.db.dialect());
        for sql in statements.iter().chain(own.iter()) {
            if let Err(e) = conn.prepare(sql).await {
                panic!("{backend:?} cannot prepare\n{sql}\n{e}");
            }
        }
    }
}
