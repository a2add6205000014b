/* Reads a 10,000,000-row result through a block cursor and reports the process's peak memory:
 * rows must stream from the server as they are fetched, never be buffered whole.
 * Usage: stream "<connection string>" <rows> */
#include <sys/resource.h>

#include "check.h"

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  long want = atol(argv[2]);
  SQLHENV env;
  SQLHDBC dbc;
  SQLHSTMT st;
  connect_or_exit(argv[1], SQL_OV_ODBC3, &env, &dbc);
  st = stmt_on(dbc);
  enum { N = 1000 };
  static SQLBIGINT ids[N];
  static char text[N][32];
  static SQLLEN id_ind[N], text_ind[N];
  SQLULEN fetched = 0;
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)N, 0)), "row array size", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLSetStmtAttr(st, SQL_ATTR_ROWS_FETCHED_PTR, &fetched, 0)), "rows fetched pointer", SQL_HANDLE_STMT, st);
  char sql[128];
  snprintf(sql, sizeof sql, "SELECT g, 'row-' || g FROM generate_series(1, %ld) g", want);
  CHECK(OK(SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS)), "execute", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindCol(st, 1, SQL_C_SBIGINT, ids, 0, id_ind)), "bind ids", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindCol(st, 2, SQL_C_CHAR, text, sizeof text[0], text_ind)), "bind text", SQL_HANDLE_STMT, st);
  long rows = 0;
  long long sum = 0;
  SQLRETURN rc;
  while ((rc = SQLFetch(st)) == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO) {
    for (SQLULEN i = 0; i < fetched; i++) sum += ids[i];
    rows += (long)fetched;
  }
  if (rc != SQL_NO_DATA) fprintf(stderr, "fetch rc=%d after %ld rows\n", rc, rows);
  CHECK(rc == SQL_NO_DATA, "fetch to the end", SQL_HANDLE_STMT, st);
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  printf("rows=%ld sum=%lld maxrss_kb=%ld\n", rows, sum, usage.ru_maxrss);
  long long expect = (long long)want * (want + 1) / 2;
  CHECK(rows == want && sum == expect, "every row, with the right values", SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  disconnect_and_free(env, dbc);
  return 0;
}
