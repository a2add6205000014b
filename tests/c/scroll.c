/* Scrollable static cursors through unixODBC: SQLFetchScroll in every orientation, the
 * before-start/after-end rules, partial rowsets, SQL_ATTR_ROW_NUMBER, SQLGetData on the
 * current row, SQLRowCount, cursor-type degradation, and SQLExtendedFetch for ODBC 2.
 * Usage: scroll "<connection string>"
 * Prints one line per check group; exits 1 at the first failure with the diagnostics. */
#include "check.h"

static SQLHENV env;
static SQLHDBC dbc;

static void disconnect(void) {
  SQLDisconnect(dbc);
  SQLFreeHandle(SQL_HANDLE_DBC, dbc);
  SQLFreeHandle(SQL_HANDLE_ENV, env);
}

static const char *TEN = "SELECT n, 'row-' || n FROM generate_series(1, 10) AS n ORDER BY n";

static SQLHSTMT static_stmt(const char *sql) {
  SQLHSTMT st = stmt_on(dbc);
  SQLRETURN rc = SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_STATIC, 0);
  CHECK(rc == SQL_SUCCESS, "static cursor type accepted without warning", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS)), sql, SQL_HANDLE_STMT, st);
  return st;
}

static SQLULEN row_number(SQLHSTMT st) {
  SQLULEN n = 999;
  CHECK(OK(SQLGetStmtAttr(st, SQL_ATTR_ROW_NUMBER, &n, 0, NULL)), "row number", SQL_HANDLE_STMT, st);
  return n;
}

