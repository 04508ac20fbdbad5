# broken-spin-on-rbx-slot — waits until pending's rbx slot is zero
#
# expect: termination
# convention: libco
# symbol: coctx_swap
#
# Treats pending->regs[12] as a 'busy' flag that nothing ever clears: the routine loops until the
# instruction budget runs out whenever the target's rbx is not 0.
#
# Convention (libco coctx_swap, x86-64 System V):
#   void coctx_swap(coctx_t *cur /* %rdi */, coctx_t *pending /* %rsi */);
#   coctx_t begins with void *regs[14] (0x70 bytes), slot k at 8 * k:
#   0x00 r15  0x08 r14  0x10 r13  0x18 r12  0x20 r9  0x28 r8  0x30 rbp  0x38 rdi
#   0x40 rsi  0x48 ret  0x50 rdx  0x58 rcx  0x60 rbx  0x68 rsp
#   Saved rsp is the entry rsp (pointing at the return address), ret is that return address.
#   Resume: rsp = pending->rsp + 8, push pending->ret (so [pending->rsp] is rewritten), ret.
#   The argument registers rdi, rsi, rdx, rcx, r8, r9 are restored too; rax is 0 on arrival.

        .align  16, 0xcc                # int3 padding
        .globl  coctx_swap
        .type   coctx_swap, @function
coctx_swap:
coctx_wait:
        cmpq    $0, 96(%rsi)            # pending->regs[12] rbx (0x60)
        jne     coctx_wait              # BUG: spins for ever unless it is 0
        leaq    (%rsp), %rax            # entry rsp, pointing at the return address
        movq    %rax, 104(%rdi)         # cur->regs[13] rsp (0x68)
        movq    %rbx, 96(%rdi)          # cur->regs[12] rbx (0x60)
        movq    %rcx, 88(%rdi)          # cur->regs[11] rcx (0x58)
        movq    %rdx, 80(%rdi)          # cur->regs[10] rdx (0x50)
        movq    (%rax), %rax            # the return address
        movq    %rax, 72(%rdi)          # cur->regs[9]  ret (0x48)
        movq    %rsi, 64(%rdi)          # cur->regs[8]  rsi (0x40)
        movq    %rdi, 56(%rdi)          # cur->regs[7]  rdi (0x38)
        movq    %rbp, 48(%rdi)          # cur->regs[6]  rbp (0x30)
        movq    %r8, 40(%rdi)           # cur->regs[5]  r8  (0x28)
        movq    %r9, 32(%rdi)           # cur->regs[4]  r9  (0x20)
        movq    %r12, 24(%rdi)          # cur->regs[3]  r12 (0x18)
        movq    %r13, 16(%rdi)          # cur->regs[2]  r13 (0x10)
        movq    %r14, 8(%rdi)           # cur->regs[1]  r14 (0x08)
        movq    %r15, 0(%rdi)           # cur->regs[0]  r15 (0x00)
        xorq    %rax, %rax              # rax = 0 on arrival

        movq    104(%rsi), %rsp         # pending->regs[13] rsp (0x68): onto the target's stack
        movq    96(%rsi), %rbx          # pending->regs[12] rbx (0x60)
        movq    88(%rsi), %rcx          # pending->regs[11] rcx (0x58)
        movq    80(%rsi), %rdx          # pending->regs[10] rdx (0x50)
        movq    56(%rsi), %rdi          # pending->regs[7]  rdi (0x38)
        movq    48(%rsi), %rbp          # pending->regs[6]  rbp (0x30)
        movq    40(%rsi), %r8           # pending->regs[5]  r8  (0x28)
        movq    32(%rsi), %r9           # pending->regs[4]  r9  (0x20)
        movq    24(%rsi), %r12          # pending->regs[3]  r12 (0x18)
        movq    16(%rsi), %r13          # pending->regs[2]  r13 (0x10)
        movq    8(%rsi), %r14           # pending->regs[1]  r14 (0x08)
        movq    0(%rsi), %r15           # pending->regs[0]  r15 (0x00)
        leaq    8(%rsp), %rsp           # past the target's return-address word
        pushq   72(%rsi)                # pending->regs[9] ret (0x48), written back at [pending->rsp]
        movq    64(%rsi), %rsi          # pending->regs[8]  rsi (0x40), last: it was the pointer
        ret                             # to pending->ret with rsp = pending->rsp + 8
