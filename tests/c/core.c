/* Exercises the driver core through unixODBC the way a C application does.
 * Usage: core "<connection string>"
 * Prints one line per check; exits 1 at the first failure with the diagnostics. */
#include <time.h>

#include "check.h"

static SQLHENV env;
static SQLHDBC dbc;
static int failures;

static void test_info(void) {
  SQLCHAR buf[256];
  SQLSMALLINT len;
  CHECK(OK(SQLGetInfo(dbc, SQL_DBMS_NAME, buf, sizeof buf, &len)), "SQL_DBMS_NAME", SQL_HANDLE_DBC, dbc);
  CHECK(strcmp((char *)buf, "PostgreSQL") == 0 && len == 10, "DBMS name is PostgreSQL", SQL_HANDLE_DBC, dbc);
  CHECK(OK(SQLGetInfo(dbc, SQL_DRIVER_ODBC_VER, buf, sizeof buf, &len)), "SQL_DRIVER_ODBC_VER", SQL_HANDLE_DBC, dbc);
  CHECK(strcmp((char *)buf, "03.80") == 0, "driver ODBC version 03.80", SQL_HANDLE_DBC, dbc);
  /* A short buffer truncates with 01004 and reports the full length. */
  SQLRETURN rc = SQLGetInfo(dbc, SQL_DBMS_NAME, buf, 5, &len);
  CHECK(rc == SQL_SUCCESS_WITH_INFO && strcmp((char *)buf, "Post") == 0 && len == 10, "GetInfo truncation", SQL_HANDLE_DBC, dbc);
  CHECK(strcmp(first_state(SQL_HANDLE_DBC, dbc), "01004") == 0, "01004 on truncation", SQL_HANDLE_DBC, dbc);
  /* An unknown information type is HY096 (passed through by the driver manager). */
  rc = SQLGetInfo(dbc, 180, buf, sizeof buf, &len);
  CHECK(rc == SQL_ERROR && strcmp(first_state(SQL_HANDLE_DBC, dbc), "HY096") == 0, "unknown info type: HY096", SQL_HANDLE_DBC, dbc);
  SQLUSMALLINT funcs[SQL_API_ODBC3_ALL_FUNCTIONS_SIZE];
  CHECK(OK(SQLGetFunctions(dbc, SQL_API_ODBC3_ALL_FUNCTIONS, funcs)), "SQLGetFunctions", SQL_HANDLE_DBC, dbc);
  CHECK(SQL_FUNC_EXISTS(funcs, SQL_API_SQLFETCH) && SQL_FUNC_EXISTS(funcs, SQL_API_SQLBINDPARAMETER), "functions bitmap", SQL_HANDLE_DBC, dbc);
  printf("ok info\n");
}

static void test_prepare_describe(void) {
  SQLHSTMT st = stmt_on(dbc);
  CHECK(OK(SQLPrepare(st, (SQLCHAR *)"SELECT 1::int4 AS a, 'x'::varchar(20) AS b, 2.50::numeric(10,2) AS c, now() AS d", SQL_NTS)), "prepare", SQL_HANDLE_STMT, st);
  SQLSMALLINT cols;
  CHECK(OK(SQLNumResultCols(st, &cols)) && cols == 4, "columns before execute", SQL_HANDLE_STMT, st);
  SQLCHAR name[64];
  SQLSMALLINT name_len, type, digits, nullable;
  SQLULEN size;
  CHECK(OK(SQLDescribeCol(st, 2, name, sizeof name, &name_len, &type, &size, &digits, &nullable)), "describe col 2", SQL_HANDLE_STMT, st);
  CHECK(strcmp((char *)name, "b") == 0 && type == SQL_VARCHAR && size == 20, "varchar(20) described", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLDescribeCol(st, 3, name, sizeof name, &name_len, &type, &size, &digits, &nullable)), "describe col 3", SQL_HANDLE_STMT, st);
  CHECK(type == SQL_NUMERIC && size == 10 && digits == 2, "numeric(10,2) described", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLDescribeCol(st, 4, name, sizeof name, &name_len, &type, &size, &digits, &nullable)), "describe col 4", SQL_HANDLE_STMT, st);
  CHECK(type == SQL_TYPE_TIMESTAMP, "timestamptz described", SQL_HANDLE_STMT, st);
  CHECK(SQLDescribeCol(st, 9, name, sizeof name, &name_len, &type, &size, &digits, &nullable) == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, st), "07009") == 0, "07009 for a missing column", SQL_HANDLE_STMT, st);
  SQLLEN display = 0;
  CHECK(OK(SQLColAttribute(st, 1, SQL_DESC_DISPLAY_SIZE, NULL, 0, NULL, &display)) && display == 11, "display size of int4", SQL_HANDLE_STMT, st);
  SQLCHAR label[64];
  SQLSMALLINT label_len;
  CHECK(OK(SQLColAttribute(st, 3, SQL_DESC_LABEL, label, sizeof label, &label_len, NULL)) && strcmp((char *)label, "c") == 0, "label", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLExecute(st)), "execute prepared", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFetch(st)), "fetch", SQL_HANDLE_STMT, st);
  SQLINTEGER a;
  SQLLEN ind;
  CHECK(OK(SQLGetData(st, 1, SQL_C_SLONG, &a, 0, &ind)) && a == 1 && ind == 4, "int via SQLGetData", SQL_HANDLE_STMT, st);
  SQLCHAR c[32];
  CHECK(OK(SQLGetData(st, 3, SQL_C_CHAR, c, sizeof c, &ind)) && strcmp((char *)c, "2.50") == 0, "numeric exact as text", SQL_HANDLE_STMT, st);
  CHECK(SQLFetch(st) == SQL_NO_DATA, "end of result", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLCloseCursor(st)), "close cursor", SQL_HANDLE_STMT, st);
  CHECK(SQLCloseCursor(st) == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, st), "24000") == 0, "24000 closing twice", SQL_HANDLE_STMT, st);
  /* Re-execute the prepared statement. */
  CHECK(OK(SQLExecute(st)) && OK(SQLFetch(st)), "execute again", SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok prepare_describe\n");
}

static void test_params(void) {
  SQLHSTMT st = stmt_on(dbc);
  exec(st, "CREATE TEMP TABLE p (i2 int2, i4 int4, i8 int8, f8 float8, f4 float4, n numeric(20,6), t text, wt text, b bytea, bo bool, d date, tm time, ts timestamp, g uuid, nul int4)");
  CHECK(OK(SQLPrepare(st, (SQLCHAR *)"INSERT INTO p VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", SQL_NTS)), "prepare insert", SQL_HANDLE_STMT, st);
  SQLSMALLINT nparams;
  CHECK(OK(SQLNumParams(st, &nparams)) && nparams == 15, "SQLNumParams", SQL_HANDLE_STMT, st);
  SQLSMALLINT i2 = -12;
  SQLINTEGER i4 = 2147483647;
  SQLBIGINT i8 = -9000000000000000000LL;
  SQLDOUBLE f8 = 3.141592653589793;
  SQLREAL f4 = 1.5f;
  SQLCHAR n[] = "12345678901234.123456";
  SQLCHAR t[] = "plain 'quoted' text";
  SQLWCHAR wt[] = {'w', 0x00fc, 'r', 'z', 0};
  unsigned char b[] = {0, 1, 2, 0xfe, 0xff};
  unsigned char bo = 1;
  SQL_DATE_STRUCT d = {2024, 2, 29};
  SQL_TIME_STRUCT tm = {23, 59, 58};
  SQL_TIMESTAMP_STRUCT ts = {1999, 12, 31, 23, 59, 59, 123456000};
  SQLGUID g = {0x12345678, 0x9abc, 0xdef0, {1, 2, 3, 4, 5, 6, 7, 8}};
  SQLINTEGER nul = 0;
  SQLLEN nts = SQL_NTS, blen = sizeof b, null_ind = SQL_NULL_DATA, wlen = 8;
  int k = 1;
  SQLBindParameter(st, k++, SQL_PARAM_INPUT, SQL_C_SSHORT, SQL_SMALLINT, 0, 0, &i2, 0, NULL);
  SQLBindParameter(st, k++, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &i4, 0, NULL);
  SQLBindParameter(st, k++, SQL_PARAM_INPUT, SQL_C_SBIGINT, SQL_BIGINT, 0, 0, &i8, 0, NULL);
  SQLBindParameter(st, k++, SQL_PARAM_INPUT, SQL_C_DOUBLE, SQL_DOUBLE, 0, 0, &f8, 0, NULL);
  SQLBindParameter(st, k++, SQL_PARAM_INPUT, SQL_C_FLOAT, SQL_REAL, 0, 0, &f4, 0, NULL);
  SQLBindParameter(st, k++, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_NUMERIC, 20, 6, n, sizeof n, &nts);
  SQLBindParameter(st, k++, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 100, 0, t, sizeof t, &nts);
  SQLBindParameter(st, k++, SQL_PARAM_INPUT, SQL_C_WCHAR, SQL_WVARCHAR, 100, 0, wt, sizeof wt, &wlen);
  SQLBindParameter(st, k++, SQL_PARAM_INPUT, SQL_C_BINARY, SQL_VARBINARY, 100, 0, b, sizeof b, &blen);
  SQLBindParameter(st, k++, SQL_PARAM_INPUT, SQL_C_BIT, SQL_BIT, 0, 0, &bo, 0, NULL);
  SQLBindParameter(st, k++, SQL_PARAM_INPUT, SQL_C_TYPE_DATE, SQL_TYPE_DATE, 0, 0, &d, 0, NULL);
  SQLBindParameter(st, k++, SQL_PARAM_INPUT, SQL_C_TYPE_TIME, SQL_TYPE_TIME, 0, 0, &tm, 0, NULL);
  SQLBindParameter(st, k++, SQL_PARAM_INPUT, SQL_C_TYPE_TIMESTAMP, SQL_TYPE_TIMESTAMP, 26, 6, &ts, 0, NULL);
  SQLBindParameter(st, k++, SQL_PARAM_INPUT, SQL_C_GUID, SQL_GUID, 0, 0, &g, 0, NULL);
  SQLBindParameter(st, k++, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &nul, 0, &null_ind);
  CHECK(OK(SQLExecute(st)), "insert with parameters", SQL_HANDLE_STMT, st);
  SQLLEN rows;
  CHECK(OK(SQLRowCount(st, &rows)) && rows == 1, "row count 1", SQL_HANDLE_STMT, st);
  SQLFreeStmt(st, SQL_RESET_PARAMS);
  exec(st, "SELECT i2, i4, i8, f8, f4, n, t, wt, encode(b, 'hex'), bo, d, tm, ts, g, nul FROM p");
  CHECK(OK(SQLFetch(st)), "fetch inserted row", SQL_HANDLE_STMT, st);
  const char *expect[] = {"-12", "2147483647", "-9000000000000000000", "3.141592653589793", "1.5", "12345678901234.123456",
                          "plain 'quoted' text", "w\xc3\xbcrz", "000102feff", "1", "2024-02-29", "23:59:58",
                          "1999-12-31 23:59:59.123456", "12345678-9ABC-DEF0-0102-030405060708"};
  for (int col = 1; col <= 14; col++) {
    SQLCHAR out[128];
    SQLLEN ind;
    CHECK(OK(SQLGetData(st, col, SQL_C_CHAR, out, sizeof out, &ind)), "get column as text", SQL_HANDLE_STMT, st);
    if (strcmp((char *)out, expect[col - 1]) != 0) {
      fprintf(stderr, "FAIL column %d: got '%s' want '%s'\n", col, out, expect[col - 1]);
      exit(1);
    }
  }
  SQLINTEGER v;
  SQLLEN ind;
  CHECK(OK(SQLGetData(st, 15, SQL_C_SLONG, &v, 0, &ind)) && ind == SQL_NULL_DATA, "NULL parameter stored NULL", SQL_HANDLE_STMT, st);
  SQLCloseCursor(st);
  /* Typed reads: integers, doubles, dates, GUID and a numeric struct. */
  exec(st, "SELECT i8, f8, d, ts, g, n FROM p");
  CHECK(OK(SQLFetch(st)), "fetch typed", SQL_HANDLE_STMT, st);
  SQLBIGINT r8;
  SQLDOUBLE rf;
  SQL_DATE_STRUCT rd;
  SQL_TIMESTAMP_STRUCT rts;
  SQLGUID rg;
  CHECK(OK(SQLGetData(st, 1, SQL_C_SBIGINT, &r8, 0, &ind)) && r8 == i8, "bigint", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetData(st, 2, SQL_C_DOUBLE, &rf, 0, &ind)) && rf == f8, "double", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetData(st, 3, SQL_C_TYPE_DATE, &rd, 0, &ind)) && rd.year == 2024 && rd.month == 2 && rd.day == 29, "date struct", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetData(st, 4, SQL_C_TYPE_TIMESTAMP, &rts, 0, &ind)) && rts.second == 59 && rts.fraction == 123456000, "timestamp struct", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetData(st, 5, SQL_C_GUID, &rg, 0, &ind)) && memcmp(&rg, &g, sizeof g) == 0, "guid struct", SQL_HANDLE_STMT, st);
  SQLSMALLINT small;
  CHECK(SQLGetData(st, 6, SQL_C_SSHORT, &small, 0, &ind) == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, st), "22003") == 0, "22003 out of range", SQL_HANDLE_STMT, st);
  SQLCloseCursor(st);
  /* A value that is no number: 22018. */
  exec(st, "SELECT 'abc'::text");
  CHECK(OK(SQLFetch(st)), "fetch text", SQL_HANDLE_STMT, st);
  CHECK(SQLGetData(st, 1, SQL_C_SLONG, &v, 0, &ind) == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, st), "22018") == 0, "22018 bad cast", SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok params\n");
}

