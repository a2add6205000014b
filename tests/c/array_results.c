/* A parameter array whose statement gives rows (INSERT ... RETURNING, a SELECT): every set's
 * rows come back, one result per set through SQLMoreResults, as psqlODBC gives them.
 *
 * argv[1]: connection string. */
#include "check.h"

#define SETS 3

/* Reads every result of `st`: for each, the rows' first two columns as "a:b" joined by
 * commas, results separated by "|". */
static void read_results(SQLHSTMT st, char *out, size_t cap) {
  out[0] = 0;
  for (int result = 0;; result++) {
    if (result > 0) strncat(out, "|", cap - strlen(out) - 1);
    int row = 0;
    SQLRETURN rc;
    while ((rc = SQLFetch(st)) != SQL_NO_DATA) {
      CHECK(OK(rc), "fetch", SQL_HANDLE_STMT, st);
      char a[64], b[64], cell[140];
      SQLLEN la, lb;
      CHECK(OK(SQLGetData(st, 1, SQL_C_CHAR, a, sizeof a, &la)), "get 1", SQL_HANDLE_STMT, st);
      CHECK(OK(SQLGetData(st, 2, SQL_C_CHAR, b, sizeof b, &lb)), "get 2", SQL_HANDLE_STMT, st);
      snprintf(cell, sizeof cell, "%s%s:%s", row++ ? "," : "", a, b);
      strncat(out, cell, cap - strlen(out) - 1);
    }
    rc = SQLMoreResults(st);
    if (rc == SQL_NO_DATA) break;
    CHECK(OK(rc), "more results", SQL_HANDLE_STMT, st);
  }
}

static void expect_results(SQLHSTMT st, const char *what, const char *want) {
  char got[1024];
  read_results(st, got, sizeof got);
  if (strcmp(got, want) != 0) {
    fprintf(stderr, "FAIL %s: got '%s', want '%s'\n", what, got, want);
    exit(1);
  }
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  SQLHENV env;
  SQLHDBC dbc;
  connect_or_exit(argv[1], SQL_OV_ODBC3, &env, &dbc);
  SQLHSTMT st = stmt_on(dbc);
  exec(st, "DROP TABLE IF EXISTS array_returning");
  exec(st, "CREATE TABLE array_returning (id serial PRIMARY KEY, v text)");

  char values[SETS][8] = {"one", "two", "three"};
  SQLLEN ind[SETS] = {SQL_NTS, SQL_NTS, SQL_NTS};
  SQLUSMALLINT status[SETS];
  SQLULEN processed = 0;
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_PARAM_BIND_TYPE, SQL_PARAM_BIND_BY_COLUMN, 0)), "bind type", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)SETS, 0)), "paramset size", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_PARAM_STATUS_PTR, status, 0)), "status ptr", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_PARAMS_PROCESSED_PTR, &processed, 0)), "processed ptr", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 8, 0, values, 8, ind)),
        "bind", SQL_HANDLE_STMT, st);

  CHECK(OK(SQLExecDirect(st, (SQLCHAR *)"INSERT INTO array_returning (v) VALUES (?) RETURNING id, v", SQL_NTS)),
        "insert returning", SQL_HANDLE_STMT, st);
  if (processed != SETS || status[0] != SQL_PARAM_SUCCESS || status[2] != SQL_PARAM_SUCCESS) {
    fprintf(stderr, "FAIL processed %lu, status %d %d %d\n", (unsigned long)processed, status[0], status[1], status[2]);
    exit(1);
  }
  SQLLEN count = -7;
  CHECK(OK(SQLRowCount(st, &count)), "row count", SQL_HANDLE_STMT, st);
  if (count != 1) {
    fprintf(stderr, "FAIL SQLRowCount of the first set's result: %ld\n", (long)count);
    exit(1);
  }
  expect_results(st, "INSERT RETURNING", "1:one|2:two|3:three");
  printf("ok insert returning\n");

  /* A SELECT under the array: each set's rows. */
  CHECK(OK(SQLExecDirect(st, (SQLCHAR *)"SELECT id, v FROM array_returning WHERE v = ? OR id = 1 ORDER BY id", SQL_NTS)),
        "select", SQL_HANDLE_STMT, st);
  expect_results(st, "SELECT", "1:one|1:one,2:two|1:one,3:three");
  printf("ok select\n");

  SQLFreeStmt(st, SQL_RESET_PARAMS);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)1, 0)), "paramset size 1", SQL_HANDLE_STMT, st);
  exec(st, "DROP TABLE array_returning");
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  disconnect_and_free(env, dbc);
  printf("all passed\n");
  return 0;
}
