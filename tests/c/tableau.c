/* Replays the ODBC call sequence of Tableau's generic ODBC connector and asserts the results:
 * SQLDriverConnectW; SQLPrepareW("SELECT * FROM t") described with SQLNumResultCols and
 * SQLDescribeColW before any execution (Tableau reads the metadata of its queries this way);
 * SQLExecute with SQL_C_WCHAR columns bound to a column-wise block cursor; and the SQLSTATEs
 * it shows users for bad credentials (28P01) and an unreachable server (08001), read with
 * SQLGetDiagRecW.
 * Usage: tableau "<connection string>" "<same, wrong password>" "<same, unreachable port>" */
/* A Unicode application: not even failure reports may call the ANSI entry points. */
#define CHECK_UNICODE_ONLY
#include "check.h"

static SQLHENV env;

static SQLHDBC connect_w(const char *cs, SQLRETURN *rc) {
  SQLHDBC dbc;
  CHECK(OK(SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc)), "alloc dbc", SQL_HANDLE_ENV, env);
  SQLSetConnectAttrW(dbc, SQL_ATTR_LOGIN_TIMEOUT, (SQLPOINTER)10, 0);
  *rc = SQLDriverConnectW(dbc, NULL, W(cs), SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT);
  return dbc;
}

#define ROWS 23
#define BLOCK 5
#define CAP 24 /* characters per WCHAR cell, NUL included */