static void test_getdata_pieces(void) {
  SQLHSTMT st = stmt_on(dbc);
  exec(st, "SELECT repeat('abcdefghij', 100) AS t, decode(repeat('00ff', 300), 'hex') AS b");
  CHECK(OK(SQLFetch(st)), "fetch long", SQL_HANDLE_STMT, st);
  char piece[101];
  SQLLEN ind;
  int total = 0, calls = 0;
  SQLRETURN rc;
  while ((rc = SQLGetData(st, 1, SQL_C_CHAR, piece, sizeof piece, &ind)) != SQL_NO_DATA) {
    CHECK(OK(rc), "piece", SQL_HANDLE_STMT, st);
    if (rc == SQL_SUCCESS_WITH_INFO) CHECK(strcmp(first_state(SQL_HANDLE_STMT, st), "01004") == 0, "01004 on each piece", SQL_HANDLE_STMT, st);
    if (calls == 0) CHECK(ind == 1000, "first piece reports the full length", SQL_HANDLE_STMT, st);
    total += strlen(piece);
    calls++;
    CHECK(calls < 50, "pieces end", SQL_HANDLE_STMT, st);
  }
  CHECK(total == 1000 && calls == 10, "1000 chars in 10 pieces", SQL_HANDLE_STMT, st);
  unsigned char bin[256];
  int btotal = 0;
  while ((rc = SQLGetData(st, 2, SQL_C_BINARY, bin, sizeof bin, &ind)) != SQL_NO_DATA) {
    CHECK(OK(rc), "binary piece", SQL_HANDLE_STMT, st);
    btotal += (ind > (SQLLEN)sizeof bin || ind == SQL_NO_TOTAL) ? (int)sizeof bin : (int)ind;
  }
  CHECK(btotal == 600, "600 bytes of bytea in pieces", SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok getdata_pieces\n");
}

static void test_block_fetch(void) {
  SQLHSTMT st = stmt_on(dbc);
  /* Column-wise binding, 100 rows per fetch. */
  enum { N = 100 };
  SQLINTEGER ids[N];
  SQLLEN id_ind[N], name_ind[N];
  char names[N][6];
  SQLULEN fetched = 0;
  SQLUSMALLINT status[N];
  SQLSetStmtAttr(st, SQL_ATTR_ROW_BIND_TYPE, (SQLPOINTER)SQL_BIND_BY_COLUMN, 0);
  SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)N, 0);
  SQLSetStmtAttr(st, SQL_ATTR_ROWS_FETCHED_PTR, &fetched, 0);
  SQLSetStmtAttr(st, SQL_ATTR_ROW_STATUS_PTR, status, 0);
  exec(st, "SELECT g, 'name' || g FROM generate_series(1, 250) g");
  SQLBindCol(st, 1, SQL_C_SLONG, ids, 0, id_ind);
  SQLBindCol(st, 2, SQL_C_CHAR, names, sizeof names[0], name_ind);
  long sum = 0, rows = 0;
  int truncations = 0;
  SQLRETURN rc;
  while ((rc = SQLFetch(st)) != SQL_NO_DATA) {
    CHECK(OK(rc), "block fetch", SQL_HANDLE_STMT, st);
    for (SQLULEN r = 0; r < fetched; r++) {
      sum += ids[r];
      if (status[r] == SQL_ROW_SUCCESS_WITH_INFO) truncations++;
      char want[16];
      snprintf(want, sizeof want, "name%d", (int)ids[r]);
      CHECK(name_ind[r] == (SQLLEN)strlen(want), "full length in the indicator", SQL_HANDLE_STMT, st);
      CHECK(strncmp(names[r], want, 5) == 0 && strlen(names[r]) == (strlen(want) < 6 ? strlen(want) : 5), "name value (truncated to fit)", SQL_HANDLE_STMT, st);
    }
    rows += fetched;
  }
  if (rows != 250) fprintf(stderr, "rows=%ld sum=%ld\n", rows, sum);
  CHECK(rows == 250 && sum == 250 * 251 / 2, "250 rows in blocks", SQL_HANDLE_STMT, st);
  /* 'name10' and up do not fit in 6 bytes with the NUL: truncated, flagged per row. */
  CHECK(truncations == 241, "truncated rows flagged", SQL_HANDLE_STMT, st);
  SQLCloseCursor(st);
  SQLFreeStmt(st, SQL_UNBIND);

  /* Row-wise binding into an array of structs. */
  struct row { SQLINTEGER id; SQLLEN id_ind; char name[16]; SQLLEN name_ind; } buf[10];
  SQLSetStmtAttr(st, SQL_ATTR_ROW_BIND_TYPE, (SQLPOINTER)sizeof(struct row), 0);
  SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)10, 0);
  exec(st, "SELECT g, 'r' || g FROM generate_series(1, 15) g");
  SQLBindCol(st, 1, SQL_C_SLONG, &buf[0].id, 0, &buf[0].id_ind);
  SQLBindCol(st, 2, SQL_C_CHAR, buf[0].name, sizeof buf[0].name, &buf[0].name_ind);
  CHECK(OK(SQLFetch(st)) && fetched == 10 && buf[9].id == 10 && strcmp(buf[9].name, "r10") == 0 && buf[9].name_ind == 3, "row-wise block 1", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFetchScroll(st, SQL_FETCH_NEXT, 0)) && fetched == 5 && buf[4].id == 15 && status[5] == SQL_ROW_NOROW, "row-wise block 2", SQL_HANDLE_STMT, st);
  CHECK(SQLFetch(st) == SQL_NO_DATA, "row-wise end", SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok block_fetch\n");
}

static void test_interleaved_statements(void) {
  /* Two statements with open results on one connection, in any order. */
  SQLHSTMT a = stmt_on(dbc), b = stmt_on(dbc);
  exec(a, "SELECT g FROM generate_series(1, 20000) g");
  SQLINTEGER v;
  SQLLEN ind;
  for (int i = 1; i <= 10; i++) {
    CHECK(OK(SQLFetch(a)) && OK(SQLGetData(a, 1, SQL_C_SLONG, &v, 0, &ind)) && v == i, "first rows of a", SQL_HANDLE_STMT, a);
  }
  exec(b, "SELECT 'b'::text");
  CHECK(OK(SQLFetch(b)), "fetch b while a is open", SQL_HANDLE_STMT, b);
  long count = 10, last = 10;
  while (SQLFetch(a) == SQL_SUCCESS) {
    SQLGetData(a, 1, SQL_C_SLONG, &v, 0, &ind);
    CHECK(v == last + 1, "a continues in order", SQL_HANDLE_STMT, a);
    last = v;
    count++;
  }
  CHECK(count == 20000, "a delivered every row", SQL_HANDLE_STMT, a);
  SQLFreeHandle(SQL_HANDLE_STMT, a);
  SQLFreeHandle(SQL_HANDLE_STMT, b);
  printf("ok interleaved\n");
}

static void test_more_results(void) {
  SQLHSTMT st = stmt_on(dbc);
  exec(st, "SELECT 1; CREATE TEMP TABLE mr(x int); INSERT INTO mr VALUES (1),(2); SELECT 'last'");
  SQLSMALLINT cols;
  SQLLEN rows;
  CHECK(OK(SQLNumResultCols(st, &cols)) && cols == 1, "first result", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLMoreResults(st)), "second", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLNumResultCols(st, &cols)) && cols == 0, "DDL has no columns", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLMoreResults(st)) && OK(SQLRowCount(st, &rows)) && rows == 2, "insert count", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLMoreResults(st)) && OK(SQLFetch(st)), "last select", SQL_HANDLE_STMT, st);
  CHECK(SQLMoreResults(st) == SQL_NO_DATA, "no more results", SQL_HANDLE_STMT, st);
  /* An UPDATE that touches no rows: SQL_NO_DATA when executed first, but a result (with a row
   * count of 0) when SQLMoreResults reaches it; the batch goes on after it. */
  CHECK(SQLExecDirect(st, (SQLCHAR *)"UPDATE mr SET x = 0 WHERE x < 0; UPDATE mr SET x = 0 WHERE x < 0; SELECT 'after'", SQL_NTS) == SQL_NO_DATA,
        "first update touching no rows", SQL_HANDLE_STMT, st);
  CHECK(SQLMoreResults(st) == SQL_SUCCESS && OK(SQLRowCount(st, &rows)) && rows == 0, "second update is a result", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLMoreResults(st)) && OK(SQLFetch(st)), "select after the updates", SQL_HANDLE_STMT, st);
  CHECK(SQLMoreResults(st) == SQL_NO_DATA, "end of the batch", SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok more_results\n");
}

/* A batch runs whole when it is executed, whether or not the application calls
 * SQLMoreResults; its first error stops it and is the execute call's error. */
static long count_where(SQLHSTMT st, const char *sql) {
  SQLINTEGER n = -1;
  SQLLEN ind;
  exec(st, sql);
  CHECK(OK(SQLFetch(st)) && OK(SQLGetData(st, 1, SQL_C_SLONG, &n, 0, &ind)), sql, SQL_HANDLE_STMT, st);
  SQLCloseCursor(st);
  return n;
}

