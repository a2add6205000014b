/* What the driver says about statements and their results, as psqlODBC says it: SQLRowCount
 * after statements with and without a count, uuid columns, parameters, and the nullability and
 * names of table columns.
 *
 * argv[1]: connection string (with fetch_batch_rows=10, so that "a longer result" is short). */
#include "check.h"

static SQLLEN row_count(SQLHSTMT st) {
  SQLLEN n = -99;
  CHECK(OK(SQLRowCount(st, &n)), "SQLRowCount", SQL_HANDLE_STMT, st);
  return n;
}

/* Runs `sql` and checks SQLRowCount right after it. */
static void count_after(SQLHSTMT st, const char *sql, SQLLEN want) {
  exec(st, sql);
  SQLLEN got = row_count(st);
  if (got != want) {
    fprintf(stderr, "FAIL SQLRowCount after %s: %ld, want %ld\n", sql, (long)got, (long)want);
    exit(1);
  }
  SQLFreeStmt(st, SQL_CLOSE);
}

static void row_counts(SQLHDBC dbc) {
  SQLHSTMT st = stmt_on(dbc);
  /* psqlODBC reads the count from the command tag's last word: one-word tags, DROP TABLE and
   * ALTER TABLE give -1, other tags without a number 0. */
  count_after(st, "DROP TABLE IF EXISTS md_counts", -1);
  count_after(st, "CREATE TABLE md_counts(a int)", 0);
  count_after(st, "INSERT INTO md_counts VALUES (1), (2), (3)", 3);
  count_after(st, "UPDATE md_counts SET a = a + 1", 3);
  count_after(st, "SET search_path = public", -1);
  count_after(st, "DO $$ BEGIN NULL; END $$", -1);
  count_after(st, "ALTER TABLE md_counts ADD b int", -1);
  count_after(st, "CREATE INDEX ON md_counts(a)", 0);
  count_after(st, "/* a comment first */ ANALYZE md_counts", -1);
  /* A result is counted before its first fetch when it ends within one fetch batch (10 rows
   * here), as psqlODBC counts every result. */
  count_after(st, "SELECT * FROM md_counts", 3);
  count_after(st, "SELECT 1 WHERE false", 0);
  count_after(st, "SELECT generate_series(1, 10)", 10);
  /* A longer one streams: -1 until its end is fetched, and every row still arrives. */
  exec(st, "SELECT generate_series(1, 25)");
  CHECK(row_count(st) == -1, "a result longer than a batch is not counted", SQL_HANDLE_STMT, st);
  SQLINTEGER v, sum = 0;
  SQLLEN ind;
  CHECK(OK(SQLBindCol(st, 1, SQL_C_SLONG, &v, 0, &ind)), "bind", SQL_HANDLE_STMT, st);
  SQLRETURN rc;
  int rows = 0;
  while ((rc = SQLFetch(st)) == SQL_SUCCESS) {
    sum += v;
    rows++;
  }
  CHECK(rc == SQL_NO_DATA && rows == 25 && sum == 325, "every row of the streamed result", SQL_HANDLE_STMT, st);
  CHECK(row_count(st) == 25, "counted once its end is fetched", SQL_HANDLE_STMT, st);
  SQLFreeStmt(st, SQL_UNBIND);
  SQLFreeStmt(st, SQL_CLOSE);
  /* Rows read ahead by SQLRowCount are fetched in order afterwards. */
  exec(st, "SELECT generate_series(1, 4)");
  CHECK(row_count(st) == 4, "short result counted", SQL_HANDLE_STMT, st);
  for (int want = 1; want <= 4; want++) {
    CHECK(SQLFetch(st) == SQL_SUCCESS, "fetch after the count", SQL_HANDLE_STMT, st);
    CHECK(OK(SQLGetData(st, 1, SQL_C_SLONG, &v, 0, &ind)) && v == want, "row order after the count", SQL_HANDLE_STMT, st);
  }
  CHECK(SQLFetch(st) == SQL_NO_DATA, "end after the count", SQL_HANDLE_STMT, st);
  SQLFreeStmt(st, SQL_CLOSE);
  /* An error met while counting ahead is SQLRowCount's error. */
  exec(st, "SELECT 1 / (3 - g) FROM generate_series(1, 5) g");
  SQLLEN n;
  CHECK(SQLRowCount(st, &n) == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, st), "22012") == 0,
        "division by zero found by the count", SQL_HANDLE_STMT, st);
  SQLFreeStmt(st, SQL_CLOSE);
  exec(st, "DROP TABLE md_counts");
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok row counts\n");
}

