/*
 * A switch routine written the way runtimes ship them: a .S file with both an
 * i386 and an x86-64 branch, macros from a header found through -I, a stack
 * guard in TLS, a CET property note (what <cet.h> adds under -fcf-protection),
 * and a finish path calling _exit through the PLT.
 */
#include "ctx_layout.h"

#ifndef GUARD_SLOT
#error "GUARD_SLOT must be given with -DGUARD_SLOT=..."
#endif

# a plain GNU-as comment line: not a preprocessor directive
        .text
        .globl  ctx_swap
        .type   ctx_swap, @function
ctx_swap:
#if defined(__x86_64__)
        endbr64
        SAVE(rbx, CTX_RBX)
        SAVE(rbp, CTX_RBP)
        SAVE(r12, CTX_R12)
        SAVE(r13, CTX_R13)
        SAVE(r14, CTX_R14)
        SAVE(r15, CTX_R15)
        movq    %rsp, CTX_RSP(%rdi)
        stmxcsr CTX_MXCSR(%rdi)
        movq    %fs:GUARD_SLOT, %rax      # the stack guard of the leaving strand
        movl    %eax, CTX_GUARD(%rdi)
        LOAD(rbx, CTX_RBX)
        LOAD(rbp, CTX_RBP)
        LOAD(r12, CTX_R12)
        LOAD(r13, CTX_R13)
        LOAD(r14, CTX_R14)
        LOAD(r15, CTX_R15)
        movq    CTX_RSP(%rsi), %rsp
        ldmxcsr CTX_MXCSR(%rsi)
        ret
#else
        /* i386: never assembled on x86-64; GNU as would reject none of it */
        movl    4(%esp), %eax
        movl    %ebx, 0(%eax)
        ret
#endif
        .size   ctx_swap, .-ctx_swap

        .globl  ctx_finish
        .type   ctx_finish, @function
ctx_finish:
        endbr64
        movl    %eax, %edi
        call    _exit@PLT
        .size   ctx_finish, .-ctx_finish

#if defined(WITH_CET_NOTE)
        .pushsection ".note.gnu.property", "a"
        .p2align 3
        .long 1f - 0f           /* name length */
        .long 4f - 1f           /* data length */
        .long 5                 /* NT_GNU_PROPERTY_TYPE_0 */
0:      .asciz "GNU"
1:      .p2align 3
        .long 0xc0000002        /* GNU_PROPERTY_X86_FEATURE_1_AND */
        .long 3f - 2f
2:      .long 3                 /* IBT | SHSTK */
3:      .p2align 3
4:
        .popsection
#endif
        .section .note.GNU-stack,"",@progbits
