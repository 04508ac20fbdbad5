# ok-suffixless-hex-offsets — no operand-size suffixes, hex offsets
#
# expect: pass
# findings: cet-shadow-stack x87-control-word
#
# mov without a suffix (the register operand gives the size) and offsets in hex: the same
# 64-bit moves.
#
# Context layout (64 bytes): rbx 0x00, rbp 0x08, r12 0x10, r13 0x18, r14 0x20, r15 0x28,
# rsp 0x30 ([rsp] = resume address), mxcsr 0x38 (4 bytes), spare 0x3c-0x3f.

        .text
        .align 16
        .globl  cem_swapcontext
        .type   cem_swapcontext, @function
cem_swapcontext:
        // Save the running strand into *save (%rdi).
        mov     %rbx, 0x00(%rdi)        # save->rbx   (0x00)
        mov     %rbp, 0x08(%rdi)        # save->rbp   (0x08)
        mov     %r12, 0x10(%rdi)        # save->r12   (0x10)
        mov     %r13, 0x18(%rdi)        # save->r13   (0x18)
        mov     %r14, 0x20(%rdi)        # save->r14   (0x20)
        mov     %r15, 0x28(%rdi)        # save->r15   (0x28)
        mov     %rsp, 0x30(%rdi)        # save->rsp   (0x30)
        stmxcsr 0x38(%rdi)              # save->mxcsr (0x38)

        // Resume the strand in *restore (%rsi).
        mov     0x00(%rsi), %rbx        # restore->rbx   (0x00)
        mov     0x08(%rsi), %rbp        # restore->rbp   (0x08)
        mov     0x10(%rsi), %r12        # restore->r12   (0x10)
        mov     0x18(%rsi), %r13        # restore->r13   (0x18)
        mov     0x20(%rsi), %r14        # restore->r14   (0x20)
        mov     0x28(%rsi), %r15        # restore->r15   (0x28)
        mov     0x30(%rsi), %rsp        # restore->rsp   (0x30)
        ldmxcsr 0x38(%rsi)              # restore->mxcsr (0x38)
        retq                            # same as ret
        .size   cem_swapcontext, .-cem_swapcontext

        .section .note.GNU-stack,"",@progbits
