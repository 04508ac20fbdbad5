# Native halves of `ctxlab bench`: two strands switching to each other with the routine under
# test (cem_swapcontext), and the same ping-pong with glibc's swapcontext.
# Assembled in one unit with asm/context_x86_64.s. Called from Java by FFM downcalls; the
# *_main routines keep the System V ABI towards their caller (rbx, rbp, r12-r15 preserved).

        .text

# --- (a) nativeSwitchNs: strand A and strand B switch to each other, main waits -------------
#
# Block (written by Java; contexts prepared by makeContext):
#   0x000  main's context      0x040  A's context      0x080  B's context
#   0x100  round trips left (A -> B -> A counts one; B ends the run when it reaches 0)
# Strands get r12 = block (preset).  Switches per run: 2 * rounds + 1.

        .globl  bench_pingpong_main
bench_pingpong_main:                    # rdi = block, rsi = round trips
        pushq   %rbx
        pushq   %rbp
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        subq    $8, %rsp
        movq    %rdi, %r12
        movq    %rsi, 0x100(%r12)       # rounds left
        leaq    0x000(%r12), %rdi       # save: main
        leaq    0x040(%r12), %rsi       # restore: A
        call    cem_swapcontext         # B switches back here when the rounds are done
        addq    $8, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbp
        popq    %rbx
        ret

        .globl  bench_ping
bench_ping:                             # strand A: r12 = block
1:      leaq    0x040(%r12), %rdi       # save: A
        leaq    0x080(%r12), %rsi       # restore: B
        call    cem_swapcontext
        jmp     1b

        .globl  bench_pong
bench_pong:                             # strand B: r12 = block
1:      decq    0x100(%r12)             # one more round trip
        jz      2f
        leaq    0x080(%r12), %rdi       # save: B
        leaq    0x040(%r12), %rsi       # restore: A
        call    cem_swapcontext
        jmp     1b
2:      leaq    0x080(%r12), %rdi       # save: B (never resumed)
        leaq    0x000(%r12), %rsi       # restore: main, which returns to Java
        call    cem_swapcontext
        ud2

# --- (c) glibcSwapcontextNs: the same ping-pong through glibc's swapcontext -----------------
#
# Block (1 KB per ucontext_t, whose size is 968 bytes on x86-64 glibc):
#   0x000  main's ucontext_t   0x400  A's ucontext_t   0x800  B's ucontext_t
#   0xC00  address of swapcontext (Java looks it up in libc)
#   0xC08  round trips left
# A and B are made by getcontext + makecontext(ctx, entry, 1, block): they get rdi = block.
# swapcontext saves and restores every register itself (plus the signal mask, by a syscall:
# that is where its time goes), so r12 survives the calls.

        .globl  glibc_pingpong_main
glibc_pingpong_main:                    # rdi = block, rsi = round trips
        pushq   %rbx
        pushq   %r12
        subq    $8, %rsp
        movq    %rdi, %r12
        movq    %rsi, 0xc08(%r12)
        leaq    0x000(%r12), %rdi       # oucp: main
        leaq    0x400(%r12), %rsi       # ucp: A
        call    *0xc00(%r12)            # swapcontext; B switches back here at the end
        addq    $8, %rsp
        popq    %r12
        popq    %rbx
        ret

        .globl  glibc_ping
glibc_ping:                             # rdi = block (from makecontext), rsp = 8 mod 16
        subq    $8, %rsp
        movq    %rdi, %r12
1:      leaq    0x400(%r12), %rdi       # oucp: A
        leaq    0x800(%r12), %rsi       # ucp: B
        call    *0xc00(%r12)
        jmp     1b

        .globl  glibc_pong
glibc_pong:                             # rdi = block
        subq    $8, %rsp
        movq    %rdi, %r12
1:      decq    0xc08(%r12)
        jz      2f
        leaq    0x800(%r12), %rdi       # oucp: B
        leaq    0x400(%r12), %rsi       # ucp: A
        call    *0xc00(%r12)
        jmp     1b
2:      leaq    0x800(%r12), %rdi       # oucp: B (never resumed)
        leaq    0x000(%r12), %rsi       # ucp: main
        call    *0xc00(%r12)
        ud2

        .section .note.GNU-stack,"",@progbits
