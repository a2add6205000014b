/* Every Get*Attr, SQLGetInfo and descriptor read writes no more bytes than psqlODBC writes for
 * the same item. Each answer is read twice into a fenced buffer, once filled with 0xAB and
 * once with 0x00: a byte that holds its fill both times was not written, so the extent of the
 * write is known exactly and compared with psqlODBC's width (4 for its SQLINTEGER/SQLUINTEGER
 * items, 2 for SQLUSMALLINT ones, 8 for pointers, handles and its SQLLEN/SQLULEN items).
 *
 * argv[1]: connection string. */
#include "check.h"

#define FENCE 32

static int answered;

/* The number of leading bytes written: the last position that differs from its fill. */
static int extent(const unsigned char *a, const unsigned char *z) {
  int n = 0;
  for (int i = 0; i < FENCE; i++)
    if (a[i] != 0xAB || z[i] != 0x00) n = i + 1;
  return n;
}

typedef SQLRETURN (*reader)(void *ctx, SQLINTEGER id, SQLPOINTER buf, SQLINTEGER cap, SQLINTEGER *len);

/* Reads item `id` twice and fails when more than `allowed` bytes were written. Returns
 * whether the driver answered. */
static int fenced(const char *what, SQLINTEGER id, reader r, void *ctx, SQLINTEGER cap, int allowed) {
  unsigned char a[FENCE], z[FENCE];
  SQLINTEGER la = -7, lz = -7;
  memset(a, 0xAB, FENCE);
  memset(z, 0x00, FENCE);
  SQLRETURN ra = r(ctx, id, a, cap, &la);
  SQLRETURN rz = r(ctx, id, z, cap, &lz);
  if (!OK(ra) || !OK(rz)) return 0;
  int n = extent(a, z);
  if (n > allowed) {
    fprintf(stderr, "FAIL %s %d: wrote %d bytes, psqlODBC writes %d (length %d)\n", what, (int)id, n, allowed, (int)la);
    exit(1);
  }
  answered++;
  return 1;
}

static SQLRETURN stmt_attr(void *h, SQLINTEGER id, SQLPOINTER b, SQLINTEGER cap, SQLINTEGER *len) {
  return SQLGetStmtAttr((SQLHSTMT)h, id, b, cap, len);
}
static SQLRETURN conn_attr(void *h, SQLINTEGER id, SQLPOINTER b, SQLINTEGER cap, SQLINTEGER *len) {
  return SQLGetConnectAttr((SQLHDBC)h, id, b, cap, len);
}
static SQLRETURN env_attr(void *h, SQLINTEGER id, SQLPOINTER b, SQLINTEGER cap, SQLINTEGER *len) {
  return SQLGetEnvAttr((SQLHENV)h, id, b, cap, len);
}

struct desc_ctx { SQLHDESC d; SQLSMALLINT rec; };
static SQLRETURN desc_field(void *c, SQLINTEGER id, SQLPOINTER b, SQLINTEGER cap, SQLINTEGER *len) {
  struct desc_ctx *x = c;
  return SQLGetDescField(x->d, x->rec, (SQLSMALLINT)id, b, cap, len);
}

struct col_ctx { SQLHSTMT st; };
static SQLRETURN col_attr(void *c, SQLINTEGER id, SQLPOINTER b, SQLINTEGER cap, SQLINTEGER *len) {
  struct col_ctx *x = c;
  SQLSMALLINT sl = 0;
  (void)cap;
  *len = 0;
  return SQLColAttribute(x->st, 1, (SQLUSMALLINT)id, NULL, 0, &sl, (SQLLEN *)b);
}

static SQLHDBC info_dbc;
static SQLRETURN info(void *c, SQLINTEGER id, SQLPOINTER b, SQLINTEGER cap, SQLINTEGER *len) {
  SQLSMALLINT l = 0;
  (void)c;
  SQLRETURN rc = SQLGetInfo(info_dbc, (SQLUSMALLINT)id, b, (SQLSMALLINT)cap, &l);
  *len = l;
  return rc;
}

/* SQLGetInfo types that are SQLUSMALLINT (psqlODBC writes 2 bytes). */
static const int small_info[] = {
  0, 1, 9, 12, 15, 22, 23, 24, 28, 30, 31, 32, 33, 34, 35, 46, 74, 75, 84, 85, 88, 93, 97, 98,
  99, 100, 101, 106, 107, 114, 116, 10005};
static int is_small_info(int id) {
  for (size_t i = 0; i < sizeof small_info / sizeof small_info[0]; i++)
    if (small_info[i] == id) return 1;
  return 0;
}