static void test_batch_runs_whole(void) {
  SQLHSTMT st = stmt_on(dbc), check = stmt_on(dbc);
  CHECK(SQLExecDirect(st, (SQLCHAR *)"CREATE TEMP TABLE ba(x int); CREATE TEMP TABLE bb(x int); INSERT INTO ba VALUES (1)", SQL_NTS) == SQL_SUCCESS,
        "DDL batch", SQL_HANDLE_STMT, st);
  /* No SQLMoreResults: the second table and the row are there all the same. */
  CHECK(count_where(check, "SELECT count(*)::int FROM ba WHERE x = 1") == 1, "the batch's INSERT ran", SQL_HANDLE_STMT, check);
  CHECK(count_where(check, "SELECT count(*)::int FROM bb") == 0, "the batch's second CREATE ran", SQL_HANDLE_STMT, check);
  SQLCloseCursor(st);
  /* A statement after a failed one does not run; autocommit makes the batch one transaction,
   * so the one before it is undone too (as in one simple-query message). */
  CHECK(SQLExecDirect(st, (SQLCHAR *)"INSERT INTO ba VALUES (2); SELECT 1/0; INSERT INTO ba VALUES (3)", SQL_NTS) == SQL_ERROR
        && strcmp(first_state(SQL_HANDLE_STMT, st), "22012") == 0, "division by zero is the execute's error", SQL_HANDLE_STMT, st);
  CHECK(count_where(check, "SELECT count(*)::int FROM ba WHERE x IN (2, 3)") == 0, "nothing after the error ran, nothing before it stayed", SQL_HANDLE_STMT, check);
  CHECK(SQLExecDirect(st, (SQLCHAR *)"SELECT 1; SELECT 1/0; SELECT 3", SQL_NTS) == SQL_ERROR
        && strcmp(first_state(SQL_HANDLE_STMT, st), "22012") == 0, "SELECT 1; SELECT 1/0; SELECT 3 fails", SQL_HANDLE_STMT, st);
  /* An error while the rows of a statement are produced counts the same. */
  CHECK(SQLExecDirect(st, (SQLCHAR *)"INSERT INTO ba VALUES (4); SELECT 1/(5 - g) FROM generate_series(1, 10000) g; INSERT INTO ba VALUES (5)", SQL_NTS) == SQL_ERROR
        && strcmp(first_state(SQL_HANDLE_STMT, st), "22012") == 0, "error in a later row of a batch", SQL_HANDLE_STMT, st);
  CHECK(count_where(check, "SELECT count(*)::int FROM ba WHERE x IN (4, 5)") == 0, "neither insert stayed", SQL_HANDLE_STMT, check);
  /* The handle works on after a failed batch, and a batch's results are walked in order. */
  exec(st, "SELECT 'one'; INSERT INTO ba VALUES (6), (7); SELECT x FROM ba ORDER BY x");
  char out[16];
  SQLLEN ind, rows;
  CHECK(OK(SQLFetch(st)) && OK(SQLGetData(st, 1, SQL_C_CHAR, out, sizeof out, &ind)) && strcmp(out, "one") == 0, "first result", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLMoreResults(st)) && OK(SQLRowCount(st, &rows)) && rows == 2, "insert count", SQL_HANDLE_STMT, st);
  SQLINTEGER v;
  long seen = 0;
  CHECK(OK(SQLMoreResults(st)), "third result", SQL_HANDLE_STMT, st);
  while (SQLFetch(st) == SQL_SUCCESS && OK(SQLGetData(st, 1, SQL_C_SLONG, &v, 0, &ind)))
    seen = seen * 10 + v;
  CHECK(seen == 167, "rows of the last result, with the insert before it", SQL_HANDLE_STMT, st);
  CHECK(SQLMoreResults(st) == SQL_NO_DATA, "end of the batch", SQL_HANDLE_STMT, st);
  /* Manual-commit mode: the error leaves the transaction for the application to end. */
  CHECK(OK(SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_OFF, 0)), "autocommit off", SQL_HANDLE_DBC, dbc);
  CHECK(SQLExecDirect(st, (SQLCHAR *)"INSERT INTO ba VALUES (8); SELECT 1/0; INSERT INTO ba VALUES (9)", SQL_NTS) == SQL_ERROR,
        "manual-commit batch fails", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_ROLLBACK)), "rollback", SQL_HANDLE_DBC, dbc);
  CHECK(OK(SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_ON, 0)), "autocommit on", SQL_HANDLE_DBC, dbc);
  CHECK(count_where(check, "SELECT count(*)::int FROM ba WHERE x IN (8, 9)") == 0, "manual-commit batch left nothing", SQL_HANDLE_STMT, check);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, check);
  printf("ok batch_runs_whole\n");
}

static void test_transactions(void) {
  SQLHSTMT st = stmt_on(dbc);
  exec(st, "CREATE TEMP TABLE tx (x int)");
  CHECK(OK(SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_OFF, 0)), "autocommit off", SQL_HANDLE_DBC, dbc);
  exec(st, "INSERT INTO tx VALUES (1)");
  CHECK(OK(SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_ROLLBACK)), "rollback", SQL_HANDLE_DBC, dbc);
  exec(st, "INSERT INTO tx VALUES (2)");
  CHECK(OK(SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_COMMIT)), "commit", SQL_HANDLE_DBC, dbc);
  CHECK(OK(SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_ON, 0)), "autocommit on", SQL_HANDLE_DBC, dbc);
  exec(st, "SELECT string_agg(x::text, ',') FROM tx");
  char out[32];
  SQLLEN ind;
  CHECK(OK(SQLFetch(st)) && OK(SQLGetData(st, 1, SQL_C_CHAR, out, sizeof out, &ind)) && strcmp(out, "2") == 0, "only the committed row", SQL_HANDLE_STMT, st);
  SQLCloseCursor(st);
  /* A statement prepared once runs inside each new transaction of manual-commit mode. */
  SQLHSTMT ps = stmt_on(dbc);
  SQLINTEGER value = 0;
  CHECK(OK(SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_OFF, 0)), "autocommit off again", SQL_HANDLE_DBC, dbc);
  CHECK(OK(SQLPrepare(ps, (SQLCHAR *)"INSERT INTO tx VALUES (?)", SQL_NTS)), "prepare insert", SQL_HANDLE_STMT, ps);
  SQLBindParameter(ps, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &value, 0, NULL);
  for (value = 3; value <= 6; value++) {
    CHECK(OK(SQLExecute(ps)), "execute prepared insert", SQL_HANDLE_STMT, ps);
    CHECK(OK(SQLEndTran(SQL_HANDLE_DBC, dbc, value % 2 == 0 ? SQL_COMMIT : SQL_ROLLBACK)), "end transaction", SQL_HANDLE_DBC, dbc);
  }
  SQLFreeHandle(SQL_HANDLE_STMT, ps);
  CHECK(OK(SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, (SQLPOINTER)SQL_AUTOCOMMIT_ON, 0)), "autocommit on again", SQL_HANDLE_DBC, dbc);
  exec(st, "SELECT string_agg(x::text, ',' ORDER BY x) FROM tx");
  CHECK(OK(SQLFetch(st)) && OK(SQLGetData(st, 1, SQL_C_CHAR, out, sizeof out, &ind)) && strcmp(out, "2,4,6") == 0, "rolled-back executions of a prepared statement left nothing", SQL_HANDLE_STMT, st);
  SQLCloseCursor(st);
  CHECK(OK(SQLSetConnectAttr(dbc, SQL_ATTR_TXN_ISOLATION, (SQLPOINTER)SQL_TXN_SERIALIZABLE, 0)), "isolation", SQL_HANDLE_DBC, dbc);
  exec(st, "SHOW transaction_isolation");
  CHECK(OK(SQLFetch(st)) && OK(SQLGetData(st, 1, SQL_C_CHAR, out, sizeof out, &ind)) && strcmp(out, "serializable") == 0, "serializable applied", SQL_HANDLE_STMT, st);
  SQLCloseCursor(st);
  CHECK(OK(SQLSetConnectAttr(dbc, SQL_ATTR_ACCESS_MODE, (SQLPOINTER)SQL_MODE_READ_ONLY, 0)), "read only", SQL_HANDLE_DBC, dbc);
  CHECK(SQLExecDirect(st, (SQLCHAR *)"CREATE TEMP TABLE ro (x int)", SQL_NTS) == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, st), "25006") == 0, "25006 in a read-only session", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetConnectAttr(dbc, SQL_ATTR_ACCESS_MODE, (SQLPOINTER)SQL_MODE_READ_WRITE, 0)), "read write", SQL_HANDLE_DBC, dbc);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok transactions\n");
}

static void test_diagnostics(void) {
  SQLHSTMT st = stmt_on(dbc);
  CHECK(SQLExecDirect(st, (SQLCHAR *)"SELEC broken", SQL_NTS) == SQL_ERROR, "syntax error fails", SQL_HANDLE_STMT, st);
  SQLINTEGER n = 0;
  CHECK(OK(SQLGetDiagField(SQL_HANDLE_STMT, st, 0, SQL_DIAG_NUMBER, &n, 0, NULL)) && n == 1, "one diag record", SQL_HANDLE_STMT, st);
  SQLCHAR state[6];
  SQLSMALLINT len;
  CHECK(OK(SQLGetDiagField(SQL_HANDLE_STMT, st, 1, SQL_DIAG_SQLSTATE, state, sizeof state, &len)) && strcmp((char *)state, "42601") == 0, "syntax error state", SQL_HANDLE_STMT, st);
  SQLCHAR msg[16];
  SQLINTEGER native;
  CHECK(SQLGetDiagRec(SQL_HANDLE_STMT, st, 1, state, &native, msg, sizeof msg, &len) == SQL_SUCCESS_WITH_INFO && len > 15, "short message buffer", SQL_HANDLE_STMT, st);
  CHECK(SQLGetDiagRec(SQL_HANDLE_STMT, st, 2, state, &native, msg, sizeof msg, &len) == SQL_NO_DATA, "no second record", SQL_HANDLE_STMT, st);
  /* Unique violation passes its state through. */
  exec(st, "CREATE TEMP TABLE u (x int primary key)");
  exec(st, "INSERT INTO u VALUES (1)");
  CHECK(SQLExecDirect(st, (SQLCHAR *)"INSERT INTO u VALUES (1)", SQL_NTS) == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, st), "23505") == 0, "23505", SQL_HANDLE_STMT, st);
  /* A sequence error: fetch without a result. */
  SQLHSTMT fresh = stmt_on(dbc);
  CHECK(SQLFetch(fresh) == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, fresh), "HY010") == 0, "fetch with no cursor", SQL_HANDLE_STMT, fresh);
  CHECK(SQLExecute(fresh) == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, fresh), "HY010") == 0, "execute without prepare", SQL_HANDLE_STMT, fresh);
  SQLFreeHandle(SQL_HANDLE_STMT, fresh);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok diagnostics\n");
}

/* INSERT statements run on the table pa since the last call, counted by a statement-level
 * trigger (see test_param_array); counting starts again at zero. */
static SQLINTEGER insert_statements(SQLHDBC conn) {
  SQLHSTMT aux = stmt_on(conn);
  SQLINTEGER n = -1;
  exec(aux, "SELECT n FROM pa_statements");
  CHECK(OK(SQLFetch(aux)) && OK(SQLGetData(aux, 1, SQL_C_SLONG, &n, 0, NULL)), "statements counted", SQL_HANDLE_STMT, aux);
  CHECK(OK(SQLCloseCursor(aux)), "close cursor", SQL_HANDLE_STMT, aux);
  exec(aux, "UPDATE pa_statements SET n = 0");
  SQLFreeHandle(SQL_HANDLE_STMT, aux);
  return n;
}

/* Column-wise parameter arrays of `sets` sets on `st`, with a status array and a count of the
 * sets processed. */
