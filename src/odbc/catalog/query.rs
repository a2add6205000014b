//! Turning name arguments into WHERE conditions and parameters.

use super::*;

/// If an ODBC search pattern has no wildcard, the literal it matches (escapes removed).
pub(super) fn pattern_literal(pattern: &str) -> Option<String> {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(next) => out.push(next),
                None => out.push('\\'),
            },
            '%' | '_' => return None,
            other => out.push(other),
        }
    }
    Some(out)
}

/// A pattern PostgreSQL's LIKE accepts: a lone trailing escape character (an error there)
/// becomes a literal backslash.
pub(super) fn like_pattern(pattern: &str) -> String {
    let trailing = pattern.chars().rev().take_while(|&c| c == '\\').count();
    let mut fixed = pattern.to_owned();
    if trailing % 2 == 1 {
        fixed.push('\\');
    }
    fixed
}

/// The name an identifier argument denotes: `"Mixed Case"` keeps its case (doubled quotes
/// inside become one), an unquoted name folds to lower case.
pub(super) fn identifier_value(raw: &str) -> String {
    let trimmed = raw.trim();
    if trimmed.len() >= 2 && trimmed.starts_with('"') && trimmed.ends_with('"') {
        trimmed[1..trimmed.len() - 1].replace("\"\"", "\"")
    } else {
        trimmed.to_lowercase()
    }
}

/// Splits SQLTables' TableType list ("TABLE,VIEW" or "'TABLE','VIEW'") into upper-case names.
/// An empty list, or one holding "%", means every type.
pub fn parse_table_types(list: &str) -> Vec<String> {
    let types: Vec<String> = list
        .split(',')
        .map(|t| t.trim().trim_matches('\'').trim().to_uppercase())
        .filter(|t| !t.is_empty())
        .collect();
    if types.iter().any(|t| t == "%") {
        Vec::new()
    } else {
        types
    }
}

/// Collects parameters and WHERE conditions while a query is built.
#[derive(Default)]
pub(super) struct Query {
    pub(super) params: Vec<Option<String>>,
    pub(super) conds: Vec<String>,
}

impl Query {
    /// Adds a parameter and returns its placeholder.
    pub(super) fn bind(&mut self, value: String) -> String {
        self.params.push(Some(value));
        format!("${}::text", self.params.len())
    }

    /// Restricts `column` by `arg`. `empty_is_any`: an empty string imposes nothing (catalog
    /// and schema arguments, see the module notes).
    pub(super) fn name(&mut self, column: &str, arg: &NameArg<'_>, empty_is_any: bool) {
        if empty_is_any && arg.is_empty_string() {
            return;
        }
        match *arg {
            NameArg::Absent => {}
            NameArg::Pattern("%") => {}
            NameArg::Pattern(p) => match pattern_literal(p) {
                Some(literal) => {
                    let ph = self.bind(literal);
                    self.conds.push(format!("{column} = {ph}"));
                }
                None => {
                    let ph = self.bind(like_pattern(p));
                    self.conds.push(format!("{column} LIKE {ph}"));
                }
            },
            NameArg::Exact(v) => {
                let ph = self.bind(v.to_owned());
                self.conds.push(format!("{column} = {ph}"));
            }
            NameArg::Identifier(v) => {
                let ph = self.bind(identifier_value(v));
                self.conds.push(format!("{column} = {ph}"));
            }
        }
    }

    /// Catalog, schema and table restrictions for a relation `c` in namespace `n`. With
    /// `visible_default`, an absent or empty schema selects the relation the search_path finds.
    pub(super) fn relation(
        &mut self,
        catalog: &NameArg<'_>,
        schema: &NameArg<'_>,
        table: &NameArg<'_>,
        visible_default: bool,
    ) {
        self.relation_as("c", "n", catalog, schema, table, visible_default);
    }

    /// [`Query::relation`] for a pg_class alias `rel` and pg_namespace alias `ns`.
    pub(super) fn relation_as(
        &mut self,
        rel: &str,
        ns: &str,
        catalog: &NameArg<'_>,
        schema: &NameArg<'_>,
        table: &NameArg<'_>,
        visible_default: bool,
    ) {
        self.name("pg_catalog.current_database()", catalog, true);
        if visible_default && schema.is_absent_or_empty() && !matches!(table, NameArg::Absent) {
            self.conds
                .push(format!("pg_catalog.pg_table_is_visible({rel}.oid)"));
        } else {
            self.name(&format!("{ns}.nspname"), schema, true);
        }
        self.name(&format!("{rel}.relname"), table, false);
    }

    pub(super) fn where_clause(&self) -> String {
        if self.conds.is_empty() {
            String::new()
        } else {
            format!("\n  AND {}", self.conds.join("\n  AND "))
        }
    }

    /// Takes the collected conditions (for a second part of the same query).
    pub(super) fn take_where(&mut self) -> String {
        let clause = self.where_clause();
        self.conds.clear();
        clause
    }

    pub(super) fn finish(self, sql: String) -> CatalogQuery {
        CatalogQuery {
            sql,
            params: self.params,
        }
    }
}

/// Relation kinds that hold columns applications query.
pub(super) const QUERYABLE_RELKINDS: &str = "('r', 'p', 'v', 'm', 'f')";

/// Sessions see each other's temporary schemas in the catalogs; hide them.
pub(super) const NOT_OTHER_TEMP: &str = "NOT pg_catalog.pg_is_other_temp_schema(n.oid)";
