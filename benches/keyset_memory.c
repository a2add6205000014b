/* Peak memory of a keyset-driven cursor against a static one over the same rows: opens
 * `SELECT id, payload FROM ks_big ORDER BY id` with the cursor type given, fetches the last
 * rowset, and prints the row count and the process's peak RSS.
 *
 *   keyset_memory DSN keyset|static
 *
 * The table: CREATE TABLE ks_big AS SELECT g AS id, repeat('x', 100) AS payload
 *            FROM generate_series(1, N) g; ALTER TABLE ks_big ADD PRIMARY KEY (id); */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sql.h>
#include <sqlext.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: keyset_memory DSN keyset|static\n");
    return 2;
  }
  char conn[256];
  snprintf(conn, sizeof conn, "DSN=%s", argv[1]);
  SQLULEN type = strcmp(argv[2], "keyset") == 0 ? SQL_CURSOR_KEYSET_DRIVEN : SQL_CURSOR_STATIC;
  SQLHENV env;
  SQLHDBC dbc;
  SQLHSTMT st;
  SQLAllocHandle(SQL_HANDLE_ENV, NULL, &env);
  SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);
  SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
  if (!SQL_SUCCEEDED(SQLDriverConnect(dbc, NULL, (SQLCHAR *)conn, SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT))) {
    fprintf(stderr, "connect failed\n");
    return 1;
  }
  SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
  SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)type, 0);
  if (!SQL_SUCCEEDED(SQLExecDirect(st, (SQLCHAR *)"SELECT id, payload FROM ks_big ORDER BY id", SQL_NTS))) {
    fprintf(stderr, "execute failed\n");
    return 1;
  }
  SQLLEN count = 0;
  SQLRowCount(st, &count);
  SQLINTEGER id = 0;
  SQLLEN ind = 0;
  SQLBindCol(st, 1, SQL_C_SLONG, &id, 0, &ind);
  SQLRETURN rc = SQLFetchScroll(st, SQL_FETCH_LAST, 0);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("%s rows=%ld last_id=%d fetch_rc=%d peak_rss_mb=%.1f\n", argv[2], (long)count, (int)id, (int)rc,
         ru.ru_maxrss / 1024.0);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  SQLDisconnect(dbc);
  SQLFreeHandle(SQL_HANDLE_DBC, dbc);
  SQLFreeHandle(SQL_HANDLE_ENV, env);
  return rc == SQL_SUCCESS ? 0 : 1;
}