static void run(SQLHDBC dbc) {
  SQLHSTMT st;
  CHECK(OK(SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st)), "alloc stmt", SQL_HANDLE_DBC, dbc);
  exec(st, "DROP TABLE IF EXISTS tab_t");
  exec(st, "CREATE TABLE tab_t (k int8 NOT NULL, city varchar(30), price numeric(8,2), day date)");
  exec(st,
         "INSERT INTO tab_t SELECT g, CASE WHEN g % 7 = 0 THEN NULL ELSE 'Città ' || g END, g * 1.25, "
         "DATE '2024-02-27' + g FROM generate_series(1, 23) AS g");
  SQLFreeHandle(SQL_HANDLE_STMT, st);

  /* Metadata of a prepared, never executed query. */
  CHECK(OK(SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st)), "alloc stmt", SQL_HANDLE_DBC, dbc);
  CHECK(OK(SQLPrepareW(st, W("SELECT * FROM tab_t"), SQL_NTS)), "SQLPrepareW", SQL_HANDLE_STMT, st);
  SQLSMALLINT cols = 0;
  CHECK(OK(SQLNumResultCols(st, &cols)) && cols == 4, "four columns before execution", SQL_HANDLE_STMT, st);
  struct { const char *name; SQLSMALLINT type; SQLULEN size; SQLSMALLINT digits; SQLSMALLINT nullable; } expect[] = {
    {"k", SQL_BIGINT, 19, 0, SQL_NO_NULLS},
    {"city", SQL_VARCHAR, 30, 0, SQL_NULLABLE},
    {"price", SQL_NUMERIC, 8, 2, SQL_NULLABLE},
    {"day", SQL_TYPE_DATE, 10, 0, SQL_NULLABLE},
  };
  for (SQLUSMALLINT c = 1; c <= 4; c++) {
    SQLWCHAR name[64];
    SQLSMALLINT name_len = -1, type = 0, digits = -1, nullable = -1;
    SQLULEN size = 0;
    CHECK(OK(SQLDescribeColW(st, c, name, 64, &name_len, &type, &size, &digits, &nullable)), "SQLDescribeColW before execute", SQL_HANDLE_STMT, st);
    char what[200];
    snprintf(what, sizeof what, "column %u: %s type %d size %lu digits %d nullable %d (the catalog says %d)", c, U8(name, -1), type,
             (unsigned long)size, digits, nullable, expect[c - 1].nullable);
    printf("  %s\n", what);
    CHECK(strcmp(U8(name, -1), expect[c - 1].name) == 0 && name_len == (SQLSMALLINT)strlen(expect[c - 1].name), what, SQL_HANDLE_STMT, st);
    CHECK(type == expect[c - 1].type || (c == 2 && type == SQL_WVARCHAR), what, SQL_HANDLE_STMT, st);
    CHECK(size == expect[c - 1].size && digits == expect[c - 1].digits, what, SQL_HANDLE_STMT, st);
    /* `expect[].nullable` is what the catalog says (k is NOT NULL), as psqlODBC reports it. */
    CHECK(nullable == expect[c - 1].nullable, what, SQL_HANDLE_STMT, st);
  }
  printf("ok describe before execute\n");

  /* Execute, then fetch blocks of 5 rows into SQL_C_WCHAR arrays (column-wise). */
  CHECK(OK(SQLExecute(st)), "SQLExecute", SQL_HANDLE_STMT, st);
  static SQLWCHAR data[4][BLOCK][CAP];
  static SQLLEN ind[4][BLOCK];
  SQLUSMALLINT status[BLOCK];
  SQLULEN fetched = 0;
  CHECK(OK(SQLSetStmtAttrW(st, SQL_ATTR_ROW_BIND_TYPE, (SQLPOINTER)SQL_BIND_BY_COLUMN, 0)), "column-wise", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttrW(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)BLOCK, 0)), "row array size", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttrW(st, SQL_ATTR_ROW_STATUS_PTR, status, 0)), "row status", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttrW(st, SQL_ATTR_ROWS_FETCHED_PTR, &fetched, 0)), "rows fetched", SQL_HANDLE_STMT, st);
  for (SQLUSMALLINT c = 1; c <= 4; c++)
    CHECK(OK(SQLBindCol(st, c, SQL_C_WCHAR, data[c - 1], CAP * sizeof(SQLWCHAR), ind[c - 1])), "bind WCHAR", SQL_HANDLE_STMT, st);
  int seen = 0, blocks = 0;
  SQLRETURN rc;
  while ((rc = SQLFetch(st)) == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO) {
    blocks++;
    CHECK(fetched == (SQLULEN)(seen + BLOCK <= ROWS ? BLOCK : ROWS - seen), "rows per block", SQL_HANDLE_STMT, st);
    for (SQLULEN r = 0; r < BLOCK; r++) {
      if (r >= fetched) {
        CHECK(status[r] == SQL_ROW_NOROW, "unused rows of the last block", SQL_HANDLE_STMT, st);
        continue;
      }
      int g = seen + 1;
      char want[64], what[200];
      CHECK(status[r] == SQL_ROW_SUCCESS, "row status", SQL_HANDLE_STMT, st);
      snprintf(want, sizeof want, "%d", g);
      snprintf(what, sizeof what, "row %d k=%s", g, U8(data[0][r], -1));
      CHECK(strcmp(U8(data[0][r], -1), want) == 0 && ind[0][r] == (SQLLEN)(strlen(want) * sizeof(SQLWCHAR)), what, SQL_HANDLE_STMT, st);
      if (g % 7 == 0) {
        CHECK(ind[1][r] == SQL_NULL_DATA, "NULL city", SQL_HANDLE_STMT, st);
      } else {
        snprintf(want, sizeof want, "Città %d", g);
        snprintf(what, sizeof what, "row %d city=%s", g, U8(data[1][r], -1));
        CHECK(strcmp(U8(data[1][r], -1), want) == 0, what, SQL_HANDLE_STMT, st);
        /* The indicator counts UTF-16 bytes: one unit per character here. */
        CHECK(ind[1][r] == (SQLLEN)((strlen(want) - 1) * sizeof(SQLWCHAR)), "WCHAR length in bytes", SQL_HANDLE_STMT, st);
      }
      snprintf(want, sizeof want, "%d.%02d", g * 125 / 100, g * 125 % 100);
      snprintf(what, sizeof what, "row %d price=%s want %s", g, U8(data[2][r], -1), want);
      CHECK(strcmp(U8(data[2][r], -1), want) == 0, what, SQL_HANDLE_STMT, st);
      CHECK(ind[3][r] == 20 && U8(data[3][r], -1)[4] == '-', "date as WCHAR", SQL_HANDLE_STMT, st);
      seen++;
    }
  }
  CHECK(rc == SQL_NO_DATA && seen == ROWS && blocks == (ROWS + BLOCK - 1) / BLOCK, "every row in blocks", SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  CHECK(OK(SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st)), "alloc stmt", SQL_HANDLE_DBC, dbc);
  exec(st, "DROP TABLE tab_t");
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok block fetch into WCHAR (%d rows in %d blocks)\n", seen, blocks);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: tableau GOOD BAD-PASSWORD UNREACHABLE\n");
    return 2;
  }
  CHECK(OK(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env)), "alloc env", SQL_HANDLE_ENV, env);
  CHECK(OK(SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0)), "ODBC 3", SQL_HANDLE_ENV, env);

  SQLRETURN rc;
  SQLHDBC dbc = connect_w(argv[1], &rc);
  CHECK(OK(rc), "SQLDriverConnectW", SQL_HANDLE_DBC, dbc);
  printf("ok connect\n");
  run(dbc);
  SQLDisconnect(dbc);
  SQLFreeHandle(SQL_HANDLE_DBC, dbc);

  /* Wrong password: 28P01 (invalid_password), which Tableau shows as a credentials problem. */
  dbc = connect_w(argv[2], &rc);
  CHECK(rc == SQL_ERROR, "a wrong password fails", SQL_HANDLE_DBC, dbc);
  const char *state = first_state(SQL_HANDLE_DBC, dbc);
  CHECK(strcmp(state, "28P01") == 0, "wrong password is 28P01", SQL_HANDLE_DBC, dbc);
  SQLFreeHandle(SQL_HANDLE_DBC, dbc);
  printf("ok bad password -> 28P01\n");

  /* Nothing listens: 08001, not a hang. */
  dbc = connect_w(argv[3], &rc);
  CHECK(rc == SQL_ERROR, "an unreachable server fails", SQL_HANDLE_DBC, dbc);
  state = first_state(SQL_HANDLE_DBC, dbc);
  CHECK(strcmp(state, "08001") == 0, "unreachable server is 08001", SQL_HANDLE_DBC, dbc);
  SQLFreeHandle(SQL_HANDLE_DBC, dbc);
  printf("ok unreachable -> 08001\n");

  SQLFreeHandle(SQL_HANDLE_ENV, env);
  printf("all passed\n");
  return 0;
}
