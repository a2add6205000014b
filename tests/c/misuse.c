/* The driver's every exported function called the way a careless or hostile application
 * would, directly (dlopen, no driver manager to catch anything first):
 *
 * 1. bad handles: NULL, freed, of the wrong type, and addresses that were never handles, in
 *    the handle argument of every export: SQL_INVALID_HANDLE, nothing else;
 * 2. good handles with every other argument zero (NULL pointers, zero lengths and codes): a
 *    defined return code, an SQL_ERROR always with a diagnostic record, and the connection
 *    still works afterwards;
 * 3. odd buffer lengths (negative, zero, one, odd byte counts for wide text) for the calls
 *    that take one: HY090 for negative ones, and nothing written past the length given
 *    (checked with a canary after the buffer);
 * 4. 16 threads sharing one connection, with SQLCancel, SQLDisconnect, SQLFreeHandle from
 *    other threads meanwhile; 16 threads sharing one statement;
 * 5. fork() with open connections: the child uses or closes its copy, the parent carries on.
 *
 * A hang is a failure too: an alarm ends the program.
 *
 * Usage: misuse <path to libauroraodbc.so> "<connection string without Driver=>" [export ...]
 * The exports after the connection string are the SQL functions the library defines (the test
 * lists them with nm); each must be in this program's table, so a new export cannot go
 * untested.
 *
 * Calls through the table use one function pointer type of twelve integer arguments for every
 * export. On x86-64 System V (the only platform the test runs on) that passes each argument in
 * the register or stack slot the real prototype reads it from; the arguments the function does
 * not take are ignored. Values for 16-bit parameters are passed sign- or zero-extended, as
 * the ABI's callers do. */
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK_WITHOUT_DRIVER_MANAGER
#include "check.h"

/* The ODBC declarations this program needs, written out (no driver manager headers). */
typedef short SQLRETURN, SQLSMALLINT;
typedef unsigned short SQLUSMALLINT, SQLWCHAR;
typedef int SQLINTEGER;
typedef long SQLLEN;
typedef unsigned long SQLULEN;
typedef unsigned char SQLCHAR;
typedef void *SQLPOINTER, *SQLHANDLE;
#define SQL_SUCCESS 0
#define SQL_SUCCESS_WITH_INFO 1
#define SQL_NEED_DATA 99
#define SQL_NO_DATA 100
#define SQL_ERROR (-1)
#define SQL_INVALID_HANDLE (-2)
#define SQL_NTS (-3)
#define SQL_HANDLE_ENV 1
#define SQL_HANDLE_DBC 2
#define SQL_HANDLE_STMT 3
#define SQL_HANDLE_DESC 4
#define SQL_ATTR_ODBC_VERSION 200
#define SQL_OV_ODBC3 3L
#define SQL_DRIVER_NOPROMPT 0
#define SQL_DBMS_NAME 17
#define SQL_ATTR_CURRENT_CATALOG 109
#define SQL_ATTR_APP_ROW_DESC 10010
#define SQL_ATTR_IMP_ROW_DESC 10012
#define SQL_ATTR_IMP_PARAM_DESC 10013
#define SQL_C_CHAR 1
#define SQL_C_LONG 4
#define SQL_C_WCHAR (-8)
#define SQL_DESC_NAME 1011
#define SQL_DIAG_MESSAGE_TEXT 6
#define SQL_CLOSE 0
#define OK(rc) ((rc) == SQL_SUCCESS || (rc) == SQL_SUCCESS_WITH_INFO)

static void *lib;
static const char *conn_str;
static int checks;

static void *sym(const char *name) {
  void *p = dlsym(lib, name);
  if (!p) {
    fprintf(stderr, "FAIL missing symbol %s\n", name);
    exit(1);
  }
  return p;
}

/* Every check is counted; a failed one ends the program. Passed checks are not printed one by
 * one (there are thousands); each part prints a summary line. */
#define CHECK(cond, what)                                   \
  do {                                                      \
    checks++;                                               \
    if (!(cond)) check_fail(what, __LINE__);                \
  } while (0)

typedef intptr_t A;
typedef SQLRETURN (*AnyFn)(A, A, A, A, A, A, A, A, A, A, A, A);

/* Calls export `name` with these arguments (the rest zero). */
static SQLRETURN call12(const char *name, A a0, A a1, A a2, A a3, A a4, A a5, A a6, A a7, A a8, A a9, A a10, A a11) {
  return ((AnyFn)sym(name))(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11);
}
#define CALL(name, ...) call12(name, __VA_ARGS__)
#define C0(name, a0) call12(name, (A)(a0), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

/* How an export takes its handle. */
enum Slot {
  ENV_FIRST = SQL_HANDLE_ENV, /* the first argument is an environment */
  DBC_FIRST = SQL_HANDLE_DBC,
  STMT_FIRST = SQL_HANDLE_STMT,
  DESC_FIRST = SQL_HANDLE_DESC,
  KIND_THEN_HANDLE, /* (handle type, handle, ...): SQLFreeHandle, SQLEndTran, diagnostics */
  ALLOC,            /* SQLAllocHandle(type, input handle, output pointer) */
  ERROR3,           /* SQLError(env, dbc, stmt, ...) */
  COPY_DESC,        /* SQLCopyDesc(source, target) */
};

struct Export {
  const char *name;
  enum Slot slot;
  /* Handle types a KIND_THEN_HANDLE export accepts (bit per type). */
  unsigned kinds;
};

#define ALL_KINDS ((1u << SQL_HANDLE_ENV) | (1u << SQL_HANDLE_DBC) | (1u << SQL_HANDLE_STMT) | (1u << SQL_HANDLE_DESC))
#define TXN_KINDS ((1u << SQL_HANDLE_ENV) | (1u << SQL_HANDLE_DBC))