/* One-row rowsets: every orientation, the positions between, and GetData on the current row. */
static void test_single_rows(void) {
  SQLHSTMT st = static_stmt(TEN);
  SQLULEN type = 0;
  CHECK(OK(SQLGetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, &type, 0, NULL)) && type == SQL_CURSOR_STATIC, "cursor type reads back static", SQL_HANDLE_STMT, st);
  SQLULEN scrollable = 0;
  CHECK(OK(SQLGetStmtAttr(st, SQL_ATTR_CURSOR_SCROLLABLE, &scrollable, 0, NULL)) && scrollable == SQL_SCROLLABLE, "static is scrollable", SQL_HANDLE_STMT, st);
  SQLLEN count = -1;
  CHECK(OK(SQLRowCount(st, &count)) && count == 10, "row count of the whole result", SQL_HANDLE_STMT, st);
  SQLINTEGER n = 0;
  SQLLEN ind = 0;
  CHECK(OK(SQLBindCol(st, 1, SQL_C_SLONG, &n, 0, &ind)), "bind", SQL_HANDLE_STMT, st);

  struct { SQLSMALLINT orientation; SQLLEN offset; SQLRETURN rc; SQLINTEGER row; } steps[] = {
    {SQL_FETCH_FIRST, 0, SQL_SUCCESS, 1},
    {SQL_FETCH_NEXT, 0, SQL_SUCCESS, 2},
    {SQL_FETCH_LAST, 0, SQL_SUCCESS, 10},
    {SQL_FETCH_PRIOR, 0, SQL_SUCCESS, 9},
    {SQL_FETCH_ABSOLUTE, 4, SQL_SUCCESS, 4},
    {SQL_FETCH_ABSOLUTE, -1, SQL_SUCCESS, 10},
    {SQL_FETCH_ABSOLUTE, -3, SQL_SUCCESS, 8},
    {SQL_FETCH_RELATIVE, -2, SQL_SUCCESS, 6},
    {SQL_FETCH_RELATIVE, 3, SQL_SUCCESS, 9},
    {SQL_FETCH_RELATIVE, 0, SQL_SUCCESS, 9},
    {SQL_FETCH_NEXT, 0, SQL_SUCCESS, 10},
    {SQL_FETCH_NEXT, 0, SQL_NO_DATA, 0},      /* after the end */
    {SQL_FETCH_NEXT, 0, SQL_NO_DATA, 0},      /* stays after the end */
    {SQL_FETCH_PRIOR, 0, SQL_SUCCESS, 10},    /* back from after the end: the last row */
    {SQL_FETCH_ABSOLUTE, 0, SQL_NO_DATA, 0},  /* before the start */
    {SQL_FETCH_PRIOR, 0, SQL_NO_DATA, 0},     /* stays before the start */
    {SQL_FETCH_NEXT, 0, SQL_SUCCESS, 1},      /* from before the start: the first row */
    {SQL_FETCH_PRIOR, 0, SQL_NO_DATA, 0},     /* from row 1: before the start */
    {SQL_FETCH_RELATIVE, 3, SQL_SUCCESS, 3},  /* relative from before the start = absolute */
    {SQL_FETCH_ABSOLUTE, 11, SQL_NO_DATA, 0}, /* past the end */
    {SQL_FETCH_RELATIVE, -1, SQL_SUCCESS, 10},/* relative back from after the end */
    {SQL_FETCH_ABSOLUTE, -10, SQL_SUCCESS, 1},
    {SQL_FETCH_ABSOLUTE, -11, SQL_NO_DATA, 0},
  };
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
    n = -1;
    SQLRETURN rc = SQLFetchScroll(st, steps[i].orientation, steps[i].offset);
    char what[128];
    snprintf(what, sizeof what, "step %zu: orientation %d offset %ld returned %d, row %d", i, steps[i].orientation, (long)steps[i].offset, rc, n);
    CHECK(rc == steps[i].rc, what, SQL_HANDLE_STMT, st);
    if (rc == SQL_SUCCESS) {
      CHECK(n == steps[i].row, what, SQL_HANDLE_STMT, st);
      CHECK(row_number(st) == (SQLULEN)steps[i].row, "row number is the current row", SQL_HANDLE_STMT, st);
    }
    /* Off the rows the driver manager itself answers SQL_ATTR_ROW_NUMBER with 24000. */
  }
  /* SQLGetData reads the current row. */
  CHECK(OK(SQLFetchScroll(st, SQL_FETCH_ABSOLUTE, 7)), "absolute 7", SQL_HANDLE_STMT, st);
  char text[32];
  CHECK(OK(SQLGetData(st, 2, SQL_C_CHAR, text, sizeof text, &ind)) && strcmp(text, "row-7") == 0, "GetData on row 7", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFetchScroll(st, SQL_FETCH_PRIOR, 0)), "prior", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetData(st, 2, SQL_C_CHAR, text, sizeof text, &ind)) && strcmp(text, "row-6") == 0, "GetData on row 6", SQL_HANDLE_STMT, st);
  /* Bookmarks are not offered. */
  CHECK(SQLFetchScroll(st, SQL_FETCH_BOOKMARK, 0) == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, st), "HY106") == 0,
        "bookmark fetch without bookmarks: HY106", SQL_HANDLE_STMT, st);
  /* The cursor type cannot change while the cursor is open. */
  CHECK(SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_FORWARD_ONLY, 0) == SQL_ERROR, "cursor type locked while open", SQL_HANDLE_STMT, st);
  CHECK(strcmp(first_state(SQL_HANDLE_STMT, st), "24000") == 0, "24000 while open", SQL_HANDLE_STMT, st);
  /* Plain SQLFetch walks a static cursor forward from wherever it stands. */
  CHECK(OK(SQLFetchScroll(st, SQL_FETCH_ABSOLUTE, 8)), "absolute 8", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFetch(st)) && n == 9, "fetch after absolute", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFetch(st)) && n == 10, "fetch to the end", SQL_HANDLE_STMT, st);
  CHECK(SQLFetch(st) == SQL_NO_DATA, "fetch past the end", SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok single-row scrolling\n");
}