static void bind_param_arrays(SQLHSTMT st, SQLULEN sets, SQLUSMALLINT *status, SQLULEN *processed) {
  SQLSetStmtAttr(st, SQL_ATTR_PARAM_BIND_TYPE, (SQLPOINTER)SQL_PARAM_BIND_BY_COLUMN, 0);
  SQLSetStmtAttr(st, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)sets, 0);
  SQLSetStmtAttr(st, SQL_ATTR_PARAM_STATUS_PTR, status, 0);
  SQLSetStmtAttr(st, SQL_ATTR_PARAMS_PROCESSED_PTR, processed, 0);
}

/* A temporary one-row table `name` (n int) holding 0, for a trigger to count into. */
static void make_counter(SQLHSTMT st, const char *name) {
  char sql[200];
  snprintf(sql, sizeof sql, "CREATE TEMP TABLE %s (n int NOT NULL)", name);
  exec(st, sql);
  snprintf(sql, sizeof sql, "INSERT INTO %s VALUES (0)", name);
  exec(st, sql);
}

/* A parameter array with one failing set: its status says so, the others are applied. Then an
 * array that succeeds whole. Run on a plain connection and on one with rewrite_batched_inserts
 * (multi-row statements; a failure there falls back to set-by-set), with the same outcomes.
 * A trigger counts the INSERT statements the server runs, which tells the two apart: one per
 * set, or one per 1000 rows (the most a rewritten statement carries with two parameters). */
static void test_param_array(SQLHDBC conn, const char *label, int rewritten) {
  SQLHSTMT st = stmt_on(conn);
  exec(st, "CREATE TEMP TABLE pa (id int primary key, name text)");
  make_counter(st, "pa_statements");
  exec(st, "CREATE FUNCTION pg_temp.pa_count() RETURNS trigger LANGUAGE plpgsql AS "
           "'BEGIN UPDATE pa_statements SET n = n + 1; RETURN NULL; END'");
  exec(st, "CREATE TRIGGER pa_count AFTER INSERT ON pa FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.pa_count()");
  enum { N = 1000 };
  static SQLINTEGER ids[N];
  static char names[N][16];
  static SQLLEN name_len[N];
  SQLUSMALLINT status[N];
  SQLULEN processed = 0;
  for (int i = 0; i < N; i++) {
    ids[i] = i + 1;
    name_len[i] = snprintf(names[i], sizeof names[i], "row %d", i + 1);
  }
  ids[500] = 1; /* a duplicate key: only this set fails */
  bind_param_arrays(st, N, status, &processed);
  SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, ids, 0, NULL);
  SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 16, 0, names, sizeof names[0], name_len);
  SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)"INSERT INTO pa VALUES (?, ?)", SQL_NTS);
  CHECK(rc == SQL_SUCCESS_WITH_INFO, "array insert with one failing set", SQL_HANDLE_STMT, st);
  CHECK(processed == N && status[0] == SQL_PARAM_SUCCESS && status[500] == SQL_PARAM_ERROR && status[999] == SQL_PARAM_SUCCESS, "per-set status", SQL_HANDLE_STMT, st);
  CHECK(strcmp(first_state(SQL_HANDLE_STMT, st), "23505") == 0, "23505 for the failing set", SQL_HANDLE_STMT, st);
  SQLLEN rows;
  CHECK(OK(SQLRowCount(st, &rows)) && rows == N - 1, "rows inserted", SQL_HANDLE_STMT, st);
  for (int i = 0; i < N; i++) {
    ids[i] = N + i + 1;
    status[i] = 99;
  }
  (void)insert_statements(conn); /* the first array's are not compared: its failure falls back to set by set */
  rc = SQLExecDirect(st, (SQLCHAR *)"INSERT INTO pa VALUES (?, ?)", SQL_NTS);
  int all_ok = rc == SQL_SUCCESS && processed == N;
  for (int i = 0; i < N; i++) all_ok = all_ok && status[i] == SQL_PARAM_SUCCESS;
  CHECK(all_ok, "array insert where every set succeeds", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLRowCount(st, &rows)) && rows == N, "rows inserted by the whole array", SQL_HANDLE_STMT, st);
  SQLINTEGER statements = insert_statements(conn);
  printf("  %d INSERT statements for %d sets\n", (int)statements, N);
  CHECK(statements == (rewritten ? 1 : N), rewritten ? "one multi-row statement for the array" : "one statement per set",
        SQL_HANDLE_STMT, st);
  /* SQL_ATTR_PARAM_OPERATION_PTR: every third set is left out and marked unused. */
  static SQLUSMALLINT operation[N];
  int ignored = 0;
  for (int i = 0; i < N; i++) {
    ids[i] = 2 * N + i + 1;
    status[i] = 99;
    operation[i] = i % 3 == 0 ? SQL_PARAM_IGNORE : SQL_PARAM_PROCEED;
    ignored += i % 3 == 0;
  }
  SQLSetStmtAttr(st, SQL_ATTR_PARAM_OPERATION_PTR, operation, 0);
  rc = SQLExecDirect(st, (SQLCHAR *)"INSERT INTO pa VALUES (?, ?)", SQL_NTS);
  all_ok = rc == SQL_SUCCESS && processed == N;
  for (int i = 0; i < N; i++) all_ok = all_ok && status[i] == (i % 3 == 0 ? SQL_PARAM_UNUSED : SQL_PARAM_SUCCESS);
  CHECK(all_ok, "ignored sets are marked unused, the others succeed", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLRowCount(st, &rows)) && rows == N - ignored, "rows inserted without the ignored sets", SQL_HANDLE_STMT, st);
  statements = insert_statements(conn);
  printf("  %d INSERT statements for %d sets to run\n", (int)statements, N - ignored);
  CHECK(statements == (rewritten ? 1 : N - ignored), rewritten ? "one multi-row statement for the sets to run" : "one statement per set run",
        SQL_HANDLE_STMT, st);
  SQLSetStmtAttr(st, SQL_ATTR_PARAM_OPERATION_PTR, NULL, 0);
  SQLFreeStmt(st, SQL_RESET_PARAMS);
  SQLSetStmtAttr(st, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)1, 0);
  exec(st, "SELECT count(*), sum(id), count(*) FILTER (WHERE id > 2 * 1000 AND (id - 2 * 1000 - 1) % 3 = 0) FROM pa");
  SQLINTEGER count, sum, from_ignored;
  SQLLEN ind;
  CHECK(OK(SQLFetch(st)) && OK(SQLGetData(st, 1, SQL_C_SLONG, &count, 0, &ind)) && count == 3 * N - 1 - ignored &&
            OK(SQLGetData(st, 2, SQL_C_SLONG, &sum, 0, &ind)) && OK(SQLGetData(st, 3, SQL_C_SLONG, &from_ignored, 0, &ind)) &&
            from_ignored == 0,
        "table holds the inserted rows and none of the ignored sets", SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok param_array (%s)\n", label);
}

/* Text set i of test_param_array_values: quotes, backslashes (one at the end), SQL that must
 * stay text, UTF-8, and (with `wide`) enough bytes that an array of them is several messages. */
static int value_text(int i, int wide, char *out, size_t cap) {
  int n = snprintf(out, cap, "it's %d \\n O''Reilly $$ -- ; E'x' é \\", i);
  while (wide && n < 300 && (size_t)n + 1 < cap) out[n++] = (char)('a' + i % 26);
  out[n] = 0;
  return n;
}

/* The sets of `rows` (id, name) as the table holds them: each row's text equals value_text, a
 * NULL every seventh set. Returns how many rows differ or are missing. */
static int rows_differ(SQLHDBC conn, int first, int rows, int wide) {
  SQLHSTMT aux = stmt_on(conn);
  char sql[200];
  snprintf(sql, sizeof sql, "SELECT id, name FROM pv WHERE id >= %d AND id < %d ORDER BY id", first, first + rows);
  exec(aux, sql);
  int differ = 0, seen = 0;
  SQLINTEGER id;
  char got[512], want[512];
  SQLLEN ind;
  while (OK(SQLFetch(aux))) {
    SQLGetData(aux, 1, SQL_C_SLONG, &id, 0, NULL);
    SQLGetData(aux, 2, SQL_C_CHAR, got, sizeof got, &ind);
    int i = id - first;
    value_text(i, wide, want, sizeof want);
    if (i % 7 == 3 ? ind != SQL_NULL_DATA : (ind == SQL_NULL_DATA || strcmp(got, want) != 0)) differ++;
    seen++;
  }
  SQLFreeHandle(SQL_HANDLE_STMT, aux);
  return differ + (rows - seen);
}

/* Rows the per-row trigger of test_param_array_values counted since the last call. */
static SQLINTEGER triggered_rows(SQLHDBC conn) {
  SQLHSTMT aux = stmt_on(conn);
  SQLINTEGER n = -1;
  exec(aux, "SELECT n FROM pv_rows");
  CHECK(OK(SQLFetch(aux)) && OK(SQLGetData(aux, 1, SQL_C_SLONG, &n, 0, NULL)), "rows counted", SQL_HANDLE_STMT, aux);
  CHECK(OK(SQLCloseCursor(aux)), "close cursor", SQL_HANDLE_STMT, aux);
  exec(aux, "UPDATE pv_rows SET n = 0");
  SQLFreeHandle(SQL_HANDLE_STMT, aux);
  return n;
}

/* Autocommit arrays run as SQL EXECUTEs of the statement, many to a message: values that SQL
 * text must escape arrive unchanged, whatever standard_conforming_strings says; a per-row
 * trigger fires once per set; an array of several messages with a failing set in a later one
 * still reports exactly that set; a deferred constraint that fails at commit does too; an
 * UPDATE array counts every set's rows. */