static const struct Export exports[] = {
    {"SQLAllocHandle", ALLOC, 0},
    {"SQLBindCol", STMT_FIRST, 0},
    {"SQLBindParameter", STMT_FIRST, 0},
    {"SQLBulkOperations", STMT_FIRST, 0},
    {"SQLCancel", STMT_FIRST, 0},
    {"SQLCloseCursor", STMT_FIRST, 0},
    {"SQLColAttribute", STMT_FIRST, 0},
    {"SQLColAttributeW", STMT_FIRST, 0},
    {"SQLColumnPrivileges", STMT_FIRST, 0},
    {"SQLColumnPrivilegesW", STMT_FIRST, 0},
    {"SQLColumns", STMT_FIRST, 0},
    {"SQLColumnsW", STMT_FIRST, 0},
    {"SQLConnect", DBC_FIRST, 0},
    {"SQLConnectW", DBC_FIRST, 0},
    {"SQLCopyDesc", COPY_DESC, 0},
    {"SQLDescribeCol", STMT_FIRST, 0},
    {"SQLDescribeColW", STMT_FIRST, 0},
    {"SQLDescribeParam", STMT_FIRST, 0},
    {"SQLDisconnect", DBC_FIRST, 0},
    {"SQLDriverConnect", DBC_FIRST, 0},
    {"SQLDriverConnectW", DBC_FIRST, 0},
    {"SQLEndTran", KIND_THEN_HANDLE, TXN_KINDS},
    {"SQLError", ERROR3, 0},
    {"SQLErrorW", ERROR3, 0},
    {"SQLExecDirect", STMT_FIRST, 0},
    {"SQLExecDirectW", STMT_FIRST, 0},
    {"SQLExecute", STMT_FIRST, 0},
    {"SQLExtendedFetch", STMT_FIRST, 0},
    {"SQLFetch", STMT_FIRST, 0},
    {"SQLFetchScroll", STMT_FIRST, 0},
    {"SQLForeignKeys", STMT_FIRST, 0},
    {"SQLForeignKeysW", STMT_FIRST, 0},
    {"SQLFreeHandle", KIND_THEN_HANDLE, ALL_KINDS},
    {"SQLFreeStmt", STMT_FIRST, 0},
    {"SQLGetConnectAttr", DBC_FIRST, 0},
    {"SQLGetConnectAttrW", DBC_FIRST, 0},
    {"SQLGetCursorName", STMT_FIRST, 0},
    {"SQLGetCursorNameW", STMT_FIRST, 0},
    {"SQLGetData", STMT_FIRST, 0},
    {"SQLGetDescField", DESC_FIRST, 0},
    {"SQLGetDescFieldW", DESC_FIRST, 0},
    {"SQLGetDescRec", DESC_FIRST, 0},
    {"SQLGetDescRecW", DESC_FIRST, 0},
    {"SQLGetDiagField", KIND_THEN_HANDLE, ALL_KINDS},
    {"SQLGetDiagFieldW", KIND_THEN_HANDLE, ALL_KINDS},
    {"SQLGetDiagRec", KIND_THEN_HANDLE, ALL_KINDS},
    {"SQLGetDiagRecW", KIND_THEN_HANDLE, ALL_KINDS},
    {"SQLGetEnvAttr", ENV_FIRST, 0},
    {"SQLGetFunctions", DBC_FIRST, 0},
    {"SQLGetInfo", DBC_FIRST, 0},
    {"SQLGetInfoW", DBC_FIRST, 0},
    {"SQLGetStmtAttr", STMT_FIRST, 0},
    {"SQLGetStmtAttrW", STMT_FIRST, 0},
    {"SQLGetTypeInfo", STMT_FIRST, 0},
    {"SQLGetTypeInfoW", STMT_FIRST, 0},
    {"SQLMoreResults", STMT_FIRST, 0},
    {"SQLNativeSql", DBC_FIRST, 0},
    {"SQLNativeSqlW", DBC_FIRST, 0},
    {"SQLNumParams", STMT_FIRST, 0},
    {"SQLNumResultCols", STMT_FIRST, 0},
    {"SQLParamData", STMT_FIRST, 0},
    {"SQLPrepare", STMT_FIRST, 0},
    {"SQLPrepareW", STMT_FIRST, 0},
    {"SQLPrimaryKeys", STMT_FIRST, 0},
    {"SQLPrimaryKeysW", STMT_FIRST, 0},
    {"SQLProcedureColumns", STMT_FIRST, 0},
    {"SQLProcedureColumnsW", STMT_FIRST, 0},
    {"SQLProcedures", STMT_FIRST, 0},
    {"SQLProceduresW", STMT_FIRST, 0},
    {"SQLPutData", STMT_FIRST, 0},
    {"SQLRowCount", STMT_FIRST, 0},
    {"SQLSetConnectAttr", DBC_FIRST, 0},
    {"SQLSetConnectAttrW", DBC_FIRST, 0},
    {"SQLSetCursorName", STMT_FIRST, 0},
    {"SQLSetCursorNameW", STMT_FIRST, 0},
    {"SQLSetDescField", DESC_FIRST, 0},
    {"SQLSetDescFieldW", DESC_FIRST, 0},
    {"SQLSetDescRec", DESC_FIRST, 0},
    {"SQLSetEnvAttr", ENV_FIRST, 0},
    {"SQLSetPos", STMT_FIRST, 0},
    {"SQLSetStmtAttr", STMT_FIRST, 0},
    {"SQLSetStmtAttrW", STMT_FIRST, 0},
    {"SQLSpecialColumns", STMT_FIRST, 0},
    {"SQLSpecialColumnsW", STMT_FIRST, 0},
    {"SQLStatistics", STMT_FIRST, 0},
    {"SQLStatisticsW", STMT_FIRST, 0},
    {"SQLTablePrivileges", STMT_FIRST, 0},
    {"SQLTablePrivilegesW", STMT_FIRST, 0},
    {"SQLTables", STMT_FIRST, 0},
    {"SQLTablesW", STMT_FIRST, 0},
};
#define N_EXPORTS ((int)(sizeof exports / sizeof exports[0]))

/* The return codes a function may give at all. */
static int defined_code(SQLRETURN rc) {
  return rc == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO || rc == SQL_ERROR || rc == SQL_INVALID_HANDLE || rc == SQL_NO_DATA ||
         rc == SQL_NEED_DATA;
}

/* The first diagnostic record's SQLSTATE ("" when there is none) and message. */
static char last_msg[1024];
static const char *state_of(SQLSMALLINT type, SQLHANDLE h) {
  static __thread SQLCHAR st[6];
  SQLINTEGER native;
  SQLSMALLINT len;
  st[0] = 0;
  last_msg[0] = 0;
  CALL("SQLGetDiagRec", type, (A)h, 1, (A)st, (A)&native, (A)last_msg, sizeof last_msg, (A)&len, 0, 0, 0, 0);
  return (const char *)st;
}
static int state_is(SQLSMALLINT type, SQLHANDLE h, const char *want) { return strcmp(state_of(type, h), want) == 0; }

/* --- Handles ------------------------------------------------------------------------------ */

