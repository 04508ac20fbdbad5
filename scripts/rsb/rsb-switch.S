# The return-stack experiment of docs/performance.md ("Why pop+jmp was slower on the round trip"):
# the seed's switch (ending in ret) and the fast one (lea+jmp), a strand that reaches the switch by
# call or without one (push+jmp), and a trampoline for the caller's side. Built by scripts/bench-rsb
# with gcc at bench time, never by the build.
        .text
#define SAVE \
        movq %rbx,0(%rdi); movq %rbp,8(%rdi); movq %r12,16(%rdi); movq %r13,24(%rdi); movq %r14,32(%rdi); movq %r15,40(%rdi); movq %rsp,48(%rdi); stmxcsr 56(%rdi); \
        movq 0(%rsi),%rbx; movq 8(%rsi),%rbp; movq 16(%rsi),%r12; movq 24(%rsi),%r13; movq 32(%rsi),%r14; movq 40(%rsi),%r15; movq 48(%rsi),%rsp; ldmxcsr 56(%rsi)
        .globl sw_ret, sw_jmp
sw_ret: SAVE
        ret
sw_jmp: SAVE
        leaq 8(%rsp),%rsp
        jmp *-8(%rsp)
# strand: r12 = own ctx, r13 = sched ctx, r14 = switch fn
        .globl strand_call, strand_pushjmp
strand_call:
1:      call yield_call
        jmp 1b
yield_call:
        movq %r12,%rdi; movq %r13,%rsi; jmp *%r14
strand_pushjmp:            # reaches the switch without an RSB push
1:      leaq 2f(%rip),%rax
        pushq %rax
        movq %r12,%rdi; movq %r13,%rsi; jmp *%r14
2:      jmp 1b
        .globl tramp_jmp
tramp_jmp:                  # called from C: stack [X]
        leaq 1f(%rip), %rax
        pushq %rax
        jmp sw_jmp
1:      ret
        .section .note.GNU-stack,"",@progbits
