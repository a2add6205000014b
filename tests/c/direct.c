/* Calls the driver's entry points directly (dlopen, no driver manager) with bad input:
 * freed and wrong-type handles, NULL output pointers, negative and short buffer lengths,
 * invalid UTF-16, unknown info types, malformed connection strings. It must never crash.
 * Usage: direct <path to libauroraodbc.so> "<connection string without Driver=>" */
#include <dlfcn.h>

#define CHECK_WITHOUT_DRIVER_MANAGER
#include "check.h"

/* The ODBC declarations this program needs, written out: it uses no driver manager, so it
 * depends on no driver manager's headers (unixODBC's and iODBC's differ in SQLWCHAR). */
typedef short SQLRETURN, SQLSMALLINT;
typedef unsigned short SQLUSMALLINT, SQLWCHAR;
typedef int SQLINTEGER;
typedef long SQLLEN;
typedef unsigned long SQLULEN;
typedef unsigned char SQLCHAR;
typedef void *SQLPOINTER, *SQLHANDLE, *SQLHENV, *SQLHDBC, *SQLHSTMT, *SQLHDESC, *SQLHWND;
#define SQL_SUCCESS 0
#define SQL_SUCCESS_WITH_INFO 1
#define SQL_ERROR (-1)
#define SQL_INVALID_HANDLE (-2)
#define SQL_NO_DATA 100
#define SQL_NTS (-3)
#define SQL_NULL_HANDLE NULL
#define SQL_HANDLE_ENV 1
#define SQL_HANDLE_DBC 2
#define SQL_HANDLE_STMT 3
#define SQL_HANDLE_DESC 4
#define SQL_ATTR_ODBC_VERSION 200
#define SQL_OV_ODBC3 3UL
#define SQL_DRIVER_NOPROMPT 0
#define SQL_DBMS_NAME 17
#define SQL_API_ODBC3_ALL_FUNCTIONS 999
#define SQL_API_ODBC3_ALL_FUNCTIONS_SIZE 250
#define SQL_FUNC_EXISTS(bits, id) (((bits)[(id) >> 4] & (1 << ((id) & 0x000F))) ? 1 : 0)
#define SQL_API_SQLTABLES 54
#define SQL_API_SQLSETPOS 68
#define SQL_API_SQLBROWSECONNECT 55
#define SQL_API_SQLGETDESCFIELD 1008
#define SQL_C_CHAR 1
#define SQL_C_LONG 4
#define SQL_SMALLINT 5
#define SQL_ATTR_APP_PARAM_DESC 10011
#define SQL_ATTR_IMP_ROW_DESC 10012
#define SQL_DESC_COUNT 1001
#define SQL_DESC_CONCISE_TYPE 2
#define SQL_ATTR_CURRENT_CATALOG 109
#define SQL_NEED_DATA 99
#define SQL_DATA_AT_EXEC (-2)
#define SQL_PARAM_INPUT 1
#define SQL_INTEGER 4
#define SQL_VARCHAR 12
#define SQL_ATTR_PARAMSET_SIZE 22
#define SQL_ATTR_ROW_ARRAY_SIZE 27
#define SQL_DESC_ARRAY_SIZE 20

