/*
 * cem_makecontext_ok.c — a correct makecontext for the Cem convention, written for ctxlab's
 * `verify --maker FILE.o:cem_makecontext` tests (compiled by the test with gcc -O2 -c).
 *
 * Cem context (64 bytes, uint64_t ctx[8]):
 *   0x00 rbx  0x08 rbp  0x10 r12  0x18 r13  0x20 r14  0x28 r15
 *   0x30 rsp: the saved stack pointer; [rsp] is where the switch's ret goes
 *   0x38 mxcsr (low 32 bits), 0x3c spare (high 32 bits)
 *
 * The switch ends in ret, so the entry address sits where a return address would: at the saved
 * rsp. After ret pops it, the entry sees rsp = saved rsp + 8; a called function expects
 * rsp = 8 (mod 16), so the saved rsp must be 16-aligned: top = align16(stack + size),
 * saved rsp = top - 16, [top - 16] = entry, [top - 8] = 0 (the entry's return address: a strand
 * that returns faults instead of running on).
 *
 * Every slot is written one by one: no memset, no call, so the object has no relocation.
 */
#include <stddef.h>
#include <stdint.h>

void cem_makecontext(uint64_t *ctx, void *stack, size_t size, void (*entry)(void)) {
    uint64_t top = ((uint64_t)(uintptr_t)stack + size) & ~(uint64_t)15;   /* align16(stack + size) */
    uint64_t *sp = (uint64_t *)(uintptr_t)(top - 16);                    /* the saved rsp, 16-aligned */
    sp[0] = (uint64_t)(uintptr_t)entry;    /* popped by the switch's ret */
    sp[1] = 0;                             /* the entry's return address: exit(0) is 0 here */
    ctx[0] = 0;                            /* rbx */
    ctx[1] = 0;                            /* rbp */
    ctx[2] = 0;                            /* r12 */
    ctx[3] = 0;                            /* r13 */
    ctx[4] = 0;                            /* r14 */
    ctx[5] = 0;                            /* r15 */
    ctx[6] = top - 16;                     /* rsp */
    ctx[7] = 0x1F80;                       /* mxcsr 0x1F80 (all exceptions masked), spare 0 */
}
