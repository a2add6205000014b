/* Reads a 10,000,000-row result through a block cursor and reports the process's peak memory:
 * rows must stream from the server as they are fetched, never be buffered whole.
 * Usage: stream "<connection string>" <rows> */
#include <sql.h>
#include <sqlext.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  long want = atol(argv[2]);
  SQLHENV env;
  SQLHDBC dbc;
  SQLHSTMT st;
  SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env);
  SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);
  SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
  if (!SQL_SUCCEEDED(SQLDriverConnect(dbc, NULL, (SQLCHAR *)argv[1], SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT))) {
    fprintf(stderr, "FAIL connect\n");
    return 1;
  }
  SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st);
  enum { N = 1000 };
  static SQLBIGINT ids[N];
  static char text[N][32];
  static SQLLEN id_ind[N], text_ind[N];
  SQLULEN fetched = 0;
  SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)N, 0);
  SQLSetStmtAttr(st, SQL_ATTR_ROWS_FETCHED_PTR, &fetched, 0);
  char sql[128];
  snprintf(sql, sizeof sql, "SELECT g, 'row-' || g FROM generate_series(1, %ld) g", want);
  if (!SQL_SUCCEEDED(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS))) { fprintf(stderr, "FAIL execute\n"); return 1; }
  SQLBindCol(st, 1, SQL_C_SBIGINT, ids, 0, id_ind);
  SQLBindCol(st, 2, SQL_C_CHAR, text, sizeof text[0], text_ind);
  long rows = 0;
  long long sum = 0;
  SQLRETURN rc;
  while ((rc = SQLFetch(st)) == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO) {
    for (SQLULEN i = 0; i < fetched; i++) sum += ids[i];
    rows += (long)fetched;
  }
  if (rc != SQL_NO_DATA) { fprintf(stderr, "FAIL fetch rc=%d after %ld rows\n", rc, rows); return 1; }
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  printf("rows=%ld sum=%lld maxrss_kb=%ld\n", rows, sum, usage.ru_maxrss);
  long long expect = (long long)want * (want + 1) / 2;
  if (rows != want || sum != expect) { fprintf(stderr, "FAIL wrong data\n"); return 1; }
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  SQLDisconnect(dbc);
  SQLFreeHandle(SQL_HANDLE_DBC, dbc);
  SQLFreeHandle(SQL_HANDLE_ENV, env);
  return 0;
}