typedef SQLRETURN (*AllocHandle_t)(SQLSMALLINT, SQLHANDLE, SQLHANDLE *);
typedef SQLRETURN (*FreeHandle_t)(SQLSMALLINT, SQLHANDLE);
typedef SQLRETURN (*SetEnvAttr_t)(SQLHENV, SQLINTEGER, SQLPOINTER, SQLINTEGER);
typedef SQLRETURN (*DriverConnect_t)(SQLHDBC, SQLHWND, SQLCHAR *, SQLSMALLINT, SQLCHAR *, SQLSMALLINT, SQLSMALLINT *, SQLUSMALLINT);
typedef SQLRETURN (*Disconnect_t)(SQLHDBC);
typedef SQLRETURN (*GetDiagRec_t)(SQLSMALLINT, SQLHANDLE, SQLSMALLINT, SQLCHAR *, SQLINTEGER *, SQLCHAR *, SQLSMALLINT, SQLSMALLINT *);
typedef SQLRETURN (*ExecDirect_t)(SQLHSTMT, SQLCHAR *, SQLINTEGER);
typedef SQLRETURN (*ExecDirectW_t)(SQLHSTMT, SQLWCHAR *, SQLINTEGER);
typedef SQLRETURN (*NumResultCols_t)(SQLHSTMT, SQLSMALLINT *);
typedef SQLRETURN (*SetPos_t)(SQLHSTMT, SQLULEN, SQLUSMALLINT, SQLUSMALLINT);
typedef SQLRETURN (*GetInfo_t)(SQLHDBC, SQLUSMALLINT, SQLPOINTER, SQLSMALLINT, SQLSMALLINT *);
typedef SQLRETURN (*BindCol_t)(SQLHSTMT, SQLUSMALLINT, SQLSMALLINT, SQLPOINTER, SQLLEN, SQLLEN *);
typedef SQLRETURN (*Fetch_t)(SQLHSTMT);
typedef SQLRETURN (*GetData_t)(SQLHSTMT, SQLUSMALLINT, SQLSMALLINT, SQLPOINTER, SQLLEN, SQLLEN *);
typedef SQLRETURN (*DescribeCol_t)(SQLHSTMT, SQLUSMALLINT, SQLCHAR *, SQLSMALLINT, SQLSMALLINT *, SQLSMALLINT *, SQLULEN *, SQLSMALLINT *, SQLSMALLINT *);
typedef SQLRETURN (*CloseCursor_t)(SQLHSTMT);
typedef SQLRETURN (*GetStmtAttr_t)(SQLHSTMT, SQLINTEGER, SQLPOINTER, SQLINTEGER, SQLINTEGER *);
typedef SQLRETURN (*GetDescField_t)(SQLHDESC, SQLSMALLINT, SQLSMALLINT, SQLPOINTER, SQLINTEGER, SQLINTEGER *);
typedef SQLRETURN (*SetDescField_t)(SQLHDESC, SQLSMALLINT, SQLSMALLINT, SQLPOINTER, SQLINTEGER);
typedef SQLRETURN (*Prepare_t)(SQLHSTMT, SQLCHAR *, SQLINTEGER);
typedef SQLRETURN (*Tables_t)(SQLHSTMT, SQLCHAR *, SQLSMALLINT, SQLCHAR *, SQLSMALLINT, SQLCHAR *, SQLSMALLINT, SQLCHAR *, SQLSMALLINT);
typedef SQLRETURN (*Cancel_t)(SQLHSTMT);
typedef SQLRETURN (*GetCursorName_t)(SQLHSTMT, SQLCHAR *, SQLSMALLINT, SQLSMALLINT *);
typedef SQLRETURN (*NativeSql_t)(SQLHDBC, SQLCHAR *, SQLINTEGER, SQLCHAR *, SQLINTEGER, SQLINTEGER *);
typedef SQLRETURN (*GetFunctions_t)(SQLHDBC, SQLUSMALLINT, SQLUSMALLINT *);
typedef SQLRETURN (*BindParameter_t)(SQLHSTMT, SQLUSMALLINT, SQLSMALLINT, SQLSMALLINT, SQLSMALLINT, SQLULEN, SQLSMALLINT, SQLPOINTER, SQLLEN, SQLLEN *);
typedef SQLRETURN (*ParamData_t)(SQLHSTMT, SQLPOINTER *);
typedef SQLRETURN (*PutData_t)(SQLHSTMT, SQLPOINTER, SQLLEN);
typedef SQLRETURN (*SetStmtAttr_t)(SQLHSTMT, SQLINTEGER, SQLPOINTER, SQLINTEGER);
typedef SQLRETURN (*GetConnectAttr_t)(SQLHDBC, SQLINTEGER, SQLPOINTER, SQLINTEGER, SQLINTEGER *);

static void *lib;
static int checks;

