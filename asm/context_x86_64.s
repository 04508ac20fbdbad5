/*
 * context_x86_64.s — the Cem runtime's green-thread context switch, x86-64 System V.
 *
 *   void cem_swapcontext(cem_context *save, cem_context *restore);
 *                         %rdi = save          %rsi = restore
 *
 * Saves the callee-saved state of the running strand into *save and resumes the
 * strand whose state is in *restore. Only callee-saved state is switched: the
 * caller of cem_swapcontext has already given up rax, rcx, rdx, rsi, rdi, r8–r11
 * and the vector registers, exactly as for any other function call.
 *
 * Context layout (64 bytes, see asm/README.md and ctxlab.abi.ContextLayout):
 *
 *   offset  slot    contents
 *   0x00    rbx     callee-saved
 *   0x08    rbp     callee-saved (frame pointer)
 *   0x10    r12     callee-saved
 *   0x18    r13     callee-saved
 *   0x20    r14     callee-saved
 *   0x28    r15     callee-saved
 *   0x30    rsp     stack pointer; [rsp] is the address to resume at
 *   0x38    mxcsr   SSE control/status (32 bits)
 *   0x3C    spare   4 bytes, unused
 *
 * The resume address is not stored in the context: it is the return address that
 * the `call cem_swapcontext` pushed on the saved stack, so `ret` after loading the
 * other rsp both switches stacks and jumps. A fresh context (cem_makecontext)
 * puts the entry address where that return address would be.
 *
 * Not switched: the x87 control word (the psABI calls it callee-saved; strands
 * here are expected not to change it) and the CET shadow stack.
 */

        .text
        .align 16
        .globl  cem_swapcontext
        .type   cem_swapcontext, @function
cem_swapcontext:
        // Save the running strand into *save (%rdi).
        movq    %rbx, 0(%rdi)           # save->rbx   (0x00)
        movq    %rbp, 8(%rdi)           # save->rbp   (0x08)
        movq    %r12, 16(%rdi)          # save->r12   (0x10)
        movq    %r13, 24(%rdi)          # save->r13   (0x18)
        movq    %r14, 32(%rdi)          # save->r14   (0x20)
        movq    %r15, 40(%rdi)          # save->r15   (0x28)
        movq    %rsp, 48(%rdi)          # save->rsp   (0x30): points at our return address
        stmxcsr 56(%rdi)                # save->mxcsr (0x38)

        /* Resume the strand in *restore (%rsi). */
        movq    0(%rsi), %rbx           # restore->rbx   (0x00)
        movq    8(%rsi), %rbp           # restore->rbp   (0x08)
        movq    16(%rsi), %r12          # restore->r12   (0x10)
        movq    24(%rsi), %r13          # restore->r13   (0x18)
        movq    32(%rsi), %r14          # restore->r14   (0x20)
        movq    40(%rsi), %r15          # restore->r15   (0x28)
        movq    48(%rsi), %rsp          # restore->rsp   (0x30): now on the other stack
        ldmxcsr 56(%rsi)                # restore->mxcsr (0x38)
        ret                             # pops the resume (or entry) address of the other strand
        .size   cem_swapcontext, .-cem_swapcontext

        .section .note.GNU-stack,"",@progbits