static void test_param_array_values(SQLHDBC conn) {
  SQLHSTMT st = stmt_on(conn);
  exec(st, "CREATE TEMP TABLE pv (id int PRIMARY KEY, name text)");
  make_counter(st, "pv_rows");
  exec(st, "CREATE FUNCTION pg_temp.pv_count() RETURNS trigger LANGUAGE plpgsql AS "
           "'BEGIN UPDATE pv_rows SET n = n + 1; RETURN NULL; END'");
  exec(st, "CREATE TRIGGER pv_count AFTER INSERT ON pv FOR EACH ROW EXECUTE FUNCTION pg_temp.pv_count()");
  enum { N = 2000, CAP = 400 };
  static SQLINTEGER ids[N];
  static char names[N][CAP];
  static SQLLEN name_len[N];
  static SQLUSMALLINT status[N];
  SQLULEN processed = 0;
  bind_param_arrays(st, N, status, &processed);
  SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, ids, 0, NULL);
  SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, CAP, 0, names, CAP, name_len);
  CHECK(OK(SQLPrepare(st, (SQLCHAR *)"INSERT INTO pv VALUES (?, ?)", SQL_NTS)), "prepare array insert", SQL_HANDLE_STMT, st);
  SQLHSTMT aux = stmt_on(conn);
  /* Passes: standard strings, backslash strings, wide values (several messages) with set 1500
   * a duplicate of an earlier key. */
  for (int pass = 0; pass < 3; pass++) {
    int wide = pass == 2, first = 1 + pass * N;
    exec(aux, pass == 1 ? "SET standard_conforming_strings = off" : "SET standard_conforming_strings = on");
    for (int i = 0; i < N; i++) {
      ids[i] = first + i;
      name_len[i] = i % 7 == 3 ? SQL_NULL_DATA : value_text(i, wide, names[i], CAP);
      status[i] = 99;
    }
    if (wide) ids[1500] = first; /* a duplicate key: only this set fails */
    SQLRETURN rc = SQLExecute(st);
    int statuses_ok = processed == N;
    for (int i = 0; i < N; i++)
      statuses_ok = statuses_ok && status[i] == (wide && i == 1500 ? SQL_PARAM_ERROR : SQL_PARAM_SUCCESS);
    /* Before SQLRowCount, which clears the diagnostics. */
    if (wide)
      CHECK(strcmp(first_state(SQL_HANDLE_STMT, st), "23505") == 0, "23505 for the failing set", SQL_HANDLE_STMT, st);
    SQLLEN rows = -1;
    SQLRowCount(st, &rows);
    int expected = wide ? N - 1 : N;
    printf("  pass %d: rc %d, %ld rows\n", pass, (int)rc, (long)rows);
    CHECK(rc == (wide ? SQL_SUCCESS_WITH_INFO : SQL_SUCCESS) && statuses_ok && rows == expected,
          "array of escaped values: status and row count", SQL_HANDLE_STMT, st);
    CHECK(triggered_rows(conn) == expected, "the row trigger fired once per applied set", SQL_HANDLE_STMT, st);
    if (wide) ids[1500] = first + 1500;
    int differ = rows_differ(conn, first, N, wide);
    CHECK(differ == (wide ? 1 : 0), "every applied value arrived unchanged", SQL_HANDLE_STMT, st);
  }
  exec(aux, "SET standard_conforming_strings = on");
  /* The arrays ran as EXECUTEs of the statement's SQL-level twin. */
  exec(aux, "SELECT count(*) FROM pg_prepared_statements WHERE from_sql AND name LIKE 'auroraodbc\\_array\\_%' "
            "AND statement LIKE '%INSERT INTO pv VALUES%'");
  SQLINTEGER twins = -1;
  CHECK(OK(SQLFetch(aux)) && OK(SQLGetData(aux, 1, SQL_C_SLONG, &twins, 0, NULL)) && twins == 1,
        "one SQL-level twin prepared for the array statement", SQL_HANDLE_STMT, aux);
  SQLCloseCursor(aux);
  /* The application drops the twin: the next array still applies (set by set), and the one
   * after makes a new twin. */
  exec(aux, "SELECT name FROM pg_prepared_statements WHERE from_sql AND name LIKE 'auroraodbc\\_array\\_%' "
           "AND statement LIKE '%INSERT INTO pv VALUES%'");
  char twin[128], drop[200];
  CHECK(OK(SQLFetch(aux)) && OK(SQLGetData(aux, 1, SQL_C_CHAR, twin, sizeof twin, NULL)), "twin name", SQL_HANDLE_STMT, aux);
  SQLCloseCursor(aux);
  snprintf(drop, sizeof drop, "DEALLOCATE \"%s\"", twin);
  exec(aux, drop);
  for (int pass = 0; pass < 2; pass++) {
    for (int i = 0; i < N; i++) {
      ids[i] = 1 + (3 + pass) * N + i;
      name_len[i] = value_text(i, 0, names[i], CAP);
      status[i] = 99;
    }
    SQLRETURN rc = SQLExecute(st);
    SQLLEN rows = -1;
    CHECK(rc == SQL_SUCCESS && processed == N && status[N - 1] == SQL_PARAM_SUCCESS && OK(SQLRowCount(st, &rows)) && rows == N,
          "array after the twin was dropped", SQL_HANDLE_STMT, st);
  }
  exec(aux, "SELECT count(*) FROM pg_prepared_statements WHERE from_sql AND name LIKE 'auroraodbc\\_array\\_%' "
            "AND statement LIKE '%INSERT INTO pv VALUES%'");
  twins = -1;
  SQLFetch(aux);
  SQLGetData(aux, 1, SQL_C_SLONG, &twins, 0, NULL);
  CHECK(twins == 1, "a new twin after the dropped one", SQL_HANDLE_STMT, aux);
  SQLCloseCursor(aux);
  CHECK(triggered_rows(conn) == 2 * N, "dropped twin: the row trigger fired once per set", SQL_HANDLE_STMT, st);
  /* An UPDATE array: each set's rows counted. Set k updates the rows of the first pass with
   * id % 10 == k. */
  SQLFreeStmt(st, SQL_RESET_PARAMS);
  SQLSetStmtAttr(st, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)10, 0);
  for (int i = 0; i < 10; i++) ids[i] = i;
  SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, ids, 0, NULL);
  CHECK(OK(SQLExecDirect(st, (SQLCHAR *)"UPDATE pv SET name = name WHERE id <= 2000 AND id % 10 = ?", SQL_NTS)),
        "update array", SQL_HANDLE_STMT, st);
  SQLLEN rows = -1;
  CHECK(OK(SQLRowCount(st, &rows)) && rows == N, "update array counts every set's rows", SQL_HANDLE_STMT, st);
  /* A deferred unique constraint fails at commit: the set that breaks it is found. */
  exec(aux, "CREATE TEMP TABLE pd (k int UNIQUE DEFERRABLE INITIALLY DEFERRED)");
  SQLFreeStmt(st, SQL_RESET_PARAMS);
  for (int i = 0; i < 10; i++) {
    ids[i] = i == 6 ? 2 : i;
    status[i] = 99;
  }
  SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, ids, 0, NULL);
  SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)"INSERT INTO pd VALUES (?)", SQL_NTS);
  int statuses_ok = processed == 10;
  for (int i = 0; i < 10; i++) statuses_ok = statuses_ok && status[i] == (i == 6 ? SQL_PARAM_ERROR : SQL_PARAM_SUCCESS);
  CHECK(rc == SQL_SUCCESS_WITH_INFO && statuses_ok && OK(SQLRowCount(st, &rows)) && rows == 9,
        "deferred constraint: only the set that breaks it fails", SQL_HANDLE_STMT, st);
  /* A statement SQL PREPARE refuses (CALL): the array still applies, set by set, every set's
   * status says so, and no twin is left on the server. */
  exec(aux, "CREATE PROCEDURE pg_temp.pd_add(k int) LANGUAGE sql AS 'INSERT INTO pd VALUES (k + 100)'");
  for (int pass = 0; pass < 2; pass++) {
    for (int i = 0; i < 10; i++) {
      ids[i] = pass * 10 + i;
      status[i] = 99;
    }
    rc = SQLExecDirect(st, (SQLCHAR *)"CALL pg_temp.pd_add(?)", SQL_NTS);
    statuses_ok = processed == 10;
    for (int i = 0; i < 10; i++) statuses_ok = statuses_ok && status[i] == SQL_PARAM_SUCCESS;
    CHECK(rc == SQL_SUCCESS && statuses_ok, "array of a CALL, which PREPARE refuses", SQL_HANDLE_STMT, st);
  }
  exec(aux, "SELECT count(*) FROM pd WHERE k >= 100");
  SQLINTEGER called = -1;
  CHECK(OK(SQLFetch(aux)) && OK(SQLGetData(aux, 1, SQL_C_SLONG, &called, 0, NULL)) && called == 20,
        "every set of the CALL arrays applied", SQL_HANDLE_STMT, aux);
  SQLCloseCursor(aux);
  exec(aux, "SELECT count(*) FROM pg_prepared_statements WHERE from_sql AND statement LIKE '%pd_add%'");
  twins = -1;
  CHECK(OK(SQLFetch(aux)) && OK(SQLGetData(aux, 1, SQL_C_SLONG, &twins, 0, NULL)) && twins == 0,
        "no twin for the CALL", SQL_HANDLE_STMT, aux);
  SQLCloseCursor(aux);
  /* More statements than the session keeps twins of (8): the older twins are dropped on the
   * server too, and every array still applies. */
  for (int k = 1; k <= 9; k++) {
    char sql[100];
    snprintf(sql, sizeof sql, "INSERT INTO pd VALUES (? + %d)", k * 1000);
    for (int i = 0; i < 10; i++) status[i] = 99;
    rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
    CHECK(rc == SQL_SUCCESS && processed == 10 && status[9] == SQL_PARAM_SUCCESS, "array of one of nine statements", SQL_HANDLE_STMT, st);
  }
  exec(aux, "SELECT count(*) FROM pd WHERE k >= 1000");
  SQLINTEGER inserted = -1;
  CHECK(OK(SQLFetch(aux)) && OK(SQLGetData(aux, 1, SQL_C_SLONG, &inserted, 0, NULL)) && inserted == 90,
        "every set of the nine statements applied", SQL_HANDLE_STMT, aux);
  SQLCloseCursor(aux);
  exec(aux, "SELECT count(*), count(*) FILTER (WHERE statement LIKE '%INSERT INTO pv VALUES%'), "
            "count(*) FILTER (WHERE statement LIKE '%(? + 9000)%' OR statement LIKE '%($1 + 9000)%') "
            "FROM pg_prepared_statements WHERE from_sql AND name LIKE 'auroraodbc\\_array\\_%'");
  SQLINTEGER all = -1, first_twin = -1, last_twin = -1;
  CHECK(OK(SQLFetch(aux)) && OK(SQLGetData(aux, 1, SQL_C_SLONG, &all, 0, NULL)) &&
            OK(SQLGetData(aux, 2, SQL_C_SLONG, &first_twin, 0, NULL)) && OK(SQLGetData(aux, 3, SQL_C_SLONG, &last_twin, 0, NULL)),
        "twins counted", SQL_HANDLE_STMT, aux);
  printf("  twins after nine more statements: %d (first array's: %d, last's: %d)\n", (int)all, (int)first_twin, (int)last_twin);
  CHECK(all >= 1 && all <= 8 && first_twin == 0 && last_twin == 1, "at most 8 twins; the oldest dropped on the server",
        SQL_HANDLE_STMT, aux);
  SQLCloseCursor(aux);
  SQLFreeHandle(SQL_HANDLE_STMT, aux);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok param_array_values\n");
}

/* Text set i of test_param_array_copy: what COPY's text format must escape (tabs, line
 * breaks, backslashes, a `\.` line, a literal `\N`), empty strings, UTF-8; NULL every eighth. */
static const char *copy_value(int i) {
  static const char *values[8] = {"", "tab\there", "line\nbreak\r\nend", "back\\slash \\N \\",
                                  "x\n\\.\ny", "\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80", "plain", NULL};
  return values[i % 8];
}

/* The text a statement trigger of test_param_array_copy logged since the last call: one
 * word per statement run ("COPY" or "INSERT"), comma-separated in order. */
static const char *statements_logged(SQLHDBC conn, const char *table) {
  static char got[256];
  char sql[200];
  SQLHSTMT aux = stmt_on(conn);
  snprintf(sql, sizeof sql, "SELECT coalesce(string_agg(via, ',' ORDER BY k), '') FROM %s", table);
  exec(aux, sql);
  SQLLEN ind;
  got[0] = 0;
  CHECK(OK(SQLFetch(aux)) && OK(SQLGetData(aux, 1, SQL_C_CHAR, got, sizeof got, &ind)), "statements logged", SQL_HANDLE_STMT, aux);
  SQLCloseCursor(aux);
  snprintf(sql, sizeof sql, "DELETE FROM %s", table);
  exec(aux, sql);
  SQLFreeHandle(SQL_HANDLE_STMT, aux);
  return got;
}

/* RewriteBatchedInserts=1 loads an array of `INSERT INTO t (cols) VALUES (?, ...)` with one
 * COPY where COPY inserts exactly what the INSERTs would: every value arrives unchanged, row
 * triggers fire per row (a BEFORE trigger that skips rows leaves them out of the count), and a
 * statement trigger sees one COPY (current_query() names the statement running). A failing set
 * still gets its own status. A table with a rule, and parameters of a type other than the
 * column's, keep the INSERTs. */