static void uuid_columns(SQLHDBC dbc) {
  SQLHSTMT st = stmt_on(dbc);
  exec(st, "SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS u");
  SQLCHAR name[32];
  SQLSMALLINT name_len, type, digits, nullable;
  SQLULEN size;
  CHECK(OK(SQLDescribeCol(st, 1, name, sizeof name, &name_len, &type, &size, &digits, &nullable)), "describe uuid", SQL_HANDLE_STMT, st);
  /* psqlODBC: SQL_GUID, its size the text's with the terminating NUL. */
  CHECK(type == SQL_GUID && size == 37, "uuid is SQL_GUID of size 37", SQL_HANDLE_STMT, st);
  CHECK(SQLFetch(st) == SQL_SUCCESS, "fetch uuid", SQL_HANDLE_STMT, st);
  char text[64];
  SQLLEN ind;
  CHECK(OK(SQLGetData(st, 1, SQL_C_CHAR, text, sizeof text, &ind)), "uuid as SQL_C_CHAR", SQL_HANDLE_STMT, st);
  /* psqlODBC writes it in capitals. */
  CHECK(strcmp(text, "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11") == 0 && ind == 36, "uuid text in capitals", SQL_HANDLE_STMT, st);
  SQLFreeStmt(st, SQL_CLOSE);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok uuid\n");
}

static void describe_params(SQLHDBC dbc) {
  SQLCHAR yn[4] = {0};
  SQLSMALLINT len;
  CHECK(OK(SQLGetInfo(dbc, SQL_DESCRIBE_PARAMETER, yn, sizeof yn, &len)), "SQL_DESCRIBE_PARAMETER", SQL_HANDLE_DBC, dbc);
  /* "N", as psqlODBC: a parameter's description is the server's type, not the target
   * column's (pyodbc then takes Decimal scales from the values). */
  CHECK(strcmp((char *)yn, "N") == 0, "SQL_DESCRIBE_PARAMETER is N", SQL_HANDLE_DBC, dbc);
  SQLHSTMT st = stmt_on(dbc);
  exec(st, "DROP TABLE IF EXISTS md_params");
  exec(st, "CREATE TABLE md_params(i int, u uuid, n numeric(30,12), t text)");
  CHECK(OK(SQLPrepare(st, (SQLCHAR *)"INSERT INTO md_params VALUES (?, ?, ?, ?)", SQL_NTS)), "prepare", SQL_HANDLE_STMT, st);
  struct { SQLSMALLINT type; SQLULEN size; SQLSMALLINT digits; } want[] = {
      {SQL_INTEGER, 10, 0}, {SQL_GUID, 37, 0}, {SQL_NUMERIC, 28, 6}, {SQL_LONGVARCHAR, 8190, 0}};
  for (SQLUSMALLINT p = 1; p <= 4; p++) {
    SQLSMALLINT type, digits, nullable;
    SQLULEN size;
    CHECK(OK(SQLDescribeParam(st, p, &type, &size, &digits, &nullable)), "SQLDescribeParam", SQL_HANDLE_STMT, st);
    if (type != want[p - 1].type || size != want[p - 1].size || digits != want[p - 1].digits || nullable != SQL_NULLABLE) {
      fprintf(stderr, "FAIL parameter %d: type %d size %lu digits %d nullable %d\n", p, type, (unsigned long)size, digits, nullable);
      exit(1);
    }
  }
  SQLFreeStmt(st, SQL_CLOSE);
  exec(st, "DROP TABLE md_params");
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok parameters\n");
}

/* Checks column `col`'s nullability and, through SQLColAttribute, its table, schema and base
 * column names ("" for none). */
static void expect_column(SQLHSTMT st, SQLUSMALLINT col, SQLSMALLINT nullable, const char *table, const char *schema, const char *base) {
  SQLCHAR name[64];
  SQLSMALLINT name_len, type, digits, got;
  SQLULEN size;
  CHECK(OK(SQLDescribeCol(st, col, name, sizeof name, &name_len, &type, &size, &digits, &got)), "describe", SQL_HANDLE_STMT, st);
  SQLLEN attr = -7;
  CHECK(OK(SQLColAttribute(st, col, SQL_DESC_NULLABLE, NULL, 0, NULL, &attr)), "SQL_DESC_NULLABLE", SQL_HANDLE_STMT, st);
  char t[64] = "?", sc[64] = "?", b[64] = "?";
  SQLSMALLINT len;
  CHECK(OK(SQLColAttribute(st, col, SQL_DESC_BASE_TABLE_NAME, t, sizeof t, &len, NULL)), "table name", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLColAttribute(st, col, SQL_DESC_SCHEMA_NAME, sc, sizeof sc, &len, NULL)), "schema name", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLColAttribute(st, col, SQL_DESC_BASE_COLUMN_NAME, b, sizeof b, &len, NULL)), "base column", SQL_HANDLE_STMT, st);
  if (got != nullable || attr != nullable || strcmp(t, table) != 0 || strcmp(sc, schema) != 0 || strcmp(b, base) != 0) {
    fprintf(stderr, "FAIL column %s: nullable %d/%ld want %d, table '%s' schema '%s' base '%s'\n", name, got, (long)attr, nullable, t, sc, b);
    exit(1);
  }
}

