# broken-df-left-set — resumes the target with the direction flag set
#
# expect: flags
# convention: minicoro
# symbol: _mco_switch
#
# A std that is never undone: the target resumes with DF set.
#
# Convention (minicoro _mco_switch, x86-64 System V, not Windows):
#   int _mco_switch(_mco_ctxbuf *from /* %rdi */, _mco_ctxbuf *to /* %rsi */);
#   _mco_ctxbuf (64 bytes): 0x00 rip  0x08 rsp  0x10 rbp  0x18 rbx  0x20 r12  0x28 r13  0x30 r14  0x38 r15
#   Saved rip is the address of the routine's own final ret, saved rsp is the entry rsp (pointing
#   at the caller's return address); resume: rsp = to->rsp, jmp *to->rip. A suspended context
#   thus resumes on that ret, which pops its caller's return address. MXCSR and the x87 control
#   word are not switched. _mco_wrap_main starts a fresh coroutine: r13 = its argument, r12 = its
#   function.

        .align  16, 0xcc                # int3 padding
        .globl  _mco_switch
        .type   _mco_switch, @function
_mco_switch:
        leaq    mco_resume(%rip), %rax  # where this strand continues when switched back to
        movq    %rax, 0x00(%rdi)        # from->rip (0x00)
        movq    %rsp, 0x08(%rdi)        # from->rsp (0x08): points at the caller's return address
        movq    %rbp, 0x10(%rdi)        # from->rbp (0x10)
        movq    %rbx, 0x18(%rdi)        # from->rbx (0x18)
        movq    %r12, 0x20(%rdi)        # from->r12 (0x20)
        movq    %r13, 0x28(%rdi)        # from->r13 (0x28)
        movq    %r14, 0x30(%rdi)        # from->r14 (0x30)
        movq    %r15, 0x38(%rdi)        # from->r15 (0x38)

        movq    0x38(%rsi), %r15        # to->r15   (0x38)
        movq    0x30(%rsi), %r14        # to->r14   (0x30)
        movq    0x28(%rsi), %r13        # to->r13   (0x28)
        movq    0x20(%rsi), %r12        # to->r12   (0x20)
        movq    0x18(%rsi), %rbx        # to->rbx   (0x18)
        movq    0x10(%rsi), %rbp        # to->rbp   (0x10)
        movq    0x08(%rsi), %rsp        # to->rsp   (0x08): onto the target's stack
        std                             # BUG: DF set and never cleared
        jmpq    *0x00(%rsi)             # to->rip   (0x00)
mco_resume:
        ret                             # a strand switched back to lands here: back to its caller