static void *sym(const char *name) {
  void *p = dlsym(lib, name);
  if (!p) {
    fprintf(stderr, "FAIL missing symbol %s\n", name);
    exit(1);
  }
  return p;
}

#define F(name) ((name##_t)sym("SQL" #name))

/* Here every check passed is printed and counted. */
#define CHECK(cond, what)                   \
  do {                                      \
    checks++;                               \
    if (!(cond)) check_fail(what, __LINE__); \
    printf("ok %s\n", what);                \
  } while (0)

static char last_msg[1024];
static const char *state_of(SQLSMALLINT type, SQLHANDLE h) {
  static SQLCHAR st[6];
  SQLINTEGER native;
  SQLSMALLINT len;
  st[0] = 0;
  last_msg[0] = 0;
  F(GetDiagRec)(type, h, 1, st, &native, (SQLCHAR *)last_msg, sizeof last_msg, &len);
  return (const char *)st;
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "FAIL dlopen: %s\n", dlerror());
    return 1;
  }
  SQLHENV env = NULL;
  SQLHDBC dbc = NULL;
  SQLHSTMT st = NULL;
  SQLRETURN rc;

  CHECK(F(AllocHandle)(SQL_HANDLE_ENV, SQL_NULL_HANDLE, NULL) == SQL_ERROR, "AllocHandle with a NULL output pointer");
  CHECK(F(AllocHandle)(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env) == SQL_SUCCESS, "allocate an environment");
  CHECK(F(SetEnvAttr)(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0) == SQL_SUCCESS, "ODBC 3");
  SQLHDBC other = (SQLHDBC)0x1;
  CHECK(F(AllocHandle)(SQL_HANDLE_DBC, (SQLHANDLE)0x1234, &other) == SQL_INVALID_HANDLE && other == NULL, "connection from a bogus environment: invalid handle");
  CHECK(F(AllocHandle)(SQL_HANDLE_DBC, env, &dbc) == SQL_SUCCESS, "allocate a connection");
  CHECK(F(AllocHandle)(SQL_HANDLE_STMT, dbc, &st) == SQL_ERROR && strcmp(state_of(SQL_HANDLE_DBC, dbc), "08003") == 0,
        "statement on an unconnected connection: 08003");

  /* Malformed connection strings. */
  char bad[1200];
  snprintf(bad, sizeof bad, "%s;Database={unterminated", argv[2]);
  rc = F(DriverConnect)(dbc, NULL, (SQLCHAR *)bad, SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT);
  CHECK(rc == SQL_ERROR && strcmp(state_of(SQL_HANDLE_DBC, dbc), "08001") == 0 && strlen(last_msg) > 10,
        "unterminated brace: 08001 with a message");
  printf("  message: %s\n", last_msg);
  snprintf(bad, sizeof bad, "%s;failure_detection_time_ms=abc", argv[2]);
  rc = F(DriverConnect)(dbc, NULL, (SQLCHAR *)bad, SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT);
  CHECK(rc == SQL_ERROR && strcmp(state_of(SQL_HANDLE_DBC, dbc), "08001") == 0, "bad key value: 08001");
  CHECK(strstr(last_msg, "failure_detection_time_ms") && strstr(last_msg, "abc"), "the message names the key and the value");
  printf("  message: %s\n", last_msg);
  rc = F(DriverConnect)(dbc, NULL, NULL, SQL_NTS, NULL, 0, NULL, SQL_DRIVER_NOPROMPT);
  CHECK(rc == SQL_ERROR && strcmp(state_of(SQL_HANDLE_DBC, dbc), "HY009") == 0, "NULL connection string: HY009");
  rc = F(DriverConnect)(dbc, NULL, (SQLCHAR *)argv[2], -7, NULL, 0, NULL, SQL_DRIVER_NOPROMPT);
  CHECK(rc == SQL_ERROR && strcmp(state_of(SQL_HANDLE_DBC, dbc), "HY090") == 0, "negative connection string length: HY090");

  /* A NUL inside a key (explicit length) is refused, not read as part of an unknown key. */
  int n = snprintf(bad, sizeof bad, "%s;Data", argv[2]);
  memcpy(bad + n, "\0base=x", 7);
  rc = F(DriverConnect)(dbc, NULL, (SQLCHAR *)bad, (SQLSMALLINT)(n + 7), NULL, 0, NULL, SQL_DRIVER_NOPROMPT);
  CHECK(rc == SQL_ERROR && strcmp(state_of(SQL_HANDLE_DBC, dbc), "08001") == 0 && strstr(last_msg, "NUL"), "NUL inside a key: 08001");
  printf("  message: %s\n", last_msg);

  SQLCHAR out[16];
  SQLSMALLINT out_len = 0;
  rc = F(DriverConnect)(dbc, NULL, (SQLCHAR *)argv[2], SQL_NTS, out, -1, &out_len, SQL_DRIVER_NOPROMPT);
  CHECK(rc == SQL_ERROR && strcmp(state_of(SQL_HANDLE_DBC, dbc), "HY090") == 0, "negative out-string buffer length: HY090, not connected");
  rc = F(DriverConnect)(dbc, NULL, (SQLCHAR *)argv[2], SQL_NTS, out, sizeof out, &out_len, SQL_DRIVER_NOPROMPT);
  CHECK(rc == SQL_SUCCESS_WITH_INFO && strcmp(state_of(SQL_HANDLE_DBC, dbc), "01004") == 0 && out_len > (SQLSMALLINT)sizeof out,
        "connect with a short out-string buffer: 01004 and the full length");

  /* A string connection attribute into a buffer of negative length. */
  char catalog[64];
  SQLINTEGER catalog_len = 0;
  CHECK(F(GetConnectAttr)(dbc, SQL_ATTR_CURRENT_CATALOG, catalog, sizeof catalog, &catalog_len) == SQL_SUCCESS && catalog_len > 0,
        "current catalog");
  CHECK(F(GetConnectAttr)(dbc, SQL_ATTR_CURRENT_CATALOG, catalog, -1, &catalog_len) == SQL_ERROR &&
            strcmp(state_of(SQL_HANDLE_DBC, dbc), "HY090") == 0,
        "string attribute into a negative buffer length: HY090");

  /* SQLGetInfo. */
  SQLCHAR info[64];
  SQLSMALLINT info_len = 0;
  CHECK(F(GetInfo)(dbc, 180, info, sizeof info, &info_len) == SQL_ERROR && strcmp(state_of(SQL_HANDLE_DBC, dbc), "HY096") == 0,
        "unknown info type 180: HY096");
  CHECK(F(GetInfo)(dbc, SQL_DBMS_NAME, info, 4, &info_len) == SQL_SUCCESS_WITH_INFO && strcmp(state_of(SQL_HANDLE_DBC, dbc), "01004") == 0 &&
            info_len == 10 && strcmp((char *)info, "Pos") == 0,
        "short info buffer: 01004, full length 10, NUL-terminated prefix");
  CHECK(F(GetInfo)(dbc, SQL_DBMS_NAME, info, -1, &info_len) == SQL_ERROR && strcmp(state_of(SQL_HANDLE_DBC, dbc), "HY090") == 0,
        "negative info buffer length: HY090");

  SQLUSMALLINT bits[SQL_API_ODBC3_ALL_FUNCTIONS_SIZE];
  CHECK(F(GetFunctions)(dbc, SQL_API_ODBC3_ALL_FUNCTIONS, bits) == SQL_SUCCESS && SQL_FUNC_EXISTS(bits, SQL_API_SQLTABLES) &&
            SQL_FUNC_EXISTS(bits, SQL_API_SQLGETDESCFIELD) && SQL_FUNC_EXISTS(bits, SQL_API_SQLSETPOS) &&
            !SQL_FUNC_EXISTS(bits, SQL_API_SQLBROWSECONNECT),
        "function bitmap");
  CHECK(F(GetFunctions)(dbc, SQL_API_ODBC3_ALL_FUNCTIONS, NULL) == SQL_ERROR && strcmp(state_of(SQL_HANDLE_DBC, dbc), "HY009") == 0,
        "function bitmap into NULL: HY009");

  SQLCHAR native_out[8];
  SQLINTEGER native_len = 0;
  CHECK(F(NativeSql)(dbc, (SQLCHAR *)"SELECT 12345", SQL_NTS, native_out, sizeof native_out, &native_len) == SQL_SUCCESS_WITH_INFO && native_len == 12 &&
            strcmp(state_of(SQL_HANDLE_DBC, dbc), "01004") == 0 && strcmp((char *)native_out, "SELECT ") == 0,
        "SQLNativeSql short buffer: 01004, full length 12, NUL-terminated prefix");

  /* Statements. */
  CHECK(F(AllocHandle)(SQL_HANDLE_STMT, dbc, &st) == SQL_SUCCESS, "allocate a statement");
  CHECK(F(NumResultCols)(st, NULL) == SQL_ERROR && strcmp(state_of(SQL_HANDLE_STMT, st), "HY009") == 0, "SQLNumResultCols(stmt, NULL): HY009");
  CHECK(F(ExecDirect)(st, NULL, SQL_NTS) == SQL_ERROR && strcmp(state_of(SQL_HANDLE_STMT, st), "HY009") == 0, "SQLExecDirect(NULL): HY009");
  CHECK(F(ExecDirect)(st, (SQLCHAR *)"SELECT 1", -5) == SQL_ERROR && strcmp(state_of(SQL_HANDLE_STMT, st), "HY090") == 0, "negative SQL length: HY090");

  SQLWCHAR bad_utf16[] = {'S', 'E', 'L', 'E', 'C', 'T', ' ', '\'', 0xD800, '\'', 0};
  CHECK(F(ExecDirectW)(st, bad_utf16, SQL_NTS) == SQL_ERROR && strcmp(state_of(SQL_HANDLE_STMT, st), "22018") == 0 && strstr(last_msg, "UTF-16"),
        "unpaired surrogate: 22018 with a clean message");
  printf("  message: %s\n", last_msg);

  char buf[8];
  SQLLEN ind = 0;
  CHECK(F(BindCol)(st, 1, SQL_C_CHAR, buf, -5, &ind) == SQL_ERROR && strcmp(state_of(SQL_HANDLE_STMT, st), "HY090") == 0, "SQLBindCol negative length: HY090");
  CHECK(F(ExecDirect)(st, (SQLCHAR *)"SELECT 'hello world'::text AS greeting", SQL_NTS) == SQL_SUCCESS, "execute");
  CHECK(F(Fetch)(st) == SQL_SUCCESS, "fetch");
  CHECK(F(GetData)(st, 1, SQL_C_CHAR, buf, sizeof buf, &ind) == SQL_SUCCESS_WITH_INFO && strcmp(state_of(SQL_HANDLE_STMT, st), "01004") == 0 && ind == 11 &&
            strcmp(buf, "hello w") == 0,
        "short SQLGetData buffer: 01004 with the full length 11");
  CHECK(F(GetData)(st, 1, SQL_C_CHAR, buf, -1, &ind) == SQL_ERROR && strcmp(state_of(SQL_HANDLE_STMT, st), "HY090") == 0, "SQLGetData negative length: HY090");
  CHECK(F(GetData)(st, 9, SQL_C_CHAR, buf, sizeof buf, &ind) == SQL_ERROR && strcmp(state_of(SQL_HANDLE_STMT, st), "07009") == 0, "SQLGetData bad column: 07009");
  SQLCHAR colname[4];
  SQLSMALLINT name_len = 0, type = 0, digits = 0, nullable = 0;
  SQLULEN size = 0;
  CHECK(F(DescribeCol)(st, 1, colname, sizeof colname, &name_len, &type, &size, &digits, &nullable) == SQL_SUCCESS_WITH_INFO && name_len == 8,
        "short column name buffer: full length 8");
  CHECK(F(DescribeCol)(st, 1, NULL, 0, NULL, NULL, NULL, NULL, NULL) == SQL_SUCCESS, "SQLDescribeCol with every output NULL");
  CHECK(F(CloseCursor)(st) == SQL_SUCCESS, "close cursor");
  CHECK(F(CloseCursor)(st) == SQL_ERROR && strcmp(state_of(SQL_HANDLE_STMT, st), "24000") == 0, "close a closed cursor: 24000");
  CHECK(F(Cancel)(st) == SQL_SUCCESS, "SQLCancel with nothing running");

  SQLCHAR cname[64];
  SQLSMALLINT cname_len = 0;
  CHECK(F(GetCursorName)(st, cname, sizeof cname, &cname_len) == SQL_SUCCESS && strncmp((char *)cname, "SQL_CUR", 7) == 0, "generated cursor name");

  /* Descriptors. */
  SQLHDESC apd = NULL, ird = NULL;
  CHECK(F(GetStmtAttr)(st, SQL_ATTR_APP_PARAM_DESC, &apd, 0, NULL) == SQL_SUCCESS && apd, "APD handle");
  CHECK(F(GetStmtAttr)(st, SQL_ATTR_IMP_ROW_DESC, &ird, 0, NULL) == SQL_SUCCESS && ird, "IRD handle");
  SQLSMALLINT count = -1;
  CHECK(F(Prepare)(st, (SQLCHAR *)"SELECT 1::int2 AS a, 'x'::varchar(7) AS b", SQL_NTS) == SQL_SUCCESS, "prepare");
  CHECK(F(GetDescField)(ird, 0, SQL_DESC_COUNT, &count, 0, NULL) == SQL_SUCCESS && count == 2, "IRD count after prepare");
  SQLSMALLINT t = 0;
  CHECK(F(GetDescField)(ird, 1, SQL_DESC_CONCISE_TYPE, &t, 0, NULL) == SQL_SUCCESS && t == SQL_SMALLINT, "IRD type");
  CHECK(F(GetDescField)(ird, 5, SQL_DESC_CONCISE_TYPE, &t, 0, NULL) == SQL_NO_DATA, "IRD record beyond the count: SQL_NO_DATA");
  CHECK(F(SetDescField)(ird, 1, SQL_DESC_CONCISE_TYPE, (SQLPOINTER)SQL_C_LONG, 0) == SQL_ERROR && strcmp(state_of(SQL_HANDLE_DESC, ird), "HY016") == 0,
        "modifying the IRD: HY016");
  CHECK(F(SetDescField)(apd, 1, SQL_DESC_CONCISE_TYPE, (SQLPOINTER)SQL_C_LONG, 0) == SQL_SUCCESS, "set an APD field");
  CHECK(F(GetDescField)(apd, 0, 9999, &t, 0, NULL) == SQL_ERROR && strcmp(state_of(SQL_HANDLE_DESC, apd), "HY091") == 0,
        "unknown descriptor field: HY091");
  CHECK(F(GetDescField)(apd, 1, SQL_DESC_CONCISE_TYPE, NULL, 0, NULL) == SQL_ERROR && strcmp(state_of(SQL_HANDLE_DESC, apd), "HY009") == 0,
        "descriptor field into NULL: HY009");
  CHECK(F(GetDescField)(st, 0, SQL_DESC_COUNT, &count, 0, NULL) == SQL_INVALID_HANDLE, "statement handle as a descriptor: invalid handle");

  /* A statement waiting for data-at-execution values: every other execution is HY010
   * (the driver manager would say so; here the driver must), until SQLCancel ends the wait. */
  SQLINTEGER dae_value = 0;
  SQLLEN dae_ind = SQL_DATA_AT_EXEC;
  CHECK(F(BindParameter)(st, 1, SQL_PARAM_INPUT, SQL_C_LONG, SQL_INTEGER, 0, 0, &dae_value, 0, &dae_ind) == SQL_SUCCESS, "bind a data-at-execution parameter");
  CHECK(F(ExecDirect)(st, (SQLCHAR *)"SELECT ?::int4", SQL_NTS) == SQL_NEED_DATA, "execute: SQL_NEED_DATA");
  CHECK(F(ExecDirect)(st, (SQLCHAR *)"SELECT 1", SQL_NTS) == SQL_ERROR && strcmp(state_of(SQL_HANDLE_STMT, st), "HY010") == 0,
        "SQLExecDirect while data is pending: HY010");
  CHECK(F(Prepare)(st, (SQLCHAR *)"SELECT 1", SQL_NTS) == SQL_ERROR && strcmp(state_of(SQL_HANDLE_STMT, st), "HY010") == 0,
        "SQLPrepare while data is pending: HY010");
  CHECK(F(Tables)(st, NULL, 0, NULL, 0, (SQLCHAR *)"%", SQL_NTS, NULL, 0) == SQL_ERROR && strcmp(state_of(SQL_HANDLE_STMT, st), "HY010") == 0,
        "a catalog function while data is pending: HY010");
  CHECK(F(Cancel)(st) == SQL_SUCCESS, "SQLCancel ends the wait");
  dae_ind = 0;
  dae_value = 41;
  CHECK(F(ExecDirect)(st, (SQLCHAR *)"SELECT ?::int4 + 1", SQL_NTS) == SQL_SUCCESS && F(Fetch)(st) == SQL_SUCCESS &&
            F(GetData)(st, 1, SQL_C_LONG, &dae_value, 0, &ind) == SQL_SUCCESS && dae_value == 42,
        "the statement runs again after the cancel");
  CHECK(F(CloseCursor)(st) == SQL_SUCCESS, "close");

  /* A value sent with SQLPutData may not hold a NUL either: the last SQLParamData is 22021. */
  char dae_text[8] = {0};
  SQLLEN text_ind = SQL_DATA_AT_EXEC;
  SQLPOINTER token = NULL;
  CHECK(F(BindParameter)(st, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 10, 0, dae_text, sizeof dae_text, &text_ind) == SQL_SUCCESS,
        "bind a data-at-execution text parameter");
  CHECK(F(ExecDirect)(st, (SQLCHAR *)"SELECT ?::text", SQL_NTS) == SQL_NEED_DATA && F(ParamData)(st, &token) == SQL_NEED_DATA,
        "the text parameter needs data");
  CHECK(F(PutData)(st, (SQLPOINTER) "a\0b", 3) == SQL_SUCCESS, "put 'a\\0b'");
  CHECK(F(ParamData)(st, &token) == SQL_ERROR && strcmp(state_of(SQL_HANDLE_STMT, st), "22021") == 0,
        "a NUL inside a SQLPutData value: 22021");
  printf("  message: %s\n", last_msg);
  dae_ind = 0;
  CHECK(F(BindParameter)(st, 1, SQL_PARAM_INPUT, SQL_C_LONG, SQL_INTEGER, 0, 0, &dae_value, 0, &dae_ind) == SQL_SUCCESS, "bind an integer again");

  /* Array sizes beyond 2^31 - 1 are refused at once, whatever buffers are bound. */
  SQLPOINTER huge = (SQLPOINTER)(1UL << 40);
  CHECK(F(SetStmtAttr)(st, SQL_ATTR_PARAMSET_SIZE, huge, 0) == SQL_ERROR && strcmp(state_of(SQL_HANDLE_STMT, st), "HY024") == 0,
        "SQL_ATTR_PARAMSET_SIZE 2^40: HY024");
  CHECK(F(SetStmtAttr)(st, SQL_ATTR_ROW_ARRAY_SIZE, huge, 0) == SQL_ERROR && strcmp(state_of(SQL_HANDLE_STMT, st), "HY024") == 0,
        "SQL_ATTR_ROW_ARRAY_SIZE 2^40: HY024");
  CHECK(F(SetDescField)(apd, 0, SQL_DESC_ARRAY_SIZE, huge, 0) == SQL_ERROR && strcmp(state_of(SQL_HANDLE_DESC, apd), "HY024") == 0,
        "APD SQL_DESC_ARRAY_SIZE 2^40: HY024");
  CHECK(F(SetStmtAttr)(st, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)0x7FFFFFFFUL, 0) == SQL_SUCCESS &&
            F(SetStmtAttr)(st, SQL_ATTR_PARAMSET_SIZE, (SQLPOINTER)1UL, 0) == SQL_SUCCESS,
        "2^31 - 1 is accepted");
  dae_value = 6;
  CHECK(F(ExecDirect)(st, (SQLCHAR *)"SELECT ?::int4 * 7", SQL_NTS) == SQL_SUCCESS && F(Fetch)(st) == SQL_SUCCESS &&
            F(GetData)(st, 1, SQL_C_LONG, &dae_value, 0, &ind) == SQL_SUCCESS && dae_value == 42,
        "one parameter set runs as before");
  CHECK(F(CloseCursor)(st) == SQL_SUCCESS, "close");

  /* Catalog with bad lengths. */
  CHECK(F(Tables)(st, NULL, 0, NULL, 0, (SQLCHAR *)"x", -9, NULL, 0) == SQL_ERROR && strcmp(state_of(SQL_HANDLE_STMT, st), "HY090") == 0,
        "SQLTables negative name length: HY090");

  /* Wrong-type and freed handles. */
  CHECK(F(ExecDirect)(dbc, (SQLCHAR *)"SELECT 1", SQL_NTS) == SQL_INVALID_HANDLE, "connection handle as a statement");
  CHECK(F(GetInfo)(st, SQL_DBMS_NAME, info, sizeof info, &info_len) == SQL_INVALID_HANDLE, "statement handle as a connection");
  CHECK(F(NumResultCols)(env, &t) == SQL_INVALID_HANDLE, "environment handle as a statement");
  CHECK(F(SetPos)(dbc, 1, 0, 0) == SQL_INVALID_HANDLE, "SQLSetPos on a connection handle");
  CHECK(F(SetPos)(NULL, 1, 0, 0) == SQL_INVALID_HANDLE, "SQLSetPos on a NULL handle");
  CHECK(F(ExecDirect)(NULL, (SQLCHAR *)"SELECT 1", SQL_NTS) == SQL_INVALID_HANDLE, "NULL statement handle");
  CHECK(F(FreeHandle)(SQL_HANDLE_STMT, dbc) == SQL_INVALID_HANDLE, "free a connection as a statement");
  CHECK(F(FreeHandle)(SQL_HANDLE_STMT, st) == SQL_SUCCESS, "free the statement");
  CHECK(F(ExecDirect)(st, (SQLCHAR *)"SELECT 1", SQL_NTS) == SQL_INVALID_HANDLE, "freed statement");
  CHECK(F(FreeHandle)(SQL_HANDLE_STMT, st) == SQL_INVALID_HANDLE, "double free");
  CHECK(F(GetDescField)(ird, 0, SQL_DESC_COUNT, &count, 0, NULL) == SQL_INVALID_HANDLE, "descriptor of a freed statement");
  CHECK(F(FreeHandle)(SQL_HANDLE_DBC, dbc) == SQL_ERROR && strcmp(state_of(SQL_HANDLE_DBC, dbc), "HY010") == 0,
        "free a connected connection: HY010");
  CHECK(F(Disconnect)(dbc) == SQL_SUCCESS, "disconnect");
  CHECK(F(FreeHandle)(SQL_HANDLE_DBC, dbc) == SQL_SUCCESS, "free the connection");
  CHECK(F(Disconnect)(dbc) == SQL_INVALID_HANDLE, "freed connection");
  CHECK(F(FreeHandle)(SQL_HANDLE_ENV, env) == SQL_SUCCESS, "free the environment");
  CHECK(F(SetEnvAttr)(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0) == SQL_INVALID_HANDLE, "freed environment");
  printf("%d checks, all passed\n", checks);
  return 0;
}