static void test_param_array_copy(SQLHDBC conn) {
  SQLHSTMT st = stmt_on(conn);
  exec(st, "CREATE TEMP TABLE pc (id int PRIMARY KEY, name text, note text DEFAULT 'd')");
  exec(st, "CREATE TEMP TABLE pc_log (k serial, via text)");
  make_counter(st, "pc_rows");
  exec(st, "CREATE FUNCTION pg_temp.pc_statement() RETURNS trigger LANGUAGE plpgsql AS "
           "'BEGIN INSERT INTO pc_log (via) VALUES (split_part(upper(ltrim(current_query())), '' '', 1)); RETURN NULL; END'");
  exec(st, "CREATE TRIGGER pc_statement AFTER INSERT ON pc FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.pc_statement()");
  exec(st, "CREATE FUNCTION pg_temp.pc_row() RETURNS trigger LANGUAGE plpgsql AS "
           "'BEGIN UPDATE pc_rows SET n = n + 1; IF NEW.id % 100 = 99 THEN RETURN NULL; END IF; RETURN NEW; END'");
  exec(st, "CREATE TRIGGER pc_row BEFORE INSERT ON pc FOR EACH ROW EXECUTE FUNCTION pg_temp.pc_row()");
  enum { N = 2500, CAP = 64 };
  static SQLINTEGER ids[N];
  static char names[N][CAP];
  static SQLLEN name_len[N];
  static SQLUSMALLINT status[N];
  SQLULEN processed = 0;
  bind_param_arrays(st, N, status, &processed);
  for (int i = 0; i < N; i++) {
    ids[i] = i + 1;
    const char *v = copy_value(i);
    name_len[i] = v ? (SQLLEN)strlen(v) : SQL_NULL_DATA;
    if (v) strcpy(names[i], v);
    status[i] = 99;
  }
  SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, CAP, 0, names, CAP, name_len);
  SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, ids, 0, NULL);
  /* (a) Every set applied through one COPY, values exact, NULLs NULL. */
  SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)"INSERT INTO pc (name, id) VALUES (?, ?)", SQL_NTS);
  int statuses_ok = processed == N;
  for (int i = 0; i < N; i++) statuses_ok = statuses_ok && status[i] == SQL_PARAM_SUCCESS;
  SQLLEN rows = -1;
  CHECK(rc == SQL_SUCCESS && statuses_ok && OK(SQLRowCount(st, &rows)) && rows == N - N / 100,
        "COPY array: every set applied, skipped rows not counted", SQL_HANDLE_STMT, st);
  const char *via = statements_logged(conn, "pc_log");
  printf("  statements for %d sets: %s\n", N, via);
  CHECK(strcmp(via, "COPY") == 0, "one COPY for the whole array", SQL_HANDLE_STMT, st);
  SQLHSTMT aux = stmt_on(conn);
  CHECK(query_int(conn, "SELECT n FROM pc_rows") == N, "the BEFORE row trigger fired for every row", SQL_HANDLE_STMT, aux);
  exec(aux, "SELECT id, name, note FROM pc ORDER BY id");
  int differ = 0, seen = 0;
  SQLINTEGER id;
  char got[CAP], note[8];
  SQLLEN ind, note_ind;
  while (OK(SQLFetch(aux))) {
    SQLGetData(aux, 1, SQL_C_SLONG, &id, 0, NULL);
    SQLGetData(aux, 2, SQL_C_CHAR, got, sizeof got, &ind);
    SQLGetData(aux, 3, SQL_C_CHAR, note, sizeof note, &note_ind);
    const char *want = copy_value(id - 1);
    if (want ? ind == SQL_NULL_DATA || strcmp(got, want) != 0 : ind != SQL_NULL_DATA) differ++;
    if (note_ind == SQL_NULL_DATA || strcmp(note, "d") != 0 || id % 100 == 99) differ++;
    seen++;
  }
  printf("  %d rows, %d differ\n", seen, differ);
  CHECK(seen == N - N / 100 && differ == 0, "every value arrived unchanged, defaults filled in", SQL_HANDLE_STMT, aux);
  SQLCloseCursor(aux);
  /* (e) A duplicate key: only that set fails, the others are applied. */
  int expected = 0;
  for (int i = 0; i < N; i++) {
    ids[i] = N + 1 + i;
    status[i] = 99;
  }
  ids[1700] = N + 1;
  for (int i = 0; i < N; i++) expected += i != 1700 && ids[i] % 100 != 99;
  rc = SQLExecDirect(st, (SQLCHAR *)"INSERT INTO pc (name, id) VALUES (?, ?)", SQL_NTS);
  statuses_ok = processed == N;
  for (int i = 0; i < N; i++) statuses_ok = statuses_ok && status[i] == (i == 1700 ? SQL_PARAM_ERROR : SQL_PARAM_SUCCESS);
  CHECK(rc == SQL_SUCCESS_WITH_INFO && statuses_ok && strcmp(first_state(SQL_HANDLE_STMT, st), "23505") == 0,
        "COPY array with a duplicate key: only that set fails", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLRowCount(st, &rows)) && rows == expected, "rows of the other sets", SQL_HANDLE_STMT, st);
  (void)statements_logged(conn, "pc_log");
  CHECK(query_int(conn, "SELECT count(*) FROM pc WHERE id > 2500") == expected, "the other sets are in the table",
        SQL_HANDLE_STMT, aux);
  /* (c) A table with a rule: COPY would skip the rule, so the array keeps the INSERTs. */
  exec(aux, "CREATE TEMP TABLE pr (id int, name text)");
  exec(aux, "CREATE TEMP TABLE pr_also (id int)");
  exec(aux, "CREATE RULE pr_also AS ON INSERT TO pr DO ALSO INSERT INTO pr_also VALUES (NEW.id)");
  for (int i = 0; i < N; i++) ids[i] = i + 1;
  rc = SQLExecDirect(st, (SQLCHAR *)"INSERT INTO pr (name, id) VALUES (?, ?)", SQL_NTS);
  CHECK(rc == SQL_SUCCESS && processed == N && status[N - 1] == SQL_PARAM_SUCCESS, "array into a table with a rule", SQL_HANDLE_STMT, st);
  exec(aux, "SELECT (SELECT count(*) FROM pr) + 0, (SELECT count(DISTINCT id) FROM pr_also) + 0");
  SQLINTEGER in_table = -1, by_rule = -1;
  CHECK(OK(SQLFetch(aux)) && OK(SQLGetData(aux, 1, SQL_C_SLONG, &in_table, 0, NULL)) &&
            OK(SQLGetData(aux, 2, SQL_C_SLONG, &by_rule, 0, NULL)) && in_table == N && by_rule == N,
        "the rule applied to every row", SQL_HANDLE_STMT, aux);
  SQLCloseCursor(aux);
  /* (d) A parameter of another type than its column's keeps the INSERT's cast: a real into a
   * numeric column keeps six digits, as a one-row INSERT does (COPY would keep all). */
  exec(aux, "CREATE TEMP TABLE pn (id int, v numeric)");
  exec(aux, "CREATE TRIGGER pn_statement AFTER INSERT ON pn FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.pc_statement()");
  static SQLDOUBLE reals[N];
  for (int i = 0; i < N; i++) {
    ids[i] = i + 1;
    reals[i] = 1.23456789;
  }
  SQLFreeStmt(st, SQL_RESET_PARAMS);
  SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, ids, 0, NULL);
  SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_DOUBLE, SQL_REAL, 0, 0, reals, 0, NULL);
  rc = SQLExecDirect(st, (SQLCHAR *)"INSERT INTO pn (id, v) VALUES (?, ?)", SQL_NTS);
  CHECK(rc == SQL_SUCCESS && processed == N && status[N - 1] == SQL_PARAM_SUCCESS, "array of reals into numeric", SQL_HANDLE_STMT, st);
  via = statements_logged(conn, "pc_log");
  printf("  statements for %d reals: %s\n", N, via);
  CHECK(strcmp(via, "INSERT,INSERT,INSERT") == 0, "multi-row INSERTs for reals into numeric", SQL_HANDLE_STMT, st);
  SQLSetStmtAttr(st, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)1, 0);
  ids[0] = 0;
  CHECK(OK(SQLExecDirect(st, (SQLCHAR *)"INSERT INTO pn (id, v) VALUES (?, ?)", SQL_NTS)), "one-row insert of a real", SQL_HANDLE_STMT, st);
  SQLSetStmtAttr(st, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)N, 0);
  exec(aux, "SELECT count(DISTINCT v), count(*), min(v)::text FROM pn");
  SQLINTEGER distinct = -1, all = -1;
  char v[32] = "";
  CHECK(OK(SQLFetch(aux)) && OK(SQLGetData(aux, 1, SQL_C_SLONG, &distinct, 0, NULL)) &&
            OK(SQLGetData(aux, 2, SQL_C_SLONG, &all, 0, NULL)) && OK(SQLGetData(aux, 3, SQL_C_CHAR, v, sizeof v, NULL)),
        "reals read back", SQL_HANDLE_STMT, aux);
  printf("  reals: %d rows, %d distinct, %s\n", (int)all, (int)distinct, v);
  CHECK(all == N + 1 && distinct == 1 && strcmp(v, "1.23457") == 0, "the array's reals equal the one-row INSERT's", SQL_HANDLE_STMT, aux);
  SQLCloseCursor(aux);
  /* A GENERATED ALWAYS identity column: the INSERT is refused before any array runs (COPY
   * would have written the column). */
  exec(aux, "CREATE TEMP TABLE pg (id int GENERATED ALWAYS AS IDENTITY, v numeric)");
  rc = SQLExecDirect(st, (SQLCHAR *)"INSERT INTO pg (id, v) VALUES (?, ?)", SQL_NTS);
  CHECK(rc == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, st), "428C9") == 0, "no array into an identity column", SQL_HANDLE_STMT, st);
  CHECK(query_int(conn, "SELECT count(*) FROM pg") == 0, "nothing in the identity table", SQL_HANDLE_STMT, aux);
  SQLFreeHandle(SQL_HANDLE_STMT, aux);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok param_array_copy\n");
}

/* Twins of the default path's EXECUTE statements for statements on `table`. */
static int twins_for(SQLHDBC conn, const char *table) {
  char sql[300];
  snprintf(sql, sizeof sql,
           "SELECT count(*) FROM pg_prepared_statements WHERE from_sql AND name LIKE 'auroraodbc\\_array\\_%%' "
           "AND statement LIKE '%%INSERT INTO %s %%'", table);
  return (int)query_int(conn, sql);
}

/* The default path (no RewriteBatchedInserts) loads an array by one COPY where nothing could
 * tell it from a statement per set: a plain table without triggers, domain or generated
 * columns, with only constant or sequence defaults and only check constraints of built-in
 * immutable functions. Each set then counts one row; a failing set (a duplicate key, a
 * failed check) is still found set by set. Anything else on the table keeps the EXECUTEs:
 * a foreign key, a now() default, a check calling now() or a user's function (which may
 * claim immutability and read the table all the same). */
