# Strand side of ctxlab.host.Scheduler: the yield and exit paths, and the programs a strand
# can run. Assembled by Keystone in one unit with asm/context_x86_64.s (the routine under test)
# and asm/strands/*.s, so `call cem_swapcontext` is the verified routine.
#
# Java never runs on a strand stack: the scheduler (Java) resumes a strand by a downcall of
#   cem_swapcontext(save = scheduler context, restore = strand context)
# and that downcall returns when the strand switches back to the scheduler context.
#
# Strand control block (SCB), 128 bytes per strand, allocated and read by Scheduler.java:
#
#   offset  contents
#   0x00    the strand's context (64 bytes, ContextLayout: rbx rbp r12 r13 r14 r15 rsp mxcsr)
#   0x40    state: 0 runnable, 1 finished (set by strand_exit)
#   0x48    yields: incremented by every strand_yield
#   0x50    argument (Java writes it; also preset in rbx)
#   0x58    result: whatever the program reports (each program says what)
#   0x60    yield by call: 1 when the switch routine ends in `ret` (see "Return-stack balance")
#   0x68    spare (0x18 bytes)
#
# Registers a strand starts with (preset by makeContext, kept by every program because they
# are callee-saved):
#   r12 = its SCB (its own context is at 0x00 of it)
#   r13 = the scheduler's context
#   rbx = the argument
# A program is an ordinary function entered with rsp = 8 mod 16. makeContext sets its return
# address to strand_exit, so a program finishes by returning.

#
# Return-stack balance. The CPU predicts every `ret` from its return stack buffer (RSB), one for
# both stacks. A routine ending in `ret` (the seed) pops one RSB entry per switch: Java's downcall
# pushes one, the strand's `call strand_yield` pushes one, the two switches pop them (both
# mispredicted, but the RSB stays in step with Java's own calls). A routine ending in an indirect
# `jmp` (asm/context_x86_64_fast.s) pops none: the same two pushes would stay on the RSB, and every
# `ret` Java makes afterwards would mispredict (Java's frames are several calls deep) — why pop+jmp
# made the round trip slower, not faster. So with such a routine the scheduler enters by
# sched_resume, whose switch back lands on a `ret` that matches Java's own call, and the programs
# below yield without a call (push the resume address, jmp): the RSB is never out of step and both
# switches are predicted by the branch target buffer. Scheduler.java picks the mode from the
# routine's last instruction and sets SCB 0x60 for the programs; both modes are correct with
# either routine (the stack is the same), only the prediction differs.

        .text

# sched_resume(save = scheduler context, restore = strand context): the Java side's entry for a
# routine that ends in jmp.
        .globl  sched_resume
sched_resume:
        leaq    1f(%rip), %rax          # the scheduler's resume address, pushed without a call:
        pushq   %rax                    # the RSB keeps Java's return address on top
        jmp     cem_swapcontext         # saves rsp (-> 1f) into the scheduler context, runs the strand
1:      ret                             # the strand switched back: to Java, predicted

        .globl  strand_yield
strand_yield:                           # back to the scheduler; returns when resumed
        incq    0x48(%r12)              # SCB.yields
        movq    %r12, %rdi              # save: this strand (SCB + 0x00)
        movq    %r13, %rsi              # restore: the scheduler
        jmp     cem_swapcontext         # tail call: its ret returns to our caller once resumed

        .globl  strand_exit
strand_exit:                            # where a program's ret lands (rsp = 0 mod 16)
        movq    $1, 0x40(%r12)          # SCB.state = finished
        movq    %r12, %rdi              # save: this strand (never resumed)
        movq    %r13, %rsi              # restore: the scheduler
        call    cem_swapcontext
        ud2                             # a finished strand is never switched to again

# counter_program: yields rbx times; SCB.result counts the resumptions seen.
        .globl  counter_program
counter_program:                        # rbx = number of yields
        subq    $8, %rsp                # rsp = 0 mod 16 at our calls
        xorl    %ebp, %ebp              # rbp = yields done
1:      cmpq    %rbx, %rbp
        jae     2f
        cmpq    $0, 0x60(%r12)          # SCB.yield by call?
        jne     8f
        leaq    9f(%rip), %rax          # no: push the resume address and jmp (no RSB push)
        pushq   %rax
        jmp     strand_yield
8:      call    strand_yield
9:      incq    %rbp
        movq    %rbp, 0x58(%r12)        # SCB.result = resumptions so far
        jmp     1b
2:      addq    $8, %rsp
        ret                             # to strand_exit

# recurse_program: recurses rbx levels deep, 256 bytes of stack per level, and yields once at
# the bottom with every frame live. Too deep for its stack, it runs into the guard page.
# SCB.result = the deepest level whose frame was written.
        .globl  recurse_program
recurse_program:                        # rbx = depth
        subq    $8, %rsp
        movq    %rbx, %rdi
        call    recurse_level
        addq    $8, %rsp
        ret

recurse_level:                          # rdi = levels still to go
        subq    $248, %rsp              # 248 + 8 (return address) = 256 bytes a level, rsp stays 0 mod 16
        movq    %rdi, 0(%rsp)           # write into the new frame: faults here on the guard page
        incq    0x58(%r12)              # SCB.result = levels reached
        testq   %rdi, %rdi
        jz      1f
        decq    %rdi
        call    recurse_level
        jmp     2f
1:      cmpq    $0, 0x60(%r12)          # the bottom: all frames live across a switch
        jne     8f
        leaq    9f(%rip), %rax          # no: push the resume address and jmp (no RSB push)
        pushq   %rax
        jmp     strand_yield
8:      call    strand_yield
9:
2:      addq    $248, %rsp
        ret

# spin_program: yields forever (the round-trip benchmark stops resuming it).
        .globl  spin_program
spin_program:
        subq    $8, %rsp
1:      cmpq    $0, 0x60(%r12)          # SCB.yield by call?
        jne     8f
        leaq    9f(%rip), %rax          # no: push the resume address and jmp (no RSB push)
        pushq   %rax
        jmp     strand_yield
8:      call    strand_yield
9:      jmp     1b

        .section .note.GNU-stack,"",@progbits
