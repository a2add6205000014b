/* Shared by the BI tool replays (powerbi.c, tableau.c): checks that print the driver's
 * diagnostics, and UTF-8 <-> UTF-16 helpers for unixODBC's 2-byte SQLWCHAR. */
#ifndef BI_COMMON_H
#define BI_COMMON_H

#include <sql.h>
#include <sqlext.h>
#include <sqlucode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(SQLWCHAR) == 2, "these replays assume unixODBC's 2-byte SQLWCHAR");

/* UTF-8 to NUL-terminated UTF-16 in one of a few rotating static buffers, so that a call
 * can take several converted arguments. */
static SQLWCHAR *W(const char *s) {
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
static const char *U8(const SQLWCHAR *w, long n) {
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

static void diag(SQLSMALLINT type, SQLHANDLE h) {
  SQLWCHAR state[6], msg[1024];
  SQLINTEGER native;
  SQLSMALLINT len;
  for (SQLSMALLINT i = 1; SQLGetDiagRecW(type, h, i, state, &native, msg, 1024, &len) == SQL_SUCCESS; i++)
    fprintf(stderr, "  diag %d: %s %s\n", i, U8(state, -1), U8(msg, -1));
}

/* The first record's SQLSTATE, read the way these tools read it: SQLGetDiagRecW. */
static const char *first_state(SQLSMALLINT type, SQLHANDLE h) {
  static char out[6];
  SQLWCHAR state[6] = {0}, msg[512];
  SQLINTEGER native;
  SQLSMALLINT len;
  out[0] = 0;
  if (SQL_SUCCEEDED(SQLGetDiagRecW(type, h, 1, state, &native, msg, 512, &len))) snprintf(out, sizeof out, "%s", U8(state, -1));
  return out;
}

#define CHECK(cond, what, type, h)                                   \
  do {                                                               \
    if (!(cond)) {                                                   \
      fprintf(stderr, "FAIL %s (line %d)\n", what, __LINE__);        \
      diag(type, h);                                                 \
      exit(1);                                                       \
    }                                                                \
  } while (0)

#define OK(rc) ((rc) == SQL_SUCCESS || (rc) == SQL_SUCCESS_WITH_INFO)

static void exec_w(SQLHSTMT st, const char *sql) {
  SQLRETURN rc = SQLExecDirectW(st, W(sql), SQL_NTS);
  CHECK(OK(rc) || rc == SQL_NO_DATA, sql, SQL_HANDLE_STMT, st);
}

#endif
