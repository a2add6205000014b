//! What the catalog says about the table columns a result comes from: whether each is NOT NULL
//! (the nullability SQLDescribeCol and SQLColAttribute report, as psqlODBC reports it), and
//! the names of its table, schema and base column. Looked up when an application first asks
//! about a result of a table, in one query for all of that result's tables not known yet, and
//! kept per connection by table oid; statements that change a table's definition (ALTER TABLE,
//! DROP TABLE) run on the connection forget what was kept, as psqlODBC forgets its column info.

use super::types::ColumnInfo;
use std::collections::HashMap;
use std::fmt::Write;
use tokio_postgres::Row;

/// SQL_NO_NULLS, SQL_NULLABLE, SQL_NULLABLE_UNKNOWN.
const NO_NULLS: i16 = 0;
const NULLABLE: i16 = 1;
const NULLABLE_UNKNOWN: i16 = 2;

/// More tables than this and the cache starts over (a program walking a whole schema).
const MAX_TABLES: usize = 2000;

/// One column of a table, by its attribute number.
#[derive(Debug)]
struct Attribute {
    name: String,
    not_null: bool,
}

#[derive(Debug)]
struct Table {
    schema: String,
    name: String,
    attributes: HashMap<i16, Attribute>,
}

/// The tables looked up on one connection; `None` for a table the catalog no longer has.
#[derive(Debug, Default)]
pub struct TableColumnCache {
    tables: HashMap<u32, Option<Table>>,
}

impl TableColumnCache {
    /// The tables of `cols` not looked up yet, each once.
    pub fn missing(&self, cols: &[ColumnInfo]) -> Vec<u32> {
        let mut oids: Vec<u32> = cols
            .iter()
            .filter_map(|c| c.table_oid)
            .filter(|oid| !self.tables.contains_key(oid))
            .collect();
        oids.sort_unstable();
        oids.dedup();
        oids
    }

    /// The catalog query for `oids` (numbers only, so they are written into the text).
    pub fn lookup_sql(oids: &[u32]) -> String {
        let mut list = String::new();
        for (i, oid) in oids.iter().enumerate() {
            let _ = write!(list, "{}{oid}", if i > 0 { "," } else { "" });
        }
        format!(
            "SELECT c.oid, n.nspname::text, c.relname::text, a.attnum, a.attname::text, \
             a.attnotnull FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid \
             WHERE c.oid IN ({list}) AND a.attnum > 0 AND NOT a.attisdropped"
        )
    }

    /// Keeps what the query for `oids` answered; a table it did not name is kept as gone.
    pub fn store(&mut self, oids: &[u32], rows: &[Row]) {
        if self.tables.len() + oids.len() > MAX_TABLES {
            self.tables.clear();
        }
        for &oid in oids {
            self.tables.insert(oid, None);
        }
        for row in rows {
            let fields = (
                row.try_get::<_, u32>(0),
                row.try_get::<_, String>(1),
                row.try_get::<_, String>(2),
                row.try_get::<_, i16>(3),
                row.try_get::<_, String>(4),
                row.try_get::<_, bool>(5),
            );
            let (Ok(oid), Ok(schema), Ok(name), Ok(number), Ok(column), Ok(not_null)) = fields
            else {
                continue;
            };
            let table = self
                .tables
                .entry(oid)
                .or_insert(None)
                .get_or_insert_with(|| Table {
                    schema,
                    name,
                    attributes: HashMap::new(),
                });
            table.attributes.insert(
                number,
                Attribute {
                    name: column,
                    not_null,
                },
            );
        }
    }

    /// Fills what is known of `cols`' tables in: a table column is SQL_NO_NULLS or
    /// SQL_NULLABLE with its table, schema and base column names and `catalog`; a column of
    /// a table not looked up (or gone) stays SQL_NULLABLE_UNKNOWN. Columns that are not a
    /// table's (expressions) are SQL_NULLABLE already, as psqlODBC reports them.
    pub fn apply(&self, cols: &mut [ColumnInfo], catalog: &str) {
        for col in cols {
            let Some(oid) = col.table_oid else {
                continue;
            };
            let found = self
                .tables
                .get(&oid)
                .and_then(Option::as_ref)
                .and_then(|t| {
                    col.column_id
                        .and_then(|n| t.attributes.get(&n))
                        .map(|a| (t, a))
                });
            let Some((table, attribute)) = found else {
                col.nullable = NULLABLE_UNKNOWN;
                continue;
            };
            col.nullable = if attribute.not_null {
                NO_NULLS
            } else {
                NULLABLE
            };
            col.table_name.clone_from(&table.name);
            col.schema_name.clone_from(&table.schema);
            col.catalog_name = catalog.to_string();
            col.base_column_name.clone_from(&attribute.name);
        }
    }

    /// Whether table `oid` was looked up (found or not).
    pub fn knows(&self, oid: u32) -> bool {
        self.tables.contains_key(&oid)
    }

    /// The schema and name of table `oid`, when it was looked up and exists.
    pub fn relation_name(&self, oid: u32) -> Option<(String, String)> {
        self.tables
            .get(&oid)
            .and_then(Option::as_ref)
            .map(|t| (t.schema.clone(), t.name.clone()))
    }

    /// Forgets every table (a statement changed some table's definition).
    pub fn clear(&mut self) {
        self.tables.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::odbc::types::{describe, SizeLimits};
    use tokio_postgres::types::Type;

    fn column(table: Option<u32>, number: Option<i16>) -> ColumnInfo {
        let mut c = describe("c", &Type::INT4, -1, &SizeLimits::default());
        c.table_oid = table;
        c.column_id = number;
        c
    }

    #[test]
    fn missing_tables_are_listed_once_and_written_as_numbers() {
        let cache = TableColumnCache::default();
        let cols = [
            column(Some(20), Some(1)),
            column(Some(10), Some(2)),
            column(Some(20), Some(3)),
            column(None, None),
        ];
        assert_eq!(cache.missing(&cols), vec![10, 20]);
        assert!(TableColumnCache::lookup_sql(&[10, 20]).contains("c.oid IN (10,20)"));
    }

    #[test]
    fn a_table_the_catalog_did_not_answer_for_stays_unknown() {
        let mut cache = TableColumnCache::default();
        cache.store(&[10], &[]);
        let mut cols = [column(Some(10), Some(1))];
        assert!(cache.missing(&cols).is_empty());
        cache.apply(&mut cols, "db");
        assert_eq!(cols[0].nullable, NULLABLE_UNKNOWN);
        assert_eq!(cols[0].table_name, "");
        cache.clear();
        assert_eq!(cache.missing(&cols), vec![10]);
    }
}