/* Block cursor of 4 rows: partial rowsets, row status, the 01S06 rule. */
static void test_blocks(void) {
  SQLHSTMT st = stmt_on(dbc);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_CURSOR_SCROLLABLE, (SQLPOINTER)SQL_SCROLLABLE, 0)), "scrollable", SQL_HANDLE_STMT, st);
  SQLULEN type = 0;
  CHECK(OK(SQLGetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, &type, 0, NULL)) && type == SQL_CURSOR_STATIC, "scrollable means static", SQL_HANDLE_STMT, st);
  SQLINTEGER ns[4];
  SQLLEN inds[4];
  SQLUSMALLINT status[4];
  SQLULEN fetched = 0;
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)4, 0)), "array size", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_ROW_STATUS_PTR, status, 0)), "status ptr", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_ROWS_FETCHED_PTR, &fetched, 0)), "fetched ptr", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLExecDirect(st, (SQLCHAR *)TEN, SQL_NTS)), "execute", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindCol(st, 1, SQL_C_SLONG, ns, 0, inds)), "bind", SQL_HANDLE_STMT, st);

  struct { SQLSMALLINT orientation; SQLLEN offset; SQLRETURN rc; SQLULEN rows; SQLINTEGER first; const char *state; } steps[] = {
    {SQL_FETCH_FIRST, 0, SQL_SUCCESS, 4, 1, ""},
    {SQL_FETCH_NEXT, 0, SQL_SUCCESS, 4, 5, ""},
    {SQL_FETCH_NEXT, 0, SQL_SUCCESS, 2, 9, ""},   /* partial rowset: rows 9 and 10 */
    {SQL_FETCH_NEXT, 0, SQL_NO_DATA, 0, 0, ""},
    {SQL_FETCH_PRIOR, 0, SQL_SUCCESS, 4, 7, ""},  /* from after the end: the last full rowset */
    {SQL_FETCH_ABSOLUTE, 2, SQL_SUCCESS, 4, 2, ""},
    {SQL_FETCH_PRIOR, 0, SQL_SUCCESS_WITH_INFO, 4, 1, "01S06"}, /* would start before row 1 */
    {SQL_FETCH_LAST, 0, SQL_SUCCESS, 4, 7, ""},
    {SQL_FETCH_RELATIVE, -1, SQL_SUCCESS, 4, 6, ""},
    {SQL_FETCH_ABSOLUTE, -2, SQL_SUCCESS, 2, 9, ""},
    {SQL_FETCH_ABSOLUTE, -12, SQL_NO_DATA, 0, 0, ""}, /* |offset| beyond rows and rowset */
  };
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
    memset(ns, 0, sizeof ns);
    for (int k = 0; k < 4; k++) status[k] = 99;
    fetched = 99;
    SQLRETURN rc = SQLFetchScroll(st, steps[i].orientation, steps[i].offset);
    char what[160];
    snprintf(what, sizeof what, "block step %zu: orientation %d offset %ld returned %d, %lu rows from %d", i, steps[i].orientation,
             (long)steps[i].offset, rc, (unsigned long)fetched, ns[0]);
    CHECK(rc == steps[i].rc && fetched == steps[i].rows, what, SQL_HANDLE_STMT, st);
    if (steps[i].state[0]) CHECK(strcmp(first_state(SQL_HANDLE_STMT, st), steps[i].state) == 0, what, SQL_HANDLE_STMT, st);
    for (SQLULEN k = 0; k < 4; k++) {
      if (k < steps[i].rows) {
        CHECK(status[k] == SQL_ROW_SUCCESS && ns[k] == steps[i].first + (SQLINTEGER)k, what, SQL_HANDLE_STMT, st);
      } else {
        CHECK(status[k] == SQL_ROW_NOROW, "rows past a partial rowset are SQL_ROW_NOROW", SQL_HANDLE_STMT, st);
      }
    }
  }
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok block scrolling\n");
}

/* Keyset-driven is kept; dynamic becomes keyset-driven with 01S02; a SELECT that is not one
 * table's rows gets a static cursor (01S02 at execution); forward-only refuses scrolling;
 * limits. */