static void nullability(SQLHDBC dbc) {
  SQLHSTMT st = stmt_on(dbc);
  exec(st, "DROP VIEW IF EXISTS md_null_view");
  exec(st, "DROP TABLE IF EXISTS md_null");
  exec(st, "CREATE TABLE md_null(a int NOT NULL, b int, c int PRIMARY KEY)");
  exec(st, "CREATE VIEW md_null_view AS SELECT a, b FROM md_null");
  /* Prepared, not executed: SQL_NO_NULLS for NOT NULL columns, SQL_NULLABLE for the others and
   * for expressions, as psqlODBC answers. */
  CHECK(OK(SQLPrepare(st, (SQLCHAR *)"SELECT a, b, c, a + 1 AS e FROM md_null", SQL_NTS)), "prepare", SQL_HANDLE_STMT, st);
  expect_column(st, 1, SQL_NO_NULLS, "md_null", "public", "a");
  expect_column(st, 2, SQL_NULLABLE, "md_null", "public", "b");
  expect_column(st, 3, SQL_NO_NULLS, "md_null", "public", "c");
  expect_column(st, 4, SQL_NULLABLE, "", "", "e");
  SQLFreeStmt(st, SQL_CLOSE);
  /* A view's columns are the view's: nullable. */
  exec(st, "SELECT a, b FROM md_null_view");
  expect_column(st, 1, SQL_NULLABLE, "md_null_view", "public", "a");
  SQLFreeStmt(st, SQL_CLOSE);
  /* ALTER TABLE on the connection makes the driver ask again. */
  exec(st, "ALTER TABLE md_null ALTER b SET NOT NULL");
  exec(st, "SELECT b FROM md_null");
  expect_column(st, 1, SQL_NO_NULLS, "md_null", "public", "b");
  SQLFreeStmt(st, SQL_CLOSE);
  /* While a result streams (longer than a fetch batch, not counted), a table not looked up yet
   * is not asked about: that would buffer the rest of the result. Unknown, then known once
   * the result has been read. */
  exec(st, "CREATE TABLE md_null_big AS SELECT g AS n FROM generate_series(1, 25) g");
  exec(st, "ALTER TABLE md_null_big ALTER n SET NOT NULL");
  exec(st, "SELECT n FROM md_null_big");
  expect_column(st, 1, SQL_NULLABLE_UNKNOWN, "", "", "n");
  while (SQLFetch(st) == SQL_SUCCESS) {
  }
  expect_column(st, 1, SQL_NO_NULLS, "md_null_big", "public", "n");
  SQLFreeStmt(st, SQL_CLOSE);
  exec(st, "DROP TABLE md_null_big");
  exec(st, "DROP VIEW md_null_view");
  exec(st, "DROP TABLE md_null");
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok nullability\n");
}

/* SQL_DESC_OCTET_LENGTH and SQL_DESC_TYPE_NAME of character and timestamp columns, as
 * psqlODBC gives them to an ANSI application. */
static void octets_and_type_names(SQLHDBC dbc) {
  SQLHSTMT st = stmt_on(dbc);
  exec(st, "SELECT 't'::text, 'v'::varchar(20), 'v'::varchar, 'c'::char(5), 'n'::name, now()::timestamp, now()");
  struct { SQLLEN octets; const char *type_name; } want[] = {
      {8190, "text"}, {80, "varchar"}, {255, "varchar"}, {20, "char"}, {63, "name"}, {16, "timestamp without time zone"}, {16, "timestamptz"}};
  for (SQLUSMALLINT c = 1; c <= 7; c++) {
    SQLLEN octets = -7;
    char type_name[64] = "?";
    SQLSMALLINT len;
    CHECK(OK(SQLColAttribute(st, c, SQL_DESC_OCTET_LENGTH, NULL, 0, NULL, &octets)), "octet length", SQL_HANDLE_STMT, st);
    CHECK(OK(SQLColAttribute(st, c, SQL_DESC_TYPE_NAME, type_name, sizeof type_name, &len, NULL)), "type name", SQL_HANDLE_STMT, st);
    if (octets != want[c - 1].octets || strcmp(type_name, want[c - 1].type_name) != 0) {
      fprintf(stderr, "FAIL column %d: octets %ld type name '%s'\n", c, (long)octets, type_name);
      exit(1);
    }
  }
  SQLFreeStmt(st, SQL_CLOSE);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok octets and type names\n");
}

int main(int argc, char **argv) {
  if (argc < 2) check_fail("usage: metadata CONNECTION_STRING", __LINE__);
  SQLHENV env;
  SQLHDBC dbc;
  connect_or_exit(argv[1], SQL_OV_ODBC3, &env, &dbc);
  row_counts(dbc);
  uuid_columns(dbc);
  describe_params(dbc);
  nullability(dbc);
  octets_and_type_names(dbc);
  disconnect_and_free(env, dbc);
  printf("all passed\n");
  return 0;
}