static void test_param_array_default_copy(SQLHDBC conn) {
  SQLHSTMT st = stmt_on(conn);
  exec(st, "CREATE TEMP TABLE dc (id int PRIMARY KEY, name text, n serial, note text DEFAULT 'd')");
  exec(st, "CREATE TEMP TABLE dc_check (id int CHECK (id > 0), name text CHECK (name IS NULL OR length(name) < 30))");
  exec(st, "CREATE TEMP TABLE dc_now (id int, name text, at timestamptz DEFAULT now())");
  exec(st, "CREATE TEMP TABLE dc_check_now (id int CHECK (id < extract(epoch FROM now())), name text)");
  exec(st, "CREATE FUNCTION pg_temp.dc_positive(int) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $1 > 0'");
  exec(st, "CREATE TEMP TABLE dc_check_fn (id int CHECK (pg_temp.dc_positive(id)), name text)");
  enum { N = 200, CAP = 32 };
  static SQLINTEGER ids[N];
  static char names[N][CAP];
  static SQLLEN name_len[N];
  static SQLUSMALLINT status[N];
  SQLULEN processed = 0;
  bind_param_arrays(st, N, status, &processed);
  SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, ids, 0, NULL);
  SQLBindParameter(st, 2, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, CAP, 0, names, CAP, name_len);
  const char *tables[] = {"dc", "dc", "dc_check", "dc_ref", "dc_now", "dc_check_now", "dc_check_fn", "dc_check"};
  for (int pass = 0; pass < 8; pass++) {
    /* Pass 1: a key of the first pass, only this set fails (23505). Pass 2: a negative id
     * fails the check (23514). */
    int failing = pass == 1 ? 150 : pass == 2 ? 120 : -1;
    int dup = failing >= 0;
    for (int i = 0; i < N; i++) {
      ids[i] = pass * N + i + 1;
      snprintf(names[i], CAP, i % 9 == 4 ? "tab\there %d" : "name-%d", i);
      name_len[i] = i % 7 == 3 ? SQL_NULL_DATA : SQL_NTS;
      status[i] = 99;
    }
    if (pass == 1) ids[failing] = 7;
    if (pass == 2) ids[failing] = -5;
    if (pass == 3) {
      /* Made only now: a foreign key puts triggers on the table it references too. */
      SQLHSTMT ddl = stmt_on(conn);
      exec(ddl, "CREATE TEMP TABLE dc_ref (id int REFERENCES dc (id), name text)");
      SQLFreeHandle(SQL_HANDLE_STMT, ddl);
      for (int i = 0; i < N; i++) ids[i] = i + 1; /* references rows of the first pass */
    }
    char sql[100];
    snprintf(sql, sizeof sql, "INSERT INTO %s (id, name) VALUES (?, ?)", tables[pass]);
    SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
    int statuses_ok = processed == N;
    for (int i = 0; i < N; i++) statuses_ok = statuses_ok && status[i] == (i == failing ? SQL_PARAM_ERROR : SQL_PARAM_SUCCESS);
    if (dup)
      CHECK(strcmp(first_state(SQL_HANDLE_STMT, st), pass == 1 ? "23505" : "23514") == 0, "default-path COPY: the failing set's SQLSTATE",
            SQL_HANDLE_STMT, st);
    SQLLEN rows = -1;
    CHECK(rc == (dup ? SQL_SUCCESS_WITH_INFO : SQL_SUCCESS) && statuses_ok && OK(SQLRowCount(st, &rows)) && rows == (dup ? N - 1 : N),
          "default-path array: statuses and row count", SQL_HANDLE_STMT, st);
    int twins = twins_for(conn, tables[pass]);
    printf("  default path, %s (pass %d): %ld rows, %d twin(s)\n", tables[pass], pass, (long)rows, twins);
    /* dc and dc_check: no twin (one COPY; a failing array ran set by set after it); the
     * others keep the EXECUTE statements, whose twin stays prepared. */
    CHECK(twins == (pass <= 2 || pass == 7 ? 0 : 1), "COPY only for the plain tables", SQL_HANDLE_STMT, st);
  }
  SQLHSTMT aux = stmt_on(conn);
  exec(aux, "SELECT count(*), count(DISTINCT n), count(*) FILTER (WHERE note = 'd'), "
            "count(*) FILTER (WHERE name IS NULL), count(*) FILTER (WHERE name LIKE 'tab\there %') FROM dc");
  SQLINTEGER all = -1, serials = -1, noted = -1, nulls = -1, tabs = -1;
  CHECK(OK(SQLFetch(aux)) && OK(SQLGetData(aux, 1, SQL_C_SLONG, &all, 0, NULL)) && OK(SQLGetData(aux, 2, SQL_C_SLONG, &serials, 0, NULL)) &&
            OK(SQLGetData(aux, 3, SQL_C_SLONG, &noted, 0, NULL)) && OK(SQLGetData(aux, 4, SQL_C_SLONG, &nulls, 0, NULL)) &&
            OK(SQLGetData(aux, 5, SQL_C_SLONG, &tabs, 0, NULL)),
        "default-path rows read back", SQL_HANDLE_STMT, aux);
  printf("  dc: %d rows, %d serials, %d defaults, %d NULLs, %d tabs\n", (int)all, (int)serials, (int)noted, (int)nulls, (int)tabs);
  /* Per pass of 200: NULL where i % 7 == 3 (29), a tab where i % 9 == 4 and not NULL. */
  CHECK(all == 2 * N - 1 && serials == all && noted == all && nulls == 2 * 29 - (150 % 7 == 3) && tabs > 0,
        "default-path COPY: values, NULLs and defaults as the INSERTs give", SQL_HANDLE_STMT, aux);
  SQLCloseCursor(aux);
  /* The first array went in one transaction (one xmin) and without EXECUTEs (no twin): COPY. */
  CHECK(query_int(conn, "SELECT count(DISTINCT xmin::text) FROM dc WHERE id <= 200") == 1,
        "default-path COPY: the array in one transaction", SQL_HANDLE_STMT, aux);
  /* The checked table: every set but the failing one, each in its own statement after the
   * COPY failed. */
  CHECK(query_int(conn, "SELECT count(*) FROM dc_check WHERE id BETWEEN 401 AND 600") == N - 1,
        "default-path COPY with a check: the other sets applied", SQL_HANDLE_STMT, aux);
  CHECK(query_int(conn, "SELECT count(DISTINCT xmin::text) FROM dc_check WHERE id BETWEEN 1401 AND 1600") == 1,
        "default-path COPY with a check: the array in one transaction", SQL_HANDLE_STMT, aux);
  SQLFreeHandle(SQL_HANDLE_STMT, aux);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok param_array_default_copy\n");
}

/* The same arrays through a second connection with RewriteBatchedInserts=1. */
static void test_param_array_rewritten(const char *conn_str) {
  char rewritten[2048];
  snprintf(rewritten, sizeof rewritten, "%s;RewriteBatchedInserts=1", conn_str);
  SQLHDBC conn;
  SQLAllocHandle(SQL_HANDLE_DBC, env, &conn);
  CHECK(OK(SQLDriverConnect(conn, NULL, (SQLCHAR *)rewritten, SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT)),
        "connection with RewriteBatchedInserts=1", SQL_HANDLE_DBC, conn);
  test_param_array(conn, "rewritten", 1);
  test_param_array_copy(conn);
  SQLDisconnect(conn);
  SQLFreeHandle(SQL_HANDLE_DBC, conn);
}

/* Statement attributes the driver does not offer keep their defaults, with 01S02 when an
 * application asks for another value. */
static void test_fixed_stmt_attrs(void) {
  SQLHSTMT st = stmt_on(dbc);
  SQLULEN value = 99;
  CHECK(OK(SQLGetStmtAttr(st, SQL_ATTR_RETRIEVE_DATA, &value, 0, NULL)) && value == SQL_RD_ON, "SQL_RD_ON by default", SQL_HANDLE_STMT, st);
  CHECK(SQLSetStmtAttr(st, SQL_ATTR_RETRIEVE_DATA, (SQLPOINTER)SQL_RD_OFF, 0) == SQL_SUCCESS_WITH_INFO &&
            strcmp(first_state(SQL_HANDLE_STMT, st), "01S02") == 0,
        "SQL_RD_OFF is refused with 01S02", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetStmtAttr(st, SQL_ATTR_RETRIEVE_DATA, &value, 0, NULL)) && value == SQL_RD_ON, "still SQL_RD_ON", SQL_HANDLE_STMT, st);
  CHECK(SQLSetStmtAttr(st, SQL_ATTR_MAX_LENGTH, (SQLPOINTER)4, 0) == SQL_SUCCESS_WITH_INFO &&
            strcmp(first_state(SQL_HANDLE_STMT, st), "01S02") == 0,
        "SQL_ATTR_MAX_LENGTH is refused with 01S02", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetStmtAttr(st, SQL_ATTR_MAX_LENGTH, &value, 0, NULL)) && value == 0, "max length stays 0", SQL_HANDLE_STMT, st);
  exec(st, "SELECT 'longer than four'");
  char out[32];
  SQLLEN ind;
  CHECK(OK(SQLFetch(st)) && OK(SQLGetData(st, 1, SQL_C_CHAR, out, sizeof out, &ind)) && strcmp(out, "longer than four") == 0,
        "values are whole", SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok fixed_stmt_attrs\n");
}

/* SQLSetPos(SQL_POSITION) picks the row of a block cursor that SQLGetData reads. */
static void test_set_pos(void) {
  SQLUINTEGER ops = 0;
  CHECK(OK(SQLGetInfo(dbc, SQL_POS_OPERATIONS, &ops, sizeof ops, NULL)) && ops == (SQL_POS_POSITION | SQL_POS_REFRESH | SQL_POS_UPDATE | SQL_POS_DELETE), "SQL_POS_OPERATIONS",
        SQL_HANDLE_DBC, dbc);
  SQLUSMALLINT exists = 0;
  CHECK(OK(SQLGetFunctions(dbc, SQL_API_SQLSETPOS, &exists)) && exists == SQL_TRUE, "SQLSetPos listed", SQL_HANDLE_DBC, dbc);
  SQLHSTMT st = stmt_on(dbc);
  SQLULEN fetched = 0, row_number = 0;
  SQLINTEGER v = 0;
  SQLCHAR text[32];
  SQLLEN len;
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)3, 0)), "rowset of 3", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_ROWS_FETCHED_PTR, &fetched, 0)), "rows fetched", SQL_HANDLE_STMT, st);
  SQLRETURN rc = SQLSetPos(st, 1, SQL_POSITION, SQL_LOCK_NO_CHANGE);
  CHECK(rc == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, st), "HY010") == 0, "SQLSetPos before any result: HY010", SQL_HANDLE_STMT, st);
  exec(st, "SELECT g::int4, 'row ' || g FROM generate_series(1, 5) g");
  CHECK(OK(SQLFetch(st)) && fetched == 3, "first rowset", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetData(st, 1, SQL_C_SLONG, &v, 0, NULL)) && v == 1, "the first row without SQLSetPos", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetPos(st, 3, SQL_POSITION, SQL_LOCK_NO_CHANGE)), "position on row 3", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetData(st, 1, SQL_C_SLONG, &v, 0, NULL)) && v == 3, "row 3, column 1", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetData(st, 2, SQL_C_CHAR, text, sizeof text, &len)) && strcmp((char *)text, "row 3") == 0, "row 3, column 2",
        SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetStmtAttr(st, SQL_ATTR_ROW_NUMBER, &row_number, 0, NULL)) && row_number == 3, "SQL_ATTR_ROW_NUMBER",
        SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetPos(st, 2, SQL_POSITION, SQL_LOCK_NO_CHANGE)), "back to row 2", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetData(st, 1, SQL_C_SLONG, &v, 0, NULL)) && v == 2, "row 2 read again", SQL_HANDLE_STMT, st);
  rc = SQLSetPos(st, 4, SQL_POSITION, SQL_LOCK_NO_CHANGE);
  CHECK(rc == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, st), "HY107") == 0, "row 4 is outside the rowset",
        SQL_HANDLE_STMT, st);
  rc = SQLSetPos(st, 1, SQL_UPDATE, SQL_LOCK_NO_CHANGE);
  CHECK(rc == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, st), "HY092") == 0, "no updates through a read-only cursor",
        SQL_HANDLE_STMT, st);
  /* The last rowset is short: two rows. */
  CHECK(OK(SQLFetch(st)) && fetched == 2, "second rowset", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetData(st, 1, SQL_C_SLONG, &v, 0, NULL)) && v == 4, "a fetch goes back to the first row", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetPos(st, 2, SQL_POSITION, SQL_LOCK_NO_CHANGE)), "position on row 2 of 2", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetData(st, 1, SQL_C_SLONG, &v, 0, NULL)) && v == 5, "the last row", SQL_HANDLE_STMT, st);
  rc = SQLSetPos(st, 3, SQL_POSITION, SQL_LOCK_NO_CHANGE);
  CHECK(rc == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, st), "HY107") == 0, "row 3 of a 2-row rowset",
        SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok set_pos\n");
}