static void check_info(void) {
  static const int ranges[][2] = {{0, 200}, {10000, 10025}, {20000, 20010}};
  int before = answered;
  for (size_t r = 0; r < 3; r++)
    for (int id = ranges[r][0]; id <= ranges[r][1]; id++) {
      /* Handles the driver manager owns (SQL_DRIVER_HENV/HDBC/HSTMT/HLIB/HDESC). */
      if (id == 3 || id == 4 || id == 5 || id == 76 || id == 135) continue;
      unsigned char a[FENCE], z[FENCE];
      SQLINTEGER la = -1, lz = -1;
      memset(a, 0xAB, FENCE);
      memset(z, 0x00, FENCE);
      if (!OK(info(NULL, id, a, 16, &la)) || !OK(info(NULL, id, z, 16, &lz))) continue;
      int n = extent(a, z);
      /* A string answer is NUL-terminated within the 16 bytes given. */
      int string = (la < 16 && n == la + 1 && a[la] == 0) || (la >= 16 && n <= 16 && a[15] == 0);
      int allowed = string ? 16 : is_small_info(id) ? 2 : 4;
      if (n > allowed || (!string && la != allowed && !(is_small_info(id) && la == 2))) {
        fprintf(stderr, "FAIL SQLGetInfo %d: wrote %d bytes (length %d), psqlODBC writes %d\n", id, n, (int)la, allowed);
        exit(1);
      }
      answered++;
    }
  printf("ok info (%d types)\n", answered - before);
  if (answered - before < 100) { fprintf(stderr, "FAIL too few info types answered\n"); exit(1); }
}

/* Statement attributes psqlODBC writes as 32-bit integers, then those in the full width. */
static const int stmt32[] = {SQL_ATTR_NOSCAN, SQL_ATTR_ASYNC_ENABLE, SQL_ATTR_ROW_BIND_TYPE,
  SQL_ATTR_CURSOR_TYPE, SQL_ATTR_CONCURRENCY, SQL_ATTR_SIMULATE_CURSOR, SQL_ATTR_RETRIEVE_DATA,
  SQL_ATTR_USE_BOOKMARKS, SQL_ATTR_ENABLE_AUTO_IPD, SQL_ATTR_PARAM_BIND_TYPE,
  SQL_ATTR_CURSOR_SCROLLABLE, SQL_ATTR_CURSOR_SENSITIVITY, SQL_ATTR_METADATA_ID, SQL_ATTR_ROW_NUMBER};
static const int stmt64[] = {SQL_ATTR_QUERY_TIMEOUT, SQL_ATTR_MAX_ROWS, SQL_ATTR_MAX_LENGTH,
  SQL_ATTR_KEYSET_SIZE, SQL_ROWSET_SIZE, SQL_ATTR_ROW_ARRAY_SIZE, SQL_ATTR_PARAMSET_SIZE,
  SQL_ATTR_FETCH_BOOKMARK_PTR, SQL_ATTR_PARAM_BIND_OFFSET_PTR, SQL_ATTR_PARAM_OPERATION_PTR,
  SQL_ATTR_PARAM_STATUS_PTR, SQL_ATTR_PARAMS_PROCESSED_PTR, SQL_ATTR_ROW_BIND_OFFSET_PTR,
  SQL_ATTR_ROW_OPERATION_PTR, SQL_ATTR_ROW_STATUS_PTR, SQL_ATTR_ROWS_FETCHED_PTR,
  SQL_ATTR_APP_ROW_DESC, SQL_ATTR_APP_PARAM_DESC, SQL_ATTR_IMP_ROW_DESC, SQL_ATTR_IMP_PARAM_DESC};

static void check_stmt(SQLHSTMT st) {
  int n = 0;
  for (size_t i = 0; i < sizeof stmt32 / sizeof stmt32[0]; i++) {
    /* The 4-byte variable the programs pass: SQL_IS_UINTEGER, and a BufferLength of 4. */
    n += fenced("SQLGetStmtAttr(SQL_IS_UINTEGER)", stmt32[i], stmt_attr, st, SQL_IS_UINTEGER, 4);
    n += fenced("SQLGetStmtAttr(4)", stmt32[i], stmt_attr, st, 4, 4);
    n += fenced("SQLGetStmtAttr(SQL_IS_INTEGER)", stmt32[i], stmt_attr, st, SQL_IS_INTEGER, 4);
  }
  for (size_t i = 0; i < sizeof stmt64 / sizeof stmt64[0]; i++)
    n += fenced("SQLGetStmtAttr", stmt64[i], stmt_attr, st, 16, 8);
  /* SQL_ATTR_ROW_NUMBER needs a row; the cursor attributes are the ones the issue names. */
  SQLULEN cursor_type = 0xABABABABABABABABULL;
  CHECK(OK(SQLGetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, &cursor_type, SQL_IS_UINTEGER, NULL)), "cursor type", SQL_HANDLE_STMT, st);
  CHECK((cursor_type & 0xFFFFFFFFu) == SQL_CURSOR_FORWARD_ONLY && (cursor_type >> 32) == 0xABABABABu,
        "SQL_ATTR_CURSOR_TYPE wrote 4 bytes", SQL_HANDLE_STMT, st);
  printf("ok statement attributes (%d reads)\n", n);
  if (n < 50) { fprintf(stderr, "FAIL too few statement attributes answered\n"); exit(1); }
}

