/* Reads one-column queries as SQL_C_CHAR and SQL_C_WCHAR (and timestamps as a
 * TIMESTAMP_STRUCT) and prints "label|char|wchar|struct" per query, so the Rust side can
 * compare each type's form with psqlODBC's.
 * Usage: values <connection string> <label=sql>... */
#include <sql.h>
#include <sqlext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(const char *what, SQLSMALLINT type, SQLHANDLE h) {
  SQLCHAR state[6] = {0}, msg[512] = {0};
  SQLINTEGER native = 0;
  SQLSMALLINT len = 0;
  SQLGetDiagRec(type, h, 1, state, &native, msg, sizeof msg, &len);
  printf("FAIL %s: [%s] %s\n", what, state, msg);
  exit(1);
}

/* Narrows UTF-16 text that is plain ASCII; anything else becomes '?'. */
static void narrow(const SQLWCHAR *w, char *out, size_t cap) {
  size_t i = 0;
  for (; w[i] && i + 1 < cap; i++) out[i] = w[i] < 128 ? (char)w[i] : '?';
  out[i] = 0;
}

int main(int argc, char **argv) {
  SQLHENV env;
  SQLHDBC dbc;
  SQLHSTMT st;
  SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env);
  SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);
  SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
  if (!SQL_SUCCEEDED(SQLDriverConnect(dbc, NULL, (SQLCHAR *)argv[1], SQL_NTS, NULL, 0, NULL,
                                      SQL_DRIVER_NOPROMPT)))
    fail("connect", SQL_HANDLE_DBC, dbc);
  SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
  for (int a = 2; a < argc; a++) {
    char label[64];
    const char *eq = strchr(argv[a], '=');
    if (!eq || (size_t)(eq - argv[a]) >= sizeof label) return 2;
    memcpy(label, argv[a], eq - argv[a]);
    label[eq - argv[a]] = 0;
    const char *sql = eq + 1;
    char text[512] = {0}, wide[512] = {0};
    SQLWCHAR wbuf[512] = {0};
    SQLLEN ind = 0;
    if (!SQL_SUCCEEDED(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS))) fail(label, SQL_HANDLE_STMT, st);
    /* Statements without a result (SET ...) print only their label. */
    SQLSMALLINT cols = 0;
    SQLNumResultCols(st, &cols);
    if (cols == 0) {
      printf("%s|done\n", label);
      SQLFreeStmt(st, SQL_CLOSE);
      continue;
    }
    if (SQLFetch(st) != SQL_SUCCESS) fail(label, SQL_HANDLE_STMT, st);
    if (!SQL_SUCCEEDED(SQLGetData(st, 1, SQL_C_CHAR, text, sizeof text, &ind)))
      fail(label, SQL_HANDLE_STMT, st);
    SQLFreeStmt(st, SQL_CLOSE);
    if (!SQL_SUCCEEDED(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS))) fail(label, SQL_HANDLE_STMT, st);
    if (SQLFetch(st) != SQL_SUCCESS) fail(label, SQL_HANDLE_STMT, st);
    if (!SQL_SUCCEEDED(SQLGetData(st, 1, SQL_C_WCHAR, wbuf, sizeof wbuf, &ind)))
      fail(label, SQL_HANDLE_STMT, st);
    SQLFreeStmt(st, SQL_CLOSE);
    narrow(wbuf, wide, sizeof wide);
    /* Timestamp columns also go into a TIMESTAMP_STRUCT. */
    SQLSMALLINT sql_type = 0;
    char stamp[64] = "";
    if (!SQL_SUCCEEDED(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS))) fail(label, SQL_HANDLE_STMT, st);
    SQLDescribeCol(st, 1, NULL, 0, NULL, &sql_type, NULL, NULL, NULL);
    if (sql_type == SQL_TYPE_TIMESTAMP) {
      SQL_TIMESTAMP_STRUCT ts;
      if (SQLFetch(st) != SQL_SUCCESS) fail(label, SQL_HANDLE_STMT, st);
      if (!SQL_SUCCEEDED(SQLGetData(st, 1, SQL_C_TYPE_TIMESTAMP, &ts, sizeof ts, &ind)))
        fail(label, SQL_HANDLE_STMT, st);
      snprintf(stamp, sizeof stamp, "%04d-%02d-%02d %02d:%02d:%02d.%09u", ts.year, ts.month, ts.day,
               ts.hour, ts.minute, ts.second, (unsigned)ts.fraction);
    }
    SQLFreeStmt(st, SQL_CLOSE);
    printf("%s|%s|%s|%s\n", label, text, wide, stamp);
  }
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  SQLDisconnect(dbc);
  SQLFreeHandle(SQL_HANDLE_DBC, dbc);
  SQLFreeHandle(SQL_HANDLE_ENV, env);
  return 0;
}
