# broken-tls-guard-not-restored — loads the target's guard but never stores it into %fs:0x28
#
# expect: restore
# convention: boost-fcontext
# symbol: jump_fcontext
# maker: make_fcontext
#
# jump_fcontext saves the guard and reads the target's, but leaves the TLS alone: the target
# arrives with the wrong %fs:0x28. (A round trip cannot show it: the guard never changed.)
#
# Convention (Boost.Context fcontext, x86-64 System V, current 0x48-byte frame):
#   transfer_t jump_fcontext(fcontext_t to /* %rdi */, void *data /* %rsi */);
#   The routine builds its frame below the caller's rsp; the frame's address is the fcontext_t
#   it hands over (in %rax, and in %rdi for a fresh context's entry function).
#   frame+0x00 mxcsr (4)   frame+0x04 x87 control word (2)   frame+0x08 TLS stack guard (%fs:0x28)
#   frame+0x10 r12  0x18 r13  0x20 r14  0x28 r15  0x30 rbx  0x38 rbp
#   frame+0x40 rip: the caller's return address, pushed by its call (frame = entry rsp - 0x40)
#   On arrival: rsp = target frame + 0x48, %rax = %rdi = the suspended frame, %rdx = %rsi = data.

        .align  16, 0xcc                # int3 padding between routines
        .globl  jump_fcontext
        .type   jump_fcontext, @function
jump_fcontext:
        leaq    -0x40(%rsp), %rsp       # frame below the return address: frame = entry rsp - 0x40
        stmxcsr 0x00(%rsp)              # frame->mxcsr (0x00)
        fnstcw  0x04(%rsp)              # frame->x87cw (0x04)
        movq    %fs:0x28, %rcx          # the thread's stack guard (glibc keeps it at %fs:0x28)
        movq    %rcx, 0x08(%rsp)        # frame->guard (0x08)
        movq    %r12, 0x10(%rsp)        # frame->r12   (0x10)
        movq    %r13, 0x18(%rsp)        # frame->r13   (0x18)
        movq    %r14, 0x20(%rsp)        # frame->r14   (0x20)
        movq    %r15, 0x28(%rsp)        # frame->r15   (0x28)
        movq    %rbx, 0x30(%rsp)        # frame->rbx   (0x30)
        movq    %rbp, 0x38(%rsp)        # frame->rbp   (0x38); frame->rip (0x40) is the return address

        movq    %rsp, %rax              # transfer_t.fctx: the frame of the strand being suspended
        movq    %rdi, %rsp              # onto the target's frame (to)
        movq    0x40(%rsp), %r8         # to->rip (0x40): where the target resumes
        ldmxcsr 0x00(%rsp)              # to->mxcsr (0x00)
        fldcw   0x04(%rsp)              # to->x87cw (0x04)
        movq    0x08(%rsp), %rcx        # to->guard (0x08)
        # BUG: no movq %rcx, %fs:0x28: the target runs with the suspended strand's guard
        movq    0x10(%rsp), %r12        # to->r12   (0x10)
        movq    0x18(%rsp), %r13        # to->r13   (0x18)
        movq    0x20(%rsp), %r14        # to->r14   (0x20)
        movq    0x28(%rsp), %r15        # to->r15   (0x28)
        movq    0x30(%rsp), %rbx        # to->rbx   (0x30)
        movq    0x38(%rsp), %rbp        # to->rbp   (0x38)
        leaq    0x48(%rsp), %rsp        # drop the target's frame and its rip: rsp as after a ret

        movq    %rsi, %rdx              # transfer_t.data: returned in rax:rdx
        movq    %rax, %rdi              # and passed in rdi:rsi to a fresh context's entry
        jmpq    *%r8                    # resume the target

        .align  16, 0xcc                # int3 padding between routines
        .globl  ontop_fcontext
        .type   ontop_fcontext, @function
ontop_fcontext:
        # transfer_t ontop_fcontext(to %rdi, data %rsi, transfer_t (*fn)(transfer_t) %rdx):
        # switches like jump_fcontext, then runs fn on the target's stack; fn's return goes to
        # the target's resume address with fn's transfer_t in rax:rdx.
        movq    %rdx, %r8               # fn, kept across the switch
        leaq    -0x40(%rsp), %rsp       # the same frame as jump_fcontext
        stmxcsr 0x00(%rsp)              # frame->mxcsr (0x00)
        fnstcw  0x04(%rsp)              # frame->x87cw (0x04)
        movq    %fs:0x28, %rcx          # the thread's stack guard (glibc keeps it at %fs:0x28)
        movq    %rcx, 0x08(%rsp)        # frame->guard (0x08)
        movq    %r12, 0x10(%rsp)        # frame->r12   (0x10)
        movq    %r13, 0x18(%rsp)        # frame->r13   (0x18)
        movq    %r14, 0x20(%rsp)        # frame->r14   (0x20)
        movq    %r15, 0x28(%rsp)        # frame->r15   (0x28)
        movq    %rbx, 0x30(%rsp)        # frame->rbx   (0x30)
        movq    %rbp, 0x38(%rsp)        # frame->rbp   (0x38)
        movq    %rsp, %rax              # transfer_t.fctx
        movq    %rdi, %rsp              # onto the target's frame
        ldmxcsr 0x00(%rsp)              # to->mxcsr
        fldcw   0x04(%rsp)              # to->x87cw
        movq    0x08(%rsp), %rcx        # to->guard
        movq    %rcx, %fs:0x28          # the target's stack guard back into the TLS
        movq    0x10(%rsp), %r12        # to->r12
        movq    0x18(%rsp), %r13        # to->r13
        movq    0x20(%rsp), %r14        # to->r14
        movq    0x28(%rsp), %r15        # to->r15
        movq    0x30(%rsp), %rbx        # to->rbx
        movq    0x38(%rsp), %rbp        # to->rbp
        leaq    0x40(%rsp), %rsp        # drop the frame but keep to->rip: fn returns to it
        movq    %rsi, %rdx              # transfer_t.data
        movq    %rax, %rdi              # fn's argument: transfer_t in rdi:rsi
        jmpq    *%r8                    # fn, entered as if called from the target's resume point

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
        movq    %fs:0x28, %rcx          # the creator's stack guard
        movq    %rcx, 0x08(%rax)        # frame->guard (0x08)
        leaq    fcontext_trampoline(%rip), %rcx
        movq    %rcx, 0x40(%rax)        # frame->rip (0x40): the first jump lands on the trampoline
        leaq    fcontext_finish(%rip), %rcx
        movq    %rcx, 0x38(%rax)        # frame->rbp (0x38): fn's return address, pushed by the trampoline
        ret                             # rax = the new context's frame

fcontext_trampoline:
        pushq   %rbp                    # fn's return address (finish): rsp = top - 8, 8 mod 16 as after a call
        jmpq    *%rbx                   # fn(transfer_t {rdi = from, rsi = data})

fcontext_finish:
        xorq    %rdi, %rdi              # exit status 0
        hlt                             # Boost calls _exit(0) here (call _exit@PLT); fn must never return