static void test_cursor_types(void) {
  SQLHSTMT st = stmt_on(dbc);
  SQLRETURN rc = SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_KEYSET_DRIVEN, 0);
  CHECK(rc == SQL_SUCCESS, "keyset-driven is accepted", SQL_HANDLE_STMT, st);
  SQLULEN type = 0;
  CHECK(OK(SQLGetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, &type, 0, NULL)) && type == SQL_CURSOR_KEYSET_DRIVEN, "keyset kept", SQL_HANDLE_STMT, st);
  rc = SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_DYNAMIC, 0);
  CHECK(rc == SQL_SUCCESS_WITH_INFO && strcmp(first_state(SQL_HANDLE_STMT, st), "01S02") == 0, "dynamic degrades with 01S02", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, &type, 0, NULL)) && type == SQL_CURSOR_KEYSET_DRIVEN, "dynamic became keyset-driven", SQL_HANDLE_STMT, st);
  rc = SQLExecDirect(st, (SQLCHAR *)TEN, SQL_NTS);
  CHECK(rc == SQL_SUCCESS_WITH_INFO && strcmp(first_state(SQL_HANDLE_STMT, st), "01S02") == 0, "generate_series gets a static cursor", SQL_HANDLE_STMT, st);
  SQLINTEGER n = 0;
  SQLLEN ind;
  CHECK(OK(SQLBindCol(st, 1, SQL_C_SLONG, &n, 0, &ind)), "bind", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFetchScroll(st, SQL_FETCH_LAST, 0)) && n == 10, "last on a degraded cursor", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLCloseCursor(st)), "close", SQL_HANDLE_STMT, st);

  /* SQL_ATTR_MAX_ROWS bounds what a static cursor holds. */
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_MAX_ROWS, (SQLPOINTER)3, 0)), "max rows", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLExecDirect(st, (SQLCHAR *)TEN, SQL_NTS)), "execute with max rows", SQL_HANDLE_STMT, st);
  SQLLEN count = -1;
  CHECK(OK(SQLRowCount(st, &count)) && count == 3, "row count honours max rows", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFetchScroll(st, SQL_FETCH_LAST, 0)) && n == 3, "last under max rows", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLCloseCursor(st)), "close", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_MAX_ROWS, (SQLPOINTER)0, 0)), "max rows off", SQL_HANDLE_STMT, st);

  /* An empty static result: nothing to scroll to. */
  CHECK(OK(SQLExecDirect(st, (SQLCHAR *)"SELECT 1 WHERE false", SQL_NTS)), "empty", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLRowCount(st, &count)) && count == 0, "empty row count", SQL_HANDLE_STMT, st);
  CHECK(SQLFetchScroll(st, SQL_FETCH_FIRST, 0) == SQL_NO_DATA, "first of empty", SQL_HANDLE_STMT, st);
  CHECK(SQLFetchScroll(st, SQL_FETCH_LAST, 0) == SQL_NO_DATA, "last of empty", SQL_HANDLE_STMT, st);
  CHECK(SQLFetchScroll(st, SQL_FETCH_ABSOLUTE, -1) == SQL_NO_DATA, "absolute -1 of empty", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLCloseCursor(st)), "close", SQL_HANDLE_STMT, st);

  /* A prepared statement re-executes into a fresh static cursor. */
  CHECK(OK(SQLPrepare(st, (SQLCHAR *)"SELECT n FROM generate_series(1, ?) AS n", SQL_NTS)), "prepare", SQL_HANDLE_STMT, st);
  SQLINTEGER upto = 5;
  CHECK(OK(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &upto, 0, NULL)), "bind parameter", SQL_HANDLE_STMT, st);
  for (int round = 0; round < 2; round++) {
    CHECK(OK(SQLExecute(st)), "execute prepared", SQL_HANDLE_STMT, st);
    CHECK(OK(SQLFetchScroll(st, SQL_FETCH_LAST, 0)) && n == upto, "last of prepared", SQL_HANDLE_STMT, st);
    CHECK(OK(SQLFetchScroll(st, SQL_FETCH_FIRST, 0)) && n == 1, "first of prepared", SQL_HANDLE_STMT, st);
    CHECK(OK(SQLCloseCursor(st)), "close", SQL_HANDLE_STMT, st);
    upto = 7;
  }
  SQLFreeHandle(SQL_HANDLE_STMT, st);

  /* Forward-only (the default) streams, and refuses to scroll. */
  st = stmt_on(dbc);
  CHECK(OK(SQLExecDirect(st, (SQLCHAR *)TEN, SQL_NTS)), "forward-only execute", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, &type, 0, NULL)) && type == SQL_CURSOR_FORWARD_ONLY, "default forward-only", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindCol(st, 1, SQL_C_SLONG, &n, 0, &ind)), "bind", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFetchScroll(st, SQL_FETCH_NEXT, 0)) && n == 1, "next on forward-only", SQL_HANDLE_STMT, st);
  CHECK(row_number(st) == 1, "row number on forward-only", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFetch(st)) && n == 2 && row_number(st) == 2, "row number advances", SQL_HANDLE_STMT, st);
  rc = SQLFetchScroll(st, SQL_FETCH_PRIOR, 0);
  CHECK(rc == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, st), "HY106") == 0, "prior on forward-only is HY106", SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok cursor types\n");
}

