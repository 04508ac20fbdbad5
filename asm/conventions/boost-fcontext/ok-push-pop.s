# ok-push-pop — saves with push and resumes with pop, into the same frame
#
# expect: pass
# convention: boost-fcontext
# symbol: jump_fcontext
# maker: make_fcontext
#
# The same frame built another way: six pushes fill 0x38..0x10 (rbp first, r12 last), a sub
# reserves the control words and the guard slot, and the restore pops them back and pops the
# resume address into %rcx (caller-saved) instead of reading it at 0x40. sub/add change the
# arithmetic flags only, which are caller-saved.
#
# Convention (Boost.Context fcontext, x86-64 System V, current 0x48-byte frame):
#   transfer_t jump_fcontext(fcontext_t to /* %rdi */, void *data /* %rsi */);
#   The routine builds its frame below the caller's rsp; the frame's address is the fcontext_t
#   it hands over (in %rax, and in %rdi for a fresh context's entry function).
#   frame+0x00 mxcsr (4)   frame+0x04 x87 control word (2)   frame+0x08 TLS stack guard (unused here)
#   frame+0x10 r12  0x18 r13  0x20 r14  0x28 r15  0x30 rbx  0x38 rbp
#   frame+0x40 rip: the caller's return address, pushed by its call (frame = entry rsp - 0x40)
#   On arrival: rsp = target frame + 0x48, %rax = %rdi = the suspended frame, %rdx = %rsi = data.

        .align  16, 0xcc                # int3 padding between routines
        .globl  jump_fcontext
        .type   jump_fcontext, @function
jump_fcontext:
        pushq   %rbp                    # frame->rbp   (0x38)
        pushq   %rbx                    # frame->rbx   (0x30)
        pushq   %r15                    # frame->r15   (0x28)
        pushq   %r14                    # frame->r14   (0x20)
        pushq   %r13                    # frame->r13   (0x18)
        pushq   %r12                    # frame->r12   (0x10)
        subq    $0x10, %rsp             # guard (0x08) and control words: rsp = frame = entry rsp - 0x40
        fnstcw  0x04(%rsp)              # frame->x87cw (0x04)
        stmxcsr 0x00(%rsp)              # frame->mxcsr (0x00)

        movq    %rsp, %rax              # transfer_t.fctx: the suspended frame
        movq    %rdi, %rsp              # onto the target's frame
        fldcw   0x04(%rsp)              # to->x87cw (0x04)
        ldmxcsr 0x00(%rsp)              # to->mxcsr (0x00)
        addq    $0x10, %rsp             # past the control words and the guard
        popq    %r12                    # to->r12   (0x10)
        popq    %r13                    # to->r13   (0x18)
        popq    %r14                    # to->r14   (0x20)
        popq    %r15                    # to->r15   (0x28)
        popq    %rbx                    # to->rbx   (0x30)
        popq    %rbp                    # to->rbp   (0x38)
        popq    %rcx                    # to->rip   (0x40): rsp = frame + 0x48

        movq    %rsi, %rdx              # transfer_t.data
        movq    %rax, %rdi              # a fresh context's entry gets transfer_t in rdi:rsi
        jmpq    *%rcx                   # resume the target

        .align  16, 0xcc                # int3 padding between routines
        .globl  make_fcontext
        .type   make_fcontext, @function
make_fcontext:
        # fcontext_t make_fcontext(void *sp %rdi, size_t size %rsi, void (*fn)(transfer_t) %rdx):
        # sp is the top (highest address) of the new stack; size is not needed on x86-64.
        movq    %rdi, %rax              # the top of the new stack
        andq    $-16, %rax              # rounded down to 16
        leaq    -0x48(%rax), %rax       # frame + rip below it: the first jump leaves rsp = top
        movq    %rdx, 0x30(%rax)        # frame->rbx (0x30) = fn, for the trampoline
        stmxcsr 0x00(%rax)              # frame->mxcsr (0x00): the creator's
        fnstcw  0x04(%rax)              # frame->x87cw (0x04): the creator's
        leaq    pp_trampoline(%rip), %rcx
        movq    %rcx, 0x40(%rax)        # frame->rip (0x40): the first jump lands on the trampoline
        leaq    pp_finish(%rip), %rcx
        movq    %rcx, 0x38(%rax)        # frame->rbp (0x38): fn's return address, pushed by the trampoline
        ret                             # rax = the new context's frame

pp_trampoline:
        pushq   %rbp                    # fn's return address (finish): rsp = top - 8, 8 mod 16 as after a call
        jmpq    *%rbx                   # fn(transfer_t {rdi = from, rsi = data})

pp_finish:
        xorq    %rdi, %rdi              # exit status 0
        hlt                             # Boost calls _exit(0) here (call _exit@PLT); fn must never return
