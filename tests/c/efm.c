/* Host monitoring end to end: a long query on a host that goes silent must fail fast.
 * Usage: efm "<connection string>"
 * Prints "first: <state> <ms> <message>" for the long query and "second: <state> <message>" for
 * the next call on the same connection; exits 0 when both were errors. */
#include <sql.h>
#include <sqlext.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* Runs sql; on error prints its first diagnostic after the label and returns 1. */
static int run(SQLHDBC dbc, const char *label, const char *sql) {
  SQLHSTMT st;
  SQLCHAR state[6] = "", msg[1024] = "";
  SQLINTEGER native;
  SQLSMALLINT len;
  if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st))) {
    printf("%s: cannot allocate a statement\n", label);
    return 0;
  }
  double began = now_ms();
  SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
  double took = now_ms() - began;
  if (rc != SQL_ERROR) {
    printf("%s: no error (rc %d) after %.0f ms\n", label, rc, took);
    SQLFreeHandle(SQL_HANDLE_STMT, st);
    return 0;
  }
  SQLGetDiagRec(SQL_HANDLE_STMT, st, 1, state, &native, msg, sizeof msg, &len);
  printf("%s: %s %.0f ms %s\n", label, state, took, msg);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  return 1;
}

int main(int argc, char **argv) {
  SQLHENV env;
  SQLHDBC dbc;
  if (argc < 2) {
    fprintf(stderr, "usage: efm <connection string>\n");
    return 2;
  }
  SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env);
  SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);
  SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
  SQLRETURN rc = SQLDriverConnect(dbc, NULL, (SQLCHAR *)argv[1], SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT);
  if (!SQL_SUCCEEDED(rc)) {
    SQLCHAR state[6] = "", msg[1024] = "";
    SQLINTEGER native;
    SQLSMALLINT len;
    SQLGetDiagRec(SQL_HANDLE_DBC, dbc, 1, state, &native, msg, sizeof msg, &len);
    fprintf(stderr, "connect failed: %s %s\n", state, msg);
    return 1;
  }
  fflush(stdout);
  int first = run(dbc, "first", "SELECT pg_sleep(60)");
  int second = run(dbc, "second", "SELECT 1");
  fflush(stdout);
  SQLDisconnect(dbc);
  SQLFreeHandle(SQL_HANDLE_DBC, dbc);
  SQLFreeHandle(SQL_HANDLE_ENV, env);
  return first && second ? 0 : 1;
}