static SQLHANDLE alloc(SQLSMALLINT type, SQLHANDLE input) {
  SQLHANDLE out = NULL;
  SQLRETURN rc = CALL("SQLAllocHandle", type, (A)input, (A)&out, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  if (!OK(rc) || !out) {
    fprintf(stderr, "alloc type %d: rc %d state %s %s\n", type, rc, state_of(input ? (type == SQL_HANDLE_DBC ? 1 : 2) : 1, input), last_msg);
    check_fail("allocate a handle", __LINE__);
  }
  return out;
}

static SQLHANDLE new_env(void) {
  SQLHANDLE env = alloc(SQL_HANDLE_ENV, NULL);
  if (!OK(CALL("SQLSetEnvAttr", (A)env, SQL_ATTR_ODBC_VERSION, SQL_OV_ODBC3, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
    check_fail("ODBC 3", __LINE__);
  return env;
}

/* A connected connection on `env`, or the end of the program. */
static SQLHANDLE connect_on(SQLHANDLE env) {
  SQLHANDLE dbc = alloc(SQL_HANDLE_DBC, env);
  SQLRETURN rc = CALL("SQLDriverConnect", (A)dbc, 0, (A)conn_str, SQL_NTS, 0, 0, 0, SQL_DRIVER_NOPROMPT, 0, 0, 0, 0);
  if (!OK(rc)) {
    fprintf(stderr, "connect: %s %s\n", state_of(SQL_HANDLE_DBC, dbc), last_msg);
    check_fail("connect", __LINE__);
  }
  return dbc;
}

/* Runs `sql` on `st` and reads the first column of each row as an integer; returns the sum of
 * the values, or -1 when a call failed. */
static long run_sum(SQLHANDLE st, const char *sql) {
  if (!OK(CALL("SQLExecDirect", (A)st, (A)sql, SQL_NTS, 0, 0, 0, 0, 0, 0, 0, 0, 0))) return -1;
  long sum = 0;
  SQLRETURN rc;
  while ((rc = C0("SQLFetch", st)) == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO) {
    SQLINTEGER v = 0;
    SQLLEN ind = 0;
    if (!OK(CALL("SQLGetData", (A)st, 1, SQL_C_LONG, (A)&v, 0, (A)&ind, 0, 0, 0, 0, 0, 0))) return -1;
    sum += v;
  }
  CALL("SQLFreeStmt", (A)st, SQL_CLOSE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  return rc == SQL_NO_DATA ? sum : -1;
}

/* Whether a new statement on `dbc` runs a query and gets the right answer. */
static int connection_works(SQLHANDLE dbc) {
  SQLHANDLE st = alloc(SQL_HANDLE_STMT, dbc);
  long sum = run_sum(st, "SELECT g FROM generate_series(1, 100) g");
  C0("SQLCancel", st);
  CALL("SQLFreeHandle", SQL_HANDLE_STMT, (A)st, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  return sum == 5050;
}

/* --- 1. Bad handles ----------------------------------------------------------------------- */

struct Handles {
  SQLHANDLE env, dbc, stmt, desc, ard;                  /* live, of each type */
  SQLHANDLE freed_env, freed_dbc, freed_stmt, freed_desc; /* freed, never reused meanwhile */
};

/* Handles that are not a live handle of type `type`: NULL, freed ones, live ones of the other
 * types, and addresses that were never handles. */
static int bad_handles_for(const struct Handles *h, int type, SQLHANDLE out[16]) {
  static char not_a_handle[256];
  static void *heap_block;
  if (!heap_block) heap_block = calloc(1, 512);
  int n = 0;
  out[n++] = NULL;
  out[n++] = (SQLHANDLE)1;
  out[n++] = (SQLHANDLE)(intptr_t)-1;
  out[n++] = (SQLHANDLE)not_a_handle;
  out[n++] = heap_block;
  out[n++] = h->freed_env;
  out[n++] = h->freed_dbc;
  out[n++] = h->freed_stmt;
  out[n++] = h->freed_desc;
  if (type != SQL_HANDLE_ENV) out[n++] = h->env;
  if (type != SQL_HANDLE_DBC) out[n++] = h->dbc;
  if (type != SQL_HANDLE_STMT) out[n++] = h->stmt;
  if (type != SQL_HANDLE_DESC) {
    out[n++] = h->desc;
    out[n++] = h->ard;
  }
  return n;
}

static void bad_handles(const struct Handles *h) {
  int calls = 0;
  SQLHANDLE bad[16];
  char what[160];
  for (int e = 0; e < N_EXPORTS; e++) {
    const struct Export *x = &exports[e];
    switch (x->slot) {
    case ENV_FIRST:
    case DBC_FIRST:
    case STMT_FIRST:
    case DESC_FIRST: {
      int n = bad_handles_for(h, x->slot, bad);
      for (int i = 0; i < n; i++) {
        SQLRETURN rc = C0(x->name, bad[i]);
        snprintf(what, sizeof what, "%s with bad handle #%d (%p): SQL_INVALID_HANDLE, got %d", x->name, i, bad[i], rc);
        CHECK(rc == SQL_INVALID_HANDLE, what);
        calls++;
      }
      break;
    }
    case KIND_THEN_HANDLE:
      for (int type = SQL_HANDLE_ENV; type <= SQL_HANDLE_DESC; type++) {
        if (!(x->kinds & (1u << type))) continue;
        int n = bad_handles_for(h, type, bad);
        for (int i = 0; i < n; i++) {
          /* Record number 1 for the diagnostic functions; COMMIT for SQLEndTran. */
          SQLRETURN rc = CALL(x->name, type, (A)bad[i], 1, 0, 0, 0, 0, 0, 0, 0, 0, 0);
          snprintf(what, sizeof what, "%s(type %d) with bad handle #%d (%p): SQL_INVALID_HANDLE, got %d", x->name, type, i, bad[i], rc);
          CHECK(rc == SQL_INVALID_HANDLE, what);
          calls++;
        }
      }
      break;
    case ALLOC:
      for (int type = SQL_HANDLE_DBC; type <= SQL_HANDLE_DESC; type++) {
        /* The input of a connection is an environment; of a statement or descriptor, a
         * connection. */
        int n = bad_handles_for(h, type == SQL_HANDLE_DBC ? SQL_HANDLE_ENV : SQL_HANDLE_DBC, bad);
        for (int i = 0; i < n; i++) {
          SQLHANDLE out = (SQLHANDLE)0x5a5a;
          SQLRETURN rc = CALL(x->name, type, (A)bad[i], (A)&out, 0, 0, 0, 0, 0, 0, 0, 0, 0);
          snprintf(what, sizeof what, "SQLAllocHandle(type %d) from bad handle #%d (%p): SQL_INVALID_HANDLE and no handle, got %d", type, i,
                   bad[i], rc);
          CHECK(rc == SQL_INVALID_HANDLE && (out == NULL || out == (SQLHANDLE)0x5a5a), what);
          calls++;
        }
      }
      break;
    case ERROR3: {
      /* The most specific handle given is the one read; each bad one alone. */
      for (int type = SQL_HANDLE_ENV; type <= SQL_HANDLE_STMT; type++) {
        int n = bad_handles_for(h, type, bad);
        for (int i = 0; i < n; i++) {
          if (!bad[i]) continue; /* all three NULL: below */
          A args[3] = {0, 0, 0};
          args[type - 1] = (A)bad[i];
          SQLRETURN rc = CALL(x->name, args[0], args[1], args[2], 0, 0, 0, 0, 0, 0, 0, 0, 0);
          snprintf(what, sizeof what, "%s with bad handle #%d as handle %d: SQL_INVALID_HANDLE, got %d", x->name, i, type, rc);
          CHECK(rc == SQL_INVALID_HANDLE, what);
          calls++;
        }
      }
      SQLRETURN rc = C0(x->name, 0);
      snprintf(what, sizeof what, "%s with no handle at all: SQL_INVALID_HANDLE, got %d", x->name, rc);
      CHECK(rc == SQL_INVALID_HANDLE, what);
      calls++;
      break;
    }
    case COPY_DESC: {
      int n = bad_handles_for(h, SQL_HANDLE_DESC, bad);
      for (int i = 0; i < n; i++) {
        SQLRETURN rc = CALL(x->name, (A)bad[i], (A)h->desc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        snprintf(what, sizeof what, "SQLCopyDesc from bad handle #%d: SQL_INVALID_HANDLE, got %d", i, rc);
        CHECK(rc == SQL_INVALID_HANDLE, what);
        rc = CALL(x->name, (A)h->desc, (A)bad[i], 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        snprintf(what, sizeof what, "SQLCopyDesc to bad handle #%d: SQL_INVALID_HANDLE, got %d", i, rc);
        CHECK(rc == SQL_INVALID_HANDLE, what);
        calls += 2;
      }
      break;
    }
    }
  }
  printf("ok bad handles: %d calls over %d exports, each SQL_INVALID_HANDLE\n", calls, N_EXPORTS);
}

/* --- 2. Good handles, every other argument zero ------------------------------------------ */

static void zero_arguments(const struct Handles *h) {
  int calls = 0, errors = 0;
  char what[160];
  for (int e = 0; e < N_EXPORTS; e++) {
    const struct Export *x = &exports[e];
    SQLRETURN rc = SQL_SUCCESS;
    SQLSMALLINT diag_type = SQL_HANDLE_STMT;
    SQLHANDLE diag_handle = h->stmt;
    switch (x->slot) {
    case ENV_FIRST:
    case DBC_FIRST:
    case STMT_FIRST:
    case DESC_FIRST: {
      /* Ending the connection is tested on its own (parts 4 and 5). */
      if (strcmp(x->name, "SQLDisconnect") == 0) continue;
      SQLHANDLE handles[] = {NULL, h->env, h->dbc, h->stmt, h->desc};
      diag_type = (SQLSMALLINT)x->slot;
      diag_handle = handles[x->slot];
      rc = C0(x->name, diag_handle);
      break;
    }
    case KIND_THEN_HANDLE:
      /* Freeing is tested on its own; the diagnostic functions on the statement. */
      if (strcmp(x->name, "SQLFreeHandle") == 0) continue;
      diag_type = strcmp(x->name, "SQLEndTran") == 0 ? SQL_HANDLE_DBC : SQL_HANDLE_STMT;
      diag_handle = diag_type == SQL_HANDLE_DBC ? h->dbc : h->stmt;
      rc = CALL(x->name, diag_type, (A)diag_handle, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
      break;
    case ALLOC:
      diag_type = SQL_HANDLE_DBC;
      diag_handle = h->dbc;
      rc = CALL(x->name, SQL_HANDLE_STMT, (A)h->dbc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
      snprintf(what, sizeof what, "SQLAllocHandle into a NULL output pointer: SQL_ERROR HY009, got %d", rc);
      CHECK(rc == SQL_ERROR && state_is(SQL_HANDLE_DBC, h->dbc, "HY009"), what);
      {
        SQLHANDLE out = (SQLHANDLE)0x5a5a;
        SQLRETURN type_rc = CALL(x->name, 99, (A)h->dbc, (A)&out, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        snprintf(what, sizeof what, "SQLAllocHandle of handle type 99: SQL_ERROR HY092 and no handle, got %d", type_rc);
        CHECK(type_rc == SQL_ERROR && state_is(SQL_HANDLE_DBC, h->dbc, "HY092") && out == NULL, what);
        out = (SQLHANDLE)0x5a5a;
        type_rc = CALL(x->name, SQL_HANDLE_DBC, (A)h->env, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        snprintf(what, sizeof what, "SQLAllocHandle of a connection into NULL: SQL_ERROR HY009 on the environment, got %d", type_rc);
        CHECK(type_rc == SQL_ERROR && state_is(SQL_HANDLE_ENV, h->env, "HY009"), what);
      }
      break;
    case ERROR3:
      diag_type = SQL_HANDLE_STMT;
      diag_handle = h->stmt;
      rc = CALL(x->name, (A)h->env, (A)h->dbc, (A)h->stmt, 0, 0, 0, 0, 0, 0, 0, 0, 0);
      break;
    case COPY_DESC:
      diag_type = SQL_HANDLE_DESC;
      diag_handle = h->desc;
      rc = CALL(x->name, (A)h->ard, (A)h->desc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
      break;
    }
    snprintf(what, sizeof what, "%s with zero arguments: a defined return code, got %d", x->name, rc);
    CHECK(defined_code(rc) && rc != SQL_INVALID_HANDLE, what);
    /* An error explains itself, except from the functions that read diagnostics (they have
     * no diagnostics of their own). */
    if (rc == SQL_ERROR && x->slot != KIND_THEN_HANDLE && x->slot != ERROR3) {
      const char *state = state_of(diag_type, diag_handle);
      snprintf(what, sizeof what, "%s with zero arguments: SQL_ERROR with a SQLSTATE, got '%s'", x->name, state);
      CHECK(strlen(state) == 5, what);
      errors++;
    }
    if (rc == SQL_NEED_DATA) C0("SQLCancel", h->stmt);
    calls++;
  }
  CHECK(connection_works(h->dbc), "the connection works after every export was called with zero arguments");
  printf("ok zero arguments: %d exports called, %d errors each with a SQLSTATE, connection still works\n", calls, errors);
}

/* --- 3. Odd buffer lengths ---------------------------------------------------------------- */

#define CANARY 0xA5
static unsigned char buf[512];

static void fill_canary(void) { memset(buf, CANARY, sizeof buf); }

/* Whether nothing was written at or after byte `from` of `buf`. */
static int untouched_from(long from) {
  if (from < 0) from = 0;
  for (size_t i = (size_t)from; i < sizeof buf; i++)
    if (buf[i] != CANARY) return 0;
  return 1;
}

/* Checks a call that wrote (or did not) into `buf` given a length of `len` bytes. */
static void check_output(const char *fn, long len, SQLRETURN rc, SQLSMALLINT type, SQLHANDLE h) {
  char what[200];
  if (len < 0) {
    /* The diagnostic functions have no diagnostics of their own: SQL_ERROR alone. */
    int diag_fn = strncmp(fn, "SQLGetDiag", 10) == 0 || strncmp(fn, "SQLError", 8) == 0;
    snprintf(what, sizeof what, "%s with buffer length %ld: SQL_ERROR%s, got %d", fn, len, diag_fn ? "" : " HY090", rc);
    CHECK(rc == SQL_ERROR && (diag_fn || state_is(type, h, "HY090")), what);
    if (!diag_fn) {
      snprintf(what, sizeof what, "%s with buffer length %ld: HY090, got %s", fn, len, state_of(type, h));
      CHECK(state_is(type, h, "HY090"), what);
    }
  } else {
    snprintf(what, sizeof what, "%s with buffer length %ld: success or truncation, got %d (%s)", fn, len, rc, OK(rc) ? "" : state_of(type, h));
    CHECK(OK(rc), what);
  }
  snprintf(what, sizeof what, "%s with buffer length %ld: nothing written past the buffer", fn, len);
  CHECK(untouched_from(len), what);
}

static void odd_lengths(const struct Handles *h) {
  static const long byte_lengths[] = {-1, -3, -100, 0, 1, 2, 3, 4, 5, 7};
  const int nb = (int)(sizeof byte_lengths / sizeof byte_lengths[0]);
  SQLSMALLINT short_len;
  SQLINTEGER int_len;
  SQLLEN ind;
  int calls = 0;
  char what[200];

  /* Output buffers measured in bytes. */
  for (int i = 0; i < nb; i++) {
    long len = byte_lengths[i];
    fill_canary();
    check_output("SQLGetInfo", len, CALL("SQLGetInfo", (A)h->dbc, SQL_DBMS_NAME, (A)buf, len, (A)&short_len, 0, 0, 0, 0, 0, 0, 0), SQL_HANDLE_DBC,
                 h->dbc);
    fill_canary();
    check_output("SQLGetInfoW", len, CALL("SQLGetInfoW", (A)h->dbc, SQL_DBMS_NAME, (A)buf, len, (A)&short_len, 0, 0, 0, 0, 0, 0, 0),
                 SQL_HANDLE_DBC, h->dbc);
    fill_canary();
    check_output("SQLGetConnectAttr", len,
                 CALL("SQLGetConnectAttr", (A)h->dbc, SQL_ATTR_CURRENT_CATALOG, (A)buf, len, (A)&int_len, 0, 0, 0, 0, 0, 0, 0), SQL_HANDLE_DBC,
                 h->dbc);
    fill_canary();
    check_output("SQLGetConnectAttrW", len,
                 CALL("SQLGetConnectAttrW", (A)h->dbc, SQL_ATTR_CURRENT_CATALOG, (A)buf, len, (A)&int_len, 0, 0, 0, 0, 0, 0, 0),
                 SQL_HANDLE_DBC, h->dbc);
    calls += 4;
  }

  /* A result to describe and read. */
  SQLHANDLE st = alloc(SQL_HANDLE_STMT, h->dbc);
  const char *query = "SELECT 'hello world'::text AS greeting, 42 AS answer";
  CHECK(OK(CALL("SQLExecDirect", (A)st, (A)query, SQL_NTS, 0, 0, 0, 0, 0, 0, 0, 0, 0)) && OK(C0("SQLFetch", st)), "a row to read");
  for (int i = 0; i < nb; i++) {
    long len = byte_lengths[i];
    /* Column names (SQLColAttribute's lengths are bytes, wide or not). */
    fill_canary();
    check_output("SQLColAttribute", len, CALL("SQLColAttribute", (A)st, 1, SQL_DESC_NAME, (A)buf, len, (A)&short_len, 0, 0, 0, 0, 0, 0),
                 SQL_HANDLE_STMT, st);
    fill_canary();
    check_output("SQLColAttributeW", len, CALL("SQLColAttributeW", (A)st, 1, SQL_DESC_NAME, (A)buf, len, (A)&short_len, 0, 0, 0, 0, 0, 0),
                 SQL_HANDLE_STMT, st);
    calls += 2;
    /* SQLGetData into character buffers: one piece each time, so read the column again
     * from the start by fetching a fresh row when it was consumed. */
    for (int wide = 0; wide < 2; wide++) {
      fill_canary();
      SQLRETURN rc = CALL("SQLGetData", (A)st, 1, wide ? SQL_C_WCHAR : SQL_C_CHAR, (A)buf, len, (A)&ind, 0, 0, 0, 0, 0, 0);
      const char *fn = wide ? "SQLGetData(SQL_C_WCHAR)" : "SQLGetData(SQL_C_CHAR)";
      if (len < 0) {
        check_output(fn, len, rc, SQL_HANDLE_STMT, st);
      } else {
        /* A piece, or SQL_NO_DATA once the value was read whole by an earlier piece. */
        snprintf(what, sizeof what, "%s with buffer length %ld: a piece or no data, got %d", fn, len, rc);
        CHECK(OK(rc) || rc == SQL_NO_DATA, what);
        snprintf(what, sizeof what, "%s with buffer length %ld: nothing written past the buffer", fn, len);
        CHECK(untouched_from(len), what);
      }
      calls++;
      /* Start the value again for the next length. */
      CALL("SQLFreeStmt", (A)st, SQL_CLOSE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
      CHECK(OK(CALL("SQLExecDirect", (A)st, (A)query, SQL_NTS, 0, 0, 0, 0, 0, 0, 0, 0, 0)) && OK(C0("SQLFetch", st)), "the row again");
    }
  }

  /* Output buffers measured in characters (wide ones in 2-byte units). */
  static const long char_lengths[] = {-1, -3, 0, 1, 2, 3};
  const int nc = (int)(sizeof char_lengths / sizeof char_lengths[0]);
  for (int i = 0; i < nc; i++) {
    long len = char_lengths[i];
    SQLSMALLINT type, digits, nullable;
    SQLULEN size;
    fill_canary();
    check_output("SQLDescribeCol", len,
                 CALL("SQLDescribeCol", (A)st, 1, (A)buf, len, (A)&short_len, (A)&type, (A)&size, (A)&digits, (A)&nullable, 0, 0, 0),
                 SQL_HANDLE_STMT, st);
    fill_canary();
    SQLRETURN rc =
        CALL("SQLDescribeColW", (A)st, 1, (A)buf, len, (A)&short_len, (A)&type, (A)&size, (A)&digits, (A)&nullable, 0, 0, 0);
    check_output("SQLDescribeColW", len < 0 ? len : 2 * len, rc, SQL_HANDLE_STMT, st);
    fill_canary();
    check_output("SQLGetCursorName", len, CALL("SQLGetCursorName", (A)st, (A)buf, len, (A)&short_len, 0, 0, 0, 0, 0, 0, 0, 0),
                 SQL_HANDLE_STMT, st);
    fill_canary();
    rc = CALL("SQLGetCursorNameW", (A)st, (A)buf, len, (A)&short_len, 0, 0, 0, 0, 0, 0, 0, 0);
    check_output("SQLGetCursorNameW", len < 0 ? len : 2 * len, rc, SQL_HANDLE_STMT, st);
    fill_canary();
    check_output("SQLNativeSql", len,
                 CALL("SQLNativeSql", (A)h->dbc, (A) "SELECT {fn UCASE('x')}", SQL_NTS, (A)buf, len, (A)&int_len, 0, 0, 0, 0, 0, 0),
                 SQL_HANDLE_DBC, h->dbc);
    fill_canary();
    SQLWCHAR wsql[] = {'S', 'E', 'L', 'E', 'C', 'T', ' ', '1', 0};
    rc = CALL("SQLNativeSqlW", (A)h->dbc, (A)wsql, SQL_NTS, (A)buf, len, (A)&int_len, 0, 0, 0, 0, 0, 0);
    check_output("SQLNativeSqlW", len < 0 ? len : 2 * len, rc, SQL_HANDLE_DBC, h->dbc);
    calls += 6;

    /* Diagnostics: make a record, then read it into short buffers (records are kept until
     * the next call on the handle, and reading does not consume them). */
    for (int wide = 0; wide < 2; wide++) {
      C0("SQLCloseCursor", h->stmt);
      CHECK(C0("SQLCloseCursor", h->stmt) == SQL_ERROR, "a diagnostic record to read");
      SQLCHAR state[12];
      SQLINTEGER native;
      fill_canary();
      const char *fn = wide ? "SQLGetDiagRecW" : "SQLGetDiagRec";
      rc = CALL(fn, SQL_HANDLE_STMT, (A)h->stmt, 1, (A)state, (A)&native, (A)buf, len, (A)&short_len, 0, 0, 0, 0);
      check_output(fn, len < 0 ? len : (wide ? 2 * len : len), rc, SQL_HANDLE_STMT, h->stmt);
      fill_canary();
      fn = wide ? "SQLGetDiagFieldW" : "SQLGetDiagField";
      rc = CALL(fn, SQL_HANDLE_STMT, (A)h->stmt, 1, SQL_DIAG_MESSAGE_TEXT, (A)buf, len, (A)&short_len, 0, 0, 0, 0, 0);
      /* SQLGetDiagFieldW's length is in bytes. */
      check_output(fn, len, rc, SQL_HANDLE_STMT, h->stmt);
      calls += 2;
    }
  }
  CALL("SQLFreeStmt", (A)st, SQL_CLOSE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

  /* Descriptor name fields: the IRD's column name. */
  SQLHANDLE ird = NULL, ipd = NULL;
  CHECK(OK(CALL("SQLGetStmtAttr", (A)st, SQL_ATTR_IMP_ROW_DESC, (A)&ird, 0, 0, 0, 0, 0, 0, 0, 0, 0)) && ird, "the statement's IRD");
  CHECK(OK(CALL("SQLGetStmtAttr", (A)st, SQL_ATTR_IMP_PARAM_DESC, (A)&ipd, 0, 0, 0, 0, 0, 0, 0, 0, 0)) && ipd, "the statement's IPD");
  CHECK(OK(CALL("SQLExecDirect", (A)st, (A)query, SQL_NTS, 0, 0, 0, 0, 0, 0, 0, 0, 0)), "a result to describe");
  for (int i = 0; i < nb; i++) {
    long len = byte_lengths[i];
    fill_canary();
    check_output("SQLGetDescField", len, CALL("SQLGetDescField", (A)ird, 1, SQL_DESC_NAME, (A)buf, len, (A)&int_len, 0, 0, 0, 0, 0, 0),
                 SQL_HANDLE_DESC, ird);
    fill_canary();
    check_output("SQLGetDescFieldW", len, CALL("SQLGetDescFieldW", (A)ird, 1, SQL_DESC_NAME, (A)buf, len, (A)&int_len, 0, 0, 0, 0, 0, 0),
                 SQL_HANDLE_DESC, ird);
    calls += 2;
  }
  for (int i = 0; i < nc; i++) {
    long len = char_lengths[i];
    SQLSMALLINT type, sub, precision, scale, nullable;
    SQLLEN length;
    fill_canary();
    check_output("SQLGetDescRec", len,
                 CALL("SQLGetDescRec", (A)ird, 1, (A)buf, len, (A)&short_len, (A)&type, (A)&sub, (A)&length, (A)&precision, (A)&scale,
                      (A)&nullable, 0),
                 SQL_HANDLE_DESC, ird);
    fill_canary();
    SQLRETURN rc = CALL("SQLGetDescRecW", (A)ird, 1, (A)buf, len, (A)&short_len, (A)&type, (A)&sub, (A)&length, (A)&precision, (A)&scale,
                        (A)&nullable, 0);
    check_output("SQLGetDescRecW", len < 0 ? len : 2 * len, rc, SQL_HANDLE_DESC, ird);
    calls += 2;
  }
  CALL("SQLFreeStmt", (A)st, SQL_CLOSE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

  /* Input lengths: negative ones other than SQL_NTS are HY090 for text, and a length that
   * ends the text early runs only what it covers. */
  static const long in_lengths[] = {-1, -2, -4, -100};
  for (int i = 0; i < (int)(sizeof in_lengths / sizeof in_lengths[0]); i++) {
    long len = in_lengths[i];
    CHECK(CALL("SQLTables", (A)st, 0, 0, 0, 0, (A) "x", len, 0, 0, 0, 0, 0) == SQL_ERROR && state_is(SQL_HANDLE_STMT, st, "HY090"),
          "SQLTables negative name length: HY090");
    CHECK(CALL("SQLColumns", (A)st, 0, 0, 0, 0, (A) "x", len, (A) "y", SQL_NTS, 0, 0, 0) == SQL_ERROR && state_is(SQL_HANDLE_STMT, st, "HY090"),
          "SQLColumns negative name length: HY090");
    calls += 8;
    CHECK(CALL("SQLExecDirect", (A)st, (A) "SELECT 1", len, 0, 0, 0, 0, 0, 0, 0, 0, 0) == SQL_ERROR && state_is(SQL_HANDLE_STMT, st, "HY090"),
          "SQLExecDirect negative length: HY090");
    CHECK(CALL("SQLPrepare", (A)st, (A) "SELECT 1", len, 0, 0, 0, 0, 0, 0, 0, 0, 0) == SQL_ERROR && state_is(SQL_HANDLE_STMT, st, "HY090"),
          "SQLPrepare negative length: HY090");
    CHECK(CALL("SQLSetCursorName", (A)st, (A) "cursor_x", len, 0, 0, 0, 0, 0, 0, 0, 0, 0) == SQL_ERROR && state_is(SQL_HANDLE_STMT, st, "HY090"),
          "SQLSetCursorName negative length: HY090");
    CHECK(CALL("SQLNativeSql", (A)h->dbc, (A) "SELECT 1", len, (A)buf, 64, (A)&int_len, 0, 0, 0, 0, 0, 0) == SQL_ERROR &&
              state_is(SQL_HANDLE_DBC, h->dbc, "HY090"),
          "SQLNativeSql negative length: HY090");
    CHECK(CALL("SQLSetConnectAttr", (A)h->dbc, SQL_ATTR_CURRENT_CATALOG, (A) "auroraodbc", len, 0, 0, 0, 0, 0, 0, 0, 0) == SQL_ERROR &&
              state_is(SQL_HANDLE_DBC, h->dbc, "HY090"),
          "SQLSetConnectAttr string negative length: HY090");
    CHECK(CALL("SQLSetDescField", (A)ipd, 1, SQL_DESC_NAME, (A) "n", len, 0, 0, 0, 0, 0, 0, 0) == SQL_ERROR && state_is(SQL_HANDLE_DESC, ipd, "HY090"),
          "SQLSetDescField string negative length: HY090");
  }
  /* A length shorter than the text runs only the part it covers. */
  CHECK(CALL("SQLExecDirect", (A)st, (A) "SELECT 12345", 9, 0, 0, 0, 0, 0, 0, 0, 0, 0) == SQL_SUCCESS && OK(C0("SQLFetch", st)), "the first 9 characters of SELECT 12345");
  SQLINTEGER v = 0;
  CHECK(OK(CALL("SQLGetData", (A)st, 1, SQL_C_LONG, (A)&v, 0, (A)&ind, 0, 0, 0, 0, 0, 0)) && v == 12, "the length was respected (12)");
  CALL("SQLFreeHandle", SQL_HANDLE_STMT, (A)st, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  CHECK(connection_works(h->dbc), "the connection works after odd lengths");
  printf("ok odd lengths: %d calls, negative lengths HY090, nothing written past a buffer\n", calls);
}

/* --- 4. Threads --------------------------------------------------------------------------- */

#define THREADS 16
static volatile int stop_flag;

struct Worker {
  SQLHANDLE st;
  int iterations;
  int ok, errors, invalid, undefined;
};

/* Runs a query and reads its rows until told to stop, the statement is gone
 * (SQL_INVALID_HANDLE) or `iterations` are done. Each return code is recorded. */
static void *worker_main(void *arg) {
  struct Worker *w = arg;
  for (int i = 0; i < w->iterations && !stop_flag; i++) {
    SQLRETURN rc = CALL("SQLExecDirect", (A)w->st, (A) "SELECT g, md5(g::text) FROM generate_series(1, 300) g, pg_sleep(0.005)", SQL_NTS, 0, 0, 0, 0, 0, 0, 0,
                        0, 0);
    while (OK(rc)) {
      rc = C0("SQLFetch", w->st);
      if (OK(rc)) {
        char text[40];
        SQLLEN ind;
        rc = CALL("SQLGetData", (A)w->st, 2, SQL_C_CHAR, (A)text, sizeof text, (A)&ind, 0, 0, 0, 0, 0, 0);
      }
    }
    if (!defined_code(rc)) w->undefined++;
    if (rc == SQL_INVALID_HANDLE) {
      w->invalid++;
      break;
    }
    if (rc == SQL_NO_DATA) w->ok++;
    else w->errors++;
    CALL("SQLFreeStmt", (A)w->st, SQL_CLOSE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  }
  return NULL;
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static struct Worker workers[THREADS];
static pthread_t tids[THREADS];

static void start_workers(SQLHANDLE dbc, int iterations) {
  stop_flag = 0;
  for (int i = 0; i < THREADS; i++) {
    memset(&workers[i], 0, sizeof workers[i]);
    workers[i].st = alloc(SQL_HANDLE_STMT, dbc);
    workers[i].iterations = iterations;
    if (pthread_create(&tids[i], NULL, worker_main, &workers[i]) != 0) check_fail("start a thread", __LINE__);
  }
}

/* Joins the workers; totals of their return codes. */
static void join_workers(int *ok, int *errors, int *invalid) {
  *ok = *errors = *invalid = 0;
  for (int i = 0; i < THREADS; i++) {
    pthread_join(tids[i], NULL);
    CHECK(workers[i].undefined == 0, "every return code a defined one");
    *ok += workers[i].ok;
    *errors += workers[i].errors;
    *invalid += workers[i].invalid;
  }
}

static void *cancel_main(void *arg) {
  (void)arg;
  unsigned seed = 7;
  int sent = 0;
  while (!stop_flag) {
    SQLRETURN rc = C0("SQLCancel", workers[rand_r(&seed) % THREADS].st);
    if (!OK(rc)) check_fail("SQLCancel from another thread succeeds", __LINE__);
    sent++;
    sleep_ms(3);
  }
  return (void *)(intptr_t)sent;
}

/* Statement shared by every thread of part 4b. */
static SQLHANDLE shared_stmt;
static void *shared_main(void *arg) {
  int *undefined = arg;
  for (int i = 0; i < 40; i++) {
    SQLRETURN rcs[4];
    SQLINTEGER v;
    SQLLEN ind;
    rcs[0] = CALL("SQLExecDirect", (A)shared_stmt, (A) "SELECT g FROM generate_series(1, 50) g", SQL_NTS, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    rcs[1] = C0("SQLFetch", shared_stmt);
    rcs[2] = CALL("SQLGetData", (A)shared_stmt, 1, SQL_C_LONG, (A)&v, 0, (A)&ind, 0, 0, 0, 0, 0, 0);
    rcs[3] = C0("SQLCloseCursor", shared_stmt);
    for (int k = 0; k < 4; k++)
      if (!defined_code(rcs[k]) || rcs[k] == SQL_INVALID_HANDLE) (*undefined)++;
  }
  return NULL;
}

static void threads(void) {
  int ok, errors, invalid;
  SQLHANDLE env = new_env();
  SQLHANDLE dbc = connect_on(env);

  /* 4a. 16 threads, one connection, a statement each; SQLCancel from another thread. */
  time_t t0 = time(NULL);
  start_workers(dbc, 25);
  pthread_t canceller;
  pthread_create(&canceller, NULL, cancel_main, NULL);
  for (int i = 0; i < THREADS; i++) pthread_join(tids[i], NULL);
  stop_flag = 1;
  void *sent;
  pthread_join(canceller, &sent);
  ok = errors = invalid = 0;
  for (int i = 0; i < THREADS; i++) {
    CHECK(workers[i].undefined == 0 && workers[i].invalid == 0, "every return code a defined one, no statement lost");
    ok += workers[i].ok;
    errors += workers[i].errors;
  }
  CHECK(ok + errors == THREADS * 25, "every query ended");
  for (int i = 0; i < THREADS; i++) {
    CHECK(run_sum(workers[i].st, "SELECT g FROM generate_series(1, 10) g") == 55, "each statement works after the cancels");
    CALL("SQLFreeHandle", SQL_HANDLE_STMT, (A)workers[i].st, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  }
  printf("ok 16 threads on one connection with %ld SQLCancel calls from another thread: %d queries done, %d cancelled or failed, %lds\n",
         (long)(intptr_t)sent, ok, errors, (long)(time(NULL) - t0));

  /* 4b. 16 threads on one statement. */
  shared_stmt = alloc(SQL_HANDLE_STMT, dbc);
  int undefined[THREADS] = {0};
  for (int i = 0; i < THREADS; i++) pthread_create(&tids[i], NULL, shared_main, &undefined[i]);
  for (int i = 0; i < THREADS; i++) {
    pthread_join(tids[i], NULL);
    CHECK(undefined[i] == 0, "calls on a shared statement give defined codes");
  }
  CHECK(run_sum(shared_stmt, "SELECT g FROM generate_series(1, 10) g") == 55, "the shared statement works afterwards");
  CALL("SQLFreeHandle", SQL_HANDLE_STMT, (A)shared_stmt, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  printf("ok 16 threads on one statement\n");

  /* 4c. Statements freed by other threads while they run. */
  start_workers(dbc, 1000000);
  sleep_ms(200);
  for (int i = 0; i < THREADS; i++) {
    CHECK(CALL("SQLFreeHandle", SQL_HANDLE_STMT, (A)workers[i].st, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) == SQL_SUCCESS, "free a running statement from another thread");
    sleep_ms(5);
  }
  join_workers(&ok, &errors, &invalid);
  CHECK(invalid == THREADS, "each worker saw its statement gone (SQL_INVALID_HANDLE)");
  CHECK(connection_works(dbc), "the connection works after its statements were freed under its threads");
  printf("ok statements freed from other threads while in use: %d queries done, %d failed, every worker saw SQL_INVALID_HANDLE\n", ok, errors);

  /* 4d. SQLDisconnect, then SQLFreeHandle of the connection, from another thread while 16
   * threads use it. */
  start_workers(dbc, 1000000);
  sleep_ms(200);
  SQLRETURN rc = SQL_ERROR;
  int refused = 0;
  for (int tries = 0; tries < 2000 && !OK(rc); tries++) {
    rc = C0("SQLDisconnect", dbc);
    if (!OK(rc)) {
      refused++;
      CHECK(rc == SQL_ERROR && strlen(state_of(SQL_HANDLE_DBC, dbc)) == 5, "a refused disconnect says why");
      sleep_ms(1);
    }
  }
  CHECK(OK(rc), "SQLDisconnect from another thread while 16 threads use the connection");
  sleep_ms(100);
  rc = CALL("SQLFreeHandle", SQL_HANDLE_DBC, (A)dbc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  CHECK(rc == SQL_SUCCESS, "free the connection while its threads still call");
  join_workers(&ok, &errors, &invalid);
  CHECK(invalid == THREADS, "each worker ended with SQL_INVALID_HANDLE");
  CHECK(CALL("SQLFreeHandle", SQL_HANDLE_ENV, (A)env, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) == SQL_SUCCESS, "free the environment");
  printf("ok SQLDisconnect and SQLFreeHandle from another thread under 16 threads: %d refused first, %d queries done, %d failed\n", refused,
         ok, errors);
}

/* --- 5. fork() ---------------------------------------------------------------------------- */

/* Runs `child` in a forked process with an alarm; its exit status (-1 for a signal). */
static int in_child(int (*child)(SQLHANDLE, SQLHANDLE), SQLHANDLE dbc, SQLHANDLE st) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    alarm(30);
    _exit(child(dbc, st));
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status)) {
    fprintf(stderr, "child ended by signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return -1;
  }
  return WEXITSTATUS(status);
}

/* The child leaves: statement, connection, environment freed. */
static int child_closes(SQLHANDLE dbc, SQLHANDLE st) {
  if (CALL("SQLFreeHandle", SQL_HANDLE_STMT, (A)st, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) != SQL_SUCCESS) return 3;
  if (!OK(C0("SQLDisconnect", dbc))) return 4;
  if (CALL("SQLFreeHandle", SQL_HANDLE_DBC, (A)dbc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) != SQL_SUCCESS) return 5;
  return 0;
}

/* The child uses its copy of the connection: a clean error (08003), never a hang, a crash or
 * a read of the parent's replies; rows already in the child's memory may still be fetched.
 * Then it closes the copy. */
static int child_uses(SQLHANDLE dbc, SQLHANDLE st) {
  SQLHANDLE other = NULL;
  SQLRETURN rc = CALL("SQLAllocHandle", SQL_HANDLE_STMT, (A)dbc, (A)&other, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  if (!OK(rc)) return 6;
  rc = CALL("SQLExecDirect", (A)other, (A) "SELECT 42", SQL_NTS, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  /* The socket is the parent's: the driver refuses (08003) rather than read its replies. */
  if (rc != SQL_ERROR || !state_is(SQL_HANDLE_STMT, other, "08003")) return 7;
  printf("  child's query on the inherited connection: 08003 %s\n", last_msg);
  rc = C0("SQLFetch", st);
  printf("  child's fetch from the inherited cursor: %d %s\n", rc, rc == SQL_ERROR ? state_of(SQL_HANDLE_STMT, st) : "");
  if (!defined_code(rc) || rc == SQL_INVALID_HANDLE) return 8;
  CALL("SQLFreeHandle", SQL_HANDLE_STMT, (A)other, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  fflush(stdout);
  return child_closes(dbc, st);
}

/* The child opens a connection of its own and leaves the inherited one alone. */
static int child_connects(SQLHANDLE dbc, SQLHANDLE st) {
  (void)dbc;
  (void)st;
  SQLHANDLE env = new_env();
  SQLHANDLE own = connect_on(env);
  return connection_works(own) ? 0 : 9;
}

/* The child leaves without closing anything. */
static int child_exits(SQLHANDLE dbc, SQLHANDLE st) {
  (void)dbc;
  (void)st;
  return 0;
}

static void forks(void) {
  SQLHANDLE env = new_env();
  SQLHANDLE dbc = connect_on(env);
  SQLHANDLE st = alloc(SQL_HANDLE_STMT, dbc);
  /* A cursor open across the forks, read a row at a time by the parent. */
  CHECK(OK(CALL("SQLExecDirect", (A)st, (A) "SELECT g FROM generate_series(1, 20000) g", SQL_NTS, 0, 0, 0, 0, 0, 0, 0, 0, 0)), "open a cursor");
  long expected = 0, sum = 0;
  int row = 0;
  struct {
    const char *what;
    int (*child)(SQLHANDLE, SQLHANDLE);
  } children[] = {
      {"closes its copy", child_closes},
      {"exits without closing", child_exits},
      {"opens its own connection", child_connects},
      {"uses its copy", child_uses},
  };
  for (int c = 0; c < (int)(sizeof children / sizeof children[0]); c++) {
    /* Some rows before each fork. */
    for (int k = 0; k < 100; k++) {
      CHECK(OK(C0("SQLFetch", st)), "fetch a row in the parent");
      SQLINTEGER v = 0;
      SQLLEN ind;
      CHECK(OK(CALL("SQLGetData", (A)st, 1, SQL_C_LONG, (A)&v, 0, (A)&ind, 0, 0, 0, 0, 0, 0)), "read it");
      row++;
      sum += v;
      expected += row;
    }
    int status = in_child(children[c].child, dbc, st);
    char what[120];
    snprintf(what, sizeof what, "a forked child that %s exits cleanly (status %d)", children[c].what, status);
    CHECK(status == 0, what);
    snprintf(what, sizeof what, "the parent's connection works after a child that %s", children[c].what);
    CHECK(connection_works(dbc), what);
    printf("ok fork: child %s; parent carries on\n", children[c].what);
  }
  /* The parent's cursor carried on in order through every fork. */
  SQLRETURN rc;
  while (OK(rc = C0("SQLFetch", st))) {
    SQLINTEGER v = 0;
    SQLLEN ind;
    CHECK(OK(CALL("SQLGetData", (A)st, 1, SQL_C_LONG, (A)&v, 0, (A)&ind, 0, 0, 0, 0, 0, 0)), "read the rest");
    row++;
    sum += v;
    expected += row;
  }
  CHECK(rc == SQL_NO_DATA && row == 20000 && sum == expected, "the parent's cursor read every row in order across the forks");
  CALL("SQLFreeHandle", SQL_HANDLE_STMT, (A)st, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  CHECK(OK(C0("SQLDisconnect", dbc)), "disconnect in the parent");
  CALL("SQLFreeHandle", SQL_HANDLE_DBC, (A)dbc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  CALL("SQLFreeHandle", SQL_HANDLE_ENV, (A)env, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  printf("ok fork: the parent's open cursor read all 20000 rows in order\n");
}

/* --- main --------------------------------------------------------------------------------- */

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  /* A hang anywhere is a failure: SIGALRM ends the program with a signal status. */
  alarm(240);
  lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "FAIL dlopen: %s\n", dlerror());
    return 1;
  }
  conn_str = argv[2];

  /* Every export named on the command line is in the table, and every table entry exists. */
  for (int a = 3; a < argc; a++) {
    int found = 0;
    for (int e = 0; e < N_EXPORTS && !found; e++) found = strcmp(argv[a], exports[e].name) == 0;
    if (!found) {
      fprintf(stderr, "FAIL export %s is not in misuse.c's table\n", argv[a]);
      return 1;
    }
  }
  for (int e = 0; e < N_EXPORTS; e++) sym(exports[e].name);
  CHECK(argc - 3 == N_EXPORTS, "the table has exactly the library's exports");
  printf("ok %d exports in the table\n", N_EXPORTS);

  struct Handles h;
  h.env = new_env();
  h.dbc = connect_on(h.env);
  h.stmt = alloc(SQL_HANDLE_STMT, h.dbc);
  h.desc = alloc(SQL_HANDLE_DESC, h.dbc);
  CHECK(OK(CALL("SQLGetStmtAttr", (A)h.stmt, SQL_ATTR_APP_ROW_DESC, (A)&h.ard, 0, 0, 0, 0, 0, 0, 0, 0, 0)) && h.ard, "an implicit descriptor");
  /* Freed handles of each type. Nothing allocates a handle between these frees and the
   * calls with them, so no live handle can have taken a freed one's address (the driver
   * promises SQL_INVALID_HANDLE for a freed handle only until its address is reused). */
  h.freed_env = alloc(SQL_HANDLE_ENV, NULL);
  SQLHANDLE spare_dbc = connect_on(h.env);
  h.freed_dbc = alloc(SQL_HANDLE_DBC, h.env);
  h.freed_stmt = alloc(SQL_HANDLE_STMT, spare_dbc);
  h.freed_desc = alloc(SQL_HANDLE_DESC, spare_dbc);
  CHECK(CALL("SQLFreeHandle", SQL_HANDLE_STMT, (A)h.freed_stmt, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) == SQL_SUCCESS, "free a statement");
  CHECK(CALL("SQLFreeHandle", SQL_HANDLE_DESC, (A)h.freed_desc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) == SQL_SUCCESS, "free a descriptor");
  CHECK(OK(C0("SQLDisconnect", spare_dbc)) && CALL("SQLFreeHandle", SQL_HANDLE_DBC, (A)spare_dbc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) == SQL_SUCCESS,
        "free a connected connection after disconnecting");
  CHECK(CALL("SQLFreeHandle", SQL_HANDLE_DBC, (A)h.freed_dbc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) == SQL_SUCCESS, "free a connection");
  CHECK(CALL("SQLFreeHandle", SQL_HANDLE_ENV, (A)h.freed_env, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) == SQL_SUCCESS, "free an environment");
  /* Freeing twice is a bad handle too. */
  CHECK(CALL("SQLFreeHandle", SQL_HANDLE_STMT, (A)h.freed_stmt, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) == SQL_INVALID_HANDLE, "double free");
  bad_handles(&h);
  CHECK(connection_works(h.dbc), "the live handles are untouched by the bad calls");

  zero_arguments(&h);
  odd_lengths(&h);
  CALL("SQLFreeHandle", SQL_HANDLE_DESC, (A)h.desc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  CALL("SQLFreeHandle", SQL_HANDLE_STMT, (A)h.stmt, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

  threads();
  forks();

  CHECK(OK(C0("SQLDisconnect", h.dbc)), "disconnect");
  CHECK(CALL("SQLFreeHandle", SQL_HANDLE_DBC, (A)h.dbc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) == SQL_SUCCESS, "free the connection");
  CHECK(CALL("SQLFreeHandle", SQL_HANDLE_ENV, (A)h.env, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) == SQL_SUCCESS, "free the environment");
  printf("%d checks, all passed\n", checks);
  return 0;
}