/* Interval columns into SQL_INTERVAL_STRUCT. */
static void test_interval_structs(void) {
  SQLHSTMT st = stmt_on(dbc);
  exec(st, "SELECT interval '-3 days -04:05:06.789', interval '1 year 2 mons', interval '1 mon 1 day'");
  CHECK(OK(SQLFetch(st)), "fetch intervals", SQL_HANDLE_STMT, st);
  SQL_INTERVAL_STRUCT iv;
  SQLLEN ind;
  memset(&iv, 0xff, sizeof iv);
  CHECK(SQLGetData(st, 1, SQL_C_INTERVAL_DAY_TO_SECOND, &iv, sizeof iv, &ind) == SQL_SUCCESS, "day to second", SQL_HANDLE_STMT, st);
  CHECK(iv.interval_type == SQL_IS_DAY_TO_SECOND && iv.interval_sign == SQL_TRUE && iv.intval.day_second.day == 3 &&
            iv.intval.day_second.hour == 4 && iv.intval.day_second.minute == 5 && iv.intval.day_second.second == 6 &&
            iv.intval.day_second.fraction == 789000 && ind == sizeof iv,
        "day to second fields", SQL_HANDLE_STMT, st);
  memset(&iv, 0xff, sizeof iv);
  CHECK(SQLGetData(st, 2, SQL_C_INTERVAL_YEAR_TO_MONTH, &iv, sizeof iv, &ind) == SQL_SUCCESS, "year to month", SQL_HANDLE_STMT, st);
  CHECK(iv.interval_type == SQL_IS_YEAR_TO_MONTH && iv.interval_sign == SQL_FALSE && iv.intval.year_month.year == 1 &&
            iv.intval.year_month.month == 2,
        "year to month fields", SQL_HANDLE_STMT, st);
  SQLRETURN rc = SQLGetData(st, 3, SQL_C_INTERVAL_DAY, &iv, sizeof iv, &ind);
  CHECK(rc == SQL_ERROR && strcmp(first_state(SQL_HANDLE_STMT, st), "22015") == 0, "months into days is 22015", SQL_HANDLE_STMT, st);
  SQLCloseCursor(st);
  /* And back: an interval struct as a parameter. */
  SQL_INTERVAL_STRUCT param;
  memset(&param, 0, sizeof param);
  param.interval_type = SQL_IS_DAY_TO_SECOND;
  param.interval_sign = SQL_TRUE;
  param.intval.day_second.day = 1;
  param.intval.day_second.hour = 2;
  param.intval.day_second.minute = 3;
  param.intval.day_second.second = 4;
  param.intval.day_second.fraction = 500000;
  SQLCHAR text[64];
  CHECK(OK(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_INTERVAL_DAY_TO_SECOND, SQL_INTERVAL_DAY_TO_SECOND, 0, 6, &param, 0, NULL)),
        "bind an interval parameter", SQL_HANDLE_STMT, st);
  exec(st, "SELECT CAST(? AS interval)::text");
  CHECK(OK(SQLFetch(st)) && OK(SQLGetData(st, 1, SQL_C_CHAR, text, sizeof text, &ind)), "interval parameter back", SQL_HANDLE_STMT, st);
  CHECK(strcmp((char *)text, "-1 days -02:03:04.5") == 0, "interval parameter value", SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok intervals\n");
}

/* Bindings and descriptor fields changed between fetches take effect at the next fetch: the
 * driver keeps what a fetch reads from the ARD and IRD between fetches and must notice every
 * change, whichever way it is made. */
static void test_rebinding_between_fetches(void) {
  SQLHSTMT st = stmt_on(dbc);
  exec(st, "SELECT g::int4 FROM generate_series(1, 20) g");
  SQLINTEGER a = 0, b = 0, c = 0;
  SQLLEN ind_a, ind_b, ind_c;
  CHECK(OK(SQLBindCol(st, 1, SQL_C_SLONG, &a, 0, &ind_a)), "bind a", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFetch(st)) && a == 1, "row 1 into a", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindCol(st, 1, SQL_C_SLONG, &b, 0, &ind_b)), "bind b", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFetch(st)) && b == 2 && a == 1, "row 2 into b after rebinding", SQL_HANDLE_STMT, st);

  /* Through the ARD itself. */
  SQLHDESC ard;
  CHECK(OK(SQLGetStmtAttr(st, SQL_ATTR_APP_ROW_DESC, &ard, 0, NULL)), "ARD handle", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetDescField(ard, 1, SQL_DESC_INDICATOR_PTR, &ind_c, 0)), "indicator through the ARD", SQL_HANDLE_DESC, ard);
  CHECK(OK(SQLSetDescField(ard, 1, SQL_DESC_OCTET_LENGTH_PTR, &ind_c, 0)), "length through the ARD", SQL_HANDLE_DESC, ard);
  CHECK(OK(SQLSetDescField(ard, 1, SQL_DESC_DATA_PTR, &c, 0)), "data pointer through the ARD", SQL_HANDLE_DESC, ard);
  CHECK(OK(SQLFetch(st)) && c == 3 && b == 2 && ind_c == sizeof(SQLINTEGER), "row 3 into c after SQLSetDescField", SQL_HANDLE_STMT, st);

  /* A rows-fetched pointer set between fetches is written by the next one. */
  SQLULEN fetched = 99;
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_ROWS_FETCHED_PTR, &fetched, 0)), "rows fetched pointer", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFetch(st)) && c == 4 && fetched == 1, "row 4 and the rows-fetched count", SQL_HANDLE_STMT, st);

  /* Unbinding stops the writes; SQLGetData still reads the row. */
  CHECK(OK(SQLFreeStmt(st, SQL_UNBIND)), "unbind", SQL_HANDLE_STMT, st);
  SQLINTEGER got = 0;
  CHECK(OK(SQLFetch(st)) && c == 4, "row 5 not written after unbinding", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetData(st, 1, SQL_C_SLONG, &got, 0, NULL)) && got == 5, "row 5 through SQLGetData", SQL_HANDLE_STMT, st);

  /* A larger rowset with column-wise arrays, then back to one row. */
  SQLINTEGER many[3] = {0, 0, 0};
  SQLLEN many_ind[3];
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)3, 0)), "rowset of 3", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindCol(st, 1, SQL_C_SLONG, many, 0, many_ind)), "bind array", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFetch(st)) && fetched == 3 && many[0] == 6 && many[1] == 7 && many[2] == 8, "rows 6-8 as a rowset", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)1, 0)), "rowset of 1", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFetch(st)) && fetched == 1 && many[0] == 9 && many[1] == 7, "row 9 alone", SQL_HANDLE_STMT, st);

  /* An explicit descriptor swapped in as the ARD. */
  SQLHDESC mine;
  SQLINTEGER d = 0;
  SQLLEN ind_d;
  CHECK(OK(SQLAllocHandle(SQL_HANDLE_DESC, dbc, &mine)), "explicit descriptor", SQL_HANDLE_DBC, dbc);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_APP_ROW_DESC, mine, 0)), "explicit ARD", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindCol(st, 1, SQL_C_SLONG, &d, 0, &ind_d)), "bind through the explicit ARD", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFetch(st)) && d == 10 && many[0] == 9, "row 10 into the explicit ARD's buffer", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_APP_ROW_DESC, SQL_NULL_HDESC, 0)), "back to the implicit ARD", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFetch(st)) && many[0] == 11 && d == 10, "row 11 into the implicit ARD's buffer", SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_DESC, mine);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  printf("ok rebinding\n");
}

/* SQL_ATTR_CONNECTION_DEAD notices a connection the server ended while it sat idle (what a
 * connection pool asks before handing a connection out). Ends the main connection: run last. */
static void test_connection_dead(const char *conn_str) {
  SQLUINTEGER dead = 99;
  CHECK(OK(SQLGetConnectAttr(dbc, SQL_ATTR_CONNECTION_DEAD, &dead, 0, NULL)) && dead == SQL_CD_FALSE, "alive at first",
        SQL_HANDLE_DBC, dbc);
  SQLHSTMT st = stmt_on(dbc);
  SQLINTEGER pid = 0;
  exec(st, "SELECT pg_backend_pid()");
  CHECK(OK(SQLFetch(st)) && OK(SQLGetData(st, 1, SQL_C_SLONG, &pid, 0, NULL)), "backend pid", SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  SQLHDBC killer;
  SQLAllocHandle(SQL_HANDLE_DBC, env, &killer);
  CHECK(OK(SQLDriverConnect(killer, NULL, (SQLCHAR *)conn_str, SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT)), "second connection",
        SQL_HANDLE_DBC, killer);
  SQLHSTMT kst;
  SQLAllocHandle(SQL_HANDLE_STMT, killer, &kst);
  char sql[64];
  snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d)", (int)pid);
  CHECK(OK(SQLExecDirect(kst, (SQLCHAR *)sql, SQL_NTS)), "terminate the first", SQL_HANDLE_STMT, kst);
  SQLFreeHandle(SQL_HANDLE_STMT, kst);
  SQLDisconnect(killer);
  SQLFreeHandle(SQL_HANDLE_DBC, killer);
  for (int i = 0; i < 250 && dead != SQL_CD_TRUE; i++) {
    CHECK(OK(SQLGetConnectAttr(dbc, SQL_ATTR_CONNECTION_DEAD, &dead, 0, NULL)), "SQL_ATTR_CONNECTION_DEAD", SQL_HANDLE_DBC, dbc);
    if (dead != SQL_CD_TRUE) {
      struct timespec pause = {0, 20 * 1000 * 1000};
      nanosleep(&pause, NULL);
    }
  }
  CHECK(dead == SQL_CD_TRUE, "dead after the server ended it", SQL_HANDLE_DBC, dbc);
  printf("ok connection_dead\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: core <connection string>\n");
    return 2;
  }
  SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env);
  SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3_80, 0);
  SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
  SQLCHAR out[1024];
  SQLSMALLINT out_len;
  SQLRETURN rc = SQLDriverConnect(dbc, NULL, (SQLCHAR *)argv[1], SQL_NTS, out, sizeof out, &out_len, SQL_DRIVER_NOPROMPT);
  CHECK(OK(rc), "connect", SQL_HANDLE_DBC, dbc);
  CHECK(strstr((char *)out, "Server=") != NULL || strstr((char *)out, "SERVER=") != NULL, "completed connection string", SQL_HANDLE_DBC, dbc);
  printf("ok connect\n");
  test_info();
  test_prepare_describe();
  test_params();
  test_getdata_pieces();
  test_block_fetch();
  test_rebinding_between_fetches();
  test_interval_structs();
  test_set_pos();
  test_fixed_stmt_attrs();
  test_interleaved_statements();
  test_more_results();
  test_batch_runs_whole();
  test_transactions();
  test_diagnostics();
  test_param_array(dbc, "set by set", 0);
  test_param_array_default_copy(dbc);
  test_param_array_rewritten(argv[1]);
  test_param_array_values(dbc);
  test_connection_dead(argv[1]);
  disconnect_and_free(env, dbc);
  printf("all passed\n");
  return failures;
}
