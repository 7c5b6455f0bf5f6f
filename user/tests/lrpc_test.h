/* What t_lrpc and its servers (t_lrpc_srv) agree on. */
#ifndef USER_TESTS_LRPC_TEST_H
#define USER_TESTS_LRPC_TEST_H
#define LT_IFACE 0x17c
enum {
    LT_SUM,   /* -> the sum of the argument bytes (at most 3000) */
    LT_INC,   /* adds 1 to every argument byte, in place; -> len */
    LT_EXIT,  /* the server exits (3) in the middle of the call */
    LT_FAULT, /* the server writes to address 0 */
    LT_NPROCS
};
#define LT_SUM_MAX 3000
#endif
