/* psqlODBC's own connection attributes (SQL_ATTR_PGOPT_*, 65536 to 65551), as programs written
 * for psqlODBC read and set them: each is a 4-byte SQLINTEGER (guard bytes around the
 * variable prove no more is written); the DSN's keys give the values read; setting
 * BoolsAsChar, UnknownsAsLongVarchar, MaxVarcharSize or UnknownSizes changes how a statement
 * described afterwards reports its columns.
 *
 * argv[1]: connection string; the test adds BoolsAsChar=1 (as its abbreviation B9), Fetch=250
 * and BatchSize=7. */
#include "check.h"

#define PGOPT_DEBUG 65536
#define PGOPT_PARSE 65538
#define PGOPT_SERVER_SIDE_PREPARE 65540
#define PGOPT_FETCH 65541
#define PGOPT_UNKNOWNSIZES 65542
#define PGOPT_TEXTASLONGVARCHAR 65543
#define PGOPT_UNKNOWNSASLONGVARCHAR 65544
#define PGOPT_BOOLSASCHAR 65545
#define PGOPT_MAXVARCHARSIZE 65546
#define PGOPT_MAXLONGVARCHARSIZE 65547
#define PGOPT_MSJET 65549
#define PGOPT_BATCHSIZE 65550
#define PGOPT_IGNORETIMEOUT 65551

/* Reads a PGOPT attribute into a 4-byte variable fenced by guard bytes. */
static SQLINTEGER get_attr(SQLHDBC dbc, SQLINTEGER attr) {
  struct {
    unsigned char before[8];
    SQLINTEGER value;
    unsigned char after[8];
  } fenced;
  memset(&fenced, 0xAB, sizeof fenced);
  SQLRETURN rc = SQLGetConnectAttr(dbc, attr, &fenced.value, SQL_IS_INTEGER, NULL);
  CHECK(rc == SQL_SUCCESS, "SQLGetConnectAttr of a PGOPT attribute", SQL_HANDLE_DBC, dbc);
  for (int i = 0; i < 8; i++) {
    if (fenced.before[i] != 0xAB || fenced.after[i] != 0xAB) {
      fprintf(stderr, "FAIL attribute %d wrote outside its 4 bytes\n", (int)attr);
      exit(1);
    }
  }
  return fenced.value;
}

static void expect_attr(SQLHDBC dbc, SQLINTEGER attr, SQLINTEGER want) {
  SQLINTEGER got = get_attr(dbc, attr);
  if (got != want) {
    fprintf(stderr, "FAIL attribute %d is %d, want %d\n", (int)attr, (int)got, (int)want);
    exit(1);
  }
}

static void set_attr(SQLHDBC dbc, SQLINTEGER attr, SQLINTEGER value) {
  SQLRETURN rc = SQLSetConnectAttr(dbc, attr, (SQLPOINTER)(SQLLEN)value, SQL_IS_INTEGER);
  CHECK(rc == SQL_SUCCESS, "SQLSetConnectAttr of a PGOPT attribute", SQL_HANDLE_DBC, dbc);
}

/* The SQL type and column size SQLDescribeCol gives the first column of `sql`. */
static void describe_first(SQLHDBC dbc, const char *sql, SQLSMALLINT want_type, SQLULEN want_size) {
  SQLHSTMT st = stmt_on(dbc);
  exec(st, sql);
  SQLCHAR name[64];
  SQLSMALLINT name_len, type, digits, nullable;
  SQLULEN size;
  CHECK(OK(SQLDescribeCol(st, 1, name, sizeof name, &name_len, &type, &size, &digits, &nullable)),
        "SQLDescribeCol", SQL_HANDLE_STMT, st);
  if (type != want_type || size != want_size) {
    fprintf(stderr, "FAIL %s: type %d size %lu, want %d size %lu\n", sql, type,
            (unsigned long)size, want_type, (unsigned long)want_size);
    exit(1);
  }
  SQLFreeHandle(SQL_HANDLE_STMT, st);
}

