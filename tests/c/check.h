/* Shared by the C test programs: CHECK, which ends the program at the first failed check
 * with the driver's diagnostics, OK, the SQLSTATE of a handle's first record, and UTF-8 <->
 * UTF-16 helpers for unixODBC's 2-byte SQLWCHAR.
 *
 * Modes, chosen by defining one macro before the include:
 * - CHECK_UNICODE_ONLY: diagnostics are read with SQLGetDiagRecW and exec() runs
 *   SQLExecDirectW, so a replay of a Unicode application (powerbi.c, tableau.c) calls no
 *   ANSI entry point, not even to report a failure.
 * - CHECK_WITHOUT_DRIVER_MANAGER: only check_fail(), for direct.c, which loads the driver
 *   with dlopen and includes no driver manager header. */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Ends the program as a failed check: one FAIL line with the source line, exit status 1. */
static inline void check_fail(const char *what, int line) {
  fprintf(stderr, "FAIL %s (line %d)\n", what, line);
  exit(1);
}

#ifndef CHECK_WITHOUT_DRIVER_MANAGER

#include <sql.h>
#include <sqlext.h>
#include <sqlucode.h>

_Static_assert(sizeof(SQLWCHAR) == 2, "the C tests assume unixODBC's 2-byte SQLWCHAR");

#define OK(rc) ((rc) == SQL_SUCCESS || (rc) == SQL_SUCCESS_WITH_INFO)

/* UTF-8 to NUL-terminated UTF-16 in one of a few rotating static buffers, so that a call
 * can take several converted arguments. */
static inline SQLWCHAR *W(const char *s) {
  static SQLWCHAR bufs[8][4096];
  static int next;
  SQLWCHAR *out = bufs[next++ & 7];
  size_t n = 0;
  const unsigned char *p = (const unsigned char *)s;
  while (*p && n + 2 < 4096) {
    unsigned cp;
    if (*p < 0x80) cp = *p++;
    else if ((*p & 0xE0) == 0xC0) { cp = (*p++ & 0x1F) << 6; cp |= *p++ & 0x3F; }
    else if ((*p & 0xF0) == 0xE0) { cp = (*p++ & 0x0F) << 12; cp |= (*p++ & 0x3F) << 6; cp |= *p++ & 0x3F; }
    else { cp = (*p++ & 0x07) << 18; cp |= (*p++ & 0x3F) << 12; cp |= (*p++ & 0x3F) << 6; cp |= *p++ & 0x3F; }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out[n++] = (SQLWCHAR)(0xD800 + (cp >> 10));
      out[n++] = (SQLWCHAR)(0xDC00 + (cp & 0x3FF));
    } else {
      out[n++] = (SQLWCHAR)cp;
    }
  }
  out[n] = 0;
  return out;
}

/* UTF-16 (n units, or NUL-terminated when n < 0) to UTF-8 in a rotating static buffer. */
static inline const char *U8(const SQLWCHAR *w, long n) {
  static char bufs[4][8192];
  static int next;
  char *out = bufs[next++ & 3];
  size_t o = 0;
  for (long i = 0; (n < 0 ? w[i] != 0 : i < n) && o + 5 < 8192; i++) {
    unsigned cp = w[i];
    if (cp >= 0xD800 && cp < 0xDC00 && (n < 0 || i + 1 < n)) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (w[i + 1] - 0xDC00);
      i++;
    }
    if (cp < 0x80) out[o++] = (char)cp;
    else if (cp < 0x800) { out[o++] = (char)(0xC0 | (cp >> 6)); out[o++] = (char)(0x80 | (cp & 0x3F)); }
    else if (cp < 0x10000) { out[o++] = (char)(0xE0 | (cp >> 12)); out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[o++] = (char)(0x80 | (cp & 0x3F)); }
    else { out[o++] = (char)(0xF0 | (cp >> 18)); out[o++] = (char)(0x80 | ((cp >> 12) & 0x3F)); out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[o++] = (char)(0x80 | (cp & 0x3F)); }
  }
  out[o] = 0;
  return out;
}

/* Diagnostic record `i` of a handle as UTF-8 SQLSTATE and message (cut to fit); false when
 * there is none. */
