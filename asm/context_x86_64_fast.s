/*
 * context_x86_64_fast.s — a faster drop-in for the Cem runtime's cem_swapcontext, x86-64 System V.
 *
 *   void cem_swapcontext(cem_context *save, cem_context *restore);
 *                         %rdi = save          %rsi = restore
 *
 * Same symbol, same 64-byte context, same contract as asm/context_x86_64.s (the seed): it saves
 * the callee-saved state of the running strand into *save and resumes the strand in *restore; a
 * context made by cem_makecontext starts its entry exactly as with the seed. It links into the Cem
 * runtime in place of the seed, and `ctxlab verify` proves the same seven properties of it.
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
 * What differs from the seed, and why (measured in docs/performance.md): only the last step.
 * The seed ends in `ret`, which the CPU predicts from its return stack buffer — the address our
 * own caller pushed — but it goes to another strand, so it mispredicts on every switch. This one
 * ends in `leaq 8(%rsp), %rsp; jmp *-8(%rsp)`: the same rsp and rip on arrival as after `ret`,
 * through an indirect jump, which the branch target buffer predicts from its history (it learns
 * the strands' resume addresses). Unlike `popq %rcx; jmp *%rcx` (asm/variants/ok-pop-jmp.s) it
 * touches no register and no flag besides rsp and rip, so every test vector's picture of the
 * caller-saved registers still holds. Reading -8(%rsp) after moving rsp past it is safe: it is in
 * the 128-byte red zone of the resumed stack, which signal handlers never touch (SysV psABI 3.2.2).
 * Everything before the last two instructions is the seed's, in the seed's order, so a bad
 * context faults at the same instruction as with the seed. Measured and not taken: skipping
 * `ldmxcsr` when the MXCSR is unchanged (the compare clobbers eax and the flags, and it measured
 * slower, 7.3 against 5.7 ns per switch), loading the new rsp before the other registers (no
 * difference), and every other order the fault vectors allow (`ldmxcsr` right after the rbx and
 * rsp loads, the `leaq` early), `.p2align 6` and the VEX forms vstmxcsr/vldmxcsr: none more than
 * 1 % faster. `stmxcsr` itself is about 1 ns of the 4.5 per switch, and it must stay
 * the last store, before any read of *restore, for a bad context to fault with the seed's memory;
 * see docs/performance.md, section 2, "Fourth pass".
 *
 * Not switched, as in the seed: the x87 control word (strands are expected not to change it) and
 * the CET shadow stack (the jmp onto another stack is what a CET process would reject, as the
 * seed's ret is).
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
        movq    48(%rsi), %rsp          # restore->rsp   (0x30): now on the other stack; [rsp] = resume address
        ldmxcsr 56(%rsi)                # restore->mxcsr (0x38)
        leaq    8(%rsp), %rsp           # pop the resume (or entry) address without a return-stack pop
        jmp     *-8(%rsp)               # and go there: predicted by the BTB (red zone: see above)
        .size   cem_swapcontext, .-cem_swapcontext

        .section .note.GNU-stack,"",@progbits
