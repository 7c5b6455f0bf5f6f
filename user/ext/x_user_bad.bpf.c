/* Must be refused: calls the imported peek() with a number where it
 * dereferences a pointer (the signature does not match). */
#include "ext_ctx.h"

extern long peek(const long *p);

SEC("event/pct/badpeek")
int bad(struct ext_pct_ctx *ctx)
{
    ctx->reply[0] = peek((const long *)(long)ctx->msg[0]);
    return 1;
}
