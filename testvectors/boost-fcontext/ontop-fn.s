# ontop_fn — the function boost-ontop-fcontext.json has ontop_fcontext run on the target's stack
#
#   transfer_t ontop_fn(transfer_t t /* rdi = from, rsi = data */) { return t; }
#
# It returns its argument in rax:rdx, so the target resumes with the same transfer_t a plain
# jump_fcontext would have handed it; its ret pops the target's rip slot.
        .globl  ontop_fn
        .type   ontop_fn, @function
ontop_fn:
        movq    %rdi, %rax              # transfer_t.fctx
        movq    %rsi, %rdx              # transfer_t.data
        ret                             # to the target's resume address, rsp = to + 0x48
