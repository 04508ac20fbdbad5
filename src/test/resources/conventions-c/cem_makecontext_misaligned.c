/*
 * cem_makecontext_misaligned.c — a broken makecontext for the Cem convention: the entry function
 * starts with rsp = 0 (mod 16) instead of 8, as if called from a misaligned call site. ctxlab's
 * `verify --maker FILE.o:cem_makecontext` must report the makecontext property.
 *
 * The bug: it reserves a single word below the aligned top for the entry address (saved rsp =
 * top - 8, 8 mod 16), forgetting that the ret which pops it adds 8 more: the entry then sees
 * rsp = top, which is 0 (mod 16). Every other slot is as in cem_makecontext_ok.c.
 *
 * Cem context (64 bytes): rbx 0x00, rbp 0x08, r12 0x10, r13 0x18, r14 0x20, r15 0x28, rsp 0x30,
 * mxcsr 0x38 (4 bytes), spare 0x3c. No memset, no call: every slot is written one by one.
 */
#include <stddef.h>
#include <stdint.h>

void cem_makecontext(uint64_t *ctx, void *stack, size_t size, void (*entry)(void)) {
    uint64_t top = ((uint64_t)(uintptr_t)stack + size) & ~(uint64_t)15;   /* align16(stack + size) */
    uint64_t *sp = (uint64_t *)(uintptr_t)(top - 8);                     /* BUG: should be top - 16 */
    sp[0] = (uint64_t)(uintptr_t)entry;    /* popped by the switch's ret: the entry sees rsp = top */
    ctx[0] = 0;                            /* rbx */
    ctx[1] = 0;                            /* rbp */
    ctx[2] = 0;                            /* r12 */
    ctx[3] = 0;                            /* r13 */
    ctx[4] = 0;                            /* r14 */
    ctx[5] = 0;                            /* r15 */
    ctx[6] = top - 8;                      /* rsp: 8 mod 16 here, so 0 mod 16 after the ret */
    ctx[7] = 0x1F80;                       /* mxcsr 0x1F80, spare 0 */
}