int main(int argc, char **argv) {
  if (argc < 2) check_fail("usage: pgopt CONNECTION_STRING", __LINE__);
  char conn[2048];
  snprintf(conn, sizeof conn, "%s;B9=1;Fetch=250;BatchSize=7", argv[1]);
  SQLHENV env;
  SQLHDBC dbc;
  connect_or_exit(conn, SQL_OV_ODBC3, &env, &dbc);

  /* The keys and psqlODBC's defaults, read back. */
  expect_attr(dbc, PGOPT_BOOLSASCHAR, 1);
  expect_attr(dbc, PGOPT_FETCH, 250);
  expect_attr(dbc, PGOPT_BATCHSIZE, 7);
  expect_attr(dbc, PGOPT_TEXTASLONGVARCHAR, 1);
  expect_attr(dbc, PGOPT_MAXVARCHARSIZE, 255);
  expect_attr(dbc, PGOPT_MAXLONGVARCHARSIZE, 8190);
  expect_attr(dbc, PGOPT_UNKNOWNSIZES, 0);
  expect_attr(dbc, PGOPT_SERVER_SIDE_PREPARE, 1);
  expect_attr(dbc, PGOPT_DEBUG, 0);
  expect_attr(dbc, PGOPT_PARSE, 0);
  expect_attr(dbc, PGOPT_MSJET, 0);
  expect_attr(dbc, PGOPT_IGNORETIMEOUT, 0);

  /* BoolsAsChar from the key, then switched off for later statements. */
  describe_first(dbc, "SELECT true", SQL_VARCHAR, 5);
  set_attr(dbc, PGOPT_BOOLSASCHAR, 0);
  expect_attr(dbc, PGOPT_BOOLSASCHAR, 0);
  describe_first(dbc, "SELECT true", SQL_BIT, 1);

  /* Types without an ODBC equivalent: long by default here, VARCHAR of MaxVarcharSize when
   * UnknownsAsLongVarchar is off; MaxVarcharSize itself settable. */
  describe_first(dbc, "SELECT '{}'::json", SQL_LONGVARCHAR, 8190);
  set_attr(dbc, PGOPT_UNKNOWNSASLONGVARCHAR, 0);
  set_attr(dbc, PGOPT_MAXVARCHARSIZE, 300);
  expect_attr(dbc, PGOPT_MAXVARCHARSIZE, 300);
  describe_first(dbc, "SELECT '{}'::json", SQL_VARCHAR, 300);

  /* UnknownSizes = 1 (don't know): column size 0 for text without a declared length. */
  set_attr(dbc, PGOPT_UNKNOWNSIZES, 1);
  expect_attr(dbc, PGOPT_UNKNOWNSIZES, 1);
  describe_first(dbc, "SELECT 'x'::text", SQL_LONGVARCHAR, 0);
  describe_first(dbc, "SELECT 'x'::varchar(7)", SQL_VARCHAR, 7);

  /* The attributes without an effect keep what the program set. */
  set_attr(dbc, PGOPT_FETCH, 33);
  expect_attr(dbc, PGOPT_FETCH, 33);
  set_attr(dbc, PGOPT_DEBUG, 1);
  expect_attr(dbc, PGOPT_DEBUG, 1);

  /* Past the last PGOPT attribute is still unknown. */
  SQLINTEGER v = 0;
  SQLRETURN rc = SQLGetConnectAttr(dbc, 65552, &v, SQL_IS_INTEGER, NULL);
  if (rc != SQL_ERROR || strcmp(first_state(SQL_HANDLE_DBC, dbc), "HY092") != 0) {
    fprintf(stderr, "FAIL attribute 65552: rc %d state %s, want HY092\n", rc,
            first_state(SQL_HANDLE_DBC, dbc));
    exit(1);
  }

  disconnect_and_free(env, dbc);
  printf("all passed\n");
  return 0;
}