/* An ODBC 2 application: SQLSetStmtOption + SQLExtendedFetch with the same orientations. */
static void test_extended_fetch(const char *cs) {
  connect_or_exit(cs, SQL_OV_ODBC2, &env, &dbc);
  SQLHSTMT st = stmt_on(dbc);
  CHECK(OK(SQLSetStmtOption(st, SQL_CURSOR_TYPE, SQL_CURSOR_STATIC)), "ODBC 2 cursor type", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtOption(st, SQL_ROWSET_SIZE, 3)), "ODBC 2 rowset size", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLExecDirect(st, (SQLCHAR *)TEN, SQL_NTS)), "execute", SQL_HANDLE_STMT, st);
  SQLINTEGER ns[3];
  SQLLEN inds[3];
  CHECK(OK(SQLBindCol(st, 1, SQL_C_SLONG, ns, 0, inds)), "bind", SQL_HANDLE_STMT, st);
  SQLULEN rows = 0;
  SQLUSMALLINT status[3];
  struct { SQLUSMALLINT orientation; SQLLEN offset; SQLRETURN rc; SQLULEN rows; SQLINTEGER first; } steps[] = {
    {SQL_FETCH_NEXT, 0, SQL_SUCCESS, 3, 1},
    {SQL_FETCH_LAST, 0, SQL_SUCCESS, 3, 8},
    {SQL_FETCH_PRIOR, 0, SQL_SUCCESS, 3, 5},
    {SQL_FETCH_ABSOLUTE, -2, SQL_SUCCESS, 2, 9},
    {SQL_FETCH_RELATIVE, -4, SQL_SUCCESS, 3, 5},
    {SQL_FETCH_FIRST, 0, SQL_SUCCESS, 3, 1},
    {SQL_FETCH_PRIOR, 0, SQL_NO_DATA, 0, 0},
  };
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
    rows = 99;
    SQLRETURN rc = SQLExtendedFetch(st, steps[i].orientation, steps[i].offset, &rows, status);
    char what[160];
    snprintf(what, sizeof what, "extended step %zu: orientation %d returned %d, %lu rows from %d", i, steps[i].orientation, rc, (unsigned long)rows, ns[0]);
    CHECK(rc == steps[i].rc && rows == steps[i].rows, what, SQL_HANDLE_STMT, st);
    for (SQLULEN k = 0; k < steps[i].rows; k++)
      CHECK(status[k] == SQL_ROW_SUCCESS && ns[k] == steps[i].first + (SQLINTEGER)k, what, SQL_HANDLE_STMT, st);
  }
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  disconnect();
  printf("ok extended fetch\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: scroll CONNECTION-STRING\n");
    return 2;
  }
  connect_or_exit(argv[1], SQL_OV_ODBC3, &env, &dbc);
  test_single_rows();
  test_blocks();
  test_cursor_types();
  disconnect();
  test_extended_fetch(argv[1]);
  printf("all passed\n");
  return 0;
}