static void check_conn(SQLHDBC dbc) {
  /* SQL_ATTR_ODBC_CURSORS, SQL_ATTR_TRACE and SQL_ATTR_TRACEFILE are answered by unixODBC
   * itself (it writes SQL_ATTR_ODBC_CURSORS as an SQLULEN) and never reach the driver. */
  static const int conn32[] = {SQL_ATTR_ACCESS_MODE, SQL_ATTR_AUTOCOMMIT, SQL_ATTR_LOGIN_TIMEOUT,
    SQL_ATTR_TXN_ISOLATION, SQL_ATTR_PACKET_SIZE, SQL_ATTR_CONNECTION_TIMEOUT, SQL_ATTR_ASYNC_ENABLE,
    SQL_ATTR_AUTO_IPD, SQL_ATTR_METADATA_ID, SQL_ATTR_CONNECTION_DEAD};
  int n = 0;
  for (size_t i = 0; i < sizeof conn32 / sizeof conn32[0]; i++) {
    n += fenced("SQLGetConnectAttr(SQL_IS_UINTEGER)", conn32[i], conn_attr, dbc, SQL_IS_UINTEGER, 4);
    n += fenced("SQLGetConnectAttr(4)", conn32[i], conn_attr, dbc, 4, 4);
  }
  n += fenced("SQLGetConnectAttr", SQL_ATTR_QUIET_MODE, conn_attr, dbc, 16, 8);
  n += fenced("SQLGetConnectAttr(string)", SQL_ATTR_CURRENT_CATALOG, conn_attr, dbc, 8, 8);
  printf("ok connection attributes (%d reads)\n", n);
  if (n < 20) { fprintf(stderr, "FAIL too few connection attributes answered\n"); exit(1); }
}

static void check_env(SQLHENV env) {
  static const int env32[] = {SQL_ATTR_ODBC_VERSION, SQL_ATTR_CONNECTION_POOLING, SQL_ATTR_CP_MATCH, SQL_ATTR_OUTPUT_NTS};
  int n = 0;
  for (size_t i = 0; i < 4; i++) n += fenced("SQLGetEnvAttr", env32[i], env_attr, env, SQL_IS_UINTEGER, 4);
  printf("ok environment attributes (%d reads)\n", n);
  if (n < 2) { fprintf(stderr, "FAIL too few environment attributes answered\n"); exit(1); }
}

static const int pointer_fields[] = {SQL_DESC_DATA_PTR, SQL_DESC_INDICATOR_PTR, SQL_DESC_OCTET_LENGTH_PTR,
  SQL_DESC_ARRAY_STATUS_PTR, SQL_DESC_BIND_OFFSET_PTR, SQL_DESC_ROWS_PROCESSED_PTR};
static const int small_fields[] = {SQL_DESC_TYPE, SQL_DESC_CONCISE_TYPE, SQL_DESC_DATETIME_INTERVAL_CODE,
  SQL_DESC_COUNT, SQL_DESC_ALLOC_TYPE, SQL_DESC_PRECISION, SQL_DESC_SCALE, SQL_DESC_PARAMETER_TYPE, SQL_DESC_UNNAMED};
static const int numeric_fields[] = {SQL_DESC_ARRAY_SIZE, SQL_DESC_BIND_TYPE, SQL_DESC_LENGTH, SQL_DESC_OCTET_LENGTH,
  SQL_DESC_DISPLAY_SIZE, SQL_DESC_NULLABLE, SQL_DESC_NUM_PREC_RADIX, SQL_DESC_DATETIME_INTERVAL_PRECISION,
  SQL_DESC_CASE_SENSITIVE, SQL_DESC_FIXED_PREC_SCALE, SQL_DESC_UNSIGNED, SQL_DESC_SEARCHABLE,
  SQL_DESC_UPDATABLE, SQL_DESC_AUTO_UNIQUE_VALUE, SQL_DESC_ROWVER};