static inline int diag_record(SQLSMALLINT type, SQLHANDLE h, SQLSMALLINT i, char state[6], char *msg, size_t msg_size) {
  SQLINTEGER native;
  SQLSMALLINT len;
#ifdef CHECK_UNICODE_ONLY
  SQLWCHAR wstate[6] = {0}, wmsg[1024];
  if (!OK(SQLGetDiagRecW(type, h, i, wstate, &native, wmsg, 1024, &len))) return 0;
  snprintf(state, 6, "%s", U8(wstate, -1));
  snprintf(msg, msg_size, "%s", U8(wmsg, -1));
#else
  SQLCHAR astate[6] = {0}, amsg[1024];
  if (!OK(SQLGetDiagRec(type, h, i, astate, &native, amsg, sizeof amsg, &len))) return 0;
  snprintf(state, 6, "%s", (const char *)astate);
  snprintf(msg, msg_size, "%s", (const char *)amsg);
#endif
  return 1;
}

/* Prints every diagnostic record of a handle to stderr. */
static inline void diag(SQLSMALLINT type, SQLHANDLE h) {
  char state[6], msg[2048];
  for (SQLSMALLINT i = 1; diag_record(type, h, i, state, msg, sizeof msg); i++)
    fprintf(stderr, "  diag %d: %s %s\n", i, state, msg);
}

/* Ends the program as a failed check, after printing the handle's diagnostics. */
static inline void diag_and_fail(const char *what, int line, SQLSMALLINT type, SQLHANDLE h) {
  fprintf(stderr, "FAIL %s (line %d)\n", what, line);
  diag(type, h);
  exit(1);
}

/* The first record's SQLSTATE ("" when there is none), in a static buffer. */
static inline const char *first_state(SQLSMALLINT type, SQLHANDLE h) {
  static char state[6];
  char msg[2048];
  if (!diag_record(type, h, 1, state, msg, sizeof msg)) state[0] = 0;
  return state;
}

#define CHECK(cond, what, type, h) \
  do {                             \
    if (!(cond)) {                 \
      diag_and_fail(what, __LINE__, type, h); \
    }                              \
  } while (0)

/* A new statement handle on `dbc`, or the end of the program. */
static inline SQLHSTMT stmt_on(SQLHDBC dbc) {
  SQLHSTMT st;
  CHECK(OK(SQLAllocHandle(SQL_HANDLE_STMT, dbc, &st)), "alloc stmt", SQL_HANDLE_DBC, dbc);
  return st;
}

/* Runs `sql` directly; success, success with info and no data (a DML statement that touched
 * no row) pass. */
static inline void exec(SQLHSTMT st, const char *sql) {
#ifdef CHECK_UNICODE_ONLY
  SQLRETURN rc = SQLExecDirectW(st, W(sql), SQL_NTS);
#else
  SQLRETURN rc = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
#endif
  CHECK(OK(rc) || rc == SQL_NO_DATA, sql, SQL_HANDLE_STMT, st);
}

/* The first value of the first row `sql` gives, as an integer, read on a statement of its own;
 * the end of the program when there is none to read. */
static inline SQLINTEGER query_int(SQLHDBC dbc, const char *sql) {
  SQLHSTMT st = stmt_on(dbc);
  exec(st, sql);
  SQLINTEGER n = -1;
  SQLLEN ind = 0;
  CHECK(OK(SQLFetch(st)) && OK(SQLGetData(st, 1, SQL_C_SLONG, &n, 0, &ind)) && ind != SQL_NULL_DATA, sql, SQL_HANDLE_STMT, st);
  SQLFreeHandle(SQL_HANDLE_STMT, st);
  return n;
}

#ifndef CHECK_UNICODE_ONLY
/* An environment of `version` and a connection made with SQLDriverConnect NOPROMPT, or the
 * end of the program. */
static inline void connect_or_exit(const char *conn_str, SQLINTEGER version, SQLHENV *env, SQLHDBC *dbc) {
  CHECK(OK(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, env)), "alloc env", SQL_HANDLE_ENV, *env);
  CHECK(OK(SQLSetEnvAttr(*env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)(long)version, 0)), "odbc version", SQL_HANDLE_ENV, *env);
  CHECK(OK(SQLAllocHandle(SQL_HANDLE_DBC, *env, dbc)), "alloc dbc", SQL_HANDLE_ENV, *env);
  SQLRETURN rc = SQLDriverConnect(*dbc, NULL, (SQLCHAR *)conn_str, SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT);
  CHECK(OK(rc), "connect", SQL_HANDLE_DBC, *dbc);
}
#endif

/* Disconnects (which must succeed) and frees the connection and its environment. */
static inline void disconnect_and_free(SQLHENV env, SQLHDBC dbc) {
  CHECK(OK(SQLDisconnect(dbc)), "disconnect", SQL_HANDLE_DBC, dbc);
  SQLFreeHandle(SQL_HANDLE_DBC, dbc);
  SQLFreeHandle(SQL_HANDLE_ENV, env);
}

#endif /* CHECK_WITHOUT_DRIVER_MANAGER */
#endif /* CHECK_H */
