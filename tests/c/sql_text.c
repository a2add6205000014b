/* SQL text as programs written against psqlODBC send it: {fn ...} escapes whose PostgreSQL
 * form takes the arguments in another order keep each `?` bound to its own value,
 * SELECT @@IDENTITY reads the last inserted serial, markers are found as the session reads
 * strings (standard_conforming_strings off or on), and SQLFetch after a statement without a
 * result set answers SQL_NO_DATA.
 *
 * argv[1]: connection string. */
#include "check.h"

/* Runs `sql` with the character parameters `p` (n of them) and returns the one value it
 * selects, as text. */
static const char *one_with(SQLHDBC dbc, const char *sql, const char **p, int n) {
  static char out[256];
  SQLLEN ind[8], out_len = 0;
  SQLHSTMT st = stmt_on(dbc);
  for (int i = 0; i < n; i++) {
    ind[i] = SQL_NTS;
    CHECK(OK(SQLBindParameter(st, (SQLUSMALLINT)(i + 1), SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 64, 0,
                              (SQLPOINTER)p[i], 0, &ind[i])), "bind", SQL_HANDLE_STMT, st);
  }
  CHECK(OK(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS)), sql, SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFetch(st)), "fetch", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetData(st, 1, SQL_C_CHAR, out, sizeof out, &out_len)), "get", SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  return out;
}

static void expect_value(SQLHDBC dbc, const char *sql, const char **p, int n, const char *want) {
  const char *got = one_with(dbc, sql, p, n);
  if (strcmp(got, want) != 0) {
    fprintf(stderr, "FAIL %s: got '%s', want '%s'\n", sql, got, want);
    exit(1);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  SQLHENV env;
  SQLHDBC dbc;
  connect_or_exit(argv[1], SQL_OV_ODBC3, &env, &dbc);

  /* LOCATE(needle, haystack[, start]) and INSERT(s, from, count, with): PostgreSQL names
   * these arguments in another order; the values must stay with their markers. */
  const char *two[] = {"c", "abcabc"};
  expect_value(dbc, "SELECT {fn LOCATE(?, ?)}", two, 2, "3");
  const char *three[] = {"c", "abcabc", "4"};
  expect_value(dbc, "SELECT {fn LOCATE(?, ?, ?)}", three, 3, "6");
  const char *missing[] = {"z", "abcabc", "2"};
  expect_value(dbc, "SELECT {fn LOCATE(?, ?, ?)}", missing, 3, "0");
  const char *before_start[] = {"a", "abcabc", "0"};
  expect_value(dbc, "SELECT {fn LOCATE(?, ?, ?)}", before_start, 3, "1");
  expect_value(dbc, "SELECT {fn LOCATE('b', 'abcabc', 3)}", NULL, 0, "5");
  const char *insert[] = {"abcdef", "2", "3", "XY"};
  expect_value(dbc, "SELECT {fn INSERT(?, ?, ?, ?)}", insert, 4, "aXYef");
  /* A column of the outer query inside the escape. */
  expect_value(dbc, "SELECT {fn LOCATE('l', w, 5)} FROM (VALUES ('hello world')) AS t(w)", NULL, 0, "10");
  printf("ok scalar functions\n");

  /* @@IDENTITY after an insert into a serial column, as SQL Server programs ported to
   * psqlODBC read it; quoted text is left alone. */
  SQLHSTMT st = stmt_on(dbc);
  exec(st, "DROP TABLE IF EXISTS sqltext_ident");
  exec(st, "CREATE TABLE sqltext_ident (id serial PRIMARY KEY, v text)");
  exec(st, "INSERT INTO sqltext_ident (v) VALUES ('a'), ('b'), ('c')");
  expect_value(dbc, "SELECT @@IDENTITY", NULL, 0, "3");
  expect_value(dbc, "select @@identity AS id", NULL, 0, "3");
  expect_value(dbc, "SELECT '@@IDENTITY'", NULL, 0, "@@IDENTITY");
  printf("ok identity\n");

  /* standard_conforming_strings off: a backslash escapes the quote in a plain string, so the
   * `?` inside it is text and the one after it the marker. */
  exec(st, "SET standard_conforming_strings = off");
  exec(st, "SET application_name = 'sql_text'"); /* one more round trip */
  const char *one_value[] = {"x"};
  expect_value(dbc, "SELECT 'it\\'s ?' || ?", one_value, 1, "it's ?x");
  exec(st, "SET standard_conforming_strings = on");
  exec(st, "SET application_name = 'sql_text'"); /* one more round trip */
  expect_value(dbc, "SELECT 'a\\' || ?", one_value, 1, "a\\x");
  printf("ok backslashes in strings\n");

  /* SQLFetch after a statement that returned no result set: SQL_NO_DATA, as psqlODBC. */
  SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)"UPDATE sqltext_ident SET v = 'x' WHERE id = 1", SQL_NTS);
  CHECK(OK(rc), "update", SQL_HANDLE_STMT, st);
  rc = SQLFetch(st);
  if (rc != SQL_NO_DATA) {
    fprintf(stderr, "FAIL SQLFetch after UPDATE returned %d (%s), want SQL_NO_DATA\n", (int)rc,
            first_state(SQL_HANDLE_STMT, st));
    exit(1);
  }
  SQLFreeStmt(st, SQL_CLOSE);
  exec(st, "DROP TABLE sqltext_ident");
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok fetch without a result set\n");

  disconnect_and_free(env, dbc);
  printf("all passed\n");
  return 0;
}