static int check_desc(const char *name, SQLHDESC d, int apd) {
  struct desc_ctx c = {d, 1};
  int n = 0;
  for (size_t i = 0; i < sizeof pointer_fields / sizeof pointer_fields[0]; i++)
    n += fenced(name, pointer_fields[i], desc_field, &c, SQL_IS_POINTER, 8);
  for (size_t i = 0; i < sizeof small_fields / sizeof small_fields[0]; i++)
    n += fenced(name, small_fields[i], desc_field, &c, SQL_IS_SMALLINT, 4);
  for (size_t i = 0; i < sizeof numeric_fields / sizeof numeric_fields[0]; i++) {
    int allowed = apd && numeric_fields[i] == SQL_DESC_ARRAY_SIZE ? 8 : 4;
    n += fenced(name, numeric_fields[i], desc_field, &c, SQL_IS_INTEGER, allowed);
  }
  return n;
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: buffers CONNSTR\n"); return 2; }
  SQLHENV env;
  SQLHDBC dbc;
  connect_or_exit(argv[1], SQL_OV_ODBC3, &env, &dbc);
  info_dbc = dbc;
  check_env(env);
  check_conn(dbc);
  check_info();

  SQLHSTMT st = stmt_on(dbc);
  check_stmt(st);

  SQLINTEGER col = 0, param = 7;
  SQLLEN col_ind = 0, param_ind = 0;
  CHECK(OK(SQLPrepare(st, (SQLCHAR *)"SELECT ?::int AS n, 'text'::varchar(20) AS t", SQL_NTS)), "prepare", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindParameter(st, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &param, 0, &param_ind)), "bind param", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLBindCol(st, 1, SQL_C_SLONG, &col, 0, &col_ind)), "bind col", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLExecute(st)), "execute", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLFetch(st)), "fetch", SQL_HANDLE_STMT, st);
  CHECK(col == 7, "fetched value", SQL_HANDLE_STMT, st);
  /* With a row, SQL_ATTR_ROW_NUMBER answers too. */
  fenced("SQLGetStmtAttr(ROW_NUMBER)", SQL_ATTR_ROW_NUMBER, stmt_attr, st, SQL_IS_UINTEGER, 4);

  SQLHDESC ard, apd, ird, ipd;
  CHECK(OK(SQLGetStmtAttr(st, SQL_ATTR_APP_ROW_DESC, &ard, SQL_IS_POINTER, NULL)), "ard", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetStmtAttr(st, SQL_ATTR_APP_PARAM_DESC, &apd, SQL_IS_POINTER, NULL)), "apd", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetStmtAttr(st, SQL_ATTR_IMP_ROW_DESC, &ird, SQL_IS_POINTER, NULL)), "ird", SQL_HANDLE_STMT, st);
  CHECK(OK(SQLGetStmtAttr(st, SQL_ATTR_IMP_PARAM_DESC, &ipd, SQL_IS_POINTER, NULL)), "ipd", SQL_HANDLE_STMT, st);
  int n = check_desc("SQLGetDescField(ARD)", ard, 0) + check_desc("SQLGetDescField(APD)", apd, 1) +
          check_desc("SQLGetDescField(IRD)", ird, 0) + check_desc("SQLGetDescField(IPD)", ipd, 0);
  printf("ok descriptor fields (%d reads)\n", n);
  if (n < 40) { fprintf(stderr, "FAIL too few descriptor fields answered\n"); exit(1); }

  /* SQLColAttribute's numeric answer is an SQLLEN in psqlODBC too. */
  struct col_ctx cc = {st};
  static const int col_fields[] = {SQL_DESC_LENGTH, SQL_DESC_OCTET_LENGTH, SQL_DESC_DISPLAY_SIZE,
    SQL_DESC_TYPE, SQL_DESC_CONCISE_TYPE, SQL_DESC_PRECISION, SQL_DESC_SCALE, SQL_DESC_NULLABLE,
    SQL_DESC_UNSIGNED, SQL_DESC_SEARCHABLE, SQL_DESC_COUNT};
  n = 0;
  for (size_t i = 0; i < sizeof col_fields / sizeof col_fields[0]; i++)
    n += fenced("SQLColAttribute", col_fields[i], col_attr, &cc, 0, 8);
  printf("ok column attributes (%d reads)\n", n);
  if (n < 8) { fprintf(stderr, "FAIL too few column attributes answered\n"); exit(1); }

  SQLFreeHandle(SQL_HANDLE_STMT, st);
  disconnect_and_free(env, dbc);
  printf("all passed\n");
  return 0;
}
